package npy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	sbnpy "codeberg.org/sbinet/npyio/npy"
	"codeberg.org/sbinet/npyio/npy/float16"
)

// Reader reads a .npy file's values a span at a time, so a caller that
// needs part of a large array (a rank's columns of a weight matrix, a
// chunk of a synapse list) never holds the rest. Read is a Reader read
// whole.
type Reader struct {
	// Path is the file Open opened; empty for NewReader.
	Path string
	// Shape, DType, BigEndian and Fortran are as in Array.
	Shape     []int
	DType     string
	BigEndian bool
	Fortran   bool

	r      io.ReaderAt
	closer io.Closer
	data   int64 // where the values start
	n      int64 // elements
	dt     dtypeInfo
	order  binary.ByteOrder
	buf    []byte
}

// readChunk is the most bytes a Reader reads in one ReadAt: large enough
// that a span costs few calls, small enough to stay out of the memory
// budget.
const readChunk = 1 << 20

// Open opens the .npy file at path for reading in spans and checks its
// header (dtype, shape, and that the file holds exactly the data they
// need). Every error names the file. Close it when done.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot read %s: %w", path, unwrapPathError(err))
	}
	if info.IsDir() {
		f.Close()
		return nil, fmt.Errorf("cannot read %s: it is a directory, not a .npy file", path)
	}
	r, err := NewReader(f, info.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.closer, r.Path = f, path
	return r, nil
}

// NewReader checks the header of a .npy image of size bytes in r and
// returns a Reader of its values. Errors do not name a file; Open adds it.
func NewReader(r io.ReaderAt, size int64) (rd *Reader, err error) {
	h, err := readPreamble(r, size)
	if err != nil {
		return nil, err
	}
	// npyio is not hardened against hostile headers (it slices without
	// bounds checks); the checks above rule out what we know of, and this
	// turns anything left into an error rather than a crash.
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("%w: the header could not be parsed (%v)", ErrNotNpy, p)
		}
	}()
	hr, err := sbnpy.NewReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotNpy, err)
	}
	dt, err := parseDType(hr.Header.Descr.Type)
	if err != nil {
		return nil, err
	}
	shape := append([]int(nil), hr.Header.Descr.Shape...)
	n := int64(1)
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("%w: negative dimension in shape %s", ErrCorrupt, FormatShape(shape))
		}
		if d > 0 && n > math.MaxInt32*int64(64)/int64(d) {
			return nil, fmt.Errorf("%w: shape %s has too many elements", ErrCorrupt, FormatShape(shape))
		}
		n *= int64(d)
	}
	need := n * int64(dt.size)
	have := size - h.dataOffset
	if have < need {
		return nil, fmt.Errorf("%w: shape %s of %s needs %d data bytes but the file holds %d", ErrTruncated, FormatShape(shape), dt.name, need, have)
	}
	if have > need {
		return nil, fmt.Errorf("%w: %d bytes follow the %d data bytes that shape %s of %s needs", ErrCorrupt, have-need, need, FormatShape(shape), dt.name)
	}
	rd = &Reader{Shape: shape, DType: dt.name, BigEndian: dt.bigEndian && dt.size > 1, Fortran: hr.Header.Descr.Fortran,
		r: r, data: h.dataOffset, n: n, dt: dt, order: binary.LittleEndian}
	if dt.bigEndian {
		rd.order = binary.BigEndian
	}
	return rd, nil
}

// Len is the number of elements.
func (r *Reader) Len() int64 { return r.n }

// Close closes the file Open opened.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// ReadAt reads the elements first … first+len(dst)−1, in the order the
// file stores them (row-major unless Fortran), into dst as float64:
// bool as 0 or 1, integers exactly (an int64 or uint64 beyond 2^53 is an
// error), floats of 16, 32 and 64 bits exactly.
func (r *Reader) ReadAt(dst []float64, first int64) error {
	if first < 0 || first > r.n || int64(len(dst)) > r.n-first {
		return fmt.Errorf("elements %d…%d are outside the %d of shape %s", first, first+int64(len(dst))-1, r.n, FormatShape(r.Shape))
	}
	size := r.dt.size
	step := readChunk / size
	for len(dst) > 0 {
		k := min(len(dst), step)
		if cap(r.buf) < k*size {
			r.buf = make([]byte, min(len(dst), step)*size)
		}
		b := r.buf[:k*size]
		if _, err := r.r.ReadAt(b, r.data+first*int64(size)); err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("%w: the data ends before element %d", ErrTruncated, first+int64(k)-1)
			}
			return fmt.Errorf("reading elements %d…%d: %w", first, first+int64(k)-1, unwrapPathError(err))
		}
		if err := r.convert(dst[:k], b, first); err != nil {
			return err
		}
		dst, first = dst[k:], first+int64(k)
	}
	return nil
}

// convert decodes the stored values b, the first being element first, as
// npyio decodes them.
func (r *Reader) convert(dst []float64, b []byte, first int64) error {
	o := r.order
	switch r.DType {
	case "bool":
		for i, c := range b {
			dst[i] = 0
			if c != 0 {
				dst[i] = 1
			}
		}
	case "int8":
		for i, c := range b {
			dst[i] = float64(int8(c))
		}
	case "uint8":
		for i, c := range b {
			dst[i] = float64(c)
		}
	case "int16":
		for i := range dst {
			dst[i] = float64(int16(o.Uint16(b[2*i:])))
		}
	case "uint16":
		for i := range dst {
			dst[i] = float64(o.Uint16(b[2*i:]))
		}
	case "int32":
		for i := range dst {
			dst[i] = float64(int32(o.Uint32(b[4*i:])))
		}
	case "uint32":
		for i := range dst {
			dst[i] = float64(o.Uint32(b[4*i:]))
		}
	case "int64":
		for i := range dst {
			e := int64(o.Uint64(b[8*i:]))
			if e > exact || e < -exact {
				return fmt.Errorf("%w: int64 value %d at flat index %d cannot be represented exactly as a float64", ErrDType, e, first+int64(i))
			}
			dst[i] = float64(e)
		}
	case "uint64":
		for i := range dst {
			e := o.Uint64(b[8*i:])
			if e > exact {
				return fmt.Errorf("%w: uint64 value %d at flat index %d cannot be represented exactly as a float64", ErrDType, e, first+int64(i))
			}
			dst[i] = float64(e)
		}
	case "float16":
		for i := range dst {
			dst[i] = float64(float16.Float16Frombits(o.Uint16(b[2*i:])).Float32())
		}
	case "float32":
		for i := range dst {
			dst[i] = float64(math.Float32frombits(o.Uint32(b[4*i:])))
		}
	case "float64":
		for i := range dst {
			dst[i] = math.Float64frombits(o.Uint64(b[8*i:]))
		}
	default:
		return fmt.Errorf("%w: no decoder for %s", ErrDType, r.DType)
	}
	return nil
}
