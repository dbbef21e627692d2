"""Brian2's CUBA example (Vogels & Abbott 2005) in cpp_standalone mode,
timed the same way leaky's BenchmarkCUBA is: wall seconds per simulated
second, excluding code generation and compilation.

Usage: python3 brian_cuba.py [simulated_seconds] [seed] [threads]
threads 1 (the default) runs Brian's single-threaded code, more runs OpenMP
threads.
Prints one line: brian2 cuba threads=... sim_s=... wall_s=... rtf=... rate_hz=... spikes=...
"""
import os
import sys
import tempfile
import time

from brian2 import (NeuronGroup, Synapses, SpikeMonitor, ms, mV, second, run,
                    set_device, prefs, seed, device)

sim_s = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
rng_seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1

build_dir = tempfile.mkdtemp(prefix="brian_cuba_")
set_device("cpp_standalone", directory=build_dir)
# 0 is Brian's single-threaded code without OpenMP.
prefs.devices.cpp_standalone.openmp_threads = 0 if threads == 1 else threads
seed(rng_seed)

taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
eqs = """
dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
dge/dt = -ge/taue : volt
dgi/dt = -gi/taui : volt
"""
P = NeuronGroup(4000, eqs, threshold="v>Vt", reset="v = Vr", refractory=5 * ms,
                method="exact", dt=0.1 * ms)
P.v = "Vr + rand() * (Vt - Vr)"
P.ge = 0 * mV
P.gi = 0 * mV
we = (60 * 0.27 / 10) * mV
wi = (-20 * 4.5 / 10) * mV
Ce = Synapses(P, P, on_pre="ge += we", dt=0.1 * ms)
Ci = Synapses(P, P, on_pre="gi += wi", dt=0.1 * ms)
Ce.connect("i<3200", p=0.02)
Ci.connect("i>=3200", p=0.02)
mon = SpikeMonitor(P)
t0 = time.perf_counter()
run(sim_s * second)  # generates, compiles and runs the standalone binary
wall = time.perf_counter() - t0
# Time of the compiled binary's run alone (no code generation or
# compilation), as measured by Brian around the binary.
sim_time = device._last_run_time
n = mon.num_spikes
print(f"brian2 cuba threads={threads} sim_s={sim_s} wall_s={wall:.4f} run_s={sim_time:.4f} "
      f"rtf={sim_time / sim_s:.4f} rate_hz={n / 4000 / sim_s:.2f} spikes={n}")
