/** The Predict view, and the run picker and left-out runs it shares with Shift and Study. */
export const predict = {
  title: 'Predict',
  intro: 'Drop your own pictures anywhere in the window. Each is turned into what a Fashion-MNIST model expects, a small grey image with a light object on black, and the run you pick says what it sees.',
  settings: 'Prediction settings',
  runLabel: 'Run that predicts',
  choose: 'Choose images…',
  clear: 'Clear all',
  count: '{n} image | {n} images',
  done: '{n} done',
  unreadable: '{n} not readable',
  noRun: 'No trained run yet, so the images are only decoded. Train a model in',
  noRunLink: 'Train',
  noRunEnd: 'to see predictions.',
  emptyTitle: 'Drop images anywhere in this window',
  emptyFormats: 'PNG, JPEG, WebP, BMP or GIF, several at once; or use “Choose images…”.',
  emptyTip: 'Photos of clothes on a plain background work best.',
  tooLarge: '{name} is too large: {size} MB is over the {max} MB limit for images.',
  card: {
    remove: 'Remove {name}',
    asDropped: '{name} as dropped',
    original: 'Original · {size}',
    asModelSees: '{name} as the model sees it',
    modelSees: 'What the model sees · {size}',
    preprocessing: 'Preprocessing:',
    noneNeeded: 'none needed',
    decoding: 'Decoding…',
    predicting: 'Predicting…'
  },
  faults: {
    empty: '{name} is empty.',
    tooManyBytes: '{name} is too large: {mb} MB is over the {limit} MB limit for images.',
    tooManyPixels: '{name} is too large: {size} is over {limit} megapixels.',
    unsupported: '{name} is not a supported image; ConvLab reads PNG, JPEG, WebP, GIF, TIFF and BMP.',
    undecodable: '{name} could not be decoded as a {format} image.'
  },
  steps: {
    grey: 'grey',
    firstFrame: 'first frame of {n}',
    rotate: 'rotate (EXIF orientation {n})',
    flatten: 'flatten transparency onto white',
    resize: 'resize {from} → {to}',
    centre: 'centre on {size}, padded with the background grey',
    invert: 'invert (light background)'
  },
  runs: {
    none: 'None',
    noTrained: 'No trained runs',
    leftOutOne: '1 trained run is not offered here ({name})',
    leftOutMany: '{n} trained runs are not offered here',
    leftOut: '{what}: {reasons}.',
    toyPredict: 'trained on the toy set, which knows nothing of pictures',
    notFashion: 'not trained on Fashion-MNIST, whose test set Study scores',
    wrongInput: "its input is {shape}, not Fashion-MNIST's 1×28×28",
    unknown: 'unknown'
  }
}
