package engine

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// packTrialRef is packTrial's format written plainly: the count and
// every spiking neuron's index, or ^0 and the words when the indices
// take more bytes.
func packTrialRef(words []uint64, w0 int) []byte {
	var idx []byte
	k := 0
	for wi, w := range words {
		for j := range 64 {
			if w>>j&1 == 1 {
				idx = binary.LittleEndian.AppendUint32(idx, uint32((w0+wi)*64+j))
				k++
			}
		}
	}
	if 4*k > 8*len(words) {
		out := binary.LittleEndian.AppendUint32(nil, ^uint32(0))
		for _, w := range words {
			out = binary.LittleEndian.AppendUint64(out, w)
		}
		return out
	}
	return append(binary.LittleEndian.AppendUint32(nil, uint32(k)), idx...)
}

// checkPackTrial packs words after a prefix into a buffer of exactly
// the capacity the words' form needs (as the ranks size their send
// buffers) and compares with packTrialRef; packTrial must neither touch
// the prefix nor grow past that capacity.
func checkPackTrial(t *testing.T, words []uint64, w0 int) {
	t.Helper()
	want := packTrialRef(words, w0)
	k := 0
	for _, w := range words {
		k += bits.OnesCount64(w)
	}
	prefix := []byte{1, 2, 3}
	buf := make([]byte, len(prefix), len(prefix)+4+8*len(words))
	copy(buf, prefix)
	got := packTrial(buf, words, w0)
	if !bytes.Equal(got[:len(prefix)], prefix) {
		t.Fatalf("%d words: the bytes before were changed", len(words))
	}
	if !bytes.Equal(got[len(prefix):], want) {
		t.Fatalf("%d words (%d spikes), w0 %d: packed %x, want %x", len(words), k, w0, got[len(prefix):], want)
	}
	if unsafe.SliceData(got) != unsafe.SliceData(buf) {
		t.Fatalf("%d words (%d spikes): packTrial grew the buffer past the words' form", len(words), k)
	}
}

// TestPackTrial: every length up to past two of packTrial's eight-word
// groups, densities from silent to every neuron, spikes in the first and
// last words and at the switch between the two forms (one index more
// than the words' bytes).
func TestPackTrial(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 19; n++ {
		for _, p := range []float64{0, 0.001, 0.02, 0.2, 0.5, 1} {
			words := make([]uint64, n)
			for i := range words {
				for j := range 64 {
					if rng.Float64() < p {
						words[i] |= 1 << j
					}
				}
			}
			checkPackTrial(t, words, rng.IntN(100))
		}
		if n == 0 {
			continue
		}
		edges := make([]uint64, n)
		edges[0], edges[n-1] = 1, 1<<63
		checkPackTrial(t, edges, 0)
		// 2n spikes take 8n bytes as indices, as many as the words; one
		// more switches to the words.
		for _, extra := range []int{0, 1} {
			at := make([]uint64, n)
			for s := range 2*n + extra {
				at[s/64] |= 1 << (s % 64)
			}
			checkPackTrial(t, at, 3)
		}
	}
}

// FuzzPackTrial checks packTrial against packTrialRef on words made from
// the fuzzer's bytes.
func FuzzPackTrial(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0x80}, uint8(0))
	f.Add(bytes.Repeat([]byte{0xff}, 40), uint8(5))
	f.Fuzz(func(t *testing.T, raw []byte, w0 uint8) {
		words := make([]uint64, len(raw)/8)
		for i := range words {
			words[i] = binary.LittleEndian.Uint64(raw[8*i:])
		}
		checkPackTrial(t, words, int(w0))
	})
}

// BenchmarkPackTrial packs one rank's share of CUBA 40 000 over two
// ranks as the exchange before a step does: exc's block of 250 words
// and inh's of 63, with the 18 and 4 spikes a step of theirs holds at
// about 5.5 Hz.
func BenchmarkPackTrial(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	exc, inh := make([]uint64, 250), make([]uint64, 63)
	for range 18 {
		exc[rng.IntN(len(exc))] |= 1 << rng.IntN(64)
	}
	for range 4 {
		inh[rng.IntN(len(inh))] |= 1 << rng.IntN(64)
	}
	b.Run("words=313/spikes=22", func(b *testing.B) {
		dst := make([]byte, 0, 4096)
		for b.Loop() {
			dst = packBlock(dst[:0], exc, len(exc), 0, len(exc), 1, 0)
			dst = packBlock(dst, inh, len(inh), 0, len(inh), 1, 0)
		}
	})
}
