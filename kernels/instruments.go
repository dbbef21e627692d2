package kernels

import "unsafe"

// Instruments are one implementation's measuring loops: not kernels of a
// simulation but the ceilings that benchmarks hold the kernels to (peak
// multiply-add rate, read and read-modify-write bandwidth), at the
// implementation's vector width. They are kept out of [Impl] so that its
// table lists only the kernels a simulation runs.
type Instruments struct {
	// Name is the name of the implementation, as in Impl.Name.
	Name string

	// PeakFMA32 runs iters rounds of independent float32 multiply-adds at
	// the implementation's full vector width and returns the number of
	// floating-point operations done. It measures the arithmetic ceiling
	// that benchmarks compare the kernels with; its results are discarded.
	PeakFMA32 func(iters int) (flops int)

	// ReadStream32 reads x passes times over with the implementation's
	// fastest loads and returns the sum, to measure the read-bandwidth
	// ceiling at len(x)'s working set. Its sum has the same bits on every
	// implementation. The body, the first len(x) &^ 127 values, is cut into
	// 4 equal sections read side by side (several streams, as the kernels
	// read them); section s feeds partial sums p[32s … 32s+31], p[32s+k]
	// adding its values at offsets ≡ k (mod 32) in increasing order, pass
	// after pass. Then the tail values x[body+j] are added to p[j], pass
	// after pass, and p is halved, p[j] += p[j+w] for w = 64, 32, …, 1, and
	// p[0] returned. Without the sum the loads could be left unchecked.
	ReadStream32 func(x []float32, passes int) float32

	// AddStream32 adds src to dst, dst[i] += src[i], passes times over:
	// AccumulateRows32's read-modify-write stream with one row and no row
	// indexing, which measures the add-to bandwidth ceiling. src must hold
	// at least len(dst) values.
	AddStream32 func(dst, src []float32, passes int)

	// InPlaceStream32 adds InPlaceInc to each of the first len(xs[0])
	// elements of the InPlaceStreams arrays xs, passes times over: one load
	// and one store per element, the arrays side by side at one index. It
	// is the in-place ceiling of the kernels that read and write their own
	// arrays (CubaUpdate, CobaUpdate), at the implementation's full vector
	// width and in their shape. Every array must hold at least len(xs[0])
	// values; each element gets its passes additions in order, so every
	// implementation gives generic's bits.
	InPlaceStream32 func(xs *[InPlaceStreams][]float32, passes int)
}

// InPlaceStreams is the number of arrays InPlaceStream32 streams:
// CubaUpdate's and CobaUpdate's six.
const InPlaceStreams = inPlaceArrays

// InPlaceInc is what InPlaceStream32 adds to each element per pass: a power
// of two, so the sums are exact until the values reach 2^14.
const InPlaceInc = 1.0 / 1024

// genericInstruments are the plain Go loops, the reference for the sums of
// ReadStream32 and AddStream32.
var genericInstruments = &Instruments{
	Name:         "generic",
	PeakFMA32:    peakFMAGeneric32,
	ReadStream32: readStreamGeneric32,
	AddStream32:  addStreamGeneric32,

	InPlaceStream32: inPlaceStreamGeneric32,
}

// instrumentsOf holds the instruments of every implementation in known;
// dispatch_*.go adds to it.
var instrumentsOf = map[*Impl]*Instruments{Generic: genericInstruments}

// AvailableInstruments returns the instruments of the implementations this
// CPU can run, in the order of [Available]: generic first.
func AvailableInstruments() []*Instruments {
	var out []*Instruments
	for _, impl := range Available() {
		out = append(out, instrumentsOf[impl])
	}
	return out
}

// ActiveInstruments returns the instruments of the active implementation
// (see [Use]): the ceilings of the kernels the package-level functions run.
func ActiveInstruments() *Instruments { return instrumentsOf[active] }

// peakSink keeps the results of peakFMAGeneric32 alive.
var peakSink float32

// peakFMAGeneric32 is the generic PeakFMA32: eight independent scalar
// multiply-add chains, the most plain Go can keep in flight.
func peakFMAGeneric32(iters int) int {
	x, y := peakSink+0.5, peakSink+0.25
	var a0, a1, a2, a3, a4, a5, a6, a7 float32
	for range iters {
		a0 = a0*x + y
		a1 = a1*x + y
		a2 = a2*x + y
		a3 = a3*x + y
		a4 = a4*x + y
		a5 = a5*x + y
		a6 = a6*x + y
		a7 = a7*x + y
	}
	peakSink = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
	return iters * 8 * 2
}

// streamSection is the number of partial sums each section of
// ReadStream32's input feeds; streamLanes and streamSections are generated
// (geometry_gen.go) with the assembly whose order the generic sum follows.
const streamSection = streamLanes / streamSections

// streamWork is the number of elements one ReadStream or AddStream assembly
// call reads at most per pass (a multiple of streamLanes and addBlock):
// 1 MiB, tens of microseconds even from DRAM. The tests use it to reach
// past one call.
const streamWork = 1 << 18

// readStreamGeneric32 is the generic ReadStream32; see there for the order
// of the sum.
func readStreamGeneric32(x []float32, passes int) float32 {
	var p [streamLanes]float32
	body := len(x) &^ (streamLanes - 1)
	stride := body / streamSections
	for range passes {
		for sc := range streamSections {
			part := (*[streamSection]float32)(p[sc*streamSection:])
			sec := x[sc*stride : (sc+1)*stride]
			for i := 0; i < len(sec); i += streamSection {
				b := (*[streamSection]float32)(sec[i:])
				for k := range part {
					part[k] += b[k]
				}
			}
		}
	}
	return readStreamFinish(&p, x[body:], passes)
}

// readStreamFinish adds the tail (fewer than streamLanes values, which the
// vector loop leaves out) to the partial sums passes times and reduces them
// by halving, as ReadStream32 documents.
func readStreamFinish(p *[streamLanes]float32, tail []float32, passes int) float32 {
	tail = tail[:min(len(tail), streamLanes)]
	for range passes {
		for j, v := range tail {
			p[j] += v
		}
	}
	for w := streamLanes / 2; w > 0; w /= 2 {
		for j := range w {
			p[j] += p[j+w]
		}
	}
	return p[0]
}

// addStreamGeneric32 is the generic AddStream32: the add-to loop plain Go
// can do.
func addStreamGeneric32(dst, src []float32, passes int) {
	src = src[:len(dst)]
	for range passes {
		for i := range dst {
			dst[i] += src[i]
		}
	}
}

// inPlaceStreamGeneric32 is the generic InPlaceStream32, in the generic
// kernels' shape: one element of each array at a time, the arrays resliced
// to one length up front so the loop runs without bounds checks. (A loop
// over one array's block at a time ran at half the generic CubaUpdate's
// rate over the same bytes.)
func inPlaceStreamGeneric32(xs *[InPlaceStreams][]float32, passes int) {
	// The six names below are the arrays: a compile error if they are not.
	const _ = uint(InPlaceStreams-6) + uint(6-InPlaceStreams)
	n := len(xs[0])
	x0, x1, x2, x3, x4, x5 := xs[0][:n], xs[1][:n], xs[2][:n], xs[3][:n], xs[4][:n], xs[5][:n]
	for range passes {
		for i := range x0 {
			x0[i] += InPlaceInc
			x1[i] += InPlaceInc
			x2[i] += InPlaceInc
			x3[i] += InPlaceInc
			x4[i] += InPlaceInc
			x5[i] += InPlaceInc
		}
	}
}

// InPlaceBuffers returns the InPlaceStreams arrays of n float32 zeros that
// InPlaceStream32's ceiling is measured on: cut from one allocation, each
// starting at its own offset within a 4 KiB page, spread evenly over the
// page. Arrays allocated one by one at a power-of-two size start at one
// offset, and a load matching a pending store's low 12 address bits waits
// for it on some cores (4K aliasing); the kernels order their loads before
// their stores to avoid that, and a ceiling must measure the memory system,
// not the allocator.
func InPlaceBuffers(n int) *[InPlaceStreams][]float32 {
	const page = 4096 / 4 // float32s
	spread := page / InPlaceStreams &^ 15
	stride := (n+page-1)/page*page + spread
	buf := make([]float32, InPlaceStreams*stride+page)
	// Start on a page boundary, so that the offsets are the spread's.
	skip := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(buf))) % 4096); r != 0 {
		skip = (4096 - r) / 4
	}
	var xs [InPlaceStreams][]float32
	for s := range xs {
		lo := skip + s*stride
		xs[s] = buf[lo : lo+n : lo+n]
	}
	return &xs
}
