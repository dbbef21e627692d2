package kernels

import (
	"fmt"
	"math"
	"math/bits"
)

// Reset selects how the membrane potential is reset after a spike.
type Reset uint8

const (
	// ResetSubtract subtracts the spike from the potential: V' = β·V + I − s.
	ResetSubtract Reset = iota
	// ResetZero multiplies the potential by (1 − s): V' = (β·V + I)·(1 − s).
	ResetZero
)

// String returns the name used on the command line ("subtract" or "zero").
func (r Reset) String() string {
	switch r {
	case ResetSubtract:
		return "subtract"
	case ResetZero:
		return "zero"
	}
	return "Reset(" + itoa(int(r)) + ")"
}

func itoa(v int) string {
	if v == 0 {
		return "0"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// MaskWords returns the number of uint64 words a spike bitmask for n neurons
// occupies.
func MaskWords(n int) int { return (n + 63) >> 6 }

// leakyUpdateGeneric32 is the reference for LeakyUpdate32; see there.
func leakyUpdateGeneric32(V, I, Iin []float32, alpha, beta, theta float32, reset Reset, spikes []uint64) int {
	n := len(V)
	I = I[:n]
	Iin = Iin[:n]
	spikes = spikes[:MaskWords(n)]
	count := 0
	for w := range spikes {
		lo := w << 6
		hi := min(lo+64, n)
		var word uint64
		v := V[lo:hi]
		// Reslicing to len(v) lets the compiler drop the bounds checks,
		// testing the reset mode outside the loop keeps the loop body
		// straight, and the spike bit is computed without a branch
		// (SETcc), which costs nothing when firing is sparse and avoids
		// mispredictions when it is not. The word is built by shifting
		// right one bit per neuron (constant shifts, no CX register and
		// no spills) and s from the bit's IEEE pattern (exactly 1.0 or
		// +0.0, without an int-to-float conversion); together ~12%
		// faster than a variable shift and float32(bit).
		cur := I[lo:hi][:len(v)]
		in := Iin[lo:hi][:len(v)]
		if reset == ResetSubtract {
			for k, vk := range v {
				ck := cur[k]
				var bit uint32
				if vk > theta {
					bit = 1
				}
				word = word>>1 | uint64(bit)<<63
				s := math.Float32frombits(-bit & 0x3f800000)
				v[k] = float32(beta*vk) + ck - s
				cur[k] = float32(alpha*ck) + in[k]
			}
		} else {
			for k, vk := range v {
				ck := cur[k]
				var bit uint32
				if vk > theta {
					bit = 1
				}
				word = word>>1 | uint64(bit)<<63
				s := math.Float32frombits(-bit & 0x3f800000)
				v[k] = (float32(beta*vk) + ck) * (1 - s)
				cur[k] = float32(alpha*ck) + in[k]
			}
		}
		word >>= uint(64 - len(v))
		spikes[w] = word
		count += bits.OnesCount64(word)
	}
	return count
}

// leakyUpdateGeneric64 is the reference for LeakyUpdate64; see there.
func leakyUpdateGeneric64(V, I, Iin []float64, alpha, beta, theta float64, reset Reset, spikes []uint64) int {
	n := len(V)
	I = I[:n]
	Iin = Iin[:n]
	spikes = spikes[:MaskWords(n)]
	count := 0
	for w := range spikes {
		lo := w << 6
		hi := min(lo+64, n)
		var word uint64
		v := V[lo:hi]
		// Reslicing to len(v) lets the compiler drop the bounds checks,
		// testing the reset mode outside the loop keeps the loop body
		// straight, and the spike bit is computed without a branch
		// (SETcc), which costs nothing when firing is sparse and avoids
		// mispredictions when it is not. The word is built by shifting
		// right one bit per neuron (constant shifts, no CX register and
		// no spills) and s from the bit's IEEE pattern (exactly 1.0 or
		// +0.0, without an int-to-float conversion); together ~12%
		// faster than a variable shift and float32(bit).
		cur := I[lo:hi][:len(v)]
		in := Iin[lo:hi][:len(v)]
		if reset == ResetSubtract {
			for k, vk := range v {
				ck := cur[k]
				var bit uint64
				if vk > theta {
					bit = 1
				}
				word = word>>1 | uint64(bit)<<63
				s := math.Float64frombits(-bit & 0x3ff0000000000000)
				v[k] = math.FMA(beta, vk, ck) - s
				cur[k] = math.FMA(alpha, ck, in[k])
			}
		} else {
			for k, vk := range v {
				ck := cur[k]
				var bit uint64
				if vk > theta {
					bit = 1
				}
				word = word>>1 | uint64(bit)<<63
				s := math.Float64frombits(-bit & 0x3ff0000000000000)
				v[k] = (math.FMA(beta, vk, ck)) * (1 - s)
				cur[k] = math.FMA(alpha, ck, in[k])
			}
		}
		word >>= uint(64 - len(v))
		spikes[w] = word
		count += bits.OnesCount64(word)
	}
	return count
}

// leakyScanGeneric32 is the reference for LeakyScan32; see there.
func leakyScanGeneric32(V, I, Iin []float32, inStride, steps int, alpha, beta, theta float32, reset Reset, spikes []uint64, maskStride int) int {
	n := len(V)
	count := 0
	for t := 0; t < steps; t++ {
		count += leakyUpdateGeneric32(V, I, Iin[t*inStride:t*inStride+n], alpha, beta, theta, reset, spikes[t*maskStride:])
	}
	return count
}

// leakyScanGeneric64 is the reference for LeakyScan64; see there.
func leakyScanGeneric64(V, I, Iin []float64, inStride, steps int, alpha, beta, theta float64, reset Reset, spikes []uint64, maskStride int) int {
	n := len(V)
	count := 0
	for t := 0; t < steps; t++ {
		count += leakyUpdateGeneric64(V, I, Iin[t*inStride:t*inStride+n], alpha, beta, theta, reset, spikes[t*maskStride:])
	}
	return count
}

// accumulateRowsGeneric32 is the reference for AccumulateRows32; see there.
func accumulateRowsGeneric32(dst, W []float32, stride int, rows []int32) {
	n := len(dst)
	for _, r := range rows {
		row := W[int(r)*stride : int(r)*stride+n]
		for i := range dst {
			dst[i] += row[i]
		}
	}
}

// accumulateRowsGeneric64 is the reference for AccumulateRows64; see there.
func accumulateRowsGeneric64(dst, W []float64, stride int, rows []int32) {
	n := len(dst)
	for _, r := range rows {
		row := W[int(r)*stride : int(r)*stride+n]
		for i := range dst {
			dst[i] += row[i]
		}
	}
}

// accumulateTrialsGeneric is the reference for AccumulateTrials32 and
// AccumulateTrials64; see there.
func accumulateTrialsGeneric[F float32 | float64](dst []F, dstStride int, W []F, stride int, rows [][]int32) {
	n := len(dst)
	if len(rows) > 0 && n > 0 {
		// Every trial's row must lie inside dst's array.
		_ = dst[:(len(rows)-1)*dstStride+n]
	}
	for b, rs := range rows {
		d := dst[b*dstStride : b*dstStride+n]
		for _, r := range rs {
			row := W[int(r)*stride : int(r)*stride+n]
			for i := range d {
				d[i] += row[i]
			}
		}
	}
}

// accumulateMasksGeneric is the reference for AccumulateMasks32 and
// AccumulateMasks64; see there.
func accumulateMasksGeneric[F float32 | float64](dst []F, dstStride int, W []F, stride int, masks []uint64, words int) {
	trials := maskTrials(masks, words)
	n := len(dst)
	if trials > 0 && n > 0 {
		// Every trial's row must lie inside dst's array.
		_ = dst[:(trials-1)*dstStride+n]
	}
	for b := range trials {
		d := dst[b*dstStride : b*dstStride+n]
		for wi, m := range masks[b*words : (b+1)*words] {
			for ; m != 0; m &= m - 1 {
				r := wi<<6 + bits.TrailingZeros64(m)
				row := W[r*stride : r*stride+n]
				for i := range d {
					d[i] += row[i]
				}
			}
		}
	}
}

// maskTrials is the number of trials of words mask words each in masks; it
// panics, in every implementation alike, unless words ≥ 1 divides
// len(masks).
func maskTrials(masks []uint64, words int) int {
	if words < 1 || len(masks)%words != 0 {
		panic(fmt.Sprintf("kernels: %d mask words are not whole trials of %d words", len(masks), words))
	}
	return len(masks) / words
}

// addTrialsGeneric is the reference for AddTrials32 and AddTrials64.
func addTrialsGeneric[F float32 | float64](dst []F, dstStride int, v []F, trials int) {
	n := len(dst)
	if trials > 0 && n > 0 {
		_ = dst[:(trials-1)*dstStride+n]
	}
	v = v[:n]
	for b := 0; b < trials; b++ {
		d := dst[b*dstStride : b*dstStride+n]
		for i := range d {
			d[i] += v[i]
		}
	}
}

// matMulGeneric32 is the reference for MatMul32; see there.
func matMulGeneric32(m, n, k int, A []float32, lda int, B []float32, ldb int, C []float32, ldc int, accumulate bool) {
	for i := 0; i < m; i++ {
		c := C[i*ldc : i*ldc+n]
		if !accumulate {
			clear(c)
		}
		a := A[i*lda : i*lda+k]
		for p, ap := range a {
			b := B[p*ldb : p*ldb+n]
			for j := range c {
				c[j] += float32(ap * b[j])
			}
		}
	}
}

// matMulGeneric64 is the reference for MatMul64; see there.
func matMulGeneric64(m, n, k int, A []float64, lda int, B []float64, ldb int, C []float64, ldc int, accumulate bool) {
	for i := 0; i < m; i++ {
		c := C[i*ldc : i*ldc+n]
		if !accumulate {
			clear(c)
		}
		a := A[i*lda : i*lda+k]
		for p, ap := range a {
			b := B[p*ldb : p*ldb+n]
			for j := range c {
				c[j] = math.FMA(ap, b[j], c[j])
			}
		}
	}
}
