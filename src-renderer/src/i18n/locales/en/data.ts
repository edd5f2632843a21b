/** The Data view: sources, samples, class balance, IDX import. */
export const data = {
  title: 'Data',
  intro: 'Choose what the model learns from and look at it first: the images, their labels, and how many of each class there are.',
  balance: 'Class balance · {split} split',
  samples: 'Samples',
  split: 'Split',
  splits: { train: 'Train', test: 'Test' },
  splitNames: { train: 'train', test: 'test' },
  fileSeparator: ', ',
  skipped: 'One file of this folder is not a readable image and will be skipped (neither trained nor tested on): | {n} files of this folder are not readable images and will be skipped (neither trained nor tested on):',
  importFaults: {
    notDataset: '{name} is not one of Fashion-MNIST\'s IDX files, or it is damaged; it was not imported.',
    duplicate: '{name} and {other} hold the same part of the dataset; only the first was kept.',
    countMismatch: '{name} holds {count} items but {other} holds {otherCount}; images and labels must match one to one, so {name} was not imported.',
    saveFailed: '{name} could not be saved in {dir}.'
  },
  refusals: {
    missing: '{dir} does not exist.',
    notFolder: '{dir} is a file, not a folder.',
    noFiles: "{dir} holds none of Fashion-MNIST's four files ({files}, each raw or .gz).",
    lacks: '{dir} lacks {files}.'
  },
  noFashionMnist: 'No Fashion-MNIST to show: how to get it is under Dataset.',
  typeFolder: 'Type the path of a folder with one sub-folder per class, then press Use.',
  loading: 'Loading samples…',
  pages: 'Pages of samples',
  firstPage: 'First page',
  previous: '‹ Previous',
  page: 'Page',
  pageNumber: 'Page number',
  ofPages: 'of {n}',
  next: 'Next ›',
  lastPage: 'Last page',
  range: '{from}–{to} of {total}',
  sample: 'Sample {n}: {name}',
  nameSplit: '({split})',
  nameFirst: '({split}, first {n})',
  label: {
    none: 'no data chosen',
    toy: 'the toy set',
    folder: 'folder {dir}',
    fashionIn: 'Fashion-MNIST in {dir}',
    fashion: 'Fashion-MNIST'
  },
  source: {
    legend: 'Dataset',
    fashionAbout: '70,000 grey 28×28 photos of clothes in 10 classes',
    looking: 'Looking for it…',
    foundIn: 'Found in',
    fashionFolder: 'Fashion-MNIST folder',
    otherFolder: 'Other folder (optional)',
    dropFiles: 'Drop the Fashion-MNIST .gz or -ubyte files, or the folder that holds them.',
    toy: 'Toy set',
    toyAbout: "The tutorial's tiny matrices, for checking a small CNN by hand",
    folder: 'Image folder',
    folderAbout: 'Your own images: one sub-folder per class (cats/, dogs/ …), decoded to grey'
  },
  folderField: {
    use: 'Use',
    noPath: 'This browser did not say where the dropped folder is; type or paste its path instead.',
    hint: 'Type or paste a path, or drop the folder here.'
  },
  idx: {
    importing: 'Importing…',
    import: 'Import IDX files…',
    dropHint: 'or drop the .gz / -ubyte files here',
    roles: { 'train-images': 'train images', 'train-labels': 'train labels', 'test-images': 'test images', 'test-labels': 'test labels' },
    notIdx: '{name} is not a Fashion-MNIST file: expected a name ending in .gz, .idx or -ubyte.',
    tooLarge: '{name} is too large: {size} MB is over the {max} MB limit for IDX files.'
  },
  /** How to get Fashion-MNIST. English shows the server's own text, which also names a partial copy. */
  missingHelp:
    'Fashion-MNIST was not found. Looked in: {searched}.\nTo get it:\n- On Debian or Ubuntu: sudo apt install dataset-fashion-mnist\n- Otherwise download the four .gz files from {url} into fashion-mnist/ in ConvLab\'s data folder, or choose the folder that holds them below.'
}
