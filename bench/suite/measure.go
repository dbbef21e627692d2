package suite

import (
	"slices"
	"time"
)

// NoiseThreshold is the largest spread, (max−min)/median of a figure's
// repetitions, that counts as a quiet measurement. Above it the figure is
// flagged: another process was probably competing for the core or the
// memory bus, and the median is less trustworthy.
const NoiseThreshold = 0.10

// noisyShare is the fraction of noisy figures above which the whole machine
// is reported as noisy: one outlier is bad luck, a quarter is a busy machine.
const noisyShare = 0.25

// Stats summarises the repetitions of one measurement, as a rate (items per
// second, or whatever the figure's unit is).
type Stats struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// Reps is the number of timed repetitions (the warm-up is not counted).
	Reps int `json:"reps"`
	// Spread is (Max − Min)/Median.
	Spread float64 `json:"spread"`
	// Noisy is set when Spread exceeds NoiseThreshold.
	Noisy bool `json:"noisy"`
}

// summarize turns per-repetition rates into Stats.
func summarize(rates []float64) Stats {
	s := slices.Clone(rates)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return Stats{}
	}
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	st := Stats{Median: med, Min: s[0], Max: s[n-1], Reps: n}
	if med > 0 {
		st.Spread = (st.Max - st.Min) / med
	}
	st.Noisy = st.Spread > NoiseThreshold
	return st
}

// timed is one thing to measure: run does iters iterations of perIter
// items each; before, when not nil, is called untimed before every call.
type timed struct {
	perIter float64
	run     func(iters int)
	before  func()
}

// measure times run, which does iters iterations of perIter items each, and
// returns the rate of each repetition in items per second. It first warms up
// (which also pages in memory and lets the clock ramp) and calibrates iters
// so that one repetition takes about budget/(reps+1); then it times reps
// repetitions, calling between (when not nil) after each, which is how
// ceilings are re-measured in the gaps of a kernel's repetitions. When even
// one iteration is longer than a repetition's share, it keeps one iteration
// per repetition and does fewer repetitions (at least minReps) so the item
// stays near its budget. before, when not nil, is called untimed before
// every call of run.
func measure(budget time.Duration, reps int, perIter float64, run func(iters int), between, before func()) []float64 {
	return measureTurns(budget, reps, []timed{{perIter, run, before}}, between)[0]
}

// measureTurns calibrates each subject on its own, then times reps rounds
// in which every subject takes one repetition in turn (a, b, a, b, …), so a
// burst of load hits them all; see measure. Each subject gets about budget.
func measureTurns(budget time.Duration, reps int, subjects []timed, between func()) [][]float64 {
	const minReps = 3
	reps = max(reps, minReps)
	per := budget / time.Duration(reps+1)
	iters := make([]int, len(subjects))
	long := false
	var slowest time.Duration
	for k, sj := range subjects {
		calRun := sj.run
		if sj.before != nil {
			// Calibration counts before's time too, which only makes
			// the repetitions a little shorter than their share.
			calRun = func(n int) { sj.before(); sj.run(n) }
		}
		var el time.Duration
		iters[k], el = calibrate(per, calRun)
		slowest = max(slowest, el)
		long = long || iters[k] == 1 && el > per
	}
	if long {
		reps = min(reps, max(minReps, int(budget/slowest)))
	}
	rates := make([][]float64, len(subjects))
	for range reps {
		for k, sj := range subjects {
			if sj.before != nil {
				sj.before()
			}
			rates[k] = append(rates[k], timeRep(sj.perIter, iters[k], sj.run))
		}
		if between != nil {
			between()
		}
	}
	return rates
}

// calibrate warms run up and returns the number of iterations that takes
// about per, and how long the last warm-up call took.
func calibrate(per time.Duration, run func(iters int)) (int, time.Duration) {
	iters := 1
	var el time.Duration
	for {
		t0 := time.Now()
		run(iters)
		el = time.Since(t0)
		if el >= per/4 || iters >= 1<<30 {
			break
		}
		// Grow geometrically but not past what the last timing predicts,
		// so the warm-up itself stays within a repetition's time.
		grow := 8
		if el > 0 {
			grow = min(grow, max(2, int(per/el)))
		}
		iters *= grow
	}
	if el > 0 {
		iters = max(1, int(float64(iters)*float64(per)/float64(el)))
	}
	return iters, el
}

// timeRep times one repetition of iters iterations and returns its rate.
func timeRep(perIter float64, iters int, run func(iters int)) float64 {
	t0 := time.Now()
	run(iters)
	sec := time.Since(t0).Seconds()
	if sec <= 0 {
		sec = 1e-9
	}
	return perIter * float64(iters) / sec
}
