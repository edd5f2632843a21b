#!/usr/bin/env python3
"""float32 matrix-product GFLOP/s of numpy, the machine's reference rate for `lab bench`.

  /usr/bin/python3 scripts/numpy_peak.py [--threads 2] [--size 1024] [--seconds 2]

Prints JSON: the best rate over repeated n x n products, the threads asked of the BLAS, and the
BLAS library numpy loaded (Debian's default, the netlib reference BLAS, is far from the CPU's peak;
OpenBLAS or BLIS come close to it).
"""
import argparse
import json
import os
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--size', type=int, default=1024)
    p.add_argument('--seconds', type=float, default=2.0)
    args = p.parse_args()
    # The BLAS reads its thread count when it loads, so before numpy is imported.
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'BLIS_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[var] = str(args.threads)
    import numpy as np

    n = args.size
    rng = np.random.default_rng(1)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    a @ b
    best = float('inf')
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    with open('/proc/self/maps') as maps:
        libraries = sorted({line.split()[-1] for line in maps if 'blas' in line.split()[-1].lower()})
    json.dump({
        'numpy': np.__version__,
        'threads': args.threads,
        'size': n,
        'gflops': 2 * n ** 3 / best / 1e9,
        'blas': libraries,
    }, sys.stdout)


if __name__ == '__main__':
    main()
