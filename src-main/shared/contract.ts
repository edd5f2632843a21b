/**
 * The Lab API: the one contract between the renderer and the main side. Every method's name,
 * input schema and output schema, and every pushed event, is declared here and nowhere else.
 * Electron IPC (preload -> ipcMain) and web mode (HTTP + server-sent events) both carry exactly
 * these calls; the main side validates every input with these schemas before acting on it.
 */
import { z } from 'zod'
import { ModelSpec } from './layers'
import { DataSource, Split } from './dataset'
import { DATA_MISMATCH_REASONS } from './data-fit'
import { STACK_PROBLEMS } from './shapes'

const runId = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a run id is letters, digits, ".", "_" or "-"')

export const BackendName = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'])
export type BackendName = z.infer<typeof BackendName>

export const BackendReport = z.object({
  chosen: BackendName,
  candidates: z.array(
    z.object({ name: BackendName, available: z.boolean(), reason: z.string().optional() })
  )
})
export type BackendReport = z.infer<typeof BackendReport>

/**
 * Random translations of every training image, drawn afresh for each image of each batch from
 * the run's seed: up to `maxShift` px each way on the chosen axes, wrapped round ('roll') or
 * filled with 0 ('zero'). Validation and test images are never shifted.
 */
export const AugmentConfig = z.object({
  maxShift: z.number().int().min(0).max(8),
  axes: z.enum(['x', 'y', 'xy']).default('xy'),
  mode: z.enum(['roll', 'zero']).default('roll')
})
export type AugmentConfig = z.infer<typeof AugmentConfig>

export const TrainConfig = z.object({
  optimizer: z.enum(['adam', 'sgd']).default('adam'),
  learningRate: z.number().gt(0).max(10).default(1e-3),
  batchSize: z.number().int().min(1).max(65536).default(32),
  epochs: z.number().int().min(1).max(100000).default(5),
  validationSplit: z.number().min(0).lt(1).default(0),
  /** Use only the first N training images. */
  limit: z.number().int().min(1).optional(),
  /** Test on only the first N test images; the whole test set when absent, whatever `limit` says. */
  testLimit: z.number().int().min(1).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
  backend: BackendName.optional(),
  augment: AugmentConfig.optional(),
  /** Most threads training may use (CONVLAB_TRAIN_THREADS caps it); all cores when absent. */
  threads: z.number().int().min(1).max(1024).optional()
})
export type TrainConfig = z.infer<typeof TrainConfig>
export type TrainConfigInput = z.input<typeof TrainConfig>

export const EpochRecord = z.object({
  epoch: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number().optional(),
  valAccuracy: z.number().optional(),
  seconds: z.number()
})
export type EpochRecord = z.infer<typeof EpochRecord>

export const EvalMetrics = z.object({
  count: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  /** confusion[actual][predicted] */
  confusion: z.array(z.array(z.number().int()))
})
export type EvalMetrics = z.infer<typeof EvalMetrics>

export const RunStatus = z.enum(['running', 'completed', 'cancelled', 'failed'])
export type RunStatus = z.infer<typeof RunStatus>

/**
 * How training used the cores: one thread, or several splitting each batch's rows or a hidden
 * layer's units between them (engine/parallel/parallel.ts).
 */
export const TrainThreads = z.object({ count: z.number().int().min(1), split: z.enum(['batch', 'units']).optional() })
export type TrainThreads = z.infer<typeof TrainThreads>

/**
 * The loss exploded: it rose to `peakLoss` (the mean of epoch `epoch`, or of a batch when no
 * epoch finished) from `firstLoss`, the untrained model's first batch (shared/divergence.ts).
 * The weights are kept, but they are no trained model.
 */
export const Divergence = z.object({ firstLoss: z.number(), peakLoss: z.number(), epoch: z.number().int() })
export type Divergence = z.infer<typeof Divergence>

/**
 * One thing wrong in a run folder, for the interface to word: the file, and how it fails
 * (`detail`: the system's error code when it cannot be read, the field when it is malformed,
 * the error's English text for any other fault).
 */
export const RunDamageCause = z.object({
  kind: z.enum(['missing', 'unreadable', 'notJson', 'malformed', 'modelFilesMissing', 'other']),
  file: z.string(),
  detail: z.string().optional()
})
export type RunDamageCause = z.infer<typeof RunDamageCause>

/** What a damaged run still offers, for the interface to word (`usable` says it in English). */
export const RunDamageKeeps = z.object({
  /** Whether the run opens at all: not without its run.json. */
  opens: z.boolean(),
  /** The trained model (when it opens), or the model files on disk (when it does not). */
  model: z.boolean(),
  /** Readable test metrics, with their accuracy and image count. */
  test: z.object({ accuracy: z.number(), count: z.number().int() }).optional(),
  curves: z.boolean()
})
export type RunDamageKeeps = z.infer<typeof RunDamageKeeps>

/** A run folder with a file that cannot be read: what is wrong and what can still be used. */
export const RunDamage = z.object({
  /** In English, for the CLI; `causes` says the same for the interface to word. */
  problems: z.array(z.string()).min(1),
  causes: z.array(RunDamageCause).min(1),
  /** In English, for the CLI; `keeps` says the same for the interface to word. */
  usable: z.string(),
  keeps: RunDamageKeeps,
  /** Whether the trained model can still predict, evaluate and shift: runs pickers offer only those. */
  modelUsable: z.boolean()
})
export type RunDamage = z.infer<typeof RunDamage>

export const RunSummary = z.object({
  id: runId,
  name: z.string(),
  modelName: z.string(),
  /** The model's input (channels, height, width), so each view offers only runs it can feed; absent as `data` is. */
  inputShape: z.array(z.number().int()).optional(),
  /** Absent only for a damaged run whose run.json cannot be read. */
  data: DataSource.optional(),
  createdAt: z.string(),
  /** 'damaged': run.json cannot be read, so the run's own status is unknown (see `damage`). */
  status: z.union([RunStatus, z.literal('damaged')]),
  epochsDone: z.number().int(),
  backend: z.string().optional(),
  threads: TrainThreads.optional(),
  /** Trained on randomly shifted copies of its images (config.augment). */
  augmented: z.boolean().optional(),
  testAccuracy: z.number().optional(),
  /** The group of runs repeated over seeds this run belongs to (`train --seeds`). */
  group: z.string().optional(),
  diverged: Divergence.optional(),
  damage: RunDamage.optional(),
  /**
   * Marked running, but not by this app: another process (the CLI) trains it, or, in a read-only
   * runs folder, it was interrupted and cannot be marked so. This app can neither follow nor cancel it.
   */
  trainedElsewhere: z.boolean().optional()
})
export type RunSummary = z.infer<typeof RunSummary>

export const BatchRecord = z.object({
  epoch: z.number().int(),
  batch: z.number().int(),
  loss: z.number(),
  accuracy: z.number()
})
export type BatchRecord = z.infer<typeof BatchRecord>

/**
 * Why a run failed or was cut short, for the interface to word (`error` says it in English):
 * the engine died or was down, a cancel had to stop the engine, the data was faulty, or another fault.
 */
export const RUN_FAILURES = ['engineExited', 'engineDown', 'cancelledByRestart', 'cancelledStuck', 'dataFault', 'other'] as const
export const RunFailure = z.object({
  code: z.enum(RUN_FAILURES),
  params: z.record(z.string(), z.union([z.string(), z.number()]))
})
export type RunFailure = z.infer<typeof RunFailure>

/** Where a run's training picked up again: after `epoch` epochs, resumed (after a stop) or continued (after it completed). */
export const ResumePoint = z.object({
  epoch: z.number().int().min(1),
  kind: z.enum(['resume', 'continue']),
  at: z.string(),
  /** The optimizer started afresh (a run saved without its optimizer state): not the same as one longer run. */
  freshOptimizer: z.boolean().optional()
})
export type ResumePoint = z.infer<typeof ResumePoint>

export const RunDetail = RunSummary.extend({
  data: DataSource,
  status: RunStatus,
  model: ModelSpec,
  config: TrainConfig,
  classNames: z.array(z.string()),
  epochs: z.array(EpochRecord),
  batches: z.array(BatchRecord),
  test: EvalMetrics.optional(),
  error: z.string().optional(),
  failure: RunFailure.optional(),
  resumes: z.array(ResumePoint).optional(),
  /** The last completed epoch saved for resume and continue, whether its optimizer state was saved with it, and its size on disk. */
  checkpoint: z.object({ epoch: z.number().int().min(1), optimizer: z.boolean(), bytes: z.number().int().min(0).optional() }).optional()
})
export type RunDetail = z.infer<typeof RunDetail>

/**
 * A grey image as the model sees it: row-major, height x width. Dataset images as they are sent
 * out may hold other values (the tutorial's toy set is -1..1).
 */
export const PixelImage = z
  .object({
    width: z.number().int().min(1).max(4096),
    height: z.number().int().min(1).max(4096),
    pixels: z.array(z.number().finite())
  })
  .refine((i) => i.pixels.length === i.width * i.height, {
    message: 'pixels must hold width x height values'
  })
export type PixelImage = z.infer<typeof PixelImage>

/**
 * An image a caller sends in: every decoder and dataset gives grey values 0..1, and a model fed
 * far outside that range answers nonsense (1e308 gave uniform probabilities, 1e38 overflowed to
 * non-finite outputs). One issue for the first bad value, not one per pixel.
 */
export const InputPixelImage = PixelImage.superRefine((image, ctx) => {
  const i = image.pixels.findIndex((v) => !(v >= 0 && v <= 1))
  if (i >= 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['pixels', i],
      message: `pixel ${i} is ${image.pixels[i]}; pixels are grey values from 0 to 1 (divide 0-255 values by 255)`
    })
  }
})

export const ImageRef = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dataset'), split: Split.default('train'), index: z.number().int().min(0) }),
  z.object({ kind: z.literal('pixels'), image: InputPixelImage })
])
export type ImageRef = z.infer<typeof ImageRef>

export const ShiftRequest = z
  .object({
    runId,
    image: ImageRef,
    from: z.number().int().min(-64).max(64).default(-5),
    to: z.number().int().min(-64).max(64).default(5),
    axis: z.enum(['x', 'y']).default('x'),
    mode: z.enum(['roll', 'zero']).default('roll')
  })
  .refine((r) => r.from <= r.to, { message: '"from" must not be greater than "to"' })
export type ShiftRequest = z.infer<typeof ShiftRequest>

export const ShiftResult = z.object({
  shifts: z.array(z.number().int()),
  classNames: z.array(z.string()),
  /** One row per shift; each row sums to 1. */
  probabilities: z.array(z.array(z.number())),
  predicted: z.array(z.number().int()),
  /** The shifted inputs, one per shift, as the model saw them. */
  images: z.array(PixelImage),
  label: z.number().int().optional()
})
export type ShiftResult = z.infer<typeof ShiftResult>

export const PredictResult = z.object({
  classNames: z.array(z.string()),
  probabilities: z.array(z.array(z.number())),
  predicted: z.array(z.number().int())
})
export type PredictResult = z.infer<typeof PredictResult>

export const SummaryRow = z.object({
  name: z.string(),
  outputShape: z.array(z.number().int()),
  params: z.number().int()
})

export const FashionMnistStatus = z.union([
  z.object({ found: z.literal(true), dir: z.string() }),
  // `problem`: what is wrong with the folder asked about, when one was (it does not exist, lacks files…), in
  // English; `refusal` says the same for the interface to word: the folder, and the files it lacks.
  z.object({
    found: z.literal(false),
    searched: z.array(z.string()),
    help: z.string(),
    problem: z.string().optional(),
    refusal: z.object({ code: z.enum(['missing', 'notFolder', 'noFiles', 'lacks']), dir: z.string(), files: z.string() }).optional()
  })
])
export type FashionMnistStatus = z.infer<typeof FashionMnistStatus>

/** The largest image file the lab decodes; 50 MB as bytes, before base64. */
export const MAX_IMAGE_FILE_BYTES = 50_000_000

/** A dropped or picked file, as the renderer read it; base64 because JSON carries no bytes. */
export const ImageFile = z.object({
  name: z.string().min(1).max(1000),
  base64: z.string().max(Math.ceil(MAX_IMAGE_FILE_BYTES / 3) * 4)
})
export type ImageFile = z.infer<typeof ImageFile>

/** One file's outcome: a bad file is reported beside the good ones, never failing the batch. */
export const DecodedImage = z.discriminatedUnion('ok', [
  z.object({
    name: z.string(),
    ok: z.literal(true),
    image: PixelImage,
    /** What was done to the file, in words and in order, e.g. "resize 300x200 → 28x19". */
    preprocessing: z.array(z.string()),
    original: z.object({ width: z.number().int(), height: z.number().int(), format: z.string() })
  }),
  z.object({
    name: z.string(),
    ok: z.literal(false),
    /** In English; `fault` says the same for the interface to word, when the decoder refused the file. */
    error: z.string(),
    fault: z
      .object({
        code: z.enum(['empty', 'tooManyBytes', 'tooManyPixels', 'unsupported', 'undecodable']),
        params: z.record(z.string(), z.union([z.string(), z.number()]))
      })
      .optional()
  })
])
export type DecodedImage = z.infer<typeof DecodedImage>

/**
 * The largest IDX file the lab imports, before base64: Fashion-MNIST's biggest file is 47 MB
 * uncompressed, and one such file per call stays under web mode's 72 MB request limit.
 */
export const MAX_IDX_FILE_BYTES = 50_000_000

export const IdxRole = z.enum(['train-images', 'train-labels', 'test-images', 'test-labels'])
export type IdxRole = z.infer<typeof IdxRole>

export const IdxImportResult = z.object({
  name: z.string(),
  ok: z.boolean(),
  role: IdxRole.optional(),
  /** Images or labels in the file. */
  count: z.number().int().optional(),
  /** In English; `fault` says why for the interface to word (its details stay in `error`). */
  error: z.string().optional(),
  fault: z
    .object({
      code: z.enum(['notDataset', 'duplicate', 'countMismatch', 'saveFailed']),
      params: z.record(z.string(), z.union([z.string(), z.number()]))
    })
    .optional()
})
export type IdxImportResult = z.infer<typeof IdxImportResult>

/** A layer stack the user saved under its model name. */
export const SavedStack = z.object({ name: z.string(), spec: ModelSpec, savedAt: z.string() })
export type SavedStack = z.infer<typeof SavedStack>

/** Trained tensors of one layer in PyTorch's layouts ([out, in, kh, kw], [out, in]), as plain numbers. */
export const LayerTensors = z.object({
  index: z.number().int(),
  type: z.string(),
  tensors: z.array(
    z.object({ name: z.enum(['weight', 'bias', 'running_mean', 'running_var']), shape: z.array(z.number().int()), values: z.array(z.number()) })
  )
})
export type LayerTensors = z.infer<typeof LayerTensors>

/** Every layer's output for one image, channels first, as the engine computed it. */
export const LayerActivations = z.object({
  classNames: z.array(z.string()),
  inputShape: z.array(z.number().int()),
  input: z.array(z.number()),
  label: z.number().int().optional(),
  layers: z.array(z.object({ index: z.number().int(), type: z.string(), shape: z.array(z.number().int()), values: z.array(z.number()) }))
})
export type LayerActivations = z.infer<typeof LayerActivations>

const ShiftPoint = z.object({ dx: z.number().int(), dy: z.number().int(), accuracy: z.number(), consistency: z.number() })

/** Accuracy and consistency of one run under shifts of its test images (shared/robustness.ts). */
export const RobustnessReport = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('completed'),
    count: z.number().int(),
    max: z.number().int(),
    mode: z.enum(['roll', 'zero']),
    classNames: z.array(z.string()),
    x: z.array(ShiftPoint),
    y: z.array(ShiftPoint),
    grid: z.array(ShiftPoint).optional(),
    summary: z.object({ accuracyAt0: z.number(), worstAccuracy: z.number(), meanConsistency: z.number() })
  }),
  z.object({ status: z.literal('cancelled'), count: z.number().int(), max: z.number().int(), mode: z.enum(['roll', 'zero']), classNames: z.array(z.string()) })
])
export type RobustnessReport = z.infer<typeof RobustnessReport>

const jobId = z.string().min(1).max(200)

/** How many skipped files data/samples names; the count says how many more there are. */
export const SKIPPED_REASONS = 20

const noInput = z.object({}).strict().default({})

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc }
}

/**
 * A cancel of long work in the engine: it answers at once, the work stops after its current
 * `step`, or with the engine process (restarted) when that step has not ended within seconds.
 */
function cancelMethod<S extends z.ZodRawShape>(input: S, what: string, step: string) {
  return method(
    z.object(input),
    z.object({ cancelled: z.boolean() }),
    `Answers at once; ${what} stops after its current ${step}, or, when that ${step} has not ended within seconds, with the engine process, which is restarted.`
  )
}

export const LAB_METHODS = {
  'app/info': method(
    noInput,
    z.object({
      version: z.string(),
      dataDir: z.string(),
      runsDir: z.string(),
      platform: z.string(),
      /** Why runs cannot be written (the runs folder is read-only): they are shown, not changed. */
      runsReadOnly: z.string().optional(),
      /** The system's preferred languages (BCP 47), most preferred first: the desktop app's only. */
      languages: z.array(z.string().max(50)).max(50).optional(),
      /** Most threads a training run can use here: the cores, or fewer when CONVLAB_TRAIN_THREADS says so. */
      trainThreads: z.number().int().min(1)
    }),
    'Version and where the app keeps its data and runs, and why runs are read-only when they are.'
  ),
  'app/opened-files': method(
    noInput,
    z.array(ImageFile).max(64),
    'Images the operating system asked the app to open (dropped on its icon, "Open with ConvLab"), each handed out once.'
  ),
  'backends/list': method(noInput, BackendReport, 'The TensorFlow.js backend in use and why better ones were skipped.'),
  'model/presets': method(
    noInput,
    z.array(z.object({ name: z.string(), spec: ModelSpec })),
    'The tutorial presets (seed-mlp, seed-cnn, seed-toy).'
  ),
  'model/summary': method(
    z.object({ spec: z.unknown() }),
    z.object({
      text: z.string(),
      rows: z.array(SummaryRow),
      totalParams: z.number().int(),
      /** The layer that cannot follow the one before it: `code` and `params` for the interface to word, `message` in English. */
      error: z
        .object({
          layerIndex: z.number().int(),
          torchType: z.string(),
          code: z.enum(STACK_PROBLEMS),
          params: z.record(z.string(), z.union([z.string(), z.number()])),
          message: z.string()
        })
        .optional()
    }),
    'The torchsummary-style table of a layer stack; an impossible stack keeps its rows up to the error.'
  ),
  'stacks/list': method(noInput, z.array(SavedStack), 'The layer stacks the user saved, newest first; unreadable files are skipped with a notice.'),
  'stacks/save': method(z.object({ spec: ModelSpec }), SavedStack, 'Saves a layer stack under its model name, replacing one of the same name.'),
  'stacks/delete': method(z.object({ name: z.string().min(1).max(200) }), z.object({ deleted: z.boolean() }), 'Deletes a saved layer stack.'),
  'stacks/export': method(
    z.object({ spec: ModelSpec, format: z.literal('pytorch') }),
    z.object({ dir: z.string(), files: z.array(z.string()) }),
    "Writes a layer stack's code, without weights, as a PyTorch project (model.py, README.md) into the data folder's exports/, replacing an earlier export of a stack of that name."
  ),
  'data/locate': method(
    z.object({ dir: z.string().min(1).max(4096).optional() }).strict().default({}),
    FashionMnistStatus,
    'Where Fashion-MNIST was found, or how to get it.'
  ),
  'data/choose-folder': method(
    z.object({ dir: z.string().min(1).max(4096) }),
    z.object({ dir: z.string() }),
    'Records a folder the user chose (typed, dropped or picked) in this session: the API reads image and dataset folders only under these and the data folder. Reads nothing itself.'
  ),
  'data/samples': method(
    z.object({
      source: DataSource,
      split: Split.default('train'),
      offset: z.number().int().min(0).default(0),
      count: z.number().int().min(1).max(200).default(48)
    }),
    z.object({
      name: z.string(),
      total: z.number().int(),
      shape: z.array(z.number().int()),
      classNames: z.array(z.string()),
      /** Images per class over the whole split, for the class balance. */
      classCounts: z.array(z.number().int()),
      labels: z.array(z.number().int()),
      images: z.array(PixelImage),
      /** Files of an image folder that are not readable images: how many, and the first reasons. */
      skipped: z
        .object({
          count: z.number().int().min(1),
          /** In English, the decoder's words; `files` names the same files for an interface in another language. */
          reasons: z.array(z.string()).max(SKIPPED_REASONS),
          files: z.array(z.string()).max(SKIPPED_REASONS)
        })
        .optional()
    }),
    'A page of samples of one split with their labels, the class balance of the whole split, and the files of an image folder skipped.'
  ),
  'train/check': method(
    z.object({ model: ModelSpec, data: DataSource }),
    z.object({
      problem: z
        .object({
          message: z.string().max(2000),
          /** A mismatch's cause with its values, for the interface to word; absent for other problems (a missing folder). */
          reason: z.enum(DATA_MISMATCH_REASONS).optional(),
          params: z.record(z.string(), z.union([z.string(), z.number()])).optional()
        })
        .optional()
    }),
    'Whether the model can train on the data, checked without loading it: what to change when its input or outputs do not fit.'
  ),
  'train/start': method(
    z.object({
      model: ModelSpec,
      data: DataSource,
      config: TrainConfig,
      name: z.string().max(200).optional(),
      /** The group of runs repeated over seeds this run belongs to (the Train view's Seeds field). */
      group: z.string().min(1).max(200).optional()
    }),
    z.object({ runId }),
    'Starts training in the engine; progress arrives as train/* events.'
  ),
  'train/cancel': cancelMethod({ runId }, 'the run', 'batch'),
  'train/pause': method(
    z.object({ runId, paused: z.boolean() }),
    z.object({ paused: z.boolean() }),
    'Pauses the run in progress at its next batch boundary (paused: true) or lets it go on; its duration and ETA leave the pause out, and train/cancel still stops it.'
  ),
  'train/resume': method(
    z.object({ runId, freshOptimizer: z.boolean().optional() }),
    z.object({ runId }),
    'Trains a cancelled or interrupted run on from its last completed epoch to its planned epochs, in the same run folder; its history goes on as one curve with the point marked.'
  ),
  'train/continue': method(
    z.object({ runId, epochs: z.number().int().min(1).max(100000), freshOptimizer: z.boolean().optional() }),
    z.object({ runId }),
    'Trains a completed run `epochs` more, in the same run folder, from its saved weights and optimizer state: the same weights as one longer run. freshOptimizer: continue a run saved without optimizer state.'
  ),
  'engine/restart': method(
    noInput,
    z.object({ restarted: z.literal(true) }),
    'Kills the engine process, whatever it is doing (a run in progress ends cancelled), and starts a fresh one, also while restarts after repeated crashes are paused.'
  ),
  'runs/list': method(noInput, z.array(RunSummary), 'Past and current runs, newest first.'),
  'runs/get': method(z.object({ runId }), RunDetail, 'One run with its model, config, history and test metrics.'),
  'runs/rename': method(z.object({ runId, name: z.string().min(1).max(200) }), RunSummary, 'Renames a run.'),
  'runs/drop-checkpoint': method(
    z.object({ runId }),
    z.object({ freedBytes: z.number().int().min(0) }),
    "Removes a completed run's checkpoint (weights and optimizer state) to free the disk; its trained model stays, and continuing it then needs freshOptimizer. Refused for a run training, paused or stopped (a stopped run's checkpoint is what resumes it)."
  ),
  'runs/delete': method(
    z.object({ runId }),
    z.object({ deleted: z.boolean() }),
    'Moves a run folder to the trash, where runs/restore finds it until it is a day old.'
  ),
  'runs/restore': method(z.object({ runId }), RunSummary, 'Brings a deleted run back from the trash.'),
  'runs/evaluate': method(
    z.object({ runId, limit: z.number().int().min(1).optional() }),
    EvalMetrics,
    'Accuracy, loss and confusion matrix of a run on its test split.'
  ),
  'predict/images': method(
    z.object({ runId, images: z.array(InputPixelImage).min(1).max(256) }),
    PredictResult,
    'Class probabilities for grey images already at the model input size.'
  ),
  'images/decode': method(
    z.object({
      files: z.array(ImageFile).min(1).max(64),
      width: z.number().int().min(1).max(4096),
      height: z.number().int().min(1).max(4096)
    }),
    z.array(DecodedImage),
    'Decodes image files to grey at a model input size, as the CLI does; one result per file, in order.'
  ),
  'data/import-idx': method(
    z.object({
      files: z
        .array(z.object({ name: z.string().min(1).max(1000), base64: z.string().max(Math.ceil(MAX_IDX_FILE_BYTES / 3) * 4) }))
        .min(1)
        .max(4)
    }),
    z.array(IdxImportResult),
    "Checks Fashion-MNIST IDX files (raw or gzip), recognises each one's role and copies the good ones into the app's fashion-mnist folder; one result per file, in order."
  ),
  'shift/heatmap': method(ShiftRequest, ShiftResult, 'Class probabilities of one image rolled or shifted by each offset.'),
  'runs/weights': method(
    z.object({ runId, layers: z.array(z.number().int().min(0)).max(200).optional() }),
    z.object({ spec: ModelSpec, classNames: z.array(z.string()), layers: z.array(LayerTensors) }),
    "A run's trained weights in PyTorch's layouts, for the forward pass by hand; only the listed layer indices when given."
  ),
  'runs/export': method(
    z.object({ runId, format: z.literal('pytorch') }),
    z.object({ dir: z.string(), files: z.array(z.string()) }),
    "Writes a trained run as a PyTorch project (model.py, weights.safetensors, train.py for Fashion-MNIST runs) into the data folder's exports/, replacing an earlier export of it."
  ),
  'runs/robustness': method(
    z.object({
      runId,
      max: z.number().int().min(0).max(8).default(5),
      limit: z.number().int().min(1).optional(),
      mode: z.enum(['roll', 'zero']).default('roll'),
      grid: z.boolean().default(true),
      jobId
    }),
    RobustnessReport,
    "Accuracy and consistency (same class as unshifted) of a run's model for its test images shifted by -max..max px along x, y and, with grid, both; progress as robustness/progress, stopped by runs/robustness-cancel."
  ),
  'runs/robustness-cancel': cancelMethod({ jobId }, 'the study', 'chunk of images'),
  'study/train-recipe': method(
    z.object({
      epochs: z.number().int().min(1).max(100_000).default(2),
      seeds: z
        .array(z.number().int().min(0).max(2 ** 31 - 1))
        .min(1)
        .max(10)
        .refine((s) => new Set(s).size === s.length, { message: 'seeds must differ' })
        .default([1, 2, 3]),
      trainLimit: z.number().int().min(1).optional(),
      /**
       * The runs' names in the interface's language: the four models' in recipe order, and each
       * seed's (in `seeds` order) appended with several seeds. English labels when absent.
       */
      names: z
        .object({ models: z.array(z.string().trim().min(1).max(120)).length(4), seeds: z.array(z.string().trim().min(1).max(40)).max(10) })
        .optional()
    }).refine((o) => !o.names || o.names.seeds.length === o.seeds.length, { message: 'names.seeds needs one name per seed', path: ['names', 'seeds'] }),
    z.object({
      status: z.enum(['completed', 'cancelled', 'failed']),
      runIds: z.array(runId),
      /** In English: the run that ended early, how, and why. */
      error: z.string().optional(),
      /** The same for the interface to word: the run's label, its English reason, and the reason's code. */
      label: z.string().optional(),
      reason: z.string().optional(),
      failure: RunFailure.optional()
    }),
    "Trains the shift study's four recipe runs on Fashion-MNIST one after another (seed-mlp, seed-cnn, seed-cnn with shifted images, seed-cnn with BlurPool), once per seed, seed by seed, each model's runs a group when there are several seeds, as `lab shift-study --recipe` does; each start as study/recipe-step, stopped by train/cancel of the run in progress. runIds: the runs completed, in training order."
  ),
  'study/rates': method(
    z.object({ runIds: z.array(runId).max(20).default([]), recipe: z.boolean().default(false) }),
    z.object({
      rates: z.array(z.object({ key: z.string(), trainImagesPerSec: z.number().positive(), inferImagesPerSec: z.number().positive(), studyImagesPerSec: z.number().positive() }))
    }),
    "Images/s of the runs' models and, with recipe, of the recipe's four models (keyed by run id or recipe label, in that order) on this machine, for the Study view's time estimate: training and one-thread prediction from a short timing probe as `lab bench` does, the study's shifted prediction on the inference pool as the study runs; measured once per session and setup."
  ),
  'runs/activations': method(
    z.object({ runId, image: ImageRef }),
    LayerActivations,
    "Every layer's output for one image (a dataset index or pixels), channels first: feature maps and the engine's side of the check by hand."
  )
} as const

export type LabMethod = keyof typeof LAB_METHODS
export type LabInput<M extends LabMethod> = z.input<(typeof LAB_METHODS)[M]['input']>
export type LabParsedInput<M extends LabMethod> = z.output<(typeof LAB_METHODS)[M]['input']>
export type LabOutput<M extends LabMethod> = z.output<(typeof LAB_METHODS)[M]['output']>
export const LAB_METHOD_NAMES = Object.keys(LAB_METHODS) as LabMethod[]

export const TrainProgressEvent = z.object({
  runId,
  epoch: z.number().int(),
  epochs: z.number().int(),
  batch: z.number().int(),
  batchesPerEpoch: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  imagesPerSec: z.number(),
  etaSeconds: z.number(),
  elapsedSeconds: z.number(),
  /**
   * The batches since the previous event: what live curves plot. loss and accuracy above are the
   * epoch's running means, which lag behind what the model does now.
   */
  recent: z.object({ batches: z.number().int().min(1), loss: z.number(), accuracy: z.number() }),
  threads: TrainThreads
})

/**
 * Notices main sends with a code, so the interface words them: engine restarts, memory and
 * data warnings of a training, files that could not be opened or read.
 */
export const NOTICE_CODES = [
  'engineRestartedByUser',
  'engineRestarted',
  'engineRestartedAfterPause',
  'engineBackoff',
  'engineCrashed',
  'lowMemory',
  'untestedClasses',
  'filesSkipped',
  'oneThread',
  'tooManyOpened',
  'openFailed',
  'stackSkipped'
] as const
export type NoticeCode = (typeof NOTICE_CODES)[number]
export const NoticeParams = z.record(z.string(), z.union([z.string(), z.number()]))
/** A notice's words: its English sentence, and its code and values for the interface. */
export interface NoticeText {
  message: string
  code?: NoticeCode
  params?: z.infer<typeof NoticeParams>
}

/**
 * What a run is doing before and after its batches, which take no batch events: loading the data
 * and building the model took 7 s of silence on Fashion-MNIST (#18, item 1).
 */
export const TrainPhase = z.enum(['loading-data', 'building-model', 'training', 'testing', 'saving'])
export type TrainPhase = z.infer<typeof TrainPhase>

export const LAB_EVENTS = {
  /** A run entered a phase; `elapsedSeconds` counts from the start of the run, loading included. */
  'train/phase': z.object({ runId, phase: TrainPhase, elapsedSeconds: z.number() }),
  'train/progress': TrainProgressEvent,
  'train/epoch': EpochRecord.extend({ runId }),
  'train/finished': z.object({
    runId,
    status: RunStatus,
    /** The run's duration from its start, loading the data and testing included. */
    seconds: z.number().optional(),
    error: z.string().optional(),
    failure: RunFailure.optional(),
    test: EvalMetrics.optional()
  }),
  /** The app was asked to open images; 'app/opened-files' hands them out. */
  'app/files-opened': z.object({ count: z.number().int().min(1) }),
  'engine/notice': z.object({
    level: z.enum(['info', 'warning', 'error']),
    /** In English; `code` and `params` say the same for the interface to word, when the notice has a code. */
    message: z.string(),
    code: z.enum(NOTICE_CODES).optional(),
    params: NoticeParams.optional(),
    /** Offered beside the message: the engine is down and engine/restart brings it back. */
    action: z.literal('restart-engine').optional()
  }),
  /** A run of the shift study's recipe started: the `index`th of `total`, training as `runId`. */
  'study/recipe-step': z.object({ index: z.number().int().min(0), total: z.number().int().min(1), label: z.string(), seed: z.number().int(), runId }),
  /** Shifts done of a robustness study. */
  'robustness/progress': z.object({ jobId, done: z.number().int(), total: z.number().int() })
} as const

export type LabEvent = keyof typeof LAB_EVENTS
export type LabEventPayload<E extends LabEvent> = z.infer<(typeof LAB_EVENTS)[E]>
export const LAB_EVENT_NAMES = Object.keys(LAB_EVENTS) as LabEvent[]

export interface LabErrorInfo {
  /** unauthorized: web mode's token was missing or wrong; forbidden: a folder the user did not choose;
   * permission: a file or folder cannot be read or written (EACCES, EPERM, EROFS); io: the disk failed (full, I/O error). */
  code:
    | 'invalid-payload'
    | 'unknown-method'
    | 'not-found'
    | 'busy'
    | 'data'
    | 'engine'
    | 'unauthorized'
    | 'forbidden'
    | 'permission'
    | 'io'
    | 'internal'
  /** The server's English sentence: the CLI prints it; the interface words `reason` or `code` itself. */
  message: string
  issues?: { path: string; message: string }[]
  /** A finer cause than `code`, with its parameters, so the interface can say it in the reader's language. */
  reason?: LabErrorReason
  params?: Record<string, string | number>
}

/** The causes the interface words exactly; any other error is worded from its code. */
export const LAB_ERROR_REASONS = [
  'fsMissing',
  'fsNotFolder',
  'fsIsFolder',
  'fsDenied',
  'fsNotPermitted',
  'fsReadOnly',
  'fsFull',
  'fsIo',
  'invalidField',
  'runMissing',
  'runTraining',
  'runFailedNoModel',
  'runNoModel',
  'trainingBusy',
  'recipeBusy',
  'stackMissing',
  'runsReadOnly',
  /** A layer stack that cannot train: `params` is shapes.ts `flatStackProblem`. */
  'stack',
  'runAlreadyDone',
  'runNotCompleted',
  'runNoEpoch',
  'runNoOptimizer'
] as const
export type LabErrorReason = (typeof LAB_ERROR_REASONS)[number]

/** What every transport returns for a call: never a thrown exception across the boundary. */
export type LabResponse<T> = { ok: true; result: T } | { ok: false; error: LabErrorInfo }

export class LabError extends Error {
  /** A finer cause the interface words in the reader's language; set with `because`. */
  reason?: LabErrorReason
  params?: Record<string, string | number>

  constructor(
    readonly code: LabErrorInfo['code'],
    message: string,
    readonly issues?: LabErrorInfo['issues']
  ) {
    super(message)
    this.name = 'LabError'
  }

  /** Names the cause and its parameters; returns the error, to throw in one expression. */
  because(reason: LabErrorReason, params: Record<string, string | number> = {}): this {
    this.reason = reason
    this.params = params
    return this
  }
}

export function isLabMethod(name: unknown): name is LabMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(LAB_METHODS, name)
}

/** An error carries at most this many issues, and no message or path longer than this. */
export const MAX_ERROR_ISSUES = 10
export const MAX_ERROR_TEXT = 500

/** `text` cut to `max` characters, saying so: zod lists every unknown key in one message. */
export function clipText(text: string, max = MAX_ERROR_TEXT): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** Parses a call's input, turning schema failures into one readable LabError of bounded size. */
export function parseInput<M extends LabMethod>(name: M, payload: unknown): LabParsedInput<M> {
  const result = LAB_METHODS[name].input.safeParse(payload)
  if (!result.success) {
    const all = result.error.issues
    const issues = all.slice(0, MAX_ERROR_ISSUES).map((i) => ({ path: clipText(i.path.join('.') || '(payload)', 200), message: clipText(i.message) }))
    if (all.length > MAX_ERROR_ISSUES) issues.push({ path: '(payload)', message: `and ${all.length - MAX_ERROR_ISSUES} more issues` })
    const first = issues[0]
    throw new LabError('invalid-payload', `Invalid payload for ${name}: ${first.path}: ${first.message}`, issues).because('invalidField', {
      field: first.path
    })
  }
  return result.data as LabParsedInput<M>
}

/** The channel names Electron IPC uses; derived so nobody spells them twice. */
export const ipcChannel = (name: LabMethod): string => `lab:${name}`
export const IPC_EVENT_CHANNEL = 'lab:event'

/** What the renderer sees as `window.lab`, whichever transport carries it. */
export interface LabApi {
  call<M extends LabMethod>(name: M, input: LabInput<M>): Promise<LabResponse<LabOutput<M>>>
  on<E extends LabEvent>(event: E, listener: (payload: LabEventPayload<E>) => void): () => void
}
