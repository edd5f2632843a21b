import { onBeforeUnmount, onMounted } from 'vue'
import { useRouter } from 'vue-router'
import { describeError, lab, request } from '@renderer/api/client'
import { t } from '@renderer/i18n'
import { useNoticeStore } from '@renderer/stores/notices'
import { imageFileToFile } from '@renderer/stores/image-files'
import { usePredictStore } from '@renderer/stores/predict'

/**
 * Images the operating system opened with ConvLab go to Predict, as if dropped on the window:
 * those the app was started with, and those that arrive while it runs.
 */
export function useOpenedFiles(): void {
  const predict = usePredictStore()
  const notices = useNoticeStore()
  const router = useRouter()
  let unsubscribe: (() => void) | undefined

  async function take(): Promise<void> {
    try {
      const files = await request('app/opened-files', {})
      if (!files.length) return
      void predict.addFiles(files.map(imageFileToFile))
      if (router.currentRoute.value.name !== 'predict') await router.push({ name: 'predict' })
    } catch (err) {
      notices.push('error', t('shell.openedFilesFailed', { error: describeError(err) }))
    }
  }

  onMounted(() => {
    unsubscribe = lab.on('app/files-opened', () => void take())
    void take()
  })
  onBeforeUnmount(() => unsubscribe?.())
}
