package nir

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Array is a parameter: values in C order and their shape (empty for a
// scalar).
type Array struct {
	Data  []float64
	Shape []int
}

// Len is the number of values.
func (a Array) Len() int { return len(a.Data) }

// At returns value i, broadcasting a single value to any index.
func (a Array) At(i int) float64 {
	if len(a.Data) == 1 {
		return a.Data[0]
	}
	return a.Data[i]
}

// Uniform reports whether every value is the same, and that value.
func (a Array) Uniform() (float64, bool) {
	if len(a.Data) == 0 {
		return 0, false
	}
	for _, v := range a.Data[1:] {
		if v != a.Data[0] {
			return 0, false
		}
	}
	return a.Data[0], true
}

// Node is one node of a graph.
type Node struct {
	// Name is the node's key in its graph; Path names it from the top
	// graph, outer/inner/name.
	Name, Path string
	// Type is the NIR type: Input, LIF, Affine, NIRGraph, …
	Type string
	// Params are the node's datasets by name.
	Params map[string]Array
	// Graph is set for a nested NIRGraph.
	Graph *Graph
	// In and Out are the shapes the node takes and gives, as checked.
	In, Out []int
	// padding is a convolution's padding given as a word, "same" or
	// "valid", until check turns it into numbers.
	padding string
}

// Graph is a NIRGraph: nodes and the edges between them.
type Graph struct {
	// Path is the graph's node path ("" for the top graph).
	Path string
	// Nodes in name order, and edges [source, target] as in the file.
	Nodes []*Node
	Edges [][2]string
}

// Node returns the node called name, or nil.
func (g *Graph) Node(name string) *Node {
	for _, n := range g.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Model is a loaded NIR file.
type Model struct {
	// File is the path read; Version the file's /version ("" when absent).
	File, Version string
	// Graph is the top graph.
	Graph *Graph
}

// Error is a problem with a NIR file, at a node path.
type Error struct {
	File, Node, Msg string
}

func (e *Error) Error() string {
	if e.Node == "" {
		return e.File + ": " + e.Msg
	}
	return e.File + ": node " + e.Node + ": " + e.Msg
}

// param describes one parameter of a node type.
type param struct {
	name string
	// def is NIR's default for parameters older files lack; NaN: required.
	def float64
	// neuron marks a per-neuron parameter, whose shape is the node's and
	// which may be given as one value for all.
	neuron bool
}

var required = math.NaN()

// nodeTypes lists the parameters of every node type leaky reads.
var nodeTypes = map[string][]param{
	"Input":     {{name: "shape", def: required}},
	"Output":    {{name: "shape", def: required}},
	"Affine":    {{name: "weight", def: required}, {name: "bias", def: required}},
	"Linear":    {{name: "weight", def: required}},
	"Scale":     {{name: "scale", def: required, neuron: true}},
	"Threshold": {{name: "threshold", def: required, neuron: true}},
	"LI":        {{name: "tau", def: required, neuron: true}, {name: "r", def: required, neuron: true}, {name: "v_leak", def: required, neuron: true}},
	"LIF": {{name: "tau", def: required, neuron: true}, {name: "r", def: required, neuron: true}, {name: "v_leak", def: required, neuron: true},
		{name: "v_threshold", def: required, neuron: true}, {name: "v_reset", def: 0, neuron: true}},
	"CubaLI": {{name: "tau_syn", def: required, neuron: true}, {name: "tau_mem", def: required, neuron: true}, {name: "r", def: required, neuron: true},
		{name: "v_leak", def: required, neuron: true}, {name: "w_in", def: 1, neuron: true}},
	"CubaLIF": {{name: "tau_syn", def: required, neuron: true}, {name: "tau_mem", def: required, neuron: true}, {name: "r", def: required, neuron: true},
		{name: "v_leak", def: required, neuron: true}, {name: "v_threshold", def: required, neuron: true}, {name: "w_in", def: 1, neuron: true}, {name: "v_reset", def: 0, neuron: true}},
	"IF":      {{name: "r", def: required, neuron: true}, {name: "v_threshold", def: required, neuron: true}, {name: "v_reset", def: 0, neuron: true}},
	"I":       {{name: "r", def: required, neuron: true}},
	"Delay":   {{name: "delay", def: required, neuron: true}},
	"Flatten": {{name: "start_dim", def: 0}, {name: "end_dim", def: -1}},
	"Conv1d": {{name: "weight", def: required}, {name: "bias", def: required}, {name: "stride", def: 1}, {name: "padding", def: 0},
		{name: "dilation", def: 1}, {name: "groups", def: 1}},
	"Conv2d": {{name: "weight", def: required}, {name: "bias", def: required}, {name: "stride", def: 1}, {name: "padding", def: 0},
		{name: "dilation", def: 1}, {name: "groups", def: 1}},
	"SumPool2d": {{name: "kernel_size", def: required}, {name: "stride", def: required}, {name: "padding", def: 0}},
	"AvgPool2d": {{name: "kernel_size", def: required}, {name: "stride", def: required}, {name: "padding", def: 0}},
}

// Types lists the node types leaky reads, sorted.
func Types() []string {
	out := []string{"NIRGraph"}
	for t := range nodeTypes {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func shapeString(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ints converts a parameter of whole numbers.
func ints(a Array) ([]int, bool) {
	out := make([]int, len(a.Data))
	for i, v := range a.Data {
		if v != math.Trunc(v) || math.Abs(v) > 1<<31 {
			return nil, false
		}
		out[i] = int(v)
	}
	return out, true
}

// pair reads a parameter of one or two whole numbers as two (height,
// width), as Conv2d and the pools take them.
func pair(a Array) ([2]int, bool) {
	v, ok := ints(a)
	switch {
	case !ok:
	case len(v) == 1:
		return [2]int{v[0], v[0]}, true
	case len(v) == 2:
		return [2]int{v[0], v[1]}, true
	}
	return [2]int{}, false
}

// sortedNames returns the names of g's nodes as loaded.
func sortedNames(g *Graph) []string {
	names := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		names[i] = n.Name
	}
	slices.Sort(names)
	return names
}
