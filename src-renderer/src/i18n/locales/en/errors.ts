/**
 * Errors from the main side, worded here from their code and parameters. `codes` words any
 * error of a code; `reasons` words the common ones exactly, with the parameters main sends.
 */
export const errors = {
  codes: {
    'invalid-payload': 'The request was refused: its input is not valid.',
    'unknown-method': 'The app asked for something this version does not know.',
    'not-found': 'What was asked for does not exist.',
    busy: 'Busy with another task; try again when it has finished.',
    data: 'The data is faulty and cannot be used.',
    engine: 'The engine failed.',
    unauthorized: 'Not signed in: open the address web mode printed, with its token.',
    forbidden: 'Only folders you chose in the app can be used.',
    permission: 'A file or folder cannot be read or written: permission denied.',
    io: 'The disk failed to read or write.',
    internal: 'Something went wrong inside ConvLab.'
  },
  reasons: {
    fsMissing: '{path} does not exist.',
    fsNotFolder: '{path} is not a folder (a part of the path is a file).',
    fsIsFolder: '{path} is a folder, not a file.',
    fsDenied: '{path} cannot be accessed: permission denied.',
    fsNotPermitted: '{path} cannot be changed: operation not permitted.',
    fsReadOnly: '{path} is on a read-only file system.',
    fsFull: '{path} cannot be written: the disk is full.',
    fsIo: '{path} cannot be read or written: the disk reported an I/O error.',
    invalidField: 'Not valid: {field}.',
    runMissing: 'There is no run {run}.',
    runTraining: 'Run {run} is still training.',
    runFailedNoModel: 'Run {run} failed and has no trained model.',
    runNoModel: 'Run {run} has no trained model.',
    trainingBusy: 'A run is already training; wait for it or cancel it.',
    recipeBusy: "The shift study's recipe is training; wait for it or cancel it.",
    stackMissing: 'There is no saved layer stack named {name}.',
    runsReadOnly: 'The runs folder is read-only: runs are shown, not changed.',
    stack: 'The layer stack cannot be trained as a classifier.',
    runAlreadyDone: 'Run {run} has trained all its planned epochs: nothing to resume. Continue it instead.',
    runNotCompleted: 'Run {run} has not completed: resume it first.',
    runNoEpoch: 'Run {run} has no completed epoch saved to go on from: train it again.',
    runNoOptimizer: 'Run {run} was saved without its optimizer state: tick "Start the optimizer afresh" to go on anyway.'
  }
}
