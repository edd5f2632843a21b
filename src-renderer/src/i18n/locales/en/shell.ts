/** The frame around every view: navigation, notices, status bar, drop overlay, global failures. */
export const shell = {
  skipToView: 'Skip to the view',
  brandLabel: 'ConvLab, go to Build',
  viewsLabel: 'Views',
  routes: {
    build: { title: 'Build', hint: 'Stack layers and see their shapes' },
    data: { title: 'Data', hint: 'Choose and browse a dataset' },
    train: { title: 'Train', hint: 'Train the current stack and watch it learn' },
    runs: { title: 'Runs', hint: 'Open and compare past runs' },
    shift: { title: 'Shift', hint: 'How predictions change when the image moves' },
    study: { title: 'Study', hint: 'Shift robustness over the test set, run against run' },
    predict: { title: 'Predict', hint: 'Drop an image, get a prediction' },
    learn: { title: 'Learn', hint: 'Convolution step by step, and a CNN checked by hand' }
  },
  webMode: 'web mode',
  webModeHint: 'Served by npm run web on this machine; nothing leaves it',
  desktop: 'desktop',
  desktopHint: 'Desktop app',
  language: 'Language',
  notices: 'Notices',
  dismiss: 'Dismiss',
  restartEngine: 'Restart engine',
  restartFailed: 'The engine could not be restarted: {error}',
  dropTitle: 'Drop images to predict',
  dropFormats: 'PNG, JPEG, WebP, BMP or GIF · several at once',
  openedFilesFailed: 'Could not open the images given to ConvLab: {error}',
  interfaceFailed: 'Something went wrong in the interface ({info}): {error}',
  viewFailed: 'That view could not be opened: {error}',
  somethingFailed: 'Something went wrong: {error}',
  status: {
    label: 'Status',
    backend: 'Backend:',
    backendUnavailable: 'Backend: unavailable',
    startingEngine: 'Starting the engine…',
    backends: 'Compute backends',
    tryAgain: 'Try again',
    whyBackend: 'Why this backend',
    inUse: 'in use',
    availableNotChosen: 'available, not chosen',
    notAvailable: 'not available',
    backendLabels: {
      'tensorflow-gpu': 'TensorFlow native, CUDA GPU',
      tensorflow: 'TensorFlow native, CPU',
      wasm: 'WebAssembly',
      cpu: 'pure JavaScript, CPU'
    },
    fashionMnist: 'Fashion-MNIST:',
    fashionMnistMissing: 'Fashion-MNIST not found ·',
    howToGetIt: 'how to get it',
    lookingForData: 'Looking for Fashion-MNIST…',
    reasons: { notInstalled: '{pkg} is not installed', notNeeded: 'not needed: {chosen} was chosen first', notTried: 'not tried: backend forced to {forced}' }
  }
}
