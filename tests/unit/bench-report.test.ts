import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { blasEnvironment, isReferenceBlas, mergeBest, readCpuInfo, scaling, simdFlags, type NumpyPeak } from '../../src-main/cli/commands/bench'
import { gflops, INFER_FLOPS_PER_FORWARD_MAC, TRAIN_FLOPS_PER_FORWARD_MAC, type BenchmarkRow } from '../../src-main/engine/bench'
import { trainThreadLimit } from '../../src-main/shared/threads'
import { tempFolder } from '../fixtures/temp-folder'

const row = (over: Partial<BenchmarkRow>): BenchmarkRow => ({ model: 'm', backend: 'wasm', batch: 32, inferBatch: 256, optimizer: 'adam', forwardMacs: 1e6, ...over })

describe('achieved GFLOP/s', () => {
  it('counts 2 flops per forward multiply-add, training as three forward passes', () => {
    expect(TRAIN_FLOPS_PER_FORWARD_MAC).toBe(6)
    expect(INFER_FLOPS_PER_FORWARD_MAC).toBe(2)
    expect(gflops(1000, 1e6, TRAIN_FLOPS_PER_FORWARD_MAC)).toBeCloseTo(6, 12)
    expect(gflops(undefined, 1e6, 2)).toBeUndefined()
  })
})

describe('mergeBest', () => {
  it('keeps the better rate of each row with the GFLOP/s of that same measurement', () => {
    const first = [row({ trainImagesPerSec: 10, trainGflops: 1, inferImagesPerSec: 50, inferGflops: 5, inferThreads: 2 })]
    const second = [row({ trainImagesPerSec: 20, trainGflops: 2, inferImagesPerSec: 40, inferGflops: 4, inferThreads: 1 })]
    expect(mergeBest(first, second)[0]).toMatchObject({ trainImagesPerSec: 20, trainGflops: 2, inferImagesPerSec: 50, inferGflops: 5, inferThreads: 2 })
    expect(mergeBest([], second)).toBe(second)
  })
})

describe('scaling', () => {
  it('sets each thread count against the fewest, per model and kernel build, training then inference, by the threads rows used', () => {
    const rows = [
      row({ model: 'a', kernels: 'simd', trainThreads: 2, trainImagesPerSec: 150, inferThreads: 2, inferImagesPerSec: 900 }),
      row({ model: 'a', kernels: 'simd', trainThreads: 1, trainImagesPerSec: 100, inferThreads: 1, inferImagesPerSec: 500 }),
      row({ model: 'a', kernels: 'simd', trainThreads: 4, trainImagesPerSec: 200, inferThreads: 4, inferImagesPerSec: 1000 }),
      row({ model: 'b', kernels: 'simd', trainThreads: 1, trainImagesPerSec: 30 }),
      row({ model: 'b', kernels: 'simd', trainSkipped: 'no', inferThreads: 2, inferImagesPerSec: 80 })
    ]
    const out = scaling(rows)
    expect(out.map((s) => [s.task, s.model, s.threads, s.imagesPerSec, s.speedup, s.efficiency])).toEqual([
      ['train', 'a', 1, 100, 1, 1],
      ['train', 'a', 2, 150, 1.5, 0.75],
      ['train', 'a', 4, 200, 2, 0.5],
      ['train', 'b', 1, 30, 1, 1],
      ['infer', 'a', 1, 500, 1, 1],
      ['infer', 'a', 2, 900, 1.8, 0.9],
      ['infer', 'a', 4, 1000, 2, 0.5],
      // A row measured on more threads only is its own base.
      ['infer', 'b', 2, 80, 1, 1]
    ])
  })
})

describe('readCpuInfo', () => {
  it('reads the model name and flags of the first processor, and picks the SIMD flags', () => {
    const text = 'processor\t: 0\nmodel name\t: Some CPU @ 2.0GHz\nflags\t\t: fpu sse2 ssse3 avx avx2 fma avx512f ht\n\nprocessor\t: 1\nmodel name\t: Some CPU @ 2.0GHz\n'
    const cpu = readCpuInfo(text)
    expect(cpu?.model).toBe('Some CPU @ 2.0GHz')
    expect(cpu && simdFlags(cpu)).toEqual(['sse2', 'ssse3', 'avx', 'avx2', 'fma', 'avx512f'])
    expect(readCpuInfo('nothing here')).toBeUndefined()
  })
})

// scripts/numpy_peak.py's output with Debian's python3-numpy 1.24.2 (gflops and size cut): on the
// system's libblas3, on a copy of that library in another folder, and with --blas on OpenBLAS 0.3.21.
const CAPTURED = {
  debianReference:
    '{"blas": ["/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"], "blasCalled": {"path": "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", "markers": ["RowMajorStrg"]}}',
  referenceElsewhere: '{"blas": ["/tmp/mends-netlib/libblas.so.3"], "blasCalled": {"path": "/tmp/mends-netlib/libblas.so.3", "markers": ["RowMajorStrg"]}}',
  openblas:
    '{"blas": ["/work/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", "/work/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3", "/work/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so"], "blasCalled": {"path": "/work/openblas/root/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", "markers": ["openblas_get_config"]}}'
}
const captured = (name: keyof typeof CAPTURED): NumpyPeak => JSON.parse(CAPTURED[name]) as NumpyPeak

describe('the BLAS numpy and PyTorch are measured on', () => {
  it('tells the netlib reference BLAS from an optimised one by the symbols of the library numpy calls, wherever it lies', () => {
    expect(isReferenceBlas(captured('debianReference'))).toBe(true)
    expect(isReferenceBlas(captured('referenceElsewhere'))).toBe(true)
    expect(isReferenceBlas(captured('openblas'))).toBe(false)
    // An optimised BLAS whose CBLAS layer is netlib's own code.
    expect(isReferenceBlas({ blas: ['/opt/blis/lib/libblas.so.3'], blasCalled: { path: '/opt/blis/lib/libblas.so.3', markers: ['bli_info_get_version_str', 'RowMajorStrg'] } })).toBe(false)
    // A BLAS the script knows no marker of is not called the reference.
    expect(isReferenceBlas({ blas: ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'], blasCalled: { path: '/opt/other/libblas.so.3', markers: [] } })).toBe(false)
  })

  it('falls back on Debian\'s path for the reference when the script could not say which library numpy calls', () => {
    expect(isReferenceBlas({ blas: ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0'], blasCalled: null })).toBe(true)
    expect(isReferenceBlas({ blas: ['/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0'] })).toBe(true)
    expect(isReferenceBlas({ blas: ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3', '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'] })).toBe(false)
    expect(isReferenceBlas({ blas: ['/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3', '/usr/lib/x86_64-linux-gnu/libblis.so.4'], blasCalled: null })).toBe(false)
    expect(isReferenceBlas({ blas: [] })).toBe(false)
  })

  it('puts --blas DIR first on the library path, and names a folder without libblas.so.3', () => {
    const has = (path: string): boolean => path === '/opt/openblas/libblas.so.3'
    expect(blasEnvironment('/opt/openblas', { PATH: '/bin' }, has)).toEqual({ PATH: '/bin', LD_LIBRARY_PATH: '/opt/openblas' })
    expect(blasEnvironment('/opt/openblas', { LD_LIBRARY_PATH: '/usr/local/lib' }, has).LD_LIBRARY_PATH).toBe('/opt/openblas:/usr/local/lib')
    expect(() => blasEnvironment('/tmp/nothing', {}, has)).toThrow(/--blas \/tmp\/nothing: no libblas\.so\.3 there/)
  })
})

describe('trainThreadLimit', () => {
  it('takes an explicit count, else CONVLAB_TRAIN_THREADS, else the cores, and names a bad setting', () => {
    expect(trainThreadLimit(3, '1', 2)).toBe(3)
    expect(trainThreadLimit(undefined, '1', 8)).toBe(1)
    expect(trainThreadLimit(undefined, '4', 2)).toBe(4)
    expect(trainThreadLimit(undefined, undefined, 6)).toBe(6)
    expect(trainThreadLimit(undefined, ' ', 6)).toBe(6)
    expect(() => trainThreadLimit(undefined, 'two', 2)).toThrow(/CONVLAB_TRAIN_THREADS must be a whole number of threads, 1 or more, not "two"/)
    expect(() => trainThreadLimit(undefined, '0', 2)).toThrow(/not "0"/)
    // The run's setting, capped by the variable, and all cores without either.
    expect(trainThreadLimit(undefined, undefined, 8, 3)).toBe(3)
    expect(trainThreadLimit(undefined, '2', 8, 3)).toBe(2)
    expect(trainThreadLimit(undefined, '4', 8, 3)).toBe(3)
    expect(trainThreadLimit(2, '1', 8, 3)).toBe(2)
  })
})

const NUMPY_PEAK = resolve(__dirname, '../../scripts/numpy_peak.py')
const DEBIAN_REFERENCE_BLAS = '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'
const peakOf = (env?: NodeJS.ProcessEnv): NumpyPeak =>
  JSON.parse(execFileSync('/usr/bin/python3', [NUMPY_PEAK, '--threads', '1', '--size', '64', '--seconds', '0.1'], { encoding: 'utf8', ...(env ? { env } : {}) })) as NumpyPeak

describe.skipIf(!existsSync('/usr/bin/python3'))('scripts/numpy_peak.py', () => {
  const elsewhere = tempFolder('convlab-netlib-')

  it('prints the rate, the threads asked and the BLAS numpy loaded', (ctx) => {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import numpy'])
    } catch {
      ctx.skip()
    }
    const peak = peakOf()
    expect(peak.threads).toBe(1)
    expect(peak.size).toBe(64)
    expect(peak.gflops).toBeGreaterThan(0)
    expect(Array.isArray(peak.blas)).toBe(true)
  })

  it('says the reference BLAS is the one numpy calls from a folder --blas names', async (ctx) => {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import numpy'])
    } catch {
      ctx.skip()
    }
    if (!existsSync(DEBIAN_REFERENCE_BLAS)) ctx.skip()
    await copyFile(DEBIAN_REFERENCE_BLAS, join(elsewhere, 'libblas.so.3'))
    const peak = peakOf(blasEnvironment(elsewhere, process.env))
    expect(peak.blasCalled?.path).toBe(join(elsewhere, 'libblas.so.3'))
    expect(isReferenceBlas(peak)).toBe(true)
  })
})
