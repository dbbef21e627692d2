package bench

import (
	"context"
	"slices"
	"testing"

	"leaky/engine"
)

// runCUBA runs CUBA for steps steps on threads threads and returns the
// spikes of both populations.
func runCUBA(t testing.TB, cfg CUBAConfig, steps, threads int) (exc, inh *engine.SpikeRecorder[float32]) {
	c, err := NewCUBA[float32](cfg)
	if err != nil {
		t.Fatal(err)
	}
	exc, inh = engine.NewSpikeRecorder(c.Exc), engine.NewSpikeRecorder(c.Inh)
	c.Net.AddRecorder(exc)
	c.Net.AddRecorder(inh)
	c.Net.SetThreads(threads)
	defer c.Net.Close()
	if err := c.Net.Run(context.Background(), steps, nil); err != nil {
		t.Fatal(err)
	}
	return exc, inh
}

// TestCUBARate runs one simulated second of CUBA and checks the mean rate
// lies in the band Brian2's CUBA example gives: Brian2 2.5 cpp_standalone
// (bench/peers/brian_cuba.py) measured 5.62 and 5.53 Hz for seeds 1 and 2,
// so 4–8 Hz allows for the different random connectivity and leaky's
// one-step-later synaptic input. A second run from the same seed must give
// the same spikes, another seed different ones.
func TestCUBARate(t *testing.T) {
	cfg := DefaultCUBA()
	steps := int(1 / cfg.Dt)
	exc, inh := runCUBA(t, cfg, steps, 1)
	n := len(exc.Events)/3 + len(inh.Events)/3
	rate := float64(n) / float64(cfg.NExc+cfg.NInh) / (float64(steps) * cfg.Dt)
	t.Logf("CUBA mean rate %.2f Hz (%d spikes)", rate, n)
	if rate < 4 || rate > 8 {
		t.Fatalf("mean rate %.2f Hz is outside the 4–8 Hz band of Brian2's CUBA", rate)
	}
	exc2, inh2 := runCUBA(t, cfg, 2000, 1)
	if !slices.Equal(exc2.Events, exc.Events[:len(exc2.Events)]) || !slices.Equal(inh2.Events, inh.Events[:len(inh2.Events)]) {
		t.Fatal("CUBA is not reproducible from its seed")
	}
	other := cfg
	other.Seed = 2
	exc3, _ := runCUBA(t, other, 2000, 1)
	if slices.Equal(exc3.Events, exc2.Events) {
		t.Fatal("seeds 1 and 2 gave the same spikes")
	}
}

// TestCUBAThreadsSameBits checks that CUBA gives the same spikes on 1, 2, 3
// and 7 threads: the standard network (4000 neurons, stepped in one piece)
// and one ten times larger with p ten times smaller, whose populations are
// split into neuron ranges, so the sparse scatter runs per range.
func TestCUBAThreadsSameBits(t *testing.T) {
	big := DefaultCUBA()
	big.NExc, big.NInh, big.P = 32000, 8000, 0.002
	for _, c := range []struct {
		cfg   CUBAConfig
		steps int
	}{{DefaultCUBA(), 1500}, {big, 300}} {
		want, wantInh := runCUBA(t, c.cfg, c.steps, 1)
		if len(want.Events) == 0 || len(wantInh.Events) == 0 {
			t.Fatal("no spikes")
		}
		for _, th := range []int{2, 3, 7} {
			got, gotInh := runCUBA(t, c.cfg, c.steps, th)
			if !slices.Equal(got.Events, want.Events) || !slices.Equal(gotInh.Events, wantInh.Events) {
				t.Fatalf("%d neurons, %d threads: spikes differ from 1 thread", c.cfg.NExc+c.cfg.NInh, th)
			}
		}
	}
}

// TestSHDThreadsSameBits runs a short SHD batch on 1, 2, 3 and 7 threads
// and compares the hidden spikes and readout potentials bit for bit.
func TestSHDThreadsSameBits(t *testing.T) {
	cfg := DefaultSHD()
	cfg.Batch, cfg.Steps = 64, 40
	run := func(threads int) ([]int64, []float32) {
		s, err := NewSHD[float32](cfg, [3][]float32{})
		if err != nil {
			t.Fatal(err)
		}
		sr := engine.NewSpikeRecorder(s.Hidden)
		tr, _ := engine.NewTrace(s.Readout, engine.VarV, nil)
		s.Net.AddRecorder(sr)
		s.Net.AddRecorder(tr)
		s.Net.SetThreads(threads)
		defer s.Net.Close()
		if err := s.Net.Run(context.Background(), cfg.Steps, nil); err != nil {
			t.Fatal(err)
		}
		return sr.Events, tr.Data
	}
	wantS, wantV := run(1)
	if len(wantS) == 0 {
		t.Fatal("hidden layer never spiked")
	}
	nonzero := false
	for _, v := range wantV {
		nonzero = nonzero || v != 0
	}
	if !nonzero {
		t.Fatal("readout never moved")
	}
	for _, th := range []int{2, 3, 7} {
		gotS, gotV := run(th)
		if !slices.Equal(gotS, wantS) || !slices.Equal(gotV, wantV) {
			t.Fatalf("%d threads: SHD differs from 1 thread", th)
		}
	}
}

// BenchmarkCUBA runs one simulated second of CUBA per iteration (build
// excluded) and reports the real-time factor: wall seconds per simulated
// second.
func BenchmarkCUBA(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run("threads="+itoa(threads), func(b *testing.B) {
			cfg := DefaultCUBA()
			steps := int(1 / cfg.Dt)
			var spikes int64
			for b.Loop() {
				b.StopTimer()
				c, err := NewCUBA[float32](cfg)
				if err != nil {
					b.Fatal(err)
				}
				c.Net.SetThreads(threads)
				b.StartTimer()
				if err := c.Net.Run(context.Background(), steps, nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				spikes += c.Exc.SpikeCount() + c.Inh.SpikeCount()
				c.Net.Close()
				b.StartTimer()
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "wall-s/sim-s")
			b.ReportMetric(float64(spikes)/float64(b.N)/4000, "Hz")
		})
	}
}

// BenchmarkSHD runs one SHD batch (256 samples × 100 steps, from rest) per
// iteration, building the network outside the timer, and reports samples
// per second.
func BenchmarkSHD(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run("threads="+itoa(threads), func(b *testing.B) {
			cfg := DefaultSHD()
			var spikes int64
			for b.Loop() {
				b.StopTimer()
				s, err := NewSHD[float32](cfg, [3][]float32{})
				if err != nil {
					b.Fatal(err)
				}
				s.Net.SetThreads(threads)
				b.StartTimer()
				if err := s.Net.Run(context.Background(), cfg.Steps, nil); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				spikes += s.Hidden.SpikeCount()
				s.Net.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(cfg.Batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
			b.ReportMetric(float64(spikes)/float64(b.N)/float64(cfg.Batch*cfg.Hidden)/(float64(cfg.Steps)*cfg.Dt), "hidden-Hz")
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
