#!/usr/bin/env python3
"""float32 matrix-product GFLOP/s of numpy, the machine's reference rate for `lab bench`.

  /usr/bin/python3 scripts/numpy_peak.py [--threads 2] [--size 1024] [--seconds 2]

Prints JSON: the best rate over repeated n x n products, the threads asked of the BLAS, the BLAS
libraries numpy loaded, and the one its product calls with the symbols that say which BLAS it is
(Debian's default, the netlib reference BLAS, is far from the CPU's peak; OpenBLAS or BLIS come
close to it).
"""
import argparse
import ctypes
import importlib
import json
import os
import sys
import time

# Symbols that name a BLAS whatever its file is called: each optimised one exports its own, and
# netlib's CBLAS (the reference, Debian's default libblas3) its global RowMajorStrg, which
# OpenBLAS does not export.
BLAS_MARKERS = (
    'openblas_get_config',
    'bli_info_get_version_str',
    'MKL_Get_Version_String',
    'ATL_buildinfo',
    'RowMajorStrg',
)


class DlInfo(ctypes.Structure):
    _fields_ = [('dli_fname', ctypes.c_char_p), ('dli_fbase', ctypes.c_void_p), ('dli_sname', ctypes.c_char_p), ('dli_saddr', ctypes.c_void_p)]


def blas_called():
    """The library whose cblas_sgemm numpy's matrix product calls, and the markers it (or a library
    it loads) exports; None when numpy's module resolves no cblas_sgemm (a wheel's BLAS has its
    symbols renamed)."""
    for name in ('numpy._core._multiarray_umath', 'numpy.core._multiarray_umath'):
        try:
            module = ctypes.CDLL(importlib.import_module(name).__file__)
            break
        except ImportError:
            continue
    else:
        return None
    try:
        address = ctypes.cast(module.cblas_sgemm, ctypes.c_void_p).value
    except AttributeError:
        return None
    info = DlInfo()
    if not ctypes.CDLL(None).dladdr(ctypes.c_void_p(address), ctypes.byref(info)):
        return None
    path = os.path.realpath(info.dli_fname.decode())
    library = ctypes.CDLL(path)
    return {'path': path, 'markers': [m for m in BLAS_MARKERS if hasattr(library, m)]}


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
        'blasCalled': blas_called(),
    }, sys.stdout)


if __name__ == '__main__':
    main()
