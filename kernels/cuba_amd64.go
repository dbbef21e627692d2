//go:build !purego && !noasm

package kernels

import "golang.org/x/sys/cpu"

// cubaAVX2 reports whether the CPU runs cubaUpdate32AVX2.
var cubaAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT

// cubaChunk bounds the words one assembly call handles, since assembly is
// not preemptible: 1024 words are 65536 neurons, a few tens of µs.
const cubaChunk = 1024

// cubaUpdate32AVX2 runs CubaUpdate32 over words×64 neurons, eight vectors
// of eight per spike word; pointers are to the first element of each
// slice. It returns the number of spikes.
//
//go:noescape
func cubaUpdate32AVX2(V, I0, Iin0, I1, Iin1 *float32, refrac *int32, words int, p *CubaParams32, spikes *uint64) int

// cubaUpdate32 runs whole words in assembly when the CPU has AVX2 and the
// active kernels are not the generic ones, and the rest in Go.
func cubaUpdate32(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
	n := len(V)
	words := n >> 6
	if !cubaAVX2 || active == Generic || words == 0 {
		return cubaGeneric32(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
	}
	// Bounds are checked here, once, because the assembly checks none.
	I0, Iin0, I1, Iin1, refrac = I0[:n], Iin0[:n], I1[:n], Iin1[:n], refrac[:n]
	spikes = spikes[:MaskWords(n)]
	count := 0
	for w := 0; w < words; w += cubaChunk {
		k := min(cubaChunk, words-w)
		o := w << 6
		count += cubaUpdate32AVX2(&V[o], &I0[o], &Iin0[o], &I1[o], &Iin1[o], &refrac[o], k, p, &spikes[w])
	}
	if done := words << 6; done < n {
		count += cubaGeneric32(V[done:], I0[done:], Iin0[done:], I1[done:], Iin1[done:], refrac[done:], p, spikes[words:])
	}
	return count
}

// cubaChunkNeurons is the number of neurons one assembly call handles, so
// tests can cover a size past it.
func cubaChunkNeurons() int { return cubaChunk * 64 }
