package engine

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type nopJob struct{}

func (nopJob) run(int) {}

// newTask returns a task of n items of j for k workers.
func newTask(j job, n, k int) *task {
	t := &task{}
	t.set(j, n, k)
	return t
}

// BenchmarkPoolBarrier measures one phase hand-off and barrier of the
// worker pool with an empty job: the fixed cost a step pays per parallel
// phase, which sets minWorkPerThread.
func BenchmarkPoolBarrier(b *testing.B) {
	p := newPool(2)
	defer p.close()
	t := newTask(nopJob{}, 2, 2)
	for b.Loop() {
		p.run(t)
	}
}

// startJob has two items: item 1 records when it starts, and item 0 waits
// for it, so that the caller, which takes item 0, leaves item 1 to the
// worker.
type startJob struct{ start atomic.Int64 }

func (j *startJob) run(i int) {
	if i == 1 {
		j.start.Store(time.Now().UnixNano())
		return
	}
	for j.start.Load() == 0 {
	}
}

// BenchmarkPoolWakeAfterGap measures how long worker 1 takes to start a
// phase handed over after the caller has worked alone for gap: the wait a
// worker has between phases, when the caller finishes the last range of a
// phase or runs a step's serial part. Reported as wake-ns, from the hand-off
// to worker 1's start. A worker that stopped polling and parked during the
// gap is woken through the OS, which is what spinFor is there to avoid for
// the gaps of a run.
func BenchmarkPoolWakeAfterGap(b *testing.B) {
	for _, gap := range []time.Duration{10 * time.Microsecond, 100 * time.Microsecond, 500 * time.Microsecond} {
		b.Run(fmt.Sprintf("gap=%v", gap), func(b *testing.B) {
			p := newPool(2)
			defer p.close()
			j := &startJob{}
			t := newTask(j, 2, 2)
			var wake time.Duration
			for b.Loop() {
				for end := time.Now().Add(gap); time.Now().Before(end); {
				}
				j.start.Store(0)
				t0 := time.Now()
				p.run(t)
				wake += time.Duration(j.start.Load() - t0.UnixNano())
			}
			b.ReportMetric(float64(wake.Nanoseconds())/float64(b.N), "wake-ns")
		})
	}
}

// TestSplitRangesPartition: for every shape and thread count the ranges
// cover each neuron of each trial exactly once, neuron splits fall on
// 64-neuron boundaries, there are never more workers than threads or
// ranges, and large populations get several ranges per worker so that a
// slower core can take fewer. Asked for whole trials (as convolutions ask),
// a population with enough trials gets ranges of whole trials only.
func TestSplitRangesPartition(t *testing.T) {
	for _, c := range []struct{ batch, n, threads int }{
		{1, 100, 2}, {1, 3000, 2}, {1, 5000, 2}, {1, 100000, 2}, {1, 100000, 3}, {1, 1000003, 7},
		{256, 200, 2}, {256, 20, 2}, {256, 20, 7}, {3, 70000, 4}, {2, 64, 8}, {64, 4096, 2}, {4, 100000, 3},
	} {
		pop, err := NewPopulation[float32]("p", c.batch, c.n, DefaultNeuron())
		if err != nil {
			t.Fatal(err)
		}
		for _, byTrial := range []bool{false, true} {
			ranges, workers := splitRanges(pop, c.threads, byTrial, math.MaxInt)
			seen := make([]int, c.batch*c.n)
			for _, r := range ranges {
				if r.Lo%64 != 0 || (r.Hi%64 != 0 && r.Hi != c.n) {
					t.Errorf("%+v: range %+v not aligned to 64 neurons", c, r)
				}
				if byTrial && c.batch >= 2*workers && (r.Lo != 0 || r.Hi != c.n) {
					t.Errorf("%+v asked for whole trials: range %+v", c, r)
				}
				for b := r.B0; b < r.B1; b++ {
					for i := r.Lo; i < r.Hi; i++ {
						seen[b*c.n+i]++
					}
				}
			}
			for k, s := range seen {
				if s != 1 {
					t.Fatalf("%+v: trial %d neuron %d in %d ranges", c, k/c.n, k%c.n, s)
				}
			}
			if workers < 1 || workers > c.threads || workers > len(ranges) {
				t.Errorf("%+v: %d workers for %d ranges", c, workers, len(ranges))
			}
			if work := c.batch * c.n; work >= 8*minWorkPerThread*c.threads && len(ranges) < 2*workers {
				t.Errorf("%+v byTrial=%v: only %d ranges for %d workers on %d updates", c, byTrial, len(ranges), workers, work)
			}
		}
	}
}

// TestSplitRangesSparse: a population fed by a sparse projection gets one
// range per worker, each taking its targets' part of every spiking row,
// where one of the same size fed densely gets several per worker; both
// still cover every neuron once and run the same bits (TestWorkloadsSameBits
// in bench runs CUBA at 40 000 neurons on 1, 2, 3 and 7 threads).
func TestSplitRangesSparse(t *testing.T) {
	for _, threads := range []int{2, 3, 7} {
		for _, sparse := range []bool{false, true} {
			src, err := NewPoisson[float32]("in", 1, 50, 10, 1e-3, 1, 0)
			if err != nil {
				t.Fatal(err)
			}
			n := NewNetwork[float32]()
			p, err := NewPopulation[float32]("p", 1, 100000, DefaultNeuron())
			if err != nil {
				t.Fatal(err)
			}
			n.AddPopulation(p)
			n.AddSource(src)
			var pr Projection[float32]
			if sparse {
				pr, err = NewRandomSparse[float32]("s", src, p, RandomSparse{P: 0.1, Weight: Const(0.1), Seed: 1})
			} else {
				pr, err = NewDense[float32]("d", src, p, make([]float32, 50*100000))
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := n.AddProjection(pr); err != nil {
				t.Fatal(err)
			}
			n.SetThreads(threads)
			n.prepare()
			ranges, workers := len(n.phases[0].ranges), n.phases[0].workers
			n.Close()
			if workers != threads {
				t.Fatalf("sparse=%v on %d threads: %d workers", sparse, threads, workers)
			}
			if sparse && ranges != workers || !sparse && ranges < 2*workers {
				t.Errorf("sparse=%v on %d threads: %d ranges for %d workers", sparse, threads, ranges, workers)
			}
		}
	}
}

// panicJob has one item per worker; each waits until all have started, so
// that every worker, the caller among them, runs one, and item i panics.
type panicJob struct {
	i       int
	started *atomic.Int64
	n       int64
}

func (j panicJob) run(i int) {
	j.started.Add(1)
	for j.started.Load() < j.n {
	}
	if i == j.i {
		panic("boom")
	}
}

// TestPoolPanicReachesCaller checks that a panic in any item, the caller's
// or another worker's, is raised again in the goroutine that ran the task,
// after every item is done, and that the pool still works.
func TestPoolPanicReachesCaller(t *testing.T) {
	p := newPool(3)
	defer p.close()
	for _, i := range []int{0, 1, 2} {
		task := newTask(panicJob{i: i, started: new(atomic.Int64), n: 3}, 3, 3)
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.Contains(s, "boom") {
					t.Errorf("item %d: recovered %v", i, r)
				}
			}()
			p.run(task)
			t.Errorf("item %d: no panic", i)
		}()
		if n := task.done.Load(); n != 3 {
			t.Errorf("item %d: %d of 3 items done when the panic reached the caller", i, n)
		}
	}
	p.run(newTask(nopJob{}, 3, 3))
}

// countJob counts the runs of each item.
type countJob struct{ runs []atomic.Int32 }

func (j *countJob) run(i int) { j.runs[i].Add(1) }

// TestPoolAbsentWorker checks that the caller does not wait for a worker
// that is not running — one whose vCPU another process holds — but runs
// every item itself and returns, and that the worker, once it runs, takes
// items of the current task only: each item of each task runs exactly once.
func TestPoolAbsentWorker(t *testing.T) {
	// A pool whose worker 1 has not started.
	p := &pool{n: 2, sleeping: make([]atomic.Int32, 2), wake: []chan struct{}{nil, make(chan struct{}, 1)}}
	defer p.close()
	j := &countJob{runs: make([]atomic.Int32, 8)}
	stale := newTask(j, 8, 2)
	done := make(chan struct{})
	go func() {
		p.run(stale)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the caller waits for a worker that is not running")
	}
	go p.loop(1)
	for round := 0; round < 1000; round++ {
		fresh := &countJob{runs: make([]atomic.Int32, 8)}
		p.run(newTask(fresh, 8, 2))
		for i := range fresh.runs {
			if n := fresh.runs[i].Load(); n != 1 {
				t.Fatalf("round %d: item %d ran %d times", round, i, n)
			}
		}
	}
	for i := range j.runs {
		if n := j.runs[i].Load(); n != 1 {
			t.Fatalf("first task: item %d ran %d times", i, n)
		}
	}
}

// orderJob records the order its items ran in.
type orderJob struct{ order []int }

func (j *orderJob) run(i int) { j.order = append(j.order, i) }

// TestPoolOwnBlockFirst checks that a worker takes the items of its own
// block first, in order, and then finishes the others' blocks, each from
// where it stands: worker w thus runs the same ranges step after step, and
// their state stays in its core's caches.
func TestPoolOwnBlockFirst(t *testing.T) {
	p := &pool{n: 3}
	for _, c := range []struct {
		n, k, w int
		want    []int
	}{
		{6, 3, 0, []int{0, 1, 2, 3, 4, 5}},
		{6, 3, 1, []int{2, 3, 4, 5, 0, 1}},
		{6, 3, 2, []int{4, 5, 0, 1, 2, 3}},
		{7, 2, 1, []int{3, 4, 5, 6, 0, 1, 2}},
		{2, 5, 1, []int{1, 0}}, // k is capped at n
	} {
		j := &orderJob{}
		tk := newTask(j, c.n, c.k)
		for b := range tk.blocks {
			tk.blocks[b].next.Store(tk.blocks[b].lo)
		}
		p.work(tk, c.w)
		if !slices.Equal(j.order, c.want) {
			t.Errorf("n=%d k=%d worker %d ran %v, want %v", c.n, c.k, c.w, j.order, c.want)
		}
		if d := tk.done.Load(); d != int64(c.n) {
			t.Errorf("n=%d k=%d: done %d, want %d", c.n, c.k, d, c.n)
		}
	}
	// A worker that joins a task another has part-finished takes only
	// what is left, of its own block first.
	j := &orderJob{}
	tk := newTask(j, 6, 2)
	tk.blocks[0].next.Store(2)
	tk.blocks[1].next.Store(4)
	p.work(tk, 1)
	if want := []int{4, 5, 2}; !slices.Equal(j.order, want) {
		t.Errorf("joining worker 1 ran %v, want %v", j.order, want)
	}
}
