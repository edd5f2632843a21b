export { useBackendStore } from './backend'
export { useModelStore } from './model'
export { useNoticeStore } from './notices'
