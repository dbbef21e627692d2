package netfile

import (
	"fmt"
	"strconv"
	"strings"

	"leaky/engine"
	"leaky/npy"
)

// FeedForward is the seed notebook's network as leaky run's flags (and the
// Python binding's leaky.run) describe it: one source — Poisson inputs, or
// an array file — projecting densely onto one population of seed neurons,
// through the notebook's weights or a weight file, recorded to v.npy,
// isyn.npy, iinp.npy and spikes.npy, with the notebook's figure of one
// neuron. File turns it into the description every run goes through.
type FeedForward struct {
	// Steps, Batch, Inputs and Neurons size the run; with InputsFile
	// (WeightsFile) a zero size is taken from the file, and a size given
	// must agree with it.
	Steps, Batch, Inputs, Neurons int
	// Rate is the Poisson rate in Hz (without InputsFile).
	Rate float64
	// Dt, TauMem and TauSyn are in seconds; Threshold is θ.
	Dt, TauMem, TauSyn, Threshold float64
	// Reset is subtract (V −= 1) or zero (V = 0 after a spike).
	Reset string
	Seed  uint64
	DType string
	// InputsFile is a .npy of shape (T, n_in) or (T, B, n_in); WeightsFile
	// one of (n_in, N).
	InputsFile, WeightsFile string
	// InputsShape, instead of InputsFile, makes the source one its caller
	// feeds (an input source, see session.Sim): the shape, (T, n_in) or
	// (T, B, n_in), of the array it will give, as the Python binding's
	// leaky.run(inputs=…) does. WeightsShape, instead of WeightsFile, is
	// the (n_in, N) shape of weights the caller sets once the network is
	// built (session.Sim.SetWeights); the description holds zeros in their
	// place. Sizes are checked against them as against a file's.
	InputsShape, WeightsShape []int
	// Procedural regenerates the notebook weights on every spike instead
	// of storing them.
	Procedural bool
	// Record lists v, isyn, iinp and spikes; RecordNeurons the neurons of
	// the traces (nil: all); FigureNeuron the figure's neuron.
	Record        []string
	RecordNeurons []int
	FigureNeuron  int
}

// DefaultFeedForward is leaky run's defaults: 5000 steps of 0.5 ms, 100
// Poisson inputs at 5 Hz onto 1000 neurons with τ_mem 10 ms, τ_syn 5 ms,
// θ 1 and reset by subtraction, seed 1, float32, everything recorded.
func DefaultFeedForward() FeedForward {
	return FeedForward{
		Steps: 5000, Batch: 1, Inputs: 100, Neurons: 1000, Rate: 5,
		Dt: 0.5e-3, TauMem: 10e-3, TauSyn: 5e-3, Threshold: 1, Reset: "subtract", Seed: 1, DType: "float32",
		Record: []string{"v", "isyn", "iinp", "spikes"},
	}
}

// File is the description of ff. Sizes are read from the headers of its
// files; the values are checked by the description's own checks, whose
// errors carry key paths (see Error). name renames ff's options in the
// messages about sizes that disagree ("steps" → "--steps"); nil keeps
// them.
func (ff FeedForward) File(name func(option string) string) (*File, error) {
	if name == nil {
		name = func(o string) string { return o }
	}
	if ff.Procedural && ff.WeightsFile != "" {
		return nil, fmt.Errorf("%s generates the weights from the seed; it cannot be combined with %s %s", name("procedural-weights"), name("weights"), ff.WeightsFile)
	}
	var reset string
	switch ff.Reset {
	case "subtract", "":
	case "zero":
		reset = "value"
	default:
		return nil, fmt.Errorf("%s: unknown reset mode %q (want subtract or zero)", name("reset"), ff.Reset)
	}
	if ff.InputsFile != "" && ff.InputsShape != nil || ff.WeightsFile != "" && ff.WeightsShape != nil {
		return nil, fmt.Errorf("give %s and %s each as a file or as an array the caller feeds, not both", name("inputs"), name("weights"))
	}
	steps, batch, nIn, neurons := ff.Steps, ff.Batch, ff.Inputs, ff.Neurons
	src := Source{Name: "input", Poisson: &Poisson{Size: nIn, Rate: ff.Rate}}
	// inputs and weights name what gives the inputs and weights in
	// messages: the option and its file, or the option alone for the
	// caller's arrays.
	inputs, weights := name("inputs")+" "+ff.InputsFile, name("weights")+" "+ff.WeightsFile
	if ff.InputsFile == "" {
		inputs = name("inputs")
	}
	if ff.WeightsFile == "" {
		weights = name("weights")
	}
	if ff.InputsFile != "" || ff.InputsShape != nil {
		shape := ff.InputsShape
		if ff.InputsFile != "" {
			var err error
			if shape, err = npy.ReadShape(ff.InputsFile); err != nil {
				return nil, fmt.Errorf("%s: %w", name("inputs"), err)
			}
		}
		switch len(shape) {
		case 2:
			steps, batch, nIn = shape[0], 1, shape[1]
		case 3:
			steps, batch, nIn = shape[0], shape[1], shape[2]
		default:
			return nil, fmt.Errorf("%s: shape %s has %d dimensions; want (T, n_in) or (T, B, n_in)", inputs, npy.FormatShape(shape), len(shape))
		}
		if steps < 1 || batch < 1 || nIn < 1 {
			return nil, fmt.Errorf("%s: shape %s is empty; every dimension must be at least 1", inputs, npy.FormatShape(shape))
		}
		for _, c := range []struct {
			option      string
			given, file int
			what        string
		}{{"steps", ff.Steps, steps, "steps"}, {"n-inputs", ff.Inputs, nIn, "inputs"}, {"batch", ff.Batch, batch, "trials"}} {
			if c.given != 0 && c.given != c.file {
				return nil, fmt.Errorf("%s %d disagrees with %s, which has %d %s (shape %s); drop the option or change the %s", name(c.option), c.given, inputs, c.file, c.what, npy.FormatShape(shape), fileOrArray(ff.InputsFile))
			}
		}
		if ff.InputsFile != "" {
			src = Source{Name: "input", Array: &ArraySource{File: ff.InputsFile}}
		} else {
			src = Source{Name: "input", Input: &InputSource{Size: nIn}}
		}
	}
	weight := &Weight{Notebook: true}
	if ff.WeightsFile != "" || ff.WeightsShape != nil {
		shape := ff.WeightsShape
		if ff.WeightsFile != "" {
			var err error
			if shape, err = npy.ReadShape(ff.WeightsFile); err != nil {
				return nil, fmt.Errorf("%s: %w", name("weights"), err)
			}
		}
		if len(shape) != 2 {
			return nil, fmt.Errorf("%s: shape %s has %d dimensions; want (n_in, N)", weights, npy.FormatShape(shape), len(shape))
		}
		if shape[0] < 1 || shape[1] < 1 {
			return nil, fmt.Errorf("%s: shape %s is empty; want (n_in, N) with both at least 1", weights, npy.FormatShape(shape))
		}
		if shape[0] != nIn {
			from := name("n-inputs")
			if ff.InputsFile != "" || ff.InputsShape != nil {
				from = inputs
			}
			return nil, fmt.Errorf("%s: shape %s has %d rows, but %s gives %d inputs", weights, npy.FormatShape(shape), shape[0], from, nIn)
		}
		if ff.Neurons != 0 && ff.Neurons != shape[1] {
			return nil, fmt.Errorf("%s %d disagrees with %s, which has %d columns (shape %s); drop the option or change the %s", name("neurons"), ff.Neurons, weights, shape[1], npy.FormatShape(shape), fileOrArray(ff.WeightsFile))
		}
		neurons = shape[1]
		if ff.WeightsFile != "" {
			weight = &Weight{File: ff.WeightsFile}
		} else {
			weight = &Weight{Dist: Dist{Kind: "const"}}
		}
	}
	dt := ff.Dt
	params := Params{TauMem: Num(ff.TauMem), TauSyn: Num(ff.TauSyn), VThreshold: Num(ff.Threshold)}
	if reset == "value" {
		params.Reset, params.VReset = reset, Num(0)
	}
	fig := ff.FigureNeuron
	f := &File{
		Run:         Run{Dt: &dt, Steps: &steps, Batch: &batch, Seed: ff.Seed, DType: ff.DType},
		Sources:     []Source{src},
		Populations: []Population{{Name: "lif", Size: neurons, Params: params}},
		Projections: []Projection{{Name: "input->lif", Source: "input", Target: "lif", Type: "dense", Weight: weight, Procedural: ff.Procedural}},
		Figure:      &Figure{Population: "lif", Neuron: &fig},
	}
	// State in the order asked, then spikes, as one recorder writes them.
	var vars []string
	spikes := false
	for _, r := range ff.Record {
		if r == "spikes" {
			spikes = true
		} else {
			vars = append(vars, r)
		}
	}
	if spikes {
		vars = append(vars, "spikes")
	}
	if len(vars) > 0 {
		f.Recorders = []Recorder{{Population: "lif", Vars: vars, Neurons: ff.RecordNeurons, File: "{var}.npy"}}
	}
	if err := f.Check(); err != nil {
		return nil, err
	}
	return f, nil
}

// fileOrArray is what gives a size: the file, or the caller's array.
func fileOrArray(file string) string {
	if file == "" {
		return "array"
	}
	return "file"
}

// feedForwardKeys are the keys of the feed-forward description that
// FeedForward's options set, in leaky run's flag spelling, longest first
// where one is a prefix of another.
var feedForwardKeys = []struct{ key, option string }{
	{"run.dt", "dt"}, {"run.steps", "steps"}, {"run.batch", "batch"}, {"run.seed", "seed"}, {"run.dtype", "dtype"},
	{"sources[0].poisson.size", "n-inputs"}, {"sources[0].poisson.rate", "rate"}, {"sources[0].array", "inputs"}, {"sources[0].input", "inputs"},
	{"populations[0].size", "neurons"}, {"populations[0].params.tau_mem", "tau-mem"}, {"populations[0].params.tau_syn", "tau-syn"},
	{"populations[0].params.v_threshold", "threshold"}, {"populations[0].params.reset", "reset"}, {"populations[0].params.v_reset", "reset"},
	{"projections[0].procedural", "procedural-weights"}, {"projections[0].weight", "weights"},
	{"recorders[0].neurons", "record-neurons"}, {"recorders[0].vars", "record"}, {"recorders", "record"},
	{"figure.neuron", "figure-neuron"},
}

// FeedForwardOption is the option of FeedForward, in leaky run's flag
// spelling (n-inputs, tau-mem, procedural-weights), that sets the key path
// key of its description, or "" when none does: how a caller that built
// the description from its own options (leaky run's flags, the Python
// binding's keywords) names them in a message about a key.
func FeedForwardOption(key string) string {
	for _, fk := range feedForwardKeys {
		if key == fk.key || strings.HasPrefix(key, fk.key+".") || strings.HasPrefix(key, fk.key+"[") {
			return fk.option
		}
	}
	return ""
}

// FeedForwardOf reads back the FeedForward a description was made from,
// for a caller that resumes a saved run and checks its options against it;
// ok is false when d is not of that form.
func FeedForwardOf(d *File) (ff FeedForward, ok bool) {
	if len(d.Populations) != 1 || len(d.Sources) != 1 || len(d.Projections) != 1 || d.Figure == nil || d.Figure.Neuron == nil {
		return ff, false
	}
	src, pop, proj := d.Sources[0], d.Populations[0], d.Projections[0]
	p := pop.Params
	tauMem, ok1 := p.TauMem.Scalar()
	tauSyn, ok2 := p.TauSyn.Scalar()
	theta, ok3 := p.VThreshold.Scalar()
	if !ok1 || !ok2 || !ok3 || proj.Weight == nil {
		return ff, false
	}
	ff = FeedForward{
		Steps: *d.Run.Steps, Batch: *d.Run.Batch, Neurons: pop.Size, Dt: *d.Run.Dt, TauMem: tauMem, TauSyn: tauSyn,
		Threshold: theta, Reset: "subtract", Seed: d.Run.Seed, DType: d.Run.DType,
		WeightsFile: proj.Weight.File, Procedural: proj.Procedural, FigureNeuron: *d.Figure.Neuron,
	}
	if p.Reset == "value" {
		ff.Reset = "zero"
	}
	if src.Poisson != nil {
		ff.Inputs, ff.Rate = src.Poisson.Size, src.Poisson.Rate
	} else if src.Array != nil {
		ff.InputsFile = src.Array.File
	}
	if len(d.Recorders) > 0 {
		ff.Record, ff.RecordNeurons = d.Recorders[0].Vars, d.Recorders[0].Neurons
	}
	return ff, true
}

// Built is a built feed-forward network and handles to its parts.
type Built[T engine.Float] struct {
	// Net is the network to run; Input its source, Proj its projection
	// (a *Dense or, procedural, a *Procedural) and Pop its population.
	Net   *engine.Network[T]
	Input engine.Source[T]
	Proj  engine.Projection[T]
	Pop   *engine.Population[T]
}

// BuildFeedForward builds ff's network without recorders, for Go callers
// (tests, benchmarks) that record in their own way.
func BuildFeedForward[T engine.Float](ff FeedForward) (*Built[T], error) {
	f, err := ff.File(nil)
	if err != nil {
		return nil, err
	}
	n, err := BuildNetwork[T](f, 0)
	if err != nil {
		return nil, err
	}
	return &Built[T]{Net: n.Net, Input: n.Sources[0], Proj: n.Projections[0], Pop: n.Pops[0]}, nil
}

// ParseRecord parses the comma list of FeedForward.Record as leaky run's
// --record takes it (the Python binding's record= too): any of v, isyn,
// iinp and spikes, each once; empty records nothing. It returns them as a
// recorder lists them: the state variables in the order given, then
// spikes. option names the option in errors.
func ParseRecord(option, s string) ([]string, error) {
	var vars []string
	seen := map[string]bool{}
	spikes := false
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if seen[item] {
			return nil, fmt.Errorf("%s %q: %s is listed twice", option, s, item)
		}
		seen[item] = true
		switch item {
		case "v", "isyn", "iinp", "s":
			vars = append(vars, item)
		case "spikes":
			spikes = true
		default:
			return nil, fmt.Errorf("%s %q: unknown item %q (want v, isyn, iinp, s or spikes)", option, s, item)
		}
	}
	if spikes {
		vars = append(vars, "spikes")
	}
	return vars, nil
}

// maxListed bounds the neurons one range of ParseNeurons may list, so a
// typo cannot ask for billions before the description is checked.
const maxListed = 1 << 27

// ParseNeurons parses a list like "0,5,10-20" of neuron indices, in the
// order given, as leaky run's --record-neurons takes it; an empty list
// means all (nil). That each is in the population and listed once is the
// description's check. option names the option in errors.
func ParseNeurons(option, s string) ([]int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil || a < 0 {
			return nil, fmt.Errorf("%s %q: %q is not a neuron index or a range like 10-20", option, s, item)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, err := strconv.Atoi(strings.TrimSpace(hi))
		if err != nil || b < a {
			return nil, fmt.Errorf("%s %q: %q is not a range like 10-20", option, s, item)
		}
		if b-a >= maxListed || len(out)+b-a >= maxListed {
			return nil, fmt.Errorf("%s %q: more than %d neurons", option, s, maxListed)
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}
