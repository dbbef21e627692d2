#!/usr/bin/env python3
"""Workload d of issue 17 in NumPy: 1000 Poisson inputs at 5 Hz onto 2·10^5
LIF neurons through stored dense float32 weights, 1000 steps of 0.5 ms, the
seed notebook's model and leaky's order (engine/doc.go):

    s[t] = V[t] > 1;  I[t+1] = α·I[t] + Iin[t];  V[t+1] = β·V[t] + I[t] − s[t]

Two ways of computing it, each timed without drawing the weights and the
input trains:
  rows    per step, the weight rows of the step's input spikes summed
          (W[idx].sum(0)), then the update;
  sparse  NumPy's best mode: one sparse × dense product (SciPy CSR) for the
          input currents of all steps, then the scan over the steps.
"best" is the faster of the two in each repetition, as a user would pick.

Usage: numpy_ff.py [reps] [neurons] [inputs] [steps]
Prints one line per mode: numpy ff mode=… n=… best_s=… median_s=… rate_hz=…
"""
import sys
import time

import numpy as np
import scipy.sparse

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
n_in = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
steps = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
dt, tau_mem, tau_syn, rate = 0.5e-3, 10e-3, 5e-3, 5.0

alpha = np.float32(np.exp(-dt / tau_syn))
beta = np.float32(np.exp(-dt / tau_mem))
rng = np.random.default_rng(1)
scale = 7 * (1.0 - float(beta))
W = rng.normal(0.0, scale / np.sqrt(n_in), size=(n_in, n)).astype(np.float32)
X = (rng.random((steps, n_in)) < rate * dt).astype(np.float32)
active = [np.flatnonzero(X[t]) for t in range(steps)]
one = np.float32(1)


def scan(currents):
    """Steps the population through currents(t) and returns the spike count."""
    V = np.zeros(n, np.float32)
    I = np.zeros(n, np.float32)
    s = np.empty(n, np.float32)
    tmp = np.empty(n, np.float32)
    spikes = 0
    for t in range(steps):
        np.greater(V, one, out=s)
        spikes += int(np.count_nonzero(s))
        np.multiply(V, beta, out=V)
        V += I
        V -= s
        np.multiply(I, alpha, out=tmp)
        tmp += currents(t)
        I, tmp = tmp, I
    return spikes


def rows():
    zero = np.zeros(n, np.float32)

    def cur(t):
        idx = active[t]
        return W[idx].sum(axis=0) if len(idx) else zero

    return scan(cur)


def sparse():
    Iin = scipy.sparse.csr_matrix(X) @ W
    Iin = np.asarray(Iin, dtype=np.float32)
    return scan(lambda t: Iin[t])


times = {"rows": [], "sparse": [], "best": []}
counts = {}
for _ in range(reps):
    best = None
    for mode, fn in (("rows", rows), ("sparse", sparse)):
        t0 = time.perf_counter()
        counts[mode] = fn()
        el = time.perf_counter() - t0
        times[mode].append(el)
        best = el if best is None else min(best, el)
    times["best"].append(best)
for mode, ts in times.items():
    c = counts.get(mode, counts["rows"])
    print(f"numpy ff mode={mode} n={n} inputs={n_in} steps={steps} numpy={np.__version__} "
          f"best_s={min(ts):.4f} median_s={float(np.median(ts)):.4f} "
          f"rate_hz={c / (n * steps * dt):.3f}")
