package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMPIRatios: the MPI table takes each configuration's median stepping
// time, its speed-up over 1 × 1, the median exchange per step, and judges
// 2 × 1 against 1.6× on the workloads issue 15 names only.
func TestMPIRatios(t *testing.T) {
	dir := t.TempDir()
	p := writeResults(t, dir, "results.txt", `cpu: AMD EPYC
mpirun (Open MPI) 4.1.4
mpi floor bytes=64 isend_irecv_waitall_us=0.283 allgatherv_us=0.306 (best of 3 × 100000)
mpi floor bytes=2048 isend_irecv_waitall_us=0.679 allgatherv_us=0.663 (best of 3 × 100000)
mpi work=cuba40k conf=1x1 run=1 steps=10000 wall_s=0.2 exchange_s=0 exchange_every=1 rank_weight_bytes=2097152 spikes=1
mpi work=cuba40k conf=1x1 run=2 steps=10000 wall_s=0.1 exchange_s=0 exchange_every=1 rank_weight_bytes=2097152 spikes=1
mpi work=cuba40k conf=1x1 run=3 steps=10000 wall_s=0.16 exchange_s=0 exchange_every=1 rank_weight_bytes=2097152 spikes=1
mpi work=cuba40k conf=2x1 run=1 steps=10000 wall_s=0.16 exchange_s=0.05 exchange_every=1 rank_weight_bytes=1048576 spikes=1
mpi work=cuba40k-delay conf=1x1 run=1 steps=10000 wall_s=0.3 exchange_s=0 exchange_every=1 rank_weight_bytes=2097152 spikes=1
mpi work=cuba40k-delay conf=2x1 run=1 steps=10000 wall_s=0.1 exchange_s=0.01 exchange_every=10 rank_weight_bytes=1048576 spikes=1
mpi work=ff1e6 conf=1x1 run=1 steps=200 wall_s=0.4 exchange_s=0 exchange_every=1 rank_weight_bytes=0 spikes=1
mpi work=ff1e6 conf=1x2 run=1 steps=200 wall_s=0.25 exchange_s=0 exchange_every=1 rank_weight_bytes=0 spikes=1
mpi work=ff1e6 conf=2x1 run=1 steps=200 wall_s=0.2 exchange_s=0.008 exchange_every=64 rank_weight_bytes=0 spikes=1
mpi work=ff1e6 conf=2x1 run=2 steps=0 wall_s=9 exchange_s=0 exchange_every=64 rank_weight_bytes=0 spikes=1
`)
	var w bytes.Buffer
	mpiRatios(&w, []string{p})
	out := w.String()
	wantAll(t, out,
		"## MPI ranks",
		"(Open MPI 4.1.4, shared memory",
		"cuba40k-delay: the same with a 1 ms delay",
		"| 1 × 1 | 0.160 | 1.00× | 0.0 µs | 1 | 2.0 MiB | — | — |",
		"| 2 × 1 | 0.160 | 1.00× | 5.0 µs | 1 | 1.0 MiB | ≥ 1.6× | **no** |",
		"| 2 × 1 | 0.100 | 3.00× | 1.0 µs | 10 | 1.0 MiB | — | — |",
		"| 1 × 2 | 0.250 | 1.60× | 0.0 µs | 1 | 0.0 MiB | — | — |",
		"| 2 × 1 | 0.200 | 2.00× | 40.0 µs | 64 | 0.0 MiB | ≥ 1.6× | yes |",
		"MPI_Waitall; best of 3): 64 B a rank: 0.28 µs (Allgatherv 0.31 µs); 2048 B a rank: 0.68 µs (Allgatherv 0.66 µs).",
	)
	if strings.Contains(out, "9.000") {
		t.Errorf("a run of no steps was read:\n%s", out)
	}
	var none bytes.Buffer
	mpiRatios(&none, []string{writeResults(t, dir, "other.txt", "cpu: AMD EPYC\n")})
	if none.Len() != 0 {
		t.Errorf("a table without runs:\n%s", none.String())
	}
}
