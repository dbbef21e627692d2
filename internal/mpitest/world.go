package mpitest

import (
	"fmt"
	"sync"

	"leaky/mpi"
)

// World is K ranks in one process: each rank is a goroutine holding a
// Rank, and the collectives meet at a barrier, so a run split over ranks
// can be checked without MPI (package mpi's own test covers MPI).
type World struct {
	k    int
	mu   sync.Mutex
	cond *sync.Cond
	// arrived counts the ranks at the barrier of generation gen.
	arrived, gen int
	sent         [][]byte
	vals         [][]int64
	calls        []Calls
	// pending[r] is rank r's Iallgatherv, which its Wait carries out.
	pending []*started
}

// started is an Iallgatherv's arguments.
type started struct {
	send, recv     []byte
	counts, displs []int
}

// Calls counts one rank's collectives of each kind.
type Calls struct{ Allgatherv, Iallgatherv, Gatherv, Allreduce int }

// Calls is how many collectives of each kind rank r has made; read it
// once the ranks are done.
func (w *World) Calls(r int) Calls { return w.calls[r] }

// NewWorld returns a world of k ranks.
func NewWorld(k int) *World {
	w := &World{k: k, sent: make([][]byte, k), vals: make([][]int64, k), calls: make([]Calls, k), pending: make([]*started, k)}
	w.cond = sync.NewCond(&w.mu)
	return w
}

// Size is the number of ranks of w.
func (w *World) Size() int { return w.k }

// Rank is rank r of w.
func (w *World) Rank(r int) Rank { return Rank{w, r} }

func (w *World) barrier() {
	w.mu.Lock()
	defer w.mu.Unlock()
	gen := w.gen
	w.arrived++
	if w.arrived == w.k {
		w.arrived, w.gen = 0, w.gen+1
		w.cond.Broadcast()
		return
	}
	for gen == w.gen {
		w.cond.Wait()
	}
}

// Rank is one rank of a World, with package mpi's World's methods.
type Rank struct {
	w *World
	r int
}

func (x Rank) Rank() int { return x.r }
func (x Rank) Size() int { return x.w.k }

// LocalSize is every rank: they share this process's machine.
func (x Rank) LocalSize() int { return x.w.k }

func (x Rank) gather(send, recv []byte, counts, displs []int, to bool) error {
	if x.w.pending[x.r] != nil {
		return fmt.Errorf("rank %d starts a collective while its Iallgatherv is pending", x.r)
	}
	if counts[x.r] != len(send) {
		return fmt.Errorf("rank %d sends %d bytes, count %d", x.r, len(send), counts[x.r])
	}
	x.w.sent[x.r] = send
	x.w.barrier()
	defer x.w.barrier()
	if to {
		for r := range x.w.k {
			if len(x.w.sent[r]) != counts[r] {
				return fmt.Errorf("rank %d sent %d bytes, count %d", r, len(x.w.sent[r]), counts[r])
			}
			copy(recv[displs[r]:displs[r]+counts[r]], x.w.sent[r])
		}
	}
	return nil
}

func (x Rank) Allgatherv(send, recv []byte, counts, displs []int) error {
	x.w.calls[x.r].Allgatherv++
	return x.gather(send, recv, counts, displs, true)
}

// Iallgatherv only notes its arguments and fills recv with junk: the
// ranks exchange in Wait, so a caller that reads recv, or changes send,
// before its Wait gets wrong bits.
func (x Rank) Iallgatherv(send, recv []byte, counts, displs []int) error {
	x.w.calls[x.r].Iallgatherv++
	if x.w.pending[x.r] != nil {
		return fmt.Errorf("rank %d starts an Iallgatherv while another is pending", x.r)
	}
	for i := range recv {
		recv[i] = 0xa5
	}
	x.w.pending[x.r] = &started{send, recv, counts, displs}
	return nil
}

// Wait carries out the pending Iallgatherv.
func (x Rank) Wait() error {
	p := x.w.pending[x.r]
	if p == nil {
		return fmt.Errorf("rank %d waits without a pending Iallgatherv", x.r)
	}
	x.w.pending[x.r] = nil
	return x.gather(p.send, p.recv, p.counts, p.displs, true)
}

func (x Rank) Gatherv(send, recv []byte, counts, displs []int, root int) error {
	x.w.calls[x.r].Gatherv++
	return x.gather(send, recv, counts, displs, x.r == root)
}

func (x Rank) AllreduceInt64(v []int64, op mpi.Op) error {
	x.w.calls[x.r].Allreduce++
	if x.w.pending[x.r] != nil {
		return fmt.Errorf("rank %d starts an Allreduce while its Iallgatherv is pending", x.r)
	}
	x.w.vals[x.r] = append([]int64(nil), v...)
	x.w.barrier()
	defer x.w.barrier()
	for i := range v {
		acc := x.w.vals[0][i]
		for r := 1; r < x.w.k; r++ {
			switch op {
			case mpi.Sum:
				acc += x.w.vals[r][i]
			case mpi.Max:
				acc = max(acc, x.w.vals[r][i])
			}
		}
		v[i] = acc
	}
	return nil
}
