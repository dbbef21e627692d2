package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	sbnpy "codeberg.org/sbinet/npyio/npy"
)

// Errors that Read wraps, so callers and tests can tell the problems apart
// with errors.Is. The messages they are wrapped in name the file and the
// detail.
var (
	// ErrNotNpy means the file does not start with the .npy magic string or
	// its header cannot be parsed.
	ErrNotNpy = errors.New("not a .npy file")
	// ErrTruncated means the file holds fewer data bytes than its header's
	// shape and dtype need.
	ErrTruncated = errors.New("truncated .npy file")
	// ErrCorrupt means the file holds more bytes than its header describes,
	// or its header contradicts itself.
	ErrCorrupt = errors.New("corrupt .npy file")
	// ErrDType means the array's element type is not a real number type
	// leaky can use (object, string, complex, structured, datetime…).
	ErrDType = errors.New("unsupported .npy dtype")
)

// maxHeader bounds the header length we are willing to read: numpy itself
// refuses headers over 10000 bytes by default, and a bound stops a corrupt
// length field from making us allocate gigabytes.
const maxHeader = 1 << 20

// Array is the content of a .npy file.
type Array struct {
	// Path is the file read.
	Path string
	// Shape is the array's shape; an empty shape is a scalar.
	Shape []int
	// DType is the element type in numpy's name: bool, int8…int64,
	// uint8…uint64, float16, float32 or float64.
	DType string
	// BigEndian reports whether the file stored multi-byte values big-endian.
	BigEndian bool
	// Fortran reports whether the file stored the array in Fortran
	// (column-major) order; Data is in C order either way.
	Fortran bool
	// Data holds the values in C (row-major) order.
	Data []float64
}

// Len is the number of elements.
func (a *Array) Len() int { return len(a.Data) }

// ShapeString formats the shape as numpy does, e.g. "(5000, 100)".
func (a *Array) ShapeString() string { return FormatShape(a.Shape) }

// FormatShape writes a shape as NumPy prints it: (3,) or (2, 100).
func FormatShape(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Read reads the .npy file at path whole. Every error names the file.
func Read(path string) (*Array, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	a, err := r.all()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	a.Path = path
	return a, nil
}

// unwrapPathError drops the *os.PathError's repetition of the path, which
// our message already names.
func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Decode reads a .npy image of size bytes from r. Errors do not name a file;
// Read adds it.
func Decode(r io.ReaderAt, size int64) (*Array, error) {
	rd, err := NewReader(r, size)
	if err != nil {
		return nil, err
	}
	return rd.all()
}

// header is what we check of a .npy header before handing it to npyio.
type header struct {
	dataOffset int64
}

func readPreamble(r io.ReaderAt, size int64) (header, error) {
	var pre [12]byte
	if size < 10 {
		return header{}, fmt.Errorf("%w: only %d bytes, too short for the .npy magic and header", ErrNotNpy, size)
	}
	if _, err := r.ReadAt(pre[:10], 0); err != nil {
		return header{}, fmt.Errorf("%w: reading the preamble: %v", ErrNotNpy, err)
	}
	if !bytes.Equal(pre[:6], sbnpy.Magic[:]) {
		return header{}, fmt.Errorf("%w: it does not start with the magic string \"\\x93NUMPY\"", ErrNotNpy)
	}
	major, minor := pre[6], pre[7]
	var hlen, off int64
	switch major {
	case 1:
		hlen, off = int64(binary.LittleEndian.Uint16(pre[8:10])), 10
	case 2:
		if size < 12 {
			return header{}, fmt.Errorf("%w: only %d bytes, too short for a version 2 header", ErrTruncated, size)
		}
		if _, err := r.ReadAt(pre[:12], 0); err != nil {
			return header{}, fmt.Errorf("%w: reading the preamble: %v", ErrNotNpy, err)
		}
		hlen, off = int64(binary.LittleEndian.Uint32(pre[8:12])), 12
	default:
		return header{}, fmt.Errorf("%w: format version %d.%d is not supported (only 1.0 and 2.0)", ErrNotNpy, major, minor)
	}
	if hlen > maxHeader {
		return header{}, fmt.Errorf("%w: header length %d bytes is implausible", ErrCorrupt, hlen)
	}
	if off+hlen > size {
		return header{}, fmt.Errorf("%w: the header claims %d bytes but the file has only %d after the preamble", ErrTruncated, hlen, size-off)
	}
	h := make([]byte, hlen)
	if _, err := r.ReadAt(h, off); err != nil {
		return header{}, fmt.Errorf("%w: reading the header: %v", ErrNotNpy, err)
	}
	// npyio slices the header at its last newline and at the first '}'
	// without checking they exist; check the dictionary's frame here.
	if len(h) == 0 || h[len(h)-1] != '\n' {
		return header{}, fmt.Errorf("%w: the header does not end with a newline", ErrNotNpy)
	}
	body := bytes.TrimSpace(h)
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' {
		return header{}, fmt.Errorf("%w: the header is not a Python dictionary: %q", ErrNotNpy, truncate(string(body), 80))
	}
	for _, key := range []string{"'descr':", "'fortran_order':", "'shape':"} {
		if !bytes.Contains(body, []byte(key)) {
			return header{}, fmt.Errorf("%w: the header lacks the key %s", ErrNotNpy, strings.TrimSuffix(key, ":"))
		}
	}
	return header{dataOffset: off + hlen}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// dtypeInfo is a parsed simple dtype string such as "<f8".
type dtypeInfo struct {
	name      string
	size      int
	bigEndian bool
}

// parseDType accepts the dtypes leaky can turn into numbers and explains
// why any other is refused.
func parseDType(s string) (dtypeInfo, error) {
	raw := s
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "(") || strings.HasPrefix(s, "{") {
		return dtypeInfo{}, fmt.Errorf("%w: structured dtype %s; leaky needs a plain numeric array", ErrDType, truncate(raw, 60))
	}
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') || s[len(s)-1] != s[0] {
		return dtypeInfo{}, fmt.Errorf("%w: cannot parse dtype %s", ErrNotNpy, truncate(raw, 60))
	}
	s = s[1 : len(s)-1]
	var d dtypeInfo
	if s != "" {
		switch s[0] {
		case '>':
			d.bigEndian = true
			s = s[1:]
		case '<', '|', '=':
			s = s[1:]
		}
	}
	if s == "" {
		return dtypeInfo{}, fmt.Errorf("%w: empty dtype %s", ErrNotNpy, raw)
	}
	kind := s[0]
	size, err := strconv.Atoi(s[1:])
	if len(s) == 1 {
		size, err = 0, nil
	}
	if err != nil && kind != 'M' && kind != 'm' {
		return dtypeInfo{}, fmt.Errorf("%w: dtype %s", ErrDType, raw)
	}
	switch kind {
	case 'b':
		if size == 1 {
			d.name, d.size = "bool", 1
		}
	case 'i':
		if size == 1 || size == 2 || size == 4 || size == 8 {
			d.name, d.size = "int"+strconv.Itoa(8*size), size
		}
	case 'u':
		if size == 1 || size == 2 || size == 4 || size == 8 {
			d.name, d.size = "uint"+strconv.Itoa(8*size), size
		}
	case 'f':
		if size == 2 || size == 4 || size == 8 {
			d.name, d.size = "float"+strconv.Itoa(8*size), size
		}
		if size == 16 || size == 12 {
			return dtypeInfo{}, fmt.Errorf("%w: dtype %s is long double, which has no portable layout; convert it to float64", ErrDType, raw)
		}
	case 'c':
		return dtypeInfo{}, fmt.Errorf("%w: dtype %s is complex; leaky needs real numbers", ErrDType, raw)
	case 'O':
		return dtypeInfo{}, fmt.Errorf("%w: dtype %s is an object array (pickled Python objects), which leaky never loads", ErrDType, raw)
	case 'U', 'S', 'a':
		return dtypeInfo{}, fmt.Errorf("%w: dtype %s holds strings, not numbers", ErrDType, raw)
	case 'M', 'm':
		return dtypeInfo{}, fmt.Errorf("%w: dtype %s holds dates or time spans, not numbers", ErrDType, raw)
	case 'V':
		return dtypeInfo{}, fmt.Errorf("%w: dtype %s is raw void data", ErrDType, raw)
	}
	if d.name == "" {
		return dtypeInfo{}, fmt.Errorf("%w: dtype %s", ErrDType, raw)
	}
	return d, nil
}

// exact is the largest magnitude below which every integer is a float64.
const exact = 1 << 53

// all reads every value, in C order.
func (r *Reader) all() (*Array, error) {
	a := &Array{Shape: r.Shape, DType: r.DType, BigEndian: r.BigEndian, Fortran: r.Fortran, Data: make([]float64, r.n)}
	if err := r.ReadAt(a.Data, 0); err != nil {
		return nil, err
	}
	if a.Fortran && len(a.Shape) > 1 {
		a.Data = fortranToC(a.Data, a.Shape)
	}
	return a, nil
}

// fortranToC reorders data stored column-major (the first index varying
// fastest) into row-major order (the last index varying fastest).
func fortranToC(data []float64, shape []int) []float64 {
	out := make([]float64, len(data))
	nd := len(shape)
	// fstride[k] is the distance in data between neighbours along axis k.
	fstride := make([]int, nd)
	s := 1
	for k := 0; k < nd; k++ {
		fstride[k] = s
		s *= shape[k]
	}
	idx := make([]int, nd)
	src := 0
	for i := range out {
		out[i] = data[src]
		// Advance the C-order multi-index, last axis fastest, keeping the
		// Fortran offset in step.
		for k := nd - 1; k >= 0; k-- {
			idx[k]++
			src += fstride[k]
			if idx[k] < shape[k] {
				break
			}
			src -= idx[k] * fstride[k]
			idx[k] = 0
		}
	}
	return out
}
