package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// ThresholdMask (kernels.ThresholdMask32/64), the spikes the next update
// of a threshold-before-integrate neuron will find, thresholdMaskGeneric
// in kernels/threshold.go: one mask word per 64 neurons, bit j set when
// V > theta (ordered: a NaN never spikes) and, with counters, the counter
// is not positive — the test refractReset (cuba.go) makes in the update
// kernels, without their stores. Each vector's lanes give their bits
// (AVX-512: an opmask compare, masked by the counters' VPCMPGT; AVX2:
// VCMPPS and VANDN of the counters' VPCMPGT, then VMOVMSK), merged into
// the word, which is stored and counted with POPCNT. Float64 counters are
// widened to 64-bit lanes on load (VPMOVSXDQ) as the updates do.

// genThresholdMask writes ThresholdMask for whole words of neurons, with
// refractory counters (held) or without.
func genThresholdMask(s *isa, d *dtype, held bool) string {
	kind, sig, doc := "Free", fmt.Sprintf("func(spikes []uint64, V []%s, theta %[1]s) int", d.gotyp), "V > theta"
	if held {
		kind = "Held"
		sig = fmt.Sprintf("func(spikes []uint64, V []%s, refrac []int32, theta %[1]s) int", d.gotyp)
		doc = "V > theta and refrac ≤ 0"
	}
	name := fmt.Sprintf("thresholdMask%s%s%s", d.name, kind, s.name)
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(fmt.Sprintf("%s is ThresholdMask%s for len(V) a multiple of 64: spikes[w] holds", name, d.name),
		fmt.Sprintf("the bits of %s for V[64w : 64w+64]; it returns their count.", doc),
		"The caller checks the lengths and chunks long calls.")
	vp := Load(Param("V").Base(), GP64())
	mp := Load(Param("spikes").Base(), GP64())
	words := Load(Param("V").Len(), GP64())
	SHRQ(U8(6), words)
	theta := broadcastParams(s, d, "theta")[0]
	var rp = GP64()
	zero := s.vec()
	if held {
		Load(Param("refrac").Base(), rp)
		s.zero(zero)
	}
	w, count := GP64(), GP64()
	XORQ(w, w)
	XORQ(count, count)
	lanes := d.lanes(s)
	CMPQ(w, words)
	JE(LabelRef(name + "_done"))
	Label(name + "_word")
	word := GP64()
	for j := range 64 / lanes {
		x := s.vec()
		d.movu(Mem{Base: vp, Disp: j * s.vbyte}, x)
		var r reg.VecVirtual
		if held {
			r = loadRefrac(s, d, receptorAddrs{refrac: Mem{Base: rp, Disp: j * lanes * 4}})
		}
		b := GP32()
		if s.is512() {
			spike := K()
			switch {
			case held:
				stopped, free := K(), K()
				if d.size == 4 {
					VPCMPGTD(zero, r, stopped) // refrac > 0
				} else {
					VPCMPGTQ(zero, r, stopped)
				}
				KNOTW(stopped, free)
				if d.size == 4 {
					VCMPPS(U8(gtOQ), theta, x, free, spike)
				} else {
					VCMPPD(U8(gtOQ), theta, x, free, spike)
				}
			case d.size == 4:
				VCMPPS(U8(gtOQ), theta, x, spike)
			default:
				VCMPPD(U8(gtOQ), theta, x, spike)
			}
			// Compares into an opmask clear the bits above the lane count.
			KMOVW(spike, b)
		} else {
			above := s.vec()
			if d.size == 4 {
				VCMPPS(U8(gtOQ), theta, x, above)
			} else {
				VCMPPD(U8(gtOQ), theta, x, above)
			}
			if held {
				stopped := s.vec()
				if d.size == 4 {
					VPCMPGTD(zero, r, stopped) // refrac > 0: −1 where held
					VANDNPS(above, stopped, above)
				} else {
					VPCMPGTQ(zero, r, stopped)
					VANDNPD(above, stopped, above)
				}
			}
			if d.size == 4 {
				VMOVMSKPS(above, b)
			} else {
				VMOVMSKPD(above, b)
			}
		}
		orBits(word, b, j*lanes)
	}
	MOVQ(word, Mem{Base: mp, Index: w, Scale: 8})
	POPCNTQ(word, word)
	ADDQ(word, count)
	ADDQ(U32(64*d.size), vp)
	if held {
		ADDQ(U32(64*4), rp)
	}
	INCQ(w)
	CMPQ(w, words)
	JNE(LabelRef(name + "_word"))
	Label(name + "_done")
	Store(count, ReturnIndex(0))
	end(s)
	return name
}
