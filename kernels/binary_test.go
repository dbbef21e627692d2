package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// binaryOf is impl's BinaryMasks of element type T.
func binaryOf[T float](impl *Impl) func(masks []uint64, x []T) int {
	var f any = impl.BinaryMasks64
	if is32[T]() {
		f = impl.BinaryMasks32
	}
	return f.(func([]uint64, []T) int)
}

// notSpikes are values that are neither 0 nor 1, each close to one of
// them in value or in bits: NaNs (with payloads, either sign), infinities,
// denormals, 1's neighbours, −1, 1 with the sign set, and 0x…01.
func notSpikes[T float]() []T {
	one := bitsOf(T(1))
	sign := uint64(1) << 63
	if is32[T]() {
		sign = 1 << 31
	}
	return []T{
		T(math.NaN()), -T(math.NaN()), fromBits[T](bitsOf(T(math.NaN())) | 1), T(math.Inf(1)), T(math.Inf(-1)),
		fromBits[T](1), fromBits[T](sign | 1), fromBits[T](sign>>9 - 1),
		nextAfter(T(1), 2), nextAfter(T(1), 0), -1, fromBits[T](one | sign), fromBits[T](one ^ 1),
		0.5, 2, fromBits[T](sign - 1), fromBits[T](sign>>1 | 1),
	}
}

// spikeRow fills n spikes at density p, zeros of either sign, and puts
// bad (when not nil) at index at.
func spikeRow[T float](rng *rand.Rand, n, off int, p float64, bad *T, at int) []T {
	x := buf(n, off, func(int) T {
		switch {
		case rng.Float64() < p:
			return 1
		case rng.IntN(2) == 0:
			return T(math.Copysign(0, -1))
		}
		return 0
	})
	if bad != nil {
		x[at] = *bad
	}
	return x
}

// wantBinary is BinaryMasks by its rule on the values' bits, written
// apart from the reference: 1 is 1.0's bits, 0 is zero bits under the
// sign, the scan stops at anything else, leaving the words past it.
func wantBinary[T float](masks []uint64, x []T) int {
	abs := uint64(math.MaxInt64)
	if is32[T]() {
		abs = math.MaxInt32
	}
	for i, v := range x {
		if i&63 == 0 {
			// A word is written once the scan reaches it.
			masks[i>>6] = 0
		}
		switch b := bitsOf(v); {
		case b == bitsOf(T(1)):
			masks[i>>6] |= 1 << (i & 63)
		case b&abs != 0:
			return i
		}
	}
	return -1
}

// TestBinaryMasksRule checks Generic against the rule on the bits.
func TestBinaryMasksRule(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testBinaryAgainst(t, Generic, wantBinary[float32]) })
	t.Run("float64", func(t *testing.T) { testBinaryAgainst(t, Generic, wantBinary[float64]) })
}

// TestBinaryMasks runs every implementation's BinaryMasks against Generic
// bit for bit, masks, guards past them and the index returned: every
// length 0 … 200 and some long ones (past one assembly call), at four
// offsets, sparse and dense spikes with zeros of both signs, and each of
// notSpikes at an index of the head, the body or the ragged tail.
func TestBinaryMasks(t *testing.T) {
	t.Run("float32", func(t *testing.T) {
		forEachImpl(t, func(t *testing.T, impl *Impl) {
			testBinaryAgainst(t, impl, binaryOf[float32](Generic))
		})
	})
	t.Run("float64", func(t *testing.T) {
		forEachImpl(t, func(t *testing.T, impl *Impl) {
			testBinaryAgainst(t, impl, binaryOf[float64](Generic))
		})
	})
}

func testBinaryAgainst[T float](t *testing.T, impl *Impl, want func(masks []uint64, x []T) int) {
	got := binaryOf[T](impl)
	rng := rand.New(rand.NewPCG(14, 700))
	lengths := []int{1000, 1<<16 + 130, 1<<17 + 64} // past one assembly call (updateChunk)
	for n := range 201 {
		lengths = append(lengths, n)
	}
	bads := notSpikes[T]()
	for _, n := range lengths {
		for off := range 4 {
			for _, p := range []float64{0.015, 0.5, 1} {
				cases := []int{-1}
				if n > 0 {
					cases = append(cases, 0, n-1, rng.IntN(n), min(n-1, n&^63), min(n-1, 63), min(n-1, 64))
				}
				for _, at := range cases {
					var bad *T
					if at >= 0 {
						bad = &bads[rng.IntN(len(bads))]
					}
					x := spikeRow(rng, n, off, p, bad, max(at, 0))
					m1, m2 := bufU(MaskWords(n), off), bufU(MaskWords(n), off)
					w, g := want(m1, x), got(m2, x)
					what := fmt.Sprintf("n=%d off=%d p=%v bad at %d", n, off, p, at)
					if g != w {
						t.Fatalf("%s: returned %d, want %d", what, g, w)
					}
					sameU(t, what, m2, m1)
				}
			}
		}
	}
}

func FuzzBinaryMasks32(f *testing.F) {
	f.Add([]byte("\x50\x01\x00\x00\x80\x3f\x00\x00\x80\x3f\x01\x00\x80\x3fseed bytes for the binary masks"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzBinaryMasks[float32](t, data) })
}

func FuzzBinaryMasks64(f *testing.F) {
	f.Add([]byte("\x90\x02\x00\x00\x00\x00\x00\x00\xf0\x3f\x00\x00\x00\x00\x00\x00\xf0\xbfseed bytes, float64"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzBinaryMasks[float64](t, data) })
}

// fuzzBinaryMasks is the body of FuzzBinaryMasks32 and FuzzBinaryMasks64:
// n values, each 0, 1 or a raw bit pattern as the bytes choose (so most
// rows are spikes up to a point), against Generic.
func fuzzBinaryMasks[T float](t *testing.T, data []byte) {
	d := &decoder{data}
	n := d.u8() * 3
	x := make([]T, n)
	for i := range x {
		switch d.u8() % 8 {
		case 0:
			x[i] = raw[T](d)
		case 1, 2:
			x[i] = 1
		case 3:
			x[i] = T(math.Copysign(0, -1))
		}
	}
	want := make([]uint64, MaskWords(n)+1)
	wb := binaryOf[T](Generic)(want, x)
	for _, impl := range fuzzImpls(t) {
		got := make([]uint64, len(want))
		if g := binaryOf[T](impl)(got, x); g != wb {
			t.Fatalf("%s: returned %d, want %d", impl.Name, g, wb)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("%s: word %d: %#x, want %#x", impl.Name, i, got[i], want[i])
			}
		}
	}
}

// BenchmarkBinaryMasks times the check and masks of one row of spikes at
// 1.5% (SHD's 700 inputs, and a long row), against a naive twin that
// tests each value and keeps a bool.
func BenchmarkBinaryMasks(b *testing.B) {
	b.Run("float32", func(b *testing.B) { benchBinaryMasks[float32](b) })
	b.Run("float64", func(b *testing.B) { benchBinaryMasks[float64](b) })
}

func benchBinaryMasks[T float](b *testing.B) {
	for _, impl := range benchImpls() {
		for _, n := range []int{700, 65536} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", implName(impl), n), func(b *testing.B) {
				skipUnsupported(b, impl)
				x := spikeRow[T](rand.New(rand.NewPCG(5, uint64(n))), n, 0, 0.015, nil, 0)
				masks, ones := make([]uint64, MaskWords(n)), make([]bool, n)
				b.SetBytes(int64(n) * int64(bitsIn[T]()/8))
				for b.Loop() {
					if impl == nil {
						if naiveBinary(ones, x) >= 0 {
							b.Fatal("a spike row is not spikes")
						}
					} else if binaryOf[T](impl)(masks, x) >= 0 {
						b.Fatal("a spike row is not spikes")
					}
				}
			})
		}
	}
}

// naiveBinary is BinaryMasks' plain loop: ones[i] is x[i] == 1, up to the
// first value that is neither 0 nor 1, whose index it returns.
func naiveBinary[T float](ones []bool, x []T) int {
	for i, v := range x {
		if v != 0 && v != 1 {
			return i
		}
		ones[i] = v == 1
	}
	return -1
}

// bitsIn is the width of T in bits.
func bitsIn[T float]() int {
	if is32[T]() {
		return 32
	}
	return 64
}
