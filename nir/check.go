package nir

import (
	"fmt"
	"slices"
	"strings"
)

// check fills in every node's shapes and checks the graph: edges name
// nodes that exist, shapes agree along every edge, parameters have the
// node's shape or one value for all, and every graph has an Input.
func (m *Model) check() error {
	return m.checkGraph(m.Graph)
}

func (m *Model) fail(node, format string, args ...any) error {
	return &Error{File: m.File, Node: node, Msg: fmt.Sprintf(format, args...)}
}

func (m *Model) checkGraph(g *Graph) error {
	where := g.Path
	for _, n := range g.Nodes {
		if n.Graph != nil {
			if err := m.checkGraph(n.Graph); err != nil {
				return err
			}
		}
		if err := m.intrinsic(n); err != nil {
			return err
		}
	}
	for i, e := range g.Edges {
		for k, name := range e {
			if g.Node(name) == nil {
				graph := "the top graph"
				if where != "" {
					graph = "graph " + where
				}
				return m.fail(where, "edges[%d] %s %q is not a node of %s (its nodes are %s)", i, []string{"source", "target"}[k], name, graph, strings.Join(sortedNames(g), ", "))
			}
		}
		if g.Node(e[0]).Type == "Output" {
			return m.fail(g.Node(e[0]).Path, "an Output node is the source of edges[%d]; outputs end a graph", i)
		}
		if g.Node(e[1]).Type == "Input" {
			return m.fail(g.Node(e[1]).Path, "an Input node is the target of edges[%d]; inputs start a graph", i)
		}
	}
	hasInput := slices.ContainsFunc(g.Nodes, func(n *Node) bool { return n.Type == "Input" })
	if !hasInput {
		return m.fail(where, "the graph has no Input node")
	}
	// Shapes flow along the edges until nothing changes: a node whose
	// parameters do not fix its input shape takes its source's.
	for changed := true; changed; {
		changed = false
		for _, e := range g.Edges {
			src, dst := g.Node(e[0]), g.Node(e[1])
			if src.Out != nil && dst.In == nil {
				dst.In = slices.Clone(src.Out)
				if err := m.derive(dst); err != nil {
					return err
				}
				changed = true
			}
		}
	}
	for _, n := range g.Nodes {
		if n.In == nil || n.Out == nil {
			return m.fail(n.Path, "its shape cannot be known: no edge from a node of known shape reaches it")
		}
	}
	for i, e := range g.Edges {
		src, dst := g.Node(e[0]), g.Node(e[1])
		if slices.Equal(src.Out, dst.In) {
			continue
		}
		// An Output only collects: another shape of the same size is
		// the same values (Rockpool writes [1, 1, 1] for [1]).
		if dst.Type == "Output" && size(src.Out) == size(dst.In) {
			continue
		}
		return m.fail(dst.Path, "edges[%d] from %s gives shape %s, but %s %s takes %s", i, src.Path, shapeString(src.Out), dst.Type, dst.Name, shapeString(dst.In))
	}
	return nil
}

// neuronShape is the shape of a node's per-neuron parameters: the shape of
// those with more than one value, which must agree; nil when every one is
// a single value.
func (m *Model) neuronShape(n *Node) ([]int, error) {
	var shape []int
	for _, p := range nodeTypes[n.Type] {
		a := n.Params[p.name]
		if !p.neuron || a.Len() <= 1 {
			continue
		}
		if shape == nil {
			shape = a.Shape
			continue
		}
		if !slices.Equal(shape, a.Shape) {
			return nil, m.fail(n.Path, "%s has shape %s but the node's other parameters have %s", p.name, shapeString(a.Shape), shapeString(shape))
		}
	}
	return shape, nil
}

// intrinsic sets the shapes a node's own parameters fix.
func (m *Model) intrinsic(n *Node) error {
	p := n.Params
	switch n.Type {
	case "NIRGraph":
		var in, out *Node
		for _, c := range n.Graph.Nodes {
			switch c.Type {
			case "Input":
				if in != nil {
					return m.fail(n.Path, "a nested graph with more than one Input is not supported")
				}
				in = c
			case "Output":
				if out != nil {
					return m.fail(n.Path, "a nested graph with more than one Output is not supported")
				}
				out = c
			}
		}
		if out == nil {
			return m.fail(n.Path, "the nested graph has no Output node")
		}
		n.In, n.Out = in.Out, out.In
	case "Input", "Output":
		shape, ok := ints(p["shape"])
		if !ok || len(shape) == 0 || slices.ContainsFunc(shape, func(d int) bool { return d < 1 }) {
			return m.fail(n.Path, "shape %v is not a list of positive sizes", p["shape"].Data)
		}
		n.In, n.Out = shape, shape
	case "Affine", "Linear":
		w := p["weight"]
		if len(w.Shape) != 2 || w.Shape[0] < 1 || w.Shape[1] < 1 {
			return m.fail(n.Path, "weight has shape %s; want (out, in)", shapeString(w.Shape))
		}
		if n.Type == "Affine" && p["bias"].Len() != w.Shape[0] {
			return m.fail(n.Path, "bias has %d values for %d outputs", p["bias"].Len(), w.Shape[0])
		}
		n.In, n.Out = []int{w.Shape[1]}, []int{w.Shape[0]}
	case "Conv2d", "Conv1d":
		return m.conv(n)
	case "SumPool2d", "AvgPool2d", "Flatten":
		if n.Type == "Flatten" {
			if t, ok := p["input_type"]; ok {
				shape, ok := ints(t)
				if !ok || len(shape) == 0 {
					return m.fail(n.Path, "input_type %v is not a shape", t.Data)
				}
				n.In = shape
				return m.derive(n)
			}
		}
		// The input shape comes from the source.
	default: // neurons, Scale, Threshold, Delay
		shape, err := m.neuronShape(n)
		if err != nil {
			return err
		}
		if shape != nil {
			n.In, n.Out = shape, shape
		}
	}
	return nil
}

// derive sets a node's output shape from its input shape, for the nodes
// whose parameters leave it open.
func (m *Model) derive(n *Node) error {
	p := n.Params
	switch n.Type {
	case "Flatten":
		start, ok1 := ints(p["start_dim"])
		end, ok2 := ints(p["end_dim"])
		if !ok1 || !ok2 || len(start) != 1 || len(end) != 1 {
			return m.fail(n.Path, "start_dim and end_dim must be whole numbers")
		}
		s, e := start[0], end[0]
		// NIR's dims count the batch-free shape; negative ones from the end.
		if s < 0 {
			s += len(n.In)
		}
		if e < 0 {
			e += len(n.In)
		}
		if s < 0 || e >= len(n.In) || s > e {
			return m.fail(n.Path, "start_dim %d and end_dim %d do not fit the input shape %s", start[0], end[0], shapeString(n.In))
		}
		out := slices.Clone(n.In[:s])
		out = append(out, size(n.In[s:e+1]))
		n.Out = append(out, n.In[e+1:]...)
	case "SumPool2d", "AvgPool2d":
		if len(n.In) != 3 {
			return m.fail(n.Path, "takes (channels, height, width), not %s", shapeString(n.In))
		}
		k, ok1 := pair(p["kernel_size"])
		st, ok2 := pair(p["stride"])
		pad, ok3 := pair(p["padding"])
		if !ok1 || !ok2 || !ok3 || k[0] < 1 || k[1] < 1 || st[0] < 1 || st[1] < 1 || pad[0] < 0 || pad[1] < 0 {
			return m.fail(n.Path, "kernel_size, stride and padding must be one or two whole numbers, positive (padding ≥ 0)")
		}
		h := (n.In[1]+2*pad[0]-k[0])/st[0] + 1
		w := (n.In[2]+2*pad[1]-k[1])/st[1] + 1
		if h < 1 || w < 1 {
			return m.fail(n.Path, "a %dx%d window does not fit the input %s", k[0], k[1], shapeString(n.In))
		}
		n.Out = []int{n.In[0], h, w}
	default:
		if n.Out == nil {
			n.Out = slices.Clone(n.In)
		}
	}
	return nil
}

// conv sets the shapes of a Conv1d or Conv2d from its weight and
// input_shape.
func (m *Model) conv(n *Node) error {
	p := n.Params
	w := p["weight"]
	dims := 2
	if n.Type == "Conv1d" {
		dims = 1
	}
	if len(w.Shape) != 2+dims {
		return m.fail(n.Path, "weight has shape %s; want (out_channels, in_channels/groups%s)", shapeString(w.Shape), strings.Repeat(", k", dims))
	}
	groups, ok := ints(p["groups"])
	if !ok || len(groups) != 1 || groups[0] < 1 || w.Shape[0]%groups[0] != 0 {
		return m.fail(n.Path, "groups %v must be a positive whole number dividing the %d output channels", p["groups"].Data, w.Shape[0])
	}
	if p["bias"].Len() != w.Shape[0] && p["bias"].Len() != 1 {
		return m.fail(n.Path, "bias has %d values for %d output channels", p["bias"].Len(), w.Shape[0])
	}
	is, ok := p["input_shape"]
	if !ok {
		return m.fail(n.Path, "lacks input_shape, the size of its input image")
	}
	in, ok := ints(is)
	if !ok || len(in) != dims {
		return m.fail(n.Path, "input_shape %v must be %d whole numbers", is.Data, dims)
	}
	read := func(name string) ([]int, bool) {
		v, ok := ints(p[name])
		if !ok {
			return nil, false
		}
		if len(v) == 1 {
			for len(v) < dims {
				v = append(v, v[0])
			}
		}
		return v, len(v) == dims
	}
	stride, ok1 := read("stride")
	dil, ok3 := read("dilation")
	if !ok1 || !ok3 {
		return m.fail(n.Path, "stride and dilation must each be one or %d whole numbers", dims)
	}
	if err := m.wordPadding(n, stride, dil); err != nil {
		return err
	}
	pad, ok2 := read("padding")
	if !ok2 {
		return m.fail(n.Path, "padding must be one or %d whole numbers, \"same\" or \"valid\"", dims)
	}
	out := []int{w.Shape[0]}
	for d := 0; d < dims; d++ {
		k := w.Shape[2+d]
		if stride[d] < 1 || pad[d] < 0 || dil[d] < 1 {
			return m.fail(n.Path, "stride %v, padding %v and dilation %v must be positive (padding ≥ 0)", stride, pad, dil)
		}
		o := (in[d]+2*pad[d]-dil[d]*(k-1)-1)/stride[d] + 1
		if o < 1 {
			return m.fail(n.Path, "a kernel of %d does not fit the input size %d", k, in[d])
		}
		out = append(out, o)
	}
	n.In = append([]int{w.Shape[1] * groups[0]}, in...)
	n.Out = out
	return nil
}

// wordPadding turns a convolution's padding "valid" (none) or "same" (the
// output as long as the input, PyTorch's rule: stride 1, dilation·(k − 1)
// split evenly) into numbers.
func (m *Model) wordPadding(n *Node, stride, dil []int) error {
	switch n.padding {
	case "":
		return nil
	case "valid":
		n.Params["padding"] = Array{Data: []float64{0}}
		return nil
	case "same":
	default:
		return m.fail(n.Path, "padding %q: want a number, \"same\" or \"valid\"", n.padding)
	}
	w := n.Params["weight"]
	var pad []float64
	for d := range stride {
		total := dil[d] * (w.Shape[2+d] - 1)
		if stride[d] != 1 || total%2 != 0 {
			return m.fail(n.Path, "padding \"same\" with stride %v, dilation %v and a kernel of %v pads unevenly (or, with a stride, is undefined, as in PyTorch); leaky pads both sides alike", stride, dil, w.Shape[2:])
		}
		pad = append(pad, float64(total/2))
	}
	n.Params["padding"] = Array{Data: pad, Shape: []int{len(pad)}}
	return nil
}
