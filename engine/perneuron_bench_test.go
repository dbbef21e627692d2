package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkPerNeuron measures phase 4 of a step, the neuron update, of a
// Norse CubaLIF population whose parameters differ between neurons
// (impl=perneuron, updatePerNeuron) against the same population with one
// value for all (impl=uniform, the general loop and its kernels).
func BenchmarkPerNeuron(b *testing.B) {
	for _, n := range []int{4096, 65536} {
		for _, impl := range []string{"uniform", "perneuron"} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", impl, n), func(b *testing.B) {
				np := NeuronParams{Kind: KindLIF, Rule: RuleNorse, Decay: DecayEuler, Dt: 1e-4, TauMem: 1e-3, TauSyn: []float64{5e-4},
					WIn: []float64{2}, R: 1.5, Scale: ScaleNIR, VLeak: 0.05, Threshold: 0.3}
				if impl == "perneuron" {
					rng := rand.New(rand.NewPCG(1, 1))
					pn := &PerNeuron{TauMem: make([]float64, n), Threshold: make([]float64, n)}
					for i := range n {
						pn.TauMem[i], pn.Threshold[i] = 1e-3*(1+rng.Float64()), 0.3*(1+rng.Float64())
					}
					np.PerNeuron = pn
				}
				p, err := NewPopulation[float32]("p", 1, n, np)
				if err != nil {
					b.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(2, 2))
				for i := range p.Iin[:n] {
					p.Iin[i] = float32(rng.NormFloat64())
				}
				r := p.All()
				b.SetBytes(int64(n) * 4 * 3)
				for b.Loop() {
					p.update(r)
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "neuron-steps/s")
			})
		}
	}
}
