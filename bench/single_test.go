package bench

import (
	"testing"

	"leaky/netfile"
)

// BenchmarkSingle times one step of the seed notebook's single neuron (100
// Poisson inputs at 5 Hz onto one neuron through stored weights, the
// `single` workload of `leaky bench`) per iteration: with one neuron to
// update, ns/op is the fixed cost of a step — the schedule, its phases, the
// recorder checks and the spike list — plus one Poisson draw per input.
func BenchmarkSingle(b *testing.B) {
	cfg := netfile.DefaultFeedForward()
	cfg.Neurons, cfg.Seed = 1, 1
	ff, err := netfile.BuildFeedForward[float32](cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, threads := range []int{1, 2} {
		b.Run("threads="+itoa(threads), func(b *testing.B) {
			ff.Net.SetThreads(threads)
			defer ff.Net.Close()
			for b.Loop() {
				if err := ff.Net.Step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
