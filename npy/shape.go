package npy

import (
	"fmt"
	"io"
	"os"

	sbnpy "codeberg.org/sbinet/npyio/npy"
)

// ReadShape reads only the header of the .npy file at path and returns the
// array's shape, so a caller can size what the file will need (a memory
// estimate) before reading its data. Errors name the file; the dtype is
// checked as Read checks it, the data is not.
func ReadShape(path string) (shape []int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := readPreamble(f, st.Size()); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// As in decode: npyio may slice out of bounds on a hostile header.
	defer func() {
		if p := recover(); p != nil {
			shape, err = nil, fmt.Errorf("%s: %w: the header could not be parsed (%v)", path, ErrNotNpy, p)
		}
	}()
	rd, err := sbnpy.NewReader(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotNpy, err)
	}
	// A dtype Read would refuse is refused here too, so a caller sizing
	// the file learns early that it cannot be loaded.
	if _, err := parseDType(rd.Header.Descr.Type); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, d := range rd.Header.Descr.Shape {
		if d < 0 {
			return nil, fmt.Errorf("%s: %w: negative dimension in shape %s", path, ErrCorrupt, FormatShape(rd.Header.Descr.Shape))
		}
	}
	return append([]int(nil), rd.Header.Descr.Shape...), nil
}
