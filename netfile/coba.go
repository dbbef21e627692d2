package netfile

import (
	"fmt"
	"math"
	"slices"

	"leaky/engine"
)

// The keys of a coba population (engine.KindCOBA): a reversal potential
// e_rev per receptor, conductances in units of the leak conductance that
// projections' weights increment, and init.receptors, the receptors'
// initial state (for any kind whose receptors have one).

// checkCOBAKeys checks the keys that depend on whether population params
// at (its params key path pp) is of kind coba: e_rev on every receptor of
// a coba population and on none of another kind, and none of the
// current-based gains for coba.
func checkCOBAKeys(at string, k engine.Kind, pp Params) error {
	if k != engine.KindCOBA {
		for j, r := range pp.Receptors {
			if r.ERev != nil {
				return fmt.Errorf("%s.receptors[%d].e_rev: reversal potentials apply to kind coba only, not %v", at, j, k)
			}
		}
		return nil
	}
	const gains = "does not apply to kind coba, whose inputs are conductance increments in units of the leak conductance"
	switch {
	case pp.TauSyn != nil:
		return fmt.Errorf("%s.tau_syn: kind coba needs receptors, each with its tau_syn and e_rev", at)
	case len(pp.Receptors) == 0:
		return fmt.Errorf("%s.receptors: missing (kind coba needs receptors, each with its tau_syn and e_rev)", at)
	case pp.R != nil:
		return fmt.Errorf("%s.r: %s", at, gains)
	case pp.InputScale != "":
		return fmt.Errorf("%s.input_scale: %s", at, gains)
	case pp.WIn != nil:
		return fmt.Errorf("%s.w_in: %s", at, gains)
	case pp.Reset == "subtract":
		return fmt.Errorf("%s.reset: kind coba resets to v_reset only (reset: value)", at)
	}
	for j, r := range pp.Receptors {
		switch {
		case r.WIn != nil:
			return fmt.Errorf("%s.receptors[%d].w_in: %s", at, j, gains)
		case r.ERev == nil:
			return fmt.Errorf("%s.receptors[%d].e_rev: missing (the receptor's reversal potential)", at, j)
		case math.IsNaN(*r.ERev) || math.IsInf(*r.ERev, 0):
			return fmt.Errorf("%s.receptors[%d].e_rev: must be finite, got %v", at, j, *r.ERev)
		case r.TauSyn != nil && slices.Contains(r.TauSyn.Values, 0):
			return fmt.Errorf("%s.receptors[%d].tau_syn: must be positive for kind coba, whose receptors are decaying conductances, got 0", at, j)
		}
	}
	return nil
}

// checkInitReceptors checks population i's init.receptors: each names a
// receptor with a state (tau_syn > 0) and gives a valid distribution.
func (f *File) checkInitReceptors(i int, np engine.NeuronParams) error {
	p := f.Populations[i]
	if p.Init == nil {
		return nil
	}
	names := f.receptorNames(i)
	for _, name := range sortedKeys(p.Init.Receptors) {
		at := fmt.Sprintf("populations[%d].init.receptors.%s", i, name)
		k := slices.Index(names, name)
		if k < 0 {
			return fmt.Errorf("%s: population %q has no receptor named %q (it has %v)", at, p.Name, name, names)
		}
		if np.TauSyn[k] == 0 {
			return fmt.Errorf("%s: receptor %q has no current (tau_syn 0), so it keeps no state to initialise", at, name)
		}
		if err := p.Init.Receptors[name].engine().Validate(); err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
	}
	return nil
}

// initReceptors draws population i's receptors' initial state, in receptor
// order, each from its own generator (see engine.Population.InitCurrent), on
// threads threads.
func initReceptors[T engine.Float](f *File, i int, pop *engine.Population[T], threads int) error {
	if f.Populations[i].Init == nil {
		return nil
	}
	for k, name := range f.receptorNames(i) {
		d, ok := f.Populations[i].Init.Receptors[name]
		if !ok {
			continue
		}
		if err := pop.InitCurrent(k, d.engine(), f.Run.Seed, uint64(i), threads); err != nil {
			return fmt.Errorf("populations[%d].init.receptors.%s: %w", i, name, err)
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
