import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { decodeImageToGrey, type GreyImage } from '../../data/images'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { percent } from '../format'
import { openTrainedRun } from '../run-arg'

export async function predictCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, strict: true, allowPositionals: true, options: { run: { type: 'string' } } })
  const { run, model } = await openTrainedRun(values.run)
  if (positionals.length === 0) throw new CliError('name at least one image file to predict.')
  const shape = run.model.inputShape
  if (shape.length !== 3 || shape[0] !== 1) {
    throw new CliError(`this run's model takes ${shape.join('x')} input; predict reads grey images, so it needs a 1xHxW input.`)
  }
  const images: GreyImage[] = []
  for (const file of positionals) {
    const bytes = await readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read ${file} (${err.code ?? err.message}).`)
    })
    images.push(await decodeImageToGrey(bytes, file, { width: shape[2], height: shape[1] }))
  }
  const result = await withEngine(run.config.backend, (engine) =>
    engine.request('model/predict', { model, images: images.map((i) => Float32Array.from(i.pixels)) })
  )
  if (ctx.json) {
    ctx.print(
      JSON.stringify(
        positionals.map((file, i) => ({
          file,
          predicted: result.predicted[i],
          className: result.classNames[result.predicted[i]],
          probabilities: result.probabilities[i],
          preprocessing: images[i].preprocessing
        }))
      )
    )
    return 0
  }
  positionals.forEach((file, i) => {
    const p = result.probabilities[i]
    const top = p.map((v, c) => [v, c] as const).sort((a, b) => b[0] - a[0]).slice(0, 3)
    ctx.print(`${file}: ${result.classNames[result.predicted[i]]} (${percent(p[result.predicted[i]])})`)
    ctx.print(`  seen as: ${images[i].preprocessing.join(', ')}`)
    ctx.print(`  top 3: ${top.map(([v, c]) => `${result.classNames[c]} ${percent(v)}`).join(', ')}`)
  })
  return 0
}
