//go:build !purego && !noasm

package kernels

// rowsWork bounds the values one LeakyRows assembly call reads, state and
// rows together, as LeakyUpdate's updateChunk neurons of V, I and Iin do.
const rowsWork = 3 * updateChunk

// leakyRows checks every row, then runs the whole mask words through the
// assembly in calls of about rowsWork values (it is not preemptible) and
// the ragged last word through the generic code, which gives the same
// bits.
func (k *asmKernels[T]) leakyRows(V, I []T, rows [][]T, col int, alpha, beta, theta T, reset Reset, spikes []uint64) int {
	n := len(V)
	body := n &^ 63
	if body == 0 {
		// A population of fewer than 64 neurons (the seed's one neuron, a
		// small readout): nothing for the assembly, and the generic code
		// checks the arguments itself.
		return k.generic.rows(V, I, rows, col, alpha, beta, theta, reset, spikes)
	}
	// Fail on short arguments before writing anything, as generic does:
	// the assembly checks nothing.
	I, spikes = I[:n], spikes[:MaskWords(n)]
	checkRows(rows, col, n)
	f := k.rowsSub
	if reset != ResetSubtract {
		f = k.rowsZero
	}
	chunk := max(64, rowsWork/(2+len(rows))&^63)
	count := 0
	for lo := 0; lo < body; lo += chunk {
		hi := min(lo+chunk, body)
		count += f(V[lo:hi], I[lo:hi], rows, col+lo, alpha, beta, theta, spikes[lo>>6:])
	}
	if body < n {
		count += k.generic.rows(V[body:], I[body:], rows, col+body, alpha, beta, theta, reset, spikes[body>>6:])
	}
	return count
}
