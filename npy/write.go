package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"

	"leaky/internal/atomicfile"
)

// TempSuffix is appended to a file's name while a Writer is writing it:
// the suffix every file leaky writes carries until it is complete.
const TempSuffix = atomicfile.TempSuffix

// bufSize is the write buffer: large enough that the disk sees big writes,
// small enough that many open recorders stay cheap.
const bufSize = 1 << 20

// firstDimWidth is the room kept in the header for the first dimension: 20
// digits hold any int64, so the final length always fits in place.
const firstDimWidth = 20

// Writer streams a C-order array to a .npy file one block of rows at a time.
// The first dimension grows with every row written; the header is rewritten
// with the final count by Close. Writers are not safe for concurrent use.
type Writer struct {
	path, tmp string
	dtype     string
	descr     string
	size      int // bytes per element
	trailing  []int
	rowLen    int // elements per row
	f         *atomicfile.File
	bw        *bufio.Writer
	hdrLen    int
	rows      int64
	partial   int // elements written past the last whole row
	scratch   []byte
	err       error
	closed    bool
}

// Create starts writing a .npy file at path holding rows of shape trailing
// (for example (B, N) for a (T, B, N) trace) of dtype, one of "float32",
// "float64", "int32" or "int64". The data goes to path+TempSuffix until
// Close renames it.
func Create(path, dtype string, trailing ...int) (*Writer, error) {
	w, err := newWriter(path, dtype, trailing)
	if err != nil {
		return nil, err
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	w.f = f
	w.bw = bufio.NewWriterSize(f, bufSize)
	hdr := w.header(0)
	w.hdrLen = len(hdr)
	if _, err := w.bw.Write(hdr); err != nil {
		w.abort()
		return nil, fmt.Errorf("writing %s: %w", w.tmp, err)
	}
	return w, nil
}

// newWriter checks Create's arguments and lays out a Writer without a
// file; Create and Resume open one.
func newWriter(path, dtype string, trailing []int) (*Writer, error) {
	w := &Writer{path: path, tmp: path + TempSuffix, dtype: dtype, trailing: append([]int(nil), trailing...)}
	switch dtype {
	case "float32":
		w.descr, w.size = "<f4", 4
	case "float64":
		w.descr, w.size = "<f8", 8
	case "int32":
		w.descr, w.size = "<i4", 4
	case "int64":
		w.descr, w.size = "<i8", 8
	default:
		return nil, fmt.Errorf("npy writer for %s: unsupported dtype %q (want float32, float64, int32 or int64)", path, dtype)
	}
	w.rowLen = 1
	for _, d := range trailing {
		if d < 0 {
			return nil, fmt.Errorf("npy writer for %s: negative dimension in row shape %v", path, trailing)
		}
		if d > 0 && w.rowLen > math.MaxInt32/d {
			return nil, fmt.Errorf("npy writer for %s: row shape %v is too large", path, trailing)
		}
		w.rowLen *= d
	}
	w.scratch = make([]byte, 0, 64<<10)
	return w, nil
}

// header returns the complete version 1.0 header for rows rows. Its length
// does not depend on rows: the first dimension is padded to firstDimWidth
// digits' worth of spaces after the dictionary, and the total is a multiple
// of 64 bytes as the format asks.
func (w *Writer) header(rows int64) []byte {
	dims := []string{fmt.Sprint(rows)}
	for _, d := range w.trailing {
		dims = append(dims, fmt.Sprint(d))
	}
	shape := "(" + strings.Join(dims, ", ") + ")"
	if len(dims) == 1 {
		shape = "(" + dims[0] + ",)"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", w.descr, shape)
	// The room the dictionary could ever need: the first dimension at its
	// widest.
	widest := len(dict) - len(dims[0]) + firstDimWidth
	total := 10 + widest + 1
	total = (total + 63) / 64 * 64
	pad := total - 10 - len(dict) - 1
	out := make([]byte, 0, total)
	out = append(out, "\x93NUMPY\x01\x00"...)
	out = binary.LittleEndian.AppendUint16(out, uint16(total-10))
	out = append(out, dict...)
	out = append(out, strings.Repeat(" ", pad)...)
	out = append(out, '\n')
	return out
}

// Path is the final name of the file.
func (w *Writer) Path() string { return w.path }

// Rows is the number of whole rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// RowLen is the number of elements in a row.
func (w *Writer) RowLen() int { return w.rowLen }

// count advances the row count by n elements.
func (w *Writer) count(n int) {
	if w.rowLen == 0 {
		return
	}
	w.partial += n
	w.rows += int64(w.partial / w.rowLen)
	w.partial %= w.rowLen
}

func (w *Writer) ready(kind string) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("npy writer for %s: write after Close", w.path)
	}
	if kind != w.dtype {
		return fmt.Errorf("npy writer for %s: writing %s values to a %s file", w.path, kind, w.dtype)
	}
	return nil
}

func (w *Writer) flushScratch() error {
	if len(w.scratch) == 0 {
		return nil
	}
	_, err := w.bw.Write(w.scratch)
	w.scratch = w.scratch[:0]
	if err != nil {
		w.err = fmt.Errorf("writing %s: %w", w.tmp, err)
	}
	return w.err
}

// WriteFloat32 appends values to a float32 file. Rows may be split across
// calls; Close checks that only whole rows were written.
func (w *Writer) WriteFloat32(x []float32) error {
	if err := w.ready("float32"); err != nil {
		return err
	}
	for _, v := range x {
		if len(w.scratch)+4 > cap(w.scratch) {
			if err := w.flushScratch(); err != nil {
				return err
			}
		}
		w.scratch = binary.LittleEndian.AppendUint32(w.scratch, math.Float32bits(v))
	}
	w.count(len(x))
	return w.flushScratch()
}

// WriteFloat64 appends values to a float64 file.
func (w *Writer) WriteFloat64(x []float64) error {
	if err := w.ready("float64"); err != nil {
		return err
	}
	for _, v := range x {
		if len(w.scratch)+8 > cap(w.scratch) {
			if err := w.flushScratch(); err != nil {
				return err
			}
		}
		w.scratch = binary.LittleEndian.AppendUint64(w.scratch, math.Float64bits(v))
	}
	w.count(len(x))
	return w.flushScratch()
}

// WriteInt64 appends values to an int64 file.
func (w *Writer) WriteInt64(x []int64) error {
	if err := w.ready("int64"); err != nil {
		return err
	}
	for _, v := range x {
		if len(w.scratch)+8 > cap(w.scratch) {
			if err := w.flushScratch(); err != nil {
				return err
			}
		}
		w.scratch = binary.LittleEndian.AppendUint64(w.scratch, uint64(v))
	}
	w.count(len(x))
	return w.flushScratch()
}

// WriteInt32 appends values to an int32 file.
func (w *Writer) WriteInt32(x []int32) error {
	if err := w.ready("int32"); err != nil {
		return err
	}
	for _, v := range x {
		if len(w.scratch)+4 > cap(w.scratch) {
			if err := w.flushScratch(); err != nil {
				return err
			}
		}
		w.scratch = binary.LittleEndian.AppendUint32(w.scratch, uint32(v))
	}
	w.count(len(x))
	return w.flushScratch()
}

// Close flushes the data, rewrites the header with the number of rows
// written and commits the file to its final name (synced, renamed, the
// directory synced). On any error before the rename the temporary file is
// removed and no file appears at the final name.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err != nil {
		w.abort()
		return w.err
	}
	if w.partial != 0 {
		w.abort()
		w.err = fmt.Errorf("npy writer for %s: %d values left over after %d whole rows of %d", w.path, w.partial, w.rows, w.rowLen)
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		return w.fail(err)
	}
	hdr := w.header(w.rows)
	if len(hdr) != w.hdrLen {
		// Cannot happen: header pads to a length independent of rows.
		return w.fail(fmt.Errorf("header grew from %d to %d bytes", w.hdrLen, len(hdr)))
	}
	if _, err := w.f.WriteAt(hdr, 0); err != nil {
		return w.fail(err)
	}
	f := w.f
	w.f = nil
	if err := f.Commit(); err != nil {
		w.err = fmt.Errorf("writing %s: %w", w.path, err)
		return w.err
	}
	return nil
}

// stop records err as the writer's error without removing the temporary
// file: later writes fail, Abort still removes it.
func (w *Writer) stop(err error) error {
	w.err = fmt.Errorf("writing %s: %w", w.path, err)
	return w.err
}

func (w *Writer) fail(err error) error {
	w.abort()
	w.err = fmt.Errorf("writing %s: %w", w.path, err)
	return w.err
}

// Abort stops writing and removes the temporary file; no file appears at
// the final name. It is safe to call after Close.
func (w *Writer) Abort() {
	if w.closed && w.f == nil {
		return
	}
	w.closed = true
	if w.err == nil {
		w.err = errors.New("npy writer aborted")
	}
	w.abort()
}

func (w *Writer) abort() {
	if w.f != nil {
		w.f.Abort()
		w.f = nil
	}
}
