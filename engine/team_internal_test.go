package engine

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// SendTeamAway makes n's team rest from its next phase on, for good: the
// caller steps every phase whole (teamJob.solo), for the external tests
// that compare those bits too.
func SendTeamAway[T Float](n *Network[T]) {
	n.prepare()
	for w := 1; w < n.team.n; w++ {
		n.team.stand[w].wakeAt = ^uint64(0)
	}
}

// BenchmarkTeamBarrier measures one phase hand-off and barrier of a team of
// two with an empty job, beside BenchmarkPoolBarrier's of the pool; solo-%
// is the share of phases the caller ran alone, because the worker rested
// (on a loaded machine), which makes the figure meaningless.
func BenchmarkTeamBarrier(b *testing.B) {
	tm := newTeam(2)
	defer tm.close()
	j := &shareJob{runs: make([]atomic.Int32, 2)}
	for b.Loop() {
		tm.run(j)
	}
	b.ReportMetric(100*float64(j.solos.Load())/float64(b.N), "solo-%")
}

// shareJob counts the runs of each share and of the whole phase; fail,
// when set, makes share 1 panic, and busy makes share 0 last that long
// (a worker claims its share while the caller runs its own).
type shareJob struct {
	runs  []atomic.Int32
	solos atomic.Int32
	fail  bool
	busy  time.Duration
}

func (j *shareJob) run(w int) {
	j.runs[w].Add(1)
	if w == 0 {
		for start := time.Now(); time.Since(start) < j.busy; {
		}
	}
	if j.fail && w == 1 {
		panic("share 1 failed")
	}
}

func (j *shareJob) solo() { j.solos.Add(1) }

// exactlyOnce checks that a phase ran every share once, or ran whole once.
func (j *shareJob) exactlyOnce(t *testing.T, phase int) {
	t.Helper()
	if j.solos.Load() == 1 {
		for w := range j.runs {
			if n := j.runs[w].Load(); n != 0 {
				t.Fatalf("phase %d ran whole and share %d %d times", phase, w, n)
			}
		}
		return
	}
	for w := range j.runs {
		if n := j.runs[w].Load(); n != 1 {
			t.Fatalf("phase %d: share %d ran %d times (whole %d)", phase, w, n, j.solos.Load())
		}
	}
}

// TestTeamAbsentWorker: a team whose worker has not started (its virtual
// CPU taken) does not wait for it. The caller stands in for the worker's
// share, then, after teamMissLimit phases, runs phases whole while the
// worker rests; once the worker runs and a rest ends, it claims its shares
// again. Every phase runs each share exactly once, or runs whole once.
func TestTeamAbsentWorker(t *testing.T) {
	tm := &team{done: make([]teamFlag, 2), claimed: make([]teamFlag, 2), stand: make([]standIn, 2)}
	tm.stand[1].rest = teamRestMin
	tm.init(2, teamSpin)
	defer tm.close()
	phase := func(i int) *shareJob {
		j := &shareJob{runs: make([]atomic.Int32, 2), busy: 5 * time.Microsecond}
		returns(t, fmt.Sprintf("phase %d", i), func() { tm.run(j) })
		j.exactlyOnce(t, i)
		return j
	}
	solos := 0
	for i := 0; i < teamMissLimit+10; i++ {
		solos += int(phase(i).solos.Load())
	}
	if solos != 10 {
		t.Fatalf("%d of the phases after the worker missed %d ran whole, want 10", solos, teamMissLimit)
	}
	go tm.loop(1)
	claimed := false
	for i := 0; i < 64*teamRestMax && !claimed; i++ {
		phase(i)
		claimed = !tm.stand[1].absent && !tm.resting()
	}
	if !claimed {
		t.Fatal("the worker, once running, never claimed its share again")
	}
	for i := 0; i < 1000; i++ {
		phase(i)
	}
}

// TestTeamPanic: a panic in a worker's share, whether the worker or the
// caller standing in runs it, is raised in the caller once the phase is
// over, and the team steps on afterwards.
func TestTeamPanic(t *testing.T) {
	tm := newTeam(2)
	defer tm.close()
	for i := 0; i < 200; i++ {
		j := &shareJob{runs: make([]atomic.Int32, 2), fail: true}
		func() {
			defer func() {
				r := recover()
				if j.solos.Load() == 1 {
					return // the worker rested: the phase ran whole
				}
				if s, ok := r.(string); !ok || !strings.Contains(s, "engine worker 1: share 1 failed") {
					t.Fatalf("phase %d: recovered %v", i, r)
				}
			}()
			tm.run(j)
		}()
		j.exactlyOnce(t, i)
	}
}

// TestSparseCuts: a range's part of each row, found from the edges cutAt
// precomputes at a team's boundaries, is the one binary search finds, for
// every range of several splits of a random projection.
func TestSparseCuts(t *testing.T) {
	pre, err := NewPopulation[float32]("pre", 1, 300, DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	post, err := NewPopulation[float32]("post", 1, 1000, DefaultNeuron())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewRandomSparse("p", Presynaptic[float32](pre), post, RandomSparse{P: 0.05, Weight: Const(1), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []int{2, 3, 7} {
		ranges := cutNeurons(post, k)
		var bounds []int
		for _, r := range ranges[1:] {
			bounds = append(bounds, r.Lo)
		}
		s.cutAt(bounds)
		g := &s.Groups[0]
		for _, r := range ranges {
			for j := 0; j < pre.N; j++ {
				a, e := g.spanAt(j, r, false, s.cuts[0])
				lo, hi := g.RowPtr[j], g.RowPtr[j+1]
				wa, we := lo, lo
				for wa < hi && int(g.Col[wa]) < r.Lo {
					wa++
				}
				for we = wa; we < hi && int(g.Col[we]) < r.Hi; we++ {
				}
				if a != wa || e != we {
					t.Fatalf("k=%d range %+v input %d: span %d..%d, want %d..%d", k, r, j, a, e, wa, we)
				}
			}
		}
	}
	s.cutAt(nil)
	if s.cuts != nil {
		t.Fatal("cutAt(nil) kept the cuts")
	}
}
