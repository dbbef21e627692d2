package kernels

// CubaParams32 are the constants of the two-receptor LIF update with reset
// to a value and a refractory period (the CUBA neuron); see CubaUpdate32.
type CubaParams32 struct {
	// A0 and A1 are the receptors' current decays, Beta the membrane decay.
	A0, A1, Beta float32
	// VLeak is the resting potential, Gain the input gain.
	VLeak, Gain float32
	// Theta is the threshold, VReset the potential after a spike.
	Theta, VReset float32
	// Hold is the number of steps V stays at VReset after the reset step.
	Hold int32
}

// CubaParams64 is CubaParams32 in float64.
type CubaParams64 struct {
	A0, A1, Beta, VLeak, Gain, Theta, VReset float64
	Hold                                     int32
}

// CubaUpdate32 advances len(V) neurons with two receptors by one step. For
// neuron i, with c0 = I0[i] and c1 = I1[i] before the step:
//
//	I0[i] = A0·c0 + Iin0[i];  I1[i] = A1·c1 + Iin1[i];  Iin0[i] = Iin1[i] = 0
//	if refrac[i] > 0:  refrac[i]−−, V unchanged, no spike
//	else:              v' = (VLeak + Beta·(V − VLeak)) + Gain·(c0 + c1)
//	                   if V > Theta: spike, v' = VReset, refrac[i] = Hold
//
// each product rounded to float32 before it is added, in the order
// written; a NaN potential never spikes. The inputs are consumed: Iin0 and
// Iin1 are left zero, so that a caller summing the next step's input into
// them needs no clearing pass of its own. Bit i%64 of spikes[i/64] is set to
// the spike; the whole of spikes[:MaskWords(len(V))] is written. It returns
// the number of spikes. The other slices must hold at least len(V) values.
// It runs the active implementation (see [Use]); all give the same bits.
func CubaUpdate32(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
	return active.CubaUpdate32(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
}

// CubaUpdate64 is CubaUpdate32 in float64, products rounded before adding
// (not fused, unlike LeakyUpdate64: it matches the engine's general neuron,
// which converts every product).
func CubaUpdate64(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes []uint64) int {
	return active.CubaUpdate64(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
}

// CubaUpdateAhead32 is CubaUpdate32 that also writes into next the spikes
// the step after it will find: next[:MaskWords(len(V))] is left as
// ThresholdMask32(next, V, refrac, p.Theta) would leave it on the state
// the update leaves, in the same pass, so that a rank exchanging spikes
// before each step (engine/ranks.go) need not read V and the counters
// again. Its other results are CubaUpdate32's, bit for bit.
func CubaUpdateAhead32(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes, next []uint64) int {
	return active.CubaUpdateAhead32(V, I0, Iin0, I1, Iin1, refrac, p, spikes, next)
}

// CubaUpdateAhead64 is CubaUpdateAhead32 in float64: CubaUpdate64 and
// ThresholdMask64.
func CubaUpdateAhead64(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes, next []uint64) int {
	return active.CubaUpdateAhead64(V, I0, Iin0, I1, Iin1, refrac, p, spikes, next)
}

// cubaConsts unifies the two parameter structs for the generic loop.
type cubaConsts[F float32 | float64] struct {
	a0, a1, beta, vl, gain, theta, vr F
	hold                              int32
}

func (p *CubaParams32) consts() cubaConsts[float32] {
	return cubaConsts[float32]{p.A0, p.A1, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Hold}
}

func (p *CubaParams64) consts() cubaConsts[float64] {
	return cubaConsts[float64]{p.A0, p.A1, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Hold}
}

func cubaGeneric32(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
	q := p.consts()
	return cubaGeneric(V, I0, Iin0, I1, Iin1, refrac, &q, spikes)
}

func cubaGeneric64(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes []uint64) int {
	q := p.consts()
	return cubaGeneric(V, I0, Iin0, I1, Iin1, refrac, &q, spikes)
}

// cubaAheadGeneric32 and cubaAheadGeneric64 are the references of
// CubaUpdateAhead32 and CubaUpdateAhead64, the two kernels they are
// defined by one after the other; next is resliced first, so that a short
// one panics before anything is written, as the assembly's wrappers do.
func cubaAheadGeneric32(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes, next []uint64) int {
	next = next[:MaskWords(len(V))]
	count := cubaGeneric32(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
	thresholdMaskGeneric(next, V, refrac, p.Theta)
	return count
}

func cubaAheadGeneric64(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes, next []uint64) int {
	next = next[:MaskWords(len(V))]
	count := cubaGeneric64(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
	thresholdMaskGeneric(next, V, refrac, p.Theta)
	return count
}

// cubaGeneric is the reference loop of CubaUpdate32 and CubaUpdate64.
func cubaGeneric[F float32 | float64](V, I0, Iin0, I1, Iin1 []F, refrac []int32, q *cubaConsts[F], spikes []uint64) int {
	n := len(V)
	i0, in0, i1, in1, cnt := I0[:n], Iin0[:n], I1[:n], Iin1[:n], refrac[:n]
	mask := spikes[:MaskWords(n)]
	clear(mask)
	count := 0
	for j := range V {
		c0, c1 := i0[j], i1[j]
		i0[j] = F(q.a0*c0) + in0[j]
		i1[j] = F(q.a1*c1) + in1[j]
		in0[j], in1[j] = 0, 0
		if c := cnt[j]; c > 0 {
			cnt[j] = c - 1
			continue
		}
		x := V[j]
		vn := q.vl + F(q.beta*(x-q.vl)) + F(q.gain*(c0+c1))
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
