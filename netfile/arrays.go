package netfile

import (
	"fmt"
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
	h, err := hdf5.Open(path)
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
