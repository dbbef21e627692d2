package engine

import "fmt"

// Rule is the order in which one step thresholds, integrates and resets:
// leaky's own, or that of a framework NIR graphs come from, so that a model
// trained there gives that framework's spikes here. [NeuronParams] writes
// each rule's equations.
type Rule uint8

const (
	// RuleLeaky is leaky's own order, the seed notebook's: the spike of
	// step t is V[t] > θ, tested before the step integrates, and V[t+1]
	// takes the synaptic currents before this step's input arrives.
	RuleLeaky Rule = iota
	// RuleNorse is Norse's (norse.torch, the LIFBoxCell, LIBoxCell and
	// IAFCell its NIR importer builds): the currents take this step's input
	// first, V integrates them, and the threshold is tested on the new V
	// and reset in the same step. Its synapse relaxes towards v_leak. Its
	// importer amounts to DecayEuler and ScaleNIR (with r = 1 for a LIF,
	// whose r it ignores) and reset to v_reset.
	RuleNorse
	// RuleSnnTorch is snnTorch's Leaky and Synaptic with reset_delay=False,
	// as its NIR importer builds them: Norse's order, but the reset also
	// looks at whether the V the step starts from was above threshold. The
	// importer amounts to DecayEuler and ScaleUnit with r = w_in = 1, the
	// threshold divided by r·dt/τ_mem for a LIF and by w_in for a CubaLIF
	// (an earlier importer divided by w_in·dt/τ_syn, which is 1 for the
	// files snnTorch exports: r = τ_mem/dt and w_in = τ_syn/dt, for which
	// ScaleUnit with r = w_in = 1 is ScaleNIR with the file's values).
	RuleSnnTorch
	// RuleSpyx is Spyx's (spyx.nn LIF, IF, CuBaLIF, LI): the spike is V[t]
	// > θ as in leaky's order, the currents take this step's input first,
	// and the reset subtracts (its CuBaLIF subtracts twice). Its importer
	// ignores r and amounts to DecayEuler with ScaleNIR and r = 1 for a
	// LIF, and with ScaleUnit, r = 1 and w_in·dt/τ_syn as w_in for a
	// CubaLIF (it scales the weights into the current, not the current).
	RuleSpyx
)

// String returns the rule's name in network files: "leaky", "norse",
// "snntorch" or "spyx".
func (r Rule) String() string {
	switch r {
	case RuleLeaky:
		return "leaky"
	case RuleNorse:
		return "norse"
	case RuleSnnTorch:
		return "snntorch"
	case RuleSpyx:
		return "spyx"
	}
	return fmt.Sprintf("Rule(%d)", int(r))
}

// ParseRule converts "leaky", "norse", "snntorch" or "spyx" to a Rule.
func ParseRule(s string) (Rule, error) {
	for _, r := range []Rule{RuleLeaky, RuleNorse, RuleSnnTorch, RuleSpyx} {
		if r.String() == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown rule %q (want leaky, norse, snntorch or spyx)", s)
}

// Decay is how a time constant becomes a decay factor per step.
type Decay uint8

const (
	// DecayExact is exp(−dt/τ), the exact decay over one step.
	DecayExact Decay = iota
	// DecayEuler is 1 − dt/τ, forward Euler: what snnTorch's, Norse's and
	// Spyx's NIR importers compute.
	DecayEuler
)

// String returns the decay's name in network files: "exact" or "euler".
func (d Decay) String() string {
	switch d {
	case DecayExact:
		return "exact"
	case DecayEuler:
		return "euler"
	}
	return fmt.Sprintf("Decay(%d)", int(d))
}

// ParseDecay converts "exact" or "euler" to a Decay.
func ParseDecay(s string) (Decay, error) {
	switch s {
	case "exact":
		return DecayExact, nil
	case "euler":
		return DecayEuler, nil
	}
	return 0, fmt.Errorf("unknown decay %q (want exact or euler)", s)
}

// DefaultDecay is the decay a rule's framework uses: exact for leaky's own,
// forward Euler for the others.
func (r Rule) DefaultDecay() Decay {
	if r == RuleLeaky {
		return DecayExact
	}
	return DecayEuler
}
