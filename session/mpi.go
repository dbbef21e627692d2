package session

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"syscall"
	"time"

	"leaky/checkpoint"
	"leaky/engine"
	"leaky/mpi"
	"leaky/netfile"
)

// Comm is the communicator of a run over several ranks (package mpi's
// World): the engine's spike exchange and an integer reduction by which
// the ranks agree when to stop and whether every checkpoint was saved.
type Comm interface {
	engine.Exchange
	AllreduceInt64(x []int64, op mpi.Op) error
	// LocalSize is how many ranks, this one included, share this rank's
	// machine: the ranks its cores are divided among when Threads is 0.
	LocalSize() int
}

// Every rank runs the same description to the same step. Rank 0 alone
// writes the output files, the figure and summary.json (it holds every
// spike after each exchange, and gathers the traced state); each rank
// checkpoints its own block, rank 0 to the checkpoint path and rank r to
// that path with ".rank<r>" appended, and resuming needs the same number
// of ranks.
const (
	keyRanks = "ranks"
	keyRank  = "rank"
)

// ranks is the number of ranks the run is split over, 1 without Comm.
func (o *Options) ranks() int {
	if o.Comm == nil {
		return 1
	}
	return o.Comm.Size()
}

// threads is the threads this rank steps on: Threads, or when it is 0
// over several ranks this machine's cores divided among the ranks that
// share it — all cores for each would put several threads on every core,
// and every rank waits for the slowest at each exchange (8× slower on
// CUBA at 2 ranks on 2 cores).
func (o *Options) threads() int {
	if o.Threads > 0 || o.ranks() == 1 {
		return o.Threads
	}
	return max(1, engine.DefaultThreads()/max(1, o.Comm.LocalSize()))
}

// rank is this process's rank, 0 without Comm.
func (o *Options) rank() int {
	if o.Comm == nil {
		return 0
	}
	return o.Comm.Rank()
}

// writes reports whether this rank writes files: rank 0, or the one
// process.
func (o *Options) writes() bool { return o.rank() == 0 }

// RankPath is where rank r of a run over several ranks keeps the
// checkpoint that rank 0 keeps at path.
func RankPath(path string, rank int) string {
	if rank == 0 {
		return path
	}
	return path + ".rank" + strconv.Itoa(rank)
}

// rankFields are the checkpoint description's fields for this rank: none
// for one process, so its checkpoints stay as they were.
func (o *Options) rankFields() checkpoint.Description {
	if o.ranks() == 1 {
		return nil
	}
	return checkpoint.Description{
		{Key: keyRanks, Value: strconv.Itoa(o.ranks())},
		{Key: keyRank, Value: strconv.Itoa(o.rank())},
	}
}

// checkRanks refuses a checkpoint saved by another number of ranks, or by
// another rank, before anything else about it is compared.
func (s *Saved) checkRanks(o *Options, path string) error {
	saved := 1
	if v, ok := s.Header.Description.Get(keyRanks); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			return fmt.Errorf("%s: checkpoint %s names %q ranks", o.name("resume"), path, v)
		}
		saved = n
	}
	if saved != o.ranks() {
		return fmt.Errorf("%s: checkpoint %s was saved by %s and this run has %s: resume it with %s", o.name("resume"), path, rankWords(saved), rankWords(o.ranks()), launchWords(saved))
	}
	if v, _ := s.Header.Description.Get(keyRank); saved > 1 && v != strconv.Itoa(o.rank()) {
		return fmt.Errorf("%s: checkpoint %s is rank %s's, read by rank %d", o.name("resume"), path, v, o.rank())
	}
	return nil
}

func rankWords(n int) string {
	if n == 1 {
		return "one process"
	}
	return strconv.Itoa(n) + " MPI ranks"
}

func launchWords(n int) string {
	if n == 1 {
		return "one process (no mpirun)"
	}
	return "mpirun -np " + strconv.Itoa(n)
}

// tracedNeurons lists, per population, the neurons whose V, I or Iin
// rank 0 records, to files or for the figure (whose own traces are of
// recorded neurons, or of the notebook figure's one): the ranks gather
// those to it every step.
func tracedNeurons(d *netfile.File) [][]int {
	all := make([]bool, len(d.Populations))
	some := make([]map[int]bool, len(d.Populations))
	mark := func(i int, neurons []int) {
		if neurons == nil {
			all[i] = true
			return
		}
		if some[i] == nil {
			some[i] = map[int]bool{}
		}
		for _, j := range neurons {
			some[i][j] = true
		}
	}
	for _, r := range d.Recordings() {
		if !r.Spikes && r.Var != engine.VarS {
			mark(r.Pop, r.Neurons)
		}
	}
	if fig := d.Figure; fig != nil {
		for i, p := range d.Populations {
			if p.Name == fig.Population {
				mark(i, []int{*fig.Neuron})
			}
		}
	}
	traced := make([][]int, len(d.Populations))
	for i, p := range d.Populations {
		switch {
		case all[i]:
			traced[i] = make([]int, p.Size)
			for j := range traced[i] {
				traced[i][j] = j
			}
		case some[i] != nil:
			traced[i] = slices.Sorted(maps.Keys(some[i]))
		}
	}
	return traced
}

// splitRanks splits the network over the run's ranks.
func (r *runner[T]) splitRanks() error {
	if r.o.ranks() == 1 {
		return nil
	}
	return r.net.Net.SetRanks(r.o.Comm, tracedNeurons(r.d))
}

// Flags the ranks agree on after every step (bitwise, by Max of each).
const (
	flagStop = iota
	flagSaveFailed
	flagCount
)

// agreement makes the ranks stop at the same step: after every step each
// rank reports whether its context was cancelled (a signal, a caller) or
// its checkpoint failed, and every rank learns whether any did. The stop
// flag rides on the step's spike exchange (engine's SetVote), sampled
// just before its last collective, so that a step costs no collective of
// its own; only a step that saved a checkpoint, or one that exchanged
// nothing, agrees with an Allreduce of its own. Without ranks it only
// passes ctx through.
type agreement struct {
	comm   Comm
	ctx    context.Context
	caught func() os.Signal
	// voted is the network's Vote: the largest stop flag its last
	// exchange carried, if one did since the last call.
	voted func() (int64, bool)
	flags [flagCount]int64
	// signal is the signal that interrupted some rank, nil if none did.
	signal os.Signal
	// stop cancels the context the steps run under.
	stop context.CancelFunc
	took time.Duration
}

// newAgreement returns the context to step under: ctx itself for one
// process; for several ranks one that only the agreement cancels, net's
// exchanges carrying each rank's stop flag.
func newAgreement[T engine.Float](ctx context.Context, o *Options, caught func() os.Signal, net *engine.Network[T]) (*agreement, context.Context) {
	if o.ranks() == 1 {
		return &agreement{ctx: ctx}, ctx
	}
	a := &agreement{comm: o.Comm, ctx: ctx, caught: caught, voted: net.Vote}
	net.SetVote(a.stopFlag)
	stepCtx, stop := context.WithCancel(context.Background())
	a.stop = stop
	return a, stepCtx
}

// stopFlag is this rank's stop flag: 0 to go on, 1 for a cancelled
// context, 2+n for signal n, so that Max keeps a signal over a plain
// cancellation.
func (a *agreement) stopFlag() int64 {
	if a.ctx == nil || a.ctx.Err() == nil {
		return 0
	}
	if sig, ok := a.caught().(syscall.Signal); ok {
		return 2 + int64(sig)
	}
	return 1
}

// after is called after every step with whether this rank tried to save
// a checkpoint at it (every rank does at the same steps) and whether that
// failed; it returns whether any rank's did, and stops every rank's steps
// when any rank was interrupted.
func (a *agreement) after(saved, saveFailed bool) (anyFailed bool, err error) {
	if a.comm == nil {
		return saveFailed, nil
	}
	began := time.Now()
	a.flags = [flagCount]int64{}
	if v, ok := a.voted(); ok && !saved {
		a.flags[flagStop] = v
	} else {
		a.flags[flagStop] = a.stopFlag()
		if saveFailed {
			a.flags[flagSaveFailed] = 1
		}
		if err := a.comm.AllreduceInt64(a.flags[:], mpi.Max); err != nil {
			return false, err
		}
	}
	if a.flags[flagStop] >= 2 {
		a.signal = syscall.Signal(a.flags[flagStop] - 2)
	}
	if a.flags[flagStop] != 0 || a.flags[flagSaveFailed] != 0 {
		a.stop()
	}
	a.took += time.Since(began)
	return a.flags[flagSaveFailed] != 0, nil
}

// close releases the step context.
func (a *agreement) close() {
	if a.stop != nil {
		a.stop()
	}
}

// rankFigures are the time each rank spent in the exchange and the
// agreement (collectives over the ranks), in rank order (nil for one
// process), and the most bytes of weights any rank holds: one Allgatherv
// of both from every rank.
func (r *runner[T]) rankFigures(a *agreement) (exchange []float64, weights int64, err error) {
	took, weights := int64(r.net.Net.ExchangeTime()+a.took), r.net.Net.WeightBytes()
	size := r.o.ranks()
	if size == 1 {
		return nil, weights, nil
	}
	counts, displs := make([]int, size), make([]int, size)
	for k := range counts {
		counts[k], displs[k] = 16, 16*k
	}
	send := binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, uint64(took)), uint64(weights))
	recv := make([]byte, 16*size)
	if err := r.o.Comm.Allgatherv(send, recv, counts, displs); err != nil {
		return nil, 0, err
	}
	exchange = make([]float64, size)
	for k := range exchange {
		exchange[k] = time.Duration(binary.LittleEndian.Uint64(recv[16*k:])).Seconds()
		weights = max(weights, int64(binary.LittleEndian.Uint64(recv[16*k+8:])))
	}
	return exchange, weights, nil
}

// StartError is Run's error on every rank of a run over several ranks
// when any rank failed before the first step (a checkpoint it lacks, a
// file it cannot read, bad input it alone sees): no rank steps, and only
// the lowest failing rank has a failure to report, so that it is said
// once.
type StartError struct {
	// Rank is the lowest rank that failed, of Ranks.
	Rank, Ranks int
	// Err is this rank's failure when it is that lowest rank, nil on every
	// other rank.
	Err error
}

func (e *StartError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("rank %d of %d failed before the first step", e.Rank, e.Ranks)
}

func (e *StartError) Unwrap() error { return e.Err }

// AgreeStart is the ranks' agreement to start, over comm: every rank calls
// it exactly once before its first step with its setup's error, nil when
// ready, and every rank learns whether all are. It returns nil when every
// rank is ready, and otherwise a *StartError on every rank. Run calls it;
// a caller whose rank fails before calling Run calls it instead, with that
// failure, so that the ranks that did call Run stop too. With one rank
// (comm nil or of size 1) it returns err.
func AgreeStart(comm Comm, err error) error {
	if comm == nil || comm.Size() == 1 {
		return err
	}
	// Size−rank for a failed rank, so that Max finds the lowest one.
	flag := []int64{0}
	if err != nil {
		flag[0] = int64(comm.Size() - comm.Rank())
	}
	if rerr := comm.AllreduceInt64(flag, mpi.Max); rerr != nil {
		return fmt.Errorf("agreeing to start over %d ranks: %w", comm.Size(), rerr)
	}
	if flag[0] == 0 {
		return nil
	}
	se := &StartError{Rank: comm.Size() - int(flag[0]), Ranks: comm.Size()}
	if se.Rank == comm.Rank() {
		se.Err = err
	}
	return se
}
