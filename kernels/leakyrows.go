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

// LeakyRowsSteps32 is len(counts) steps of LeakyRows32 on V and I, step k
// summing the next counts[k] of rows (rows[c:c+counts[k]], c the counts
// before k) and writing its mask at spikes[k·stride:], with the bits of
// those calls one after another. It runs them a mask word at a time, each
// word through all the steps while its V and I stay in L1, so that the
// state crosses the caches once for the steps instead of once a step and
// the rows of all the steps stream side by side: the step of a population
// fed by sources known ahead of time (time-blocked stepping). It returns
// the number of spikes of all the steps. Every count must be ≥ 0 and sum
// to len(rows), every row hold len(V) values from col, and, with more
// than one step, stride be at least MaskWords(len(V)).
func LeakyRowsSteps32(V, I []float32, rows [][]float32, counts []int, col int, alpha, beta, theta float32, reset Reset, spikes []uint64, stride int) int {
	return active.LeakyRowsSteps32(V, I, rows, counts, col, alpha, beta, theta, reset, spikes, stride)
}

// LeakyRowsSteps64 is LeakyRowsSteps32 in float64, as LeakyRows64 is.
func LeakyRowsSteps64(V, I []float64, rows [][]float64, counts []int, col int, alpha, beta, theta float64, reset Reset, spikes []uint64, stride int) int {
	return active.LeakyRowsSteps64(V, I, rows, counts, col, alpha, beta, theta, reset, spikes, stride)
}

// leakyRowsStepsGeneric is the reference for LeakyRowsSteps32 and
// LeakyRowsSteps64: per mask word, per step, the step's rows summed into a
// zeroed buffer of 64, then the generic LeakyUpdate over it.
func leakyRowsStepsGeneric[F float32 | float64](V, I []F, rows [][]F, counts []int, col int, alpha, beta, theta F, reset Reset, spikes []uint64, stride int) int {
	n := len(V)
	I = I[:n]
	checkSteps(rows, counts, col, n, spikes, stride)
	var in [64]F
	count := 0
	for w := range MaskWords(n) {
		lo, hi := w<<6, min(w<<6+64, n)
		r := 0
		for k, c := range counts {
			x := sumRows(in[:hi-lo], rows[r:r+c], col+lo)
			count += leakyUpdateOf(V[lo:hi], I[lo:hi], x, alpha, beta, theta, reset, spikes[k*stride+w:][:1])
			r += c
		}
	}
	return count
}

// checkSteps panics, as slicing does, unless LeakyRowsSteps's arguments
// hold what it reads and writes: before anything is written, in every
// implementation alike.
func checkSteps[F float32 | float64](rows [][]F, counts []int, col, n int, spikes []uint64, stride int) {
	total := 0
	for _, c := range counts {
		if c < 0 {
			panic("kernels: LeakyRowsSteps: a negative row count")
		}
		total += c
	}
	if total != len(rows) {
		panic("kernels: LeakyRowsSteps: the row counts do not sum to len(rows)")
	}
	checkRows(rows, col, n)
	if len(counts) == 0 {
		return
	}
	words := MaskWords(n)
	if len(counts) > 1 && stride < words {
		panic("kernels: LeakyRowsSteps: the steps' masks overlap (stride < MaskWords(len(V)))")
	}
	_ = spikes[:(len(counts)-1)*stride+words]
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
