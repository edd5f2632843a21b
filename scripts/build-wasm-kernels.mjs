#!/usr/bin/env node
/**
 * Compiles src-main/engine/kernels/wasm/kernels.c to wasm32 twice, with SIMD and with relaxed SIMD, and
 * writes both, base64-encoded, to src-main/engine/kernels/wasm/kernels-binary.ts, so the engine bundle
 * carries them with no file to locate at run time (native-kernels.ts picks one by what the engine
 * validates). Needs clang and wasm-ld (Debian: apt install clang lld); the generated file is
 * committed, so building the app does not. `--check` compares instead of writing.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const source = join(root, 'src-main/engine/kernels/wasm/kernels.c')
const target = join(root, 'src-main/engine/kernels/wasm/kernels-binary.ts')
const EXPORTS = ['sgemm', 'sgemm_scratch_floats', 'bias_relu', 'conv2d_scratch_floats', 'conv2d_forward', 'winograd_scratch_floats', 'conv2d_winograd', 'winograd4_scratch_floats', 'conv2d_winograd4', 'winograd_filter_grad_scratch_floats', 'conv2d_winograd_filter_grad', 'im2col', 'col2im', 'maxpool_grad', 'gather_rows', 'sum_rows', 'adam_step', 'sgd_step', 'blur_forward', 'blur_backward', 'direct_scratch_floats', 'conv2d_direct']

export function clangVersion() {
  return execFileSync('clang', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim()
}

/** The standard opcode of f32x4.relaxed_madd after the 0xfd prefix, as LEB128: 0x105. */
const RELAXED_MADD = [0x85, 0x02]
/** What clang before 16 emits for it: the prototype's f32x4.fma, 0xaf, as long as the standard one. */
const PROTOTYPE_FMA = [0xaf, 0x01]

/** Where the Code section's contents start in a wasm binary: llvm-objdump's addresses count from there. */
function codeSectionStart(bytes) {
  let at = 8
  while (at < bytes.length) {
    const id = bytes[at++]
    let size = 0
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]
      size |= (b & 0x7f) << shift
      if (!(b & 0x80)) break
    }
    if (id === 10) return at
    at += size
  }
  throw new Error('the kernels have no Code section')
}

/**
 * Renumbers every prototype f32x4.fma the disassembly lists to the standard relaxed_madd; each
 * place is checked to hold the prototype's bytes, so nothing else can be rewritten.
 */
export function renumberRelaxedMadd(bytes, listing) {
  const code = codeSectionStart(bytes)
  const places = [...listing.matchAll(/^\s*([0-9a-f]+):\s+fd af 01\s+f32x4\.fma\b/gm)].map((m) => code + parseInt(m[1], 16))
  for (const at of places) {
    if (bytes[at] !== 0xfd || bytes[at + 1] !== PROTOTYPE_FMA[0] || bytes[at + 2] !== PROTOTYPE_FMA[1]) throw new Error(`no f32x4.fma at byte ${at}`)
    bytes[at + 1] = RELAXED_MADD[0]
    bytes[at + 2] = RELAXED_MADD[1]
  }
  return places.length
}

/**
 * Splats of A (v128.load32_splat) that feed fewer than two multiplies before the next splat: each
 * GEMM row's splat should feed both of its products at once. LLVM's default instruction scheduler
 * ordered the 6 x 8 micro-kernel column by column instead, so 5 splats lived across the loop next to
 * its 12 accumulators and 2 B vectors; V8 (which keeps a wasm function's load order, and has 15 SIMD
 * registers on x64) then kept 5 or 6 accumulators on the stack, a store and a reload on their chains
 * every iteration, and the GEMM ran at half speed (13 against 26 GFLOP/s on one Zen 3 core).
 */
export function splatsFeedingOneProduct(listing) {
  let products = null
  let count = 0
  for (const line of listing.split('\n')) {
    if (/\bv128\.load32_splat\b/.test(line)) {
      if (products !== null && products < 2) count++
      products = 0
    } else if (/\bf32x4\.(mul|fma|relaxed_madd)\b/.test(line)) {
      if (products !== null) products++
    } else if (/^[0-9a-f]+ <.*>:$/.test(line.trim())) {
      products = null
    }
  }
  return count
}

/** `relaxed`: with -mrelaxed-simd, so the GEMM micro-kernels multiply-add in f32x4.relaxed_madd. */
export function compileKernels(relaxed = false) {
  const dir = mkdtempSync(join(tmpdir(), 'convlab-kernels-'))
  try {
    const out = join(dir, 'kernels.wasm')
    execFileSync('clang', [
      '--target=wasm32', '-O3', '-msimd128', ...(relaxed ? ['-mrelaxed-simd'] : []), '-mbulk-memory', '-nostdlib', '-ffp-contract=off', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all',
      // Source order: the micro-kernels' rows stay in the order kernels.c writes them (see splatsFeedingOneProduct).
      '-mllvm', '-pre-RA-sched=source',
      ...EXPORTS.map((e) => `-Wl,--export=${e}`), '-o', out, source
    ], { stdio: ['ignore', 'inherit', 'inherit'] })
    const bytes = readFileSync(out)
    // The memory is tfjs's: static data or a shadow stack would overwrite its heap.
    const listing = execFileSync('llvm-objdump', ['-h', '-d', out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    if (/\bDATA\b/.test(listing)) throw new Error('kernels.c produced a data segment; it must not use static data')
    if (/global\.(get|set)/.test(listing)) throw new Error('kernels.c uses the shadow stack; avoid address-taken locals and local arrays')
    const scattered = splatsFeedingOneProduct(listing)
    if (scattered > 0) throw new Error(`${scattered} splats of A in kernels.c's GEMM loops feed one multiply before the next splat; each row's splat must feed both of its products`)
    if (relaxed) {
      const madds = renumberRelaxedMadd(bytes, listing) + (listing.match(/f32x4\.relaxed_madd\b/g) ?? []).length
      if (madds === 0) throw new Error('the relaxed-SIMD build of kernels.c has no f32x4.relaxed_madd')
    }
    return bytes
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export function renderModule(plain, relaxed, version) {
  return `// Generated by scripts/build-wasm-kernels.mjs from kernels.c; do not edit.\n` +
    `export const KERNELS_BUILT_WITH = ${JSON.stringify(version)}\n` +
    `export const KERNELS_WASM_BASE64 =\n  '${plain.toString('base64')}'\n` +
    `export const KERNELS_RELAXED_SIMD_WASM_BASE64 =\n  '${relaxed.toString('base64')}'\n`
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = renderModule(compileKernels(false), compileKernels(true), clangVersion())
  if (process.argv.includes('--check')) {
    if (readFileSync(target, 'utf8') !== text) {
      console.error(`${target} is out of date: run node scripts/build-wasm-kernels.mjs`)
      process.exit(1)
    }
    console.log('kernels-binary.ts matches kernels.c (SIMD and relaxed SIMD)')
  } else {
    writeFileSync(target, text)
    console.log(`wrote ${target}`)
  }
}
