import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pytorchSourceFromRun } from '../../export/from-run'
import { pytorchExport, type PytorchSource } from '../../export/pytorch'
import { ExportError } from '../../export/torch-modules'
import { writeExportFolder } from '../../export/write-export'
import { resolveModel } from '../../services/models'
import { required } from '../args'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { openTrainedRun } from '../run-arg'
import packageJson from '../../../package.json'

const FORMATS = ['pytorch'] as const

export async function exportCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { run: { type: 'string' }, model: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } }
  })
  const format = required(values.format, 'format', FORMATS.join(' or '))
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`--format ${format} is not available: use ${FORMATS.join(', ')} (ONNX is not implemented yet).`)
  }
  const out = resolve(required(values.out, 'out', 'the folder to write'))
  if (!!values.run === !!values.model) throw new CliError('Give either --run DIR (a trained run) or --model <preset|file.json> (code without weights).')

  let source: PytorchSource
  if (values.run) {
    const { run, model } = await openTrainedRun(values.run)
    const weights = await withEngine(run.config.backend, (engine) => engine.request('model/weights', { model }))
    source = pytorchSourceFromRun(run, weights, packageJson.version)
  } else {
    const spec = await resolveModel(values.model!)
    const classes = spec.layers.filter((l) => l.type === 'dense').at(-1)
    const count = classes?.type === 'dense' ? classes.units : 0
    source = { spec, classNames: Array.from({ length: count }, (_, i) => `class ${i}`), origin: 'a layer stack, untrained', convlabVersion: packageJson.version }
  }
  let written: string[]
  try {
    written = await writeExportFolder(out, pytorchExport(source), { force: values.force })
  } catch (err) {
    if (err instanceof ExportError) throw new CliError(err.message)
    throw err
  }
  if (ctx.json) ctx.print(JSON.stringify({ format, out, files: written }))
  else ctx.print(`Exported ${source.spec.name} for PyTorch to ${out}: ${written.join(', ')}`)
  return 0
}
