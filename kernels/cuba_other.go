//go:build purego || noasm || !amd64

package kernels

// cubaUpdate32 is the generic loop where there is no assembly.
func cubaUpdate32(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int {
	return cubaGeneric32(V, I0, Iin0, I1, Iin1, refrac, p, spikes)
}

// cubaChunkNeurons is the number of neurons one assembly call handles; with
// no assembly any size does.
func cubaChunkNeurons() int { return 64 * 1024 }
