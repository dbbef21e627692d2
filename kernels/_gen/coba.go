package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/reg"
)

// The COBA update (kernels.CobaUpdate32/64): the conductance-based LIF
// neuron with two receptors, reset to a value and a refractory counter. For
// each neuron, with g0, g1 the conductances before the step, the generic
// code (cobaGeneric in kernels/coba.go) does
//
//	G0 = A0·g0 + Gin0;  G1 = A1·g1 + Gin1
//	if refrac > 0 { refrac−− ; V unchanged }
//	else { v' = V + Gamma·(((VLeak − V) + g0·(E0 − V)) + g1·(E1 − V))
//	       if V > Theta { spike; v' = VReset; refrac = Hold }; V = v' }
//
// with every product rounded before it is added, in float64 as in float32,
// like the CUBA update, whose loop, receptor decay and refractory selection
// (cuba.go) it shares.

// cobaConsts are the broadcast parameters of the COBA update.
type cobaConsts struct {
	a0, a1, gamma, vleak, e0, e1 reg.VecVirtual
	resetConsts
}

func loadCobaConsts(s *isa, d *dtype) *cobaConsts {
	r := broadcastParams(s, d, "a0", "a1", "gamma", "vleak", "e0", "e1")
	k := &cobaConsts{a0: r[0], a1: r[1], gamma: r[2], vleak: r[3], e0: r[4], e1: r[5]}
	k.resetConsts = loadResetConsts(s, d)
	return k
}

func cobaNeuron(s *isa, d *dtype, p *receptorPtrs, m receptorAddrs, k *cobaConsts) reg.GPVirtual {
	v := loadNeuron(s, d, p, m, k.a0, k.a1, k.zero, false)

	// v' = x + Gamma·(((VLeak − x) + g0·(E0 − x)) + g1·(E1 − x)), from the
	// conductances before the step, each product rounded and the sum taken
	// in that order. The products overwrite the conductances, so that the
	// partial last vector, which also holds its lane mask, fits the sixteen
	// AVX2 registers.
	x, g0, g1 := v.x, v.c0, v.c1
	t := s.vec()
	d.sub(x, k.e0, t)
	d.mul(t, g0, g0)
	t = s.vec()
	d.sub(x, k.e1, t)
	d.mul(t, g1, g1)
	drive := s.vec()
	d.sub(x, k.vleak, drive)
	d.add(g0, drive, drive)
	d.add(g1, drive, drive)
	d.mul(k.gamma, drive, drive)
	vn := s.vec()
	d.add(drive, x, vn)
	return refractReset(s, d, p, m, &k.resetConsts, x, v.r, vn)
}

func genCobaUpdate(s *isa, d *dtype) string {
	name := fmt.Sprintf("cobaUpdate%s%s", d.name, s.name)
	TEXT(name, NOSPLIT, fmt.Sprintf("func(V, G0, Gin0, G1, Gin1 []%[1]s, refrac []int32, a0, a1, gamma, vleak, e0, e1, theta, vreset %[1]s, hold int32, spikes []uint64) int", d.gotyp))
	Doc(fmt.Sprintf("%s is CobaUpdate%s for any len(V), writing (len(V)+63)/64 mask", name, d.name),
		"words, zero bits past len(V). Products are rounded before they are added, as",
		"in the generic code. The caller checks the other slices' lengths and chunks",
		"long calls.")
	return genReceptorUpdate(s, d, name, "G0", "Gin0", "G1", "Gin1", func() func(p *receptorPtrs, m receptorAddrs) reg.GPVirtual {
		k := loadCobaConsts(s, d)
		return func(p *receptorPtrs, m receptorAddrs) reg.GPVirtual { return cobaNeuron(s, d, p, m, k) }
	})
}
