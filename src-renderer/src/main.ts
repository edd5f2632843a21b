import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { describeError } from './api/client'
import { router } from './router'
import { useNoticeStore } from './stores'
import './styles/base.css'

const app = createApp(App)
app.use(createPinia())
app.use(router)

// A bug in one view must leave a readable message and a working shell, not a blank window.
const notices = useNoticeStore()
app.config.errorHandler = (err, _instance, info) => {
  console.error(err)
  notices.push('error', `Something went wrong in the interface (${info}): ${describeError(err)}`)
}
router.onError((err) => {
  notices.push('error', `That view could not be opened: ${describeError(err)}`)
})
window.addEventListener('unhandledrejection', (event) => {
  notices.push('error', `Something went wrong: ${describeError(event.reason)}`)
})

app.mount('#app')
