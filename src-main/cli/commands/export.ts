import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { pytorchSourceFromRun, pytorchSourceFromStack } from '../../export/from-run'
import { ONNX_INPUT, ONNX_OPSET, endsInSoftmax, onnxExport } from '../../export/onnx'
import { pytorchExport, type PytorchSource } from '../../export/pytorch'
import { ExportError } from '../../export/torch-modules'
import { writeExportFile, writeExportFolder } from '../../export/write-export'
import { resolveModel } from '../../services/models'
import { required } from '../args'
import { CliError } from '../cli-error'
import type { CommandContext } from '../context'
import { withEngine } from '../engine'
import { openTrainedRun } from '../run-arg'
import packageJson from '../../../package.json'

const FORMATS = ['pytorch', 'onnx'] as const

export async function exportCommand(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { run: { type: 'string' }, model: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } }
  })
  const format = required(values.format, 'format', FORMATS.join(' or '))
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new CliError(`--format ${format} is not available: use ${FORMATS.join(' or ')}.`)
  }
  const out = resolve(required(values.out, 'out', format === 'onnx' ? 'the .onnx file to write' : 'the folder to write'))
  if (!!values.run === !!values.model) throw new CliError('Give either --run DIR (a trained run) or --model <preset|file.json> (code without weights).')

  let source: PytorchSource
  if (values.run) {
    const { run, model } = await openTrainedRun(values.run)
    const weights = await withEngine(run.config.backend, (engine) => engine.request('model/weights', { model }))
    source = pytorchSourceFromRun(run, weights, packageJson.version)
  } else {
    source = pytorchSourceFromStack(await resolveModel(values.model!), packageJson.version)
  }
  try {
    if (format === 'onnx') return await writeOnnx(source, out, ctx, values.force)
    return await writePytorch(source, out, ctx, values.force)
  } catch (err) {
    if (err instanceof ExportError) throw new CliError(err.message)
    throw err
  }
}

async function writeOnnx(source: PytorchSource, out: string, ctx: CommandContext, force?: boolean): Promise<number> {
  const { weights } = source
  if (!weights) {
    throw new CliError(
      'ONNX export needs a trained run (--run DIR): an ONNX file is a network with its weights, for inference, and --model is a stack without weights. Use --format pytorch for its code.'
    )
  }
  const bytes = onnxExport({ ...source, weights })
  await writeExportFile(out, bytes, { force })
  const output = endsInSoftmax(source.spec) ? 'probabilities' : 'logits'
  if (ctx.json) ctx.print(JSON.stringify({ format: 'onnx', out, opset: ONNX_OPSET, bytes: bytes.length, input: ONNX_INPUT, output }))
  else ctx.print(`Exported ${source.spec.name} as ONNX (opset ${ONNX_OPSET}) to ${out}: ${bytes.length} bytes, input "${ONNX_INPUT}" [batch, ${source.spec.inputShape.join(', ')}], output "${output}".`)
  return 0
}

async function writePytorch(source: PytorchSource, out: string, ctx: CommandContext, force?: boolean): Promise<number> {
  const written = await writeExportFolder(out, pytorchExport(source), { force })
  if (ctx.json) ctx.print(JSON.stringify({ format: 'pytorch', out, files: written }))
  else ctx.print(`Exported ${source.spec.name} for PyTorch to ${out}: ${written.join(', ')}`)
  return 0
}
