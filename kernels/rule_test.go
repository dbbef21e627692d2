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
	f.Add([]byte("\x16\x04\x2b\x90\x88\x8e\x7c\x84\x70\x60\x78\x74seed bytes for the rule update with per-neuron constants"))
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
	if flags&32 != 0 {
		// Per-neuron constants, decoded like the scalar ones.
		c := &RuleConsts[T]{}
		for _, col := range []*[]T{&c.Alpha, &c.InGain, &c.Leak, &c.Beta, &c.VLeak, &c.Gain, &c.Theta, &c.VReset, &c.Sub, &c.Rest} {
			*col = make([]T, n)
			for i := range *col {
				(*col)[i] = T(d.small())
			}
		}
		p.Per = PackRule(c)
	}
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

// perNeuronParams returns p with Per set to n neurons' own constants:
// those of p perturbed neuron by neuron (Leak 0 for some, so the lane test
// of AddLeak is exercised), and the unpacked columns.
func perNeuronParams[T float](rng *rand.Rand, p RuleParams[T], n int) (RuleParams[T], *RuleConsts[T]) {
	c := &RuleConsts[T]{}
	cols := []*[]T{&c.Alpha, &c.InGain, &c.Leak, &c.Beta, &c.VLeak, &c.Gain, &c.Theta, &c.VReset, &c.Sub, &c.Rest}
	base := []T{p.Alpha, p.InGain, p.Leak, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Sub, p.Rest}
	for r, col := range cols {
		*col = make([]T, n)
		for i := range *col {
			v := base[r] * T(0.5+rng.Float64())
			if r == 2 && rng.IntN(3) == 0 {
				v = 0
			}
			(*col)[i] = v
		}
	}
	p.Per = PackRule(c)
	return p, c
}

// TestRuleUpdatePerNeuron runs per-neuron constants through every
// implementation against Generic (every rule, flags, ragged sizes, rows at
// a stride), and checks Generic's per-neuron loop against the scalar
// kernel run one neuron at a time with that neuron's constants.
func TestRuleUpdatePerNeuron(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for rule := StepRule(0); rule < stepRules; rule++ {
		for flags := 0; flags < 32; flags++ {
			base := ruleParamSets[float32]()[rng.IntN(2)]
			base.Rule = rule
			base.Instant, base.AddLeak, base.Old, base.Subtract, base.Current = flags&1 != 0, flags&2 != 0, flags&4 != 0, flags&8 != 0, flags&16 != 0
			for _, n := range []int{1, 7, 38, 64, 67, 200} {
				p, c := perNeuronParams(rng, base, n)
				const trials = 3
				stride := n + rng.IntN(9)
				words := MaskWords(stride)
				size := (trials-1)*stride + n
				V := buf(size, 1, input(rng, base.Theta, true))
				I := buf(size, 1, input(rng, base.Theta, true))
				Iin := buf(size, 1, input(rng, base.Theta, true))
				msize := (trials-1)*words + MaskWords(n)
				name := fmt.Sprintf("rule %d flags %05b n=%d", rule, flags, n)
				// Generic against one neuron at a time.
				V1, I1 := clone(V), clone(I)
				S1 := bufU(msize, 0)
				want := Generic.RuleUpdateTrials32(V1[:n], I1[:n], Iin[:n], stride, trials, &p, S1, words)
				V0, I0 := clone(V), clone(I)
				count := 0
				for b := range trials {
					for i := range n {
						q := base
						q.Alpha, q.InGain, q.Leak, q.Beta, q.VLeak = c.Alpha[i], c.InGain[i], c.Leak[i], c.Beta[i], c.VLeak[i]
						q.Gain, q.Theta, q.VReset, q.Sub, q.Rest = c.Gain[i], c.Theta[i], c.VReset[i], c.Sub[i], c.Rest[i]
						q.AddLeak = base.AddLeak && q.Leak != 0
						j := b*stride + i
						m := []uint64{0}
						count += ruleGeneric32(V0[j:j+1], I0[j:j+1], Iin[j:j+1], &q, m)
						if bit := S1[b*words+i>>6]>>(i&63)&1 == 1; bit != (m[0] == 1) {
							t.Fatalf("%s: trial %d neuron %d spike %v, alone %v", name, b, i, bit, m[0] == 1)
						}
					}
				}
				if count != want {
					t.Fatalf("%s: %d spikes, %d neuron by neuron", name, want, count)
				}
				same(t, name+" V alone", V1, V0)
				same(t, name+" I alone", I1, I0)
				for _, impl := range fuzzImpls(t) {
					V2, I2 := clone(V), clone(I)
					S2 := bufU(msize, 0)
					got := impl.RuleUpdateTrials32(V2[:n], I2[:n], Iin[:n], stride, trials, &p, S2, words)
					if got != want {
						t.Fatalf("%s %s: count %d, want %d", impl.Name, name, got, want)
					}
					same(t, impl.Name+" "+name+" V", V2, V1)
					same(t, impl.Name+" "+name+" I", I2, I1)
					sameU(t, impl.Name+" "+name+" spikes", S2, S1)
				}
			}
		}
	}
}

// TestRuleUpdatePerNeuronShort: a table shorter than the neurons' words
// panics in every implementation before anything is written.
func TestRuleUpdatePerNeuronShort(t *testing.T) {
	for _, impl := range Available() {
		p := ruleParamSets[float32]()[0]
		p.Per = make([]float32, PackedWord) // one word, for 65 neurons
		V, I, Iin := make([]float32, 65), make([]float32, 65), make([]float32, 65)
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", impl.Name)
				}
			}()
			impl.RuleUpdate32(V, I, Iin, &p, make([]uint64, 2))
		}()
	}
}
