package nir

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Flat is a graph with its nested graphs inlined: every node that computes
// (not Input, Output or NIRGraph) with the edges between them, in an order
// in which each node comes after the sources of its forward edges.
type Flat struct {
	// Inputs and Outputs are the top graph's, by name.
	Inputs, Outputs []*Node
	// Nodes are the computing nodes in order.
	Nodes []*Node
	// Edges connect node paths (an Input's or Output's too); Delayed marks
	// the edges that close a cycle and so carry the previous step's value.
	Edges []FlatEdge
}

// FlatEdge is one edge of a flat graph.
type FlatEdge struct {
	From, To *Node
	Delayed  bool
}

// Flatten inlines nested graphs and orders the nodes. A nested graph's
// Input stands for the edges into the graph node and its Output for the
// edges out of it.
func (m *Model) Flatten() (*Flat, error) {
	f := &Flat{}
	var edges [][2]*Node
	// ends maps a nested graph node to the inner nodes its Input feeds
	// and the inner nodes that feed its Output.
	type ends struct{ in, out []*Node }
	graphs := map[*Node]ends{}
	var walk func(g *Graph, top bool) error
	walk = func(g *Graph, top bool) error {
		for _, n := range g.Nodes {
			switch {
			case n.Graph != nil:
				if err := walk(n.Graph, false); err != nil {
					return err
				}
				var e ends
				for _, ed := range n.Graph.Edges {
					src, dst := n.Graph.Node(ed[0]), n.Graph.Node(ed[1])
					if src.Type == "Input" {
						e.in = append(e.in, dst)
					}
					if dst.Type == "Output" {
						e.out = append(e.out, src)
					}
				}
				graphs[n] = e
			case n.Type == "Input" && top:
				f.Inputs = append(f.Inputs, n)
			case n.Type == "Output" && top:
				f.Outputs = append(f.Outputs, n)
			case n.Type != "Input" && n.Type != "Output":
				f.Nodes = append(f.Nodes, n)
			}
		}
		for _, ed := range g.Edges {
			src, dst := g.Node(ed[0]), g.Node(ed[1])
			if !top && (src.Type == "Input" || dst.Type == "Output") {
				continue // stands for the outer edges
			}
			edges = append(edges, [2]*Node{src, dst})
		}
		return nil
	}
	if err := walk(m.Graph, true); err != nil {
		return nil, err
	}
	// Replace edges to and from nested graph nodes by edges to their
	// inner ends, until none is left (graphs nest).
	for changed := true; changed; {
		changed = false
		var next [][2]*Node
		for _, e := range edges {
			switch {
			case e[1].Graph != nil:
				for _, in := range graphs[e[1]].in {
					next = append(next, [2]*Node{e[0], in})
				}
				changed = true
			case e[0].Graph != nil:
				for _, out := range graphs[e[0]].out {
					next = append(next, [2]*Node{out, e[1]})
				}
				changed = true
			default:
				next = append(next, e)
			}
		}
		edges = next
	}
	// Order by depth-first search from the inputs, following edges in
	// file order; an edge to a node still on the stack closes a cycle.
	state := map[*Node]int{} // 0 unseen, 1 on the stack, 2 done
	delayed := map[int]bool{}
	var order []*Node
	var visit func(n *Node)
	visit = func(n *Node) {
		state[n] = 1
		for i, e := range edges {
			if e[0] != n {
				continue
			}
			switch state[e[1]] {
			case 0:
				visit(e[1])
			case 1:
				delayed[i] = true
			}
		}
		state[n] = 2
		order = append(order, n)
	}
	for _, in := range f.Inputs {
		visit(in)
	}
	for _, n := range f.Nodes {
		if state[n] == 0 {
			return nil, &Error{File: m.File, Node: n.Path, Msg: "no path from an Input reaches it"}
		}
	}
	slices.Reverse(order)
	f.Nodes = f.Nodes[:0]
	for _, n := range order {
		if n.Type != "Input" && n.Type != "Output" {
			f.Nodes = append(f.Nodes, n)
		}
	}
	for i, e := range edges {
		f.Edges = append(f.Edges, FlatEdge{From: e[0], To: e[1], Delayed: delayed[i]})
	}
	return f, nil
}

// Into lists the edges into n.
func (f *Flat) Into(n *Node) []FlatEdge {
	var out []FlatEdge
	for _, e := range f.Edges {
		if e.To == n {
			out = append(out, e)
		}
	}
	return out
}

// Describe prints the model: version, nodes with types, shapes and
// parameters in brief, and edges, the delayed ones marked.
func (m *Model) Describe(w io.Writer) error {
	f, err := m.Flatten()
	if err != nil {
		return err
	}
	version := m.Version
	if version == "" {
		version = "(none; before 0.2)"
	}
	fmt.Fprintf(w, "file     %s\nversion  %s\n\nnodes\n", m.File, version)
	var list func(g *Graph, indent string)
	list = func(g *Graph, indent string) {
		for _, n := range g.Nodes {
			fmt.Fprintf(w, "  %s%-16s %-10s %s → %s  %s\n", indent, n.Name, n.Type, shapeString(n.In), shapeString(n.Out), brief(n))
			if n.Graph != nil {
				list(n.Graph, indent+"  ")
			}
		}
	}
	list(m.Graph, "")
	fmt.Fprintln(w, "\nedges (after inlining nested graphs; ↺ closes a cycle and carries the previous step's value)")
	for _, e := range f.Edges {
		mark := ""
		if e.Delayed {
			mark = "  ↺"
		}
		fmt.Fprintf(w, "  %s → %s%s\n", e.From.Path, e.To.Path, mark)
	}
	runs, err := m.RunsAs()
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nleaky runs it as")
	for _, r := range runs {
		fmt.Fprintln(w, "  "+r)
	}
	return nil
}

// brief summarises a node's parameters: each as one value when uniform,
// else its shape and range.
func brief(n *Node) string {
	var parts []string
	for _, p := range nodeTypes[n.Type] {
		a, ok := n.Params[p.name]
		if !ok || p.name == "shape" {
			continue
		}
		if v, ok := a.Uniform(); ok {
			parts = append(parts, fmt.Sprintf("%s=%.4g", p.name, v))
			continue
		}
		lo, hi := a.Data[0], a.Data[0]
		for _, v := range a.Data {
			lo, hi = min(lo, v), max(hi, v)
		}
		parts = append(parts, fmt.Sprintf("%s%s∈[%.3g, %.3g]", p.name, shapeString(a.Shape), lo, hi))
	}
	return strings.Join(parts, " ")
}
