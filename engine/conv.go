package engine

import (
	"fmt"
	"leaky/kernels"
	"math"
	"slices"
	"sync"
	"unsafe"
)

// Conv2d is a 2-D convolution from a group whose outputs are images of
// InC channels × InH × InW (channel-major, C order) onto a population of
// OutC × OutH × OutW neurons, with PyTorch's and NIR's conventions: W is
// (OutC, InC/Groups, KH, KW), out[o, y, x] = Σ W[o, c, ky, kx]·in[c, y·SH
// − PH + ky·DH, x·SW − PW + kx·DW] over the input channels of o's group,
// zero outside the image. Both kinds of input add into each neuron term by
// term in increasing (channel, row, column) order of the inputs, starting
// from the neuron's input current as it stands, so 0/1 input gives the same
// bits either way, and the sum does not depend on the range:
//
//   - Spikes are scattered event by event, in order: a table made once
//     lists the output pixels and kernel taps each input pixel reaches, and
//     the weights of one tap onto all output channels of a group are one
//     contiguous row of a transposed copy of W. (Summing those rows into a
//     channel-last buffer with kernels.AccumulateRows was no faster on the
//     CNN of BENCHMARKS.md: moving the buffer to and from the channel-major
//     input current cost what the vector adds saved.)
//   - Analog input (float32) is unrolled into the columns of its receptive
//     fields (im2col) and multiplied onto W by kernels.MatMul32, which sums
//     each output over its inputs in order, each product rounded before it
//     is added: the direct loop's arithmetic. The zeros the direct loop
//     skips add ±0 here, which changes no sum but −0, and an input current
//     is never −0: it is cleared to +0 each step and only ever added to. In
//     float64 MatMul fuses the products, so float64 runs the direct loop.
//
// Both ask the network for ranges of whole trials (see splitRanges), since
// any input reaches neurons in every output channel. W must not change
// after NewConv2d, which derives the transposed rows from it.
type Conv2d[T Float] struct {
	Name string
	Pre  Presynaptic[T]
	Post *Population[T]
	// W holds the kernels, (OutC, InC/Groups, KH, KW) in C order.
	W                      []T
	InC, InH, InW          int
	OutC, OutH, OutW       int
	KH, KW, SH, SW, PH, PW int
	DH, DW, Groups         int
	Receptor               int
	cpg, opg               int // input and output channels per group
	// k is the number of kernel values per output channel, cpg·KH·KW: the
	// rows of one group's transposed kernels wt (k rows of opg, from
	// g·k·opg), and of its im2col matrix.
	k  int
	wt []T
	// The output pixels (oy·OutW + ox) and kernel taps (ky·KW + kx) that a
	// spike at input pixel q reaches are tapPixel and tapIndex[tapStart[q]
	// : tapStart[q+1]].
	tapStart           []int32
	tapPixel, tapIndex []int32
	taps               *kernels.Taps
	// lasts holds *channelLast, the buffers of the vectorised scatter.
	lasts sync.Pool
	// cols holds *[]T, im2col matrices of one group (k rows of OutH·OutW):
	// calls for disjoint ranges run concurrently, each with its own.
	cols sync.Pool
	// nonzero holds *sparseInput, the nonzero analog inputs of one trial.
	nonzero sync.Pool
}

// sparseInput lists a trial's nonzero analog inputs, index and value, in
// increasing order.
type sparseInput[T Float] struct {
	at  []int32
	val []T
}

// sparseShare is the largest fraction of nonzero analog inputs (one in
// sparseShare) that Conv2d scatters rather than multiplies: the output of
// a pooling of spikes, which is mostly zero, costs a scatter per nonzero
// instead of a product per input.
const sparseShare = 8

// ConvGeometry is the shape of a convolution or pooling window.
type ConvGeometry struct {
	InC, InH, InW          int
	KH, KW, SH, SW, PH, PW int
	DH, DW, Groups         int
}

// outSize is the output size along one dimension.
func outSize(in, k, s, p, d int) int { return (in+2*p-d*(k-1)-1)/s + 1 }

// NewConv2d connects pre (InC × InH × InW outputs) to post through
// kernels w (OutC × InC/Groups × KH × KW) with geometry g.
func NewConv2d[T Float](name string, pre Presynaptic[T], post *Population[T], w []T, outC int, g ConvGeometry) (*Conv2d[T], error) {
	if g.DH < 1 {
		g.DH = 1
	}
	if g.DW < 1 {
		g.DW = 1
	}
	if g.Groups < 1 {
		g.Groups = 1
	}
	c := &Conv2d[T]{Name: name, Pre: pre, Post: post, W: w, InC: g.InC, InH: g.InH, InW: g.InW, OutC: outC,
		KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, PH: g.PH, PW: g.PW, DH: g.DH, DW: g.DW, Groups: g.Groups}
	if g.InC < 1 || g.InH < 1 || g.InW < 1 || outC < 1 || g.KH < 1 || g.KW < 1 || g.SH < 1 || g.SW < 1 || g.PH < 0 || g.PW < 0 {
		return nil, fmt.Errorf("projection %q: convolution sizes must be positive (padding ≥ 0)", name)
	}
	if g.InC%g.Groups != 0 || outC%g.Groups != 0 {
		return nil, fmt.Errorf("projection %q: %d groups do not divide %d input and %d output channels", name, g.Groups, g.InC, outC)
	}
	c.cpg, c.opg = g.InC/g.Groups, outC/g.Groups
	c.OutH, c.OutW = outSize(g.InH, g.KH, g.SH, g.PH, g.DH), outSize(g.InW, g.KW, g.SW, g.PW, g.DW)
	if c.OutH < 1 || c.OutW < 1 {
		return nil, fmt.Errorf("projection %q: a %d×%d kernel does not fit a %d×%d image", name, g.KH, g.KW, g.InH, g.InW)
	}
	if pre.Size() != g.InC*g.InH*g.InW {
		return nil, fmt.Errorf("projection %q: the source has %d outputs, not %d × %d × %d", name, pre.Size(), g.InC, g.InH, g.InW)
	}
	if post.N != outC*c.OutH*c.OutW || post.Batch != pre.BatchSize() {
		return nil, fmt.Errorf("projection %q: %q has %d neurons × %d trials, the convolution gives %d × %d × %d × %d trials", name, post.Name, post.N, post.Batch, outC, c.OutH, c.OutW, pre.BatchSize())
	}
	if len(w) != outC*c.cpg*g.KH*g.KW {
		return nil, fmt.Errorf("projection %q: %d weights, want %d × %d × %d × %d", name, len(w), outC, c.cpg, g.KH, g.KW)
	}
	for i, v := range w {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("projection %q: weight %d is %v; weights must be finite", name, i, f)
		}
	}
	if c.cpg*g.KH*g.KW > math.MaxInt32/max(c.OutH*c.OutW, 1) || g.InH*g.InW*g.KH*g.KW > math.MaxInt32 {
		return nil, fmt.Errorf("projection %q: a %d×%d kernel over %d×%d images is too large", name, g.KH, g.KW, g.InH, g.InW)
	}
	c.k = c.cpg * g.KH * g.KW
	c.wt = make([]T, len(w))
	for o := 0; o < outC; o++ {
		gr, ol := o/c.opg, o%c.opg
		for r := 0; r < c.k; r++ {
			c.wt[(gr*c.k+r)*c.opg+ol] = w[o*c.k+r]
		}
	}
	c.tapStart = make([]int32, 1, g.InH*g.InW+1)
	for iy := 0; iy < g.InH; iy++ {
		for ix := 0; ix < g.InW; ix++ {
			// The outputs whose window holds (iy, ix): (iy + PH − ky·DH)
			// divisible by SH, in range, and likewise across.
			for ky := 0; ky < g.KH; ky++ {
				ny := iy + g.PH - ky*g.DH
				if ny < 0 || ny%g.SH != 0 || ny/g.SH >= c.OutH {
					continue
				}
				for kx := 0; kx < g.KW; kx++ {
					nx := ix + g.PW - kx*g.DW
					if nx < 0 || nx%g.SW != 0 || nx/g.SW >= c.OutW {
						continue
					}
					c.tapPixel = append(c.tapPixel, int32(ny/g.SH*c.OutW+nx/g.SW))
					c.tapIndex = append(c.tapIndex, int32(ky*g.KW+kx))
				}
			}
			c.tapStart = append(c.tapStart, int32(len(c.tapPixel)))
		}
	}
	taps, err := kernels.NewTaps(c.tapStart, c.tapPixel, c.tapIndex)
	if err != nil {
		return nil, fmt.Errorf("projection %q: %w", name, err)
	}
	c.taps = taps
	return c, nil
}

// Target returns the population added to.
func (c *Conv2d[T]) Target() *Population[T] { return c.Post }

// Source returns the group read.
func (c *Conv2d[T]) Source() Presynaptic[T] { return c.Pre }

// wholeTrials asks for ranges of whole trials: any input reaches neurons
// in every output channel, so a range of neurons would scan all spikes.
func (c *Conv2d[T]) wholeTrials() bool { return true }

// Propagate adds the convolution of the current input over r.
func (c *Conv2d[T]) Propagate(r Range) {
	if r.Hi <= r.Lo || r.B1 <= r.B0 {
		return
	}
	p := c.Post
	in := p.Input(c.Receptor)
	x := c.Pre.Values()
	var col []T
	if x != nil && is32[T]() {
		buf, _ := c.cols.Get().(*[]T)
		if buf == nil {
			buf = new([]T)
			*buf = make([]T, c.k*c.OutH*c.OutW)
		}
		defer c.cols.Put(buf)
		col = *buf
	}
	var sp *sparseInput[T]
	if x != nil {
		sp, _ = c.nonzero.Get().(*sparseInput[T])
		if sp == nil {
			sp = &sparseInput[T]{}
		}
		defer c.nonzero.Put(sp)
	}
	// row is a trial's block of inputs, neuron i at row[i−base]: all N
	// in one process, a rank's block when it holds only that
	// (NewHeldPopulation).
	base, end := p.Held()
	for b := r.B0; b < r.B1; b++ {
		row := in[p.at(b, base):p.at(b, end)]
		switch {
		case x != nil && sp.gather(x[b*c.Pre.Size():(b+1)*c.Pre.Size()]):
			c.scatter(row, base, sp.at, sp.val, r.Lo, r.Hi)
		case x == nil:
			c.scatter(row, base, c.Pre.Events(b), nil, r.Lo, r.Hi)
		case is32[T]():
			c.im2col(row, base, x[b*c.Pre.Size():(b+1)*c.Pre.Size()], r.Lo, r.Hi, col)
		default:
			c.direct(row, base, x[b*c.Pre.Size():(b+1)*c.Pre.Size()], r.Lo, r.Hi)
		}
	}
}

// groups calls f for each group that has output channels among the
// neurons lo … hi−1, with the first and one past the last of them.
func (c *Conv2d[T]) groups(lo, hi int, f func(g, o0, o1 int)) {
	plane := c.OutH * c.OutW
	oa, ob := lo/plane, (hi-1)/plane+1
	for g := oa / c.opg; g*c.opg < ob; g++ {
		f(g, max(oa, g*c.opg), min(ob, (g+1)*c.opg))
	}
}

// gather lists the nonzero values of img and reports whether they are few
// enough (at most one in sparseShare) to scatter.
func (s *sparseInput[T]) gather(img []T) bool {
	s.at, s.val = s.at[:0], s.val[:0]
	limit := len(img) / sparseShare
	for i, v := range img {
		if v != 0 {
			if len(s.at) == limit {
				return false
			}
			s.at = append(s.at, int32(i))
			s.val = append(s.val, v)
		}
	}
	return true
}

// scatter adds one trial's spikes into neurons lo … hi−1 of row (neuron i
// at row[i−rowLo]), or with vals the
// nonzero analog inputs at events, each weight times its input rounded
// before it is added: the products the direct loop and MatMul32 add, less
// the ±0 of the zero inputs, which change no sum (see Conv2d).
func (c *Conv2d[T]) scatter(row []T, rowLo int, events []int32, vals []T, lo, hi int) {
	plane, inPlane := c.OutH*c.OutW, c.InH*c.InW
	kk := c.KH * c.KW
	c.groups(lo, hi, func(g, o0, o1 int) {
		// The group's spikes: its channels are a run of the sorted events.
		first, last := int32(g*c.cpg*inPlane), int32((g+1)*c.cpg*inPlane)
		i0, _ := slices.BinarySearch(events, first)
		i1, _ := slices.BinarySearch(events, last)
		m := o1 - o0
		wg := c.wt[g*c.k*c.opg+o0-g*c.opg:]
		whole := lo <= o0*plane && o1*plane <= hi
		var out []T // the group's channels, when whole
		if whole {
			out = row[o0*plane-rowLo : o1*plane-rowLo]
		}
		var vs []T
		if vals != nil {
			vs = vals[i0:i1]
		}
		if whole && m == c.opg && c.channelLast(out, events[i0:i1], vs, first, wg[:c.k*c.opg]) {
			return
		}
		for ei, e := range events[i0:i1] {
			ci, q := int(e-first)/inPlane, int(e-first)%inPlane
			base := ci * kk
			for j := c.tapStart[q]; j < c.tapStart[q+1]; j++ {
				t := int(c.tapPixel[j])
				w := wg[(base+int(c.tapIndex[j]))*c.opg:][:m]
				switch {
				case vals != nil && whole:
					x := vals[i0+ei]
					for _, v := range w {
						out[t] += T(v * x)
						t += plane
					}
				case vals != nil:
					x := vals[i0+ei]
					for jo, v := range w {
						if i := (o0+jo)*plane + t; i >= lo && i < hi {
							row[i-rowLo] += T(v * x)
						}
					}
				case whole:
					for _, v := range w {
						out[t] += v
						t += plane
					}
				default:
					for jo, v := range w {
						if i := (o0+jo)*plane + t; i >= lo && i < hi {
							row[i-rowLo] += v
						}
					}
				}
			}
		}
	})
}

// channelLast is the buffers of Conv2d's vectorised scatter: one image of
// a group's channels with each pixel's channels together, and the events of
// one input channel relative to its plane.
type channelLast[T Float] struct {
	acc []T
	rel []int32
}

// channelLast adds one group's spikes (or, with vals, its nonzero analog
// inputs) into out (its whole channels, channel-major) through
// kernels.ScatterTaps (ScaleTaps) on a channel-last copy, when
// the spikes reach enough outputs (at least a plane's worth of taps) to
// pay for moving out there and back, and reports whether it did. Each
// output takes the same terms in the same order as the scalar scatter.
func (c *Conv2d[T]) channelLast(out []T, events []int32, vals []T, first int32, wg []T) bool {
	plane, inPlane, m := c.OutH*c.OutW, c.InH*c.InW, c.opg
	pairs := 0
	for _, e := range events {
		q := int(e-first) % inPlane
		pairs += int(c.tapStart[q+1] - c.tapStart[q])
	}
	if pairs < plane {
		return false
	}
	cl, _ := c.lasts.Get().(*channelLast[T])
	if cl == nil {
		cl = &channelLast[T]{acc: make([]T, plane*m)}
	}
	defer c.lasts.Put(cl)
	acc := cl.acc
	if !allZero(out) {
		for o := range m {
			src := out[o*plane : (o+1)*plane]
			for p, v := range src {
				acc[p*m+o] = v
			}
		}
	} else {
		// Nothing added yet this step (the usual case: the convolution is
		// its layer's only input): every output starts from +0, which an
		// input current holds when zero (it is never −0).
		clear(acc)
	}
	kk := c.KH * c.KW
	for i := 0; i < len(events); {
		// The run of events of one input channel.
		ci, i0 := int(events[i]-first)/inPlane, i
		rel := cl.rel[:0]
		for ; i < len(events) && int(events[i]-first)/inPlane == ci; i++ {
			rel = append(rel, events[i]-first-int32(ci*inPlane))
		}
		cl.rel = rel
		if vals != nil {
			scaleTaps(acc, m, wg, ci*kk, rel, vals[i0:i], c.taps)
		} else {
			scatterTaps(acc, m, wg, ci*kk, rel, c.taps)
		}
	}
	for o := range m {
		dst := out[o*plane : (o+1)*plane]
		for p := range dst {
			dst[p] = acc[p*m+o]
		}
	}
	return true
}

// allZero reports whether every value of x is ±0: no bit but the signs
// set, tested a 64-bit word (two float32 or one float64) at a time and
// ORed over blocks, since the usual answer is yes and needs every value.
func allZero[T Float](x []T) bool {
	words := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(x))), len(x)*int(unsafe.Sizeof(x[0]))/8)
	signs := uint64(1<<63 | 1<<31)
	if !is32[T]() {
		signs = 1 << 63
	}
	for len(words) >= 8 {
		if (words[0]|words[1]|words[2]|words[3]|words[4]|words[5]|words[6]|words[7])&^signs != 0 {
			return false
		}
		words = words[8:]
	}
	for _, w := range words {
		if w&^signs != 0 {
			return false
		}
	}
	for _, v := range x[len(x)-len(x)%2:] {
		if v != 0 {
			return false
		}
	}
	return true
}

// im2col adds one trial's analog input into neurons lo … hi−1 of row
// (neuron i at row[i−base]) through MatMul32.
func (c *Conv2d[T]) im2col(row []T, base int, img []T, lo, hi int, col []T) {
	plane := c.OutH * c.OutW
	c.groups(lo, hi, func(g, o0, o1 int) {
		// col[(ci·KH + ky)·KW + kx][oy·OutW + ox] is the input that tap
		// meets at output pixel (oy, ox), zero outside the image.
		for ci := 0; ci < c.cpg; ci++ {
			src := img[(g*c.cpg+ci)*c.InH*c.InW:]
			for ky := 0; ky < c.KH; ky++ {
				for kx := 0; kx < c.KW; kx++ {
					dst := col[((ci*c.KH+ky)*c.KW+kx)*plane:][:plane]
					// The output columns ox0 … ox1−1 meet the image.
					ox0, ox1 := columns(kx*c.DW-c.PW, c.SW, c.InW, c.OutW)
					for oy := 0; oy < c.OutH; oy++ {
						d := dst[oy*c.OutW : (oy+1)*c.OutW]
						iy := oy*c.SH - c.PH + ky*c.DH
						if iy < 0 || iy >= c.InH || ox0 >= ox1 {
							clear(d)
							continue
						}
						clear(d[:ox0])
						clear(d[ox1:])
						line := src[iy*c.InW : (iy+1)*c.InW]
						if c.SW == 1 {
							copy(d[ox0:ox1], line[ox0+kx*c.DW-c.PW:])
							continue
						}
						for ox := ox0; ox < ox1; ox++ {
							d[ox] = line[ox*c.SW-c.PW+kx*c.DW]
						}
					}
				}
			}
		}
		// Rows of C are output channels; the range may cut the first and
		// the last.
		for o := o0; o < o1; {
			pa, pb := max(lo-o*plane, 0), min(hi-o*plane, plane)
			m := 1
			if pa == 0 && pb == plane {
				for o+m < o1 && (o+m+1)*plane <= hi {
					m++
				}
			}
			matMul(m, pb-pa, c.k, c.W[o*c.k:], c.k, col[pa:], plane, row[o*plane+pa-base:], plane, true)
			o += m
		}
	})
}

// direct adds one trial's analog input into neurons lo … hi−1 of row
// (neuron i at row[i−base]) output by output, skipping zero inputs:
// float64, whose MatMul fuses.
func (c *Conv2d[T]) direct(row []T, base int, img []T, lo, hi int) {
	plane := c.OutH * c.OutW
	kk := c.KH * c.KW
	for idx := lo; idx < hi; idx++ {
		o, yx := idx/plane, idx%plane
		oy, ox := yx/c.OutW, yx%c.OutW
		g := o / c.opg
		// The taps inside the image, rows ky0 … ky1−1, columns kx0 … kx1−1.
		ky0, ky1 := taps(oy*c.SH-c.PH, c.DH, c.KH, c.InH)
		kx0, kx1 := taps(ox*c.SW-c.PW, c.DW, c.KW, c.InW)
		w := c.W[o*c.k : (o+1)*c.k]
		acc := row[idx-base]
		for ci := 0; ci < c.cpg; ci++ {
			src := img[(g*c.cpg+ci)*c.InH*c.InW:]
			wc := w[ci*kk : (ci+1)*kk]
			for ky := ky0; ky < ky1; ky++ {
				line := src[(oy*c.SH-c.PH+ky*c.DH)*c.InW:]
				for kx := kx0; kx < kx1; kx++ {
					if v := line[ox*c.SW-c.PW+kx*c.DW]; v != 0 {
						acc += T(wc[ky*c.KW+kx] * v)
					}
				}
			}
		}
		row[idx-base] = acc
	}
}

// columns returns the outputs ox0 … ox1−1 (of n, stride s) whose input
// column ox·s + off lies in 0 … size−1.
func columns(off, s, size, n int) (ox0, ox1 int) {
	if off < 0 {
		ox0 = (-off + s - 1) / s
	}
	if size-1-off < 0 {
		return ox0, ox0
	}
	return ox0, max(ox0, min(n, (size-1-off)/s+1))
}

// taps returns the taps k0 … k1−1 of a window starting at position start
// with dilation d and k taps that fall inside 0 … size−1.
func taps(start, d, k, size int) (k0, k1 int) {
	k0 = 0
	if start < 0 {
		k0 = (-start + d - 1) / d
	}
	k1 = k
	if last := start + (k-1)*d; last >= size {
		k1 = k - (last-size+d)/d
	}
	return k0, max(k1, k0)
}

// Pool2d sums (or averages) windows of KH × KW of each channel of a
// C × InH × InW group onto a population of C × OutH × OutW neurons:
// NIR's SumPool2d and AvgPool2d, zero outside the image, an average
// always over the whole window (PyTorch's count_include_pad). Each window
// is summed from zero, its inputs in increasing order, and then scaled and
// added to the neuron; spikes are counted by scattering each to the windows
// that hold it, which is the same sum.
type Pool2d[T Float] struct {
	Name                   string
	Pre                    Presynaptic[T]
	Post                   *Population[T]
	C, InH, InW            int
	OutH, OutW             int
	KH, KW, SH, SW, PH, PW int
	// Scale multiplies each sum: 1 for SumPool2d, 1/(KH·KW) for AvgPool2d.
	Scale    T
	Receptor int
	// counts holds *[]T, one range's spike counts per call: calls for
	// disjoint ranges run concurrently.
	counts sync.Pool
	// win[4q:4q+4] are the windows holding input pixel q: rows oy0 … oy1−1
	// and columns ox0 … ox1−1 of the output, found once.
	win []int32
}

// NewPool2d pools pre (g.InC × InH × InW) onto post with window g; avg
// selects the average.
func NewPool2d[T Float](name string, pre Presynaptic[T], post *Population[T], g ConvGeometry, avg bool) (*Pool2d[T], error) {
	if g.InC < 1 || g.InH < 1 || g.InW < 1 || g.KH < 1 || g.KW < 1 || g.SH < 1 || g.SW < 1 || g.PH < 0 || g.PW < 0 {
		return nil, fmt.Errorf("projection %q: pooling sizes must be positive (padding ≥ 0)", name)
	}
	p := &Pool2d[T]{Name: name, Pre: pre, Post: post, C: g.InC, InH: g.InH, InW: g.InW, KH: g.KH, KW: g.KW, SH: g.SH, SW: g.SW, PH: g.PH, PW: g.PW, Scale: 1}
	p.OutH, p.OutW = outSize(g.InH, g.KH, g.SH, g.PH, 1), outSize(g.InW, g.KW, g.SW, g.PW, 1)
	if p.OutH < 1 || p.OutW < 1 {
		return nil, fmt.Errorf("projection %q: a %d×%d window does not fit a %d×%d image", name, g.KH, g.KW, g.InH, g.InW)
	}
	if avg {
		p.Scale = T(1 / float64(g.KH*g.KW))
	}
	if pre.Size() != g.InC*g.InH*g.InW {
		return nil, fmt.Errorf("projection %q: the source has %d outputs, not %d × %d × %d", name, pre.Size(), g.InC, g.InH, g.InW)
	}
	if post.N != g.InC*p.OutH*p.OutW || post.Batch != pre.BatchSize() {
		return nil, fmt.Errorf("projection %q: %q has %d neurons × %d trials, the pooling gives %d × %d × %d × %d trials", name, post.Name, post.N, post.Batch, g.InC, p.OutH, p.OutW, pre.BatchSize())
	}
	p.win = make([]int32, 0, 4*g.InH*g.InW)
	for iy := range g.InH {
		for ix := range g.InW {
			// The windows oy with oy·SH − PH ≤ iy ≤ oy·SH − PH + KH − 1.
			oy0, oy1 := windows(iy+p.PH, p.KH, p.SH, p.OutH)
			ox0, ox1 := windows(ix+p.PW, p.KW, p.SW, p.OutW)
			p.win = append(p.win, int32(oy0), int32(oy1), int32(ox0), int32(ox1))
		}
	}
	return p, nil
}

// Target returns the population added to.
func (p *Pool2d[T]) Target() *Population[T] { return p.Post }

// Source returns the group read.
func (p *Pool2d[T]) Source() Presynaptic[T] { return p.Pre }

// wholeTrials asks for ranges of whole trials, as Conv2d does.
func (p *Pool2d[T]) wholeTrials() bool { return true }

// Propagate adds each window's sum over r, the inputs in increasing
// order whether they are spikes or values.
func (p *Pool2d[T]) Propagate(r Range) {
	if r.Hi <= r.Lo || r.B1 <= r.B0 {
		return
	}
	post := p.Post
	in := post.Input(p.Receptor)
	if x := p.Pre.Values(); x != nil {
		for b := r.B0; b < r.B1; b++ {
			p.sum(in[post.at(b, r.Lo):post.at(b, r.Hi)], x[b*p.Pre.Size():(b+1)*p.Pre.Size()], r.Lo, r.Hi)
		}
		return
	}
	buf, _ := p.counts.Get().(*[]T)
	if buf == nil || len(*buf) < r.Hi-r.Lo {
		buf = new([]T)
		*buf = make([]T, post.N)
	}
	defer p.counts.Put(buf)
	cnt := (*buf)[:r.Hi-r.Lo]
	for b := r.B0; b < r.B1; b++ {
		p.count(cnt, p.Pre.Events(b), r.Lo, r.Hi)
		row := in[post.at(b, r.Lo):post.at(b, r.Hi)]
		for j, c := range cnt[:len(row)] {
			row[j] += p.Scale * c
		}
	}
}

// sum adds one trial's windows of analog input into row, outputs lo…hi−1.
func (p *Pool2d[T]) sum(row, img []T, lo, hi int) {
	plane := p.OutH * p.OutW
	for idx := lo; idx < hi; idx++ {
		c, yx := idx/plane, idx%plane
		oy, ox := yx/p.OutW, yx%p.OutW
		ky0, ky1 := taps(oy*p.SH-p.PH, 1, p.KH, p.InH)
		kx0, kx1 := taps(ox*p.SW-p.PW, 1, p.KW, p.InW)
		var s T
		for ky := ky0; ky < ky1; ky++ {
			line := img[(c*p.InH+oy*p.SH-p.PH+ky)*p.InW:]
			for kx := kx0; kx < kx1; kx++ {
				s += line[ox*p.SW-p.PW+kx]
			}
		}
		row[idx-lo] += p.Scale * s
	}
}

// count sets cnt[i−lo] to the number of one trial's spikes in the window of
// neuron i, for i in lo … hi−1.
func (p *Pool2d[T]) count(cnt []T, events []int32, lo, hi int) {
	clear(cnt)
	plane, inPlane := p.OutH*p.OutW, p.InH*p.InW
	whole := lo == 0 && hi == p.Post.N
	// The channels whose neurons are in the range, each a run of the
	// sorted spikes.
	c0, c1 := lo/plane, (hi-1)/plane+1
	i0, _ := slices.BinarySearch(events, int32(c0*inPlane))
	for c := c0; c < c1 && i0 < len(events); c++ {
		i1, _ := slices.BinarySearch(events[i0:], int32((c+1)*inPlane))
		i1 += i0
		base := int32(c * inPlane)
		for _, e := range events[i0:i1] {
			w := p.win[4*(e-base):][:4]
			for oy := w[0]; oy < w[1]; oy++ {
				at := c*plane + int(oy)*p.OutW
				for ox := w[2]; ox < w[3]; ox++ {
					if i := at + int(ox); whole || i >= lo && i < hi {
						cnt[i-lo]++
					}
				}
			}
		}
		i0 = i1
	}
}

func windows(at, k, s, n int) (w0, w1 int) {
	if at >= k {
		w0 = (at - k + s) / s
	}
	return w0, min(at/s+1, n)
}
