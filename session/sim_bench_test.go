package session_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"leaky/netfile"
	"leaky/session"
)

// shdFile is examples/shd.yaml, with its Poisson input when fed is false,
// or with that input replaced by a source the caller feeds.
func shdFile(tb testing.TB, fed bool) *netfile.File {
	tb.Helper()
	text, err := os.ReadFile("../examples/shd.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	s := string(text)
	if fed {
		const poisson = "poisson: {size: 700, rate: 15}"
		if !strings.Contains(s, poisson) {
			tb.Fatalf("examples/shd.yaml has no %q to replace", poisson)
		}
		s = strings.Replace(s, poisson, "input: {size: 700}", 1)
	}
	d, err := netfile.Parse("shd.yaml", []byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// BenchmarkSimSHD steps the SHD network (examples/shd.yaml: a batch of
// 256 samples × 100 steps, from rest, built untimed) one Sim.Step per step,
// as the Python and C bindings step it: impl=poisson with leaky's own
// Poisson source, impl=fed with the caller's 0/1 array of the same rate
// (1.5% of the values are 1) handed over at every step. Reports samples
// per second; the two should cost about the same.
func BenchmarkSimSHD(b *testing.B) {
	const steps, batch, size = 100, 256, 700
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, steps*batch*size)
	for i := range x {
		if r.Float64() < 0.015 {
			x[i] = 1
		}
	}
	for _, impl := range []string{"poisson", "fed"} {
		for _, threads := range []int{1, 2} {
			b.Run("impl="+impl+"/threads="+strconv.Itoa(threads), func(b *testing.B) {
				d := shdFile(b, impl == "fed")
				for b.Loop() {
					b.StopTimer()
					s, err := session.Open(d, session.Options{Threads: threads})
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					for t := range steps {
						var in []session.Input
						if impl == "fed" {
							in = []session.Input{{Source: "input", Data: x[t*batch*size : (t+1)*batch*size]}}
						}
						if err := s.Step(in...); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					s.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			})
		}
	}
}
