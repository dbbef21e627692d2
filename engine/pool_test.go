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
