package engine

import "testing"

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

// TestSplitRangesPartition: for every shape and thread count the ranges
// cover each neuron of each trial exactly once, neuron splits fall on
// 64-neuron boundaries, there are never more workers than threads or
// ranges, and large populations get several ranges per worker so that a
// slower core can take fewer.
func TestSplitRangesPartition(t *testing.T) {
	for _, c := range []struct{ batch, n, threads int }{
		{1, 100, 2}, {1, 3000, 2}, {1, 5000, 2}, {1, 100000, 2}, {1, 100000, 3}, {1, 1000003, 7},
		{256, 200, 2}, {256, 20, 2}, {256, 20, 7}, {3, 70000, 4}, {2, 64, 8},
	} {
		pop, err := NewPopulation[float32]("p", c.batch, c.n, DefaultParams())
		if err != nil {
			t.Fatal(err)
		}
		ranges, workers := splitRanges(pop, c.threads)
		seen := make([]int, c.batch*c.n)
		for _, r := range ranges {
			if r.Lo%64 != 0 || (r.Hi%64 != 0 && r.Hi != c.n) {
				t.Errorf("%+v: range %+v not aligned to 64 neurons", c, r)
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
			t.Errorf("%+v: only %d ranges for %d workers on %d updates", c, len(ranges), workers, work)
		}
	}
}
