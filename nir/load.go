package nir

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Store is what the loader reads of an HDF5 file, by absolute object path
// (/node/nodes/fc1/weight). The hdf5 package provides it; tests can fake
// one.
type Store interface {
	// Members lists a group's members; IsGroup tells a group from a
	// dataset; Exists whether the path names either.
	Members(p string) ([]string, error)
	IsGroup(p string) (bool, error)
	Exists(p string) bool
	// Strings reads a string dataset (a scalar gives one string) and its
	// shape; Floats a numeric one as float64.
	Strings(p string) ([]string, []int, error)
	Floats(p string) ([]float64, []int, error)
}

// maxDepth bounds nested graphs, so a hostile file cannot recurse without
// end.
const maxDepth = 64

// Read loads and checks the NIR graph in s, read from file (named in
// errors).
func Read(file string, s Store) (*Model, error) {
	m := &Model{File: file}
	if s.Exists("/version") {
		v, _, err := s.Strings("/version")
		if err != nil || len(v) != 1 {
			return nil, &Error{File: file, Msg: fmt.Sprintf("/version is not one string (%v)", err)}
		}
		m.Version = v[0]
	}
	if !s.Exists("/node") {
		return nil, &Error{File: file, Msg: "no /node group: not a NIR graph file"}
	}
	g, err := readGraph(file, s, "/node", "", 0)
	if err != nil {
		return nil, err
	}
	m.Graph = g
	if err := m.check(); err != nil {
		return nil, err
	}
	return m, nil
}

func readGraph(file string, s Store, at, nodePath string, depth int) (*Graph, error) {
	fail := func(format string, args ...any) error {
		return &Error{File: file, Node: nodePath, Msg: fmt.Sprintf(format, args...)}
	}
	if depth > maxDepth {
		return nil, fail("graphs nested more than %d deep", maxDepth)
	}
	if t, err := typeOf(s, at); err != nil {
		return nil, fail("%v", err)
	} else if t != "NIRGraph" {
		return nil, fail("type is %q where a NIRGraph is expected", t)
	}
	g := &Graph{Path: nodePath}
	names, err := s.Members(at + "/nodes")
	if err != nil {
		return nil, fail("reading its nodes: %v", err)
	}
	for _, name := range names {
		p := name
		if nodePath != "" {
			p = nodePath + "/" + name
		}
		n, err := readNode(file, s, at+"/nodes/"+name, name, p, depth)
		if err != nil {
			return nil, err
		}
		g.Nodes = append(g.Nodes, n)
	}
	if s.Exists(at + "/edges") {
		e, shape, err := s.Strings(at + "/edges")
		if err != nil {
			return nil, fail("edges: %v", err)
		}
		if len(e) > 0 && (len(shape) != 2 || shape[1] != 2) {
			return nil, fail("edges has shape %s; want (E, 2) of [source, target]", shapeString(shape))
		}
		for i := 0; i+1 < len(e); i += 2 {
			g.Edges = append(g.Edges, [2]string{e[i], e[i+1]})
		}
	}
	return g, nil
}

func typeOf(s Store, at string) (string, error) {
	if !s.Exists(at + "/type") {
		return "", fmt.Errorf("no type")
	}
	t, _, err := s.Strings(at + "/type")
	if err != nil {
		return "", fmt.Errorf("type: %v", err)
	}
	if len(t) != 1 {
		return "", fmt.Errorf("type is %d strings, want one", len(t))
	}
	return t[0], nil
}

func readNode(file string, s Store, at, name, nodePath string, depth int) (*Node, error) {
	fail := func(format string, args ...any) error {
		return &Error{File: file, Node: nodePath, Msg: fmt.Sprintf(format, args...)}
	}
	group, err := s.IsGroup(at)
	if err != nil || !group {
		return nil, fail("is not a group (%v)", err)
	}
	t, err := typeOf(s, at)
	if err != nil {
		return nil, fail("%v", err)
	}
	n := &Node{Name: name, Path: nodePath, Type: t, Params: map[string]Array{}}
	if t == "NIRGraph" {
		if n.Graph, err = readGraph(file, s, at, nodePath, depth+1); err != nil {
			return nil, err
		}
		return n, nil
	}
	spec, ok := nodeTypes[t]
	if !ok {
		return nil, fail("type %q is not one leaky runs (it runs %s)", t, strings.Join(Types(), ", "))
	}
	members, err := s.Members(at)
	if err != nil {
		return nil, fail("%v", err)
	}
	for _, p := range spec {
		key := p.name
		if t == "Input" && key == "shape" && !slices.Contains(members, "shape") && slices.Contains(members, "input_type") {
			key = "input_type"
		}
		if !slices.Contains(members, key) {
			if math.IsNaN(p.def) {
				return nil, fail("%s %s lacks its parameter %s", t, name, p.name)
			}
			n.Params[p.name] = Array{Data: []float64{p.def}}
			continue
		}
		data, shape, err := s.Floats(at + "/" + key)
		if err != nil && p.name == "padding" && strings.HasPrefix(t, "Conv") {
			// PyTorch's and NIR's padding="same" or "valid".
			if w, _, serr := s.Strings(at + "/" + key); serr == nil && len(w) == 1 {
				n.padding = w[0]
				continue
			}
		}
		if err != nil {
			return nil, fail("%s: %v", p.name, err)
		}
		for i, v := range data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fail("%s[%d] is %v; parameters must be finite", p.name, i, v)
			}
		}
		n.Params[p.name] = Array{Data: data, Shape: shape}
	}
	if _, ok := n.Params["input_shape"]; !ok && slices.Contains(members, "input_shape") {
		data, shape, err := s.Floats(at + "/input_shape")
		if err != nil {
			return nil, fail("input_shape: %v", err)
		}
		n.Params["input_shape"] = Array{Data: data, Shape: shape}
	}
	if t == "Flatten" && slices.Contains(members, "input_type") {
		data, shape, err := s.Floats(at + "/input_type")
		if err != nil {
			return nil, fail("input_type: %v", err)
		}
		n.Params["input_type"] = Array{Data: data, Shape: shape}
	}
	return n, nil
}
