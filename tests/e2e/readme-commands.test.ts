/**
 * Every `npm run lab` and `npm run bench` command in the README's command-line block, run as
 * written, in order, from a fresh folder (so `runs/mlp` is made by the README's own train line,
 * and the commands after it use that). Only the amount of work is cut, by options appended to
 * the README's own: training on 300 images for one epoch, studying 50 test images, benching
 * for a moment. A README command that no longer parses or runs fails here (`shift --from -5`
 * once did).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { FASHION_MNIST, ROOT } from './support/web-app'

const CLI = join(ROOT, 'src-main/cli/main.ts')
const TSX = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href

const README = (): string => readFileSync(join(ROOT, 'README.md'), 'utf8')

/** `npm run lab -- train …` → ['train', …]; `npm run bench …` → ['bench', …]. */
function labArgs(command: string): string[] {
  const words = command.trim().split(/\s+/).filter(Boolean)
  return words[2] === 'bench' ? ['bench', ...words.slice(3).filter((w) => w !== '--')] : words.slice(4)
}

const isLabCommand = (text: string): boolean => text.startsWith('npm run lab -- ') || text.startsWith('npm run bench')

/** The README's command-line block, one command per line, comments dropped. */
function readmeCommands(): string[][] {
  const block = /## The command line[\s\S]*?```sh\n([\s\S]*?)```/.exec(README())?.[1] ?? ''
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(isLabCommand)
    .map(labArgs)
}

/**
 * The commands written inline anywhere else in the README (prose, the tutorial's table), a span
 * broken over two lines joined again; synopses with <placeholders> or [options] are not commands.
 */
function inlineCommands(): string[][] {
  const prose = README().replace(/```[\s\S]*?```/g, '')
  const spans = [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\s+/g, ' ').trim())
  const inBlock = new Set(readmeCommands().map((c) => c.join(' ')))
  return spans
    .filter((text) => isLabCommand(text) && !/[<[]/.test(text))
    .map(labArgs)
    .filter((args, i, all) => !inBlock.has(args.join(' ')) && all.findIndex((a) => a.join(' ') === args.join(' ')) === i)
}

/** The README's arguments, with options appended that only cut how much work a command does. */
function lighter(args: string[]): string[] {
  switch (args[0]) {
    case 'train':
      // A resumed or continued run keeps its own recipe: only the epochs to add are cut.
      if (args.includes('--continue')) return [...without(args, '--epochs'), '--epochs', '1']
      if (args.includes('--resume')) return args
      return [...without(args, '--epochs'), '--epochs', '1', '--limit', '300']
    case 'shift-study':
      return args.includes('--recipe') ? [...without(args, '--epochs'), '--epochs', '1', '--train-limit', '300', '--limit', '50'] : [...args, '--limit', '50']
    case 'verify':
      return args.includes('--model') ? [...args, '--epochs', '200'] : args
    case 'bench':
      return [...args, '--seconds', '0.2', '--no-torch', '--no-numpy', '--backends', 'wasm']
    default:
      return args
  }
}

function without(args: string[], option: string): string[] {
  return args.filter((a, i) => a !== option && args[i - 1] !== option)
}

function run(cwd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd, env: { ...process.env, CONVLAB_HOME: join(cwd, 'home'), FORCE_COLOR: '0' } })
    let output = ''
    child.stdout.on('data', (c: Buffer) => (output += c.toString()))
    child.stderr.on('data', (c: Buffer) => (output += c.toString()))
    child.on('close', (code) => resolve({ code, output }))
  })
}

const dir = mkdtempSync(join(tmpdir(), 'convlab-readme-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe.skipIf(!existsSync(FASHION_MNIST))("the README's commands", () => {
  const commands = readmeCommands()

  it('are found in the README (the block still has its commands)', () => {
    expect(commands.map((c) => c[0])).toEqual(expect.arrayContaining(['backends', 'summary', 'train', 'evaluate', 'predict', 'shift', 'shift-study', 'verify', 'export', 'bench']))
  })

  it('each runs and exits 0, in order, from a fresh folder', async () => {
    // The images the README's predict line names, as a user would have them.
    const shirt = Buffer.alloc(64 * 64, 40)
    await sharp(shirt, { raw: { width: 64, height: 64, channels: 1 } }).png().toFile(join(dir, 'shirt.png'))
    await sharp(Buffer.alloc(48 * 32 * 3, 200), { raw: { width: 48, height: 32, channels: 3 } }).jpeg().toFile(join(dir, 'boot.jpg'))
    for (const args of commands) {
      const result = await run(dir, lighter(args))
      expect(result.code, `lab ${lighter(args).join(' ')}\n${result.output}`).toBe(0)
    }
    expect(existsSync(join(dir, 'runs', 'mlp', 'run.json'))).toBe(true)
    expect(existsSync(join(dir, 'cnn-pytorch', 'model.py'))).toBe(true)
    expect(existsSync(join(dir, 'cnn.onnx'))).toBe(true)
  }, 900_000)

  it('written inline elsewhere (prose, the tutorial table) each run and exit 0 too', async () => {
    const inline = inlineCommands()
    expect(inline.map((c) => c.join(' '))).toEqual(
      expect.arrayContaining(['bench --json', 'train --model seed-mlp --data fashion-mnist --optimizer sgd --lr 0.01 --batch 32 --epochs 5 --out runs/tutorial-mlp'])
    )
    expect(inline.some((c) => c[0] === 'bench' && c.includes('--rounds'))).toBe(true)
    for (const args of inline) {
      const result = await run(dir, lighter(args))
      expect(result.code, `lab ${lighter(args).join(' ')}\n${result.output}`).toBe(0)
    }
  }, 900_000)
})
