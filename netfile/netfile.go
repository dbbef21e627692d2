// Package netfile reads network descriptions — populations, sources,
// projections, recorders and run settings — from YAML or JSON files (JSON is
// valid YAML) and builds engine networks from them. The format is
// documented in the README ("Network files"); examples/ holds complete
// files.
//
// Every error names the file, the key path of the offending value (e.g.
// projections[2].target) and the problem. Unknown keys are errors, so a
// misspelt key never silently falls back to a default.
package netfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is a parsed network file. Defaults are filled in by Load.
type File struct {
	// Path is the file read; relative .npy paths are taken from its
	// directory.
	Path string `yaml:"-"`
	// Run holds the run settings.
	Run Run `yaml:"run"`
	// Populations, Sources, Projections and Recorders are the network's
	// parts, in the order they are built and stepped.
	Populations []Population `yaml:"populations"`
	Sources     []Source     `yaml:"sources"`
	Projections []Projection `yaml:"projections"`
	Recorders   []Recorder   `yaml:"recorders"`
}

// Run holds the run settings.
type Run struct {
	// Dt is the time step in seconds (required).
	Dt *float64 `yaml:"dt"`
	// Steps is the number of steps to run (required).
	Steps *int `yaml:"steps"`
	// Batch is the number of independent trials (default 1).
	Batch *int `yaml:"batch"`
	// Seed keys every random draw (default 0).
	Seed uint64 `yaml:"seed"`
	// DType is float32 (default) or float64.
	DType string `yaml:"dtype"`
}

// Population describes one population.
type Population struct {
	// Name identifies it (required, unique among populations and sources).
	Name string `yaml:"name"`
	// Kind is lif (default) or li.
	Kind string `yaml:"kind"`
	// Size is the number of neurons per trial (required).
	Size int `yaml:"size"`
	// Params are the neuron parameters.
	Params Params `yaml:"params"`
	// Init sets the initial state.
	Init *Init `yaml:"init"`
}

// Params are a population's neuron parameters; see engine.NeuronParams for
// the equations.
type Params struct {
	// TauMem is the membrane time constant in seconds (required).
	TauMem *float64 `yaml:"tau_mem"`
	// TauSyn gives a single receptor, named "syn", its time constant;
	// Receptors gives several. Exactly one of them is required.
	TauSyn    *float64   `yaml:"tau_syn"`
	Receptors []Receptor `yaml:"receptors"`
	// R is the input gain (default 1); InputScale is unit (default: r per
	// step, the seed's form) or leak (r·(1−β), NIR's r).
	R          *float64 `yaml:"r"`
	InputScale string   `yaml:"input_scale"`
	// VLeak is the resting potential (default 0).
	VLeak float64 `yaml:"v_leak"`
	// VThreshold is θ (default 1).
	VThreshold *float64 `yaml:"v_threshold"`
	// Reset is subtract (default: V −= θ − v_reset) or value (V = v_reset).
	Reset string `yaml:"reset"`
	// VReset defaults to θ − 1 for subtract (the seed: subtract 1) and 0
	// for value.
	VReset *float64 `yaml:"v_reset"`
	// Refractory is the absolute refractory period in seconds, a whole
	// number of steps (default 0).
	Refractory float64 `yaml:"refractory"`
}

// Receptor is one synaptic input current of a population.
type Receptor struct {
	// Name identifies it for projections (required).
	Name string `yaml:"name"`
	// TauSyn is its time constant in seconds (required).
	TauSyn *float64 `yaml:"tau_syn"`
}

// Init sets a population's initial state.
type Init struct {
	// V is the distribution of the initial membrane potential.
	V *Dist `yaml:"v"`
}

// Source describes an external input: exactly one of Poisson and Array.
type Source struct {
	// Name identifies it (required).
	Name string `yaml:"name"`
	// Poisson is a Poisson spike source.
	Poisson *Poisson `yaml:"poisson"`
	// Array replays a .npy file of shape (steps, batch, size) or (steps,
	// size) for every trial.
	Array *ArraySource `yaml:"array"`
}

// Poisson describes a Poisson spike source.
type Poisson struct {
	// Size is the number of inputs (required); Rate their rate in Hz.
	Size int     `yaml:"size"`
	Rate float64 `yaml:"rate"`
}

// ArraySource names a .npy file of inputs.
type ArraySource struct {
	// File is the .npy path (required).
	File string `yaml:"file"`
}

// Projection describes a connection from a source or population to a
// population.
type Projection struct {
	// Name identifies it (default "SOURCE->TARGET").
	Name string `yaml:"name"`
	// Source and Target name its ends (required).
	Source string `yaml:"source"`
	Target string `yaml:"target"`
	// Type is dense or sparse (required).
	Type string `yaml:"type"`
	// Receptor names the target receptor (default: the first).
	Receptor string `yaml:"receptor"`
	// P is the connection probability of a random sparse projection.
	P *float64 `yaml:"p"`
	// Autapses allows i→i synapses when source and target are the same
	// population (default true, as in Brian2).
	Autapses *bool `yaml:"autapses"`
	// Synapses gives a sparse projection's synapses explicitly.
	Synapses *SynapseFiles `yaml:"synapses"`
	// Weight is the weight distribution, "default" (Normal(0,
	// 7(1−β)/√n_in), the seed's) or a .npy file (dense: n_in × n_out).
	Weight *Weight `yaml:"weight"`
	// Sign is excitatory (|w|), inhibitory (−|w|) or absent (as given).
	Sign string `yaml:"sign"`
	// Delay is the synaptic delay in steps (default 0).
	Delay int `yaml:"delay"`
}

// SynapseFiles names the .npy files of an explicit sparse projection: 1-D
// arrays of equal length, synapse k connecting Pre[k] to Post[k].
type SynapseFiles struct {
	Pre    string `yaml:"pre"`
	Post   string `yaml:"post"`
	Weight string `yaml:"weight"`
	// Delay is optional: per-synapse delays in steps.
	Delay string `yaml:"delay"`
}

// Recorder describes what to record from a population.
type Recorder struct {
	// Population names the population (required).
	Population string `yaml:"population"`
	// Vars lists spikes, v, isyn and iinp (required, at least one).
	Vars []string `yaml:"vars"`
	// Neurons lists the neurons whose state is recorded (default all).
	Neurons []int `yaml:"neurons"`
}

// Dist is a distribution written as a number (a constant), {uniform: [lo,
// hi]} or {normal: [mean, std]}.
type Dist struct {
	// Kind is const, uniform or normal; A and B its parameters.
	Kind string
	A, B float64
	line int
}

// UnmarshalYAML reads the three forms of a distribution.
func (d *Dist) UnmarshalYAML(n *yaml.Node) error {
	d.line = n.Line
	if n.Kind == yaml.ScalarNode {
		v, err := strconv.ParseFloat(n.Value, 64)
		if err != nil {
			return fmt.Errorf("line %d: want a number, {uniform: [lo, hi]} or {normal: [mean, std]}, got %q", n.Line, n.Value)
		}
		d.Kind, d.A = "const", v
		return nil
	}
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return fmt.Errorf("line %d: want a number, {uniform: [lo, hi]} or {normal: [mean, std]}", n.Line)
	}
	key, val := n.Content[0].Value, n.Content[1]
	if key != "uniform" && key != "normal" {
		return fmt.Errorf("line %d: unknown distribution %q (want uniform or normal)", n.Content[0].Line, key)
	}
	var ab []float64
	if err := val.Decode(&ab); err != nil || len(ab) != 2 {
		return fmt.Errorf("line %d: %s wants a list of two numbers", val.Line, key)
	}
	d.Kind, d.A, d.B = key, ab[0], ab[1]
	return nil
}

// Weight is a Dist, the word "default" or {file: W.npy}.
type Weight struct {
	// Dist is set unless Default or File is.
	Dist Dist
	// Default selects the seed's Normal(0, 7(1−β)/√n_in).
	Default bool
	// File names a .npy file of weights.
	File string
}

// UnmarshalYAML reads the forms of a weight.
func (w *Weight) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value == "default" {
		w.Default = true
		return nil
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "file" {
		if n.Content[1].Kind != yaml.ScalarNode || n.Content[1].Value == "" {
			return fmt.Errorf("line %d: file wants a .npy path", n.Content[1].Line)
		}
		w.File = n.Content[1].Value
		return nil
	}
	return w.Dist.UnmarshalYAML(n)
}

// Load reads and checks the network file at path.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read network file %s: %w", path, unwrapPath(err))
	}
	return Parse(path, data)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Parse decodes and checks a network file's contents; path is used in
// errors and to resolve relative .npy paths.
func Parse(path string, data []byte) (*File, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: the file is empty", path)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	f := &File{Path: path}
	if err := dec.Decode(f); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %s", path, explain(err, &root))
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

var lineRe = regexp.MustCompile(`line (\d+): (.*)`)

// explain turns a yaml decoding error, which names lines, into key paths:
// the first problem is reported at the path of the key on its line.
func explain(err error, root *yaml.Node) string {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	m := lineRe.FindStringSubmatch(msg)
	if m == nil {
		return strings.TrimPrefix(msg, "yaml: ")
	}
	line, _ := strconv.Atoi(m[1])
	problem := m[2]
	// The offending token: a key for unknown fields, a value otherwise.
	token := ""
	if t := regexp.MustCompile("field (\\S+) not found|`([^`]*)`").FindStringSubmatch(problem); t != nil {
		token = t[1] + t[2]
	}
	problem = strings.Replace(problem, "not found in type netfile.", "is not a key of ", 1)
	problem = regexp.MustCompile(`into netfile\.\w+|in type netfile\.\w+`).ReplaceAllString(problem, "")
	p := pathAt(root.Content[0], line, token, "")
	if p == "" {
		p = pathAt(root.Content[0], line, "", "")
	}
	if p != "" {
		return p + ": " + strings.TrimSpace(problem)
	}
	return fmt.Sprintf("line %d: %s", line, strings.TrimSpace(problem))
}

// pathAt finds the key path of the node on line that holds token (a key
// or a scalar value), or with token "" the deepest node on line.
func pathAt(n *yaml.Node, line int, token, prefix string) string {
	best := ""
	match := func(v *yaml.Node) bool {
		return v.Line == line && (token == "" || v.Kind == yaml.ScalarNode && v.Value == token)
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if prefix != "" {
				p = prefix + "." + k.Value
			}
			if match(k) || match(v) {
				best = p
			}
			if d := pathAt(v, line, token, p); d != "" {
				best = d
			}
		}
	case yaml.SequenceNode:
		for i, v := range n.Content {
			p := fmt.Sprintf("%s[%d]", prefix, i)
			if match(v) && v.Kind == yaml.ScalarNode {
				best = p
			}
			if d := pathAt(v, line, token, p); d != "" {
				best = d
			}
		}
	}
	return best
}
