"""Issue 14's figures for the Python binding: the cost of one
Network.step() call, leaky.run against the CLI's simulation time on the
seed workload and on workload d, and the SHD network stepped from Python
against the PyTorch loop of torch_shd.py at equal threads.

Usage (after `make build python`; bench/peers/run.sh runs it):
    .venv/bin/python bench/peers/python_binding.py [reps]
Prints the cpu: line, then one "python ..." line of key=value fields per
figure, which bench/report turns into BENCHMARKS.md's "Python binding"
table (bench/report/python.go).
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
        out["leaky_step"] = median_time(lambda: [f(h, None, 0) for _ in range(n)], REPS)[0] / n
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


# The workloads leaky.run and the CLI both run, as flags and as leaky.run's
# keywords (the same names). seed: leaky run's defaults, everything
# recorded. d: issue 17's workload d, the 2·10^5-neuron ff workload of
# `leaky bench` (bench/suite/workloads.go: buildFF with ffInputs Poisson
# inputs at ffRate Hz, seed 1, stored weights) for 1000 steps, spikes
# recorded (its traces would be 800 MB each).
WORKLOADS = {
    "seed": {},
    "d": dict(n_inputs=1000, rate=5, neurons=200_000, seed=1, steps=1000, record="spikes"),
}


def flags(kw):
    return [a for k, v in kw.items() for a in ("--" + k.replace("_", "-"), str(v))]


def run_vs_cli():
    out = {}
    for name, kw in WORKLOADS.items():
        args = flags(kw)
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
            del r
        out[name] = dict(cli_sim_s=statistics.median(sims), run_sim_s=statistics.median(pysims),
                         ratio=statistics.median(p / s for p, s in zip(pysims, sims)),
                         cli_process_s=statistics.median(totals), run_call_s=statistics.median(pys),
                         args=" ".join(args) or "(defaults)")
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
    """PyTorch's samples/s and version on the same SHD batch, or None and
    why not."""
    p = subprocess.run([sys.executable, os.path.join(REPO, "bench", "peers", "torch_shd.py"), str(threads), str(REPS)],
                       capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    line = [l for l in p.stdout.splitlines() if l.startswith("torch")]
    if not line:
        return None, (p.stderr.strip().splitlines() or ["torch_shd.py printed nothing"])[-1]
    f = dict(x.split("=", 1) for x in line[0].split() if "=" in x)
    return float(f["samples_per_s"]), f.get("torch", "?")


def main():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    go = subprocess.run(["go", "env", "GOVERSION"], capture_output=True, text=True).stdout.strip()
    print(f"cpu: {cpu}")
    torch_version = "none"
    shd_lines = []
    for threads in (1, 2):
        ours = shd(threads)
        peer, why = torch(threads)
        if peer is None:
            print(f"python shd threads={threads}: PyTorch did not run: {why}", file=sys.stderr)
        else:
            torch_version = why
        for kind, v in ours.items():
            shd_lines.append(f"python shd threads={threads} input={kind} samples_per_s={v:.1f}" +
                             (f" torch_samples_per_s={peer:.1f}" if peer else ""))
    print(f"python versions python={platform.python_version()} numpy={np.__version__} leaky={leaky.version()} "
          f"go={go} torch={torch_version} reps={REPS} cores={os.cpu_count()}")
    for name, s in step_overhead().items():
        print(f"python step call={name} us_per_call={s * 1e6:.3f}")
    for name, f in run_vs_cli().items():
        print(f"python run workload={name} cli_sim_s={f['cli_sim_s']:.5f} run_sim_s={f['run_sim_s']:.5f} "
              f"ratio={f['ratio']:.3f} cli_process_s={f['cli_process_s']:.3f} run_call_s={f['run_call_s']:.3f} "
              f"flags: {f['args']}")
    for line in shd_lines:
        print(line)


if __name__ == "__main__":
    main()
