import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { describeError, request, transport } from './api/client'
import { followLocaleInDocument, i18n, startLocale, t } from './i18n'
import { router } from './router'
import { useNoticeStore } from './stores'
import './styles/base.css'

/** Electron's system languages come from main through app/info; the web has navigator.languages. */
async function systemLanguages(): Promise<readonly string[] | undefined> {
  if (transport !== 'electron') return undefined
  try {
    return (await request('app/info', {})).languages
  } catch {
    return undefined
  }
}

async function start(): Promise<void> {
  i18n.global.locale.value = startLocale(await systemLanguages())
  followLocaleInDocument()

  const app = createApp(App)
  app.use(createPinia())
  app.use(i18n)
  app.use(router)

  // A bug in one view must leave a readable message and a working shell, not a blank window.
  const notices = useNoticeStore()
  app.config.errorHandler = (err, _instance, info) => {
    console.error(err)
    notices.push('error', t('shell.interfaceFailed', { info, error: describeError(err) }))
  }
  router.onError((err) => {
    notices.push('error', t('shell.viewFailed', { error: describeError(err) }))
  })
  window.addEventListener('unhandledrejection', (event) => {
    notices.push('error', t('shell.somethingFailed', { error: describeError(event.reason) }))
  })

  app.mount('#app')
}

void start()
