package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"leaky/kernels"
)

// This file measures what a step of a small network split over two
// threads costs, piece by piece, with the second thread present (both
// goroutines locked to their threads and spinning): the bare hand-off in
// two shapes (a symmetric barrier, where each thread stores its own flag
// and waits for the other's, and a publish-and-report one, where the
// caller moves an epoch and waits for the worker's done flag, as the
// reverted team schedule did), CUBA's update over halves of shared
// arrays and of arrays of each thread's own, with and without a barrier
// a step, and the sparse scatter into each thread's own targets. The
// reverted team phase cost 400–600 ns with its worker present; these
// variants say which part of that is the hand-off and which the work.

// flag is a counter alone on its cache line.
type flag struct {
	_ [64]byte
	v atomic.Uint64
	_ [56]byte
}

// pairRun runs body(w, i) for i in 0..iters−1 on two goroutines (w = 0, 1),
// each locked to its OS thread, meeting after every call as meet says:
// "none" (no meeting), "sym" (symmetric: each stores i+1 in its own flag
// and spins until the other's reaches it) or "report" (thread 0 publishes
// i+1 in an epoch, thread 1 waits for it, runs, stores done; thread 0 runs
// its own part and spins on done).
func pairRun(b *testing.B, meet string, body func(w, i int)) {
	var flags [2]flag
	var epoch, done flag
	var wg sync.WaitGroup
	var start flag
	iters := b.N
	worker := func(w int) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		defer wg.Done()
		start.v.Add(1)
		for start.v.Load() < 2 {
		}
		for i := 0; i < iters; i++ {
			switch meet {
			case "none":
				body(w, i)
			case "sym":
				body(w, i)
				flags[w].v.Store(uint64(i + 1))
				for flags[1-w].v.Load() < uint64(i+1) {
				}
			case "report":
				if w == 0 {
					epoch.v.Store(uint64(i + 1))
					body(0, i)
					for done.v.Load() < uint64(i+1) {
					}
				} else {
					for epoch.v.Load() < uint64(i+1) {
					}
					body(1, i)
					done.v.Store(uint64(i + 1))
				}
			}
		}
	}
	wg.Add(2)
	b.ResetTimer()
	go worker(1)
	worker(0)
	wg.Wait()
}

// cubaState is one CUBA population's state, n neurons, as the kernel
// reads it.
type cubaState struct {
	V, I0, Iin0, I1, Iin1 []float32
	refrac                []int32
	mask                  []uint64
	// gap is how far past a thread boundary the upper half starts, in
	// BenchmarkTeamStep's padded states (0 elsewhere).
	gap int
}

func newCubaState(n int, rng *rand.Rand) *cubaState {
	s := &cubaState{V: make([]float32, n), I0: make([]float32, n), Iin0: make([]float32, n),
		I1: make([]float32, n), Iin1: make([]float32, n), refrac: make([]int32, n), mask: make([]uint64, kernels.MaskWords(n))}
	for i := range s.V {
		s.V[i] = -60 + 10*rng.Float32()
	}
	return s
}

// cubaParams are CUBA's constants at dt 0.1 ms (bench.CUBANeuron).
var cubaParams = kernels.CubaParams32{A0: 0.98019867, A1: 0.99004983, Beta: 0.99501248, VLeak: -49, Gain: 0.005, Theta: -50, VReset: -60, Hold: 50}

// update runs the kernel over neurons lo..hi−1 (lo a multiple of 64).
func (s *cubaState) update(lo, hi int) int {
	return kernels.CubaUpdate32(s.V[lo:hi], s.I0[lo:hi], s.Iin0[lo:hi], s.I1[lo:hi], s.Iin1[lo:hi], s.refrac[lo:hi], &cubaParams, s.mask[lo>>6:])
}

// cubaN is CUBA's size; cubaCut its two-thread boundary, 64-aligned.
const (
	cubaN   = 4000
	cubaCut = 2048
)

// scatterRows are spikes rows of CUBA's size (80 targets of 4000 each),
// 8 of them per step as CUBA's 20 Hz gives, split at cubaCut.
type scatterRows struct {
	all [][]int32
	col [][2][]int32
	w   []float32
}

func newScatterRows(rng *rand.Rand) *scatterRows {
	sr := &scatterRows{w: make([]float32, cubaN)}
	for i := range sr.w {
		sr.w[i] = 1.62
	}
	for r := 0; r < 64; r++ {
		var col []int32
		for i := 0; i < cubaN; i++ {
			if rng.Float64() < 0.02 {
				col = append(col, int32(i))
			}
		}
		k := 0
		for k < len(col) && col[k] < cubaCut {
			k++
		}
		sr.all = append(sr.all, col)
		sr.col = append(sr.col, [2][]int32{col[:k], col[k:]})
	}
	return sr
}

// scatter adds step i's 8 rows' part p (0: below cubaCut, 1: above, 2:
// both) into dst.
func (sr *scatterRows) scatter(dst []float32, i, p int) {
	for r := 0; r < 8; r++ {
		row := sr.col[(i*8+r)%len(sr.col)]
		for q := 0; q < 2; q++ {
			if p == 2 || p == q {
				kernels.ScatterAdd32(dst, row[q], sr.w[:len(row[q])], 0)
			}
		}
	}
}

// BenchmarkTeamPhase times one step (ns/op) of each variant above.
func BenchmarkTeamPhase(b *testing.B) {
	needTwo(b)
	for _, meet := range []string{"sym", "report"} {
		b.Run("work=none/sync="+meet, func(b *testing.B) {
			pairRun(b, meet, func(w, i int) {})
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	shared := newCubaState(cubaN, rng)
	own := [2]*cubaState{newCubaState(cubaCut, rng), newCubaState(cubaN-cubaCut, rng)}
	sr := newScatterRows(rng)
	b.Run("work=update/threads=1", func(b *testing.B) {
		for b.Loop() {
			shared.update(0, cubaN)
		}
	})
	b.Run("work=update-half/threads=1", func(b *testing.B) {
		for b.Loop() {
			shared.update(0, cubaCut)
		}
	})
	for _, meet := range []string{"none", "sym", "report"} {
		b.Run("work=update/state=shared/sync="+meet, func(b *testing.B) {
			pairRun(b, meet, func(w, i int) {
				if w == 0 {
					shared.update(0, cubaCut)
				} else {
					shared.update(cubaCut, cubaN)
				}
			})
		})
		b.Run("work=update/state=own/sync="+meet, func(b *testing.B) {
			pairRun(b, meet, func(w, i int) { own[w].update(0, len(own[w].V)) })
		})
	}
	b.Run("work=step/threads=1", func(b *testing.B) {
		i := 0
		for b.Loop() {
			sr.scatter(shared.Iin0, i, 2)
			shared.update(0, cubaN)
			i++
		}
	})
	b.Run("work=step/state=shared/sync=sym", func(b *testing.B) {
		pairRun(b, "sym", func(w, i int) {
			sr.scatter(shared.Iin0, i, w)
			if w == 0 {
				shared.update(0, cubaCut)
			} else {
				shared.update(cubaCut, cubaN)
			}
		})
	})
}

// BenchmarkTeamCeiling is the machine's own two-thread ceiling, with no
// meeting at all: CUBA's update over a half on each thread against both
// halves on one, and a register-only loop of about the same length as a
// control. The control's 2-over-1 ratio is what the machine gives at that
// moment: 2.0 when both vCPUs run, 1.0 when another tenant holds one.
func BenchmarkTeamCeiling(b *testing.B) {
	needTwo(b)
	rng := rand.New(rand.NewPCG(1, 2))
	own := [2]*cubaState{newCubaState(cubaCut, rng), newCubaState(cubaN-cubaCut, rng)}
	var sink [2]flag
	spin := func(w int) {
		x := float64(w)
		for k := 0; k < 400; k++ {
			x = x*0.999 + 1
		}
		sink[w].v.Store(uint64(x))
	}
	b.Run("work=update/threads=1", func(b *testing.B) {
		for b.Loop() {
			own[0].update(0, len(own[0].V))
			own[1].update(0, len(own[1].V))
		}
	})
	b.Run("work=update/threads=2", func(b *testing.B) {
		pairRun(b, "none", func(w, i int) { own[w].update(0, len(own[w].V)) })
	})
	ins := kernels.ActiveInstruments()
	var bufs [2][2][]float32
	for w := range bufs {
		bufs[w] = [2][]float32{make([]float32, 4096), make([]float32, 32768)}
	}
	var sums [2]flag
	// The vector FMA ceiling, and reads and adds-to (dst[i] += src[i])
	// over 16 KiB (L1) and 128 KiB (L2) of each thread's own, each about a
	// microsecond: whether the two vCPUs share the units or the caches the
	// update is bound by.
	for _, c := range []struct {
		name string
		run  func(w int)
	}{
		{"fma", func(w int) { sums[w].v.Store(uint64(ins.PeakFMA32(256))) }},
		{"read-l1", func(w int) { sums[w].v.Store(uint64(ins.ReadStream32(bufs[w][0], 3))) }},
		{"read-l2", func(w int) { sums[w].v.Store(uint64(ins.ReadStream32(bufs[w][1], 1))) }},
		{"add-l1", func(w int) { ins.AddStream32(bufs[w][0][:2048], bufs[w][0][2048:], 3) }},
		{"add-l2", func(w int) { ins.AddStream32(bufs[w][1][:16384], bufs[w][1][16384:], 1) }},
	} {
		b.Run("work="+c.name+"/threads=1", func(b *testing.B) {
			for b.Loop() {
				c.run(0)
				c.run(1)
			}
		})
		b.Run("work="+c.name+"/threads=2", func(b *testing.B) {
			pairRun(b, "none", func(w, i int) { c.run(w) })
		})
	}
	// Eight independent integer multiply-add chains, bound by the
	// multiplier's throughput rather than a chain's latency (unlike flops):
	// two threads on two cores run 2×, on two siblings of one core about 1×.
	alu := func(w int) {
		x := [8]uint64{uint64(w), 1, 2, 3, 4, 5, 6, 7}
		for k := 0; k < 200; k++ {
			for j := range x {
				x[j] = x[j]*0x9e3779b97f4a7c15 + uint64(j)
			}
		}
		sink[w].v.Store(x[0] ^ x[1] ^ x[2] ^ x[3] ^ x[4] ^ x[5] ^ x[6] ^ x[7])
	}
	b.Run("work=alu/threads=1", func(b *testing.B) {
		for b.Loop() {
			alu(0)
			alu(1)
		}
	})
	b.Run("work=alu/threads=2", func(b *testing.B) {
		pairRun(b, "none", func(w, i int) { alu(w) })
	})
	b.Run("work=flops/threads=1", func(b *testing.B) {
		for b.Loop() {
			spin(0)
			spin(1)
		}
	})
	b.Run("work=flops/threads=2", func(b *testing.B) {
		pairRun(b, "none", func(w, i int) { spin(w) })
	})
}

// teamGap is the padding between the two threads' halves of an array that
// BenchmarkTeamGap finds enough: 256 float32s, 1 KiB, 16 cache lines.
const teamGap = 256

// BenchmarkTeamGap times CUBA's update split at cubaCut over two threads
// meeting each step, over arrays that hold the upper half gap values past
// the boundary (unused values between the halves), against the whole on
// one thread. Arrays of 8192 values start on 4 KiB pages, as the engine's
// do. With no gap, the halves of shared arrays run no faster than one
// thread does (BenchmarkTeamPhase's state=shared against state=own): the
// hardware prefetchers of the core that runs a half fetch lines past its
// end, which the other core writes every step, and those lines cross
// between the cores every step; a gap of 8 cache lines or more leaves
// them to one core.
func BenchmarkTeamGap(b *testing.B) {
	needTwo(b)
	rng := rand.New(rand.NewPCG(1, 2))
	s := newCubaState(8192, rng)
	b.Run("threads=1", func(b *testing.B) {
		for b.Loop() {
			s.update(0, cubaN)
		}
	})
	for _, gap := range []int{0, 16, 64, 128, teamGap, 1024} {
		b.Run(fmt.Sprintf("gap=%d/threads=2", gap), func(b *testing.B) {
			pairRun(b, "sym", func(w, i int) {
				if w == 0 {
					s.update(0, cubaCut)
				} else {
					s.update(cubaCut+gap, cubaN+gap)
				}
			})
		})
	}
}

// BenchmarkTeamStep is CUBA's step in the shape of the two-thread
// schedules, without their bookkeeping: two populations of CUBA's sizes
// (3200 and 800), each thread scattering 8 spike rows a step into its own
// targets and updating its own 64-aligned half of each. bars=2 meets after
// each population, as the reverted team schedule did; bars=1 meets once a
// step, the floor of the one-barrier design without its spike pass;
// bars=1+pass adds that pass in plain Go (thresholdMask), the cost of the
// design before the pass has a vector kernel. The padded variants hold the
// upper half teamGap values past the boundary (BenchmarkTeamGap): the step
// with the boundary's cache lines touched by one thread only.
func BenchmarkTeamStep(b *testing.B) {
	needTwo(b)
	rng := rand.New(rand.NewPCG(1, 2))
	exc, inh := newCubaState(3200, rng), newCubaState(800, rng)
	sr := newScatterRows(rng)
	// cutExc and cutInh are the two threads' boundaries in exc and inh.
	const cutExc, cutInh = 1600, 384
	// pexc and pinh are exc and inh with the upper half teamGap values
	// past the boundary.
	pexc, pinh := newCubaState(3200+teamGap, rng), newCubaState(800+teamGap, rng)
	pexc.gap, pinh.gap = teamGap, teamGap
	part := func(s *cubaState, cut, w int) {
		if w == 0 {
			s.update(0, cut)
		} else {
			s.update(cut+s.gap, len(s.V))
		}
	}
	// Each population gets its 8 rows, cut to its size; where each row
	// meets a population's end and its thread boundary is found once, as
	// the one-barrier design's rows split at build time would be.
	split := func(n, cut int) [][3]int {
		var out [][3]int
		for _, row := range sr.all {
			c, e := 0, 0
			for c < len(row) && int(row[c]) < cut {
				c++
			}
			for e = c; e < len(row) && int(row[e]) < n; e++ {
			}
			out = append(out, [3]int{0, c, e})
		}
		return out
	}
	atExc, atInh := split(len(exc.V), cutExc), split(len(inh.V), cutInh)
	pop := func(s *cubaState, at [][3]int, i, w int) {
		for r := 0; r < 8; r++ {
			k := (i*8 + r) % len(sr.all)
			a, e := at[k][0], at[k][2]
			dst := s.Iin0
			if w == 0 {
				e = at[k][1]
			} else if w == 1 {
				a = at[k][1]
				dst = dst[s.gap:]
			}
			kernels.ScatterAdd32(dst, sr.all[k][a:e], sr.w[:e-a], 0)
		}
	}
	b.Run("bars=0/threads=1", func(b *testing.B) {
		i := 0
		for b.Loop() {
			pop(exc, atExc, i, 2)
			exc.update(0, len(exc.V))
			pop(inh, atInh, i, 2)
			inh.update(0, len(inh.V))
			i++
		}
	})
	var masks [2][2][]uint64
	for w := range masks {
		masks[w] = [2][]uint64{make([]uint64, 3200/64), make([]uint64, 800/64+1)}
	}
	pass := func(s *cubaState, cut, w int, mask []uint64) {
		lo, hi := 0, cut
		if w == 1 {
			lo, hi = cut, len(s.V)
		}
		thresholdMask(mask, s.V[lo:hi], s.refrac[lo:hi], cubaParams.Theta)
	}
	b.Run("pass-only/threads=1", func(b *testing.B) {
		for b.Loop() {
			for w := range 2 {
				pass(exc, cutExc, w, masks[w][0])
				pass(inh, cutInh, w, masks[w][1])
			}
		}
	})
	for _, c := range []struct {
		name      string
		bars      int
		spikePass bool
		padded    bool
	}{{"bars=1", 1, false, false}, {"bars=1+pass", 1, true, false}, {"bars=2", 2, false, false},
		{"bars=1/padded", 1, false, true}, {"bars=2/padded", 2, false, true}} {
		bars := c.bars
		exc, inh := exc, inh
		if c.padded {
			exc, inh = pexc, pinh
		}
		b.Run(c.name+"/threads=2", func(b *testing.B) {
			var flags [2]flag
			meet := func(w int, e uint64) {
				flags[w].v.Store(e)
				for flags[1-w].v.Load() < e {
				}
			}
			pairRun(b, "none", func(w, i int) {
				pop(exc, atExc, i, w)
				part(exc, cutExc, w)
				if bars == 2 {
					meet(w, uint64(2*i+1))
				}
				pop(inh, atInh, i, w)
				part(inh, cutInh, w)
				if c.spikePass {
					pass(exc, cutExc, w, masks[w][0])
					pass(inh, cutInh, w, masks[w][1])
				}
				meet(w, uint64(bars*(i+1)))
			})
		})
	}
}

// thresholdMask sets bit j of mask to V[j] > theta && refrac[j] == 0, the
// spike CUBA's update finds at the start of a step, in plain Go.
func thresholdMask(mask []uint64, V []float32, refrac []int32, theta float32) {
	for w := range kernels.MaskWords(len(V)) {
		var m uint64
		for j, v := range V[w<<6 : min(w<<6+64, len(V))] {
			if v > theta && refrac[w<<6+j] == 0 {
				m |= 1 << j
			}
		}
		mask[w] = m
	}
}

// needTwo fails a benchmark of two threads side by side on a machine
// that cannot run two at once: its figures would measure time slicing.
func needTwo(b *testing.B) {
	if p := runtime.GOMAXPROCS(0); p < 2 {
		b.Fatalf("two threads side by side need two processors; GOMAXPROCS is %d", p)
	}
}
