package kernels

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// normalsImpl returns impl's Normals kernel of width T, or with add its
// AddNormals kernel.
func normalsImpl[T float](impl *Impl, add bool) func(dst []T, key NormalKey, col int, scale float64) {
	var f any
	switch {
	case is32[T]() && add:
		f = impl.AddNormals32
	case is32[T]():
		f = impl.Normals32
	case add:
		f = impl.AddNormals64
	default:
		f = impl.Normals64
	}
	return f.(func(dst []T, key NormalKey, col int, scale float64))
}

// TestPhiloxKnownAnswers checks philox against the known-answer vectors of
// Random123 (the authors' reference implementation), file
// tests/kat_vectors, the three philox4x32 10 lines: counter, key, result.
func TestPhiloxKnownAnswers(t *testing.T) {
	for _, c := range []struct{ ctr, key, want []uint32 }{
		{[]uint32{0, 0, 0, 0}, []uint32{0, 0}, []uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[]uint32{^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}, []uint32{^uint32(0), ^uint32(0)}, []uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, []uint32{0xa4093822, 0x299f31d0}, []uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	} {
		w0, w1, w2, w3 := philox(c.ctr[0], c.ctr[1], c.ctr[2], c.ctr[3], c.key[0], c.key[1])
		if got := []uint32{w0, w1, w2, w3}; !slices.Equal(got, c.want) {
			t.Errorf("philox(%08x, %08x) = %08x, want %08x", c.ctr, c.key, got, c.want)
		}
	}
}

// TestBoxMullerAccuracy compares boxMuller's polynomials with the
// transform written with the math package: r = √(−2 ln((a+1)/2^32)),
// θ = 2π·b/2^32, (r cos θ, r sin θ), for random words and for those at the
// edges: a at 0 and 2^32 − 1 and where m crosses √2, b at every quadrant
// boundary and the octant boundaries where φ is ±π/4.
func TestBoxMullerAccuracy(t *testing.T) {
	sqrt2 := math.Sqrt2
	edge, edge20 := uint32(sqrt2*(1<<31)), uint32(sqrt2*(1<<20))
	as := []uint32{0, 1, 2, ^uint32(0), ^uint32(0) - 1, 1<<31 - 1, 1 << 31, edge - 1, edge, edge + 1, edge20 - 1, edge20}
	as, bs := withRandomWords(as, octantWords())
	worst := 0.0
	check := func(a, b uint32) {
		z0, z1 := boxMuller(a, b, 1)
		r := math.Sqrt(-2 * math.Log((float64(a)+1)/(1<<32)))
		sn, cs := math.Sincos(2 * math.Pi * float64(b) / (1 << 32))
		for _, c := range [][2]float64{{z0, r * cs}, {z1, r * sn}} {
			// Relative to the radius: the angle's rounding (2π·b/2^32
			// for b near 2^32) is about 10^-16 of the angle.
			d := math.Abs(c[0]-c[1]) / max(r, 1e-3)
			worst = max(worst, d)
			if d > 4e-15 {
				t.Fatalf("a %#x b %#x: %v, math package %v (relative error %.2g)", a, b, c[0], c[1], d)
			}
		}
	}
	for i := range as {
		check(as[i], bs[i%len(bs)])
		check(as[i%len(as)], bs[i])
	}
	t.Logf("largest error relative to the radius: %.2g", worst)
	if z0, z1 := boxMuller(^uint32(0), 12345, 1); z0 != 0 || z1 != 0 {
		t.Fatalf("a = 2^32 − 1 is x = 1, radius 0; got %v, %v", z0, z1)
	}
}

// octantWords are the angle words b at and beside every octant boundary,
// where φ is ±π/4 and the quadrant changes.
func octantWords() []uint32 {
	var bs []uint32
	for q := uint32(0); q < 8; q++ {
		for _, d := range []uint32{0, 1, ^uint32(0)} {
			bs = append(bs, q<<29+d)
		}
	}
	return bs
}

// withRandomWords appends 20000 random words to each of as and bs.
func withRandomWords(as, bs []uint32) ([]uint32, []uint32) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		as = append(as, rng.Uint32())
		bs = append(bs, rng.Uint32())
	}
	return as, bs
}

// TestBoxMuller32Accuracy is TestBoxMullerAccuracy for boxMuller32,
// against the transform in float64 of the same x (float32(a>>1)·2^-31 +
// 2^-32) and of θ = 2π·b/2^32, for random words and those at the edges (m
// crossing √2, every quadrant and octant boundary): within 2^-21 of the
// radius, some 8 float32 roundings.
func TestBoxMuller32Accuracy(t *testing.T) {
	sqrt2 := math.Sqrt2
	edge := uint32(sqrt2 * (1 << 31))
	as := []uint32{0, 1, 2, 3, ^uint32(0), ^uint32(0) - 1, 1<<31 - 1, 1 << 31, edge - 2, edge, edge + 2, 1 << 8, 1 << 24}
	as, bs := withRandomWords(as, octantWords())
	worst := 0.0
	check := func(a, b uint32) {
		z0, z1 := boxMuller32(a, b, 1)
		x := float64(float32(float32(int32(a>>1))*0x1p-31) + 0x1p-32)
		r := math.Sqrt(-2 * math.Log(x))
		sn, cs := math.Sincos(2 * math.Pi * float64(b) / (1 << 32))
		for _, c := range [][2]float64{{float64(z0), r * cs}, {float64(z1), r * sn}} {
			d := math.Abs(c[0]-c[1]) / max(r, 1e-3)
			worst = max(worst, d)
			if d > 0x1p-21 {
				t.Fatalf("a %#x b %#x: %v, math package %v (relative error %.2g)", a, b, c[0], c[1], d)
			}
		}
	}
	for i := range as {
		check(as[i], bs[i%len(bs)])
		check(as[i%len(as)], bs[i])
	}
	t.Logf("largest error relative to the radius: %.2g", worst)
	if z0, z1 := boxMuller32(^uint32(0), 12345, 1); z0 != 0 || z1 != 0 {
		t.Fatalf("a = 2^32 − 1 rounds to x = 1, radius 0; got %v, %v", z0, z1)
	}
	if z0, _ := boxMuller32(0, 0, 1); math.Abs(float64(z0)-math.Sqrt(64*math.Ln2)) > 1e-6 {
		t.Fatalf("a = 0 is x = 2^-32, the largest radius √(64 ln 2); got %v", z0)
	}
}

// normalCases are the (column, length) pairs of the equivalence tests:
// every length 0…67 and longer rows at starts inside a block, at its edges
// and far along a row, and one longer than a chunk.
func normalCases() [][2]int {
	var out [][2]int
	starts := []int{0, 1, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 95, 127, 129, 1 << 20, 1<<34 - 4096}
	for n := 0; n <= 67; n++ {
		out = append(out, [2]int{starts[n%len(starts)], n})
	}
	for _, c := range starts {
		for _, n := range []int{96, 1000, 4099} {
			out = append(out, [2]int{c, n})
		}
	}
	return append(out, [2]int{5, 2*(1<<14) + 77})
}

// TestNormalsMatchGeneric runs every available implementation's Normals32,
// Normals64, AddNormals32 and AddNormals64 over normalCases, with keys
// drawn at random and the corner keys, scales 1, ordinary, negative, zero,
// tiny (denormal results), huge (infinite results), infinite and NaN, at
// misaligned offsets, onto random values for AddNormals, and compares with
// Generic bit for bit, the guards past every slice included.
func TestNormalsMatchGeneric(t *testing.T) {
	for _, add := range []bool{false, true} {
		testNormals[float32](t, add)
		testNormals[float64](t, add)
	}
}

func testNormals[T float](t *testing.T, add bool) {
	rng := rand.New(rand.NewPCG(5, 6))
	keys := []NormalKey{{}, {^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)}}
	for range 4 {
		keys = append(keys, NormalKey{rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()})
	}
	scales := []float64{1, 0.0371, -2.5, 0, 1e-310, 1e308, math.Inf(1), math.NaN()}
	want := normalsImpl[T](Generic, add)
	for _, impl := range fuzzImpls(t) {
		got := normalsImpl[T](impl, add)
		for i, c := range normalCases() {
			key, scale := keys[i%len(keys)], scales[i%len(scales)]
			off := rng.IntN(4)
			var fill func(int) T
			if add {
				vals := make([]T, c[1])
				for j := range vals {
					vals[j] = T(rng.NormFloat64())
				}
				fill = func(j int) T { return vals[j] }
			}
			a, b := buf[T](c[1], off, fill), buf[T](c[1], off, fill)
			want(a, key, c[0], scale)
			got(b, key, c[0], scale)
			same(t, fmt.Sprintf("%s add %v float%d key %v col %d n %d scale %v", impl.Name, add, 8*sizeOf[T](), key, c[0], c[1], scale), b, a)
		}
	}
}

// TestNormalsAnyRange: the columns of a row come out the same whether the
// row is drawn whole or in pieces cut anywhere, by every implementation.
func TestNormalsAnyRange(t *testing.T) {
	key := NormalKey{11, 22, 33, 44, 55}
	const n = 3000
	whole := make([]float32, n)
	Generic.Normals32(whole, key, 0, 1.5)
	rng := rand.New(rand.NewPCG(7, 8))
	for _, impl := range Available() {
		pieces := make([]float32, n)
		for lo := 0; lo < n; {
			hi := min(n, lo+1+rng.IntN(200))
			impl.Normals32(pieces[lo:hi], key, lo, 1.5)
			lo = hi
		}
		if !slices.Equal(pieces, whole) {
			t.Fatalf("%s: a row drawn in pieces differs from the row drawn whole", impl.Name)
		}
	}
}

// ksNormal returns the Kolmogorov–Smirnov distance between the sample x
// (sorted in place) and the standard normal distribution.
func ksNormal(x []float64) float64 {
	sort.Float64s(x)
	n := float64(len(x))
	d := 0.0
	for i, v := range x {
		f := distuv.UnitNormal.CDF(v)
		d = max(d, f-float64(i)/n, float64(i+1)/n-f)
	}
	return d
}

// TestNormalsDistribution checks that the numbers of Normals64 and of
// Normals32 are standard normal and independent: along a row and down a
// column (one column of many rows, so the key schedule is tested too), the
// mean within 5 standard errors of 0, the variance within 5 of 1, the
// Kolmogorov–Smirnov distance to gonum's standard normal below its 0.1%
// critical value (1.95/√n), the fractions beyond 3σ and beyond 4σ within 5
// standard errors of theirs, and no correlation between the two numbers of
// a Box–Muller pair (columns c and c+8 in float64, c and c+16 in float32)
// or between neighbouring columns.
func TestNormalsDistribution(t *testing.T) {
	t.Run("float64", func(t *testing.T) {
		testNormalsDistribution(t, 8, func(dst []float64, key NormalKey, col int) { Normals64(dst, key, col, 1) })
	})
	t.Run("float32", func(t *testing.T) {
		testNormalsDistribution(t, 16, func(dst []float64, key NormalKey, col int) {
			x := make([]float32, len(dst))
			Normals32(x, key, col, 1)
			for i, v := range x {
				dst[i] = float64(v)
			}
		})
	})
}

func testNormalsDistribution(t *testing.T, pair int, normals func(dst []float64, key NormalKey, col int)) {
	const n = 1 << 20
	along := make([]float64, n)
	normals(along, NormalKey{1, 2, 3, 4, 5}, 0)
	down := make([]float64, 1<<17)
	for r := range down {
		normals(down[r:r+1], NormalKey{9, 8, uint32(r), 0, 0}, 77)
	}
	for _, c := range []struct {
		name string
		x    []float64
	}{{"along a row", along}, {"down a column", down}} {
		x := slices.Clone(c.x)
		m := float64(len(x))
		mean, sq := 0.0, 0.0
		tails, far := 0, 0
		for _, v := range x {
			mean += v
			sq += v * v
			if math.Abs(v) > 3 {
				tails++
			}
			if math.Abs(v) > 4 {
				far++
			}
		}
		mean /= m
		variance := sq/m - mean*mean
		if math.Abs(mean) > 5/math.Sqrt(m) {
			t.Errorf("%s: mean %.5f, want 0 ± %.5f", c.name, mean, 5/math.Sqrt(m))
		}
		if math.Abs(variance-1) > 5*math.Sqrt(2/m) {
			t.Errorf("%s: variance %.5f, want 1 ± %.5f", c.name, variance, 5*math.Sqrt(2/m))
		}
		for _, tail := range []struct {
			k     int
			sigma float64
		}{{tails, 3}, {far, 4}} {
			p := 2 * distuv.UnitNormal.CDF(-tail.sigma)
			if f := float64(tail.k) / m; math.Abs(f-p) > 5*math.Sqrt(p*(1-p)/m) {
				t.Errorf("%s: %.5f%% beyond %vσ, want %.5f%%", c.name, 100*f, tail.sigma, 100*p)
			}
		}
		if d, crit := ksNormal(x), 1.95/math.Sqrt(m); d > crit {
			t.Errorf("%s: Kolmogorov–Smirnov distance %.5f to the standard normal, above the 0.1%% critical value %.5f", c.name, d, crit)
		}
	}
	corr := func(lag int, pick func(c int) bool) float64 {
		s, k := 0.0, 0
		for c := 0; c+lag < len(along); c++ {
			if pick(c) {
				s += along[c] * along[c+lag]
				k++
			}
		}
		return s / float64(k) * math.Sqrt(float64(k))
	}
	// Standardised: each is a sum of k products of independent unit
	// normals over √k, itself about a unit normal.
	if z := corr(pair, func(c int) bool { return c%(2*pair) < pair }); math.Abs(z) > 5 {
		t.Errorf("the two numbers of a pair correlate: %.2f standard errors", z)
	}
	if z := corr(1, func(int) bool { return true }); math.Abs(z) > 5 {
		t.Errorf("neighbouring columns correlate: %.2f standard errors", z)
	}
}

func TestNormalsNoAlloc(t *testing.T) {
	dst := make([]float32, 1000)
	for _, impl := range Available() {
		if a := testing.AllocsPerRun(10, func() { impl.Normals32(dst[3:], NormalKey{1, 2, 3, 4, 5}, 3, 0.5) }); a != 0 {
			t.Errorf("%s: Normals32: %v allocations per call", impl.Name, a)
		}
		if a := testing.AllocsPerRun(10, func() { impl.AddNormals32(dst[3:], NormalKey{1, 2, 3, 4, 5}, 3, 0.5) }); a != 0 {
			t.Errorf("%s: AddNormals32: %v allocations per call", impl.Name, a)
		}
	}
}

// TestAddNormalsIsAccumulate: AddNormals gives the bits of Normals into a
// buffer and AccumulateRows of the buffer, by every implementation, for
// rows of every length to past a pass, at starts inside and at blocks.
func TestAddNormalsIsAccumulate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, impl := range Available() {
		for n := 0; n <= 300; n += 1 + n/8 {
			for _, col := range []int{0, 5, 32, 128 + 17} {
				key := NormalKey{rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32(), rng.Uint32()}
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64())
				}
				want, row := slices.Clone(x), make([]float32, n)
				impl.Normals32(row, key, col, 0.7)
				impl.AccumulateRows32(want, row, n, []int32{0})
				impl.AddNormals32(x, key, col, 0.7)
				if !sameBitsT(x, want) {
					t.Fatalf("%s: col %d n %d: AddNormals32 differs from Normals32 and AccumulateRows32", impl.Name, col, n)
				}
			}
		}
	}
}

func FuzzNormals32(f *testing.F) {
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14seed bytes for normals, float32"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormals[float32](t, data, false) })
}

func FuzzNormals64(f *testing.F) {
	f.Add([]byte("\xff\xfe\xfd\xfc\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14seed bytes for normals, float64, longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormals[float64](t, data, false) })
}

func FuzzAddNormals32(f *testing.F) {
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14seed bytes for added normals, float32"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormals[float32](t, data, true) })
}

func FuzzAddNormals64(f *testing.F) {
	f.Add([]byte("\xff\xfe\xfd\xfc\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14seed bytes for added normals, float64, longer"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzNormals[float64](t, data, true) })
}

// fuzzNormals decodes a key, a starting column, a length and a scale (raw
// float64 bits) from the bytes and compares every implementation with
// Generic, Normals or with add AddNormals, which adds onto values that
// follow from the bytes.
func fuzzNormals[T float](t *testing.T, data []byte, add bool) {
	d := &decoder{b: data}
	u32 := func() uint32 {
		return uint32(d.u8()) | uint32(d.u8())<<8 | uint32(d.u8())<<16 | uint32(d.u8())<<24
	}
	key := NormalKey{u32(), u32(), u32(), u32(), u32()}
	col := int(u32()) << (d.u8() % 3)
	n := d.u8()<<2 | d.u8()&3
	var sb [8]byte
	for i := range sb {
		sb[i] = byte(d.u8())
	}
	scale := math.Float64frombits(binary.LittleEndian.Uint64(sb[:]))
	if d.u8()%2 == 0 {
		scale = d.small()
	}
	off := d.u8() % 4
	var fill func(int) T
	if add {
		base := d.small()
		fill = func(i int) T { return T(base * float64(i%7-3)) }
	}
	want := buf[T](n, off, fill)
	normalsImpl[T](Generic, add)(want, key, col, scale)
	for _, impl := range fuzzImpls(t) {
		got := buf[T](n, off, fill)
		normalsImpl[T](impl, add)(got, key, col, scale)
		same(t, fmt.Sprintf("%s add %v key %v col %d n %d scale %v", impl.Name, add, key, col, n, scale), got, want)
	}
}

// TestNormalsStream pins the numbers themselves: the SHA-256 of the bits
// of Generic's Normals64 over 2^20 columns of two keys (one of them at the
// far end of a row) and of boxMuller at the edge words of
// TestBoxMullerAccuracy; and TestNormals32Stream those of Normals32 and
// boxMuller32. Stored and procedural weights are these numbers,
// so a change here is a change of every network's weights: it needs a new
// state version and a changelog entry, not a new hash.
func TestNormalsStream(t *testing.T) {
	sqrt2 := math.Sqrt2
	edge := uint32(sqrt2 * (1 << 31))
	got := streamHash(normalsGeneric64, boxMuller, []uint32{0, 1, 2, ^uint32(0), ^uint32(0) - 1, 1<<31 - 1, 1 << 31, edge - 1, edge, edge + 1})
	if want := "2a372e8d5b292e81baf770a969a7095c3869e3501c86a68d168e4e73814533d0"; got != want {
		t.Fatalf("the normal numbers changed: SHA-256 %s, was %s", got, want)
	}
}

func TestNormals32Stream(t *testing.T) {
	sqrt2 := math.Sqrt2
	edge := uint32(sqrt2 * (1 << 31))
	bm := func(a, b uint32, scale float64) (float32, float32) { return boxMuller32(a, b, float32(scale)) }
	got := streamHash(normalsGeneric32, bm, []uint32{0, 1, 2, 3, ^uint32(0), ^uint32(0) - 1, 1<<31 - 1, 1 << 31, edge - 2, edge, edge + 2})
	if want := "9f72d9a2613a7c395d6372c5155e19047b65c65abb08625389e49c7b94793a46"; got != want {
		t.Fatalf("the float32 normal numbers changed: SHA-256 %s, was %s", got, want)
	}
}

// streamHash returns the hex SHA-256 of the little-endian bits of gen's
// numbers over 2^20 columns of two keys, one at the far end of a row, and
// of bm's pairs, at scale 0.37, for the words as and b at every octant
// boundary.
func streamHash[T float](gen func(dst []T, key NormalKey, col int, scale float64), bm func(a, b uint32, scale float64) (T, T), as []uint32) string {
	h := sha256.New()
	var b [8]byte
	put := func(v T) {
		if is32[T]() {
			binary.LittleEndian.PutUint32(b[:4], math.Float32bits(float32(v)))
			h.Write(b[:4])
			return
		}
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(float64(v)))
		h.Write(b[:])
	}
	x := make([]T, 1<<20)
	for _, c := range []struct {
		key NormalKey
		col int
	}{{NormalKey{1, 2, 3, 4, 5}, 0}, {NormalKey{0xdeadbeef, 0x01234567, 0x89abcdef, 7, 0xffffffff}, 1<<34 - 1<<20}} {
		gen(x, c.key, c.col, 1)
		for _, v := range x {
			put(v)
		}
	}
	for _, a := range as {
		for _, b := range octantWords() {
			z0, z1 := bm(a, b, 0.37)
			put(z0)
			put(z1)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
