//go:build !purego && !noasm

package kernels

// rowsWork bounds the values one LeakyRows assembly call reads, state and
// rows together, as LeakyUpdate's updateChunk neurons of V, I and Iin do.
const rowsWork = 3 * updateChunk

// leakyRows checks every row, then runs the neurons through the assembly
// in calls of about rowsWork values (it is not preemptible), every call
// but the last a whole number of mask words; the assembly runs a ragged
// last word itself, with the generic code's bits.
func (k *asmKernels[T]) leakyRows(V, I []T, rows [][]T, col int, alpha, beta, theta T, reset Reset, spikes []uint64) int {
	n := len(V)
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
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		count += f(V[lo:hi], I[lo:hi], rows, col+lo, alpha, beta, theta, spikes[lo>>6:])
	}
	return count
}
