"""OpenBLAS sgemm through NumPy on the issue's shape, (25600 × 700)·(700 × 200),
the input product of the SHD workload over a whole batch (256 trials × 100
steps). Prints the best of several runs in GFLOP/s for the thread count given
(set OPENBLAS_NUM_THREADS to the same number). leaky's MatMul on the same
shape is the suite item kernel/MatMul/<impl>/25600x700x200 and the go test
benchmark BenchmarkMatMul in kernels/.

Usage: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/peers/openblas_sgemm.py 1
"""
import sys
import time

import numpy as np

threads = sys.argv[1] if len(sys.argv) > 1 else "?"
rng = np.random.default_rng(1)
a = rng.random((25600, 700), dtype=np.float32)
b = rng.random((700, 200), dtype=np.float32)
a @ b  # warm-up: threads, page faults
best = float("inf")
for _ in range(9):
    t0 = time.perf_counter()
    a @ b
    best = min(best, time.perf_counter() - t0)
flops = 2 * 25600 * 700 * 200
print(f"openblas sgemm 25600x700x200 threads={threads} best={best*1e3:.2f} ms {flops/best/1e9:.1f} GFLOP/s")
