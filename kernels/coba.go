package kernels

// CobaParams32 are the constants of the two-receptor conductance-based LIF
// update with reset to a value and a refractory period (the COBA neuron);
// see CobaUpdate32.
type CobaParams32 struct {
	// A0 and A1 are the receptors' conductance decays.
	A0, A1 float32
	// Gamma is the fraction of the drive V integrates per step: 1 − β for
	// the membrane decay β.
	Gamma float32
	// VLeak is the resting potential, E0 and E1 the receptors' reversal
	// potentials.
	VLeak, E0, E1 float32
	// Theta is the threshold, VReset the potential after a spike.
	Theta, VReset float32
	// Hold is the number of steps V stays at VReset after the reset step.
	Hold int32
}

// CobaParams64 is CobaParams32 in float64.
type CobaParams64 struct {
	A0, A1, Gamma, VLeak, E0, E1, Theta, VReset float64
	Hold                                        int32
}

// CobaUpdate32 advances len(V) conductance-based neurons with two receptors
// by one step. For neuron i, with g0 = G0[i] and g1 = G1[i] before the
// step (conductances in units of the leak conductance):
//
//	G0[i] = A0·g0 + Gin0[i];  G1[i] = A1·g1 + Gin1[i];  Gin0[i] = Gin1[i] = 0
//	if refrac[i] > 0:  refrac[i]−−, V unchanged, no spike
//	else:              v' = V + Gamma·(((VLeak − V) + g0·(E0 − V)) + g1·(E1 − V))
//	                   if V > Theta: spike, v' = VReset, refrac[i] = Hold
//
// with products rounded, NaNs, the consumed (zeroed) inputs, the spike
// mask, the count and the slices' lengths as in [CubaUpdate32]. It runs the active implementation (see
// [Use]); all give the same bits.
func CobaUpdate32(V, G0, Gin0, G1, Gin1 []float32, refrac []int32, p *CobaParams32, spikes []uint64) int {
	return active.CobaUpdate32(V, G0, Gin0, G1, Gin1, refrac, p, spikes)
}

// CobaUpdate64 is CobaUpdate32 in float64, products rounded before adding
// (not fused, like CubaUpdate64).
func CobaUpdate64(V, G0, Gin0, G1, Gin1 []float64, refrac []int32, p *CobaParams64, spikes []uint64) int {
	return active.CobaUpdate64(V, G0, Gin0, G1, Gin1, refrac, p, spikes)
}

// cobaConsts unifies the two parameter structs for the generic loop.
type cobaConsts[F float32 | float64] struct {
	a0, a1, gamma, vl, e0, e1, theta, vr F
	hold                                 int32
}

func (p *CobaParams32) consts() cobaConsts[float32] {
	return cobaConsts[float32]{p.A0, p.A1, p.Gamma, p.VLeak, p.E0, p.E1, p.Theta, p.VReset, p.Hold}
}

func (p *CobaParams64) consts() cobaConsts[float64] {
	return cobaConsts[float64]{p.A0, p.A1, p.Gamma, p.VLeak, p.E0, p.E1, p.Theta, p.VReset, p.Hold}
}

func cobaGeneric32(V, G0, Gin0, G1, Gin1 []float32, refrac []int32, p *CobaParams32, spikes []uint64) int {
	q := p.consts()
	return cobaGeneric(V, G0, Gin0, G1, Gin1, refrac, &q, spikes)
}

func cobaGeneric64(V, G0, Gin0, G1, Gin1 []float64, refrac []int32, p *CobaParams64, spikes []uint64) int {
	q := p.consts()
	return cobaGeneric(V, G0, Gin0, G1, Gin1, refrac, &q, spikes)
}

// cobaGeneric is the reference loop of CobaUpdate32 and CobaUpdate64.
func cobaGeneric[F float32 | float64](V, G0, Gin0, G1, Gin1 []F, refrac []int32, q *cobaConsts[F], spikes []uint64) int {
	n := len(V)
	g0s, in0, g1s, in1, cnt := G0[:n], Gin0[:n], G1[:n], Gin1[:n], refrac[:n]
	mask := spikes[:MaskWords(n)]
	clear(mask)
	count := 0
	for j := range V {
		g0, g1 := g0s[j], g1s[j]
		g0s[j] = F(q.a0*g0) + in0[j]
		g1s[j] = F(q.a1*g1) + in1[j]
		in0[j], in1[j] = 0, 0
		if c := cnt[j]; c > 0 {
			cnt[j] = c - 1
			continue
		}
		x := V[j]
		drive := (q.vl - x) + F(g0*(q.e0-x)) + F(g1*(q.e1-x))
		vn := x + F(q.gamma*drive)
		if x > q.theta {
			mask[j>>6] |= 1 << uint(j&63)
			count++
			vn = q.vr
			cnt[j] = q.hold
		}
		V[j] = vn
	}
	return count
}
