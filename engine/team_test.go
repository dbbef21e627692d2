package engine

import "testing"

// BenchmarkTeamBarrier measures one phase hand-off and barrier of a team of
// two with an empty job, beside BenchmarkPoolBarrier's of the pool.
func BenchmarkTeamBarrier(b *testing.B) {
	tm := newTeam(2)
	defer tm.close()
	for b.Loop() {
		tm.run(nopJob{})
	}
}

func (nopJob) solo() {}
