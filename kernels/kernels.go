package kernels

import (
	"fmt"
	"math/bits"
	"os"
	"slices"
	"strings"
)

// Impl is one implementation of every kernel: generic Go or an instruction
// set. Tests and benchmarks call an Impl's functions directly; the package
// level functions call the active one. The loops that measure the machine
// rather than simulate are not kernels: they are an implementation's
// [Instruments].
type Impl struct {
	// Name is "generic", "avx2" or "avx512".
	Name string
	// Requires names the CPU features the implementation needs.
	Requires string

	LeakyUpdate32      func(V, I, Iin []float32, alpha, beta, theta float32, reset Reset, spikes []uint64) int
	LeakyUpdate64      func(V, I, Iin []float64, alpha, beta, theta float64, reset Reset, spikes []uint64) int
	LeakyScan32        func(V, I, Iin []float32, inStride, steps int, alpha, beta, theta float32, reset Reset, spikes []uint64, maskStride int) int
	LeakyScan64        func(V, I, Iin []float64, inStride, steps int, alpha, beta, theta float64, reset Reset, spikes []uint64, maskStride int) int
	LeakyRows32        func(V, I []float32, rows [][]float32, col int, alpha, beta, theta float32, reset Reset, spikes []uint64) int
	LeakyRows64        func(V, I []float64, rows [][]float64, col int, alpha, beta, theta float64, reset Reset, spikes []uint64) int
	LeakyRowsSteps32   func(V, I []float32, rows [][]float32, counts []int, col int, alpha, beta, theta float32, reset Reset, spikes []uint64, stride int) int
	SpikeIndices       func(dst []int32, mask []uint64, base int32) []int32
	LeakyRowsSteps64   func(V, I []float64, rows [][]float64, counts []int, col int, alpha, beta, theta float64, reset Reset, spikes []uint64, stride int) int
	AccumulateRows32   func(dst, W []float32, stride int, rows []int32)
	AccumulateRows64   func(dst, W []float64, stride int, rows []int32)
	AccumulateTrials32 func(dst []float32, dstStride int, W []float32, stride int, rows [][]int32)
	AccumulateTrials64 func(dst []float64, dstStride int, W []float64, stride int, rows [][]int32)
	AccumulateMasks32  func(dst []float32, dstStride int, W []float32, stride int, masks []uint64, words int)
	AccumulateMasks64  func(dst []float64, dstStride int, W []float64, stride int, masks []uint64, words int)
	AddTrials32        func(dst []float32, dstStride int, v []float32, trials int)
	AddTrials64        func(dst []float64, dstStride int, v []float64, trials int)
	ScatterTaps32      func(dst []float32, m int, W []float32, base int, events []int32, t *Taps)
	ScatterTaps64      func(dst []float64, m int, W []float64, base int, events []int32, t *Taps)
	ScaleTaps32        func(dst []float32, m int, W []float32, base int, events []int32, vals []float32, t *Taps)
	ScaleTaps64        func(dst []float64, m int, W []float64, base int, events []int32, vals []float64, t *Taps)
	MatMul32           func(m, n, k int, A []float32, lda int, B []float32, ldb int, C []float32, ldc int, accumulate bool)
	MatMul64           func(m, n, k int, A []float64, lda int, B []float64, ldb int, C []float64, ldc int, accumulate bool)
	CubaUpdate32       func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes []uint64) int
	CubaUpdate64       func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes []uint64) int
	CubaUpdateAhead32  func(V, I0, Iin0, I1, Iin1 []float32, refrac []int32, p *CubaParams32, spikes, next []uint64) int
	CubaUpdateAhead64  func(V, I0, Iin0, I1, Iin1 []float64, refrac []int32, p *CubaParams64, spikes, next []uint64) int
	CobaUpdate32       func(V, G0, Gin0, G1, Gin1 []float32, refrac []int32, p *CobaParams32, spikes []uint64) int
	CobaUpdate64       func(V, G0, Gin0, G1, Gin1 []float64, refrac []int32, p *CobaParams64, spikes []uint64) int
	RuleUpdate32       func(V, I, Iin []float32, p *RuleParams[float32], spikes []uint64) int
	RuleUpdate64       func(V, I, Iin []float64, p *RuleParams[float64], spikes []uint64) int
	RuleUpdateTrials32 func(V, I, Iin []float32, stride, trials int, p *RuleParams[float32], spikes []uint64, words int) int
	RuleUpdateTrials64 func(V, I, Iin []float64, stride, trials int, p *RuleParams[float64], spikes []uint64, words int) int
	Normals32          func(dst []float32, key NormalKey, col int, scale float64)
	Normals64          func(dst []float64, key NormalKey, col int, scale float64)
	AddNormals32       func(dst []float32, key NormalKey, col int, scale float64)
	AddNormals64       func(dst []float64, key NormalKey, col int, scale float64)
	BinaryMasks32      func(masks []uint64, x []float32) int
	BinaryMasks64      func(masks []uint64, x []float64) int
	ThresholdMask32    func(spikes []uint64, V []float32, refrac []int32, theta float32) int
	ThresholdMask64    func(spikes []uint64, V []float64, refrac []int32, theta float64) int
	FlushSubnormals32  func(x []float32)
	FlushSubnormals64  func(x []float64)
}

// Generic is the pure Go implementation, always present; it is the reference
// every other implementation must match bit for bit.
var Generic = &Impl{
	Name:               "generic",
	Requires:           "none",
	LeakyUpdate32:      leakyUpdateGeneric32,
	LeakyUpdate64:      leakyUpdateGeneric64,
	LeakyScan32:        leakyScanGeneric32,
	LeakyScan64:        leakyScanGeneric64,
	LeakyRows32:        leakyRowsGeneric[float32],
	LeakyRows64:        leakyRowsGeneric[float64],
	LeakyRowsSteps32:   leakyRowsStepsGeneric[float32],
	SpikeIndices:       spikeIndicesGeneric,
	LeakyRowsSteps64:   leakyRowsStepsGeneric[float64],
	AccumulateRows32:   accumulateRowsGeneric32,
	AccumulateRows64:   accumulateRowsGeneric64,
	AccumulateTrials32: accumulateTrialsGeneric[float32],
	AccumulateTrials64: accumulateTrialsGeneric[float64],
	AccumulateMasks32:  accumulateMasksGeneric[float32],
	AccumulateMasks64:  accumulateMasksGeneric[float64],
	AddTrials32:        addTrialsGeneric[float32],
	AddTrials64:        addTrialsGeneric[float64],
	ScatterTaps32:      scatterTapsGeneric[float32],
	ScatterTaps64:      scatterTapsGeneric[float64],
	ScaleTaps32:        scaleTapsGeneric[float32],
	ScaleTaps64:        scaleTapsGeneric[float64],
	MatMul32:           matMulGeneric32,
	MatMul64:           matMulGeneric64,
	CubaUpdate32:       cubaGeneric32,
	CubaUpdate64:       cubaGeneric64,
	CubaUpdateAhead32:  cubaAheadGeneric32,
	CubaUpdateAhead64:  cubaAheadGeneric64,
	CobaUpdate32:       cobaGeneric32,
	CobaUpdate64:       cobaGeneric64,
	RuleUpdate32:       ruleGeneric32,
	RuleUpdate64:       ruleGeneric64,
	RuleUpdateTrials32: ruleTrialsGeneric[float32],
	RuleUpdateTrials64: ruleTrialsGeneric[float64],
	Normals32:          normalsGeneric32,
	Normals64:          normalsGeneric64,
	AddNormals32:       addNormalsGeneric32,
	AddNormals64:       addNormalsGeneric64,
	BinaryMasks32:      binaryMasksGeneric[float32],
	BinaryMasks64:      binaryMasksGeneric[float64],
	ThresholdMask32:    thresholdMaskGeneric[float32],
	ThresholdMask64:    thresholdMaskGeneric[float64],
	FlushSubnormals32:  flushSubnormalsGeneric[float32],
	FlushSubnormals64:  flushSubnormalsGeneric[float64],
}

// known lists every implementation compiled into this binary, best last,
// whether or not the CPU can run it. dispatch_*.go appends to it.
var known = []*Impl{Generic}

// supported reports whether the CPU can run impl; dispatch_*.go sets it.
var supported = func(impl *Impl) bool { return impl == Generic }

// active is the implementation the package-level functions call.
var active = Generic

func init() {
	active = Best()
	if name := os.Getenv("LEAKY_KERNEL"); name != "" {
		if err := Use(name); err != nil {
			// An unusable override must not silently fall back: the
			// user asked for a specific kernel. Report it where the
			// command can see it.
			envErr = fmt.Errorf("LEAKY_KERNEL: %w", err)
		}
	}
}

// envErr records a bad LEAKY_KERNEL value; see EnvError.
var envErr error

// EnvError returns the error from the LEAKY_KERNEL environment variable, if
// it named a kernel that does not exist or that this CPU cannot run. The
// generic kernel is active in that case.
func EnvError() error { return envErr }

// Known returns every implementation compiled into this binary, including
// those the CPU cannot run.
func Known() []*Impl { return append([]*Impl(nil), known...) }

// Available returns the implementations this CPU can run and that pass
// their self-check (see [Fallbacks]), generic first.
func Available() []*Impl {
	var out []*Impl
	for _, impl := range known {
		if supported(impl) && passes(impl) {
			out = append(out, impl)
		}
	}
	return out
}

// Best returns the fastest implementation this CPU can run that passes its
// self-check.
func Best() *Impl {
	// From the top, so that only the implementation chosen (and any that
	// fail above it) is self-checked.
	for i := len(known) - 1; i > 0; i-- {
		if impl := known[i]; supported(impl) && passes(impl) {
			return impl
		}
	}
	return Generic
}

// Active returns the implementation the package-level functions use.
func Active() *Impl { return active }

// Lookup returns the implementation called name if this CPU can run it; if
// it failed its self-check, the best available one below it (see
// [Fallbacks]).
func Lookup(name string) (*Impl, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "auto" || name == "" {
		return Best(), nil
	}
	var names []string
	for _, impl := range known {
		names = append(names, impl.Name)
		if impl.Name == name {
			if !supported(impl) {
				return nil, fmt.Errorf("kernel %q needs %s, which this CPU does not have (available: %s)", name, impl.Requires, availableNames())
			}
			if !passes(impl) {
				return fallbackFor(impl), nil
			}
			return impl, nil
		}
	}
	return nil, fmt.Errorf("unknown kernel %q (known: %s, or auto)", name, strings.Join(names, ", "))
}

// fallbackFor returns the best available implementation that comes before
// impl in known.
func fallbackFor(impl *Impl) *Impl {
	use := Generic
	for _, k := range known {
		if k == impl {
			break
		}
		if supported(k) && passes(k) {
			use = k
		}
	}
	return use
}

func availableNames() string {
	var names []string
	for _, impl := range Available() {
		names = append(names, impl.Name)
	}
	return strings.Join(names, ", ")
}

// Use makes the implementation called name active ("auto" picks the best).
// It is meant for start-up, tests and benchmarks; it must not be called
// while kernels run on other goroutines.
func Use(name string) error {
	impl, err := Lookup(name)
	if err != nil {
		return err
	}
	active = impl
	return nil
}

// LeakyUpdate32 advances len(V) neurons by one step: for neuron i it sets
// s = V[i] > theta, then I[i] = alpha·I[i] + Iin[i] and V[i] = beta·V[i] +
// I[i](old) − s (or ·(1 − s) for ResetZero). Bit i of spikes (word i/64, bit
// i%64) is set to s; the whole of spikes[:MaskWords(len(V))] is written. It
// returns the number of spikes. I and Iin must hold at least len(V) values.
func LeakyUpdate32(V, I, Iin []float32, alpha, beta, theta float32, reset Reset, spikes []uint64) int {
	return active.LeakyUpdate32(V, I, Iin, alpha, beta, theta, reset, spikes)
}

// LeakyUpdate64 is LeakyUpdate32 in float64, with the products fused
// (math.FMA) as documented in the package comment.
func LeakyUpdate64(V, I, Iin []float64, alpha, beta, theta float64, reset Reset, spikes []uint64) int {
	return active.LeakyUpdate64(V, I, Iin, alpha, beta, theta, reset, spikes)
}

// LeakyScan32 runs LeakyUpdate32 for steps consecutive steps over the same
// neurons, keeping V and I in registers. The input current of step t is
// Iin[t*inStride : t*inStride+len(V)], and its spike bitmask is written to
// spikes[t*maskStride:]. It returns the total number of spikes.
func LeakyScan32(V, I, Iin []float32, inStride, steps int, alpha, beta, theta float32, reset Reset, spikes []uint64, maskStride int) int {
	return active.LeakyScan32(V, I, Iin, inStride, steps, alpha, beta, theta, reset, spikes, maskStride)
}

// LeakyScan64 is LeakyScan32 in float64.
func LeakyScan64(V, I, Iin []float64, inStride, steps int, alpha, beta, theta float64, reset Reset, spikes []uint64, maskStride int) int {
	return active.LeakyScan64(V, I, Iin, inStride, steps, alpha, beta, theta, reset, spikes, maskStride)
}

// AccumulateRows32 adds rows of the row-major matrix W (row r starts at
// W[r*stride]) to dst, in the order given: dst[i] += W[r*stride+i] for each r
// in rows. It is the event-driven input of a dense projection: rows are the
// presynaptic neurons that spiked.
func AccumulateRows32(dst, W []float32, stride int, rows []int32) {
	active.AccumulateRows32(dst, W, stride, rows)
}

// AccumulateRows64 is AccumulateRows32 in float64.
func AccumulateRows64(dst, W []float64, stride int, rows []int32) {
	active.AccumulateRows64(dst, W, stride, rows)
}

// AccumulateTrials32 is AccumulateRows32 over trials: for each b, the rows
// rows[b] of W are added, in order, to the len(dst) elements that start at
// dst[b*dstStride] (dst is the first trial's row, within a longer array:
// every trial's row must lie inside dst[:cap(dst)]). It is the event-driven
// input of a dense projection over a batch, one call for all trials.
func AccumulateTrials32(dst []float32, dstStride int, W []float32, stride int, rows [][]int32) {
	active.AccumulateTrials32(dst, dstStride, W, stride, rows)
}

// AccumulateTrials64 is AccumulateTrials32 in float64.
func AccumulateTrials64(dst []float64, dstStride int, W []float64, stride int, rows [][]int32) {
	active.AccumulateTrials64(dst, dstStride, W, stride, rows)
}

// AccumulateMasks32 is AccumulateTrials32 with each trial's rows given as
// a spike bitmask, words words per trial (words ≥ 1, len(masks) a multiple
// of it): for each trial b < len(masks)/words, row j of W is added to the
// len(dst) elements at dst[b*dstStride] for each set bit j of
// masks[b*words:(b+1)*words] (bit j%64 of word j/64), in increasing j — the
// same sums as AccumulateTrials32 with the bits' indices as the rows. It is
// the event-driven input of a dense projection read straight from the
// presynaptic population's spike bitmask, with no list of events built.
func AccumulateMasks32(dst []float32, dstStride int, W []float32, stride int, masks []uint64, words int) {
	active.AccumulateMasks32(dst, dstStride, W, stride, masks, words)
}

// AccumulateMasks64 is AccumulateMasks32 in float64.
func AccumulateMasks64(dst []float64, dstStride int, W []float64, stride int, masks []uint64, words int) {
	active.AccumulateMasks64(dst, dstStride, W, stride, masks, words)
}

// AddTrials32 adds v[:len(dst)] to each of trials rows of len(dst)
// elements that start at dst[b*dstStride] (dst is the first, within a
// longer array): the bias of a layer over a batch.
func AddTrials32(dst []float32, dstStride int, v []float32, trials int) {
	active.AddTrials32(dst, dstStride, v, trials)
}

// AddTrials64 is AddTrials32 in float64.
func AddTrials64(dst []float64, dstStride int, v []float64, trials int) {
	active.AddTrials64(dst, dstStride, v, trials)
}

// MatMul32 computes C = A·B (or C += A·B when accumulate is set) for the
// row-major m×k matrix A, k×n matrix B and m×n matrix C with the given leading
// dimensions. Each C[i][j] is summed over p = 0..k−1 in increasing order,
// each product rounded to float32 before it is added.
func MatMul32(m, n, k int, A []float32, lda int, B []float32, ldb int, C []float32, ldc int, accumulate bool) {
	active.MatMul32(m, n, k, A, lda, B, ldb, C, ldc, accumulate)
}

// MatMul64 is MatMul32 in float64, each product fused into the sum.
func MatMul64(m, n, k int, A []float64, lda int, B []float64, ldb int, C []float64, ldc int, accumulate bool) {
	active.MatMul64(m, n, k, A, lda, B, ldb, C, ldc, accumulate)
}

// SpikeIndices appends to dst the indices of the set bits of mask, in
// increasing order, offset by base, and returns the extended slice. A
// trial's spikes are usually few, so the words are counted first and dst
// grown once to hold them. Where most words are empty (fewer set bits than
// a sparseWords-th of the words: a large population's step), the empty
// words are passed over by a branch, mispredicted about once a spike but
// cheaper than the stores and count of every word; otherwise the first two of a word are stored whether it has them or
// not and the length moved by those it has, so that a word of at most two
// spikes, most of them at spike rates, costs no branch to mispredict. The
// assembly implementations first summarise which words are nonzero, eight
// words without a branch, and walk the summary's bits in a sparse mask
// (spikeIndicesVia).
func SpikeIndices(dst []int32, mask []uint64, base int32) []int32 {
	return active.SpikeIndices(dst, mask, base)
}

// spikeIndicesGeneric is the reference for SpikeIndices.
func spikeIndicesGeneric(dst []int32, mask []uint64, base int32) []int32 {
	n := 0
	for _, w := range mask {
		n += bits.OnesCount64(w)
	}
	if n == 0 {
		return dst
	}
	at := len(dst)
	dst = slices.Grow(dst, n+2)[:at+n+2]
	k := at
	if n*sparseWords < len(mask) {
		for w, word := range mask {
			if word == 0 {
				continue
			}
			b := base + int32(w<<6)
			for ; word != 0; word &= word - 1 {
				dst[k] = b + int32(bits.TrailingZeros64(word))
				k++
			}
		}
		return dst[:at+n]
	}
	denseIndices(dst[k:], mask, base)
	return dst[:at+n]
}

// denseIndices writes the indices of mask's set bits, offset by base, to
// dst, which has room for them and two more, without a branch for a word
// of at most two (SpikeIndices).
func denseIndices(dst []int32, mask []uint64, base int32) {
	k := 0
	for w, word := range mask {
		b := base + int32(w<<6)
		c := bits.OnesCount64(word)
		dst[k] = b + int32(bits.TrailingZeros64(word))
		word &= word - 1
		dst[k+1] = b + int32(bits.TrailingZeros64(word))
		word &= word - 1
		k += min(c, 2)
		for word != 0 {
			dst[k] = b + int32(bits.TrailingZeros64(word))
			k++
			word &= word - 1
		}
	}
}

// sparseWords is the words per set bit past which SpikeIndices skips the
// empty words: at one spike in eight words or fewer, seven in eight are
// empty, and the branch-free loop's stores and count on each of them cost
// more than the skip's mispredictions (BenchmarkSpikeIndices). A mask of
// the words that are not empty, made without a branch and then walked,
// measured slower than the skip.
const sparseWords = 8
