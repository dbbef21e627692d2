package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The general one-receptor neuron update (kernels.RuleUpdate32/64), one
// function per step rule, in the order of ruleGeneric in kernels/rule.go:
//
//	cn = h·in (Instant), else α·c + h·in (+ Leak if AddLeak)
//	J  = c if Old, else cn
//	U  = (VLeak + β·(x − VLeak)) + g·J
//
// then the rule's threshold and reset. Every product is rounded before it is
// added, in float64 too, so both element types use separate multiplies and
// adds. Each vector computes every alternative and selects lanes: by the
// flags, which are all-ones or zero words passed as arguments and turned
// into a mask at each use (they are loop-invariant, so the loads stay in L1
// and the branch-free body is the same for every combination), and by the
// comparisons. Constants that do not fit the register file beside the
// temporaries (AVX2 has 16 vector registers, and AVX-512 7 usable opmasks)
// are broadcast from their argument slots where they are used.

// ruleRules are the kernels' step rules in kernels.StepRule order, by the
// suffix of their function names.
var ruleRules = []string{"Value", "Before", "After", "Spyx", "SnnTorch"}

// ruleConsts are the broadcast parameters held in registers.
type ruleConsts struct {
	alpha, h, beta, vleak, gain, theta reg.VecVirtual
}

func loadRuleConsts(s *isa, d *dtype) *ruleConsts {
	k := &ruleConsts{}
	for _, p := range []struct {
		name string
		r    *reg.VecVirtual
	}{
		{"alpha", &k.alpha}, {"h", &k.h}, {"beta", &k.beta}, {"vleak", &k.vleak},
		{"gain", &k.gain}, {"theta", &k.theta},
	} {
		*p.r = s.vec()
		d.broadcast(paramAddr(p.name), *p.r)
	}
	return k
}

// ruleConstNames are the per-neuron constants in the order of a packed
// table (kernels.PackRule): 64 values of each per mask word.
var ruleConstNames = []string{"alpha", "h", "leak", "beta", "vleak", "gain", "theta", "vreset", "sub", "rest"}

// ruleSrc hands ruleNeuron its constants: broadcasts, or the lanes of the
// vector being updated in a per-neuron table.
type ruleSrc interface{ get(name string) Op }

// uniformSrc is the broadcast constants, hot ones in registers.
type uniformSrc struct {
	s *isa
	d *dtype
	k *ruleConsts
}

func (u uniformSrc) get(name string) Op {
	switch name {
	case "alpha":
		return u.k.alpha
	case "h":
		return u.k.h
	case "beta":
		return u.k.beta
	case "vleak":
		return u.k.vleak
	case "gain":
		return u.k.gain
	case "theta":
		return u.k.theta
	}
	return cold(u.s, u.d, name)
}

// perSrc reads constant r of the vector from memory at(r).
type perSrc struct{ at func(r int) Mem }

func (p perSrc) get(name string) Op {
	for r, n := range ruleConstNames {
		if n == name {
			return p.at(r)
		}
	}
	panic("unknown constant " + name)
}

// cold broadcasts the parameter name into a fresh register.
func cold(s *isa, d *dtype, name string) reg.VecVirtual {
	r := s.vec()
	d.broadcast(paramAddr(name), r)
	return r
}

// laneFlag turns the all-ones-or-zero argument name into a lane mask: an
// opmask for AVX-512 (through a general register), a vector of all-ones or
// zero lanes for AVX2 (broadcast from the argument's 64 bits, which covers
// float32 lanes too).
func laneFlag(s *isa, d *dtype, name string) Op {
	if s.is512() {
		r := GP64()
		MOVQ(paramAddr(name), r)
		k := K()
		KMOVW(r.As32(), k)
		return k
	}
	r := s.vec()
	VBROADCASTSD(paramAddr(name), r)
	return r
}

// gt is the mask of lanes where a > b, false for NaN, as Go's a > b.
func gt(s *isa, d *dtype, a, b Op) Op {
	var m Op
	if s.is512() {
		m = K()
	} else {
		m = s.vec()
	}
	if d.size == 4 {
		VCMPPS(U8(gtOQ), b, a, m)
	} else {
		VCMPPD(U8(gtOQ), b, a, m)
	}
	return m
}

// and returns a ∧ b; andNot a ∧ ¬b.
func and(s *isa, a, b Op) Op {
	if s.is512() {
		m := K()
		KANDW(a, b, m)
		return m
	}
	m := s.vec()
	VANDPS(a, b, m)
	return m
}

func andNot(s *isa, a, b Op) Op {
	if s.is512() {
		m := K()
		KANDNW(a, b, m)
		return m
	}
	m := s.vec()
	VANDNPS(a, b, m)
	return m
}

// blend returns m ? a : b lane by lane; a may be in memory, and b too
// (loaded first where the instruction needs a register).
func blend(s *isa, d *dtype, m, a, b Op) reg.VecVirtual {
	if mem, ok := b.(Mem); ok && !s.is512() {
		r := s.vec()
		d.movu(mem, r)
		b = r
	}
	dst := s.vec()
	switch {
	case s.is512() && d.size == 4:
		VMOVUPS(b, dst)
		VMOVUPS(a, m, dst)
	case s.is512():
		VMOVUPD(b, dst)
		VMOVUPD(a, m, dst)
	case d.size == 4:
		VBLENDVPS(m, a, b, dst)
	default:
		VBLENDVPD(m, a, b, dst)
	}
	return dst
}

// maskBits returns the lanes of m as the low bits of a 32-bit register.
func maskBits(s *isa, d *dtype, m Op) reg.GPVirtual {
	b := GP32()
	switch {
	case s.is512():
		// Compares into an opmask clear the bits above the lane count.
		KMOVW(m, b)
	case d.size == 4:
		VMOVMSKPS(m, b)
	default:
		VMOVMSKPD(m, b)
	}
	return b
}

// ruleIO loads and stores one vector of the kernel's slices: whole, or the
// first lanes of a ragged tail.
type ruleIO struct {
	load  func(base reg.Register) reg.VecVirtual
	store func(r reg.VecVirtual, base reg.Register)
}

// ruleNeuron emits the update of one vector of neurons and returns its
// spike bits (nil for StepValue).
func ruleNeuron(s *isa, d *dtype, rule string, k ruleSrc, io ruleIO, vp, ip, inp reg.Register) reg.GPVirtual {
	x, c, in := io.load(vp), io.load(ip), io.load(inp)
	hin := s.vec()
	d.mul(k.get("h"), in, hin)
	t := s.vec()
	d.mul(k.get("alpha"), c, t)
	d.add(hin, t, t)
	tl := s.vec()
	leak := k.get("leak")
	d.add(leak, t, tl)
	// Leak is added where the flag is set and the lane's Leak is not 0
	// (adding +0 would turn a −0 current into +0).
	zero := s.vec()
	s.zero(zero)
	var nonzero Op
	if s.is512() {
		nonzero = K()
	} else {
		nonzero = s.vec()
	}
	if d.size == 4 {
		VCMPPS(U8(neqUQ), leak, zero, nonzero)
	} else {
		VCMPPD(U8(neqUQ), leak, zero, nonzero)
	}
	t = blend(s, d, and(s, laneFlag(s, d, "addLeak"), nonzero), tl, t)
	cn := blend(s, d, laneFlag(s, d, "instant"), hin, t)
	io.store(cn, ip)
	J := blend(s, d, laneFlag(s, d, "old"), c, cn)
	gj := s.vec()
	d.mul(k.get("gain"), J, gj)
	// integrate returns (VLeak + β·(from − VLeak)) + g·J.
	integrate := func(from reg.VecVirtual) reg.VecVirtual {
		u := s.vec()
		d.sub(k.get("vleak"), from, u)
		d.mul(k.get("beta"), u, u)
		d.add(k.get("vleak"), u, u)
		d.add(gj, u, u)
		return u
	}
	minusSub := func(u reg.VecVirtual) reg.VecVirtual {
		r := s.vec()
		d.sub(k.get("sub"), u, r)
		return r
	}
	reset := func(u reg.VecVirtual) reg.VecVirtual {
		return blend(s, d, laneFlag(s, d, "subtract"), minusSub(u), k.get("vreset"))
	}
	var v reg.VecVirtual
	var spike Op
	switch rule {
	case "Value":
		v = integrate(x)
	case "Before":
		u := integrate(x)
		spike = gt(s, d, x, k.get("theta"))
		v = blend(s, d, spike, reset(u), u)
	case "After":
		u := integrate(x)
		spike = gt(s, d, u, k.get("theta"))
		v = blend(s, d, spike, reset(u), u)
	case "Spyx":
		spike = gt(s, d, x, k.get("theta"))
		from := blend(s, d, and(s, spike, laneFlag(s, d, "current")), minusSub(x), x)
		u := integrate(from)
		v = blend(s, d, spike, minusSub(u), u)
	case "SnnTorch":
		u := integrate(x)
		rho := gt(s, d, x, k.get("theta"))
		rest := s.vec()
		d.add(k.get("rest"), gj, rest)
		val := blend(s, d, laneFlag(s, d, "current"), k.get("vreset"), rest)
		w := blend(s, d, rho, blend(s, d, laneFlag(s, d, "subtract"), minusSub(u), val), u)
		spike = gt(s, d, w, k.get("theta"))
		// ρ and not s: W + σ (subtract), else W + (W − VReset).
		plus := s.vec()
		d.add(k.get("sub"), w, plus)
		twice := s.vec()
		d.sub(k.get("vreset"), w, twice)
		d.add(w, twice, twice)
		undo := blend(s, d, andNot(s, rho, spike), blend(s, d, laneFlag(s, d, "subtract"), plus, twice), w)
		v = blend(s, d, andNot(s, spike, rho), reset(w), undo)
	default:
		panic("unknown rule " + rule)
	}
	io.store(v, vp)
	if spike == nil {
		return nil
	}
	return maskBits(s, d, spike)
}

// genRuleUpdate writes one rule's kernel, with constants broadcast from
// its scalar arguments or, per, read neuron by neuron from a packed table
// (64 values of each constant per mask word, kernels.PackRule), whose
// whole words make the tail's full-vector loads safe.
func genRuleUpdate(s *isa, d *dtype, rule string, per bool) string {
	suffix := ""
	if per {
		suffix = "Per"
	}
	name := fmt.Sprintf("ruleUpdate%s%s%s%s", d.name, rule, suffix, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, I, Iin []%[1]s, stride, trials int, alpha, h, leak, beta, vleak, gain, theta, vreset, sub, rest %[1]s, instant, addLeak, old, subtract, current uint64, spikes []uint64, words int, per []%[1]s) int", d.gotyp))
	what := "the scalar constants (per unused)"
	if per {
		what = "the constants of the packed table per (the scalars unused)"
	}
	Doc(fmt.Sprintf("%s is RuleUpdateTrials%s with rule Step%s and %s,", name, d.name, rule, what),
		"for any len(V) (n): trials ≥ 1 rows of n neurons at a stride of stride elements,",
		"each writing (n+63)/64 mask words from a stride of words, a partial last word whole",
		"with zero bits past n. The flags are all-ones or zero. The caller checks lengths",
		"and chunks long calls.")
	vp := Load(Param("V").Base(), GP64())
	ip := Load(Param("I").Base(), GP64())
	inp := Load(Param("Iin").Base(), GP64())
	sp := Load(Param("spikes").Base(), GP64())
	lanes := d.lanes(s)
	// After a trial the pointers have moved over n rounded up to whole
	// vectors (the tail's partial vector advances them too) and over
	// (n+63)/64 mask words; skip and skipMask take them to the next row.
	skip, skipMask := AllocLocal(8), AllocLocal(8)
	{
		t := GP64()
		Load(Param("V").Len(), t)
		ADDQ(U8(lanes-1), t)
		ANDQ(I8(-lanes), t)
		SHLQ(U8(d.shift), t)
		st := Load(Param("stride"), GP64())
		SHLQ(U8(d.shift), st)
		SUBQ(t, st)
		MOVQ(st, skip)
		w := Load(Param("V").Len(), GP64())
		ADDQ(U8(63), w)
		SHRQ(U8(6), w)
		SHLQ(U8(3), w)
		ws := Load(Param("words"), GP64())
		SHLQ(U8(3), ws)
		SUBQ(w, ws)
		MOVQ(ws, skipMask)
	}
	trials := Load(Param("trials"), GP64())
	var src func(at func(r int) Mem) ruleSrc
	var pp reg.GPVirtual
	if per {
		pp = GP64()
		src = func(at func(r int) Mem) ruleSrc { return perSrc{at} }
	} else {
		u := uniformSrc{s, d, loadRuleConsts(s, d)}
		src = func(func(int) Mem) ruleSrc { return u }
	}
	// block is the bytes of one constant's 64 values in the table.
	block := 64 * d.size
	count := GP64()
	XORQ(count, count)
	n, rem := GP64(), GP64()
	Label(name + "_row")
	if per {
		Load(Param("per").Base(), pp)
	}
	Load(Param("V").Len(), n)
	MOVQ(n, rem)
	ANDQ(U8(63), rem)
	SHRQ(U8(6), n)
	whole := ruleIO{
		load: func(base reg.Register) reg.VecVirtual {
			r := s.vec()
			d.movu(Mem{Base: base}, r)
			return r
		},
		store: func(r reg.VecVirtual, base reg.Register) { d.movu(r, Mem{Base: base}) },
	}
	advance := func(bytes int) {
		ADDQ(U32(bytes), vp)
		ADDQ(U32(bytes), ip)
		ADDQ(U32(bytes), inp)
	}
	// ruleVec is one whole vector at the pointers, advancing them; its
	// constants at lane offset j·lanes of the word at pp (main loop) or at
	// the tail's shift.
	ruleVec := func(at func(r int) Mem) reg.GPVirtual {
		b := ruleNeuron(s, d, rule, src(at), whole, vp, ip, inp)
		advance(s.vbyte)
		return b
	}
	tailAt := func(shift reg.GPVirtual) func(r int) Mem {
		return func(r int) Mem { return Mem{Base: pp, Index: shift, Scale: uint8(d.size), Disp: r * block} }
	}

	TESTQ(n, n)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	word := GP64()
	XORQ(word, word)
	for j := 0; j < 64/lanes; j++ {
		at := func(r int) Mem { return Mem{Base: pp, Disp: r*block + j*s.vbyte} }
		if bits := ruleVec(at); bits != nil {
			orBits(word, bits, j*lanes)
		}
	}
	if per {
		ADDQ(U32(len(ruleConstNames)*block), pp)
	}
	MOVQ(word, Mem{Base: sp})
	pc := GP64()
	POPCNTQ(word, pc)
	ADDQ(pc, count)
	ADDQ(U8(8), sp)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))

	// The ragged last word: whole vectors, then the first rem lanes of one
	// more, loaded and stored under a mask so that nothing past the slices
	// is touched; the masked-off lanes compute on zeros and their bits are
	// cleared.
	Label(name + "_tail")
	TESTQ(rem, rem)
	JZ(LabelRef(name + "_rowend"))
	tw, shift := GP64(), GP64()
	XORQ(tw, tw)
	XORQ(shift, shift)
	wholeVectors(name, rem, lanes, func() {
		if bits := ruleVec(tailAt(shift)); bits != nil {
			b := bits.As64()
			SHLXQ(shift, b, b)
			ORQ(b, tw)
		}
		ADDQ(U8(lanes), shift)
	})
	TESTQ(rem, rem)
	JZ(LabelRef(name + "_tailstore"))
	{
		t := newTail(s, d, rem)
		part := ruleIO{
			load:  func(base reg.Register) reg.VecVirtual { return t.load(Mem{Base: base}) },
			store: func(r reg.VecVirtual, base reg.Register) { t.store(r, Mem{Base: base}) },
		}
		if bits := ruleNeuron(s, d, rule, src(tailAt(shift)), part, vp, ip, inp); bits != nil {
			b := bits.As64()
			BZHIQ(rem, b, b)
			SHLXQ(shift, b, b)
			ORQ(b, tw)
		}
		advance(s.vbyte)
	}
	Label(name + "_tailstore")
	MOVQ(tw, Mem{Base: sp})
	tc := GP64()
	POPCNTQ(tw, tc)
	ADDQ(tc, count)
	ADDQ(U8(8), sp)

	Label(name + "_rowend")
	for _, p := range []reg.GPVirtual{vp.(reg.GPVirtual), ip.(reg.GPVirtual), inp.(reg.GPVirtual)} {
		ADDQ(skip, p)
	}
	ADDQ(skipMask, sp)
	DECQ(trials)
	JNZ(LabelRef(name + "_row"))

	Label(name + "_done")
	Store(count, ReturnIndex(0))
	end(s)
	return name
}
