#!/bin/bash
# Measures leaky over MPI ranks against one process: 1 rank × 1 thread,
# 1 rank × 2 threads and 2 ranks × 1 thread on CUBA scaled to 40 000
# neurons (bench's bigCUBA: 32 000 + 8 000, p = 0.002, so each neuron
# keeps CUBA's 80 inputs; spikes recorded), the same with a 1 ms synaptic
# delay (10 steps: min-delay exchange every 10 steps), and the
# feed-forward population of 10^6 neurons (1000 Poisson inputs at 5 Hz,
# procedural weights, spikes recorded). Every configuration runs count
# times, interleaved, under mpirun (shared memory: --mca btl self,vader;
# one rank is run with --bind-to none, since Open MPI binds each of up to
# two ranks to one core, which would put a rank's second thread on its
# first one's core; two ranks keep that default, --bind-to core, which ran
# CUBA 40 000 faster than none, docs/SCALING.md; BIND=none or BIND=core
# sets every run's binding, to compare the two);
# each run's wall seconds (stepping only, without setup) and exchange
# seconds (the longest any rank spent in the collectives) come from its
# summary.json. It prints every run, then the medians and speed-ups.
#   bench/mpi/run.sh [count] [cuba_steps] [ff_steps] [workloads] > bench/mpi/results.txt
# workloads is a space-separated subset of "cuba40k cuba40k-delay ff1e6"
# (all three by default), e.g. bench/mpi/run.sh 5 10000 200 cuba40k.
# Needs `make build-mpi` (run here first). BINS="old=PATH new=PATH" runs
# those binaries instead of building bin/leaky-mpi, alternately within
# each run (an A/B in one sitting), each row and median naming its bin.
# Run it on a quiet machine: the
# ranks wait for each other at every exchange, so a core taken by
# another process shows up as exchange time.
set -euo pipefail
cd "$(dirname "$0")/../.."
COUNT=${1:-5}
CUBA_STEPS=${2:-10000}
FF_STEPS=${3:-200}
WORKS=${4:-cuba40k cuba40k-delay ff1e6}
for work in $WORKS; do
	case $work in
	cuba40k | cuba40k-delay | ff1e6) ;;
	*)
		echo "bench/mpi/run.sh: unknown workload $work (want cuba40k, cuba40k-delay or ff1e6)" >&2
		exit 2
		;;
	esac
done
PY=/usr/bin/python3
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
if [ -z "${BINS:-}" ]; then
	make -s build-mpi >&2
	BINS=bin=bin/leaky-mpi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed -e 's/size: 3200$/size: 32000/' -e 's/size: 800$/size: 8000/' -e 's/p: 0\.02,/p: 0.002,/' \
	-e "s/steps: 10000 /steps: $CUBA_STEPS /" -e '/vars: \[v\]/d' examples/cuba.yaml >"$tmp/cuba40k.yaml"
sed -e 's/receptor: \(exc\|inh\)}/receptor: \1, delay: 10}/' "$tmp/cuba40k.yaml" >"$tmp/cuba40k-delay.yaml"
grep -q 'size: 32000' "$tmp/cuba40k.yaml" && grep -q 'delay: 10' "$tmp/cuba40k-delay.yaml" || {
	echo "bench/mpi/run.sh: examples/cuba.yaml no longer has the lines this script scales" >&2
	exit 1
}
grep -m1 'model name' /proc/cpuinfo | sed 's/.*: /cpu: /'
go version
mpirun --version | head -1
echo "cuba_steps=$CUBA_STEPS ff_steps=$FF_STEPS count=$COUNT workloads=$WORKS bins=$BINS"
echo "== the exchange alone on 2 ranks (bench/mpi/floor.c): what MPI itself takes, the rest of a run's exchange time is waiting"
mpicc -O2 -o "$tmp/floor" bench/mpi/floor.c
mpirun -np 2 --bind-to core --mca btl self,vader "$tmp/floor"
echo "== runs"
for run in $(seq 1 "$COUNT"); do
	for work in $WORKS; do
		case $work in
		ff1e6) args="--neurons 1000000 --n-inputs 1000 --rate 5 --procedural-weights --record spikes --steps $FF_STEPS" ;;
		*) args="--net $tmp/$work.yaml" ;;
		esac
		for conf in 1x1 1x2 2x1; do
			for b in $BINS; do
				np=${conf%x*}
				threads=${conf#*x}
				rm -rf "$tmp/out"
				bind=${BIND:-none}
				[ -z "${BIND:-}" ] && [ "$threads" = 1 ] && bind=core
				# shellcheck disable=SC2086 # args is a list of words
				mpirun -np "$np" --oversubscribe --bind-to "$bind" --mca btl self,vader "${b#*=}" run --threads "$threads" --out "$tmp/out" $args >/dev/null
				"$PY" - "$tmp/out/summary.json" "$work" "$conf" "$run" "${b%%=*}" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"mpi work={sys.argv[2]} conf={sys.argv[3]} run={sys.argv[4]} bin={sys.argv[5]} steps={s['step_reached']} "
      f"wall_s={s['wall_seconds']:.6f} exchange_s={s['exchange_seconds']:.6f} "
      f"exchange_every={s.get('exchange_every', 1)} rank_weight_bytes={s.get('rank_weight_bytes', 0)} "
      f"spikes={s['output_spikes']}")
EOF
			done
		done
	done
done | tee "$tmp/runs.txt"
echo "== medians (wall: stepping only; speed-up: 1x1's wall over this one's)"
"$PY" - "$tmp/runs.txt" <<'EOF'
import statistics, sys
runs, bins = {}, []
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split()[1:])
    runs.setdefault((f["work"], f["conf"], f["bin"]), []).append(f)
    bins += [f["bin"]] if f["bin"] not in bins else []
# Best: the fastest run and its exchange time, what the ranks do when no
# other process takes their cores.
print("| workload | bin | ranks × threads | wall s median | spread | speed-up vs 1×1 | exchange per step (median) | best wall s | best speed-up | best exchange per step | exchange every | weights per rank |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for work in dict.fromkeys(w for w, _, _ in runs):
  for bin in bins:
    one = [float(f["wall_s"]) for f in runs[(work, "1x1", bin)]]
    for conf in ("1x1", "1x2", "2x1"):
        fs = runs[(work, conf, bin)]
        wall = [float(f["wall_s"]) for f in fs]
        steps = int(fs[0]["steps"])
        ex = statistics.median(float(f["exchange_s"]) for f in fs)
        best = min(fs, key=lambda f: float(f["wall_s"]))
        m = statistics.median(wall)
        spread = (max(wall) - min(wall)) / m * 100
        print(f"| {work} | {bin} | {conf.replace('x', ' × ')} | {m:.3f} | ±{spread / 2:.0f}% | {statistics.median(one) / m:.2f}× | "
              f"{ex / steps * 1e6:.1f} µs | {float(best['wall_s']):.3f} | {min(one) / float(best['wall_s']):.2f}× | "
              f"{float(best['exchange_s']) / steps * 1e6:.1f} µs | {fs[0]['exchange_every']} | {int(fs[0]['rank_weight_bytes']) / 2**20:.1f} MiB |")
EOF
