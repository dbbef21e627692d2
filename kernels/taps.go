package kernels

import "fmt"

// Taps is a convolution's table of the outputs each input reaches: input q
// meets output pixel Pixel[j] through kernel tap Index[j] for j in
// Start[q] … Start[q+1]−1. It is checked once, when made, so that
// ScatterTaps need only check the events and the buffers against its
// largest entries.
type Taps struct {
	start, pixel, index []int32
	maxPixel, maxIndex  int
}

// NewTaps checks and keeps a table (see Taps): start non-decreasing from 0
// to len(pixel) = len(index), pixels and taps non-negative.
func NewTaps(start, pixel, index []int32) (*Taps, error) {
	if len(start) == 0 || start[0] != 0 || int(start[len(start)-1]) != len(pixel) || len(pixel) != len(index) {
		return nil, fmt.Errorf("kernels: a tap table needs start from 0 to len(pixel) = len(index)")
	}
	t := &Taps{start: start, pixel: pixel, index: index, maxPixel: -1, maxIndex: -1}
	for q := 1; q < len(start); q++ {
		if start[q] < start[q-1] {
			return nil, fmt.Errorf("kernels: tap table start decreases at input %d", q)
		}
	}
	for j := range pixel {
		if pixel[j] < 0 || index[j] < 0 {
			return nil, fmt.Errorf("kernels: tap table entry %d is negative", j)
		}
		t.maxPixel, t.maxIndex = max(t.maxPixel, int(pixel[j])), max(t.maxIndex, int(index[j]))
	}
	return t, nil
}

// Inputs is the number of inputs the table covers.
func (t *Taps) Inputs() int { return len(t.start) - 1 }

// ScatterTaps32 is the event-driven input of a convolution onto a
// channel-last buffer: for each input q of events, in order, and each of
// its taps j in order, the m weights W[(base+Index[j])·m:][:m] are added to
// dst[Pixel[j]·m:][:m] (m output channels per pixel). Each output element
// takes its terms in the order of events, as the direct loop does. Every
// event must be an input of t, and dst and W must hold the rows t reaches.
func ScatterTaps32(dst []float32, m int, W []float32, base int, events []int32, t *Taps) {
	active.ScatterTaps32(dst, m, W, base, events, t)
}

// ScatterTaps64 is ScatterTaps32 in float64.
func ScatterTaps64(dst []float64, m int, W []float64, base int, events []int32, t *Taps) {
	active.ScatterTaps64(dst, m, W, base, events, t)
}

// ScaleTaps32 is ScatterTaps32 for inputs with values: each row of
// weights is multiplied by vals[i], the value of events[i], and each
// product rounded to float32 before it is added (as a convolution of
// analog input adds its nonzero terms).
func ScaleTaps32(dst []float32, m int, W []float32, base int, events []int32, vals []float32, t *Taps) {
	active.ScaleTaps32(dst, m, W, base, events, vals, t)
}

// ScaleTaps64 is ScaleTaps32 in float64, products rounded before adding.
func ScaleTaps64(dst []float64, m int, W []float64, base int, events []int32, vals []float64, t *Taps) {
	active.ScaleTaps64(dst, m, W, base, events, vals, t)
}

// scaleTapsGeneric is the reference of ScaleTaps32 and ScaleTaps64.
func scaleTapsGeneric[F float32 | float64](dst []F, m int, W []F, base int, events []int32, vals []F, t *Taps) {
	t.check(len(dst), m, len(W), base, events)
	vals = vals[:len(events)]
	for e, q := range events {
		x := vals[e]
		for j := t.start[q]; j < t.start[q+1]; j++ {
			d := dst[int(t.pixel[j])*m:][:m]
			w := W[(base+int(t.index[j]))*m:][:m]
			for i := range d {
				d[i] += F(w[i] * x)
			}
		}
	}
}

// check panics, before anything is written, on an event outside the table
// or buffers too short for the rows it reaches.
func (t *Taps) check(ndst, m, nw, base int, events []int32) {
	top := uint32(0)
	for _, e := range events {
		top = max(top, uint32(e))
	}
	if len(events) > 0 && int64(top) >= int64(t.Inputs()) {
		panic(fmt.Sprintf("kernels: event %d outside a tap table of %d inputs", int32(top), t.Inputs()))
	}
	if m < 0 || base < 0 || t.maxPixel >= 0 && ((t.maxPixel+1)*m > ndst || (base+t.maxIndex+1)*m > nw) {
		panic(fmt.Sprintf("kernels: tap table rows (pixel %d, tap %d of %d wide from row %d) outside buffers of %d and %d",
			t.maxPixel, t.maxIndex, m, base, ndst, nw))
	}
}

// scatterTapsGeneric is the reference of ScatterTaps32 and ScatterTaps64.
func scatterTapsGeneric[F float32 | float64](dst []F, m int, W []F, base int, events []int32, t *Taps) {
	t.check(len(dst), m, len(W), base, events)
	for _, q := range events {
		for j := t.start[q]; j < t.start[q+1]; j++ {
			d := dst[int(t.pixel[j])*m:][:m]
			w := W[(base+int(t.index[j]))*m:][:m]
			for i := range d {
				d[i] += w[i]
			}
		}
	}
}
