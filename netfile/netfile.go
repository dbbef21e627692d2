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
	Sources     []Source     `yaml:"sources,omitempty"`
	Projections []Projection `yaml:"projections,omitempty"`
	Recorders   []Recorder   `yaml:"recorders,omitempty"`
	// Figure chooses what figure.png shows (default: every recorded
	// population's raster, rate and V traces).
	Figure *Figure `yaml:"figure,omitempty"`
}

// Figure chooses the figure of a run.
type Figure struct {
	// Population and Neuron select the seed notebook's figure: the three
	// panels V (spikes drawn at 5θ), I_syn and I_inp of that neuron in
	// trial 0, then the population's spike raster and rate when it has more
	// than one neuron. Population defaults to the first.
	Population string `yaml:"population,omitempty"`
	Neuron     *int   `yaml:"neuron,omitempty"`
}

// Run holds the run settings.
type Run struct {
	// Dt is the time step in seconds (required).
	Dt *float64 `yaml:"dt,omitempty"`
	// Steps is the number of steps to run (required).
	Steps *int `yaml:"steps,omitempty"`
	// Batch is the number of independent trials (default 1).
	Batch *int `yaml:"batch,omitempty"`
	// Seed keys every random draw (default 0).
	Seed uint64 `yaml:"seed,omitempty"`
	// DType is float32 (default) or float64.
	DType string `yaml:"dtype,omitempty"`
}

// Population describes one population.
type Population struct {
	// Name identifies it (required, unique among populations and sources).
	Name string `yaml:"name,omitempty"`
	// Kind is lif (default), li, if, i or coba (conductance-based LIF).
	Kind string `yaml:"kind,omitempty"`
	// Size is the number of neurons per trial (required).
	Size int `yaml:"size,omitempty"`
	// Params are the neuron parameters.
	Params Params `yaml:"params,omitempty"`
	// Init sets the initial state.
	Init *Init `yaml:"init,omitempty"`
}

// Params are a population's neuron parameters; see engine.NeuronParams for
// the equations. Each *Param may differ between neurons (engine.PerNeuron):
// a list or an array file of one value per neuron.
type Params struct {
	// Rule is leaky (default), norse, snntorch or spyx: whose order a
	// step follows. Decay is exact or euler (default: exact for leaky,
	// euler for the others, as their NIR importers).
	Rule  string `yaml:"rule,omitempty"`
	Decay string `yaml:"decay,omitempty"`
	// TauMem is the membrane time constant in seconds (required for lif
	// and li; if and i do not leak).
	TauMem *Param `yaml:"tau_mem,omitempty"`
	// TauSyn gives a single receptor, named "syn", its time constant (0:
	// no synaptic current, the input enters V directly); Receptors gives
	// several. Exactly one of them is required for lif and li; if and i
	// default to tau_syn 0.
	TauSyn    *Param     `yaml:"tau_syn,omitempty"`
	Receptors []Receptor `yaml:"receptors,omitempty"`
	// WIn is the single receptor's input weight w_in (default 1).
	WIn *Param `yaml:"w_in,omitempty"`
	// R is the input gain (default 1); InputScale is unit (default: r per
	// step, the seed's form), leak (r·(1−β), NIR's r) or nir (NIR's r and
	// w_in: the currents gain w_in·(1−α)).
	R          *Param `yaml:"r,omitempty"`
	InputScale string `yaml:"input_scale,omitempty"`
	// VLeak is the resting potential (default 0).
	VLeak *Param `yaml:"v_leak,omitempty"`
	// VThreshold is θ (default 1).
	VThreshold *Param `yaml:"v_threshold,omitempty"`
	// Reset is subtract (default: V −= θ − v_reset) or value (V =
	// v_reset; the default and only choice for coba).
	Reset string `yaml:"reset,omitempty"`
	// VReset defaults to θ − 1 for subtract under rule leaky (the seed:
	// subtract 1) and to 0 otherwise (NIR's default).
	VReset *Param `yaml:"v_reset,omitempty"`
	// Refractory is the absolute refractory period in seconds, a whole
	// number of steps (default 0).
	Refractory float64 `yaml:"refractory,omitempty"`
}

// Receptor is one synaptic input current of a population.
type Receptor struct {
	// Name identifies it for projections (required).
	Name string `yaml:"name,omitempty"`
	// TauSyn is its time constant in seconds (required; 0: no current).
	TauSyn *Param `yaml:"tau_syn,omitempty"`
	// WIn is its input weight w_in (default 1; not for coba).
	WIn *Param `yaml:"w_in,omitempty"`
	// ERev is its reversal potential (required for coba, whose receptors
	// are conductances, and for no other kind).
	ERev *float64 `yaml:"e_rev,omitempty"`
}

// Init sets a population's initial state.
type Init struct {
	// V is the distribution of the initial membrane potential.
	V *Dist `yaml:"v,omitempty"`
	// Receptors gives, by receptor name, the distribution of a receptor's
	// initial state: its current I_k, or its conductance g_k for coba
	// (default 0).
	Receptors map[string]Dist `yaml:"receptors,omitempty"`
}

// Source describes an external input: exactly one of Poisson, Array and
// Input.
type Source struct {
	// Name identifies it (required).
	Name string `yaml:"name,omitempty"`
	// Poisson is a Poisson spike source.
	Poisson *Poisson `yaml:"poisson,omitempty"`
	// Array replays a .npy file of shape (steps, batch, size) or (steps,
	// size) for every trial.
	Array *ArraySource `yaml:"array,omitempty"`
	// Input is fed by the caller before every step (session.Sim, the
	// Python and C bindings); leaky run, which has no caller to feed it,
	// refuses it.
	Input *InputSource `yaml:"input,omitempty"`
}

// InputSource is a source whose values the caller gives before the steps
// that use them: Size values per trial per step, spikes when they are all
// 0 or 1, analog otherwise.
type InputSource struct {
	// Size is the number of inputs (required).
	Size int `yaml:"size,omitempty"`
}

// Poisson describes a Poisson spike source.
type Poisson struct {
	// Size is the number of inputs (required); Rate their rate in Hz.
	Size int     `yaml:"size,omitempty"`
	Rate float64 `yaml:"rate,omitempty"`
}

// ArraySource names a .npy file of inputs.
type ArraySource struct {
	// File is the .npy path (required).
	File string `yaml:"file,omitempty"`
	// Shape is each step's input as an array, e.g. [2, 34, 34] for an
	// image: the file is then (steps, *shape) or (steps, batch, *shape),
	// and the source has the product of shape outputs in C order (default:
	// one dimension, the file's last).
	Shape []int `yaml:"shape,omitempty"`
}

// Projection describes a connection from a source or population to a
// population.
type Projection struct {
	// Name identifies it (default "SOURCE->TARGET").
	Name string `yaml:"name,omitempty"`
	// Source and Target name its ends (required).
	Source string `yaml:"source,omitempty"`
	Target string `yaml:"target,omitempty"`
	// Type is dense, sparse, identity (each output onto the neuron of its
	// index), conv1d, conv2d, sum_pool2d or avg_pool2d (required).
	Type string `yaml:"type,omitempty"`
	// Receptor names the target receptor (default: the first).
	Receptor string `yaml:"receptor,omitempty"`
	// P is the connection probability of a random sparse projection.
	P *float64 `yaml:"p,omitempty"`
	// Autapses allows i→i synapses when source and target are the same
	// population (default true, as in Brian2).
	Autapses *bool `yaml:"autapses,omitempty"`
	// Synapses gives a sparse projection's synapses explicitly.
	Synapses *SynapseFiles `yaml:"synapses,omitempty"`
	// Weight is the weight distribution, "default" (Normal(0,
	// 7(1−β)/√n_in), the seed's) or a .npy file (dense: n_in × n_out).
	Weight *Weight `yaml:"weight,omitempty"`
	// Sign is excitatory (|w|), inhibitory (−|w|) or absent (as given).
	Sign string `yaml:"sign,omitempty"`
	// Delay is the synaptic delay in steps (default 0).
	Delay int `yaml:"delay,omitempty"`
	// InShape is the image a conv2d or pooling projection reads,
	// [channels, height, width], or the signal a conv1d reads, [channels,
	// length] (its source's outputs in C order).
	InShape []int `yaml:"in_shape,omitempty"`
	// Kernel is a pooling window [height, width]; a convolution's comes
	// from its weights. Stride (default 1, or the window for pooling),
	// Padding (default 0) and Dilation (default 1) are one number for both
	// dimensions or [height, width] (a conv1d's one number); Groups splits
	// a convolution's channels (default 1).
	Kernel   Ints `yaml:"kernel,omitempty"`
	Stride   Ints `yaml:"stride,omitempty"`
	Padding  Ints `yaml:"padding,omitempty"`
	Dilation Ints `yaml:"dilation,omitempty"`
	Groups   int  `yaml:"groups,omitempty"`
	// Bias is added to the target's input current at every step from step
	// BiasFrom on (dense, conv1d and conv2d: one value per target neuron, or per
	// output channel of a convolution): a number or {file: b.npy}.
	Bias     *Weight `yaml:"bias,omitempty"`
	BiasFrom int     `yaml:"bias_from,omitempty"`
	// Procedural regenerates a dense projection's notebook weights from
	// the seed whenever an input spikes instead of storing n_in × n_out of
	// them: the same bits in O(n_out) memory, for spiking sources only.
	Procedural bool `yaml:"procedural,omitempty"`
}

// SynapseFiles names the .npy files of an explicit sparse projection: 1-D
// arrays of equal length, synapse k connecting Pre[k] to Post[k].
type SynapseFiles struct {
	Pre    string `yaml:"pre,omitempty"`
	Post   string `yaml:"post,omitempty"`
	Weight string `yaml:"weight,omitempty"`
	// Delay is optional: per-synapse delays in steps.
	Delay string `yaml:"delay,omitempty"`
}

// Recorder describes what to record from a population.
type Recorder struct {
	// Population names the population (required).
	Population string `yaml:"population,omitempty"`
	// Vars lists spikes, v, isyn and iinp (required, at least one).
	Vars []string `yaml:"vars,omitempty"`
	// Neurons lists the neurons whose state is recorded (default all).
	Neurons []int `yaml:"neurons,omitempty"`
	// File names the output files: {var} and {population} are replaced
	// by the variable and population names (default
	// "{var}_{population}.npy").
	File string `yaml:"file,omitempty"`
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

// Ints is one whole number or a list of them.
type Ints []int

// UnmarshalYAML reads a number as a list of one.
func (v *Ints) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var x int
		if err := n.Decode(&x); err != nil {
			return err
		}
		*v = Ints{x}
		return nil
	}
	var xs []int
	if err := n.Decode(&xs); err != nil {
		return err
	}
	*v = xs
	return nil
}

// MarshalYAML writes a list of one as the number.
func (v Ints) MarshalYAML() (any, error) {
	if len(v) == 1 {
		return v[0], nil
	}
	return []int(v), nil
}

// MarshalYAML writes the distribution in the form UnmarshalYAML reads.
func (d Dist) MarshalYAML() (any, error) {
	switch d.Kind {
	case "uniform", "normal":
		return map[string][]float64{d.Kind: {d.A, d.B}}, nil
	}
	return d.A, nil
}

// Weight is a Dist, the word "default" or "notebook", or {file: W.npy}.
type Weight struct {
	// Dist is set unless Default, Notebook or File is.
	Dist Dist
	// Default selects the seed's Normal(0, 7(1−β)/√n_in), drawn row by
	// row like every other distribution.
	Default bool
	// Notebook selects the same distribution keyed so that any part of a
	// row can be drawn alone, as leaky run's flags use, which a procedural
	// projection can regenerate on every spike.
	Notebook bool
	// File names a .npy file of weights, or, with Dataset, an HDF5 file
	// (a NIR graph) holding them at that object path; Transpose says the
	// array is (n_out, n_in), as NIR's and PyTorch's weights are.
	File      string
	Dataset   string
	Transpose bool
}

// UnmarshalYAML reads the forms of a weight.
func (w *Weight) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value == "default" {
		w.Default = true
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Value == "notebook" {
		w.Notebook = true
		return nil
	}
	if n.Kind == yaml.MappingNode && len(n.Content) >= 2 && n.Content[0].Value == "file" {
		return fileKeys(n, &w.File, &w.Dataset, &w.Transpose)
	}
	return w.Dist.UnmarshalYAML(n)
}

// MarshalYAML writes the weight in the form UnmarshalYAML reads.
func (w Weight) MarshalYAML() (any, error) {
	switch {
	case w.Default:
		return "default", nil
	case w.Notebook:
		return "notebook", nil
	case w.File != "":
		m := yaml.Node{Kind: yaml.MappingNode}
		add := func(k, v string) {
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Value: v})
		}
		add("file", w.File)
		if w.Dataset != "" {
			add("dataset", w.Dataset)
		}
		if w.Transpose {
			add("transpose", "true")
		}
		return &m, nil
	}
	return w.Dist.MarshalYAML()
}

// Marshal writes f as YAML that Parse reads back into the same network:
// every number in its shortest exact form, so a printed description runs
// bit for bit like the one it was printed from.
func (f *File) Marshal() ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(f); err != nil {
		return nil, err
	}
	flowScalarLists(&root)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// flowScalarLists writes lists of numbers and words on one line, [a, b],
// as the examples do.
func flowScalarLists(n *yaml.Node) {
	if n.Kind == yaml.SequenceNode {
		flow := true
		for _, c := range n.Content {
			flow = flow && c.Kind == yaml.ScalarNode
		}
		if flow {
			n.Style = yaml.FlowStyle
		}
	}
	for _, c := range n.Content {
		flowScalarLists(c)
	}
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
		return nil, keyed(path, errors.New(explain(err, &root)))
	}
	if err := f.check(); err != nil {
		return nil, keyed(path, err)
	}
	return f, nil
}

// Check fills in defaults and checks a description built in Go rather
// than parsed (leaky run's flags build one), as Parse does for a file.
func (f *File) Check() error {
	if err := f.check(); err != nil {
		return keyed(f.Path, err)
	}
	return nil
}

// Error is a problem with a network description, at a key path such as
// projections[2].target, so that a caller that built the description from
// its own options (leaky run's flags, a Python call) can name the option
// instead of the key.
type Error struct {
	// File is the network file, "" for a description built in Go.
	File string
	// Key is the key path of the offending value; Msg says what is wrong.
	Key, Msg string
	err      error
}

func (e *Error) Error() string {
	if e.File == "" {
		return e.err.Error()
	}
	return e.File + ": " + e.err.Error()
}

func (e *Error) Unwrap() error { return e.err }

var keyRe = regexp.MustCompile(`^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*): (.*)$`)

// keyed makes err, whose message starts with a key path as every check
// does, an *Error of file.
func keyed(file string, err error) error {
	e := &Error{File: file, err: err}
	if m := keyRe.FindStringSubmatch(err.Error()); m != nil {
		e.Key, e.Msg = m[1], m[2]
	} else {
		e.Msg = err.Error()
	}
	return e
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
