package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The test bodies the two-receptor updates (CubaUpdate, CobaUpdate) share:
// the same slices, counters and spike masks, different parameters P.

// testReceptorUpdate runs kernel for every implementation the CPU has
// against Generic's, bit for bit including the guard values past every
// slice (the inputs, which the updates leave zero, included): all sizes up
// to 67 and past the chunk, misaligned starts,
// NaN/Inf/denormal inputs, every kind of refractory counter and every
// parameter set of params (hold gives a set's Hold), with generator seeds
// seed and seed+1.
func testReceptorUpdate[T float, P any](t *testing.T, seed uint64, params []P, hold func(P) int32, kernel func(*Impl) receptorFn[T, P]) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		rng := rand.New(rand.NewPCG(seed, seed+1))
		spikesSeen := 0
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
					spikes := bufU(MaskWords(n), rng.IntN(4))
					for i := range spikes {
						spikes[i] = ^uint64(0) // must be overwritten
					}
					Ain02, Ain12 := clone(Ain0), clone(Ain1)
					V2, A02, A12, R2, S2 := clone(V), clone(A0), clone(A1), clone(R), clone(spikes)
					want := kernel(Generic)(V2, A02, Ain02, A12, Ain12, R2, p, S2)
					got := kernel(impl)(V, A0, Ain0, A1, Ain1, R, p, spikes)
					what := fmt.Sprintf("n=%d params=%d special=%v", n, pi, special)
					if got != want {
						t.Fatalf("%s: count %d, want %d", what, got, want)
					}
					same(t, what+" V", V, V2)
					same(t, what+" receptor 0", A0, A02)
					same(t, what+" receptor 1", A1, A12)
					// The inputs are consumed: zero over n, guards kept.
					same(t, what+" receptor 0 input", Ain0, Ain02)
					same(t, what+" receptor 1 input", Ain1, Ain12)
					sameI32(t, what+" refrac", R, R2)
					sameU(t, what+" spikes", spikes, S2)
					spikesSeen += want
				}
			}
		}
		if spikesSeen == 0 {
			t.Fatal("no spikes at all: the table does not test the reset")
		}
	})
}

// testReceptorShortArgs checks that every implementation's update, called
// by call, panics as generic does on a slice with room for fewer than
// len(V) values, before writing anything: the assembly checks no bounds
// itself. (Like every kernel, the updates reslice their arguments to
// len(V), so the room that counts is the capacity.)
func testReceptorShortArgs(t *testing.T, call func(impl *Impl, V, A0, Ain0, A1, Ain1 []float32, R []int32, S []uint64)) {
	for _, impl := range Available() {
		for arg := range 7 {
			n := 130
			V, A0, Ain0, A1, Ain1 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
			R, S := make([]int32, n), make([]uint64, MaskWords(n))
			for i := range V {
				V[i] = 2 // above threshold: a write would show
			}
			switch arg {
			case 0:
				A0 = A0[: n-1 : n-1]
			case 1:
				Ain0 = Ain0[: n-1 : n-1]
			case 2:
				A1 = A1[: n-1 : n-1]
			case 3:
				Ain1 = Ain1[: n-1 : n-1]
			case 4:
				R = R[: n-1 : n-1]
			case 5:
				S = S[: MaskWords(n)-1 : MaskWords(n)-1]
			case 6:
				A0 = A0[:1:1]
			}
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: short argument %d did not panic", impl.Name, arg)
					}
				}()
				call(impl, V, A0, Ain0, A1, Ain1, R, S)
			}()
			for i, v := range V {
				if v != 2 || i < len(R) && R[i] != 0 {
					t.Fatalf("%s: short argument %d: neuron %d written before the panic", impl.Name, arg, i)
				}
			}
		}
	}
}
