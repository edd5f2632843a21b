import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { describeError } from './api/client'
import { useNoticeStore } from './stores'
import './styles/base.css'

const app = createApp(App)
app.use(createPinia())

// A bug in one component must leave a readable message, not a blank window.
const notices = useNoticeStore()
app.config.errorHandler = (err) => {
  console.error(err)
  notices.push('error', `Something went wrong in the interface: ${describeError(err)}`)
}
window.addEventListener('unhandledrejection', (event) => {
  notices.push('error', `Something went wrong: ${describeError(event.reason)}`)
})

app.mount('#app')
