/**
 * `npm run lab -- <command>`: ConvLab's services without a window. Every command takes --json
 * for machine-readable output; errors are one line on stderr and a non-zero exit.
 */
import { joinNegativeValues } from './args'
import { toErrorInfo } from '../services/dispatch'
import { CliError } from './cli-error'
import type { CommandContext } from './context'
import { backendsCommand } from './commands/backends'
import { benchCommand } from './commands/bench'
import { checkpointCommand } from './commands/checkpoint'
import { evaluateCommand } from './commands/evaluate'
import { exportCommand } from './commands/export'
import { predictCommand } from './commands/predict'
import { shiftCommand } from './commands/shift'
import { shiftStudyCommand } from './commands/shift-study'
import { summaryCommand } from './commands/summary'
import { trainCommand } from './commands/train'
import { verifyCommand } from './commands/verify'

type Command = (argv: string[], ctx: CommandContext) => Promise<number>

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  backends: { run: backendsCommand, usage: 'backends [--backend NAME]' },
  bench: {
    run: benchCommand,
    usage: 'bench [--seconds 5 --rounds 1 --batch 32 --infer-batch 256 --models seed-mlp,seed-cnn --backends wasm,cpu --threads 1,2 --kernels simd,relaxed-simd --slow-cpu --no-torch --no-numpy --blas /usr/lib/x86_64-linux-gnu/openblas-pthread]'
  },
  summary: { run: summaryCommand, usage: 'summary --model <preset|file.json>' },
  train: {
    run: trainCommand,
    usage:
      'train --model <preset|file.json> --data <fashion-mnist|toy|FOLDER> --out DIR [--epochs 5 --batch 32 --lr 0.001 --optimizer adam|sgd --val-split 0 --limit N --test-limit N --seed N | --seeds A,B,... --backend NAME --threads N --data-dir DIR --force --augment-shift K --augment-axes x|y|xy --augment-mode roll|zero]\n       train --resume DIR [--fresh-optimizer]\n       train --continue DIR --epochs N [--fresh-optimizer]'
  },
  checkpoint: { run: checkpointCommand, usage: 'checkpoint --run DIR [--drop]' },
  evaluate: { run: evaluateCommand, usage: 'evaluate --run DIR [--limit N]' },
  verify: {
    run: verifyCommand,
    usage: 'verify (--run DIR | --model <preset|file.json> [--data toy --epochs N --seed 1 --out DIR]) [--index 0 --count K --split train|test --tolerance 1e-4]'
  },
  predict: { run: predictCommand, usage: 'predict --run DIR IMAGE...' },
  export: { run: exportCommand, usage: 'export (--run DIR | --model <preset|file.json>) --format pytorch|onnx --out DIR|FILE.onnx [--force]' },
  shift: {
    run: shiftCommand,
    usage: 'shift --run DIR (--index N [--split train|test] | --image FILE) [--from -5 --to 5 --axis x|y --mode roll|zero]'
  },
  'shift-study': { run: shiftStudyCommand, usage: 'shift-study --runs DIR,DIR,... | --recipe DIR [--epochs 2 --seed 1 --train-limit N] [--max 5 --limit N --mode roll|zero --grid]' }
}

function usage(): string {
  return [
    'Usage: npm run lab -- <command> [options] [--json]',
    '',
    'Commands:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
    '',
    'Presets: seed-mlp, seed-cnn, seed-toy. Data: fashion-mnist, toy, or a folder with one sub-folder per class.'
  ].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json')
  const args = joinNegativeValues(argv.filter((a) => a !== '--json'))
  const [name, ...rest] = args
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage() + '\n')
    return name ? 0 : 2
  }
  const command = COMMANDS[name]
  if (!command) throw new CliError(`unknown command "${name}"; run \`npm run lab -- help\` for the list.`)
  const ctx: CommandContext = {
    json,
    interactive: Boolean(process.stderr.isTTY) && !json,
    print: (line) => process.stdout.write(line + '\n'),
    status: (line) => process.stderr.write(line + '\n')
  }
  return command.run(rest, ctx)
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    // toErrorInfo turns Node's raw file errors ("EACCES: permission denied, open ...") into words naming the path.
    const message = toErrorInfo(err).message
    process.stderr.write(`error: ${message.split('\n')[0]}\n`)
    process.exitCode = err instanceof CliError || (err as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 1
  }
)
