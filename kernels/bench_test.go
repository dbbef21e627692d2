package kernels

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// Benchmarks are named impl=<naive|generic|avx2|avx512>/n=<N> so benchstat
// can pivot on /impl. "naive" is the obvious loop a newcomer would write; the
// ceilings (copy, add-to and peak FMA) use the same harness so every figure
// can be read as a fraction of its limit.

// benchImpls returns "naive" (nil) followed by every known implementation.
func benchImpls() []*Impl { return append([]*Impl{nil}, Known()...) }

func implName(impl *Impl) string {
	if impl == nil {
		return "naive"
	}
	return impl.Name
}

// skipUnsupported skips a benchmark of an implementation the CPU lacks.
func skipUnsupported(b *testing.B, impl *Impl) {
	if impl != nil && !supported(impl) {
		b.Skipf("this CPU lacks %s", impl.Requires)
	}
}

func perSecond(b *testing.B, units float64, name string) {
	b.ReportMetric(units*float64(b.N)/b.Elapsed().Seconds(), name)
}

// naiveLeakyUpdate is the LIF update written the obvious way: one neuron
// at a time, a bool per spike.
func naiveLeakyUpdate[T float](V, I, Iin []T, alpha, beta, theta T, spiked []bool) int {
	count := 0
	for i := range V {
		spiked[i] = V[i] > theta
		vn := beta*V[i] + I[i]
		if spiked[i] {
			vn -= 1
			count++
		}
		I[i] = alpha*I[i] + Iin[i]
		V[i] = vn
	}
	return count
}

// randSlice returns n normal values times scale.
func randSlice[T float](rng *rand.Rand, n int, scale T) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(rng.NormFloat64()) * scale
	}
	return s
}

// updateSizes are LeakyUpdate's benchmark sizes: 40, a ragged word alone
// (a small layer's range, a block's last unit), then 1000 (15 words and a
// tail) to 10^7.
var updateSizes = []int{40, 1000, 10000, 100000, 1000000, 10000000}

func BenchmarkLeakyUpdate(b *testing.B)   { benchLeakyUpdate(b, ops32, updateSizes) }
func BenchmarkLeakyUpdate64(b *testing.B) { benchLeakyUpdate(b, ops64, updateSizes[:5]) }

// benchLeakyUpdate benchmarks the leaky update of every implementation and
// its naive twin (impl nil) at sizes, in T.
func benchLeakyUpdate[T float](b *testing.B, ops kops[T], sizes []int) {
	size := int64(8)
	if is32[T]() {
		size = 4
	}
	for _, impl := range benchImpls() {
		for _, n := range sizes {
			b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), n), func(b *testing.B) {
				skipUnsupported(b, impl)
				var update updateFn[T]
				if impl != nil {
					update = ops.update(impl)
				}
				rng := rand.New(rand.NewPCG(1, uint64(n)))
				V, I, Iin := randSlice[T](rng, n, 1), randSlice[T](rng, n, 0.1), randSlice[T](rng, n, 0.1)
				spikes := make([]uint64, MaskWords(n))
				spiked := make([]bool, n)
				// V and I are read and written, Iin read, the mask written.
				b.SetBytes(int64(n)*size*5 + int64(len(spikes))*8)
				for b.Loop() {
					if impl == nil {
						naiveLeakyUpdate(V, I, Iin, 0.95, 0.9, 1, spiked)
					} else {
						update(V, I, Iin, 0.95, 0.9, 1, ResetSubtract, spikes)
					}
				}
				perSecond(b, float64(n), "neuron-steps/s")
			})
		}
	}
}

// naiveCubaUpdate is the CUBA update written the obvious way: one neuron
// at a time, a branch per refractory counter and a bool per spike.
func naiveCubaUpdate[T float](V, I0, Iin0, I1, Iin1 []T, refrac []int32, a0, a1, beta, vleak, gain, theta, vreset T, hold int32, spiked []bool) int {
	count := 0
	for i := range V {
		c0, c1 := I0[i], I1[i]
		I0[i] = a0*c0 + Iin0[i]
		I1[i] = a1*c1 + Iin1[i]
		spiked[i] = false
		if refrac[i] > 0 {
			refrac[i]--
			continue
		}
		if V[i] > theta {
			spiked[i] = true
			count++
			V[i] = vreset
			refrac[i] = hold
			continue
		}
		V[i] = vleak + beta*(V[i]-vleak) + gain*(c0+c1)
	}
	return count
}

// cubaBenchParams are the CUBA benchmark's parameters (Brian2's CUBA
// example at dt = 0.1 ms, potentials in mV), and cubaState draws its state:
// potentials between reset and threshold, one neuron in ten refractory.
var cubaBenchParams = CubaParams64{A0: math.Exp(-0.1 / 5), A1: math.Exp(-0.1 / 10), Beta: math.Exp(-0.1 / 20),
	VLeak: -49, Gain: -math.Expm1(-0.1 / 20), Theta: -50, VReset: -60, Hold: 50}

func cubaState(rng *rand.Rand, n int) (V, I0, Iin0, I1, Iin1 []float64, refrac []int32) {
	V, I0, I1 = make([]float64, n), randSlice[float64](rng, n, 1), randSlice[float64](rng, n, 1)
	Iin0, Iin1 = randSlice[float64](rng, n, 0.1), randSlice[float64](rng, n, 0.1)
	refrac = make([]int32, n)
	for i := range V {
		V[i] = -60 + 10.5*rng.Float64()
		if rng.IntN(10) == 0 {
			refrac[i] = int32(rng.IntN(50))
		}
	}
	return V, I0, Iin0, I1, Iin1, refrac
}

// 4000 is the CUBA and COBA networks' own size (96 KB of state, in L2).
var cubaSizes = []int{1000, 4000, 10000, 16000, 100000, 1000000}

func BenchmarkCubaUpdate(b *testing.B) {
	p := cubaBenchParams.to32()
	benchReceptorUpdate(b, cubaState, func(impl *Impl, V, I0, Iin0, I1, Iin1 []float32, refrac []int32, spikes []uint64, spiked []bool) {
		if impl == nil {
			naiveCubaUpdate(V, I0, Iin0, I1, Iin1, refrac, p.A0, p.A1, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Hold, spiked)
			return
		}
		impl.CubaUpdate32(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
	})
}

func BenchmarkCubaUpdate64(b *testing.B) {
	p := &cubaBenchParams
	benchReceptorUpdate(b, cubaState, func(impl *Impl, V, I0, Iin0, I1, Iin1 []float64, refrac []int32, spikes []uint64, spiked []bool) {
		if impl == nil {
			naiveCubaUpdate(V, I0, Iin0, I1, Iin1, refrac, p.A0, p.A1, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Hold, spiked)
			return
		}
		impl.CubaUpdate64(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
	})
}

// benchReceptorUpdate benchmarks a two-receptor update (CUBA, COBA) of
// every implementation and its naive twin (impl nil) at cubaSizes, on the
// state drawn by state, one step per iteration of step. The updates
// consume their inputs, so the currents decay from the first iteration on;
// every FlushEvery iterations V and the currents are flushed
// (FlushSubnormals32), as the engine does, or they would end among the
// subnormals and time microcode assists (BenchmarkCubaUpdateSubnormal).
func benchReceptorUpdate[T float](b *testing.B, state func(rng *rand.Rand, n int) (V, A0, Ain0, A1, Ain1 []float64, refrac []int32),
	step func(impl *Impl, V, A0, Ain0, A1, Ain1 []T, refrac []int32, spikes []uint64, spiked []bool)) {
	conv := func(s []float64) []T {
		out := make([]T, len(s))
		for i, v := range s {
			out[i] = T(v)
		}
		return out
	}
	size := 8
	if is32[T]() {
		size = 4
	}
	for _, impl := range benchImpls() {
		for _, n := range cubaSizes {
			b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), n), func(b *testing.B) {
				skipUnsupported(b, impl)
				V64, A064, Ain064, A164, Ain164, refrac := state(rand.New(rand.NewPCG(3, uint64(n))), n)
				V, A0, Ain0, A1, Ain1 := conv(V64), conv(A064), conv(Ain064), conv(A164), conv(Ain164)
				spikes := make([]uint64, MaskWords(n))
				spiked := make([]bool, n)
				// V, both receptors, their inputs (consumed: left zero)
				// and refrac are read and written, the mask written.
				b.SetBytes(int64(n)*int64(10*size+2*4) + int64(len(spikes))*8)
				for k := 1; b.Loop(); k++ {
					step(impl, V, A0, Ain0, A1, Ain1, refrac, spikes, spiked)
					if k%FlushEvery == 0 {
						flushAll(V, A0, A1)
					}
				}
				perSecond(b, float64(n), "neuron-steps/s")
			})
		}
	}
}

// flushAll runs the active FlushSubnormals32 or 64 over each of xs.
func flushAll[T float](xs ...[]T) {
	for _, x := range xs {
		if is32[T]() {
			FlushSubnormals32(any(x).([]float32))
		} else {
			FlushSubnormals64(any(x).([]float64))
		}
	}
}

// BenchmarkCubaUpdateSubnormal times CubaUpdate32 at CUBA's 4000 neurons on
// currents that decay without input: state=subnormal leaves them among
// the subnormals, where they stay (the state of a silent population
// before the engine flushed it), state=flushed flushes them every
// FlushEvery steps as the engine does. Their ratio is what the
// subnormals cost the CPU (microcode assists on Intel cores).
func BenchmarkCubaUpdateSubnormal(b *testing.B) {
	const n = 4000
	p := cubaBenchParams.to32()
	for _, impl := range benchImpls() {
		for _, state := range []string{"subnormal", "flushed"} {
			b.Run(fmt.Sprintf("impl=%s/n=%d/state=%s", implName(impl), n, state), func(b *testing.B) {
				skipUnsupported(b, impl)
				V64, _, _, _, _, refrac := cubaState(rand.New(rand.NewPCG(3, n)), n)
				V := make([]float32, n)
				for i, v := range V64 {
					V[i] = float32(v)
				}
				I0, I1, Iin0, Iin1 := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
				for i := range I0 {
					I0[i] = math.SmallestNonzeroFloat32 * float32(1+i%7)
					I1[i] = -I0[i]
				}
				spikes := make([]uint64, MaskWords(n))
				spiked := make([]bool, n)
				b.SetBytes(int64(n)*(10*4+2*4) + int64(len(spikes))*8)
				for k := 1; b.Loop(); k++ {
					if impl == nil {
						naiveCubaUpdate(V, I0, Iin0, I1, Iin1, refrac, p.A0, p.A1, p.Beta, p.VLeak, p.Gain, p.Theta, p.VReset, p.Hold, spiked)
					} else {
						impl.CubaUpdate32(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
					}
					if state == "flushed" && k%FlushEvery == 0 {
						flushAll(V, I0, I1)
					}
				}
				perSecond(b, n, "neuron-steps/s")
			})
		}
	}
}

func BenchmarkLeakyScan(b *testing.B) {
	const steps = 100
	for _, impl := range benchImpls() {
		for _, n := range []int{64, 1024, 16384} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), n), func(b *testing.B) {
				skipUnsupported(b, impl)
				rng := rand.New(rand.NewPCG(2, uint64(n)))
				V, I, Iin := randSlice[float32](rng, n, 1), randSlice[float32](rng, n, 0.1), randSlice[float32](rng, n*steps, 0.1)
				words := MaskWords(n)
				spikes := make([]uint64, words*steps)
				spiked := make([]bool, n)
				b.SetBytes(int64(n)*steps*4 + int64(len(spikes))*8)
				for b.Loop() {
					if impl == nil {
						for t := range steps {
							naiveLeakyUpdate(V, I, Iin[t*n:(t+1)*n], 0.95, 0.9, 1, spiked)
						}
					} else {
						impl.LeakyScan32(V, I, Iin, n, steps, 0.95, 0.9, 1, ResetSubtract, spikes, words)
					}
				}
				perSecond(b, float64(n)*steps, "neuron-steps/s")
			})
		}
	}
}

// naiveAccumulateRows32 adds whole rows one after another, the obvious way.
func naiveAccumulateRows32(dst, W []float32, stride int, rows []int32) {
	for _, r := range rows {
		for i := range dst {
			dst[i] += W[int(r)*stride+i]
		}
	}
}

func BenchmarkAccumulateRows(b *testing.B) {
	const active = 64
	for _, impl := range benchImpls() {
		for _, n := range []int{1000, 10000, 100000} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), n), func(b *testing.B) {
				skipUnsupported(b, impl)
				rng := rand.New(rand.NewPCG(3, uint64(n)))
				total := max(active, min(1024, (1<<24)/n))
				W := randSlice[float32](rng, total*n, 0.01)
				dst := make([]float32, n)
				rows := rowsFor(rng, active, total)
				b.SetBytes(int64(active) * int64(n) * 4)
				for b.Loop() {
					if impl == nil {
						naiveAccumulateRows32(dst, W, n, rows)
					} else {
						impl.AccumulateRows32(dst, W, n, rows)
					}
				}
				perSecond(b, float64(active*n), "events/s")
			})
		}
	}
}

// naiveMatMul32 is the textbook triple loop with a dot product per element.
func naiveMatMul32(m, n, k int, A, B, C []float32) {
	for i := range m {
		for j := range n {
			var s float32
			for p := range k {
				s += A[i*k+p] * B[p*n+j]
			}
			C[i*n+j] = s
		}
	}
}

func BenchmarkMatMul(b *testing.B) {
	shapes := [][3]int{{64, 700, 200}, {256, 700, 200}, {1, 1000, 10000}}
	for _, impl := range benchImpls() {
		for _, sh := range shapes {
			m, k, n := sh[0], sh[1], sh[2]
			b.Run(fmt.Sprintf("impl=%s/mkn=%dx%dx%d", implName(impl), m, k, n), func(b *testing.B) {
				skipUnsupported(b, impl)
				rng := rand.New(rand.NewPCG(4, uint64(m*n)))
				A, B := randSlice[float32](rng, m*k, 1), randSlice[float32](rng, k*n, 1)
				C := make([]float32, m*n)
				b.SetBytes(int64(m*k+k*n+m*n) * 4)
				for b.Loop() {
					if impl == nil {
						naiveMatMul32(m, n, k, A, B, C)
					} else {
						impl.MatMul32(m, n, k, A, k, B, n, C, n, false)
					}
				}
				perSecond(b, 2*float64(m)*float64(n)*float64(k)/1e9, "GFLOP/s")
			})
		}
	}
}

// ceilingSizes are working sets from L1 to DRAM, in bytes.
var ceilingSizes = []int{16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20}

func sizeName(bytes int) string {
	switch {
	case bytes >= 1<<20:
		return fmt.Sprintf("%dMiB", bytes>>20)
	default:
		return fmt.Sprintf("%dKiB", bytes>>10)
	}
}

// BenchmarkCeilingCopy measures memory bandwidth with Go's copy at each
// working-set size (source plus destination); bytes count reads and writes.
func BenchmarkCeilingCopy(b *testing.B) {
	for _, size := range ceilingSizes {
		b.Run("n="+sizeName(size), func(b *testing.B) {
			src := make([]byte, size/2)
			dst := make([]byte, size/2)
			b.SetBytes(int64(size))
			for b.Loop() {
				copy(dst, src)
			}
		})
	}
}

// BenchmarkCeilingAdd measures an add-to stream, dst[i] += src[i] in
// float32, through each implementation's AddStream32 (AccumulateRows's loop
// without the row indexing): the roofline for the read-modify-write
// kernels. Bytes count two reads and a write.
func BenchmarkCeilingAdd(b *testing.B) {
	for _, impl := range Known() {
		for _, size := range ceilingSizes {
			b.Run(fmt.Sprintf("impl=%s/n=%s", impl.Name, sizeName(size)), func(b *testing.B) {
				skipUnsupported(b, impl)
				n := size / 8
				dst, src := streamBuffers(n)
				b.SetBytes(int64(n) * 12)
				for b.Loop() {
					instrumentsOf[impl].AddStream32(dst, src, 1)
				}
			})
		}
	}
}

// BenchmarkCeilingRead measures the read bandwidth of each implementation's
// ReadStream32 (full-width loads into independent accumulators) over a
// buffer of each working-set size: the roofline for the read-heavy kernels.
func BenchmarkCeilingRead(b *testing.B) {
	for _, impl := range Known() {
		for _, size := range ceilingSizes {
			b.Run(fmt.Sprintf("impl=%s/n=%s", impl.Name, sizeName(size)), func(b *testing.B) {
				skipUnsupported(b, impl)
				x := make([]float32, size/4)
				for i := range x {
					x[i] = float32(i & 1023)
				}
				b.SetBytes(int64(size))
				var sum float32
				for b.Loop() {
					sum += instrumentsOf[impl].ReadStream32(x, 1)
				}
				streamSink = sum
			})
		}
	}
}

// BenchmarkCeilingInPlace measures each implementation's InPlaceStream32
// (six arrays, each read and written in place) at CubaUpdate's and
// CobaUpdate's sizes: n neurons' six arrays of 4 bytes, the in-place roof
// of those kernels at the same n. Bytes count a read and a write of every
// element.
func BenchmarkCeilingInPlace(b *testing.B) {
	for _, impl := range Known() {
		for _, n := range cubaSizes {
			b.Run(fmt.Sprintf("impl=%s/n=%d", impl.Name, n), func(b *testing.B) {
				skipUnsupported(b, impl)
				xs := InPlaceBuffers(n)
				b.SetBytes(int64(n) * InPlaceStreams * 8)
				for b.Loop() {
					instrumentsOf[impl].InPlaceStream32(xs, 1)
				}
			})
		}
	}
}

// streamSink keeps the sums of BenchmarkCeilingRead alive.
var streamSink float32

// streamBuffers returns dst and src of n elements, cut from one allocation
// with src a quarter page past a page boundary from dst: two separate
// allocations of a power-of-two size would start at the same offset within
// a page, and a load whose address matches a pending store's low 12 bits
// stalls on some cores (4K aliasing), which a ceiling must not measure.
func streamBuffers(n int) (dst, src []float32) {
	const skew = 256 // float32s: 1 KiB
	buf := make([]float32, 2*n+skew)
	return buf[:n:n], buf[n+skew:]
}

// BenchmarkCeilingFMA measures the peak float32 multiply-add rate of one
// core at each implementation's vector width.
func BenchmarkCeilingFMA(b *testing.B) {
	for _, impl := range Known() {
		b.Run("impl="+impl.Name, func(b *testing.B) {
			skipUnsupported(b, impl)
			const iters = 1 << 12
			flops := 0
			for b.Loop() {
				flops = instrumentsOf[impl].PeakFMA32(iters)
			}
			perSecond(b, float64(flops)/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkLeakyUpdateDenormal measures the update with denormal numbers in
// the state, against ordinary values (state=normal). state=denormal: every
// neuron has decayed without input to the denormals (I at the smallest one,
// which α times it rounds back to; V near I/(1−β)); state=decayed: the
// fill of bench/peers' first C yardstick, where one neuron in seven has no
// input, after 3000 steps. README's "The model" quotes the figures.
func BenchmarkLeakyUpdateDenormal(b *testing.B) {
	const n = 10000
	tiny := math.Float32frombits(1)
	for _, impl := range benchImpls() {
		for _, state := range []string{"normal", "denormal", "decayed"} {
			b.Run(fmt.Sprintf("impl=%s/state=%s", implName(impl), state), func(b *testing.B) {
				skipUnsupported(b, impl)
				V, I, Iin := make([]float32, n), make([]float32, n), make([]float32, n)
				for i := range V {
					switch state {
					case "normal":
						V[i], I[i], Iin[i] = 0.5, 0.01, 0.001
					case "denormal":
						V[i], I[i] = tiny, tiny
					case "decayed":
						V[i], I[i], Iin[i] = float32(i%97)/90, 0.01*float32(i%13), 0.001*float32(i%7)
					}
				}
				spikes := make([]uint64, MaskWords(n))
				spiked := make([]bool, n)
				if state == "decayed" {
					for range 3000 {
						Generic.LeakyUpdate32(V, I, Iin, 0.9, 0.95, 1, ResetSubtract, spikes)
					}
				}
				for b.Loop() {
					if impl == nil {
						naiveLeakyUpdate(V, I, Iin, 0.9, 0.95, 1, spiked)
					} else {
						impl.LeakyUpdate32(V, I, Iin, 0.9, 0.95, 1, ResetSubtract, spikes)
					}
				}
				denormal := func(x float32) bool { return x != 0 && math.Abs(float64(x)) < 0x1p-126 }
				// The last neuron without input (index a multiple of 7).
				k := n - 1 - (n-1)%7
				if state != "normal" && !(denormal(V[k]) && denormal(I[k])) {
					b.Fatalf("neuron %d is not in the denormals: V %g, I %g", k, V[k], I[k])
				}
				perSecond(b, n, "neuron-steps/s")
			})
		}
	}
}

// BenchmarkNormals times Normals32 against the obvious loop, math/rand's
// normal numbers converted one by one.
func BenchmarkNormals(b *testing.B) {
	for _, impl := range benchImpls() {
		for _, n := range []int{64, 4096, 65536} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), n), func(b *testing.B) {
				skipUnsupported(b, impl)
				dst := make([]float32, n)
				rng := rand.New(rand.NewPCG(1, 2))
				key := NormalKey{1, 2, 3, 4, 5}
				b.SetBytes(int64(n) * 4)
				for b.Loop() {
					if impl == nil {
						for i := range dst {
							dst[i] = float32(rng.NormFloat64() * 0.1)
						}
					} else {
						impl.Normals32(dst, key, 0, 0.1)
					}
				}
				perSecond(b, float64(n), "normals/s")
			})
		}
	}
}

// BenchmarkAddNormals times AddNormals32 against its naive twin, Normals32
// into a buffer and AccumulateRows32 of it, as a procedural projection
// added its rows before.
func BenchmarkAddNormals(b *testing.B) {
	for _, impl := range benchImpls() {
		for _, n := range []int{64, 4096, 65536} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), n), func(b *testing.B) {
				skipUnsupported(b, impl)
				dst, row := make([]float32, n), make([]float32, n)
				key := NormalKey{1, 2, 3, 4, 5}
				b.SetBytes(int64(n) * 4)
				for b.Loop() {
					if impl == nil {
						Normals32(row, key, 0, 0.1)
						AccumulateRows32(dst, row, n, []int32{0})
					} else {
						impl.AddNormals32(dst, key, 0, 0.1)
					}
				}
				perSecond(b, float64(n), "normals/s")
			})
		}
	}
}

// naiveCobaUpdate is the COBA update written the obvious way: one neuron
// at a time, a branch per refractory counter and a bool per spike.
func naiveCobaUpdate[T float](V, G0, Gin0, G1, Gin1 []T, refrac []int32, a0, a1, gamma, vleak, e0, e1, theta, vreset T, hold int32, spiked []bool) int {
	count := 0
	for i := range V {
		g0, g1 := G0[i], G1[i]
		G0[i] = a0*g0 + Gin0[i]
		G1[i] = a1*g1 + Gin1[i]
		spiked[i] = false
		if refrac[i] > 0 {
			refrac[i]--
			continue
		}
		if V[i] > theta {
			spiked[i] = true
			count++
			V[i] = vreset
			refrac[i] = hold
			continue
		}
		V[i] += gamma * (vleak - V[i] + g0*(e0-V[i]) + g1*(e1-V[i]))
	}
	return count
}

// cobaState draws the COBA benchmark's state: potentials between reset
// and threshold, the benchmark's initial conductances, one neuron in ten
// refractory.
func cobaState(rng *rand.Rand, n int) (V, G0, Gin0, G1, Gin1 []float64, refrac []int32) {
	V, G0, G1, Gin0, Gin1 = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	refrac = make([]int32, n)
	for i := range V {
		V[i] = -60 + 10.5*rng.Float64()
		G0[i], G1[i] = 4+1.5*rng.NormFloat64(), 20+12*rng.NormFloat64()
		if rng.IntN(50) == 0 {
			Gin0[i] = 0.6
		}
		if rng.IntN(50) == 0 {
			Gin1[i] = 6.7
		}
		if rng.IntN(10) == 0 {
			refrac[i] = int32(rng.IntN(50))
		}
	}
	return V, G0, Gin0, G1, Gin1, refrac
}

func BenchmarkCobaUpdate(b *testing.B) {
	p := cobaBenchParams.to32()
	benchReceptorUpdate(b, cobaState, func(impl *Impl, V, G0, Gin0, G1, Gin1 []float32, refrac []int32, spikes []uint64, spiked []bool) {
		if impl == nil {
			naiveCobaUpdate(V, G0, Gin0, G1, Gin1, refrac, p.A0, p.A1, p.Gamma, p.VLeak, p.E0, p.E1, p.Theta, p.VReset, p.Hold, spiked)
			return
		}
		impl.CobaUpdate32(V, G0, Gin0, G1, Gin1, refrac, p, spikes)
	})
}

func BenchmarkCobaUpdate64(b *testing.B) {
	p := &cobaBenchParams
	benchReceptorUpdate(b, cobaState, func(impl *Impl, V, G0, Gin0, G1, Gin1 []float64, refrac []int32, spikes []uint64, spiked []bool) {
		if impl == nil {
			naiveCobaUpdate(V, G0, Gin0, G1, Gin1, refrac, p.A0, p.A1, p.Gamma, p.VLeak, p.E0, p.E1, p.Theta, p.VReset, p.Hold, spiked)
			return
		}
		impl.CobaUpdate64(V, G0, Gin0, G1, Gin1, refrac, p, spikes)
	})
}

// BenchmarkRuleUpdateTrials steps a batch of small rows (n neurons × 256
// trials at a padded stride, a NIR layer over a batch) by Norse's rule
// with a current, uniform and per-neuron constants; the naive twin is the
// rule written per neuron with a bool per spike.
func BenchmarkRuleUpdateTrials(b *testing.B) {
	const trials = 256
	base := RuleParams[float32]{Rule: StepAfter, Alpha: 0.9, InGain: 0.1, Beta: 0.95, Gain: 0.05, Theta: 1, Sub: 1, Subtract: true, Current: true}
	for _, per := range []bool{false, true} {
		for _, impl := range benchImpls() {
			for _, n := range []int{38, 1000} {
				name := fmt.Sprintf("impl=%s/n=%d", implName(impl), n)
				if per {
					name = fmt.Sprintf("impl=%s/n=%d/per=neuron", implName(impl), n)
				}
				b.Run(name, func(b *testing.B) {
					skipUnsupported(b, impl)
					rng := rand.New(rand.NewPCG(5, uint64(n)))
					p := base
					if per {
						p, _ = perNeuronParams(rng, base, n)
					}
					stride := (n + 63) &^ 63
					words := stride / 64
					V, I, Iin := randSlice[float32](rng, trials*stride, 0.5), randSlice[float32](rng, trials*stride, 0.5), randSlice[float32](rng, trials*stride, 2)
					spikes := make([]uint64, trials*words)
					spiked := make([]bool, trials*stride)
					b.SetBytes(int64(trials * n * 4 * 4))
					for b.Loop() {
						if impl == nil {
							naiveNorse(V, I, Iin, n, stride, trials, &p, spiked)
						} else {
							impl.RuleUpdateTrials32(V[:n], I[:n], Iin[:n], stride, trials, &p, spikes, words)
						}
					}
					perSecond(b, float64(trials*n), "neuron-steps/s")
				})
			}
		}
	}
}

// naiveNorse is Norse's step written the obvious way, with scalar
// constants (the per-neuron table is not read: the twin of the uniform case).
func naiveNorse(V, I, Iin []float32, n, stride, trials int, p *RuleParams[float32], spiked []bool) {
	for b := range trials {
		for i := b * stride; i < b*stride+n; i++ {
			I[i] = p.Alpha*I[i] + p.InGain*Iin[i]
			u := p.VLeak + p.Beta*(V[i]-p.VLeak) + p.Gain*I[i]
			spiked[i] = u > p.Theta
			if spiked[i] {
				u -= p.Sub
			}
			V[i] = u
		}
	}
}

// trialsShape is a dense layer over 256 trials for BenchmarkAccumulateTrials
// and BenchmarkAccumulateMasks: in inputs onto n weights, each trial with
// 1–3 events (events set) or each input spiking with probability p.
type trialsShape struct {
	in, n, events int
	p             float64
}

// trialsShapes are a NIR braille layer (50 inputs onto 38, one mask word)
// and the SHD network's input and recurrent layers (700 and 200 inputs at
// 1.5%, 11 and 4 mask words, onto 200), the shapes that decide which
// sources dense projections read as masks (engine's maskReadWords).
var trialsShapes = []trialsShape{{in: 50, n: 38, events: 3}, {in: 700, n: 200, p: 0.015}, {in: 200, n: 200, p: 0.015}}

// trialsWork is the work of one shape: the weights, dst's rows (dstStride
// apart) and each trial's events as a sorted list and as its mask words.
type trialsWork struct {
	s         trialsShape
	W, dst    []float32
	dstStride int
	rows      [][]int32
	masks     []uint64
	words     int
}

// newTrialsWork draws the work of shape s over 256 trials.
func newTrialsWork(s trialsShape) *trialsWork {
	const trials = 256
	rng := rand.New(rand.NewPCG(7, 8))
	w := &trialsWork{s: s, W: randSlice[float32](rng, s.in*s.n, 0.1), dstStride: max(64, (s.n+15)&^15), words: MaskWords(s.in)}
	w.dst = make([]float32, trials*w.dstStride)
	w.rows = make([][]int32, trials)
	w.masks = make([]uint64, trials*w.words)
	for t := range w.rows {
		m := w.masks[t*w.words : (t+1)*w.words]
		if s.events > 0 {
			for range 1 + rng.IntN(s.events) {
				j := rng.IntN(s.in)
				m[j>>6] |= 1 << (j & 63)
			}
		} else {
			for j := range s.in {
				if rng.Float64() < s.p {
					m[j>>6] |= 1 << (j & 63)
				}
			}
		}
		w.rows[t] = SpikeIndices(nil, m, 0)
	}
	return w
}

// benchTrials runs add, the work of one call, on every shape of
// trialsShapes and every implementation (nil: the naive twin), reporting
// events per second.
func benchTrials(b *testing.B, add func(impl *Impl, w *trialsWork)) {
	for _, s := range trialsShapes {
		for _, impl := range benchImpls() {
			w := newTrialsWork(s)
			b.Run(fmt.Sprintf("impl=%s/in=%d/n=%d", implName(impl), s.in, s.n), func(b *testing.B) {
				skipUnsupported(b, impl)
				events := 0
				for _, rs := range w.rows {
					events += len(rs)
				}
				for b.Loop() {
					add(impl, w)
				}
				perSecond(b, float64(events), "events/s")
			})
		}
	}
}

// BenchmarkAccumulateTrials adds each of 256 trials' event rows (a dense
// layer over a batch, trialsShapes) in one call; the naive twin loops over
// trials and rows.
func BenchmarkAccumulateTrials(b *testing.B) {
	benchTrials(b, func(impl *Impl, w *trialsWork) {
		n, ds := w.s.n, w.dstStride
		if impl == nil {
			for t, rs := range w.rows {
				naiveAccumulateRows32(w.dst[t*ds:t*ds+n], w.W, n, rs)
			}
			return
		}
		impl.AccumulateTrials32(w.dst[:n], ds, w.W, n, w.rows)
	})
}

// BenchmarkAccumulateMasks is BenchmarkAccumulateTrials with each trial's
// rows given as its spike bitmask, as a dense projection reads a
// population's spikes; the naive twin loops over trials and set bits.
func BenchmarkAccumulateMasks(b *testing.B) {
	benchTrials(b, func(impl *Impl, w *trialsWork) {
		n, ds := w.s.n, w.dstStride
		if impl == nil {
			for t := range w.rows {
				d := w.dst[t*ds : t*ds+n]
				for wi, m := range w.masks[t*w.words : (t+1)*w.words] {
					for ; m != 0; m &= m - 1 {
						r := wi<<6 + bits.TrailingZeros64(m)
						for i, x := range w.W[r*n : r*n+n] {
							d[i] += x
						}
					}
				}
			}
			return
		}
		impl.AccumulateMasks32(w.dst[:n], ds, w.W, n, w.masks, w.words)
	})
}

// BenchmarkScatterTaps scatters the spikes of one 16-channel 16×16 image
// (10% of its pixels) through a 3×3 convolution onto 16 channels, as the
// CNN of BENCHMARKS.md's second layer; the naive twin adds channel by
// channel into the channel-major image, as Conv2d's scalar scatter does.
func BenchmarkScatterTaps(b *testing.B) {
	const h, w, c, k = 16, 16, 16, 3
	plane := h * w
	start := []int32{0}
	var pixel, index []int32
	for y := range h {
		for x := range w {
			for ky := range k {
				for kx := range k {
					oy, ox := y+1-ky, x+1-kx
					if oy >= 0 && oy < h && ox >= 0 && ox < w {
						pixel = append(pixel, int32(oy*w+ox))
						index = append(index, int32(ky*k+kx))
					}
				}
			}
			start = append(start, int32(len(pixel)))
		}
	}
	taps, err := NewTaps(start, pixel, index)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	var events []int32
	for q := range plane {
		if rng.IntN(10) == 0 {
			events = append(events, int32(q))
		}
	}
	W := randSlice[float32](rng, c*k*k*c, 0.1)
	for _, impl := range benchImpls() {
		b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), plane*c), func(b *testing.B) {
			skipUnsupported(b, impl)
			dst := make([]float32, plane*c)
			for b.Loop() {
				for ci := range c {
					if impl == nil {
						for _, q := range events {
							for j := start[q]; j < start[q+1]; j++ {
								row := W[(ci*k*k+int(index[j]))*c:][:c]
								for o, v := range row {
									dst[o*plane+int(pixel[j])] += v
								}
							}
						}
						continue
					}
					impl.ScatterTaps32(dst, c, W, ci*k*k, events, taps)
				}
			}
			perSecond(b, float64(c*len(pixel)/plane*len(events)*c), "adds/s")
		})
	}
}

// naiveSpikeIndices is SpikeIndices' plain twin: every bit of every word.
func naiveSpikeIndices(dst []int32, mask []uint64, base int32) []int32 {
	for i := range 64 * len(mask) {
		if mask[i>>6]>>(i&63)&1 != 0 {
			dst = append(dst, base+int32(i))
		}
	}
	return dst
}

// BenchmarkSpikeIndices lists the spikes of one step's mask: workload d's
// (about 300 spikes among 2·10^5 neurons), at a spike in every 8 words
// (where SpikeIndices changes loops), and SHD's hidden layer (256 neurons
// of a trial at 1.5%), against the plain twin. Each iteration takes the
// next of 64 masks, as each step brings new spikes: on one mask over and
// over, the branch predictors would learn where its spikes are.
func BenchmarkSpikeIndices(b *testing.B) {
	for _, s := range []struct{ n, spikes int }{{200000, 300}, {200000, 390}, {256, 4}} {
		rng := rand.New(rand.NewPCG(5, uint64(s.n)))
		words := MaskWords(s.n)
		const masks = 64
		mask := make([]uint64, masks*words)
		for m := range masks {
			for _, i := range rng.Perm(s.n)[:s.spikes] {
				mask[m*words+i>>6] |= 1 << (i & 63)
			}
		}
		dst := make([]int32, 0, s.spikes+2)
		for _, impl := range benchImpls() {
			b.Run(fmt.Sprintf("impl=%s/n=%d/spikes=%d", implName(impl), s.n, s.spikes), func(b *testing.B) {
				skipUnsupported(b, impl)
				m := 0
				for b.Loop() {
					w := mask[m*words : (m+1)*words]
					if impl == nil {
						dst = naiveSpikeIndices(dst[:0], w, 0)
					} else {
						dst = impl.SpikeIndices(dst[:0], w, 0)
					}
					m = (m + 1) % masks
				}
				perSecond(b, float64(s.spikes), "spikes/s")
			})
		}
	}
}
