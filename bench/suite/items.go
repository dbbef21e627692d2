package suite

import (
	"fmt"
	"math/rand/v2"

	"leaky/kernels"
)

// The sizes of the suite. Changing any of them changes SuiteVersion.
var (
	// ceilingSizes is the working-set ladder of the bandwidth ceilings:
	// 16 KiB (L1) to 256 MiB (DRAM) in steps of 4.
	ceilingSizes      = []int64{16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20}
	quickCeilingSizes = []int64{16 << 10, 256 << 10, 4 << 20, 64 << 20}

	// LeakyUpdate touches 12 bytes per neuron: 12 KB to 240 MB, and the
	// N = 10^3…10^7 of the C reference figures.
	updateSizes      = []int{1e3, 1e4, 1e5, 1e6, 1e7, 2e7}
	quickUpdateSizes = []int{1e3, 1e5, 1e7}

	// LeakyScan runs scanSteps steps over n neurons, with an input current
	// per neuron per step: 26 KB to 107 MB.
	scanSizes      = []int{64, 1024, 16384, 262144}
	quickScanSizes = []int{1024, 262144}

	// AccumulateRows adds accRows rows of n weights: 36 KB to 180 MB.
	accSizes      = []int{1e3, 1e4, 1e5, 1e6, 5e6}
	quickAccSizes = []int{1e3, 1e5, 5e6}

	// A CUBA or COBA neuron's state is 24 bytes: 24 KB to 24 MB, with
	// CUBA's and COBA's own 4000 neurons (96 KB, in L2).
	cobaSizes      = []int{1e3, 4e3, 1e5, 1e6}
	quickCobaSizes = []int{4e3}

	// MatMul is square at these sides, plus (in the full suite) the
	// input-layer shape of the C reference, (25600 × 700)·(700 × 200),
	// which is too slow for the naive and generic loops.
	matSizes      = []int{64, 256, 1024}
	quickMatSizes = []int{64, 256}
)

const (
	scanSteps = 100
	accRows   = 8
	// naiveMatMax is the largest square MatMul the naive twin runs: beyond
	// it a single call takes seconds.
	naiveMatMax = 256
)

// planCeilings lists the bandwidth and peak-FMA items: Go's copy, and the
// ReadStream32, AddStream32 and PeakFMA32 loops of each available
// implementation's instruments. Each ceiling is the best any of them reaches
// (see ceilingTables), so the generic loops only matter on machines without
// assembly.
func planCeilings(quick bool, avail []*kernels.Instruments) []item {
	sizes := ceilingSizes
	if quick {
		sizes = quickCeilingSizes
	}
	var out []item
	for _, ws := range sizes {
		out = append(out, copyItem(ws))
		for _, in := range avail {
			out = append(out, readItem(in, ws), addItem(in, ws))
		}
	}
	for _, ws := range inPlaceSizes(quick) {
		for _, in := range avail {
			out = append(out, inPlaceItem(in, ws))
		}
	}
	for _, in := range avail {
		fma := in.PeakFMA32
		name := "fma-" + in.Name
		out = append(out, item{
			fig:     Figure{ID: SectionCeiling + "/" + name, Section: SectionCeiling, Name: name, Threads: 1, Unit: "FLOP/s"},
			perIter: float64(fma(1)),
			setup: func() (func(int), func(), error) {
				return func(iters int) { fma(iters) }, nil, nil
			},
		})
	}
	return out
}

func ceilingFigure(name string, ws int64) Figure {
	return Figure{ID: fmt.Sprintf("%s/%s/ws=%s", SectionCeiling, name, sizeLabel(ws)), Section: SectionCeiling,
		Name: name, WorkingSet: ws, Threads: 1, Unit: "B/s"}
}

// streamBuffers returns two float32 buffers of ws/8 elements each, cut from
// one allocation with the second a quarter page past a page boundary from
// the first. Two separate allocations of a power-of-two size start at the
// same offset within a page, and a load whose address matches a pending
// store's low 12 bits stalls on some cores (4K aliasing): that halved the
// add-to ceiling here, and a ceiling must measure the machine, not the
// allocator.
func streamBuffers(ws int64) (dst, src []float32) {
	const skew = 256 // float32s: 1 KiB
	n := int(ws / 8)
	buf := make([]float32, 2*n+skew)
	dst, src = buf[:n:n], buf[n+skew:]
	for i := range src {
		src[i] = float32(i&1023) * 1e-6
	}
	return dst, src
}

// copyItem is Go's copy (the runtime's vector memmove) between two halves
// of the working set; bytes count reads and writes.
func copyItem(ws int64) item {
	return item{
		fig:     ceilingFigure("copy", ws),
		perIter: float64(ws),
		setup: func() (func(int), func(), error) {
			dst, src := streamBuffers(ws)
			return func(iters int) {
				for range iters {
					copy(dst, src)
				}
			}, nil, nil
		},
	}
}

// readItem is in's ReadStream32 over the whole working set, several
// streams of full-width loads into independent sums: the read-bandwidth
// ceiling that read-heavy kernels (AccumulateRows, LeakyScan) are held to.
// One call does all the iterations as passes, so an L1-sized pass is not
// diluted by call overhead.
func readItem(in *kernels.Instruments, ws int64) item {
	read := in.ReadStream32
	return item{
		fig:     ceilingFigure("read-"+in.Name, ws),
		perIter: float64(ws),
		setup: func() (func(int), func(), error) {
			x := make([]float32, ws/4)
			for i := range x {
				x[i] = float32(i&1023) * 1e-6
			}
			return func(iters int) {
				// The sum is finite and positive for these inputs; checking
				// it keeps the call from being dead code.
				if s := read(x, iters); !(s >= 0) {
					panic(fmt.Sprintf("suite: read ceiling summed to %v", s))
				}
			}, nil, nil
		},
	}
}

// addItem is in's AddStream32, dst[i] += src[i] over two halves of the
// working set (AccumulateRows's loop without the row indexing): the
// read-modify-write ceiling. Bytes count two reads and a write. dst grows
// by at most 10^-3 per pass, so even 10^9 passes stay far from overflow.
func addItem(in *kernels.Instruments, ws int64) item {
	add := in.AddStream32
	return item{
		fig:     ceilingFigure("add-"+in.Name, ws),
		perIter: float64(3 * 4 * (ws / 8)),
		setup: func() (func(int), func(), error) {
			dst, src := streamBuffers(ws)
			return func(iters int) { add(dst, src, iters) }, nil, nil
		},
	}
}

// inPlaceFigure is the figure of impl's in-place ceiling over arrays
// arrays filling ws.
func inPlaceFigure(impl string, arrays int, ws int64) Figure {
	name := "inplace-" + impl
	shape := fmt.Sprintf("arrays=%d", arrays)
	return Figure{ID: fmt.Sprintf("%s/%s/%s/ws=%s", SectionCeiling, name, shape, sizeLabel(ws)), Section: SectionCeiling,
		Name: name, Shape: shape, WorkingSet: ws, Threads: 1, Unit: "B/s"}
}

// inPlaceItem is in's InPlaceStream32 over its kernels.InPlaceStreams
// arrays, which together fill at least ws (each a whole number of
// 64-element blocks, which every implementation's loop runs without a
// tail), laid out by kernels.InPlaceBuffers: the ceiling of the kernels
// that read and write their own arrays, like for like. Bytes count a read
// and a write of every element.
func inPlaceItem(in *kernels.Instruments, ws int64) item {
	stream := in.InPlaceStream32
	n := (int(ws)/4/kernels.InPlaceStreams + 63) &^ 63
	return item{
		fig:     inPlaceFigure(in.Name, kernels.InPlaceStreams, ws),
		perIter: float64(8 * kernels.InPlaceStreams * n),
		setup: func() (func(int), func(), error) {
			xs := kernels.InPlaceBuffers(n)
			return func(iters int) { stream(xs, iters) }, nil, nil
		},
	}
}

// inPlaceSizes are the working sets the in-place ceilings are measured at:
// those of the in-place kernels themselves. A ladder step holds them to
// another cache level whenever a boundary lies between: at 16000 neurons
// (384 KB) the AVX-512 stream ran at 410 GB/s and the CUBA kernel at 380,
// but at the next step, 1 MiB, which fills the L2 of Zen 5, the stream
// managed only 295; and the 24 KB of 1000 neurons fit its L1, which the
// 64 KiB step does not.
func inPlaceSizes(quick bool) []int64 {
	ns := cobaSizes
	if quick {
		ns = quickCobaSizes
	}
	var out []int64
	for _, n := range ns {
		out = append(out, receptorWorkingSet(n))
	}
	return out
}

// planKernels lists the kernel micro-benchmarks for impls.
func planKernels(quick bool, impls []*kernels.Impl) []item {
	upd, scan, acc, mat, cb := updateSizes, scanSizes, accSizes, matSizes, cobaSizes
	if quick {
		upd, scan, acc, mat, cb = quickUpdateSizes, quickScanSizes, quickAccSizes, quickMatSizes, quickCobaSizes
	}
	var out []item
	for _, n := range upd {
		for _, impl := range impls {
			out = append(out, updateItem(impl, n))
		}
	}
	for _, n := range scan {
		for _, impl := range impls {
			out = append(out, scanItem(impl, n))
		}
	}
	for _, n := range acc {
		for _, impl := range impls {
			out = append(out, accItem(impl, n))
		}
	}
	for _, n := range cb {
		for _, impl := range impls {
			if impl != naiveImpl { // no plain-loop twin: generic is the reference
				out = append(out, cubaItem(impl, n), cobaItem(impl, n))
			}
		}
	}
	for _, n := range mat {
		for _, impl := range impls {
			if impl == naiveImpl && n > naiveMatMax {
				continue
			}
			out = append(out, matItem(impl, n, n, n))
		}
	}
	if !quick {
		for _, impl := range impls {
			if impl != naiveImpl && impl != kernels.Generic {
				out = append(out, matItem(impl, 25600, 200, 700))
			}
		}
	}
	return out
}

func kernelFigure(name string, impl *kernels.Impl, n int, shape string, ws int64, unit string, bytes, flops float64) Figure {
	return Figure{ID: fmt.Sprintf("%s/%s/%s/%s", SectionKernel, name, impl.Name, shape), Section: SectionKernel,
		Name: name, Impl: impl.Name, N: n, Shape: shape, WorkingSet: ws, Threads: 1, Unit: unit,
		BytesPerItem: bytes, FlopsPerItem: flops}
}

// Neuron state the LIF benchmarks start from: potentials spread below and
// above θ = 1 and small input currents, so some neurons spike every step
// and the spike path is exercised as in a running network.
func lifState(n int, seed uint64) (V, I []float32) {
	rng := rand.New(rand.NewPCG(seed, 1))
	V, I = make([]float32, n), make([]float32, n)
	for i := range V {
		V[i] = float32(rng.Float64() * 1.2)
		I[i] = float32(rng.Float64() * 0.1)
	}
	return V, I
}

func inputs(n int, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 0.05)
	}
	return x
}

// LIF update arithmetic per neuron-step: α·I + Iin and β·V + I (two
// multiplies, two adds) and the reset's subtraction.
const lifFlops = 5

func updateItem(impl *kernels.Impl, n int) item {
	ws := int64(12*n + 8*kernels.MaskWords(n))
	// Read V, I, Iin; write V, I and the mask bit.
	bytes := 20 + 1.0/8
	f := kernelFigure("LeakyUpdate", impl, n, fmt.Sprintf("n=%d", n), ws, "neuron-steps/s", bytes, lifFlops)
	fn := impl.LeakyUpdate32
	return item{fig: f, perIter: float64(n), setup: func() (func(int), func(), error) {
		V, I := lifState(n, 1)
		Iin := inputs(n, 3)
		mask := make([]uint64, kernels.MaskWords(n))
		alpha, beta := float32(0.904837), float32(0.951229)
		return func(iters int) {
			for range iters {
				fn(V, I, Iin, alpha, beta, 1, kernels.ResetSubtract, mask)
			}
		}, nil, nil
	}}
}

// The CUBA and COBA neurons' state: V, the two receptors' currents or
// conductances and their inputs, the refractory counters; bytes per
// neuron-step: V, I0, Iin0, I1, Iin1 and refrac read (24), V, I0, Iin0, I1,
// Iin1 (the kernels consume their input, leaving zeros) and refrac written
// (24), and the mask bit.
const cobaBytes = 48 + 1.0/8

// receptorArrays is the number of arrays CubaUpdate and CobaUpdate read and
// write in place (V, the two receptors, their inputs, refrac): the streams
// of their in-place ceiling.
const receptorArrays = kernels.InPlaceStreams

// receptorWorkingSet is the memory a CUBA or COBA update of n neurons
// touches: the six arrays of 4 bytes per neuron and the spike mask.
func receptorWorkingSet(n int) int64 { return int64(24*n + 8*kernels.MaskWords(n)) }

// receptorFigure is the figure of a CUBA or COBA kernel item, held to its
// own implementation's in-place ceiling.
func receptorFigure(name string, impl *kernels.Impl, n int, flops float64) Figure {
	f := kernelFigure(name, impl, n, fmt.Sprintf("n=%d", n), receptorWorkingSet(n), "neuron-steps/s", cobaBytes, flops)
	f.InPlaceArrays = receptorArrays
	return f
}

// CUBA's arithmetic per neuron-step: the two decays (two multiplies, two
// adds), the leak (a subtraction, a multiply, an add), the input (an add, a
// multiply, an add); COBA's adds the two driving forces (two subtractions,
// two multiplies, two adds) and the step's gain.
const (
	cubaFlops = 10
	cobaFlops = 14
)

// cobaState returns V spread from below the reset to above the threshold
// (θ = −50, reset −60), inputs of both receptors, and refractory counters
// of which some are running, so every path of the kernels is taken.
func cobaState(n int, seed uint64) (V, X0, In0, X1, In1 []float32, refrac []int32) {
	rng := rand.New(rand.NewPCG(seed, 6))
	V, X0, In0, X1, In1 = make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	refrac = make([]int32, n)
	for i := range V {
		V[i] = float32(-62 + 14*rng.Float64())
		X0[i], X1[i] = float32(rng.Float64()), float32(rng.Float64())
		In0[i], In1[i] = float32(0.2*rng.Float64()), float32(0.2*rng.Float64())
		if rng.Float64() < 0.05 {
			refrac[i] = int32(rng.IntN(50))
		}
	}
	return
}

// flushWith runs impl's FlushSubnormals32 over each of xs. The receptor
// kernels consume their inputs, so their currents decay over the
// repetitions; flushed every kernels.FlushEvery of them, as the engine
// flushes its state, they do not end among the subnormals, which would
// time microcode assists on Intel cores (kernels.BenchmarkCubaUpdateSubnormal)
// instead of the kernel.
func flushWith(impl *kernels.Impl, xs ...[]float32) {
	for _, x := range xs {
		impl.FlushSubnormals32(x)
	}
}

func cubaItem(impl *kernels.Impl, n int) item {
	f := receptorFigure("CubaUpdate", impl, n, cubaFlops)
	fn := impl.CubaUpdate32
	return item{fig: f, perIter: float64(n), setup: func() (func(int), func(), error) {
		V, I0, Iin0, I1, Iin1, refrac := cobaState(n, 7)
		mask := make([]uint64, kernels.MaskWords(n))
		// Brian2's CUBA at dt = 0.1 ms (examples/cuba.yaml).
		p := &kernels.CubaParams32{A0: 0.98019867, A1: 0.99004983, Beta: 0.99501248, VLeak: -49, Gain: 0.0049875415, Theta: -50, VReset: -60, Hold: 49}
		k := 0
		return func(iters int) {
			for range iters {
				fn(V, I0, Iin0, I1, Iin1, refrac, p, mask)
				if k++; k%kernels.FlushEvery == 0 {
					flushWith(impl, V, I0, I1)
				}
			}
		}, nil, nil
	}}
}

func cobaItem(impl *kernels.Impl, n int) item {
	f := receptorFigure("CobaUpdate", impl, n, cobaFlops)
	fn := impl.CobaUpdate32
	return item{fig: f, perIter: float64(n), setup: func() (func(int), func(), error) {
		V, G0, Gin0, G1, Gin1, refrac := cobaState(n, 8)
		mask := make([]uint64, kernels.MaskWords(n))
		// Benchmark 1 of Brette et al. 2007 at dt = 0.1 ms (examples/coba.yaml).
		p := &kernels.CobaParams32{A0: 0.98019867, A1: 0.99004983, Gamma: 0.0049875415, VLeak: -60, E0: 0, E1: -80, Theta: -50, VReset: -60, Hold: 49}
		k := 0
		return func(iters int) {
			for range iters {
				fn(V, G0, Gin0, G1, Gin1, refrac, p, mask)
				if k++; k%kernels.FlushEvery == 0 {
					flushWith(impl, V, G0, G1)
				}
			}
		}, nil, nil
	}}
}

func scanItem(impl *kernels.Impl, n int) item {
	words := kernels.MaskWords(n)
	ws := int64(4*n*(scanSteps+2) + 8*words*scanSteps)
	// Iin of every step and the mask bits stream through; V and I are read
	// and written once per call.
	bytes := 4 + 1.0/8 + 16.0/scanSteps
	f := kernelFigure("LeakyScan", impl, n, fmt.Sprintf("n=%d/steps=%d", n, scanSteps), ws, "neuron-steps/s", bytes, lifFlops)
	fn := impl.LeakyScan32
	return item{fig: f, perIter: float64(n * scanSteps), setup: func() (func(int), func(), error) {
		V, I := lifState(n, 4)
		Iin := inputs(n*scanSteps, 5)
		mask := make([]uint64, words*scanSteps)
		alpha, beta := float32(0.904837), float32(0.951229)
		return func(iters int) {
			for range iters {
				fn(V, I, Iin, n, scanSteps, alpha, beta, 1, kernels.ResetSubtract, mask, words)
			}
		}, nil, nil
	}}
}

func accItem(impl *kernels.Impl, n int) item {
	ws := int64(4 * n * (accRows + 1))
	// Each event reads one weight; dst is read and written once per call
	// at best (when the kernel fuses every row into one pass).
	bytes := 4 + 8.0/accRows
	f := kernelFigure("AccumulateRows", impl, n, fmt.Sprintf("n=%d/rows=%d", n, accRows), ws, "events/s", bytes, 1)
	fn := impl.AccumulateRows32
	return item{fig: f, perIter: float64(n * accRows), setup: func() (func(int), func(), error) {
		W := inputs(n*accRows, 6)
		dst := make([]float32, n)
		// A fixed scrambled order: spikes do not arrive sorted by row
		// address in a real network's memory.
		rows := []int32{5, 2, 7, 0, 3, 6, 1, 4}[:accRows]
		return func(iters int) {
			// dst random-walks with steps of 0.05: even 10^9 calls stay
			// far from overflow, so no reset (which would add traffic)
			// is needed between calls.
			for range iters {
				fn(dst, W, n, rows)
			}
		}, nil, nil
	}}
}

func matItem(impl *kernels.Impl, m, n, k int) item {
	ws := int64(4 * (m*k + k*n + m*n))
	flops := 2 * float64(m) * float64(n) * float64(k)
	// Compulsory traffic: A and B read once, C written once, per call.
	bytes := float64(ws) / flops
	shape := fmt.Sprintf("%dx%dx%d", m, k, n)
	f := kernelFigure("MatMul", impl, m, shape, ws, "FLOP/s", bytes, 1)
	fn := impl.MatMul32
	return item{fig: f, perIter: flops, setup: func() (func(int), func(), error) {
		A, B := inputs(m*k, 7), inputs(k*n, 8)
		C := make([]float32, m*n)
		return func(iters int) {
			for range iters {
				fn(m, n, k, A, k, B, n, C, n, false)
			}
		}, nil, nil
	}}
}
