package engine

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type nopJob struct{}

func (nopJob) work(int) {}

// BenchmarkPoolBarrier measures one phase hand-off and barrier of the
// worker pool with an empty job: the fixed cost a step pays per parallel
// phase, which sets minWorkPerThread.
func BenchmarkPoolBarrier(b *testing.B) {
	p := newPool(2)
	defer p.close()
	for b.Loop() {
		p.run(nopJob{}, 2)
	}
}

// startJob records when worker 1 starts its share.
type startJob struct{ start atomic.Int64 }

func (j *startJob) work(w int) {
	if w == 1 {
		j.start.Store(time.Now().UnixNano())
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
			var wake time.Duration
			for b.Loop() {
				for end := time.Now().Add(gap); time.Now().Before(end); {
				}
				t0 := time.Now()
				p.run(j, 2)
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
			ranges, workers := splitRanges(pop, c.threads, byTrial)
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

// panicJob panics in one worker.
type panicJob struct{ w int }

func (j panicJob) work(w int) {
	if w == j.w {
		panic("boom")
	}
}

// TestPoolPanicReachesCaller checks that a panic in any worker, the
// caller's share or another's, is raised again in the goroutine that ran
// the job, after every worker is done, and that the pool still works.
func TestPoolPanicReachesCaller(t *testing.T) {
	p := newPool(3)
	defer p.close()
	for _, w := range []int{0, 1, 2} {
		func() {
			defer func() {
				r := recover()
				if s, ok := r.(string); !ok || !strings.Contains(s, "boom") {
					t.Errorf("worker %d: recovered %v", w, r)
				}
			}()
			p.run(panicJob{w}, 3)
			t.Errorf("worker %d: no panic", w)
		}()
		if n := p.left.Load(); n != 0 {
			t.Errorf("worker %d: %d workers still in the job", w, n)
		}
	}
	p.run(nopJob{}, 3)
}
