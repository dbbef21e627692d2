package suite

import (
	"fmt"
	"time"

	"leaky/kernels"
)

// A ceiling is the best the machine can do, but on a shared machine a burst
// of load can slow every repetition of a ceiling measured once, up front,
// while a kernel measured later runs undisturbed; its fraction of the roof
// then exceeds 1 (AccumulateRows once came out at 144%). So the ceilings a
// kernel is held to are measured again in the gaps between the kernel's own
// repetitions: a burst that slows the kernel's neighbourhood slows the
// ceiling beside it, and the best of all the ceiling's repetitions, up front
// and in every gap, is its figure.

// prober re-measures ceilings between kernel repetitions.
type prober struct {
	// items are the planned ceiling items by ID, to set up probes from.
	items map[string]item
	// fig is the index in Result.Figures of each measured ceiling, and
	// rates all its repetitions' rates so far.
	fig   map[string]int
	rates map[string][]float64
	// live are the probes set up so far, by ceiling ID.
	live map[string]*probe
	// dur is the length of one probe repetition.
	dur time.Duration
	// best is the implementation whose stream and FMA loops are probed.
	best string
}

// probe is a ceiling item ready to time.
type probe struct {
	run     func(iters int)
	cleanup func()
	iters   int
	perIter float64
	ws      int64
}

// bigProbe is the largest working set a probe keeps between kernel items;
// bigger (DRAM-sized) probes are set up again for each kernel, so their
// memory never piles up beside a DRAM-sized kernel's.
const bigProbe = 16 << 20

func newProber(ceilings []item, dur time.Duration) *prober {
	p := &prober{items: map[string]item{}, fig: map[string]int{}, rates: map[string][]float64{},
		live: map[string]*probe{}, dur: dur, best: kernels.Best().Name}
	for _, it := range ceilings {
		p.items[it.fig.ID] = it
	}
	return p
}

// record notes a ceiling measured up front: its index in the figures and
// its repetitions' rates.
func (p *prober) record(index int, id string, rates []float64) {
	p.fig[id] = index
	p.rates[id] = append(p.rates[id], rates...)
}

// probeIDs lists the ceilings the kernel figure f is held to, as far as they
// were measured: for an in-place kernel its in-place ceiling (see
// inPlaceCeiling), for any other, at the ladder size of its working set, the
// best implementation's read and add-to streams and whichever ceiling is
// highest there so far (either when the bandwidth roof binds, or is within
// 2× of binding), and the best implementation's peak FMA (likewise).
func (p *prober) probeIDs(res *Result, f Figure) []string {
	bw, peak, sizes := ceilingTables(res)
	if len(sizes) == 0 || peak <= 0 || f.BytesPerItem <= 0 || f.FlopsPerItem <= 0 {
		return nil
	}
	ws := ladderSize(sizes, f.WorkingSet)
	mem, _ := memRoof(res, bw, sizes, f)
	fmaRoof := peak / f.FlopsPerItem
	var ids []string
	add := func(id string) {
		if _, ok := p.fig[id]; !ok {
			return
		}
		for _, have := range ids {
			if have == id {
				return
			}
		}
		ids = append(ids, id)
	}
	if c, ok := inPlaceCeiling(res.Figures, f); ok {
		// Its own implementation's in-place stream is its only bandwidth
		// roof.
		if mem <= 2*fmaRoof {
			add(c.ID)
		}
	} else if mem <= 2*fmaRoof {
		add(ceilingFigure("read-"+p.best, ws).ID)
		add(ceilingFigure("add-"+p.best, ws).ID)
		for _, c := range res.Figures {
			if c.Section == SectionCeiling && c.WorkingSet == ws && c.Unit == "B/s" && c.Max == bw[ws] {
				add(c.ID)
			}
		}
	}
	if fmaRoof <= 2*mem {
		add(SectionCeiling + "/fma-" + p.best)
	}
	return ids
}

// between returns the function measure calls after each of the kernel
// figure f's repetitions: one repetition of each of its ceilings.
func (p *prober) between(res *Result, f Figure) (func(), error) {
	ids := p.probeIDs(res, f)
	if len(ids) == 0 {
		return nil, nil
	}
	probes := make([]*probe, len(ids))
	for i, id := range ids {
		pr, err := p.get(id)
		if err != nil {
			return nil, err
		}
		probes[i] = pr
	}
	return func() {
		for i, pr := range probes {
			p.rates[ids[i]] = append(p.rates[ids[i]], timeRep(pr.perIter, pr.iters, pr.run))
		}
	}, nil
}

// get returns the live probe of ceiling id, setting it up and calibrating
// it on first use.
func (p *prober) get(id string) (*probe, error) {
	if pr, ok := p.live[id]; ok {
		return pr, nil
	}
	it, ok := p.items[id]
	if !ok {
		return nil, fmt.Errorf("no ceiling item %s to probe", id)
	}
	run, cleanup, err := it.setup()
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", id, err)
	}
	iters, _ := calibrate(p.dur, run)
	pr := &probe{run: run, cleanup: cleanup, iters: iters, perIter: it.perIter, ws: it.fig.WorkingSet}
	p.live[id] = pr
	return pr, nil
}

// release drops the probes bigger than bigProbe.
func (p *prober) release() {
	for id, pr := range p.live {
		if pr.ws > bigProbe {
			if pr.cleanup != nil {
				pr.cleanup()
			}
			delete(p.live, id)
		}
	}
}

// close drops every probe and folds the probe repetitions into the ceiling
// figures' statistics, so each ceiling's Max is the best of all its
// repetitions in the run.
func (p *prober) close(res *Result) {
	for id, pr := range p.live {
		if pr.cleanup != nil {
			pr.cleanup()
		}
		delete(p.live, id)
	}
	for id, i := range p.fig {
		res.Figures[i].Stats = summarize(p.rates[id])
	}
}
