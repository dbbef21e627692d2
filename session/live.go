package session

import (
	"context"
	"fmt"

	"leaky/engine"
	"leaky/netfile"
)

// live is a network of precision T built from a checked description, and
// what every way of running one shares: the description and options, the
// memory estimate it was admitted with, the network and its caller-fed
// sources. Run (to files) and Sim (stepped by its caller) each add their
// recorders and go through build and step, so that the two cannot drift.
type live[T engine.Float] struct {
	d   *netfile.File
	o   Options
	net *netfile.Net[T]
	mem engine.Memory
	// feeds holds, by source index, the caller-fed sources (nil for the
	// others); conv is scratch for inputs given in the other precision.
	feeds []*engine.Feed[T]
	conv  []T
	// given marks, by source index, the sources one call gave values.
	given []bool
}

// build admits and builds the network d describes: unless o.Force, it
// refuses a run whose memory estimate m (over ranks, with this rank's share
// of the weights) exceeds the memory available or
// whose output (disk bytes, 0 for none) the disk holding o.Out, then
// builds the network to step on o.threads() threads. d and o have been
// checked.
func build[T engine.Float](d *netfile.File, o Options, m engine.Memory, disk float64) (*live[T], error) {
	if !o.Force {
		diskHint := "record less (" + o.name("recorders") + ") or use fewer " + o.name("run.steps")
		need := m
		if o.ranks() > 1 {
			// This rank holds only its share of the weights (m's are
			// the whole network's, which the summary reports as one process
			// does); nothing else in m depends on the rank.
			own, err := d.MemoryOfRank(elemSize[T](), false, o.rank(), o.ranks())
			if err != nil {
				return nil, badInput(err)
			}
			need.Weights = own.Weights
		}
		if err := checkLimits(need, disk, shrinkHint(d, &o, need), diskHint, o.Out, o.name("force")); err != nil {
			return nil, err
		}
	}
	net, err := netfile.BuildRank[T](d, o.threads(), o.rank(), o.ranks())
	if err != nil {
		return nil, badInput(err)
	}
	net.Net.SetThreads(o.threads())
	// Checkpoints are saved after steps that are multiples of
	// CheckpointEvery: time-blocked stepping must end a block there.
	net.Net.SetBlockAlign(o.CheckpointEvery)
	l := &live[T]{d: d, o: o, net: net, mem: m, feeds: make([]*engine.Feed[T], len(net.Sources)), given: make([]bool, len(net.Sources))}
	for i, src := range net.Sources {
		if f, ok := src.(*engine.Feed[T]); ok {
			l.feeds[i] = f
		}
	}
	return l, nil
}

// close stops the network's worker threads.
func (l *live[T]) close() { l.net.Net.Close() }

// step advances the network by steps steps, the caller-fed sources taking
// their values from inputs, and calls progress after each step with the
// steps done in this call. Cancelling ctx stops it at the end of a step
// with an error wrapping engine.ErrInterrupted. The inputs are read in
// place and no reference to them is kept once it returns.
func (l *live[T]) step(ctx context.Context, steps int, inputs []Input, progress func(done int)) error {
	if steps < 0 {
		return badInput(fmt.Errorf("steps %d: must be ≥ 0", steps))
	}
	defer func() {
		for _, f := range l.feeds {
			if f != nil {
				f.Clear()
			}
		}
	}()
	if err := l.feed(steps, inputs); err != nil {
		return err
	}
	return l.net.Net.Run(ctx, steps, progress)
}

// feed hands each caller-fed source its values for the next steps steps.
// It runs before every step a binding makes, so the message keys are only
// formatted for a message.
func (l *live[T]) feed(steps int, inputs []Input) error {
	given := l.given
	clear(given)
	t0 := l.net.Net.StepIndex()
	key := func(i int) string { return l.o.name(fmt.Sprintf("sources[%d].input", i)) }
	for _, in := range inputs {
		i := l.d.SourceIndex(in.Source)
		if i < 0 || l.feeds[i] == nil {
			return badInput(fmt.Errorf("inputs: %s", l.fedSources(fmt.Sprintf("no source named %q is fed by the caller", in.Source))))
		}
		if given[i] {
			return badInput(fmt.Errorf("%s: the values of source %q are given twice", key(i), in.Source))
		}
		given[i] = true
		x, err := l.values(in.Data)
		if err != nil {
			return badInput(fmt.Errorf("%s: source %q: %w", key(i), in.Source, err))
		}
		if err := l.feeds[i].Set(x, t0, steps); err != nil {
			return badInput(fmt.Errorf("%s: %w", key(i), err))
		}
	}
	for i, f := range l.feeds {
		if f != nil && !given[i] && steps > 0 {
			return badInput(fmt.Errorf("%s: source %q is fed by the caller, but no values were given for it (%d steps × %d trials × %d inputs)", key(i), f.Name, steps, f.Batch, f.N))
		}
	}
	return nil
}

// fedSources appends to msg the names of the caller-fed sources.
func (l *live[T]) fedSources(msg string) string {
	var names []string
	for i, f := range l.feeds {
		if f != nil {
			names = append(names, fmt.Sprintf("%q", l.d.Sources[i].Name))
		}
	}
	if len(names) == 0 {
		return msg + "; the network has no input sources"
	}
	return fmt.Sprintf("%s; the caller feeds %v", msg, names)
}

// values is data as []T: itself when it is one, converted into scratch
// memory when it is the other precision.
func (l *live[T]) values(data any) ([]T, error) {
	switch x := data.(type) {
	case []T:
		return x, nil
	case []float32:
		l.conv = convert(l.conv[:0], x)
	case []float64:
		l.conv = convert(l.conv[:0], x)
	default:
		return nil, fmt.Errorf("values are %T; want []float32 or []float64", data)
	}
	return l.conv, nil
}

func convert[T, U engine.Float](dst []T, src []U) []T {
	for _, v := range src {
		dst = append(dst, T(v))
	}
	return dst
}
