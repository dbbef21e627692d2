package engine

import (
	"fmt"
	"math"
)

// Conv2d is a 2-D convolution from a group whose outputs are images of
// InC channels × InH × InW (channel-major, C order) onto a population of
// OutC × OutH × OutW neurons, with PyTorch's and NIR's conventions: W is
// (OutC, InC/Groups, KH, KW), out[o, y, x] = Σ W[o, c, ky, kx]·in[c, y·SH
// − PH + ky·DH, x·SW − PW + kx·DW] over the input channels of o's group,
// zero outside the image. Spikes are scattered event by event; analog
// input is summed output by output; both add the inputs in increasing
// (channel, row, column) order, so 0/1 input gives the same bits either
// way, and the sum into each neuron does not depend on the range.
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
}

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
	return c, nil
}

// Target returns the population added to.
func (c *Conv2d[T]) Target() *Population[T] { return c.Post }

// Source returns the group read.
func (c *Conv2d[T]) Source() Presynaptic[T] { return c.Pre }

// Propagate adds the convolution of the current input over r.
func (c *Conv2d[T]) Propagate(r Range) {
	p := c.Post
	in := p.Input(c.Receptor)
	plane := c.OutH * c.OutW
	x := c.Pre.Values()
	for b := r.B0; b < r.B1; b++ {
		row := in[b*p.Stride:]
		if x == nil {
			// Each spike (ch, y, x) reaches the outputs whose window
			// holds it: (y + PH − ky·DH) divisible by SH, in range.
			for _, e := range c.Pre.Events(b) {
				ch, yx := int(e)/(c.InH*c.InW), int(e)%(c.InH*c.InW)
				iy, ix := yx/c.InW, yx%c.InW
				g := ch / c.cpg
				ci := ch % c.cpg
				for ky := 0; ky < c.KH; ky++ {
					ny := iy + c.PH - ky*c.DH
					if ny < 0 || ny%c.SH != 0 || ny/c.SH >= c.OutH {
						continue
					}
					oy := ny / c.SH
					for kx := 0; kx < c.KW; kx++ {
						nx := ix + c.PW - kx*c.DW
						if nx < 0 || nx%c.SW != 0 || nx/c.SW >= c.OutW {
							continue
						}
						ox := nx / c.SW
						for o := g * c.opg; o < (g+1)*c.opg; o++ {
							idx := o*plane + oy*c.OutW + ox
							if idx >= r.Lo && idx < r.Hi {
								row[idx] += c.W[((o*c.cpg+ci)*c.KH+ky)*c.KW+kx]
							}
						}
					}
				}
			}
			continue
		}
		img := x[b*c.Pre.Size():]
		for idx := r.Lo; idx < r.Hi; idx++ {
			o, yx := idx/plane, idx%plane
			oy, ox := yx/c.OutW, yx%c.OutW
			g := o / c.opg
			// Added into the neuron term by term, in the order the
			// spikes path adds, so 0/1 input gives its bits.
			acc := row[idx]
			for ci := 0; ci < c.cpg; ci++ {
				ch := g*c.cpg + ci
				for ky := 0; ky < c.KH; ky++ {
					iy := oy*c.SH - c.PH + ky*c.DH
					if iy < 0 || iy >= c.InH {
						continue
					}
					for kx := 0; kx < c.KW; kx++ {
						ix := ox*c.SW - c.PW + kx*c.DW
						if ix < 0 || ix >= c.InW {
							continue
						}
						if v := img[(ch*c.InH+iy)*c.InW+ix]; v != 0 {
							acc += T(c.W[((o*c.cpg+ci)*c.KH+ky)*c.KW+kx] * v)
						}
					}
				}
			}
			row[idx] = acc
		}
	}
}

// Pool2d sums (or averages) windows of KH × KW of each channel of a
// C × InH × InW group onto a population of C × OutH × OutW neurons:
// NIR's SumPool2d and AvgPool2d, zero outside the image, an average
// always over the whole window (PyTorch's count_include_pad).
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
	return p, nil
}

// Target returns the population added to.
func (p *Pool2d[T]) Target() *Population[T] { return p.Post }

// Source returns the group read.
func (p *Pool2d[T]) Source() Presynaptic[T] { return p.Pre }

// Propagate adds each window's sum over r, the inputs in increasing
// order whether they are spikes or values.
func (p *Pool2d[T]) Propagate(r Range) {
	post := p.Post
	in := post.Input(p.Receptor)
	plane := p.OutH * p.OutW
	x := p.Pre.Values()
	var one []T
	for b := r.B0; b < r.B1; b++ {
		row := in[b*post.Stride:]
		img := one
		if x != nil {
			img = x[b*p.Pre.Size():]
		}
		var spikes []int32
		if x == nil {
			spikes = p.Pre.Events(b)
		}
		for idx := r.Lo; idx < r.Hi; idx++ {
			c, yx := idx/plane, idx%plane
			oy, ox := yx/p.OutW, yx%p.OutW
			var sum T
			for ky := 0; ky < p.KH; ky++ {
				iy := oy*p.SH - p.PH + ky
				if iy < 0 || iy >= p.InH {
					continue
				}
				for kx := 0; kx < p.KW; kx++ {
					ix := ox*p.SW - p.PW + kx
					if ix < 0 || ix >= p.InW {
						continue
					}
					k := (c*p.InH+iy)*p.InW + ix
					if x != nil {
						sum += img[k]
					} else if hasSpike(spikes, int32(k)) {
						sum++
					}
				}
			}
			row[idx] += p.Scale * sum
		}
	}
}

// hasSpike reports whether the sorted list holds k.
func hasSpike(s []int32, k int32) bool {
	lo, hi := 0, len(s)
	for lo < hi {
		m := (lo + hi) / 2
		if s[m] < k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(s) && s[lo] == k
}
