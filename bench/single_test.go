package bench

import (
	"context"
	"testing"

	"leaky/netfile"
)

// singleRun is the steps of one Run in BenchmarkSingle.
const singleRun = 1000

// BenchmarkSingle times the seed notebook's single neuron (100 Poisson
// inputs at 5 Hz onto one neuron through stored weights, the `single`
// workload of `leaky bench`): an iteration is a Run of singleRun steps,
// as `leaky run` steps (Run fuses the input into the update, which Step
// alone does not), and ns/step, with one neuron to update, is the fixed
// cost of a step — the schedule, its phases, the recorder checks and the
// spike list — plus one Poisson draw per input.
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
				if err := ff.Net.Run(context.Background(), singleRun, nil); err != nil {
					b.Fatal(err)
				}
			}
			steps := float64(b.N) * singleRun
			b.ReportMetric(b.Elapsed().Seconds()*1e9/steps, "ns/step")
			b.ReportMetric(steps/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
