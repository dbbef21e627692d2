package netfile

import (
	"fmt"
	"math"
	"slices"

	"leaky/hdf5"
	"leaky/npy"
)

// array is values read for a weight or a bias, with their shape.
type array struct {
	Data  []float64
	Shape []int
}

// readArray reads a weight or bias: the .npy file w.File, or the dataset
// w.Dataset of the HDF5 file w.File, transposed when w.Transpose.
func (f *File) readArray(w *Weight) (*array, error) {
	a, err := f.loadArray(w, true)
	if err != nil || !w.Transpose {
		return a, err
	}
	if len(a.Shape) != 2 {
		return nil, fmt.Errorf("%s: transpose needs a 2-D array, not shape %s", w.File, npy.FormatShape(a.Shape))
	}
	r, c := a.Shape[0], a.Shape[1]
	t := make([]float64, len(a.Data))
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t[j*r+i] = a.Data[i*c+j]
		}
	}
	return &array{t, []int{c, r}}, nil
}

// arrayShape reads only the shape readArray would give.
func (f *File) arrayShape(w *Weight) ([]int, error) {
	a, err := f.loadArray(w, false)
	if err != nil {
		return nil, err
	}
	if w.Transpose && len(a.Shape) == 2 {
		return []int{a.Shape[1], a.Shape[0]}, nil
	}
	return a.Shape, nil
}

// loadArray reads w's shape and, with data, its values, from its .npy
// file or its HDF5 dataset.
func (f *File) loadArray(w *Weight, data bool) (*array, error) {
	path := f.resolve(w.File)
	if w.Dataset == "" {
		if !data {
			shape, err := npy.ReadShape(path)
			return &array{Shape: shape}, err
		}
		x, err := npy.Read(path)
		if err != nil {
			return nil, err
		}
		return &array{x.Data, x.Shape}, nil
	}
	h, err := openHDF5(path)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	ds, err := h.Root().Dataset(w.Dataset)
	if err != nil {
		return nil, err
	}
	a := &array{Shape: ds.Shape()}
	if data {
		if a.Data, err = ds.Float64s(); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// layout reads an input file's shape: its steps, the source's size, and
// whether one array serves every trial ((steps, *shape)) rather than one
// per trial ((steps, batch, *shape)).
func (s *ArraySource) layout(shape []int, batch int) (steps, size int, repeat bool, err error) {
	each := s.Shape
	if len(each) == 0 {
		if len(shape) < 2 {
			return 0, 0, false, fmt.Errorf("has shape %s; want (steps, size) or (steps, batch, size)", npy.FormatShape(shape))
		}
		each = shape[len(shape)-1:]
	}
	size = 1
	for _, d := range each {
		size *= d
	}
	n := len(each)
	switch {
	case len(shape) == 1+n && slices.Equal(shape[1:], each):
		return shape[0], size, true, nil
	case len(shape) == 2+n && slices.Equal(shape[2:], each):
		if shape[1] != batch {
			return 0, 0, false, fmt.Errorf("has %d trials but run.batch is %d", shape[1], batch)
		}
		return shape[0], size, false, nil
	}
	want := npy.FormatShape(append([]int{0}, each...))
	return 0, 0, false, fmt.Errorf("has shape %s; want (steps, %s) or (steps, batch, %s)", npy.FormatShape(shape), want[4:len(want)-1], want[4:len(want)-1])
}

// What a build opens its dense weight matrices and synapse lists with,
// so that a test can count the bytes it reads.
var (
	openNpy  = npy.Open
	openHDF5 = hdf5.Open
)

// spanElements is the most values read into memory at once while a rank
// reads its part of a weight matrix or a synapse list.
const spanElements = 1 << 16

// columns is a dense weight matrix in a file, open for reading a rank's
// columns of it without the rest: rows are presynaptic, columns targets,
// after any transpose.
type columns struct {
	// Shape is the matrix's shape once transposed as asked.
	Shape     []int
	transpose bool
	npy       *npy.Reader
	h5        *hdf5.File
	ds        *hdf5.Dataset
}

// openColumns opens w's .npy file or HDF5 dataset and reads its shape.
// Close it when done.
func (f *File) openColumns(w *Weight) (*columns, error) {
	c := &columns{transpose: w.Transpose}
	path := f.resolve(w.File)
	var shape []int
	if w.Dataset == "" {
		r, err := openNpy(path)
		if err != nil {
			return nil, err
		}
		c.npy, shape = r, r.Shape
	} else {
		h, err := openHDF5(path)
		if err != nil {
			return nil, err
		}
		ds, err := h.Root().Dataset(w.Dataset)
		if err != nil {
			h.Close()
			return nil, err
		}
		c.h5, c.ds, shape = h, ds, ds.Shape()
	}
	c.Shape = shape
	if w.Transpose {
		if len(shape) != 2 {
			c.Close()
			return nil, fmt.Errorf("%s: transpose needs a 2-D array, not shape %s", w.File, npy.FormatShape(shape))
		}
		c.Shape = []int{shape[1], shape[0]}
	}
	return c, nil
}

// Close closes the file.
func (c *columns) Close() error {
	if c.npy != nil {
		return c.npy.Close()
	}
	return c.h5.Close()
}

// read calls put(i, j, v) for every weight v at row i and column j of
// the columns lo … hi−1 of the 2-D matrix, reading no more of the file
// than those columns where they are not contiguous (a .npy file's rows in
// C order, an HDF5 dataset's, whatever its chunks), and at most
// spanElements values at a time.
func (c *columns) read(lo, hi int, put func(i, j int, v float64)) error {
	rows := c.Shape[0]
	buf := make([]float64, spanElements)
	if c.ds != nil {
		// HDF5 stores row-major: the matrix's columns are the dataset's
		// rows when transposed. Bands of whole chunks decode each once.
		major, minor := rows, hi-lo
		if c.transpose {
			major, minor = hi-lo, rows
		}
		band := max(1, spanElements/max(minor, 1))
		if ch := c.ds.Chunk(); ch != nil {
			band = ch[0]
		}
		for m := 0; m < major; {
			start := []int{m, lo}
			if c.transpose {
				start = []int{lo + m, 0}
			}
			n := min(major-m, band-start[0]%band)
			v, err := c.ds.Float64sIn(start, []int{n, minor})
			if err != nil {
				return err
			}
			for e, x := range v {
				if c.transpose {
					put(e%minor, lo+m+e/minor, x)
				} else {
					put(m+e/minor, lo+e%minor, x)
				}
			}
			m += n
		}
		return nil
	}
	// In the .npy file element (major m, minor n) is at m·minor + n; the
	// target j is the major index when the file is transposed or in
	// Fortran order (one but not both), and the columns are then one span.
	fr, fc := c.npy.Shape[0], c.npy.Shape[1]
	minor := fc
	if c.npy.Fortran {
		minor = fr
	}
	major := fr * fc / max(minor, 1)
	jMajor := c.transpose != c.npy.Fortran
	type span struct{ at, n int64 }
	var spans []span
	switch {
	case jMajor:
		spans = []span{{int64(lo) * int64(minor), int64(hi-lo) * int64(minor)}}
	case hi-lo == minor:
		spans = []span{{0, int64(major) * int64(minor)}}
	default:
		for m := range major {
			spans = append(spans, span{int64(m)*int64(minor) + int64(lo), int64(hi - lo)})
		}
	}
	for _, s := range spans {
		for s.n > 0 {
			v := buf[:min(s.n, int64(len(buf)))]
			if err := c.npy.ReadAt(v, s.at); err != nil {
				return fmt.Errorf("%s: %w", c.npy.Path, err)
			}
			for e, x := range v {
				m, n := int((s.at+int64(e))/int64(minor)), int((s.at+int64(e))%int64(minor))
				if jMajor {
					put(n, m, x)
				} else {
					put(m, n, x)
				}
			}
			s.at, s.n = s.at+int64(len(v)), s.n-int64(len(v))
		}
	}
	return nil
}

// firstBad keeps the first non-finite weight in row-major order, wherever
// a read meets it, so that the error names the weight a whole read would.
type firstBad struct {
	i, j int
	v    float64
	set  bool
}

func (b *firstBad) check(i, j int, v float64) {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		return
	}
	if !b.set || i < b.i || i == b.i && j < b.j {
		*b = firstBad{i, j, v, true}
	}
}
