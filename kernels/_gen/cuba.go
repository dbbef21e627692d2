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

// cubaConsts are the broadcast parameters of the CUBA update.
type cubaConsts struct {
	a0, a1, beta, vleak, gain, theta, vreset reg.VecVirtual
	// hold is Hold in every counter lane (32- or 64-bit, as the floats).
	hold reg.VecVirtual
	// zero is integer zero, for refrac > 0.
	zero reg.VecVirtual
	// minusOne is −1 in every counter lane (AVX-512 only: AVX2 adds its
	// held mask, which is −1 where held, instead).
	minusOne reg.VecVirtual
}

func loadCubaConsts(s *isa, d *dtype) *cubaConsts {
	k := &cubaConsts{}
	for _, p := range []struct {
		name string
		r    *reg.VecVirtual
	}{
		{"a0", &k.a0}, {"a1", &k.a1}, {"beta", &k.beta}, {"vleak", &k.vleak},
		{"gain", &k.gain}, {"theta", &k.theta}, {"vreset", &k.vreset},
	} {
		*p.r = s.vec()
		d.broadcast(paramAddr(p.name), *p.r)
	}
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

// cubaPtrs are the base pointers of the kernel's slices; element i of a
// float slice is at base + i·size, of refrac at base + 4·i.
type cubaPtrs struct{ v, i0, in0, i1, in1, refrac reg.GPVirtual }

// loadRefrac loads the counters of one vector's lanes, widened to 64 bits
// for float64.
func loadRefrac(s *isa, d *dtype, m Mem) reg.VecVirtual {
	r := s.vec()
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
func storeRefrac(s *isa, d *dtype, r reg.VecVirtual, m Mem) {
	switch {
	case d.size == 8 && s.is512():
		VPMOVQD(r, m)
	case d.size == 8:
		// AVX2 has no VPMOVQD: gather the low doublewords of the four
		// quadwords (0 and 2 of each 128-bit half).
		hi := XMM()
		VEXTRACTI128(U8(1), r, hi)
		lo := XMM()
		VSHUFPS(U8(0x88), hi, r.AsX(), lo)
		VMOVDQU(lo, m)
	case s.is512():
		VMOVDQU32(r, m)
	default:
		VMOVDQU(r, m)
	}
}

// cubaNeuron emits the update of one vector of neurons at element index
// idx + first and returns the spike bits of its lanes in the low bits of a
// 32-bit register.
func cubaNeuron(s *isa, d *dtype, p *cubaPtrs, idx reg.GPVirtual, first int, k *cubaConsts) reg.GPVirtual {
	at := func(base reg.GPVirtual) Mem {
		return Mem{Base: base, Index: idx, Scale: uint8(d.size), Disp: first * d.size}
	}
	ratMem := Mem{Base: p.refrac, Index: idx, Scale: 4, Disp: first * 4}

	// The currents, from the values before the step.
	c0, c1 := s.vec(), s.vec()
	d.movu(at(p.i0), c0)
	d.movu(at(p.i1), c1)
	t := s.vec()
	d.mul(k.a0, c0, t)
	d.add(at(p.in0), t, t)
	d.movu(t, at(p.i0))
	t = s.vec()
	d.mul(k.a1, c1, t)
	d.add(at(p.in1), t, t)
	d.movu(t, at(p.i1))

	// v' = (VLeak + Beta·(x − VLeak)) + Gain·(c0 + c1).
	d.add(c1, c0, c0)
	d.mul(k.gain, c0, c0)
	x := s.vec()
	d.movu(at(p.v), x)
	vn := s.vec()
	d.sub(k.vleak, x, vn)
	d.mul(k.beta, vn, vn)
	d.add(vn, k.vleak, vn)
	d.add(c0, vn, vn)

	r := loadRefrac(s, d, ratMem)
	bits := GP32()
	if s.is512() {
		held, free, spike := K(), K(), K()
		if d.size == 4 {
			VPCMPGTD(k.zero, r, held) // refrac > 0
		} else {
			VPCMPGTQ(k.zero, r, held)
		}
		KNOTW(held, free)
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
		d.movu(vn, at(p.v))
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
		held, spike := s.vec(), s.vec()
		if d.size == 4 {
			VPCMPGTD(k.zero, r, held) // refrac > 0: −1 where held
			VCMPPS(U8(gtOQ), k.theta, x, spike)
			VANDNPS(spike, held, spike) // x > Theta and not held
			VBLENDVPS(spike, k.vreset, vn, vn)
			VBLENDVPS(held, x, vn, vn)
		} else {
			VPCMPGTQ(k.zero, r, held)
			VCMPPD(U8(gtOQ), k.theta, x, spike)
			VANDNPD(spike, held, spike)
			VBLENDVPD(spike, k.vreset, vn, vn)
			VBLENDVPD(held, x, vn, vn)
		}
		d.movu(vn, at(p.v))
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
	storeRefrac(s, d, r, ratMem)
	return bits
}

func genCubaUpdate(s *isa, d *dtype) string {
	name := fmt.Sprintf("cubaUpdate%s%s", d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, I0, Iin0, I1, Iin1 []%[1]s, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset %[1]s, hold int32, spikes []uint64) int", d.gotyp))
	Doc(fmt.Sprintf("%s is CubaUpdate%s for len(V) a multiple of 64, writing len(V)/64 mask", name, d.name),
		"words. Products are rounded before they are added, as in the generic code.",
		"The caller checks the other slices' lengths and chunks long calls.")
	p := &cubaPtrs{v: GP64(), i0: GP64(), in0: GP64(), i1: GP64(), in1: GP64(), refrac: GP64()}
	Load(Param("V").Base(), p.v)
	Load(Param("I0").Base(), p.i0)
	Load(Param("Iin0").Base(), p.in0)
	Load(Param("I1").Base(), p.i1)
	Load(Param("Iin1").Base(), p.in1)
	Load(Param("refrac").Base(), p.refrac)
	sp := Load(Param("spikes").Base(), GP64())
	n := Load(Param("V").Len(), GP64())
	ANDQ(I8(-64), n)
	k := loadCubaConsts(s, d)
	count := GP64()
	XORQ(count, count)
	idx := GP64()
	XORQ(idx, idx)
	lanes := d.lanes(s)

	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	word := GP64()
	for j := 0; j < 64/lanes; j++ {
		bits := cubaNeuron(s, d, p, idx, j*lanes, k)
		orBits(word, bits, j*lanes)
	}
	MOVQ(word, Mem{Base: sp})
	pc := GP64()
	POPCNTQ(word, pc)
	ADDQ(pc, count)
	ADDQ(U8(8), sp)
	ADDQ(U8(64), idx)
	CMPQ(idx, n)
	JNE(LabelRef(name + "_loop"))
	Label(name + "_done")
	Store(count, ReturnIndex(0))
	end(s)
	return name
}
