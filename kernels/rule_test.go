package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// ruleImpl returns impl's RuleUpdate of width T.
func ruleImpl[T float](impl *Impl) func(V, I, Iin []T, p *RuleParams[T], spikes []uint64) int {
	var f any
	if is32[T]() {
		f = impl.RuleUpdate32
	} else {
		f = impl.RuleUpdate64
	}
	return f.(func(V, I, Iin []T, p *RuleParams[T], spikes []uint64) int)
}

// ruleParamSets are the constants the equivalence test runs with every
// rule and every combination of flags: NIR-like decays and gains, a set
// with a negative resting potential and input gain, and one whose
// threshold is NaN (nothing may spike).
func ruleParamSets[T float]() []RuleParams[T] {
	sets := []RuleParams[T]{
		{Alpha: 0.9, InGain: 1, Leak: 0.05, Beta: 0.95, VLeak: 0, Gain: 0.05, Theta: 1, VReset: 0, Sub: 1},
		{Alpha: 0.5, InGain: -0.75, Leak: -0.125, Beta: 0.75, VLeak: -0.5, Gain: 1.5, Theta: 0.25, VReset: -1, Sub: 1.25},
		{Alpha: 0.99, InGain: 2, Leak: 0, Beta: 1, VLeak: 0, Gain: 0.1, Theta: T(math.NaN()), VReset: T(math.Copysign(0, -1)), Sub: 0.5},
	}
	for i := range sets {
		p := &sets[i]
		p.Rest = p.VLeak + T(p.Beta*(p.VReset-p.VLeak))
	}
	return sets
}

// TestRuleUpdateMatchesGeneric runs every available implementation's
// RuleUpdate32 and RuleUpdate64 for every rule, every combination of the
// five flags and three parameter sets over sizes 0…67 and 1000 at two
// alignments, with specials (NaN, infinities, signed zeros, denormals, the
// threshold and its neighbours) in the state, and compares state, masks,
// counts and the guards past every slice with Generic bit for bit.
func TestRuleUpdateMatchesGeneric(t *testing.T) {
	testRule[float32](t)
	testRule[float64](t)
}

func testRule[T float](t *testing.T) {
	var sizes []int
	for n := 0; n <= 67; n++ {
		sizes = append(sizes, n)
	}
	sizes = append(sizes, 1000)
	for _, impl := range fuzzImpls(t) {
		rng := rand.New(rand.NewPCG(7, 8))
		for rule := StepRule(0); rule < stepRules; rule++ {
			for flags := 0; flags < 32; flags++ {
				for pi, p := range ruleParamSets[T]() {
					p.Rule = rule
					p.Instant, p.AddLeak, p.Old, p.Subtract, p.Current = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0, flags&16 != 0
					for _, n := range sizes {
						off := rng.IntN(4)
						name := fmt.Sprintf("%s float%d rule %d flags %05b set %d n=%d off=%d", impl.Name, 8*sizeOf[T](), rule, flags, pi, n, off)
						checkRule(t, name, impl, &p, n, off, rng)
					}
				}
			}
		}
	}
}

func sizeOf[T float]() int {
	if is32[T]() {
		return 4
	}
	return 8
}

// checkRule runs one case through Generic and impl and compares them.
func checkRule[T float](t *testing.T, name string, impl *Impl, p *RuleParams[T], n, off int, rng *rand.Rand) {
	t.Helper()
	V := buf(n, off, input(rng, p.Theta, true))
	I := buf(n, off, input(rng, p.Theta, true))
	Iin := buf(n, off, input(rng, p.Theta, true))
	V1, I1, V2, I2 := clone(V), clone(I), clone(V), clone(I)
	S1, S2 := bufU(MaskWords(n), off), bufU(MaskWords(n), off)
	want := ruleImpl[T](Generic)(V1, I1, Iin, p, S1)
	got := ruleImpl[T](impl)(V2, I2, Iin, p, S2)
	if got != want {
		t.Fatalf("%s: count %d, want %d", name, got, want)
	}
	same(t, name+" V", V2, V1)
	same(t, name+" I", I2, I1)
	sameU(t, name+" spikes", S2, S1)
}

// TestRuleUpdateLong runs one case past an assembly chunk (1<<16 neurons,
// which the wrapper splits) for every rule.
func TestRuleUpdateLong(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, impl := range fuzzImpls(t) {
		for rule := StepRule(0); rule < stepRules; rule++ {
			p := ruleParamSets[float32]()[0]
			p.Rule, p.Subtract, p.Current = rule, true, true
			checkRule(t, fmt.Sprintf("%s rule %d long", impl.Name, rule), impl, &p, 1<<16+100, 1, rng)
		}
	}
}

// TestRuleGenericSpikes checks the reference itself on hand-computed
// neurons, one per rule, so that Generic cannot drift from the equations of
// RuleUpdate32's doc comment unnoticed.
func TestRuleGenericSpikes(t *testing.T) {
	base := RuleParams[float64]{Alpha: 0.5, InGain: 2, Beta: 0.5, VLeak: 0, Gain: 1, Theta: 1, VReset: 0, Sub: 1, Subtract: true, Current: true}
	for _, c := range []struct {
		rule     StepRule
		v, i, in float64
		wantV    float64
		spike    bool
	}{
		// I' = 0.5·0.4 + 2·0.3 = 0.8; U = 0.5·0.6 + 0.8 = 1.1.
		{StepValue, 0.6, 0.4, 0.3, 1.1, false},
		{StepBefore, 0.6, 0.4, 0.3, 1.1, false}, // V = 0.6 ≤ θ
		{StepAfter, 0.6, 0.4, 0.3, 0.1, true},   // U = 1.1 > θ: 1.1 − 1
		// Spyx: V = 1.2 > θ, with a current: U from 0.2 = 0.1 + 0.8, minus 1.
		{StepSpyx, 1.2, 0.4, 0.3, -0.1, true},
		// snnTorch: ρ (V = 1.2 > θ): W = 1.4 − 1 = 0.4 ≤ θ, so the reset is undone: 1.4.
		{StepSnnTorch, 1.2, 0.4, 0.3, 1.4, false},
	} {
		p := base
		p.Rule = c.rule
		V, I, Iin := []float64{c.v}, []float64{c.i}, []float64{c.in}
		mask := []uint64{0}
		n := ruleGeneric64(V, I, Iin, &p, mask)
		if math.Abs(V[0]-c.wantV) > 1e-12 || (n == 1) != c.spike || (mask[0] == 1) != c.spike || math.Abs(I[0]-0.8) > 1e-12 {
			t.Errorf("rule %d: V = %v, I = %v, spikes %d, want V = %v, I = 0.8, spike %v", c.rule, V[0], I[0], n, c.wantV, c.spike)
		}
	}
}

func FuzzRuleUpdate32(f *testing.F) {
	f.Add([]byte("\x40\x02\x0b\x90\x88\x8e\x7c\x84\x70\x60\x78\x74seed bytes for the rule update, float32"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRuleUpdate[float32](t, data) })
}

func FuzzRuleUpdate64(f *testing.F) {
	f.Add([]byte("\x40\x04\x15\x90\x88\x8e\x7c\x84\x70\x60\x78\x74seed bytes for the rule update, float64, a little longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRuleUpdate[float64](t, data) })
}

// fuzzRuleUpdate is the body of FuzzRuleUpdate32 and FuzzRuleUpdate64:
// decoded rule, flags, constants and state, every implementation against
// Generic.
func fuzzRuleUpdate[T float](t *testing.T, data []byte) {
	d := &decoder{data}
	n := d.u8() * 3
	p := RuleParams[T]{Rule: StepRule(d.u8() % int(stepRules))}
	flags := d.u8()
	p.Instant, p.AddLeak, p.Old, p.Subtract, p.Current = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0, flags&16 != 0
	for _, c := range []*T{&p.Alpha, &p.InGain, &p.Leak, &p.Beta, &p.VLeak, &p.Gain, &p.Theta, &p.VReset, &p.Sub, &p.Rest} {
		*c = T(d.small())
	}
	V, I, Iin := vals[T](d, n), vals[T](d, n), vals[T](d, n)
	for _, impl := range fuzzImpls(t) {
		V1, I1, V2, I2 := clone(V), clone(I), clone(V), clone(I)
		S1, S2 := make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n))
		want := ruleImpl[T](Generic)(V1, I1, Iin, &p, S1)
		got := ruleImpl[T](impl)(V2, I2, Iin, &p, S2)
		if got != want {
			t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
		}
		same(t, impl.Name+" V", V2, V1)
		same(t, impl.Name+" I", I2, I1)
		sameU(t, impl.Name+" spikes", S2, S1)
	}
}

// TestRuleUpdateTrials runs RuleUpdateTrials over batches of rows at a
// stride within one array, every rule, ragged widths and strides with gaps
// (whose contents must survive), a single row, and rows longer than an
// assembly call, against Generic bit for bit, guards included.
func TestRuleUpdateTrials(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, impl := range fuzzImpls(t) {
		for rule := StepRule(0); rule < stepRules; rule++ {
			for _, c := range []struct{ n, trials int }{{1, 3}, {7, 1}, {38, 256}, {64, 5}, {100, 9}, {1<<16 + 70, 2}} {
				p := ruleParamSets[float32]()[rng.IntN(2)]
				p.Rule, p.Subtract, p.Current, p.Old = rule, rng.IntN(2) == 0, rng.IntN(2) == 0, rng.IntN(2) == 0
				stride := c.n + rng.IntN(30)
				words := MaskWords(stride) + rng.IntN(2)
				size := (c.trials-1)*stride + c.n
				msize := (c.trials-1)*words + MaskWords(c.n)
				off := rng.IntN(4)
				V := buf(size, off, input(rng, p.Theta, true))
				I := buf(size, off, input(rng, p.Theta, true))
				Iin := buf(size, off, input(rng, p.Theta, true))
				V1, I1, V2, I2 := clone(V), clone(I), clone(V), clone(I)
				S1, S2 := bufU(msize, off), bufU(msize, off)
				name := fmt.Sprintf("%s rule %d n=%d trials=%d stride=%d words=%d", impl.Name, rule, c.n, c.trials, stride, words)
				want := Generic.RuleUpdateTrials32(V1[:c.n], I1[:c.n], Iin[:c.n], stride, c.trials, &p, S1, words)
				got := impl.RuleUpdateTrials32(V2[:c.n], I2[:c.n], Iin[:c.n], stride, c.trials, &p, S2, words)
				if got != want {
					t.Fatalf("%s: count %d, want %d", name, got, want)
				}
				same(t, name+" V", V2, V1)
				same(t, name+" I", I2, I1)
				sameU(t, name+" spikes", S2, S1)
			}
		}
	}
}
