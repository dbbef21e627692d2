package kernels

import (
	"encoding/binary"
	"math"
	"slices"
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

func (d *decoder) f32() float32 {
	if len(d.b) < 4 {
		d.b = nil
		return 0
	}
	v := math.Float32frombits(binary.LittleEndian.Uint32(d.b))
	d.b = d.b[4:]
	return v
}

func (d *decoder) f64() float64 {
	if len(d.b) < 8 {
		d.b = nil
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}

// small returns the next byte as a small float (multiples of 1/16 in
// [-8, 8)), so fuzzed states also cross the threshold often.
func (d *decoder) small() float64 { return float64(d.u8()-128) / 16 }

// vals32 fills n values: raw bits when the selector byte says so, small
// values otherwise.
func (d *decoder) vals32(n int) []float32 {
	raw := d.u8()%4 == 0
	s := make([]float32, n, n+guardLen)
	for i := range s {
		if raw {
			s[i] = d.f32()
		} else {
			s[i] = float32(d.small())
		}
	}
	return s
}

func (d *decoder) vals64(n int) []float64 {
	raw := d.u8()%4 == 0
	s := make([]float64, n, n+guardLen)
	for i := range s {
		if raw {
			s[i] = d.f64()
		} else {
			s[i] = d.small()
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
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8() * 3
		reset := Reset(d.u8() % 2)
		alpha, beta, theta := float32(d.small()), float32(d.small()), float32(d.small())
		V, I, Iin := d.vals32(n), d.vals32(n), d.vals32(n)
		for _, impl := range fuzzImpls(t) {
			V1, I1, V2, I2 := clone32(V), clone32(I), clone32(V), clone32(I)
			S1, S2 := make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n))
			want := Generic.LeakyUpdate32(V1, I1, Iin, alpha, beta, theta, reset, S1)
			got := impl.LeakyUpdate32(V2, I2, Iin, alpha, beta, theta, reset, S2)
			if got != want {
				t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
			}
			same32(t, impl.Name+" V", V2, V1)
			same32(t, impl.Name+" I", I2, I1)
			sameU(t, impl.Name+" spikes", S2, S1)
		}
	})
}

func FuzzLeakyUpdate64(f *testing.F) {
	f.Add([]byte("\x40\x01\x10\x20\x30seed bytes for the leaky update, float64, a little longer"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8() * 3
		reset := Reset(d.u8() % 2)
		alpha, beta, theta := d.small(), d.small(), d.small()
		V, I, Iin := d.vals64(n), d.vals64(n), d.vals64(n)
		for _, impl := range fuzzImpls(t) {
			V1, I1, V2, I2 := clone64(V), clone64(I), clone64(V), clone64(I)
			S1, S2 := make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n))
			want := Generic.LeakyUpdate64(V1, I1, Iin, alpha, beta, theta, reset, S1)
			got := impl.LeakyUpdate64(V2, I2, Iin, alpha, beta, theta, reset, S2)
			if got != want {
				t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
			}
			same64(t, impl.Name+" V", V2, V1)
			same64(t, impl.Name+" I", I2, I1)
			sameU(t, impl.Name+" spikes", S2, S1)
		}
	})
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
		V, I := d.vals32(n), d.vals32(n)
		Iin := d.vals32(max(0, (steps-1)*inStride+n))
		maskLen := max(0, (steps-1)*maskStride+MaskWords(n))
		for _, impl := range fuzzImpls(t) {
			V1, I1, V2, I2 := clone32(V), clone32(I), clone32(V), clone32(I)
			S1, S2 := make([]uint64, maskLen), make([]uint64, maskLen)
			want := Generic.LeakyScan32(V1, I1, Iin, inStride, steps, alpha, beta, theta, reset, S1, maskStride)
			got := impl.LeakyScan32(V2, I2, Iin, inStride, steps, alpha, beta, theta, reset, S2, maskStride)
			if got != want {
				t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
			}
			same32(t, impl.Name+" V", V2, V1)
			same32(t, impl.Name+" I", I2, I1)
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
		dst := d.vals32(n)
		W := d.vals32((total-1)*stride + n)
		for _, impl := range fuzzImpls(t) {
			d1, d2 := clone32(dst), clone32(dst)
			Generic.AccumulateRows32(d1, W, stride, rows)
			impl.AccumulateRows32(d2, W, stride, rows)
			same32(t, impl.Name+" dst", d2, d1)
		}
	})
}

func FuzzReadStream32(f *testing.F) {
	f.Add([]byte("\x90\x01\x02seed bytes for the read stream, long enough to pass one vector body"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8() * 2
		passes := d.u8() % 4
		x := d.vals32(n)
		want := Generic.ReadStream32(x, passes)
		for _, impl := range fuzzImpls(t) {
			got := impl.ReadStream32(x, passes)
			if math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
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
		dst, src := d.vals32(n), d.vals32(n)
		for _, impl := range fuzzImpls(t) {
			d1, d2 := clone32(dst), clone32(dst)
			Generic.AddStream32(d1, src, passes)
			impl.AddStream32(d2, src, passes)
			same32(t, impl.Name+" dst", d2, d1)
		}
	})
}

func FuzzMatMul32(f *testing.F) {
	f.Add([]byte("\x05\x21\x07\x01\x02\x00\x01seed bytes for the matrix product"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		m, n, k := d.u8()%20, d.u8()%70, d.u8()%40
		lda, ldb, ldc := k+d.u8()%3, n+d.u8()%3, n+d.u8()%3
		acc := d.u8()%2 == 1
		A := d.vals32(max(0, (m-1)*lda+k))
		B := d.vals32(max(0, (k-1)*ldb+n))
		C := d.vals32(max(0, (m-1)*ldc+n))
		for _, impl := range fuzzImpls(t) {
			c1, c2 := clone32(C), clone32(C)
			Generic.MatMul32(m, n, k, A, lda, B, ldb, c1, ldc, acc)
			impl.MatMul32(m, n, k, A, lda, B, ldb, c2, ldc, acc)
			same32(t, impl.Name+" C", c2, c1)
		}
	})
}

func FuzzMatMul64(f *testing.F) {
	f.Add([]byte("\x05\x11\x07\x01\x02\x00\x01seed bytes for the matrix product in float64"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		m, n, k := d.u8()%20, d.u8()%40, d.u8()%40
		lda, ldb, ldc := k+d.u8()%3, n+d.u8()%3, n+d.u8()%3
		acc := d.u8()%2 == 1
		A := d.vals64(max(0, (m-1)*lda+k))
		B := d.vals64(max(0, (k-1)*ldb+n))
		C := d.vals64(max(0, (m-1)*ldc+n))
		for _, impl := range fuzzImpls(t) {
			c1, c2 := clone64(C), clone64(C)
			Generic.MatMul64(m, n, k, A, lda, B, ldb, c1, ldc, acc)
			impl.MatMul64(m, n, k, A, lda, B, ldb, c2, ldc, acc)
			same64(t, impl.Name+" C", c2, c1)
		}
	})
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
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8() * 3
		p := d.cubaParams().to32()
		V, I0, Iin0, I1, Iin1 := d.vals32(n), d.vals32(n), d.vals32(n), d.vals32(n), d.vals32(n)
		R := d.refrac(n)
		for _, impl := range fuzzImpls(t) {
			V1, I01, I11, V2, I02, I12 := clone32(V), clone32(I0), clone32(I1), clone32(V), clone32(I0), clone32(I1)
			R1, R2 := slices.Clone(R), slices.Clone(R)
			S1, S2 := make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n))
			want := Generic.CubaUpdate32(V1, I01, Iin0, I11, Iin1, R1, p, S1)
			got := impl.CubaUpdate32(V2, I02, Iin0, I12, Iin1, R2, p, S2)
			if got != want {
				t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
			}
			same32(t, impl.Name+" V", V2, V1)
			same32(t, impl.Name+" I0", I02, I01)
			same32(t, impl.Name+" I1", I12, I11)
			if !slices.Equal(R2, R1) {
				t.Fatalf("%s: refrac %v, want %v", impl.Name, R2, R1)
			}
			sameU(t, impl.Name+" spikes", S2, S1)
		}
	})
}

func FuzzCubaUpdate64(f *testing.F) {
	f.Add([]byte("\x40\x90\x88\x8e\x7c\x84\x70\x60\x03\x01seed bytes for the CUBA update, float64, a little longer"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &decoder{data}
		n := d.u8() * 3
		p := d.cubaParams()
		V, I0, Iin0, I1, Iin1 := d.vals64(n), d.vals64(n), d.vals64(n), d.vals64(n), d.vals64(n)
		R := d.refrac(n)
		for _, impl := range fuzzImpls(t) {
			V1, I01, I11, V2, I02, I12 := clone64(V), clone64(I0), clone64(I1), clone64(V), clone64(I0), clone64(I1)
			R1, R2 := slices.Clone(R), slices.Clone(R)
			S1, S2 := make([]uint64, MaskWords(n)), make([]uint64, MaskWords(n))
			want := Generic.CubaUpdate64(V1, I01, Iin0, I11, Iin1, R1, &p, S1)
			got := impl.CubaUpdate64(V2, I02, Iin0, I12, Iin1, R2, &p, S2)
			if got != want {
				t.Fatalf("%s: count %d, want %d", impl.Name, got, want)
			}
			same64(t, impl.Name+" V", V2, V1)
			same64(t, impl.Name+" I0", I02, I01)
			same64(t, impl.Name+" I1", I12, I11)
			if !slices.Equal(R2, R1) {
				t.Fatalf("%s: refrac %v, want %v", impl.Name, R2, R1)
			}
			sameU(t, impl.Name+" spikes", S2, S1)
		}
	})
}
