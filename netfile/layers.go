package netfile

import (
	"fmt"
	"slices"

	"leaky/engine"
	"leaky/npy"
)

// pairOf reads a stride, padding or dilation: absent (def), one number
// for both dimensions, or [height, width].
func pairOf(v []int, def int) ([2]int, bool) {
	switch len(v) {
	case 0:
		return [2]int{def, def}, true
	case 1:
		return [2]int{v[0], v[0]}, true
	case 2:
		return [2]int{v[0], v[1]}, true
	}
	return [2]int{}, false
}

// layerGeometry is a conv1d, conv2d or pooling projection's geometry: the
// engine's and the output channels (for a convolution, from its weight
// file's shape; for pooling, the input's). A conv1d is a conv2d of height
// 1: an image [channels, 1, length] and a kernel of height 1.
func (f *File) layerGeometry(k int) (engine.ConvGeometry, int, error) {
	p := f.Projections[k]
	at := fmt.Sprintf("projections[%d]", k)
	var g engine.ConvGeometry
	if p.Type == "conv1d" {
		return f.conv1dGeometry(k)
	}
	if len(p.InShape) != 3 || slices.ContainsFunc(p.InShape, func(d int) bool { return d < 1 }) {
		return g, 0, fmt.Errorf("%s.in_shape: want [channels, height, width], all positive, got %v", at, p.InShape)
	}
	g.InC, g.InH, g.InW = p.InShape[0], p.InShape[1], p.InShape[2]
	outC := g.InC
	var kernel [2]int
	if p.Type == "conv2d" {
		if p.Weight == nil || p.Weight.File == "" {
			return g, 0, fmt.Errorf("%s.weight: a conv2d projection takes {file: W.npy} of shape (out_channels, in_channels/groups, height, width)", at)
		}
		shape, err := f.arrayShape(p.Weight)
		if err != nil {
			return g, 0, fmt.Errorf("%s.weight.file: %w", at, err)
		}
		if len(shape) != 4 {
			return g, 0, fmt.Errorf("%s.weight.file: %s has shape %s; want (out_channels, in_channels/groups, height, width)", at, p.Weight.File, npy.FormatShape(shape))
		}
		outC, kernel = shape[0], [2]int{shape[2], shape[3]}
		g.Groups = max(p.Groups, 1)
		if p.Groups < 0 || g.InC%g.Groups != 0 || outC%g.Groups != 0 || shape[1] != g.InC/g.Groups {
			return g, 0, fmt.Errorf("%s: weights of shape %s do not fit %d input channels in %d groups", at, npy.FormatShape(shape), g.InC, g.Groups)
		}
		if p.Kernel != nil {
			return g, 0, fmt.Errorf("%s.kernel: a convolution's kernel is its weights' shape", at)
		}
	} else {
		k, ok := pairOf(p.Kernel, 0)
		if !ok || k[0] < 1 || k[1] < 1 {
			return g, 0, fmt.Errorf("%s.kernel: want the window [height, width], positive, got %v", at, p.Kernel)
		}
		kernel = k
		if p.Weight != nil || p.Groups != 0 || p.Dilation != nil {
			return g, 0, fmt.Errorf("%s: pooling takes no weight, groups or dilation", at)
		}
	}
	g.KH, g.KW = kernel[0], kernel[1]
	defStride := 1
	if p.Type != "conv2d" {
		defStride = 0 // the window
	}
	st, ok1 := pairOf(p.Stride, defStride)
	pad, ok2 := pairOf(p.Padding, 0)
	dil, ok3 := pairOf(p.Dilation, 1)
	if st == [2]int{0, 0} {
		st = kernel
	}
	if !ok1 || !ok2 || !ok3 || st[0] < 1 || st[1] < 1 || pad[0] < 0 || pad[1] < 0 || dil[0] < 1 || dil[1] < 1 {
		return g, 0, fmt.Errorf("%s: stride %v, padding %v and dilation %v must be one or two numbers, positive (padding ≥ 0)", at, p.Stride, p.Padding, p.Dilation)
	}
	g.SH, g.SW, g.PH, g.PW, g.DH, g.DW = st[0], st[1], pad[0], pad[1], dil[0], dil[1]
	return g, outC, nil
}

// conv1dGeometry is layerGeometry for a conv1d projection: in_shape
// [channels, length], weights (out_channels, in_channels/groups, k), and
// stride, padding and dilation of one number each.
func (f *File) conv1dGeometry(k int) (engine.ConvGeometry, int, error) {
	p := f.Projections[k]
	at := fmt.Sprintf("projections[%d]", k)
	g := engine.ConvGeometry{InH: 1, KH: 1, SH: 1, DH: 1}
	if len(p.InShape) != 2 || slices.ContainsFunc(p.InShape, func(d int) bool { return d < 1 }) {
		return g, 0, fmt.Errorf("%s.in_shape: want [channels, length], both positive, got %v", at, p.InShape)
	}
	g.InC, g.InW = p.InShape[0], p.InShape[1]
	if p.Weight == nil || p.Weight.File == "" {
		return g, 0, fmt.Errorf("%s.weight: a conv1d projection takes {file: W.npy} of shape (out_channels, in_channels/groups, length)", at)
	}
	shape, err := f.arrayShape(p.Weight)
	if err != nil {
		return g, 0, fmt.Errorf("%s.weight.file: %w", at, err)
	}
	if len(shape) != 3 {
		return g, 0, fmt.Errorf("%s.weight.file: %s has shape %s; want (out_channels, in_channels/groups, length)", at, p.Weight.File, npy.FormatShape(shape))
	}
	outC := shape[0]
	g.KW = shape[2]
	g.Groups = max(p.Groups, 1)
	if p.Groups < 0 || g.InC%g.Groups != 0 || outC%g.Groups != 0 || shape[1] != g.InC/g.Groups {
		return g, 0, fmt.Errorf("%s: weights of shape %s do not fit %d input channels in %d groups", at, npy.FormatShape(shape), g.InC, g.Groups)
	}
	if p.Kernel != nil {
		return g, 0, fmt.Errorf("%s.kernel: a convolution's kernel is its weights' shape", at)
	}
	one := func(v Ints, def int) (int, bool) {
		switch len(v) {
		case 0:
			return def, true
		case 1:
			return v[0], true
		}
		return 0, false
	}
	st, ok1 := one(p.Stride, 1)
	pad, ok2 := one(p.Padding, 0)
	dil, ok3 := one(p.Dilation, 1)
	if !ok1 || !ok2 || !ok3 || st < 1 || pad < 0 || dil < 1 {
		return g, 0, fmt.Errorf("%s: stride %v, padding %v and dilation %v must be one number each, positive (padding ≥ 0)", at, p.Stride, p.Padding, p.Dilation)
	}
	g.SW, g.PW, g.DW = st, pad, dil
	return g, outC, nil
}

// layerOut is the number of outputs of a layer with geometry g and outC
// channels.
func layerOut(g engine.ConvGeometry, outC int) int {
	h := (g.InH+2*g.PH-g.DH*(g.KH-1)-1)/g.SH + 1
	w := (g.InW+2*g.PW-g.DW*(g.KW-1)-1)/g.SW + 1
	if h < 1 || w < 1 {
		return 0
	}
	return outC * h * w
}

// checkLayer checks a conv1d, conv2d or pooling projection against its
// ends.
func (f *File) checkLayer(k int) error {
	p := f.Projections[k]
	at := fmt.Sprintf("projections[%d]", k)
	if p.P != nil || p.Synapses != nil || p.Autapses != nil || p.Procedural {
		return fmt.Errorf("%s: p, autapses, synapses and procedural do not apply to %s", at, p.Type)
	}
	g, outC, err := f.layerGeometry(k)
	if err != nil {
		return err
	}
	if n := f.presynapticSize(p.Source); n != g.InC*g.InH*g.InW && f.source(p.Source) < 0 {
		return fmt.Errorf("%s.in_shape: %v is %d values, but %q has %d outputs", at, p.InShape, g.InC*g.InH*g.InW, p.Source, n)
	}
	out := layerOut(g, outC)
	if out == 0 && p.Type == "conv1d" {
		return fmt.Errorf("%s: a kernel of %d (dilation %d) does not fit the length %d", at, g.KW, g.DW, g.InW)
	}
	if out == 0 {
		return fmt.Errorf("%s: a %d×%d window does not fit the %d×%d image", at, g.KH, g.KW, g.InH, g.InW)
	}
	if m := f.Populations[f.population(p.Target)].Size; m != out {
		return fmt.Errorf("%s: the %s gives %d outputs, but %q has %d neurons", at, p.Type, out, p.Target, m)
	}
	return nil
}

// buildLayer builds projection k, a conv1d, conv2d or pooling projection.
func buildLayer[T engine.Float](f *File, pre engine.Presynaptic[T], post *engine.Population[T], receptor, k int) (engine.Projection[T], error) {
	p := f.Projections[k]
	at := fmt.Sprintf("projections[%d]", k)
	g, outC, err := f.layerGeometry(k)
	if err != nil {
		return nil, f.errorf("%w", err)
	}
	if p.Type != "conv2d" && p.Type != "conv1d" {
		pl, err := engine.NewPool2d(p.Name, pre, post, g, p.Type == "avg_pool2d")
		if err != nil {
			return nil, f.errorf("%s: %w", at, err)
		}
		pl.Receptor = receptor
		return pl, nil
	}
	a, err := f.readArray(p.Weight)
	if err != nil {
		return nil, f.errorf("%s.weight.file: %w", at, err)
	}
	sign, _ := engine.ParseSign(p.Sign)
	w := make([]T, len(a.Data))
	for j, v := range a.Data {
		w[j] = T(sign.Apply(v))
	}
	c, err := engine.NewConv2d(p.Name, pre, post, w, outC, g)
	if err != nil {
		return nil, f.errorf("%s: %w", at, err)
	}
	c.Receptor = receptor
	return c, nil
}

// biasValues reads projection k's bias, one value per target neuron: a
// number for all, or a file of one value per neuron or, for a
// convolution, per output channel.
func biasValues[T engine.Float](f *File, post *engine.Population[T], k int) ([]T, error) {
	t := f.Projections[k].Type
	return perNeuron[T](f, post, f.Projections[k].Bias, fmt.Sprintf("projections[%d].bias", k), t == "conv2d" || t == "conv1d")
}

// perNeuron reads w as one value per neuron of post: a number for all, or
// a file of one value per neuron, of one for all, or (perChannel) of one
// per channel of equal consecutive blocks of neurons.
func perNeuron[T engine.Float](f *File, post *engine.Population[T], w *Weight, at string, perChannel bool) ([]T, error) {
	out := make([]T, post.N)
	if w.File == "" {
		for i := range out {
			out[i] = T(w.Dist.A)
		}
		return out, nil
	}
	a, err := f.readArray(w)
	if err != nil {
		return nil, f.errorf("%s.file: %w", at, err)
	}
	v := a.Data
	switch {
	case len(v) == post.N:
		for i, x := range v {
			out[i] = T(x)
		}
	case len(v) == 1:
		for i := range out {
			out[i] = T(v[0])
		}
	case perChannel && len(v) > 0 && post.N%len(v) == 0:
		plane := post.N / len(v)
		for i := range out {
			out[i] = T(v[i/plane])
		}
	default:
		return nil, f.errorf("%s.file: %s holds %d values for %d neurons", at, w.File, len(v), post.N)
	}
	return out, nil
}

// gainValues reads an identity projection's factors: a number for every
// neuron, or one value per neuron (or one for all) from a file.
func gainValues[T engine.Float](f *File, post *engine.Population[T], k int) ([]T, error) {
	return perNeuron[T](f, post, f.Projections[k].Weight, fmt.Sprintf("projections[%d].weight", k), false)
}
