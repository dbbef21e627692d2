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

// leakyRowsSteps checks its arguments, then runs the whole mask words
// through the assembly in calls of about rowsWork values read, as
// leakyRows does, and a ragged last word step by step through leakyRows,
// which gives it the same bits.
func (k *asmKernels[T]) leakyRowsSteps(V, I []T, rows [][]T, counts []int, col int, alpha, beta, theta T, reset Reset, spikes []uint64, stride int) int {
	n := len(V)
	I = I[:n]
	checkSteps(rows, counts, col, n, spikes, stride)
	if len(counts) == 0 {
		return 0
	}
	f := k.rowsStepsSub
	if reset != ResetSubtract {
		f = k.rowsStepsZero
	}
	whole := n &^ 63
	chunk := max(64, rowsWork/(2*len(counts)+len(rows))&^63)
	count := 0
	for lo := 0; lo < whole; lo += chunk {
		hi := min(lo+chunk, whole)
		count += f(V[lo:hi], I[lo:hi], rows, counts, col+lo, alpha, beta, theta, spikes[lo>>6:], stride)
	}
	if whole < n {
		r := 0
		for s, c := range counts {
			count += k.leakyRows(V[whole:], I[whole:], rows[r:r+c], col+whole, alpha, beta, theta, reset, spikes[s*stride+whole>>6:])
			r += c
		}
	}
	return count
}
