package engine_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"leaky/netfile"
)

// soloRank is rank 0 of two whose other rank never spikes: each collective
// copies this rank's share into place and leaves the other's zero (no
// spikes, vote 0), so that a benchmark times one rank's own work of a step,
// without waiting for another process.
type soloRank struct{}

func (soloRank) Rank() int { return 0 }
func (soloRank) Size() int { return 2 }
func (soloRank) Allgatherv(send, recv []byte, counts, displs []int) error {
	copy(recv[displs[0]:displs[0]+counts[0]], send)
	clear(recv[displs[1] : displs[1]+counts[1]])
	return nil
}
func (x soloRank) Iallgatherv(send, recv []byte, counts, displs []int) error {
	return x.Allgatherv(send, recv, counts, displs)
}
func (soloRank) Wait() error { return nil }
func (soloRank) Gatherv(send, recv []byte, counts, displs []int, root int) error {
	copy(recv[displs[0]:displs[0]+counts[0]], send)
	return nil
}

// BenchmarkRankAhead times rank 0's steps of CUBA at 40 000 neurons over
// two ranks (bench/mpi/run.sh's cuba40k; the other rank silent, see
// soloRank), 100 steps an iteration, with the spikes exchanged before each
// step written by the update of the step before (ahead=update,
// kernels.CubaUpdateAhead; the first step of each Run reads them off the
// state) and read off the state every step (ahead=state,
// kernels.ThresholdMask after CubaUpdate).
func BenchmarkRankAhead(b *testing.B) {
	src, err := os.ReadFile("../examples/cuba.yaml")
	if err != nil {
		b.Fatal(err)
	}
	yaml := strings.NewReplacer("size: 3200\n", "size: 32000\n", "size: 800\n", "size: 8000\n", "p: 0.02,", "p: 0.002,").Replace(string(src))
	d, err := netfile.Parse("cuba40k.yaml", []byte(yaml))
	if err != nil {
		b.Fatal(err)
	}
	d.Recorders = nil
	const steps = 100
	for _, from := range []string{"update", "state"} {
		b.Run(fmt.Sprintf("ahead=%s/n=40000", from), func(b *testing.B) {
			net, err := netfile.BuildRank[float32](d, 1, 0, 2)
			if err != nil {
				b.Fatal(err)
			}
			defer net.Net.Close()
			if err := net.Net.SetRanks(soloRank{}, make([][]int, len(net.Pops))); err != nil {
				b.Fatal(err)
			}
			net.Net.ReadAheadOffState(from == "state")
			if err := net.Net.Run(nil, 200, nil); err != nil { // past the first spikes
				b.Fatal(err)
			}
			for b.Loop() {
				if err := net.Net.Run(nil, steps, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e6/float64(b.N*steps), "µs/step")
		})
	}
}
