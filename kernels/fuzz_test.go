package kernels

import (
	"encoding/binary"
	"strconv"
	"testing"
)

// The fuzz targets decode random bytes into kernel inputs and compare every
// available implementation with Generic, bit for bit. Raw bit patterns reach
// every float: NaNs with payloads, infinities, denormals.

// decoder hands out values from fuzz bytes, zeros once they run out.
type decoder struct{ b []byte }

func (d *decoder) u8() int {
	if len(d.b) == 0 {
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return int(v)
}

// raw returns the next T from its little-endian bit pattern, so that
// every float occurs, NaNs with payloads included; zero once the bytes
// run out.
func raw[T float](d *decoder) T {
	size := 8
	if is32[T]() {
		size = 4
	}
	if len(d.b) < size {
		d.b = nil
		return 0
	}
	var b [8]byte
	copy(b[:], d.b[:size])
	d.b = d.b[size:]
	return fromBits[T](binary.LittleEndian.Uint64(b[:]))
}

// small returns the next byte as a small float (multiples of 1/16 in
// [-8, 8)), so fuzzed states also cross the threshold often.
func (d *decoder) small() float64 { return float64(d.u8()-128) / 16 }

// vals fills n values: raw bits when the selector byte says so, small
// values otherwise.
func vals[T float](d *decoder, n int) []T {
	isRaw := d.u8()%4 == 0
	s := make([]T, n, n+guardLen)
	for i := range s {
		if isRaw {
			s[i] = raw[T](d)
		} else {
			s[i] = T(d.small())
		}
	}
	return s
}

func fuzzImpls(t *testing.T) []*Impl {
	var out []*Impl
	for _, impl := range Available() {
		if impl != Generic {
			out = append(out, impl)
		}
	}
	return out
}

func FuzzLeakyUpdate32(f *testing.F) {
	f.Add([]byte("\x40\x00\x10\x20\x30seed bytes for the leaky update, float32"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLeakyUpdate(t, ops32, data) })
}

func FuzzLeakyUpdate64(f *testing.F) {
	f.Add([]byte("\x40\x01\x10\x20\x30seed bytes for the leaky update, float64, a little longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLeakyUpdate(t, ops64, data) })
}

// fuzzLeakyUpdate is the body of FuzzLeakyUpdate32 and FuzzLeakyUpdate64.
func fuzzLeakyUpdate[T float](t *testing.T, ops kops[T], data []byte) {
	d := &decoder{data}
	n := d.u8() * 3
	reset := Reset(d.u8() % 2)
	alpha, beta, theta := T(d.small()), T(d.small()), T(d.small())
	V, I, Iin := vals[T](d, n), vals[T](d, n), vals[T](d, n)
	for _, impl := range fuzzImpls(t) {
		V1, I1, V2, I2 := clone(V), clone(I), clone(V), clone(I)
		S1, S2 := make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n))
		want := ops.update(Generic)(V1, I1, Iin, alpha, beta, theta, reset, S1)
		got := ops.update(impl)(V2, I2, Iin, alpha, beta, theta, reset, S2)
		if got != want {
			t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
		}
		same(t, impl.Name+" V", V2, V1)
		same(t, impl.Name+" I", I2, I1)
		sameU(t, impl.Name+" spikes", S2, S1)
	}
}

func FuzzLeakyScan32(f *testing.F) {
	f.Add([]byte("\x80\x05\x00\x01\x02\x10\x20\x30seed bytes for the scan"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8() * 2
		steps := d.u8() % 12
		inStride := n + d.u8()%5
		maskStride := MaskWords(n) + d.u8()%3
		reset := Reset(d.u8() % 2)
		alpha, beta, theta := float32(d.small()), float32(d.small()), float32(d.small())
		V, I := vals[float32](d, n), vals[float32](d, n)
		Iin := vals[float32](d, max(0, (steps-1)*inStride+n))
		maskLen := max(0, (steps-1)*maskStride+MaskWords(n))
		for _, impl := range fuzzImpls(t) {
			V1, I1, V2, I2 := clone(V), clone(I), clone(V), clone(I)
			S1, S2 := make([]uint64, maskLen), make([]uint64, maskLen)
			want := Generic.LeakyScan32(V1, I1, Iin, inStride, steps, alpha, beta, theta, reset, S1, maskStride)
			got := impl.LeakyScan32(V2, I2, Iin, inStride, steps, alpha, beta, theta, reset, S2, maskStride)
			if got != want {
				t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
			}
			same(t, impl.Name+" V", V2, V1)
			same(t, impl.Name+" I", I2, I1)
			sameU(t, impl.Name+" spikes", S2, S1)
		}
	})
}

func FuzzAccumulateRows32(f *testing.F) {
	f.Add([]byte("\x30\x06\x01\x02\x03\x01\x00\x05seed bytes for accumulate rows"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8()
		nrows := d.u8() % 16
		stride := n + d.u8()%3
		const total = 8
		rows := make([]int32, nrows)
		for i := range rows {
			rows[i] = int32(d.u8() % total)
		}
		dst := vals[float32](d, n)
		W := vals[float32](d, (total-1)*stride+n)
		for _, impl := range fuzzImpls(t) {
			d1, d2 := clone(dst), clone(dst)
			Generic.AccumulateRows32(d1, W, stride, rows)
			impl.AccumulateRows32(d2, W, stride, rows)
			same(t, impl.Name+" dst", d2, d1)
		}
	})
}

// FuzzAccumulateMasks32 adds the rows of fuzzed mask words (one or two per
// trial) over a few trials at a fuzzed stride.
func FuzzAccumulateMasks32(f *testing.F) {
	f.Add([]byte("\x26\x02\x03\x05\x01seed bytes for accumulate masks, the rows of a few trials' set bits"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8()
		words := 1 + d.u8()%2
		trials := d.u8() % 5
		stride := n + d.u8()%3
		dstStride := n + d.u8()%4
		masks := make([]uint64, trials*words)
		for i := range masks {
			for range 8 {
				masks[i] = masks[i]<<8 | uint64(d.u8())
			}
		}
		total := words * 64
		size := n
		if trials > 0 {
			size = (trials-1)*dstStride + n
		}
		dst := vals[float32](d, size)
		W := vals[float32](d, (total-1)*stride+n)
		for _, impl := range fuzzImpls(t) {
			d1, d2 := clone(dst), clone(dst)
			Generic.AccumulateMasks32(d1[:n], dstStride, W, stride, masks, words)
			impl.AccumulateMasks32(d2[:n], dstStride, W, stride, masks, words)
			same(t, impl.Name+" dst", d2, d1)
		}
	})
}

func FuzzReadStream32(f *testing.F) {
	f.Add([]byte("\x90\x01\x02seed bytes for the read stream, long enough to pass one vector body"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8() * 2
		passes := d.u8() % 4
		x := vals[float32](d, n)
		want := genericInstruments.ReadStream32(x, passes)
		for _, impl := range fuzzImpls(t) {
			got := instrumentsOf[impl].ReadStream32(x, passes)
			if bitsOf(got) != bitsOf(want) && !(got != got && want != want) {
				t.Fatalf("%s: n=%d passes=%d: sum %v, want %v", impl.Name, n, passes, got, want)
			}
		}
	})
}

func FuzzAddStream32(f *testing.F) {
	f.Add([]byte("\x50\x02seed bytes for the add-to stream"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8()
		passes := d.u8() % 4
		dst, src := vals[float32](d, n), vals[float32](d, n)
		for _, impl := range fuzzImpls(t) {
			d1, d2 := clone(dst), clone(dst)
			genericInstruments.AddStream32(d1, src, passes)
			instrumentsOf[impl].AddStream32(d2, src, passes)
			same(t, impl.Name+" dst", d2, d1)
		}
	})
}

func FuzzInPlaceStream32(f *testing.F) {
	f.Add([]byte("\x47\x02seed bytes for the in-place stream"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8()
		passes := d.u8() % 4
		var xs, want [InPlaceStreams][]float32
		for s := range xs {
			xs[s] = vals[float32](d, n)
			want[s] = clone(xs[s])
		}
		genericInstruments.InPlaceStream32(&want, passes)
		for _, impl := range fuzzImpls(t) {
			var got [InPlaceStreams][]float32
			for s := range xs {
				got[s] = clone(xs[s])
			}
			instrumentsOf[impl].InPlaceStream32(&got, passes)
			for s := range got {
				same(t, impl.Name+" array "+strconv.Itoa(s), got[s], want[s])
			}
		}
	})
}

func FuzzMatMul32(f *testing.F) {
	f.Add([]byte("\x05\x21\x07\x01\x02\x00\x01seed bytes for the matrix product"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzMatMul(t, ops32, 70, data) })
}

func FuzzMatMul64(f *testing.F) {
	f.Add([]byte("\x05\x11\x07\x01\x02\x00\x01seed bytes for the matrix product in float64"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzMatMul(t, ops64, 40, data) })
}

// fuzzMatMul is the body of FuzzMatMul32 and FuzzMatMul64: it decodes
// m < 20, k < 40 and n < maxN, then the three matrices.
func fuzzMatMul[T float](t *testing.T, ops kops[T], maxN int, data []byte) {
	d := &decoder{data}
	m, n, k := d.u8()%20, d.u8()%maxN, d.u8()%40
	lda, ldb, ldc := k+d.u8()%3, n+d.u8()%3, n+d.u8()%3
	acc := d.u8()%2 == 1
	A := vals[T](d, max(0, (m-1)*lda+k))
	B := vals[T](d, max(0, (k-1)*ldb+n))
	C := vals[T](d, max(0, (m-1)*ldc+n))
	for _, impl := range fuzzImpls(t) {
		c1, c2 := clone(C), clone(C)
		ops.matMul(Generic)(m, n, k, A, lda, B, ldb, c1, ldc, acc)
		ops.matMul(impl)(m, n, k, A, lda, B, ldb, c2, ldc, acc)
		same(t, impl.Name+" C", c2, c1)
	}
}

// cubaParams and refrac decode a CUBA case: small parameters, so that
// thresholds are crossed; Hold from −2 to 5 and counters from −1 to 4, so
// negative, zero and counting-down states all occur.
func (d *decoder) cubaParams() CubaParams64 {
	return CubaParams64{
		A0: d.small(), A1: d.small(), Beta: d.small(), VLeak: d.small(), Gain: d.small(),
		Theta: d.small(), VReset: d.small(), Hold: int32(d.u8()%8) - 2,
	}
}

func (d *decoder) refrac(n int) []int32 {
	r := make([]int32, n, n+guardLen)
	for i := range r {
		r[i] = int32(d.u8()%6) - 1
	}
	return r
}

func FuzzCubaUpdate32(f *testing.F) {
	f.Add([]byte("\x40\x90\x88\x8e\x7c\x84\x70\x60\x03\x01seed bytes for the CUBA update, float32"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCubaUpdate(t, ops32, data) })
}

func FuzzCubaUpdate64(f *testing.F) {
	f.Add([]byte("\x40\x90\x88\x8e\x7c\x84\x70\x60\x03\x01seed bytes for the CUBA update, float64, a little longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCubaUpdate(t, ops64, data) })
}

// fuzzCubaUpdate is the body of FuzzCubaUpdate32 and FuzzCubaUpdate64; the
// float32 kernels get the decoded parameters rounded by to32.
func fuzzCubaUpdate[T float](t *testing.T, ops kops[T], data []byte) {
	d := &decoder{data}
	n := d.u8() * 3
	fuzzReceptorUpdate(t, d, n, d.cubaParams(), ops.cuba)
}

// fuzzReceptorUpdate decodes n neurons' state of a two-receptor update from
// d and runs kernel with parameters p on every implementation but generic,
// against generic.
func fuzzReceptorUpdate[T float, P any](t *testing.T, d *decoder, n int, p P, kernel func(*Impl) receptorFn[T, P]) {
	fuzzReceptorKernel(t, d, n, p, 1, plainReceptor(kernel))
}

// fuzzReceptorKernel is fuzzReceptorUpdate for a kernel of masks masks.
func fuzzReceptorKernel[T float, P any](t *testing.T, d *decoder, n int, p P, masks int, kernel receptorKernel[T, P]) {
	V, A0, Ain0, A1, Ain1 := vals[T](d, n), vals[T](d, n), vals[T](d, n), vals[T](d, n), vals[T](d, n)
	s := &receptorState[T]{V: V, A0: A0, Ain0: Ain0, A1: A1, Ain1: Ain1, R: d.refrac(n)}
	for range masks {
		s.masks = append(s.masks, make([]uint64, MaskWords(n)))
	}
	for _, impl := range fuzzImpls(t) {
		w, g := s.clone(), s.clone()
		want := kernel(Generic, w, p)
		got := kernel(impl, g, p)
		if got != want {
			t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
		}
		sameReceptor(t, impl.Name, g, w)
	}
}

// cobaParams decodes a COBA case: small parameters, so that thresholds are
// crossed, and Hold from −2 to 5, as cubaParams.
func (d *decoder) cobaParams() CobaParams64 {
	return CobaParams64{
		A0: d.small(), A1: d.small(), Gamma: d.small(), VLeak: d.small(), E0: d.small(), E1: d.small(),
		Theta: d.small(), VReset: d.small(), Hold: int32(d.u8()%8) - 2,
	}
}

func FuzzCobaUpdate32(f *testing.F) {
	f.Add([]byte("\x40\x90\x88\x8e\x7c\x84\x70\x60\x50\x03\x01seed bytes for the COBA update, float32"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCobaUpdate(t, ops32, data) })
}

func FuzzCobaUpdate64(f *testing.F) {
	f.Add([]byte("\x40\x90\x88\x8e\x7c\x84\x70\x60\x50\x03\x01seed bytes for the COBA update, float64, a little longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCobaUpdate(t, ops64, data) })
}

// fuzzCobaUpdate is the body of FuzzCobaUpdate32 and FuzzCobaUpdate64; the
// float32 kernels get the decoded parameters rounded by to32.
func fuzzCobaUpdate[T float](t *testing.T, ops kops[T], data []byte) {
	d := &decoder{data}
	n := d.u8() * 3
	fuzzReceptorUpdate(t, d, n, d.cobaParams(), ops.coba)
}
