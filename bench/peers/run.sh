#!/bin/sh
# Runs leaky's CUBA, COBA and SHD benchmarks and the same workloads in
# Brian2 (cpp_standalone: CUBA and COBA on one and two threads) and
# PyTorch (CPU, same thread count), the
# NIR graphs of ../shared/nir (BenchmarkNIR) against the same networks in
# PyTorch (torch_nir.py, which reads the .nir files with h5py), workload d
# (issue 17) against NumPy (numpy_ff.py) with `leaky run`'s whole process,
# and prints the comparable numbers. Needs Debian's python3-brian, python3-torch and
# python3-h5py (python3-scipy for numpy_ff.py), and gcc with cgo for the C yardstick; the Python binding's
# figures (python_binding.py) need `make build python` (which installs
# what it needs). It installs the rest first (`make peers-deps`): a peer
# that is missing would otherwise leave its lines out of results.txt.
# Usage: bench/peers/run.sh [simulated_seconds_for_cuba_and_coba] [count]
# Run it on a quiet machine; it takes a few minutes.
set -eu
cd "$(dirname "$0")/../.."
SIM=${1:-5}
COUNT=${2:-3}
PY=/usr/bin/python3
make -s peers-deps >&2
NIR=../shared/nir # where BenchmarkNIR finds the fixtures too
grep -m1 'model name' /proc/cpuinfo | sed 's/.*: /cpu: /'
echo "== leaky (go test -bench)"
go test ./bench -run XXX -bench 'BenchmarkCUBA|BenchmarkCOBA|BenchmarkSHD' -benchtime 3x -count "$COUNT"
echo "== Brian2 cpp_standalone, 1 and 2 threads, CUBA ${SIM} s simulated (run_s: the compiled binary alone)"
for seed in $(seq 1 "$COUNT"); do
	for th in 1 2; do
		(cd /tmp && "$PY" "$OLDPWD/bench/peers/brian_cuba.py" "$SIM" "$seed" "$th" 2>/dev/null | grep '^brian2')
	done
done
echo "== Brian2 cpp_standalone, 1 and 2 threads, COBA ${SIM} s simulated (run_s: the compiled binary's run loop alone)"
for seed in $(seq 1 "$COUNT"); do
	for th in 1 2; do
		(cd /tmp && "$PY" "$OLDPWD/bench/peers/brian_coba.py" "$SIM" "$seed" "$th" 2>/dev/null | grep '^brian2')
	done
done
echo "== PyTorch CPU, SHD batch 256 × 100 steps"
for th in 1 2; do
	OMP_NUM_THREADS=$th "$PY" bench/peers/torch_shd.py "$th" 5 2>/dev/null | grep '^torch'
done
echo "== NIR graphs: leaky (BenchmarkNIR) and PyTorch (torch_nir.py, best of 5 per run), alternately, ${COUNT} runs"
for i in $(seq 1 "$COUNT"); do
	go test ./bench -run XXX -bench 'BenchmarkNIR' -benchtime 3x -count 1 | grep '^BenchmarkNIR'
	for th in 1 2; do
		for net in braille cnn; do
			OMP_NUM_THREADS=$th "$PY" bench/peers/torch_nir.py bench "$net" "$NIR" "$th" 5 2>/dev/null | grep '^torch'
		done
	done
done
echo "== workload d (issue 17): leaky (BenchmarkFF, 1000 steps) and NumPy (numpy_ff.py, best of 3 per run), alternately, ${COUNT} runs; leaky run's whole process"
go build -o /tmp/leaky_peer ./cmd/leaky
for i in $(seq 1 "$COUNT"); do
	go test ./bench -run XXX -bench 'BenchmarkFF/n=200000/' -benchtime 5x -count 1 | grep '^BenchmarkFF'
	OPENBLAS_NUM_THREADS=1 "$PY" bench/peers/numpy_ff.py 3 | grep '^numpy'
	for th in 1 2; do
		out=$(mktemp -d)
		t0=$(date +%s.%N)
		/tmp/leaky_peer run --n-inputs 1000 --rate 5 --neurons 200000 --seed 1 --steps 1000 --record spikes --threads "$th" --out "$out" >/dev/null
		t1=$(date +%s.%N)
		"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print('leaky run workload=d threads=%s process_s=%.4f sim_s=%.4f setup_s=%.4f' % (sys.argv[2], float(sys.argv[4])-float(sys.argv[3]), d['wall_seconds'], d['setup_seconds']))" "$out/summary.json" "$th" "$t0" "$t1"
		rm -rf "$out"
	done
done
echo "== OpenBLAS sgemm via NumPy, (25600 × 700)·(700 × 200)"
for th in 1 2; do
	OPENBLAS_NUM_THREADS=$th "$PY" bench/peers/openblas_sgemm.py "$th"
done
echo "== the same LIF update and row accumulation in C, gcc -O3 -mavx2 -mfma -ffp-contract=off, alone (issue 3's AVX2 yardstick)"
gcc -O3 -mavx2 -mfma -ffp-contract=off -o /tmp/leaky_c bench/peers/leaky_c.c && /tmp/leaky_c
echo "== the same C and leaky's AVX2 kernels alternately in one process (bench/peers/cvs; BENCHMARKS.md's AVX2 table)"
CGO_CFLAGS_ALLOW='-mfma|-ffp-contract=off' go build -tags cpeer -o /tmp/leaky_cvs ./bench/peers/cvs
for i in $(seq 1 "$COUNT"); do
	/tmp/leaky_cvs -kernel avx2 -reps 21
done
echo "== the Python binding: Network.step() calls, leaky.run against leaky run, SHD stepped from Python against PyTorch (python_binding.py, ${COUNT} repetitions)"
make -s build python >/dev/null
.venv/bin/python bench/peers/python_binding.py "$COUNT"
