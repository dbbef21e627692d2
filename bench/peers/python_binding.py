"""Issue 14's figures for the Python binding: the cost of one
Network.step() call, leaky.run against the CLI's simulation time, and the
SHD network stepped from Python against the PyTorch loop of torch_shd.py.

Usage (after `make build python`):
    .venv/bin/python bench/peers/python_binding.py [reps]
Prints one line per figure; BENCHMARKS.md quotes them.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import leaky
from leaky import _lib

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(REPO, "bin", "leaky")
REPS = int(sys.argv[1]) if len(sys.argv) > 1 else 5


def median_time(f, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), min(ts), max(ts)


def step_overhead():
    """Seconds per step() of a one-neuron network: what a call costs."""
    fed = """
run: {dt: 0.001, steps: 1000}
sources: [{name: x, input: {size: 1}}]
populations: [{name: p, size: 1, params: {tau_mem: 0.01, tau_syn: 0.005}}]
projections: [{source: x, target: p, type: dense, weight: 0.5}]
"""
    poisson = fed.replace("input: {size: 1}", "poisson: {size: 1, rate: 10}")
    n = 200_000
    out = {}
    with leaky.Network.from_yaml(fed, threads=1) as net:
        x = np.ones((1, 1), dtype=np.float32)
        for _ in range(1000):
            net.step(x)
        out["step(x)"] = median_time(lambda: [net.step(x) for _ in range(n)], REPS)[0] / n
    with leaky.Network.from_yaml(poisson, threads=1) as net:
        for _ in range(1000):
            net.step()
        out["step()"] = median_time(lambda: [net.step() for _ in range(n)], REPS)[0] / n
        h, f = net._h, _lib.lib.leaky_step
        out["leaky_step via ctypes"] = median_time(lambda: [f(h, None, 0) for _ in range(n)], REPS)[0] / n
    return out


def cli_time(args):
    """The CLI's simulation time (summary.json's wall_seconds) and the
    whole process's."""
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        subprocess.run([CLI, "run", *args, "--out", d], check=True, capture_output=True)
        total = time.perf_counter() - t0
        with open(os.path.join(d, "summary.json")) as f:
            return json.load(f)["wall_seconds"], total


def run_vs_cli():
    workloads = {
        "seed (leaky run's defaults: 5000 steps, 100 inputs, 1000 neurons, everything recorded)": ([], {}),
        "ff (1000 Poisson inputs at 5 Hz onto 10^4 neurons, 10000 steps, spikes recorded)": (
            ["--n-inputs", "1000", "--neurons", "10000", "--steps", "10000", "--record", "spikes"],
            dict(n_inputs=1000, neurons=10000, steps=10000, record="spikes")),
    }
    out = []
    for name, (args, kw) in workloads.items():
        leaky.run(**kw)  # warm-up
        cli_time(args)
        sims, totals, pysims, pys = [], [], [], []
        for _ in range(REPS):  # alternate, so drifts of the machine hit both
            s, t = cli_time(args)
            sims.append(s)
            totals.append(t)
            t0 = time.perf_counter()
            r = leaky.run(**kw)
            pys.append(time.perf_counter() - t0)
            pysims.append(r.sim_seconds)
        out.append((name, statistics.median(sims), statistics.median(pysims), statistics.median(totals),
                    statistics.median(pys), [round(p / s, 3) for p, s in zip(pysims, sims)]))
    return out


SHD = os.path.join(REPO, "examples", "shd.yaml")


def shd(threads):
    """Samples per second of the SHD network (batch 256 × 100 steps of 1
    ms) stepped one step() at a time from Python, from a fresh network
    each batch (built untimed, as BenchmarkSHD and the PyTorch loop start
    from zero state): with leaky's own Poisson source, and fed an input
    array of 0/1 values as the PyTorch loop is."""
    text = open(SHD).read()
    fed = text.replace("poisson: {size: 700, rate: 15}", "input: {size: 700}")
    x = (np.random.default_rng(1).random((100, 256, 700)) < 0.015).astype(np.float32)
    out = {}
    for kind, spec, step in (("poisson", SHD, lambda net, t: net.step()), ("fed", fed, lambda net, t: net.step(x[t]))):
        ts = []
        for rep in range(REPS + 1):
            with leaky.Network.from_yaml(spec, threads=threads) as net:
                t0 = time.perf_counter()
                for t in range(100):
                    step(net, t)
                ts.append(time.perf_counter() - t0)
        out[kind] = 256 / statistics.median(ts[1:])
    return out


def torch(threads):
    p = subprocess.run([sys.executable, os.path.join(REPO, "bench", "peers", "torch_shd.py"), str(threads), str(REPS)],
                       capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    line = [l for l in p.stdout.splitlines() if l.startswith("torch")]
    if not line:
        return None, p.stderr.strip().splitlines()[-1:]
    return float(line[0].split("samples_per_s=")[1]), line[0]


def main():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    go = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.strip()
    print(f"cpu: {cpu} ({os.cpu_count()} logical cores); {go}; python {platform.python_version()}; "
          f"numpy {np.__version__}; leaky {leaky.version()}; {REPS} repetitions, medians")
    for name, s in step_overhead().items():
        print(f"step overhead  {name:24s} {s * 1e6:6.2f} µs per call (one-neuron network, 1 thread)")
    for name, sim, pysim, total, py, ratios in run_vs_cli():
        print(f"run vs CLI     {name}: simulation: CLI {sim * 1e3:.1f} ms, leaky.run {pysim * 1e3:.1f} ms, "
              f"ratio {pysim / sim:.3f} (per repetition {ratios}); whole: CLI process {total * 1e3:.0f} ms, "
              f"leaky.run call {py * 1e3:.0f} ms")
    for threads in (1, 2):
        ours = shd(threads)
        peer, line = torch(threads)
        for kind, v in ours.items():
            vs = f", {v / peer:.1f}× PyTorch's {peer:.0f}" if peer else f" (PyTorch: {line})"
            print(f"shd stepped    threads={threads} {kind:8s} {v:8.0f} samples/s{vs}")


if __name__ == "__main__":
    main()
