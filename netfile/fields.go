package netfile

import (
	"fmt"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Field is one value of a description at its key path, such as
// populations[0].params.tau_mem, written as Marshal writes it.
type Field struct {
	Key, Value string
}

// Fields lists every value of the description by key path, in the order
// Marshal writes them, so two descriptions can be compared value by value
// and a difference named by its key.
func (f *File) Fields() ([]Field, error) {
	var root yaml.Node
	if err := root.Encode(f); err != nil {
		return nil, err
	}
	var out []Field
	var walk func(n *yaml.Node, key string)
	walk = func(n *yaml.Node, key string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i].Value
				if key != "" {
					k = key + "." + k
				}
				walk(n.Content[i+1], k)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", key, i))
			}
		default:
			out = append(out, Field{Key: key, Value: n.Value})
		}
	}
	walk(&root, "")
	return out, nil
}

// Resolved returns a copy of f whose .npy paths are absolute, resolved
// against the network file's directory, so the description means the same
// files wherever it is read from (a checkpoint keeps one).
func (f *File) Resolved() (*File, error) {
	b, err := f.Marshal()
	if err != nil {
		return nil, err
	}
	c := &File{}
	if err := yaml.Unmarshal(b, c); err != nil {
		return nil, err
	}
	c.Path = f.Path
	abs := func(p *string) error {
		if *p == "" {
			return nil
		}
		a, err := filepath.Abs(f.resolve(*p))
		*p = a
		return err
	}
	for i := range c.Sources {
		if a := c.Sources[i].Array; a != nil {
			if err := abs(&a.File); err != nil {
				return nil, err
			}
		}
	}
	for i := range c.Populations {
		for _, q := range c.Populations[i].Params.params() {
			if q.p != nil {
				if err := abs(&q.p.File); err != nil {
					return nil, err
				}
			}
		}
	}
	for i := range c.Projections {
		p := &c.Projections[i]
		for _, w := range []*Weight{p.Weight, p.Bias} {
			if w != nil {
				if err := abs(&w.File); err != nil {
					return nil, err
				}
			}
		}
		if s := p.Synapses; s != nil {
			for _, q := range []*string{&s.Pre, &s.Post, &s.Weight, &s.Delay} {
				if err := abs(q); err != nil {
					return nil, err
				}
			}
		}
	}
	return c, nil
}
