"""The SHD inference workload in PyTorch (CPU), as in Zenke's SpyTorch SHD
tutorial: 700 Poisson inputs at 15 Hz (1.5% per 1 ms step) -> 200
recurrent LIF -> 20 leaky integrators, batch 256, 100 steps, in leaky's
discretisation (seed form: I' = a*I + x@W, V' = b*V + I - s). Timed the way
leaky's BenchmarkSHD is: input generation excluded, one batch per
repetition, samples per second.

Usage: python3 torch_shd.py [threads] [repetitions]
Prints one line: torch shd threads=... samples_per_s=... hidden_rate_hz=...
"""
import math
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
torch.set_num_threads(threads)
torch.manual_seed(1)

B, T, NIN, NH, NOUT = 256, 100, 700, 200, 20
dt, tau_mem, tau_syn = 1e-3, 10e-3, 5e-3
alpha, beta = math.exp(-dt / tau_syn), math.exp(-dt / tau_mem)
scale = 0.4  # twice SpyTorch's weight_scale, as bench.DefaultSHD
w1 = torch.randn(NIN, NH) * scale / math.sqrt(NIN)
v1 = torch.randn(NH, NH) * scale / math.sqrt(NH)
w2 = torch.randn(NH, NOUT) * scale / math.sqrt(NH)
x = (torch.rand(T, B, NIN) < 0.015).float()


@torch.no_grad()
def run(x):
    syn = torch.zeros(B, NH)
    mem = torch.zeros(B, NH)
    spk = torch.zeros(B, NH)
    osyn = torch.zeros(B, NOUT)
    omem = torch.zeros(B, NOUT)
    h1 = torch.einsum("tbi,ij->tbj", x, w1)  # input current of every step at once, as SpyTorch
    count = 0.0
    for t in range(T):
        out = (mem > 1.0).float()
        count += out.sum().item() if t == T - 1 else 0.0
        h = h1[t] + spk @ v1
        new_mem = beta * mem + syn - out
        syn = alpha * syn + h
        mem = new_mem
        spk = out
        o = spk @ w2
        omem = beta * omem + osyn
        osyn = alpha * osyn + o
    return omem, spk


run(x)  # warm-up
best = float("inf")
for _ in range(reps):
    t0 = time.perf_counter()
    omem, spk = run(x)
    best = min(best, time.perf_counter() - t0)
print(f"torch shd threads={threads} torch={torch.__version__} best_s={best:.4f} samples_per_s={B / best:.1f}")
