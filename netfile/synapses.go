package netfile

import (
	"fmt"
	"math"
	"slices"

	"leaky/engine"
	"leaky/npy"
)

// synapseFiles are the open .npy files of an explicit synapse list: pre,
// post, weight and, when given, delay, all 1-D and of one length.
type synapseFiles struct {
	keys  []string // the keys under projections[k].synapses, as files
	paths []string
	files []*npy.Reader
	n     int64
}

// openSynapses opens projection k's synapse files and checks they are
// vectors of one length.
func (f *File) openSynapses(k int) (*synapseFiles, error) {
	p := f.Projections[k]
	at := fmt.Sprintf("projections[%d].synapses", k)
	s := p.Synapses
	sf := &synapseFiles{keys: []string{"pre", "post", "weight"}, paths: []string{s.Pre, s.Post, s.Weight}}
	if s.Delay != "" {
		sf.keys, sf.paths = append(sf.keys, "delay"), append(sf.paths, s.Delay)
	}
	for i, path := range sf.paths {
		r, err := openNpy(f.resolve(path))
		if err != nil {
			sf.Close()
			return nil, f.errorf("%s.%s: %w", at, sf.keys[i], err)
		}
		sf.files = append(sf.files, r)
		if len(r.Shape) != 1 {
			sf.Close()
			return nil, f.errorf("%s.%s: %s has shape %s; want a 1-D array", at, sf.keys[i], path, npy.FormatShape(r.Shape))
		}
	}
	sf.n = sf.files[0].Len()
	for _, r := range sf.files[1:] {
		if r.Len() != sf.n {
			lens := []int64{sf.n, sf.files[1].Len(), sf.files[2].Len(), 0}
			if len(sf.files) > 3 {
				lens[3] = sf.files[3].Len()
			} else if p.Delay != 0 {
				lens[3] = sf.n
			}
			sf.Close()
			return nil, f.errorf("%s: projection %q: synapse lists differ in length (pre %d, post %d, weight %d, delay %d)", at, p.Name, lens[0], lens[1], lens[2], lens[3])
		}
	}
	return sf, nil
}

// Close closes the files.
func (sf *synapseFiles) Close() {
	for _, r := range sf.files {
		r.Close()
	}
}

// each reads the files spanElements synapses at a time and calls fn with
// each span's first index and values, one slice per file.
func (sf *synapseFiles) each(fn func(first int64, v [][]float64) error) error {
	bufs := make([][]float64, len(sf.files))
	for i := range bufs {
		bufs[i] = make([]float64, min(sf.n, spanElements))
	}
	for first := int64(0); first < sf.n; first += spanElements {
		v := make([][]float64, len(sf.files))
		for i, r := range sf.files {
			v[i] = bufs[i][:min(sf.n-first, spanElements)]
			if err := r.ReadAt(v[i], first); err != nil {
				return fmt.Errorf("%s: %w", sf.paths[i], err)
			}
		}
		if err := fn(first, v); err != nil {
			return err
		}
	}
	return nil
}

// readSynapses reads projection k's synapse list, nIn sources onto nOut
// targets, in spans, and keeps only the synapses onto targets lo … hi−1
// (a rank's block; all of them in one process), with weights signed and
// converted to T and delays per synapse when the file gives them or the
// projection's delay when not (nil for none); all is every delay of the
// whole list, in increasing order. Every synapse is checked, kept or not,
// so that every rank refuses a bad list alike.
func readSynapses[T engine.Float](f *File, k, nIn, nOut, lo, hi int) (pres, posts []int32, w []T, delay, all []int32, err error) {
	p := f.Projections[k]
	at := fmt.Sprintf("projections[%d].synapses", k)
	sign, _ := engine.ParseSign(p.Sign)
	sf, err := f.openSynapses(k)
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	defer sf.Close()
	limits := []int{nIn - 1, nOut - 1, 0, engine.MaxDelay}
	perSynapse := len(sf.files) > 3
	var seen [engine.MaxDelay + 1]bool
	if sf.n > 0 {
		seen[p.Delay] = !perSynapse
	}
	err = sf.each(func(first int64, v [][]float64) error {
		for i, vals := range v {
			for e, x := range vals {
				switch {
				case sf.keys[i] == "weight":
					if math.IsNaN(x) || math.IsInf(x, 0) {
						return f.errorf("%s.weight: %s[%d] is %v; weights must be finite", at, sf.paths[i], first+int64(e), x)
					}
				case x != float64(int64(x)) || x < 0 || x > float64(limits[i]):
					return f.errorf("%s.%s: %s[%d] is %v; want a whole number in 0..%d", at, sf.keys[i], sf.paths[i], first+int64(e), x, limits[i])
				}
			}
		}
		if perSynapse {
			for _, d := range v[3] {
				seen[int(d)] = true
			}
		}
		for e, x := range v[1] {
			if t := int(x); t < lo || t >= hi {
				continue
			}
			pres, posts = append(pres, int32(v[0][e])), append(posts, int32(x))
			w = append(w, T(sign.Apply(v[2][e])))
			switch {
			case perSynapse:
				delay = append(delay, int32(v[3][e]))
			case p.Delay != 0:
				delay = append(delay, int32(p.Delay))
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, nil, nil, err
	}
	for d, ok := range seen {
		if ok {
			all = append(all, int32(d))
		}
	}
	return pres, posts, w, delay, all, nil
}

// sameDelayGroups gives sp, built from a rank's share of a synapse list,
// a group for each delay of the whole list (all), empty where the rank
// keeps no synapse of that delay, as the whole list's projection holds
// them once cut to the rank's block: every rank then reserves the same
// delay rings and agrees on the exchange window.
func sameDelayGroups[T engine.Float](sp *engine.Sparse[T], post *engine.Population[T], receptor int, all []int32) error {
	if len(all) == 0 {
		return nil // an empty list: NewSparse's one empty group, as the whole
	}
	groups := make([]engine.SparseGroup[T], 0, len(all))
	for _, d := range all {
		i := slices.IndexFunc(sp.Groups, func(g engine.SparseGroup[T]) bool { return g.Delay == int(d) })
		if i >= 0 {
			groups = append(groups, sp.Groups[i])
			continue
		}
		if err := post.ReserveDelay(receptor, int(d)); err != nil {
			return err
		}
		groups = append(groups, engine.SparseGroup[T]{Delay: int(d), RowPtr: make([]int, sp.NIn+1)})
	}
	sp.Groups = groups
	return nil
}

// synapsesOnto counts the synapses of projection k's list onto targets
// lo … hi−1, reading its post file in spans; a value that is not a
// target (which the build refuses) counts for none.
func (f *File) synapsesOnto(k, lo, hi int) (int64, error) {
	r, err := openNpy(f.resolve(f.Projections[k].Synapses.Post))
	if err != nil {
		return 0, err
	}
	defer r.Close()
	buf := make([]float64, min(r.Len(), spanElements))
	n := int64(0)
	for first := int64(0); first < r.Len(); first += spanElements {
		v := buf[:min(r.Len()-first, spanElements)]
		if err := r.ReadAt(v, first); err != nil {
			return 0, fmt.Errorf("%s: %w", r.Path, err)
		}
		for _, x := range v {
			if x >= float64(lo) && x < float64(hi) && x == math.Trunc(x) {
				n++
			}
		}
	}
	return n, nil
}
