package nir

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"leaky/netfile"
	"leaky/npy"
)

// Options say how to run a NIR graph, which holds continuous-time
// equations and no time step, reset mode or inputs.
type Options struct {
	// Dt is the time step in seconds (required).
	Dt float64
	// Rule is the semantics, whose step the neurons follow and how its
	// framework's NIR importer reads r, w_in and θ: norse (default),
	// snntorch, spyx, leaky, rockpool, sinabs or lava (see Semantics and
	// engine.Rule; the README's table writes each one's equations).
	Rule string
	// Decay is euler or exact ("": the semantics' own).
	Decay string
	// Reset is zero (to NIR's v_reset, which is 0 unless the file says
	// otherwise) or subtract (θ − v_reset); "": the semantics' own,
	// subtract for spyx, rockpool and sinabs, zero for the others.
	Reset string
	// Inputs is the .npy of the Input node's values, (T, *shape) or (T, B,
	// *shape); Steps (0: all of the file's) and Batch (0: the file's, or
	// 1) size the run. With Feed, the Input is a source whose values the
	// caller gives at every step (session.Sim, the Python and C bindings)
	// and Steps (default 1) only sizes what recordings reserve.
	Inputs       string
	Feed         bool
	Steps, Batch int
	Seed         uint64
	DType        string
	// Record lists NODE:VAR items (VAR spikes, s, v, isyn, iinp) recorded
	// beside the Output nodes.
	Record []string
}

// Description turns the model into the network description leaky runs:
// each neuron node a population, each Input a source reading o.Inputs,
// affine maps, convolutions and poolings projections (or, where one feeds
// several or an Output, pass populations), Flatten nothing (the order of
// values is already C order), and each Output a recording of what feeds
// it, out_<name>.npy of shape (T, B, *shape): spikes as 0/1, otherwise
// values. Weights are read from the NIR file itself (its datasets), so the
// description is small and a checkpoint's copy names the file.
func (m *Model) Description(o Options) (*netfile.File, error) {
	flat, err := m.Flatten()
	if err != nil {
		return nil, err
	}
	d := &describer{m: m, flat: flat, o: o, pop: map[*Node]string{}}
	return d.describe()
}

type describer struct {
	m    *Model
	flat *Flat
	o    Options
	f    *netfile.File
	// pop names the population (or source) standing for a node's output.
	pop map[*Node]string
	// biased marks the affine nodes whose bias is added: once, however
	// many edges come in (edges into a node are summed before it).
	biased map[*Node]bool
	// recorded marks the nodes asked to be recorded.
	recorded map[*Node]bool
}

// folded reports whether a linear node becomes the projection into its
// one consumer (a neuron node, through Flattens) rather than a population
// of its own.
func (d *describer) folded(n *Node) bool {
	if isNeuron(n.Type) || n.Type == "Flatten" || d.recorded[n] {
		return false
	}
	var out []FlatEdge
	consumers := func(n *Node) []FlatEdge {
		var c []FlatEdge
		for _, e := range d.flat.Edges {
			if e.From == n {
				c = append(c, e)
			}
		}
		return c
	}
	out = consumers(n)
	for len(out) == 1 && out[0].To.Type == "Flatten" {
		out = consumers(out[0].To)
	}
	return len(out) == 1 && isNeuron(out[0].To.Type) && len(d.flat.Into(n)) == 1
}

// RunsAs says, node by node in stepping order, what leaky runs the graph
// as: a population of some kind, a projection into another node, a pass
// population, nothing (Flatten), or not yet.
func (m *Model) RunsAs() ([]string, error) {
	flat, err := m.Flatten()
	if err != nil {
		return nil, err
	}
	d := &describer{m: m, flat: flat, recorded: map[*Node]bool{}}
	kinds := map[string]string{"LIF": "lif", "CubaLIF": "lif with a synaptic current", "LI": "li", "CubaLI": "li with a synaptic current", "IF": "if", "I": "i",
		"Threshold": "lif that keeps nothing of V (β = 0): a spike where the input exceeds the threshold"}
	var out []string
	for _, n := range flat.Nodes {
		var what string
		switch {
		case isNeuron(n.Type):
			what = "population, kind " + kinds[n.Type]
			var differ []string
			for _, p := range nodeTypes[n.Type] {
				if _, ok := n.Params[p.name].Uniform(); p.neuron && !ok {
					differ = append(differ, p.name)
				}
			}
			if differ != nil {
				what += "; per neuron: " + strings.Join(differ, ", ")
			}
		case n.Type == "Flatten":
			what = "nothing: a reshape of values already in C order"
		case d.supported(n) != nil:
			what = "not run yet"
		case d.folded(n):
			to := flat.Edges[0].To
			for _, e := range flat.Edges {
				if e.From == n {
					to = e.To
				}
			}
			for to.Type == "Flatten" {
				for _, e := range flat.Edges {
					if e.From == to {
						to = e.To
						break
					}
				}
			}
			what = "projection into " + to.Path
		default:
			what = "pass population (it feeds another linear layer, several nodes or an Output)"
		}
		out = append(out, fmt.Sprintf("%s (%s): %s", n.Path, n.Type, what))
	}
	return out, nil
}

func (d *describer) fail(n *Node, format string, args ...any) error {
	path := ""
	if n != nil {
		path = n.Path
	}
	return &Error{File: d.m.File, Node: path, Msg: fmt.Sprintf(format, args...)}
}

// name makes a node path a population name leaky accepts in file names.
func name(n *Node) string { return strings.NewReplacer("/", ".", " ", "_").Replace(n.Path) }

func isNeuron(t string) bool {
	switch t {
	case "LIF", "CubaLIF", "LI", "CubaLI", "IF", "I", "Threshold":
		return true
	}
	return false
}

func (d *describer) describe() (*netfile.File, error) {
	o := d.o
	if !(o.Dt > 0) {
		return nil, &Error{File: d.m.File, Msg: fmt.Sprintf("dt %v: a NIR graph holds no time step; give a positive one", o.Dt)}
	}
	rule := o.Rule
	if rule == "" {
		rule = "norse"
	}
	if _, ok := semanticsOf[rule]; !ok {
		names := Semantics()
		return nil, &Error{File: d.m.File, Msg: fmt.Sprintf("semantics %q: want %s or %s", rule, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])}
	}
	d.o.Rule = rule
	switch o.Reset {
	case "", "zero", "subtract":
	default:
		return nil, &Error{File: d.m.File, Msg: fmt.Sprintf("reset %q: want zero or subtract", o.Reset)}
	}
	if len(d.flat.Inputs) != 1 {
		return nil, &Error{File: d.m.File, Msg: fmt.Sprintf("the graph has %d Input nodes; leaky runs graphs of one", len(d.flat.Inputs))}
	}
	in := d.flat.Inputs[0]
	if o.Feed {
		steps, batch := max(o.Steps, 1), max(o.Batch, 1)
		dt := o.Dt
		d.f = &netfile.File{
			Run:     netfile.Run{Dt: &dt, Steps: &steps, Batch: &batch, Seed: o.Seed, DType: o.DType},
			Sources: []netfile.Source{{Name: name(in), Input: &netfile.InputSource{Size: size(in.Out)}}},
		}
		return d.finish(in)
	}
	if o.Inputs == "" {
		return nil, &Error{File: d.m.File, Msg: "no inputs: give the Input node's values as a .npy file"}
	}
	shape, err := npy.ReadShape(o.Inputs)
	if err != nil {
		return nil, &Error{File: d.m.File, Msg: fmt.Sprintf("inputs: %v", err)}
	}
	steps, batch := 0, 1
	switch {
	case len(shape) == 1+len(in.Out) && slices.Equal(shape[1:], in.Out):
		steps = shape[0]
	case len(shape) == 2+len(in.Out) && slices.Equal(shape[2:], in.Out):
		steps, batch = shape[0], shape[1]
	default:
		return nil, &Error{File: d.m.File, Node: in.Path, Msg: fmt.Sprintf("inputs %s has shape %s; the Input takes %s per step: want (T, %s) or (T, B, %s)", o.Inputs, npy.FormatShape(shape), shapeString(in.Out), strings.Trim(shapeString(in.Out), "[]"), strings.Trim(shapeString(in.Out), "[]"))}
	}
	if o.Steps > 0 {
		if o.Steps > steps {
			return nil, &Error{File: d.m.File, Msg: fmt.Sprintf("steps %d: inputs %s has only %d", o.Steps, o.Inputs, steps)}
		}
		steps = o.Steps
	}
	if o.Batch > 0 && o.Batch != batch {
		if len(shape) == 2+len(in.Out) {
			return nil, &Error{File: d.m.File, Msg: fmt.Sprintf("batch %d: inputs %s has %d trials", o.Batch, o.Inputs, batch)}
		}
		batch = o.Batch
	}
	dt := o.Dt
	d.f = &netfile.File{
		Path:    "",
		Run:     netfile.Run{Dt: &dt, Steps: &steps, Batch: &batch, Seed: o.Seed, DType: o.DType},
		Sources: []netfile.Source{{Name: name(in), Array: &netfile.ArraySource{File: o.Inputs, Shape: in.Out}}},
	}
	return d.finish(in)
}

// finish describes the graph's nodes and outputs after its input source.
func (d *describer) finish(in *Node) (*netfile.File, error) {
	o := d.o
	d.pop[in] = name(in)

	// Flatten only reshapes: its output is its input's.
	through := func(n *Node) *Node {
		for n.Type == "Flatten" {
			e := d.flat.Into(n)
			if len(e) != 1 {
				return n
			}
			n = e[0].From
		}
		return n
	}
	d.recorded = map[*Node]bool{}
	for _, item := range o.Record {
		node, _, _ := strings.Cut(item, ":")
		n := d.find(node)
		if n == nil {
			return nil, &Error{File: d.m.File, Msg: fmt.Sprintf("record %q: no node %q (nodes: %s)", item, node, d.nodeList())}
		}
		d.recorded[n] = true
	}
	folded := d.folded
	for _, n := range d.flat.Nodes {
		switch {
		case n.Type == "Flatten":
		case isNeuron(n.Type):
			p, err := d.population(n)
			if err != nil {
				return nil, err
			}
			d.f.Populations = append(d.f.Populations, p)
			d.pop[n] = p.Name
		case folded(n):
		default:
			if err := d.supported(n); err != nil {
				return nil, err
			}
			d.f.Populations = append(d.f.Populations, netfile.Population{Name: name(n), Kind: "pass", Size: size(n.Out)})
			d.pop[n] = name(n)
		}
	}
	// Projections: into each population, from each of its node's sources.
	d.biased = map[*Node]bool{}
	for _, n := range d.flat.Nodes {
		target, ok := d.pop[n]
		if !ok || n.Type == "Input" {
			continue
		}
		for _, e := range d.flat.Into(n) {
			src := through(e.From)
			if isNeuron(n.Type) && folded(src) {
				// The linear node is the projection: from its source.
				inner := d.flat.Into(src)[0]
				if err := d.project(src, through(inner.From), target, e.Delayed || inner.Delayed); err != nil {
					return nil, err
				}
				continue
			}
			if isNeuron(n.Type) || n.Type == "Flatten" {
				if err := d.identity(src, target, n); err != nil {
					return nil, err
				}
				continue
			}
			// A pass population: its own op from its source.
			if err := d.project(n, src, target, e.Delayed); err != nil {
				return nil, err
			}
		}
	}
	for _, out := range d.flat.Outputs {
		into := d.flat.Into(out)
		if len(into) != 1 {
			return nil, d.fail(out, "an Output fed by %d edges; leaky records one source per Output", len(into))
		}
		src := through(into[0].From)
		pop, ok := d.pop[src]
		if !ok || src.Type == "Input" {
			return nil, d.fail(out, "an Output fed straight by the Input records nothing leaky computes")
		}
		v := "v"
		if src.Type == "LIF" || src.Type == "CubaLIF" || src.Type == "IF" || src.Type == "Threshold" {
			v = "s"
		}
		d.f.Recorders = append(d.f.Recorders, netfile.Recorder{Population: pop, Vars: []string{v}, File: "out_" + name(out) + ".npy"})
	}
	for _, item := range o.Record {
		node, vars, _ := strings.Cut(item, ":")
		n := d.find(node)
		pop, ok := d.pop[n]
		if !ok {
			return nil, &Error{File: d.m.File, Node: n.Path, Msg: fmt.Sprintf("record %q: an %s node has no state to record", item, n.Type)}
		}
		if vars == "" {
			vars = "spikes"
		}
		d.f.Recorders = append(d.f.Recorders, netfile.Recorder{Population: pop, Vars: strings.Split(vars, ",")})
	}
	if err := d.f.Check(); err != nil {
		return nil, d.inTermsOfNodes(err)
	}
	return d.f, nil
}

// inTermsOfNodes restates a description check's error about a population
// or projection as one about the node it stands for.
func (d *describer) inTermsOfNodes(err error) error {
	var ne *netfile.Error
	if !errors.As(err, &ne) {
		return err
	}
	var list string
	var i int
	if _, e := fmt.Sscanf(ne.Key, "populations[%d]", &i); e == nil && i < len(d.f.Populations) {
		list = d.f.Populations[i].Name
	} else if _, e := fmt.Sscanf(ne.Key, "projections[%d]", &i); e == nil && i < len(d.f.Projections) {
		list = d.f.Projections[i].Name
	} else {
		return err
	}
	field := ne.Key[strings.Index(ne.Key, "]")+1:]
	field = strings.TrimPrefix(strings.TrimPrefix(field, "."), "params.")
	msg := ne.Msg
	if field != "" {
		msg = field + ": " + msg
	}
	return &Error{File: d.m.File, Node: list, Msg: msg + " (as leaky runs it; see --print-net)"}
}

func (d *describer) find(path string) *Node {
	for _, n := range d.flat.Nodes {
		if n.Path == path || name(n) == path {
			return n
		}
	}
	return nil
}

func (d *describer) nodeList() string {
	var s []string
	for _, n := range d.flat.Nodes {
		s = append(s, n.Path)
	}
	return strings.Join(s, ", ")
}

// supported refuses the linear node types leaky does not run yet.
func (d *describer) supported(n *Node) error {
	switch n.Type {
	case "Affine", "Linear", "Conv1d", "Conv2d", "SumPool2d", "AvgPool2d", "Scale", "Delay":
		return nil
	}
	return d.fail(n, "%s nodes are not run by leaky yet", n.Type)
}

// dataset is the object path of a node's parameter in the NIR file.
func dataset(n *Node, param string) string {
	parts := strings.Split(n.Path, "/")
	return "/node/nodes/" + strings.Join(parts, "/nodes/") + "/" + param
}

// project adds the projection that node n (an Affine, Linear, Conv or
// pooling) computes, from the population standing for src onto target.
func (d *describer) project(n, src *Node, target string, delayed bool) error {
	if err := d.supported(n); err != nil {
		return err
	}
	from, ok := d.pop[src]
	if !ok {
		return d.fail(n, "its source %s is not one leaky runs", src.Path)
	}
	p := netfile.Projection{Name: name(n), Source: from, Target: target}
	file := d.m.File
	// Under lava a layer's output, bias included, arrives one step later,
	// as Lava's Dense delivers it; an edge that closes a cycle carries
	// the previous step's already.
	layerDelay := semanticsOf[d.o.Rule].layerDelay && !delayed
	switch n.Type {
	case "Affine", "Linear":
		p.Type = "dense"
		p.Weight = &netfile.Weight{File: file, Dataset: dataset(n, "weight"), Transpose: true}
		if layerDelay {
			p.Delay = 1
		}
		if n.Type == "Affine" && !d.biased[n] {
			d.biased[n] = true
			p.Bias = &netfile.Weight{File: file, Dataset: dataset(n, "bias")}
			// NIRTorch feeds a recurrent layer's not yet computed output,
			// bias included, as 0 at the first step; snnTorch's recurrent
			// layers add the bias at once.
			if delayed && d.o.Rule != "snntorch" || layerDelay {
				p.BiasFrom = 1
			}
		}
	case "Conv2d", "Conv1d":
		if layerDelay {
			return d.fail(n, "a %s under --semantics lava: Lava delivers each layer's output one step later, and leaky delays dense and identity projections only", n.Type)
		}
		c := n.Params
		p.Type = strings.ToLower(n.Type)
		p.Weight = &netfile.Weight{File: file, Dataset: dataset(n, "weight")}
		if !d.biased[n] {
			d.biased[n] = true
			p.Bias = &netfile.Weight{File: file, Dataset: dataset(n, "bias")}
		}
		stride, _ := ints(c["stride"])
		pad, _ := ints(c["padding"])
		dil, _ := ints(c["dilation"])
		groups, _ := ints(c["groups"])
		p.InShape = slices.Clone(n.In)
		p.Stride, p.Padding, p.Dilation, p.Groups = stride, pad, dil, groups[0]
	case "Scale":
		p.Type = "identity"
		p.Weight = &netfile.Weight{File: file, Dataset: dataset(n, "scale")}
	case "Delay":
		v, err := d.uniform(n, "delay")
		if err != nil {
			return err
		}
		steps := v / d.o.Dt
		if steps < 0 || math.Abs(steps-math.Round(steps)) > 1e-6*math.Max(1, steps) {
			return d.fail(n, "a delay of %v s is not a whole number of steps of %v s", v, d.o.Dt)
		}
		p.Type, p.Delay = "identity", int(math.Round(steps))
	case "SumPool2d", "AvgPool2d":
		if layerDelay {
			return d.fail(n, "a %s under --semantics lava: Lava delivers each layer's output one step later, and leaky delays dense and identity projections only", n.Type)
		}
		c := n.Params
		p.Type = map[string]string{"SumPool2d": "sum_pool2d", "AvgPool2d": "avg_pool2d"}[n.Type]
		k, _ := ints(c["kernel_size"])
		stride, _ := ints(c["stride"])
		pad, _ := ints(c["padding"])
		p.InShape, p.Kernel, p.Stride, p.Padding = slices.Clone(n.In), k, stride, pad
		if len(p.Kernel) == 1 {
			p.Kernel = append(p.Kernel, p.Kernel[0])
		}
	}
	d.f.Projections = append(d.f.Projections, p)
	return nil
}

// identity adds an edge with no weights from the population standing for
// src onto target (the population of node n).
func (d *describer) identity(src *Node, target string, n *Node) error {
	from, ok := d.pop[src]
	if !ok {
		return d.fail(n, "its source %s is not one leaky runs", src.Path)
	}
	d.f.Projections = append(d.f.Projections, netfile.Projection{Name: from + "->" + target, Source: from, Target: target, Type: "identity"})
	return nil
}

// uniform is a parameter's one value, for the nodes that take one per
// edge (Delay).
func (d *describer) uniform(n *Node, param string) (float64, error) {
	a := n.Params[param]
	v, ok := a.Uniform()
	if !ok {
		return 0, d.fail(n, "%s differs between neurons; leaky delays a whole edge by one number of steps", param)
	}
	return v, nil
}
