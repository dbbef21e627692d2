package kernels

import (
	"fmt"
	"io"
	"math"
	"os"
	"sync"
)

// Before an implementation other than generic is first used, every one of
// its kernels runs on a small fixed input set (well under a millisecond in
// all) and must give generic's bits. Tests prove this on the machines they
// run on; the check covers the machines they do not — the AVX-512 kernels
// had run on no test machine when it was written. An implementation that
// disagrees is left out of [Available], so [Best] and [Lookup] fall back to
// the next one down; a warning is written once to stderr, and [Fallbacks]
// reports it (leaky info and summary.json show it).

// Fallback records an implementation that failed its self-check and is not
// used.
type Fallback struct {
	// Impl is the implementation's name.
	Impl string
	// Err names the kernel and the first value that differed.
	Err error
}

var (
	// checkMu guards checked and fallbacks: Available may be called from
	// several goroutines.
	checkMu sync.Mutex
	// checked holds each implementation's self-check result once run.
	checked   = map[*Impl]error{}
	fallbacks []Fallback
	// warnings is where a failed self-check is reported; tests replace it.
	warnings io.Writer = os.Stderr
)

// Fallbacks lists the implementations this CPU has that failed their
// self-check in this process, in the order they were checked.
func Fallbacks() []Fallback {
	checkMu.Lock()
	defer checkMu.Unlock()
	return append([]Fallback(nil), fallbacks...)
}

// passes reports whether impl passed its self-check, running it the first
// time and reporting a failure then.
func passes(impl *Impl) bool {
	if impl == Generic {
		return true
	}
	checkMu.Lock()
	defer checkMu.Unlock()
	err, done := checked[impl]
	if !done {
		err = selfCheck(impl)
		checked[impl] = err
		if err != nil {
			fallbacks = append(fallbacks, Fallback{Impl: impl.Name, Err: err})
			fmt.Fprintf(warnings, "leaky: the %s kernels disagree with generic on their self-check (%v); falling back to the next implementation\n", impl.Name, err)
		}
	}
	return err == nil
}

// selfCheck runs every kernel of impl on the fixed inputs and returns the
// first difference from Generic's outputs, or nil.
func selfCheck(impl *Impl) error {
	if err := checkWidth(widthOf32(impl), genericOutputs32()); err != nil {
		return err
	}
	return checkWidth(widthOf64(impl), genericOutputs64())
}

// genericOutputs32 and genericOutputs64 are Generic's outputs of every
// check case, computed once for all the implementations checked.
var (
	genericOutputs32 = sync.OnceValue(func() [][]any { return runCases(widthOf32(Generic)) })
	genericOutputs64 = sync.OnceValue(func() [][]any { return runCases(widthOf64(Generic)) })
)

// runCases returns the outputs of every check case run on w.
func runCases[T float32 | float64](w width[T]) [][]any {
	var out [][]any
	for _, k := range checkCases[T]() {
		out = append(out, k.run(w))
	}
	return out
}

// width is an implementation's kernels of one element type.
type width[T float32 | float64] struct {
	name        string
	update      func(V, I, Iin []T, alpha, beta, theta T, reset Reset, spikes []uint64) int
	scan        func(V, I, Iin []T, inStride, steps int, alpha, beta, theta T, reset Reset, spikes []uint64, maskStride int) int
	accum       func(dst, W []T, stride int, rows []int32)
	accumTrials func(dst []T, dstStride int, W []T, stride int, rows [][]int32)
	matMul      func(m, n, k int, A []T, lda int, B []T, ldb int, C []T, ldc int, accumulate bool)
	cuba        func(V, I0, Iin0, I1, Iin1 []T, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset T, hold int32, spikes []uint64) int
	coba        func(V, G0, Gin0, G1, Gin1 []T, refrac []int32, a0, a1, gamma, vleak, e0, e1, theta, vreset T, hold int32, spikes []uint64) int
	ruleTrials  func(V, I, Iin []T, stride, trials int, p *RuleParams[T], spikes []uint64, words int) int
	rule        func(V, I, Iin []T, p *RuleParams[T], spikes []uint64) int
	scatterTaps func(dst []T, m int, W []T, base int, events []int32, t *Taps)
	addTrials   func(dst []T, dstStride int, v []T, trials int)
	scaleTaps   func(dst []T, m int, W []T, base int, events []int32, vals []T, t *Taps)
	normals     func(dst []T, key NormalKey, col int, scale float64)
	addNormals  func(dst []T, key NormalKey, col int, scale float64)
	accumMasks  func(dst []T, dstStride int, W []T, stride int, masks []uint64, words int)
	rows        func(V, I []T, rows [][]T, col int, alpha, beta, theta T, reset Reset, spikes []uint64) int
	binary      func(masks []uint64, x []T) int
	threshold   func(spikes []uint64, V []T, refrac []int32, theta T) int
	cubaAhead   func(V, I0, Iin0, I1, Iin1 []T, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset T, hold int32, spikes, next []uint64) int
	flush       func(x []T)
	rowsSteps   func(V, I []T, rows [][]T, counts []int, col int, alpha, beta, theta T, reset Reset, spikes []uint64, stride int) int
	spikes      func(dst []int32, mask []uint64, base int32) []int32
}

func widthOf32(m *Impl) width[float32] {
	return width[float32]{"32", m.LeakyUpdate32, m.LeakyScan32, m.AccumulateRows32, m.AccumulateTrials32, m.MatMul32,
		func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset float32, hold int32, spikes []uint64) int {
			return m.CubaUpdate32(V, I0, Iin0, I1, Iin1, refrac, &CubaParams32{a0, a1, beta, vleak, gain, theta, vreset, hold}, spikes)
		},
		func(V, G0, Gin0, G1, Gin1 []float32, refrac []int32, a0, a1, gamma, vleak, e0, e1, theta, vreset float32, hold int32, spikes []uint64) int {
			return m.CobaUpdate32(V, G0, Gin0, G1, Gin1, refrac, &CobaParams32{a0, a1, gamma, vleak, e0, e1, theta, vreset, hold}, spikes)
		},
		m.RuleUpdateTrials32, m.RuleUpdate32, m.ScatterTaps32, m.AddTrials32, m.ScaleTaps32, m.Normals32, m.AddNormals32, m.AccumulateMasks32, m.LeakyRows32, m.BinaryMasks32, m.ThresholdMask32,
		func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset float32, hold int32, spikes, next []uint64) int {
			return m.CubaUpdateAhead32(V, I0, Iin0, I1, Iin1, refrac, &CubaParams32{a0, a1, beta, vleak, gain, theta, vreset, hold}, spikes, next)
		}, m.FlushSubnormals32, m.LeakyRowsSteps32, m.SpikeIndices}
}

func widthOf64(m *Impl) width[float64] {
	return width[float64]{"64", m.LeakyUpdate64, m.LeakyScan64, m.AccumulateRows64, m.AccumulateTrials64, m.MatMul64,
		func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset float64, hold int32, spikes []uint64) int {
			return m.CubaUpdate64(V, I0, Iin0, I1, Iin1, refrac, &CubaParams64{a0, a1, beta, vleak, gain, theta, vreset, hold}, spikes)
		},
		func(V, G0, Gin0, G1, Gin1 []float64, refrac []int32, a0, a1, gamma, vleak, e0, e1, theta, vreset float64, hold int32, spikes []uint64) int {
			return m.CobaUpdate64(V, G0, Gin0, G1, Gin1, refrac, &CobaParams64{a0, a1, gamma, vleak, e0, e1, theta, vreset, hold}, spikes)
		},
		m.RuleUpdateTrials64, m.RuleUpdate64, m.ScatterTaps64, m.AddTrials64, m.ScaleTaps64, m.Normals64, m.AddNormals64, m.AccumulateMasks64, m.LeakyRows64, m.BinaryMasks64, m.ThresholdMask64,
		func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset float64, hold int32, spikes, next []uint64) int {
			return m.CubaUpdateAhead64(V, I0, Iin0, I1, Iin1, refrac, &CubaParams64{a0, a1, beta, vleak, gain, theta, vreset, hold}, spikes, next)
		}, m.FlushSubnormals64, m.LeakyRowsSteps64, m.SpikeIndices}
}

// checkN is the number of neurons of the self-check: two whole mask words
// and more than every vector block (LeakyScan's 128 float32 lanes on
// AVX-512), then a ragged tail.
const checkN = 259

// checkState draws one self-check call's inputs from a fixed start, afresh
// for each side so that both get the same values: a 64-bit linear
// congruential sequence, whose top bits are plenty for inputs and which
// costs a fraction of math/rand's time, most of the check's.
type checkState[T float32 | float64] struct{ x uint64 }

func (c *checkState[T]) next() uint64 {
	c.x = c.x*6364136223846793005 + 1442695040888963407
	return c.x >> 11
}

// vals returns n values lo + span·u, u uniform in [0, 1).
func (c *checkState[T]) vals(n int, lo, span float64) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(lo + span*float64(c.next())/(1<<53))
	}
	return s
}

// counters returns n refractory counters from −1 to 3.
func (c *checkState[T]) counters(n int) []int32 {
	r := make([]int32, n)
	for i := range r {
		r[i] = int32(c.next()%5) - 1
	}
	return r
}

// checkWidth runs every kernel of got on the check cases, one kernel at a
// time, and names the first difference from the outputs want.
func checkWidth[T float32 | float64](got width[T], want [][]any) error {
	for c, k := range checkCases[T]() {
		g, w := k.run(got), want[c]
		for i := range w {
			if err := sameOutput(g[i], w[i]); err != nil {
				label := k.name + got.name
				if untyped[k.name] {
					label = k.name
				}
				return fmt.Errorf("%s: output %d: %w", label, i, err)
			}
		}
	}
	return nil
}

// checkCase is one kernel call; run returns its outputs: the slices it
// writes and, as a one-element slice, its count.
type checkCase[T float32 | float64] struct {
	name string
	run  func(w width[T]) []any
}

// untyped names the kernels of no element type, whose check cases run in
// both widths and are named without the width's.
var untyped = map[string]bool{"SpikeIndices": true}

func counted(n int) []int { return []int{n} }

func checkCases[T float32 | float64]() []checkCase[T] {
	state := func() *checkState[T] { return &checkState[T]{0x1eafc0de} }
	const n = checkN
	words := MaskWords(n)
	cases := []checkCase[T]{}
	for _, reset := range []Reset{ResetSubtract, ResetZero} {
		cases = append(cases, checkCase[T]{"LeakyUpdate", func(w width[T]) []any {
			s := state()
			V, I, Iin, S := s.vals(n, -0.5, 2), s.vals(n, -1, 2), s.vals(n, -1, 2), make([]uint64, words)
			c := w.update(V, I, Iin, 0.9, 0.95, 1, reset, S)
			return []any{V, I, S, counted(c)}
		}}, checkCase[T]{"LeakyScan", func(w width[T]) []any {
			const steps = 3
			s := state()
			V, I, Iin, S := s.vals(n, -0.5, 2), s.vals(n, -1, 2), s.vals(n*steps, -1, 2), make([]uint64, words*steps)
			c := w.scan(V, I, Iin, n, steps, 0.9, 0.95, 1, reset, S, words)
			return []any{V, I, S, counted(c)}
		}}, checkCase[T]{"LeakyRows", func(w width[T]) []any {
			// Three rows from column 2, one of them twice.
			s := state()
			V, I, W, S := s.vals(n, -0.5, 2), s.vals(n, -1, 2), s.vals(2*(n+2), -0.5, 1), make([]uint64, words)
			c := w.rows(V, I, [][]T{W[n+2:], W, W[n+2:]}, 2, 0.9, 0.95, 1, reset, S)
			return []any{V, I, S, counted(c)}
		}}, checkCase[T]{"LeakyRowsSteps", func(w width[T]) []any {
			// Three steps from column 1: two rows, none, the first again.
			s := state()
			V, I, W, S := s.vals(n, -0.5, 2), s.vals(n, -1, 2), s.vals(2*(n+1), -0.5, 1), make([]uint64, 3*(words+1))
			c := w.rowsSteps(V, I, [][]T{W, W[n+1:], W}, []int{2, 0, 1}, 1, 0.9, 0.95, 1, reset, S, words+1)
			return []any{V, I, S, counted(c)}
		}})
	}
	const rows, stride = 4, n + 5
	cases = append(cases, checkCase[T]{"AccumulateRows", func(w width[T]) []any {
		s := state()
		dst, W := s.vals(n, -1, 2), s.vals(rows*stride, -1, 2)
		w.accum(dst, W, stride, []int32{3, 1, 2, 3, 0})
		return []any{dst}
	}}, checkCase[T]{"AccumulateTrials", func(w width[T]) []any {
		s := state()
		dst, W := s.vals(3*stride, -1, 2), s.vals(rows*stride, -1, 2)
		w.accumTrials(dst[:n], stride, W, stride, [][]int32{{1, 2}, {}, {0, 3, 1}})
		return []any{dst}
	}}, checkCase[T]{"AccumulateMasks", func(w width[T]) []any {
		// Three trials of two mask words: rows 1, 2; none; 0, 1, 3–7 (more
		// than four in a word) and 65, the second word's bit 1.
		s := state()
		dst, W := s.vals(3*stride, -1, 2), s.vals(66*stride, -1, 2)
		w.accumMasks(dst[:n], stride, W, stride, []uint64{0b110, 0, 0, 0, 0b11111011, 0b10}, 2)
		return []any{dst}
	}}, checkCase[T]{"AddTrials", func(w width[T]) []any {
		s := state()
		dst, v := s.vals(3*stride, -1, 2), s.vals(n, -1, 2)
		w.addTrials(dst[:n], stride, v, 3)
		return []any{dst}
	}}, checkCase[T]{"ScatterTaps", func(w width[T]) []any {
		// Three inputs onto 4 pixels of 19 channels (a vector and a tail).
		const m = 19
		taps, _ := NewTaps([]int32{0, 3, 3, 5}, []int32{0, 1, 3, 1, 2}, []int32{0, 2, 1, 3, 0})
		s := state()
		dst, W := s.vals(4*m, -1, 2), s.vals(5*m, -1, 2)
		w.scatterTaps(dst, m, W, 1, []int32{2, 0, 2}, taps)
		return []any{dst}
	}}, checkCase[T]{"ScaleTaps", func(w width[T]) []any {
		const m = 19
		taps, _ := NewTaps([]int32{0, 3, 3, 5}, []int32{0, 1, 3, 1, 2}, []int32{0, 2, 1, 3, 0})
		s := state()
		dst, W := s.vals(4*m, -1, 2), s.vals(5*m, -1, 2)
		w.scaleTaps(dst, m, W, 0, []int32{0, 2, 0}, s.vals(3, -3, 6), taps)
		return []any{dst}
	}}, checkCase[T]{"MatMul", func(w width[T]) []any {
		const m, nn, k = 9, 37, 13
		s := state()
		A, B, C := s.vals(m*k, -1, 2), s.vals(k*nn, -1, 2), s.vals(m*nn, -1, 2)
		w.matMul(m, nn, k, A, k, B, nn, C, nn, true)
		return []any{C}
	}}, checkCase[T]{"CubaUpdate", func(w width[T]) []any {
		s := state()
		V, I0, Iin0, I1, Iin1, R := s.vals(n, -61, 12), s.vals(n, -1, 3), s.vals(n, 0, 2), s.vals(n, -2, 3), s.vals(n, -2, 2), s.counters(n)
		S := make([]uint64, words)
		c := w.cuba(V, I0, Iin0, I1, Iin1, R, 0.98, 0.99, 0.995, -49, 0.005, -50, -60, 3, S)
		return []any{V, I0, Iin0, I1, Iin1, R, S, counted(c)}
	}}, checkCase[T]{"CubaUpdateAhead", func(w width[T]) []any {
		// Hold 1: neurons come out of their hold on this step, some of
		// them above threshold.
		s := state()
		V, I0, Iin0, I1, Iin1, R := s.vals(n, -61, 12), s.vals(n, -1, 3), s.vals(n, 0, 2), s.vals(n, -2, 3), s.vals(n, -2, 2), s.counters(n)
		S, N := make([]uint64, words), make([]uint64, words)
		c := w.cubaAhead(V, I0, Iin0, I1, Iin1, R, 0.98, 0.99, 0.995, -49, 0.005, -50, -60, 1, S, N)
		return []any{V, I0, Iin0, I1, Iin1, R, S, N, counted(c)}
	}}, checkCase[T]{"CobaUpdate", func(w width[T]) []any {
		s := state()
		V, G0, Gin0, G1, Gin1, R := s.vals(n, -66, 18), s.vals(n, 0, 8), s.vals(n, 0, 1), s.vals(n, 0, 40), s.vals(n, 0, 7), s.counters(n)
		S := make([]uint64, words)
		c := w.coba(V, G0, Gin0, G1, Gin1, R, 0.98, 0.99, 0.005, -60, 0, -80, -50, -60, 3, S)
		return []any{V, G0, Gin0, G1, Gin1, R, S, counted(c)}
	}})
	cases = append(cases, checkCase[T]{"SpikeIndices", func(w width[T]) []any {
		// 130 words, past a summary word of 64 and ragged: a sparse
		// mask (one set bit in about 30 words) and a dense one after it.
		s := state()
		sparse, dense := make([]uint64, 130), make([]uint64, 130)
		for range 5 {
			sparse[s.next()%130] |= 1 << (s.next() % 64)
		}
		sparse[64] |= 1<<63 | 1
		for i := range dense {
			dense[i] = (s.next()<<11 ^ s.next()) & (s.next()<<11 ^ s.next())
		}
		got := w.spikes([]int32{-1}, sparse, 7)
		got = w.spikes(got, dense, 1<<20)
		return []any{got, counted(len(got))}
	}})
	cases = append(cases, checkCase[T]{"BinaryMasks", func(w width[T]) []any {
		// Spikes, zeros of both signs, then the same with 1's successor
		// in the ragged tail.
		s := state()
		x := s.vals(n, -1, 3)
		for i, v := range x {
			x[i] = T(math.Copysign(math.Floor(max(float64(v), 0)), float64(v)))
		}
		S, B := make([]uint64, words), make([]uint64, words)
		c := w.binary(S, x)
		x[n-2] = T(1 + 1.0/(1<<23))
		b := w.binary(B, x)
		return []any{S, counted(c), B, counted(b)}
	}})
	cases = append(cases, checkCase[T]{"ThresholdMask", func(w width[T]) []any {
		// CUBA's potentials around its threshold, with counters and
		// without.
		s := state()
		V, R := s.vals(n, -61, 12), s.counters(n)
		S, F := make([]uint64, words), make([]uint64, words)
		c := w.threshold(S, V, R, -50)
		f := w.threshold(F, V, nil, -50)
		return []any{S, counted(c), F, counted(f)}
	}})
	cases = append(cases, checkCase[T]{"FlushSubnormals", func(w width[T]) []any {
		// Normals around 1, and a third of the values scaled into the
		// subnormals, the least normal, zeros of both signs among them.
		x := state().vals(n, -1, 2)
		for i := range x {
			switch i % 6 {
			case 0, 3:
				x[i] = tinyOf(x[i], i)
			case 4:
				x[i] = T(math.Copysign(0, float64(x[i])))
			}
		}
		w.flush(x)
		return []any{x}
	}})
	cases = append(cases, checkCase[T]{"Normals", func(w width[T]) []any {
		// A start inside a block, whole passes of every width, a tail.
		dst := make([]T, n)
		w.normals(dst, NormalKey{0x1eaf, 0xc0de, 7, 8, 9}, 13, 0.3)
		return []any{dst}
	}}, checkCase[T]{"AddNormals", func(w width[T]) []any {
		dst := state().vals(n, -1, 2)
		w.addNormals(dst, NormalKey{0xfeed, 0xbead, 7, 8, 9}, 13, 0.3)
		return []any{dst}
	}})
	for rule := StepValue; rule < stepRules; rule++ {
		p := &RuleParams[T]{Rule: rule, Alpha: 0.9, InGain: 1.5, Leak: 0.01, Beta: 0.95, VLeak: 0.1, Gain: 0.3,
			Theta: 1, VReset: -0.25, Sub: 1.25, Rest: T(0.1 + 0.95*(-0.25-0.1)),
			AddLeak: rule == StepAfter, Old: rule == StepBefore, Subtract: rule%2 == 0 || rule == StepSpyx, Current: true}
		cases = append(cases, checkCase[T]{"RuleUpdate", func(w width[T]) []any {
			s := state()
			V, I, Iin, S := s.vals(n, -0.5, 2), s.vals(n, -1, 2), s.vals(n, -1, 2), make([]uint64, words)
			c := w.rule(V, I, Iin, p, S)
			return []any{V, I, S, counted(c)}
		}}, checkCase[T]{"RuleUpdateTrials", func(w width[T]) []any {
			s := state()
			V, I, Iin, S := s.vals(2*stride, -0.5, 2), s.vals(2*stride, -1, 2), s.vals(2*stride, -1, 2), make([]uint64, 2*words)
			c := w.ruleTrials(V[:n], I[:n], Iin[:n], stride, 2, p, S, words)
			return []any{V, I, S, counted(c)}
		}})
	}
	return cases
}

// sameOutput compares two outputs of one kernel call bit for bit, any NaN
// matching any NaN (see the package doc), and describes the first
// difference.
func sameOutput(got, want any) error {
	switch w := want.(type) {
	case []float32:
		return sameFloats(got.([]float32), w, func(x float32) uint64 { return uint64(math.Float32bits(x)) })
	case []float64:
		return sameFloats(got.([]float64), w, math.Float64bits)
	case []int32:
		return sameInts(got.([]int32), w)
	case []uint64:
		return sameInts(got.([]uint64), w)
	case []int:
		return sameInts(got.([]int), w)
	}
	return fmt.Errorf("output of type %T", want)
}

func sameFloats[T float32 | float64](got, want []T, bits func(T) uint64) error {
	for i := range want {
		if bits(got[i]) != bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
			return fmt.Errorf("index %d: %v (%#x), generic %v (%#x)", i, got[i], bits(got[i]), want[i], bits(want[i]))
		}
	}
	return nil
}

func sameInts[T int32 | uint64 | int](got, want []T) error {
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("index %d: %v, generic %v", i, got[i], want[i])
		}
	}
	return nil
}

// tinyOf is x scaled into the subnormals of T, or for one i in seven the
// least normal of x's sign.
func tinyOf[T float32 | float64](x T, i int) T {
	least := leastNormal[T]()
	if i%7 == 0 {
		return T(math.Copysign(float64(least), float64(x)))
	}
	return T(float64(x)/2) * least
}
