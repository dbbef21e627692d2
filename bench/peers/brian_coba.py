"""Benchmark 1 of Brette et al. 2007 (the Vogels-Abbott conductance-based
network, COBA) in Brian2's cpp_standalone mode, the same model as leaky's
examples/coba.yaml and bench.NewCOBA, timed the same way leaky's
BenchmarkCOBA is: wall seconds per simulated second, excluding code
generation and compilation. Conductances are in units of the leak
conductance; the equations are integrated with forward Euler, as the
nonlinear system needs in Brian2 (see leaky's engine package doc for how
leaky's discretisation differs).

Usage: python3 brian_coba.py [simulated_seconds] [seed] [threads] [networks]
threads 1 (the default) runs single-threaded, more runs OpenMP threads.
networks > 1 simulates that many independent copies of the network in one
group (one compilation gives several realisations, for the rate band of
leaky's TestCOBARate); rates_hz lists each copy's mean rate. Prints one line:
  brian2 coba threads=... networks=... sim_s=... wall_s=... run_s=... rtf=... rate_hz=... rates_hz=... spikes=...
"""
import shutil
import sys
import tempfile
import time

import numpy as np

from brian2 import (NeuronGroup, Synapses, SpikeMonitor, ms, mV, second, run,
                    set_device, prefs, seed, device)

sim_s = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
rng_seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
networks = int(sys.argv[4]) if len(sys.argv) > 4 else 1

build_dir = tempfile.mkdtemp(prefix="brian_coba_")
set_device("cpp_standalone", directory=build_dir)
# 0 is Brian's single-threaded code without OpenMP.
prefs.devices.cpp_standalone.openmp_threads = 0 if threads == 1 else threads
seed(rng_seed)

taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -60 * mV
Ee, Ei = 0 * mV, -80 * mV
eqs = """
dv/dt  = ((El-v) + ge*(Ee-v) + gi*(Ei-v))/taum : volt (unless refractory)
dge/dt = -ge/taue : 1
dgi/dt = -gi/taui : 1
"""
N = 4000
P = NeuronGroup(N * networks, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                method="euler", dt=0.1 * ms)
P.v = "El + (randn() * 5 - 5) * mV"
P.ge = "randn() * 1.5 + 4"
P.gi = "randn() * 12 + 20"
we, wi = 6.0 / 10, 67.0 / 10  # 6 nS and 67 nS over a 10 nS leak
Ce = Synapses(P, P, on_pre="ge += we", dt=0.1 * ms)
Ci = Synapses(P, P, on_pre="gi += wi", dt=0.1 * ms)
if networks == 1:
    Ce.connect("i<3200", p=0.02)
    Ci.connect("i>=3200", p=0.02)
else:
    # Neurons 4000·k … 4000·k + 3199 are copy k's excitatory ones. (N
    # cannot be named here: in a Synapses condition it is the synapse count.)
    Ce.connect("i % 4000 < 3200 and i // 4000 == j // 4000", p=0.02)
    Ci.connect("i % 4000 >= 3200 and i // 4000 == j // 4000", p=0.02)
mon = SpikeMonitor(P)
t0 = time.perf_counter()
run(sim_s * second)  # generates, compiles and runs the standalone binary
wall = time.perf_counter() - t0
# Time of the compiled binary's run alone (no code generation or
# compilation), as measured by Brian around the binary.
sim_time = device._last_run_time
n = mon.num_spikes
per = np.bincount(np.asarray(mon.i) // N, minlength=networks)
shutil.rmtree(build_dir, ignore_errors=True)
rates = ",".join(f"{c / N / sim_s:.2f}" for c in per)
print(f"brian2 coba threads={threads} networks={networks} sim_s={sim_s} wall_s={wall:.4f} run_s={sim_time:.4f} "
      f"rtf={sim_time / sim_s / networks:.4f} rate_hz={n / N / networks / sim_s:.2f} rates_hz={rates} spikes={n}")
