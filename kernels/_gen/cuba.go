package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The CUBA update (kernels.CubaUpdate32/64): the LIF neuron with two
// receptor currents, reset to a value and a refractory counter. For each
// neuron, with c0, c1 the currents before the step, the generic code
// (cubaGeneric in kernels/cuba.go) does
//
//	I0 = A0·c0 + Iin0;  I1 = A1·c1 + Iin1
//	if refrac > 0 { refrac−− ; V unchanged }
//	else { v' = (VLeak + Beta·(V − VLeak)) + Gain·(c0 + c1)
//	       if V > Theta { spike; v' = VReset; refrac = Hold }; V = v' }
//
// with every product rounded before it is added, in float64 as in float32
// (the Go code converts each product explicitly, which forbids fusion), so
// both element types use separate multiplies and adds here.
//
// The vector version computes v' for every lane and selects: held lanes
// (refrac > 0) keep V and count down, spiking lanes (not held, V > Theta,
// ordered so a NaN never spikes) take VReset and Hold. The refractory
// counters are int32; for float64 they are widened to one 64-bit lane per
// neuron on load and narrowed on store, so every mask lines up with the
// float lanes.
//
// The COBA update (coba.go) has the same two receptors, counters and reset
// and differs only in how v' is computed, so the loop over mask words
// (genReceptorUpdate), the loads and the receptors' decay (loadNeuron) and the
// refractory selection (refractReset) are shared.

// cubaConsts are the broadcast parameters of the CUBA update.
type cubaConsts struct {
	a0, a1, beta, vleak, gain reg.VecVirtual
	resetConsts
}

// resetConsts are the broadcast parameters of the threshold, reset and
// refractory counters, shared by the CUBA and COBA updates.
type resetConsts struct {
	theta, vreset reg.VecVirtual
	// hold is Hold in every counter lane (32- or 64-bit, as the floats).
	hold reg.VecVirtual
	// zero is integer zero, for refrac > 0.
	zero reg.VecVirtual
	// minusOne is −1 in every counter lane (AVX-512 only: AVX2 adds its
	// held mask, which is −1 where held, instead).
	minusOne reg.VecVirtual
}

// broadcastParams broadcasts the float parameters named into fresh vector
// registers, in order.
func broadcastParams(s *isa, d *dtype, names ...string) []reg.VecVirtual {
	var out []reg.VecVirtual
	for _, name := range names {
		r := s.vec()
		d.broadcast(paramAddr(name), r)
		out = append(out, r)
	}
	return out
}

func loadCubaConsts(s *isa, d *dtype) *cubaConsts {
	r := broadcastParams(s, d, "a0", "a1", "beta", "vleak", "gain")
	k := &cubaConsts{a0: r[0], a1: r[1], beta: r[2], vleak: r[3], gain: r[4]}
	k.resetConsts = loadResetConsts(s, d)
	return k
}

// loadResetConsts broadcasts theta, vreset and hold and makes the integer
// constants.
func loadResetConsts(s *isa, d *dtype) resetConsts {
	r := broadcastParams(s, d, "theta", "vreset")
	k := resetConsts{theta: r[0], vreset: r[1]}
	// Hold sign-extended to the counter lane width.
	h := GP64()
	MOVLQSX(paramAddr("hold"), h)
	hx := XMM()
	VMOVQ(h, hx)
	k.hold = s.vec()
	if d.size == 4 {
		VPBROADCASTD(hx, k.hold)
	} else {
		VPBROADCASTQ(hx, k.hold)
	}
	k.zero = s.vec()
	s.zero(k.zero)
	if s.is512() {
		k.minusOne = s.vec()
		VPTERNLOGD(U8(0xff), k.minusOne, k.minusOne, k.minusOne)
	}
	return k
}

// receptorPtrs are the base pointers of a two-receptor kernel's slices;
// element i of a float slice is at base + i·size, of refrac at base + 4·i.
type receptorPtrs struct{ v, i0, in0, i1, in1, refrac reg.GPVirtual }

// receptorAddrs addresses one vector of neurons at element index idx +
// first: at(base) in a float slice, refrac in the counters. part is nil
// for a whole vector, or selects the lanes of the last, partial one.
type receptorAddrs struct {
	at     func(base reg.GPVirtual) Mem
	refrac Mem
	part   *laneMask
}

func addrsAt(d *dtype, p *receptorPtrs, idx reg.GPVirtual, first int) receptorAddrs {
	return receptorAddrs{
		at: func(base reg.GPVirtual) Mem {
			return Mem{Base: base, Index: idx, Scale: uint8(d.size), Disp: first * d.size}
		},
		refrac: Mem{Base: p.refrac, Index: idx, Scale: 4, Disp: first * 4},
	}
}

// laneMask selects the first lanes of a vector, for the ragged tail:
// AVX-512 an opmask, AVX2 a VMASKMOV mask of the float lanes. Masked loads
// and stores neither read nor write past the selected lanes, and
// masked-off lanes load as zero.
type laneMask struct {
	k reg.OpmaskVirtual
	f reg.VecVirtual
}

// makeLaneMask builds the mask of the first cnt lanes, 1 ≤ cnt < lanes.
func makeLaneMask(s *isa, d *dtype, cnt reg.GPVirtual) *laneMask {
	if s.is512() {
		b := GP64()
		MOVQ(U32(1), b)
		SHLXQ(cnt, b, b)
		DECQ(b)
		k := K()
		KMOVW(b.As32(), k)
		return &laneMask{k: k}
	}
	return &laneMask{f: tailMaskVec(s, d, cnt)}
}

// counterMask is the AVX2 VPMASKMOVD mask of a partial vector's counters:
// the float mask itself for float32; for float64 the low doublewords of
// its four quadword masks, gathered as storeRefrac gathers the counters.
func counterMask(s *isa, d *dtype, a receptorAddrs) reg.VecVirtual {
	if d.size == 4 {
		return a.part.f
	}
	return lowDoublewords(a.part.f)
}

// lowDoublewords gathers the low doublewords of a YMM's four quadwords (0
// and 2 of each 128-bit half) into an XMM: AVX2 has no VPMOVQD.
func lowDoublewords(r reg.VecVirtual) reg.VecVirtual {
	hi := XMM()
	VEXTRACTI128(U8(1), r, hi)
	lo := XMM()
	VSHUFPS(U8(0x88), hi, r.AsX(), lo)
	return lo
}

// load loads the floats at m, the selected lanes only when part is set.
func (a receptorAddrs) load(s *isa, d *dtype, m Mem, dst reg.VecVirtual) {
	switch {
	case a.part == nil:
		d.movu(m, dst)
	case s.is512() && d.size == 4:
		VMOVUPS_Z(m, a.part.k, dst)
	case s.is512():
		VMOVUPD_Z(m, a.part.k, dst)
	default:
		d.maskLoad(m, a.part.f, dst)
	}
}

// store stores the floats of src to m, the selected lanes only when part
// is set.
func (a receptorAddrs) store(s *isa, d *dtype, src reg.VecVirtual, m Mem) {
	switch {
	case a.part == nil:
		d.movu(src, m)
	case s.is512() && d.size == 4:
		VMOVUPS(src, a.part.k, m)
	case s.is512():
		VMOVUPD(src, a.part.k, m)
	default:
		d.maskStore(src, a.part.f, m)
	}
}

// loadRefrac loads the counters of one vector's lanes, widened to 64 bits
// for float64.
func loadRefrac(s *isa, d *dtype, a receptorAddrs) reg.VecVirtual {
	m, r := a.refrac, s.vec()
	if a.part != nil {
		switch {
		case s.is512() && d.size == 8:
			// A masked doubleword load (fault suppression keeps it within
			// the selected lanes), then the register widening.
			t := ZMM()
			VMOVDQU32_Z(m, a.part.k, t)
			VPMOVSXDQ(t.AsY(), r)
		case s.is512():
			VMOVDQU32_Z(m, a.part.k, r)
		case d.size == 8:
			t := XMM()
			VPMASKMOVD(m, counterMask(s, d, a), t)
			VPMOVSXDQ(t, r)
		default:
			VPMASKMOVD(m, a.part.f, r)
		}
		return r
	}
	switch {
	case d.size == 8:
		VPMOVSXDQ(m, r) // AVX2: m128 → ymm; AVX-512: m256 → zmm
	case s.is512():
		VMOVDQU32(m, r)
	default:
		VMOVDQU(m, r)
	}
	return r
}

// storeRefrac stores the counters, narrowed back to 32 bits for float64.
func storeRefrac(s *isa, d *dtype, r reg.VecVirtual, a receptorAddrs) {
	m := a.refrac
	switch {
	case d.size == 8 && s.is512() && a.part != nil:
		t := YMM()
		VPMOVQD(r, t)
		VMOVDQU32(t.AsZ(), a.part.k, m)
	case d.size == 8 && s.is512():
		VPMOVQD(r, m)
	case d.size == 8:
		lo := lowDoublewords(r)
		if a.part != nil {
			VPMASKMOVD(lo, counterMask(s, d, a), m)
		} else {
			VMOVDQU(lo, m)
		}
	case s.is512() && a.part != nil:
		VMOVDQU32(r, a.part.k, m)
	case s.is512():
		VMOVDQU32(r, m)
	case a.part != nil:
		VPMASKMOVD(r, a.part.f, m)
	default:
		VMOVDQU(r, m)
	}
}

// neuronVec is one vector of neurons as loaded: the receptors' values
// before the step (c0, c1), the potential x and the counters r. With sum
// set, c0 holds c0 + c1 and c1 is nil when the vector is whole.
type neuronVec struct{ c0, c1, x, r reg.VecVirtual }

// loadNeuron loads one vector of neurons, stores the receptors' A0·c0 +
// Iin0 and A1·c1 + Iin1, and zeroes Iin0 and Iin1 (the kernel consumes its
// input). A whole vector does every load before any store: when the
// slices are separate allocations of one size (the benchmarks' are), their
// elements i lie at one offset within a 4 KiB page, and a load issued
// behind a store to another slice's element i matches that store's low 12
// address bits and may wait for it (4K aliasing); with the loads first, a
// store precedes only the loads of later vectors, at other offsets. It
// also lets the vector's loads all start before its first store. Without
// sum (the COBA update, whose drive from V into V's store is the longest
// chain of either update) a whole vector loads V and the counters first,
// so that chain starts while the receptors' loads are still arriving;
// CUBA's chain from V is short and gains nothing. The partial last vector,
// run once per call, stores each receptor as soon as it is decayed, which
// frees the registers its lane mask and masked loads need.
//
// With sum set (the CUBA update, which uses c1 only in A1·c1 and c0 + c1),
// a whole vector reads c1 as a memory operand of both, before its store,
// so it never takes a register or a load instruction of its own: with its
// state in L1 the AVX2 update is bound by instruction throughput.
func loadNeuron(s *isa, d *dtype, p *receptorPtrs, m receptorAddrs, a0, a1, zero reg.VecVirtual, sum bool) neuronVec {
	fold := sum && m.part == nil
	early := !sum && m.part == nil
	v := neuronVec{c0: s.vec(), x: s.vec()}
	if early {
		m.load(s, d, m.at(p.v), v.x)
		v.r = loadRefrac(s, d, m)
	}
	m.load(s, d, m.at(p.i0), v.c0)
	if !fold {
		v.c1 = s.vec()
		m.load(s, d, m.at(p.i1), v.c1)
	}
	type receptor struct {
		a, c, t reg.VecVirtual
		i, in   reg.GPVirtual
	}
	rs := []receptor{{a0, v.c0, s.vec(), p.i0, p.in0}, {a1, v.c1, s.vec(), p.i1, p.in1}}
	store := func(r receptor) {
		m.store(s, d, r.t, m.at(r.i))
		m.store(s, d, zero, m.at(r.in))
	}
	for _, r := range rs {
		if r.c == nil {
			d.mul(m.at(r.i), r.a, r.t)
		} else {
			d.mul(r.a, r.c, r.t)
		}
		if m.part == nil {
			d.add(m.at(r.in), r.t, r.t)
			continue
		}
		in := s.vec()
		m.load(s, d, m.at(r.in), in)
		d.add(in, r.t, r.t)
		store(r)
	}
	if fold {
		d.add(m.at(p.i1), v.c0, v.c0)
	}
	if !early {
		m.load(s, d, m.at(p.v), v.x)
		v.r = loadRefrac(s, d, m)
	}
	if m.part == nil {
		for _, r := range rs {
			store(r)
		}
	}
	return v
}

// laneBits are the bits one vector of neurons gives, in the low bits of
// 32-bit registers: its spikes and, in an ahead kernel, the spikes the
// next step will find (next; nil otherwise).
type laneBits struct{ spikes, next reg.GPVirtual }

func cubaNeuron(s *isa, d *dtype, p *receptorPtrs, m receptorAddrs, k *cubaConsts, ahead bool) laneBits {
	v := loadNeuron(s, d, p, m, k.a0, k.a1, k.zero, true)

	// v' = (VLeak + Beta·(x − VLeak)) + Gain·(c0 + c1), from the currents
	// before the step.
	c0 := v.c0
	if v.c1 != nil {
		d.add(v.c1, c0, c0)
	}
	d.mul(k.gain, c0, c0)
	vn := s.vec()
	d.sub(k.vleak, v.x, vn)
	d.mul(k.beta, vn, vn)
	d.add(vn, k.vleak, vn)
	d.add(c0, vn, vn)
	out := laneBits{spikes: refractReset(s, d, p, m, &k.resetConsts, v.x, v.r, vn)}
	if ahead {
		// refractReset leaves the stored potential in vn and the stored
		// counters in v.r.
		out.next = aheadBits(s, d, m, &k.resetConsts, vn, v.r)
	}
	return out
}

// aheadBits returns the bits of the lanes whose potential v is above
// Theta (ordered: a NaN never spikes) and whose counter r is not
// positive: ThresholdMask's test (threshold.go) of the state a vector's
// update leaves, the spikes the next update will find. In a partial
// vector the bits of the lanes not selected are zero on AVX-512 and
// undefined on AVX2 (the caller clears them), as refractReset's.
func aheadBits(s *isa, d *dtype, m receptorAddrs, k *resetConsts, v, r reg.VecVirtual) reg.GPVirtual {
	bits := GP32()
	if s.is512() {
		// r ≤ 0 in one compare (predicate 2, LE, signed).
		free, next := K(), K()
		if d.size == 4 {
			VPCMPD(U8(2), k.zero, r, free)
		} else {
			VPCMPQ(U8(2), k.zero, r, free)
		}
		if m.part != nil {
			KANDW(m.part.k, free, free)
		}
		if d.size == 4 {
			VCMPPS(U8(gtOQ), k.theta, v, free, next)
		} else {
			VCMPPD(U8(gtOQ), k.theta, v, free, next)
		}
		KMOVW(next, bits)
		return bits
	}
	above, held := s.vec(), s.vec()
	if d.size == 4 {
		VCMPPS(U8(gtOQ), k.theta, v, above)
		VPCMPGTD(k.zero, r, held)
		VANDNPS(above, held, above)
		VMOVMSKPS(above, bits)
	} else {
		VCMPPD(U8(gtOQ), k.theta, v, above)
		VPCMPGTQ(k.zero, r, held)
		VANDNPD(above, held, above)
		VMOVMSKPD(above, bits)
	}
	return bits
}

// refractReset finishes one vector of neurons whose potential before the
// step is x, whose counters are r and whose integrated potential is vn: it
// stores V (x where held, VReset where spiking, vn elsewhere) and the
// counters, and returns the spike bits of its lanes in the low bits of a
// 32-bit register. In a partial vector the bits of the lanes not selected
// are zero on AVX-512 and undefined on AVX2 (the caller clears them).
func refractReset(s *isa, d *dtype, p *receptorPtrs, m receptorAddrs, k *resetConsts, x, r, vn reg.VecVirtual) reg.GPVirtual {
	bits := GP32()
	if s.is512() {
		held, free, spike := K(), K(), K()
		if d.size == 4 {
			VPCMPGTD(k.zero, r, held) // refrac > 0
		} else {
			VPCMPGTQ(k.zero, r, held)
		}
		KNOTW(held, free)
		if m.part != nil {
			KANDW(m.part.k, free, free)
		}
		// x > Theta in the free lanes, zero in the held ones.
		if d.size == 4 {
			VCMPPS(U8(gtOQ), k.theta, x, free, spike)
			VMOVAPS(k.vreset, spike, vn)
			VMOVAPS(x, held, vn)
		} else {
			VCMPPD(U8(gtOQ), k.theta, x, free, spike)
			VMOVAPD(k.vreset, spike, vn)
			VMOVAPD(x, held, vn)
		}
		m.store(s, d, vn, m.at(p.v))
		// Compares into an opmask clear the bits above the lane count.
		KMOVW(spike, bits)
		if d.size == 4 {
			VPADDD(k.minusOne, r, held, r)
			VMOVDQA32(k.hold, spike, r)
		} else {
			VPADDQ(k.minusOne, r, held, r)
			VMOVDQA64(k.hold, spike, r)
		}
	} else {
		// V takes VReset where x > Theta, then x where held, which
		// overrides it: the potential needs no "and not held", which only
		// the counters and the spike bits wait for.
		held, above, spike := s.vec(), s.vec(), s.vec()
		if d.size == 4 {
			VPCMPGTD(k.zero, r, held) // refrac > 0: −1 where held
			VCMPPS(U8(gtOQ), k.theta, x, above)
			VBLENDVPS(above, k.vreset, vn, vn)
			VBLENDVPS(held, x, vn, vn)
			VANDNPS(above, held, spike) // x > Theta and not held
		} else {
			VPCMPGTQ(k.zero, r, held)
			VCMPPD(U8(gtOQ), k.theta, x, above)
			VBLENDVPD(above, k.vreset, vn, vn)
			VBLENDVPD(held, x, vn, vn)
			VANDNPD(above, held, spike)
		}
		m.store(s, d, vn, m.at(p.v))
		if d.size == 4 {
			VMOVMSKPS(spike, bits)
			VPADDD(held, r, r) // refrac − 1 where held
			VBLENDVPS(spike, k.hold, r, r)
		} else {
			VMOVMSKPD(spike, bits)
			VPADDQ(held, r, r)
			VBLENDVPD(spike, k.hold, r, r)
		}
	}
	storeRefrac(s, d, r, m)
	return bits
}

// genCubaUpdate writes CubaUpdate, or with ahead set CubaUpdateAhead: the
// same update, which also writes the mask of the spikes the next step will
// find into next. The plain kernel's code does not change with it.
func genCubaUpdate(s *isa, d *dtype, ahead bool) string {
	kind, sig := "", ""
	if ahead {
		kind, sig = "Ahead", ", next"
	}
	name := fmt.Sprintf("cubaUpdate%s%s%s", kind, d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, I0, Iin0, I1, Iin1 []%[1]s, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset %[1]s, hold int32, spikes%[2]s []uint64) int", d.gotyp, sig))
	if ahead {
		Doc(fmt.Sprintf("%s is CubaUpdateAhead%s for any len(V), writing", name, d.name),
			"(len(V)+63)/64 words of spikes and of next, zero bits past len(V). Products",
			"are rounded before they are added, as in the generic code. The caller checks",
			"the other slices' lengths and chunks long calls.")
	} else {
		Doc(fmt.Sprintf("%s is CubaUpdate%s for any len(V), writing (len(V)+63)/64 mask", name, d.name),
			"words, zero bits past len(V). Products are rounded before they are added, as",
			"in the generic code. The caller checks the other slices' lengths and chunks",
			"long calls.")
	}
	return genReceptorLoop(s, d, name, "I0", "Iin0", "I1", "Iin1", ahead, func() func(p *receptorPtrs, m receptorAddrs) laneBits {
		k := loadCubaConsts(s, d)
		return func(p *receptorPtrs, m receptorAddrs) laneBits { return cubaNeuron(s, d, p, m, k, ahead) }
	})
}

// genReceptorUpdate emits the body of a two-receptor update whose TEXT and
// Doc are written: V, the receptors' slices (named i0, in0, i1, in1),
// refrac and spikes are loaded, consts broadcasts the parameters and
// returns the update of one vector of neurons, which runs over whole mask
// words and then over the ragged tail; the function returns the spike
// count.
func genReceptorUpdate(s *isa, d *dtype, name, i0, in0, i1, in1 string, consts func() func(p *receptorPtrs, m receptorAddrs) reg.GPVirtual) string {
	return genReceptorLoop(s, d, name, i0, in0, i1, in1, false, func() func(p *receptorPtrs, m receptorAddrs) laneBits {
		neuron := consts()
		return func(p *receptorPtrs, m receptorAddrs) laneBits { return laneBits{spikes: neuron(p, m)} }
	})
}

// genReceptorLoop is genReceptorUpdate whose vectors give laneBits: with
// ahead set, the next bits of every word are stored to the slice next as
// the spikes are to spikes.
func genReceptorLoop(s *isa, d *dtype, name, i0, in0, i1, in1 string, ahead bool, consts func() func(p *receptorPtrs, m receptorAddrs) laneBits) string {
	p := &receptorPtrs{v: GP64(), i0: GP64(), in0: GP64(), i1: GP64(), in1: GP64(), refrac: GP64()}
	Load(Param("V").Base(), p.v)
	Load(Param(i0).Base(), p.i0)
	Load(Param(in0).Base(), p.in0)
	Load(Param(i1).Base(), p.i1)
	Load(Param(in1).Base(), p.in1)
	Load(Param("refrac").Base(), p.refrac)
	sp := Load(Param("spikes").Base(), GP64())
	var np reg.GPVirtual
	if ahead {
		np = GP64()
		Load(Param("next").Base(), np)
	}
	n := Load(Param("V").Len(), GP64())
	// An ahead kernel has two more pointers and words live in its loop:
	// it keeps its count in the return slot and rereads the length for
	// the tail, which would otherwise take registers the loop needs.
	var rem, count reg.GPVirtual
	var total Mem
	if ahead {
		ret, err := ReturnIndex(0).Resolve()
		if err != nil {
			panic(err)
		}
		total = ret.Addr
		MOVQ(U32(0), total)
	} else {
		rem = GP64()
		MOVQ(n, rem)
		ANDQ(U8(63), rem)
	}
	ANDQ(I8(-64), n)
	neuron := consts()
	if !ahead {
		count = GP64()
		XORQ(count, count)
	}
	addCount := func(pc reg.GPVirtual) {
		if ahead {
			ADDQ(pc, total)
		} else {
			ADDQ(pc, count)
		}
	}
	idx := GP64()
	XORQ(idx, idx)
	lanes := d.lanes(s)

	TESTQ(n, n)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	word := GP64()
	var nword reg.GPVirtual
	if ahead {
		nword = GP64()
	}
	for j := 0; j < 64/lanes; j++ {
		bits := neuron(p, addrsAt(d, p, idx, j*lanes))
		orBits(word, bits.spikes, j*lanes)
		if ahead {
			orBits(nword, bits.next, j*lanes)
		}
	}
	MOVQ(word, Mem{Base: sp})
	if ahead {
		MOVQ(nword, Mem{Base: np})
		ADDQ(U8(8), np)
	}
	pc := GP64()
	POPCNTQ(word, pc)
	addCount(pc)
	ADDQ(U8(8), sp)
	ADDQ(U8(64), idx)
	CMPQ(idx, n)
	JNE(LabelRef(name + "_loop"))

	// The ragged tail, rem < 64 neurons: whole vectors as in the loop, then
	// the last rem mod lanes neurons in one vector with the lanes past
	// len(V) masked off (the same code on every lane, so the same bits as a
	// whole vector). The whole vectors take no masks: on AMD cores a
	// VMASKMOV store costs several times a plain one, and a tail of whole
	// vectors (4000 neurons leave 32) is the common case.
	Label(name + "_tail")
	if ahead {
		rem = Load(Param("V").Len(), GP64()).(reg.GPVirtual)
		ANDQ(U8(63), rem)
	}
	TESTQ(rem, rem)
	JZ(LabelRef(name + "_done"))
	// The tail's words are built in a register, or, in an ahead kernel,
	// in memory, zeroed first, for want of registers.
	var tw reg.GPVirtual
	if ahead {
		MOVQ(U32(0), Mem{Base: sp})
		MOVQ(U32(0), Mem{Base: np})
	} else {
		tw = GP64()
		XORQ(tw, tw)
	}
	// merge shifts a vector's bits to its first neuron's bit, idx mod 64
	// (the whole words end on a multiple of 64), and merges them into the
	// tail's words.
	merge := func(bits laneBits) {
		shift := GP64()
		MOVQ(idx, shift)
		ANDQ(U8(63), shift)
		SHLXQ(shift, bits.spikes.As64(), bits.spikes.As64())
		if !ahead {
			ORQ(bits.spikes.As64(), tw)
			return
		}
		ORQ(bits.spikes.As64(), Mem{Base: sp})
		SHLXQ(shift, bits.next.As64(), bits.next.As64())
		ORQ(bits.next.As64(), Mem{Base: np})
	}
	wholeVectors(name, rem, lanes, func() {
		merge(neuron(p, addrsAt(d, p, idx, 0)))
		ADDQ(U8(lanes), idx)
	})
	TESTQ(rem, rem)
	JZ(LabelRef(name + "_tailstore"))
	m := addrsAt(d, p, idx, 0)
	m.part = makeLaneMask(s, d, rem)
	bits := neuron(p, m)
	if !s.is512() {
		BZHIQ(rem, bits.spikes.As64(), bits.spikes.As64())
		if ahead {
			BZHIQ(rem, bits.next.As64(), bits.next.As64())
		}
	}
	merge(bits)
	Label(name + "_tailstore")
	tc := GP64()
	if ahead {
		POPCNTQ(Mem{Base: sp}, tc)
	} else {
		MOVQ(tw, Mem{Base: sp})
		POPCNTQ(tw, tc)
	}
	addCount(tc)
	Label(name + "_done")
	if !ahead {
		Store(count, ReturnIndex(0))
	}
	end(s)
	return name
}
