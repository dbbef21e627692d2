package kernels

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// The test bodies the two-receptor updates (CubaUpdate, CobaUpdate,
// CubaUpdateAhead) share: the same slices, counters and spike masks,
// different parameters P and, for CubaUpdateAhead, a second mask.

// receptorState is what a two-receptor update reads and writes: the
// potentials, both receptors and their inputs, the refractory counters and
// the masks, the spikes and (CubaUpdateAhead) next.
type receptorState[T float] struct {
	V, A0, Ain0, A1, Ain1 []T
	R                     []int32
	masks                 [][]uint64
}

// maskNames name receptorState.masks in failures.
var maskNames = [...]string{"spikes", "next"}

// clone copies s, guard regions included.
func (s *receptorState[T]) clone() *receptorState[T] {
	c := &receptorState[T]{V: clone(s.V), A0: clone(s.A0), Ain0: clone(s.Ain0), A1: clone(s.A1), Ain1: clone(s.Ain1), R: clone(s.R)}
	for _, m := range s.masks {
		c.masks = append(c.masks, clone(m))
	}
	return c
}

// sameReceptor fails t unless got is want bit for bit, the guards past
// every slice included (any NaN matching any NaN inside a slice, as in
// same).
func sameReceptor[T float](t *testing.T, what string, got, want *receptorState[T]) {
	t.Helper()
	same(t, what+" V", got.V, want.V)
	same(t, what+" receptor 0", got.A0, want.A0)
	same(t, what+" receptor 1", got.A1, want.A1)
	// The inputs are consumed: zero over n, guards kept.
	same(t, what+" receptor 0 input", got.Ain0, want.Ain0)
	same(t, what+" receptor 1 input", got.Ain1, want.Ain1)
	sameI32(t, what+" refrac", got.R, want.R)
	if len(got.masks) != len(want.masks) {
		t.Fatalf("%s: %d masks, want %d", what, len(got.masks), len(want.masks))
	}
	for i := range want.masks {
		sameU(t, what+" "+maskNames[i], got.masks[i], want.masks[i])
	}
}

// receptorKernel runs one two-receptor update of impl on s, with the
// float64 parameters p (rounded by to32 for a float32 kernel), and returns
// its count.
type receptorKernel[T float, P any] func(impl *Impl, s *receptorState[T], p P) int

// plainReceptor is the receptorKernel of kernel, an update of one mask.
func plainReceptor[T float, P any](kernel func(*Impl) receptorFn[T, P]) receptorKernel[T, P] {
	return func(impl *Impl, s *receptorState[T], p P) int {
		return kernel(impl)(s.V, s.A0, s.Ain0, s.A1, s.Ain1, s.R, p, s.masks[0])
	}
}

// testReceptorUpdate runs kernel for every implementation the CPU has
// against Generic's, bit for bit including the guard values past every
// slice (the inputs, which the updates leave zero, included): all sizes up
// to 67 and past the chunk, misaligned starts,
// NaN/Inf/denormal inputs, every kind of refractory counter and every
// parameter set of params (hold gives a set's Hold), with generator seeds
// seed and seed+1.
func testReceptorUpdate[T float, P any](t *testing.T, seed uint64, params []P, hold func(P) int32, kernel func(*Impl) receptorFn[T, P]) {
	testReceptorKernel(t, seed, params, hold, 1, plainReceptor(kernel))
}

// testReceptorKernel is testReceptorUpdate for a kernel of masks masks,
// each of which must have bits set somewhere in the table.
func testReceptorKernel[T float, P any](t *testing.T, seed uint64, params []P, hold func(P) int32, masks int, kernel receptorKernel[T, P]) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		// spikesSeen counts the spikes returned; set[i] the bits of
		// mask i > 0, which no count tells.
		spikesSeen, set := 0, make([]int, masks)
		for _, n := range sizes() {
			for pi, p := range params {
				for _, special := range []bool{false, true} {
					off := rng.IntN(16)
					theta := T(1)
					V := buf(n, off, input(rng, theta, special))
					A0 := buf(n, (off+3)%16, input(rng, theta, special))
					Ain0 := buf(n, (off+5)%16, input(rng, theta, special))
					A1 := buf(n, (off+7)%16, input(rng, theta, special))
					Ain1 := buf(n, (off+11)%16, input(rng, theta, special))
					R := bufI32(n, (off+13)%16, refracStates(rng, hold(p)))
					s := &receptorState[T]{V: V, A0: A0, Ain0: Ain0, A1: A1, Ain1: Ain1, R: R}
					for range masks {
						m := bufU(MaskWords(n), rng.IntN(4))
						for i := range m {
							m[i] = ^uint64(0) // must be overwritten
						}
						s.masks = append(s.masks, m)
					}
					w := s.clone()
					want := kernel(Generic, w, p)
					got := kernel(impl, s, p)
					what := fmt.Sprintf("n=%d params=%d special=%v", n, pi, special)
					if got != want {
						t.Fatalf("%s: count %d, want %d", what, got, want)
					}
					sameReceptor(t, what, s, w)
					spikesSeen += want
					for i := 1; i < masks; i++ {
						for _, x := range w.masks[i] {
							set[i] += bits.OnesCount64(x)
						}
					}
				}
			}
		}
		if spikesSeen == 0 {
			t.Fatal("no spikes at all: the table does not test the reset")
		}
		for i := 1; i < masks; i++ {
			if set[i] == 0 {
				t.Fatalf("no bit of %s set at all: the table does not test that mask", maskNames[i])
			}
		}
	})
}

// testReceptorShortArgs checks that every implementation's update, called
// by call, panics as generic does on a slice with room for fewer than
// len(V) values, before writing anything: the assembly checks no bounds
// itself. (Like every kernel, the updates reslice their arguments to
// len(V), so the room that counts is the capacity.)
func testReceptorShortArgs(t *testing.T, call func(impl *Impl, V, A0, Ain0, A1, Ain1 []float32, R []int32, S []uint64)) {
	testReceptorShortMasks(t, 1, func(impl *Impl, V, A0, Ain0, A1, Ain1 []float32, R []int32, masks [][]uint64) {
		call(impl, V, A0, Ain0, A1, Ain1, R, masks[0])
	})
}

// testReceptorShortMasks is testReceptorShortArgs for an update of masks
// masks, each of which is made short in turn and must stay unwritten.
func testReceptorShortMasks(t *testing.T, masks int, call func(impl *Impl, V, A0, Ain0, A1, Ain1 []float32, R []int32, masks [][]uint64)) {
	for _, impl := range Available() {
		// The receptors, their inputs and the counters (0–4), each
		// mask (5…), then A0 of one value.
		for arg := range 6 + masks {
			n := 130
			V, A0, Ain0, A1, Ain1 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			R, M := make([]int32, n), make([][]uint64, masks)
			for i := range M {
				M[i] = make([]uint64, MaskWords(n))
			}
			for i := range V {
				V[i] = 2 // above threshold: a write would show
			}
			switch {
			case arg == 0:
				A0 = A0[: n-1 : n-1]
			case arg == 1:
				Ain0 = Ain0[: n-1 : n-1]
			case arg == 2:
				A1 = A1[: n-1 : n-1]
			case arg == 3:
				Ain1 = Ain1[: n-1 : n-1]
			case arg == 4:
				R = R[: n-1 : n-1]
			case arg < 5+masks:
				M[arg-5] = M[arg-5][: MaskWords(n)-1 : MaskWords(n)-1]
			default:
				A0 = A0[:1:1]
			}
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: short argument %d did not panic", impl.Name, arg)
					}
				}()
				call(impl, V, A0, Ain0, A1, Ain1, R, M)
			}()
			for i, v := range V {
				if v != 2 || i < len(R) && R[i] != 0 {
					t.Fatalf("%s: short argument %d: neuron %d written before the panic", impl.Name, arg, i)
				}
			}
			for i, m := range M {
				for w, x := range m {
					if x != 0 {
						t.Fatalf("%s: short argument %d: word %d of %s written before the panic", impl.Name, arg, w, maskNames[i])
					}
				}
			}
		}
	}
}
