package kernels

// LeakyRows32 is LeakyUpdate32 with the input current given as a sum of
// weight rows rather than an array: for neuron i,
//
//	Iin = ((+0 + rows[0][col+i]) + rows[1][col+i]) + …
//
// summed in the order of rows, starting from +0 (no rows: +0), and then
// exactly LeakyUpdate32's threshold, update and reset with that Iin. The
// bits are those of clearing an array, adding the rows into it with
// AccumulateRows32 and running LeakyUpdate32 over it; no such array is
// written. It is the step of a population whose only input is dense
// projections from spike events, rows being the weight rows of the inputs
// that spiked (rows[k][col:] must hold at least len(V) values), and it
// moves what that step must move: V and I read and written, and the rows
// read, once. Bit i of spikes is set to s as in LeakyUpdate32; it returns
// the number of spikes.
func LeakyRows32(V, I []float32, rows [][]float32, col int, alpha, beta, theta float32, reset Reset, spikes []uint64) int {
	return active.LeakyRows32(V, I, rows, col, alpha, beta, theta, reset, spikes)
}

// LeakyRows64 is LeakyRows32 in float64, the update's products fused as in
// LeakyUpdate64.
func LeakyRows64(V, I []float64, rows [][]float64, col int, alpha, beta, theta float64, reset Reset, spikes []uint64) int {
	return active.LeakyRows64(V, I, rows, col, alpha, beta, theta, reset, spikes)
}

// leakyRowsGeneric is the reference for LeakyRows32 and LeakyRows64: per
// mask word, the rows summed into a zeroed buffer of 64, then the generic
// LeakyUpdate over it.
func leakyRowsGeneric[F float32 | float64](V, I []F, rows [][]F, col int, alpha, beta, theta F, reset Reset, spikes []uint64) int {
	n := len(V)
	I, spikes = I[:n], spikes[:MaskWords(n)]
	checkRows(rows, col, n)
	var in [64]F
	count := 0
	for w := range spikes {
		lo, hi := w<<6, min(w<<6+64, n)
		x := sumRows(in[:hi-lo], rows, col+lo)
		count += leakyUpdateOf(V[lo:hi], I[lo:hi], x, alpha, beta, theta, reset, spikes[w:w+1])
	}
	return count
}

// leakyUpdateOf is leakyUpdateGeneric32 or leakyUpdateGeneric64, as F is.
func leakyUpdateOf[F float32 | float64](V, I, Iin []F, alpha, beta, theta F, reset Reset, spikes []uint64) int {
	if v, ok := any(V).([]float32); ok {
		return leakyUpdateGeneric32(v, any(I).([]float32), any(Iin).([]float32), float32(alpha), float32(beta), float32(theta), reset, spikes)
	}
	return leakyUpdateGeneric64(any(V).([]float64), any(I).([]float64), any(Iin).([]float64), float64(alpha), float64(beta), float64(theta), reset, spikes)
}

// checkRows panics, as slicing does, unless every row holds n values from
// col: before anything is written, in every implementation alike.
func checkRows[F float32 | float64](rows [][]F, col, n int) {
	for _, r := range rows {
		_ = r[col : col+n]
	}
}

// sumRows sets x to +0 and adds, in order, the len(x) values of each row
// from col; it returns x.
func sumRows[F float32 | float64](x []F, rows [][]F, col int) []F {
	clear(x)
	for _, r := range rows {
		r = r[col : col+len(x)]
		for i := range x {
			x[i] += r[i]
		}
	}
	return x
}
