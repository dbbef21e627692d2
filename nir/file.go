package nir

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"leaky/hdf5"
)

// Open reads and checks the NIR file at path.
func Open(path string) (*Model, error) {
	f, err := hdf5.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read it: %v", pe.Err)}
		}
		return nil, &Error{File: path, Msg: plain(err).Error()}
	}
	defer f.Close()
	return Read(path, h5Store{f})
}

// h5Store reads a NIR graph from an HDF5 file by absolute path.
type h5Store struct{ f *hdf5.File }

func rel(p string) string { return strings.TrimPrefix(p, "/") }

// plain states an HDF5 error without the file and path the caller names
// already: the feature, where in the file, and why.
func plain(err error) error {
	var fe *hdf5.FormatError
	if !errors.As(err, &fe) {
		return err
	}
	msg := fe.Feature
	if fe.Offset >= 0 {
		msg += fmt.Sprintf(" at byte %d", fe.Offset)
	}
	if fe.Err != nil {
		msg += ": " + fe.Err.Error()
	}
	return errors.New(msg)
}

func (s h5Store) Exists(p string) bool {
	_, err := s.f.Root().Kind(rel(p))
	return err == nil
}

func (s h5Store) IsGroup(p string) (bool, error) {
	k, err := s.f.Root().Kind(rel(p))
	if err != nil {
		return false, err
	}
	return k == hdf5.KindGroup, nil
}

func (s h5Store) Members(p string) ([]string, error) {
	g, err := s.f.Root().Group(rel(p))
	if err != nil {
		return nil, plain(err)
	}
	m, err := g.Members()
	return m, plain(err)
}

func (s h5Store) Strings(p string) ([]string, []int, error) {
	ds, err := s.f.Root().Dataset(rel(p))
	if err != nil {
		return nil, nil, plain(err)
	}
	v, err := ds.Strings()
	return v, ds.Shape(), plain(err)
}

func (s h5Store) Floats(p string) ([]float64, []int, error) {
	ds, err := s.f.Root().Dataset(rel(p))
	if err != nil {
		return nil, nil, plain(err)
	}
	v, err := ds.Float64s()
	return v, ds.Shape(), plain(err)
}
