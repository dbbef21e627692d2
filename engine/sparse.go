package engine

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"unsafe"

	"leaky/kernels"
)

// Sparse is a projection stored as compressed sparse rows by presynaptic
// neuron: the synapses of input j are Col[RowPtr[j]:RowPtr[j+1]] (targets)
// with weights W at the same positions, sorted by target. Synapses with
// different delays live in separate groups. Spiking input visits only the
// rows of the inputs that spiked and adds each row with kernels.ScatterAdd;
// analog input adds x·w over every row with x ≠ 0.
//
// Each neuron's input is summed in a fixed order — by delay group, then by
// input in increasing order, then in row order — and a range of target
// neurons is a contiguous run of each sorted row found by binary search, so
// any split over threads gives the same bits.
type Sparse[T Float] struct {
	// Name identifies the projection.
	Name string
	// Pre and Post are the groups it connects.
	Pre  Presynaptic[T]
	Post *Population[T]
	// Receptor is the target's receptor (input current) added to.
	Receptor int
	// NIn and NOut are the presynaptic and postsynaptic sizes.
	NIn, NOut int
	// Groups hold the synapses, one group per delay, by increasing delay.
	Groups []SparseGroup[T]
}

// SparseGroup is the synapses of one delay in CSR form.
type SparseGroup[T Float] struct {
	// Delay is the synaptic delay in steps.
	Delay int
	// RowPtr has NIn+1 offsets into Col and W.
	RowPtr []int
	// Col holds target neurons, sorted within each row; Col16 holds them
	// instead when the target population has at most 65 536 neurons
	// (narrowOnto), as uint16: half the bytes of an index, so a spiking
	// row's targets take half the cache lines, and CUBA's 320 000 targets
	// take 640 KB instead of 1.28 MB beside its 96 KB of state in a 1 MiB
	// L2. At most one of the two holds synapses; the other is nil.
	Col   []int32
	Col16 []uint16
	// W holds the weights, one per synapse of Col or Col16; it is nil when
	// every synapse of the group has the weight Uniform (the same bits), as
	// in the CUBA and COBA benchmarks: such a group stores and reads only
	// its targets' indices, and adds the same bits.
	W       []T
	Uniform T
}

// narrowOnto reports whether groups onto a population of nOut neurons
// hold their targets in Col16: every index then fits in a uint16.
func narrowOnto(nOut int) bool { return nOut <= 1<<16 }

// narrow moves Col into Col16.
func (g *SparseGroup[T]) narrow() {
	if len(g.Col) == 0 {
		return
	}
	g.Col16 = make([]uint16, len(g.Col))
	for k, c := range g.Col {
		g.Col16[k] = uint16(c)
	}
	g.Col = nil
}

// Synapses is the number of synapses of the group.
func (g *SparseGroup[T]) Synapses() int { return len(g.Col) + len(g.Col16) }

// Target is the target neuron of synapse k of the group.
func (g *SparseGroup[T]) Target(k int) int {
	if g.Col16 != nil {
		return int(g.Col16[k])
	}
	return int(g.Col[k])
}

// IndexBytes is the memory of the group's target indices.
func (g *SparseGroup[T]) IndexBytes() int64 { return int64(len(g.Col))*4 + int64(len(g.Col16))*2 }

// Weight is the weight of synapse k of the group.
func (g *SparseGroup[T]) Weight(k int) T {
	if g.W == nil {
		return g.Uniform
	}
	return g.W[k]
}

// shareWeight drops W for Uniform when every synapse has the same weight
// bits (+0 and −0 differ: adding them to −0 does).
func (g *SparseGroup[T]) shareWeight() {
	if len(g.W) == 0 {
		return
	}
	w := g.W[0]
	for _, x := range g.W {
		if x != w || math.Signbit(float64(x)) != math.Signbit(float64(w)) {
			return
		}
	}
	g.W, g.Uniform = nil, w
}

// Synapses is the number of synapses.
func (s *Sparse[T]) Synapses() int {
	n := 0
	for _, g := range s.Groups {
		n += g.Synapses()
	}
	return n
}

// Sign fixes the sign of a projection's weights.
type Sign int8

const (
	// SignAsGiven keeps weights as they are.
	SignAsGiven Sign = iota
	// SignExcitatory makes every weight |w|.
	SignExcitatory
	// SignInhibitory makes every weight −|w|.
	SignInhibitory
)

// ParseSign converts "excitatory" or "inhibitory" (or "" for as given).
func ParseSign(s string) (Sign, error) {
	switch s {
	case "":
		return SignAsGiven, nil
	case "excitatory":
		return SignExcitatory, nil
	case "inhibitory":
		return SignInhibitory, nil
	}
	return 0, fmt.Errorf("unknown sign %q (want excitatory or inhibitory)", s)
}

// Apply returns w with the sign imposed.
func (s Sign) Apply(w float64) float64 {
	switch s {
	case SignExcitatory:
		return math.Abs(w)
	case SignInhibitory:
		return -math.Abs(w)
	}
	return w
}

// NewSparse builds a sparse projection from explicit synapse lists: synapse
// k connects input pre[k] to neuron post[k] of the target with weight w[k]
// and delay delay[k] steps (delay nil: all 0), into receptor k of the
// target. Synapses are grouped by delay and sorted by input, then target,
// keeping the given order among equal pairs.
func NewSparse[T Float](name string, pre Presynaptic[T], post *Population[T], receptor int, pres, posts []int32, w []T, delay []int32) (*Sparse[T], error) {
	nIn, nOut := pre.Size(), post.N
	if pre.BatchSize() != post.Batch {
		return nil, fmt.Errorf("projection %q: source has %d trials but target %q has %d", name, pre.BatchSize(), post.Name, post.Batch)
	}
	if len(posts) != len(pres) || len(w) != len(pres) || (delay != nil && len(delay) != len(pres)) {
		return nil, fmt.Errorf("projection %q: synapse lists differ in length (pre %d, post %d, weight %d, delay %d)", name, len(pres), len(posts), len(w), len(delay))
	}
	delays := map[int]bool{}
	last := -1 // the delay last added to delays, checked before the map
	for k := range pres {
		if pres[k] < 0 || int(pres[k]) >= nIn {
			return nil, fmt.Errorf("projection %q: synapse %d: pre %d is outside 0..%d", name, k, pres[k], nIn-1)
		}
		if posts[k] < 0 || int(posts[k]) >= nOut {
			return nil, fmt.Errorf("projection %q: synapse %d: post %d is outside 0..%d", name, k, posts[k], nOut-1)
		}
		if f := float64(w[k]); math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("projection %q: synapse %d: weight is %v; weights must be finite", name, k, f)
		}
		d := 0
		if delay != nil {
			d = int(delay[k])
			if d < 0 || d > MaxDelay {
				return nil, fmt.Errorf("projection %q: synapse %d: delay %d is outside 0..%d steps", name, k, d, MaxDelay)
			}
		}
		if d != last {
			delays[d], last = true, d
		}
	}
	if len(delays) == 0 {
		delays[0] = true
	}
	for d := range delays {
		if err := post.ReserveDelay(receptor, d); err != nil {
			return nil, fmt.Errorf("projection %q: %w", name, err)
		}
	}
	delayOf := func(k int) int {
		if delay == nil {
			return 0
		}
		return int(delay[k])
	}
	less := func(a, b int) int {
		return cmp.Or(cmp.Compare(delayOf(a), delayOf(b)), cmp.Compare(pres[a], pres[b]), cmp.Compare(posts[a], posts[b]))
	}
	// Synapses drawn by NewRandomSparse, and most lists from files, come
	// sorted already; a stable sort of them would be the identity, so it
	// is skipped along with the permutation it would need.
	order := func(i int) int { return i }
	sorted := true
	for k := 1; k < len(pres) && sorted; k++ {
		sorted = less(k-1, k) <= 0
	}
	if !sorted {
		perm := make([]int, len(pres))
		for k := range perm {
			perm[k] = k
		}
		slices.SortStableFunc(perm, less)
		order = func(i int) int { return perm[i] }
	}
	s := &Sparse[T]{Name: name, Pre: pre, Post: post, Receptor: receptor, NIn: nIn, NOut: nOut}
	for start := 0; start < len(pres); {
		d := delayOf(order(start))
		end := start
		for end < len(pres) && delayOf(order(end)) == d {
			end++
		}
		g := SparseGroup[T]{Delay: d, RowPtr: make([]int, nIn+1), Col: make([]int32, end-start), W: make([]T, end-start)}
		if sorted {
			copy(g.Col, posts[start:end])
			copy(g.W, w[start:end])
			for _, j := range pres[start:end] {
				g.RowPtr[j+1]++
			}
		} else {
			for i := range g.Col {
				k := order(start + i)
				g.RowPtr[pres[k]+1]++
				g.Col[i], g.W[i] = posts[k], w[k]
			}
		}
		for j := 0; j < nIn; j++ {
			g.RowPtr[j+1] += g.RowPtr[j]
		}
		g.shareWeight()
		if narrowOnto(nOut) {
			g.narrow()
		}
		s.Groups = append(s.Groups, g)
		start = end
	}
	if len(s.Groups) == 0 {
		s.Groups = []SparseGroup[T]{{RowPtr: make([]int, nIn+1)}}
	}
	return s, nil
}

// RandomSparse describes fixed-probability connectivity: every (input,
// neuron) pair is connected independently with probability P, with weights
// drawn from Weight, the sign imposed by Sign, and a common delay.
type RandomSparse struct {
	// P is the connection probability, in [0, 1].
	P float64
	// NoSelf excludes pairs with equal indices (autapses, when a population
	// projects onto itself).
	NoSelf bool
	// Weight is the weight distribution, Sign the sign imposed on it.
	Weight Dist
	Sign   Sign
	// Receptor is the target receptor, Delay the delay in steps.
	Receptor, Delay int
	// Seed and Stream key the connectivity and weights: projections built
	// with the same seed and different streams are independent.
	Seed, Stream uint64
	// Threads draw the synapses (< 1: DefaultThreads); the result is the
	// same on any number.
	Threads int
}

// NewRandomSparse connects pre to post as cfg says. Input j's targets are
// drawn by geometric skipping from its own keyed generator, and its weights
// are row j of the projection's weights, so the network does not depend on
// how it is built or run:
// inputs are drawn on cfg.Threads threads, in ranges joined in input order.
func NewRandomSparse[T Float](name string, pre Presynaptic[T], post *Population[T], cfg RandomSparse) (*Sparse[T], error) {
	if !(cfg.P >= 0 && cfg.P <= 1) {
		return nil, fmt.Errorf("projection %q: connection probability must be in [0, 1], got %v", name, cfg.P)
	}
	if err := cfg.Weight.Validate(); err != nil {
		return nil, fmt.Errorf("projection %q: weight: %w", name, err)
	}
	if cfg.Delay < 0 || cfg.Delay > MaxDelay {
		return nil, fmt.Errorf("projection %q: delay must be between 0 and %d steps, got %d", name, MaxDelay, cfg.Delay)
	}
	nIn, nOut := pre.Size(), post.N
	lo, hi := post.Held() // a rank's block (NewHeldPopulation, ranks.go)
	// Each range of inputs collects its synapses in its own part; the
	// parts are joined in input order, so the lists are those one thread
	// drawing input after input makes.
	type part struct {
		pres, posts []int32
		w           []T
	}
	chunk := perChunk(int(cfg.P*float64(nOut)) + 1)
	parts := make([]part, (nIn+chunk-1)/chunk)
	forChunks(cfg.Threads, nIn, chunk, func(j0, j1 int) {
		pt := &parts[j0/chunk]
		var scratch []float64
		for j := j0; j < j1; j++ {
			pt.pres, pt.posts, pt.w = drawTargets(cfg, j, nOut, lo, hi, pt.pres, pt.posts, pt.w, &scratch)
		}
	})
	total := 0
	for _, pt := range parts {
		total += len(pt.pres)
	}
	pres, posts, w := make([]int32, 0, total), make([]int32, 0, total), make([]T, 0, total)
	for i := range parts {
		pres, posts, w = append(pres, parts[i].pres...), append(posts, parts[i].posts...), append(w, parts[i].w...)
		parts[i] = part{}
	}
	var delay []int32
	if cfg.Delay != 0 {
		delay = make([]int32, len(pres))
		for k := range delay {
			delay[k] = int32(cfg.Delay)
		}
	}
	s, err := NewSparse(name, pre, post, cfg.Receptor, pres, posts, w, delay)
	if err == nil && len(pres) == 0 && post.hold != nil {
		// A rank that holds none of the synapses keeps their delay and
		// ring, so that every rank steps the same rings (NewHeldPopulation).
		s.Groups[0].Delay = cfg.Delay
		err = post.ReserveDelay(cfg.Receptor, cfg.Delay)
	}
	return s, err
}

// drawTargets appends input j's synapses onto neurons lo…hi−1 of nOut to
// the lists: the targets by geometric skipping, then their weights, row j
// of the projection's weights (see fillDist) from the first target's
// place in the row. scratch is fillDist's.
func drawTargets[T Float](cfg RandomSparse, j, nOut, lo, hi int, pres, posts []int32, w []T, scratch *[]float64) ([]int32, []int32, []T) {
	logq := math.Log1p(-cfg.P)
	src := keyedPCG(cfg.Seed, streamConnect+cfg.Stream<<8, uint64(j), 0)
	first, before := len(posts), 0
	for i := -1; cfg.P > 0; {
		if cfg.P >= 1 {
			i++
		} else {
			u := 1 - float64(src.Uint64()>>11)*(1.0/(1<<53))
			gap := math.Floor(math.Log(u) / logq)
			if gap >= float64(nOut-i-1) {
				break
			}
			i += 1 + int(gap)
		}
		if i >= nOut {
			break
		}
		if cfg.NoSelf && i == j {
			continue
		}
		if i < lo {
			before++
			continue
		}
		if i >= hi {
			break
		}
		pres = append(pres, int32(j))
		posts = append(posts, int32(i))
	}
	k := len(posts) - first
	w = slices.Grow(w, k)[:len(w)+k]
	fillDistAt(w[len(w)-k:], cfg.Weight, cfg.Sign, cfg.Seed, streamWeights+cfg.Stream<<8, kindSparse, j, before, scratch)
	return pres, posts, w
}

// Target returns the postsynaptic population.
func (s *Sparse[T]) Target() *Population[T] { return s.Post }

// Source returns the presynaptic group.
func (s *Sparse[T]) Source() Presynaptic[T] { return s.Pre }

// Propagate adds the current input's contribution to the target's receptor
// input (or its delay ring) over r.
func (s *Sparse[T]) Propagate(r Range) {
	post := s.Post
	if r.Hi <= r.Lo || r.B1 <= r.B0 {
		return
	}
	// Every target lies in the block post holds (all of it in one
	// process, a rank's block over ranks: holdBlocks), so a range over
	// that block takes whole rows, without searching them.
	lo, hi := post.Held()
	full := r.Lo <= lo && r.Hi >= hi
	x := s.Pre.Values()
	for gi := range s.Groups {
		g := &s.Groups[gi]
		if len(g.Col16) > 0 {
			propagateGroup(s, g, g.Col16, r, full, lo, x)
		} else if len(g.Col) > 0 {
			propagateGroup(s, g, g.Col, r, full, lo, x)
		}
	}
}

// propagateGroup is Propagate for group g, whose targets are col (Col or
// Col16), from the held block's first neuron lo on.
func propagateGroup[T Float, C kernels.Index](s *Sparse[T], g *SparseGroup[T], col []C, r Range, full bool, lo int, x []T) {
	post := s.Post
	dst := post.InputFor(s.Receptor, g.Delay)
	for b := r.B0; b < r.B1; b++ {
		// The held block's row: target i at row[i−lo].
		row := post.Row(dst, b)
		if x != nil {
			for j, v := range x[b*s.NIn : (b+1)*s.NIn] {
				if v == 0 {
					continue
				}
				a, e := spanOf(g.RowPtr, col, j, r, full)
				if g.W == nil {
					w := T(v * g.Uniform)
					for _, i := range col[a:e] {
						row[int(i)-lo] += w
					}
					continue
				}
				for k, i := range col[a:e] {
					row[int(i)-lo] += T(v * g.W[a+k])
				}
			}
			continue
		}
		ev := s.Pre.Events(b)
		if len(ev) > 1 {
			touch(g.RowPtr, col, g.W, ev)
		}
		for _, j := range ev {
			a, e := spanOf(g.RowPtr, col, int(j), r, full)
			switch {
			case a == e:
			case g.W == nil:
				scatterAddUniform(row, col[a:e], g.Uniform, lo)
			default:
				scatterAdd(row, col[a:e], g.W[a:e], lo)
			}
		}
	}
}

// touchLines is how many cache lines of each spiking row, of Col and of W,
// touch loads ahead: past these, a row is a stream the hardware
// prefetchers follow.
const touchLines = 4

// touchSeen keeps touch's loads from being compiled away: a sum no one
// reads would be.
var touchSeen atomic.Int32

// touch loads the first touchLines cache lines of the targets (col) and
// weights (w, unless nil) of every row of ev before any of them is
// searched or added. The rows lie at random places in arrays larger than
// L2 at scale (CUBA at 40 000 neurons holds 6.4 MB of targets),
// and each row's first lines are misses; loaded one row after another, as
// spanOf and scatterAdd reach them, the misses wait in turn, while these
// independent loads run together. BenchmarkCUBALarge measures it.
func touch[T Float, C kernels.Index](rowPtr []int, col []C, w []T, ev []int32) {
	var c C
	var x T
	colStep, wStep := 64/int(unsafe.Sizeof(c)), 64/int(unsafe.Sizeof(x))
	sum := 0
	for _, j := range ev {
		a, e := rowPtr[j], rowPtr[j+1]
		for k := a; k < min(e, a+touchLines*colStep); k += colStep {
			sum += int(col[k])
		}
		for k := a; w != nil && k < min(e, a+touchLines*wStep); k += wStep {
			if w[k] != 0 {
				sum++
			}
		}
	}
	if sum == math.MinInt32 {
		touchSeen.Store(int32(sum))
	}
}

// span returns the part of input j's row whose targets lie in r.
func (g *SparseGroup[T]) span(j int, r Range, full bool) (int, int) {
	if g.Col16 != nil {
		return spanOf(g.RowPtr, g.Col16, j, r, full)
	}
	return spanOf(g.RowPtr, g.Col, j, r, full)
}

// spanOf returns the part of input j's row of col, the targets, that lies
// in r: all of it when full.
func spanOf[C kernels.Index](rowPtr []int, col []C, j int, r Range, full bool) (int, int) {
	lo, hi := rowPtr[j], rowPtr[j+1]
	if full || lo == hi {
		return lo, hi
	}
	if r.Hi <= r.Lo {
		return lo, lo
	}
	// r.Lo and r.Hi−1 are targets' indices, which C holds; r.Hi may not
	// be (65536 past a uint16 group's last target), so the end is found
	// as the first target past r.Hi−1.
	row := col[lo:hi]
	a, _ := slices.BinarySearch(row, C(r.Lo))
	e, found := slices.BinarySearch(row[a:], C(r.Hi-1))
	for found && a+e < len(row) && row[a+e] == C(r.Hi-1) {
		e++
	}
	return lo + a, lo + a + e
}

func scatterAddUniform[T Float, C kernels.Index](dst []T, idx []C, w T, base int) {
	if is32[T]() {
		kernels.ScatterAddUniform32(f32(dst), idx, float32(w), int32(base))
		return
	}
	kernels.ScatterAddUniform64(f64(dst), idx, float64(w), int32(base))
}

func scatterAdd[T Float, C kernels.Index](dst []T, idx []C, w []T, base int) {
	if is32[T]() {
		kernels.ScatterAdd32(f32(dst), idx, f32(w), int32(base))
		return
	}
	kernels.ScatterAdd64(f64(dst), idx, f64(w), int32(base))
}
