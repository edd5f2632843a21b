import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { decodeImageToGrey } from '../../data/images'
import { choiceOption, intOption, valueOptions } from '../args'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { formatShiftTable } from '../format'
import { openTrainedRun } from '../run-arg'

export async function shiftCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { ...valueOptions('run', 'index', 'split', 'image', 'from', 'to', 'axis', 'mode') }
  })
  const { run, model } = await openTrainedRun(values.run)
  const index = intOption(values.index, 'index', 0)
  if ((index === undefined) === (values.image === undefined)) {
    throw new CliError('give exactly one of --index N (a dataset image, the tutorial uses 24150) or --image FILE.')
  }
  const from = intOption(values.from, 'from', -64, 64) ?? -5
  const to = intOption(values.to, 'to', -64, 64) ?? 5
  if (from > to) throw new CliError(`--from (${from}) must not be greater than --to (${to}).`)
  const axis = choiceOption(values.axis, 'axis', ['x', 'y'] as const) ?? 'x'
  const mode = choiceOption(values.mode, 'mode', ['roll', 'zero'] as const) ?? 'roll'
  const split = choiceOption(values.split, 'split', ['train', 'test'] as const) ?? 'train'

  let image
  if (values.image !== undefined) {
    const shape = run.model.inputShape
    if (shape.length !== 3 || shape[0] !== 1) throw new CliError(`--image needs a model with 1xHxW input; this one takes ${shape.join('x')}.`)
    const bytes = await readFile(values.image).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${values.image} (${err.code ?? err.message}).`)
    })
    const grey = await decodeImageToGrey(bytes, values.image, { width: shape[2], height: shape[1] })
    image = { kind: 'pixels' as const, values: Float32Array.from(grey.pixels) }
  } else {
    image = { kind: 'dataset' as const, data: run.data, split, index: index! }
  }
  const result = await withEngine(run.config.backend, (engine) =>
    engine.request('model/shift', { model, image, from, to, axis, mode })
  )
  if (ctx.json) {
    const { images: _images, ...rest } = result
    ctx.print(JSON.stringify({ run: values.run, axis, mode, ...rest }))
    return 0
  }
  const what = values.image ?? `${split} image ${index}${result.label !== undefined ? ` (label: ${result.classNames[result.label]})` : ''}`
  ctx.print(`Probability of each class for various translations: ${what}, axis ${axis}, ${mode === 'roll' ? 'wrap-around (np.roll)' : 'zero fill'}`)
  ctx.print(formatShiftTable(result.shifts, result.classNames, result.probabilities, result.predicted))
  ctx.print('* marks the predicted class of each row.')
  return 0
}
