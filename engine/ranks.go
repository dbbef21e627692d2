package engine

import (
	"fmt"
	"math"
	"math/bits"
	"time"
	"unsafe"
)

// Exchange is what a network split over ranks needs from its
// communicator (package mpi's World satisfies it): the rank, the number of
// ranks, and two collectives over bytes in which rank r's counts[r] bytes
// land at displs[r].
type Exchange interface {
	Rank() int
	Size() int
	Allgatherv(send, recv []byte, counts, displs []int) error
	Gatherv(send, recv []byte, counts, displs []int, root int) error
}

// ranks is a network's share of a run over several processes. Every
// population is cut into contiguous blocks of whole 64-neuron words, one
// per rank in rank order (see blockOf); a rank steps only its own block of
// each population, as if its threads were given only those ranges, and
// after each population's update every rank's spike words (a non-spiking
// population's V) are gathered onto every rank in rank order. Every rank
// then holds the step's whole bitmask and event lists, exactly as one
// process would, and the next population's projections sum them in the
// one-process order. Sources draw every input on every rank: they are
// keyed by step and trial, so each rank draws the same ones.
//
// The state of neurons outside a rank's block is never read on that rank;
// rank 0 gathers V, I and Iin of the populations its recorders trace
// before they read them.
type ranks[T Float] struct {
	ex         Exchange
	rank, size int
	pops       []*rankPop
	// took is the time spent in the collectives.
	took time.Duration
}

// rankPop is one population's blocks and the buffers that carry them.
type rankPop struct {
	// lo[r], hi[r] are rank r's neurons.
	lo, hi []int
	traced bool
	// mask carries the spike words, out a non-spiking population's V and
	// state V, I and Iin to rank 0 when traced.
	mask, out, state collective
}

// collective is one Allgatherv or Gatherv layout and its buffers.
type collective struct {
	counts, displs []int
	send, recv     []byte
}

// newCollective lays out blocks of per[r] bytes in rank order.
func newCollective(per []int) collective {
	c := collective{counts: per, displs: make([]int, len(per))}
	total := 0
	for r, n := range per {
		c.displs[r] = total
		total += n
	}
	c.recv = make([]byte, total)
	return c
}

// blockOf is rank r's block of n neurons among k ranks: whole words of 64,
// split as evenly as the words allow (a rank gets none when there are
// fewer words than ranks).
func blockOf(n, r, k int) (lo, hi int) {
	words := (n + 63) / 64
	return min(n, words*r/k*64), min(n, words*(r+1)/k*64)
}

// SetRanks splits the network over ex's ranks, this process stepping rank
// ex.Rank()'s block of every population; traced[i] says rank 0's
// recorders read population i's V, I or Iin, which are then gathered to it
// before they do. Call it before the first step, with the same network and
// traced on every rank, and once: the rank then holds only the weights
// onto its blocks (holdBlocks). A single rank changes nothing.
func (n *Network[T]) SetRanks(ex Exchange, traced []bool) error {
	if len(traced) != len(n.pops) {
		return fmt.Errorf("ranks: %d traced flags for %d populations", len(traced), len(n.pops))
	}
	if n.ranks != nil {
		return fmt.Errorf("ranks: the network is split over %d ranks already and holds only rank %d's weights", n.ranks.size, n.ranks.rank)
	}
	n.phases = nil
	if ex.Size() <= 1 {
		n.ranks = nil
		return nil
	}
	rk := &ranks[T]{ex: ex, rank: ex.Rank(), size: ex.Size()}
	elem := sizeOf[T]()
	for i, p := range n.pops {
		rp := &rankPop{lo: make([]int, rk.size), hi: make([]int, rk.size), traced: traced[i]}
		words, vals := make([]int, rk.size), make([]int, rk.size)
		for r := range rk.size {
			lo, hi := blockOf(p.N, r, rk.size)
			rp.lo[r], rp.hi[r] = lo, hi
			words[r] = p.Batch * ((hi+63)/64 - lo/64) * 8
			vals[r] = p.Batch * (hi - lo) * elem
			if words[r] > math.MaxInt32 || 3*vals[r] > math.MaxInt32 {
				return fmt.Errorf("ranks: population %q's block on rank %d is %d bytes, more than one MPI call carries; use more ranks", p.Name, r, 3*vals[r])
			}
		}
		rp.mask = newCollective(words)
		rp.mask.send = make([]byte, words[rk.rank])
		if p.valued() {
			rp.out = newCollective(vals)
			rp.out.send = make([]byte, vals[rk.rank])
		}
		if rp.traced {
			three := make([]int, rk.size)
			for r := range vals {
				three[r] = 3 * vals[r]
			}
			rp.state = newCollective(three)
			rp.state.send = make([]byte, three[rk.rank])
		}
		rk.pops = append(rk.pops, rp)
	}
	n.ranks = rk
	n.holdBlocks()
	return nil
}

// holdBlocks drops the weights onto neurons outside this rank's blocks,
// which it never steps: a dense projection keeps its target block's
// columns, a sparse one the synapses onto its block (every row's targets
// in the block, in their order). Procedural weights are regenerated per
// range and hold nothing. What is kept sums in the one-process order, so
// the bits do not change; the rest is left to the collector.
func (n *Network[T]) holdBlocks() {
	rk := n.ranks
	for i, in := range n.incoming {
		lo, hi := rk.pops[i].lo[rk.rank], rk.pops[i].hi[rk.rank]
		for _, pr := range in {
			switch p := pr.(type) {
			case *Dense[T]:
				p.holdColumns(lo, hi)
			case *Sparse[T]:
				p.holdTargets(lo, hi)
			}
		}
	}
}

// holdColumns keeps only W's columns lo … hi−1 of the NOut it holds.
func (d *Dense[T]) holdColumns(lo, hi int) {
	w := make([]T, d.NIn*(hi-lo))
	for j := range d.NIn {
		copy(w[j*(hi-lo):(j+1)*(hi-lo)], d.W[j*d.ldw+lo-d.w0:])
	}
	d.W, d.w0, d.ldw = w, lo, hi-lo
}

// holdTargets keeps only the synapses onto neurons lo … hi−1.
func (s *Sparse[T]) holdTargets(lo, hi int) {
	r := Range{Lo: lo, Hi: hi}
	for gi := range s.Groups {
		g := &s.Groups[gi]
		kept := 0
		for j := range s.NIn {
			a, e := g.span(j, r, false)
			kept += e - a
		}
		h := SparseGroup[T]{Delay: g.Delay, RowPtr: make([]int, s.NIn+1), Col: make([]int32, 0, kept), W: make([]T, 0, kept)}
		for j := range s.NIn {
			a, e := g.span(j, r, false)
			h.Col, h.W = append(h.Col, g.Col[a:e]...), append(h.W, g.W[a:e]...)
			h.RowPtr[j+1] = len(h.Col)
		}
		*g = h
	}
}

// WeightBytes is the memory of the dense and sparse weights this process
// holds (a sparse projection's targets and row offsets included): over
// ranks, only those onto its blocks.
func (n *Network[T]) WeightBytes() int64 {
	elem := int64(sizeOf[T]())
	total := int64(0)
	for _, pr := range n.projs {
		switch p := pr.(type) {
		case *Dense[T]:
			total += int64(len(p.W)) * elem
		case *Sparse[T]:
			for _, g := range p.Groups {
				total += int64(len(g.Col))*(4+elem) + int64(len(g.RowPtr))*8
			}
		}
	}
	return total
}

// Ranks is the number of ranks the network is split over (1 when not).
func (n *Network[T]) Ranks() int {
	if n.ranks == nil {
		return 1
	}
	return n.ranks.size
}

// ExchangeTime is the time this rank spent exchanging spikes and
// gathering state.
func (n *Network[T]) ExchangeTime() time.Duration {
	if n.ranks == nil {
		return 0
	}
	return n.ranks.took
}

// split is population i's work on this rank for threads workers: its
// block cut into 64-aligned ranges over every trial, like splitRanges'
// cut by neurons. A rank with no neurons of p gets no ranges.
func (rk *ranks[T]) split(i int, p *Population[T], threads int) ([]Range, int) {
	lo, hi := rk.pops[i].lo[rk.rank], rk.pops[i].hi[rk.rank]
	if hi <= lo {
		return nil, 1
	}
	k, c := shares(p.Batch*(hi-lo), threads, math.MaxInt)
	out := splitRangesN(hi-lo, c)
	for j := range out {
		out[j] = Range{0, p.Batch, out[j].Lo + lo, out[j].Hi + lo}
	}
	return out, max(1, min(k, len(out)))
}

// gathers reports whether population i's state is gathered to rank 0
// before its recorders read it; false without ranks.
func (rk *ranks[T]) gathers(i int) bool { return rk != nil && rk.pops[i].traced }

// gatherState gathers population i's V, I and Iin to rank 0.
func (rk *ranks[T]) gatherState(i int, p *Population[T]) error {
	rp := rk.pops[i]
	began := time.Now()
	c := &rp.state
	send := c.send[:0]
	for _, x := range [][]T{p.V, p.I, p.Iin} {
		send = packRows(send, x, p, rp.lo[rk.rank], rp.hi[rk.rank])
	}
	if err := rk.ex.Gatherv(send, c.recv, c.counts, c.displs, 0); err != nil {
		return fmt.Errorf("gathering the state of %q: %w", p.Name, err)
	}
	if rk.rank == 0 {
		for r := range rk.size {
			in := c.recv[c.displs[r] : c.displs[r]+c.counts[r]]
			for _, x := range [][]T{p.V, p.I, p.Iin} {
				in = unpackRows(x, in, p, rp.lo[r], rp.hi[r])
			}
		}
	}
	rk.took += time.Since(began)
	return nil
}

// exchange gathers population i's step onto every rank: its spike words,
// and a non-spiking population's V, which keepOutput then copies out. It
// returns the step's spike count over every rank.
func (rk *ranks[T]) exchange(i int, p *Population[T]) (int, error) {
	rp := rk.pops[i]
	began := time.Now()
	c := &rp.mask
	w0, w1 := rp.lo[rk.rank]/64, (rp.hi[rk.rank]+63)/64
	send := c.send[:0]
	for b := 0; b < p.Batch; b++ {
		send = append(send, wordBytes(p.Spikes[b*p.Words+w0:b*p.Words+w1])...)
	}
	if err := rk.ex.Allgatherv(send, c.recv, c.counts, c.displs); err != nil {
		return 0, fmt.Errorf("exchanging the spikes of %q: %w", p.Name, err)
	}
	count := 0
	for r := range rk.size {
		w0, w1 := rp.lo[r]/64, (rp.hi[r]+63)/64
		in := c.recv[c.displs[r] : c.displs[r]+c.counts[r]]
		for b := 0; b < p.Batch; b++ {
			dst := p.Spikes[b*p.Words+w0 : b*p.Words+w1]
			copy(wordBytes(dst), in)
			in = in[8*len(dst):]
			for _, w := range dst {
				count += bits.OnesCount64(w)
			}
		}
	}
	if p.valued() {
		c := &rp.out
		send := packRows(c.send[:0], p.V, p, rp.lo[rk.rank], rp.hi[rk.rank])
		if err := rk.ex.Allgatherv(send, c.recv, c.counts, c.displs); err != nil {
			return 0, fmt.Errorf("exchanging the values of %q: %w", p.Name, err)
		}
		for r := range rk.size {
			unpackRows(p.V, c.recv[c.displs[r]:c.displs[r]+c.counts[r]], p, rp.lo[r], rp.hi[r])
		}
	}
	rk.took += time.Since(began)
	return count, nil
}

// packRows appends x's neurons lo..hi−1 of every trial of p to dst.
func packRows[T Float](dst []byte, x []T, p *Population[T], lo, hi int) []byte {
	for b := 0; b < p.Batch; b++ {
		dst = append(dst, valueBytes(x[b*p.Stride+lo:b*p.Stride+hi])...)
	}
	return dst
}

// unpackRows copies what packRows appended from in back into x and
// returns the rest of in.
func unpackRows[T Float](x []T, in []byte, p *Population[T], lo, hi int) []byte {
	for b := 0; b < p.Batch; b++ {
		row := valueBytes(x[b*p.Stride+lo : b*p.Stride+hi])
		copy(row, in)
		in = in[len(row):]
	}
	return in
}

// wordBytes and valueBytes view a slice's memory as bytes, the unit the
// collectives carry; every rank is the same machine type.
func wordBytes(x []uint64) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), 8*len(x))
}

func valueBytes[T Float](x []T) []byte {
	if len(x) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&x[0])), len(x)*sizeOf[T]())
}
