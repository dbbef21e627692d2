package npy

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"leaky/internal/atomicfile"
)

// Checkpoint makes the rows written so far durable in the temporary file:
// it flushes the buffer, rewrites the header with the current row count and
// syncs; on failure the writer stops but the .part file stays. The .part
// file is then a valid .npy of everything recorded so far,
// and the returned row count is what a run checkpoint records so that
// Resume can continue from exactly this point. Only whole rows may have
// been written.
func (w *Writer) Checkpoint() (int64, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, fmt.Errorf("npy writer for %s: checkpoint after Close", w.path)
	}
	if w.partial != 0 {
		return 0, fmt.Errorf("npy writer for %s: checkpoint with %d values past the last whole row", w.path, w.partial)
	}
	// A failure here (a full disk) keeps the .part file: it still holds
	// every row of the previous checkpoint, from which Resume continues.
	if err := w.bw.Flush(); err != nil {
		return 0, w.stop(err)
	}
	if _, err := w.f.WriteAt(w.header(w.rows), 0); err != nil {
		return 0, w.stop(err)
	}
	if err := w.f.Sync(); err != nil {
		return 0, w.stop(err)
	}
	return w.rows, nil
}

// Resume continues a Writer that stopped (an interruption, a crash) after
// a Checkpoint that returned rows. It reopens path+TempSuffix, checks that
// its header was written for the same dtype and row shape, cuts off
// anything written after those rows and appends from there, so the
// finished file is byte for byte what an uninterrupted Writer would have
// written.
func Resume(path, dtype string, rows int64, trailing ...int) (*Writer, error) {
	if rows < 0 {
		return nil, fmt.Errorf("npy writer for %s: cannot resume at %d rows", path, rows)
	}
	// Create's checks and layout, without touching any file.
	w, err := newWriter(path, dtype, trailing)
	if err != nil {
		return nil, err
	}
	f, err := atomicfile.Reopen(path)
	if err != nil {
		return nil, fmt.Errorf("cannot resume %s: %w", path, err)
	}
	// A .part file that cannot be resumed is kept: it holds the rows of
	// the interrupted run.
	fail := func(format string, args ...any) (*Writer, error) {
		f.Keep()
		return nil, fmt.Errorf("cannot resume %s: "+format, append([]any{w.tmp}, args...)...)
	}
	hdrLen := len(w.header(0))
	hdr := make([]byte, hdrLen)
	if _, err := io.ReadFull(f, hdr); err != nil {
		return fail("reading its header: %v", err)
	}
	onDisk, ok := firstDim(hdr)
	if !ok || string(hdr) != string(w.header(onDisk)) {
		return fail("its header is not that of a %s file with rows of shape %v", dtype, trailing)
	}
	rowBytes := int64(w.rowLen) * int64(w.size)
	if rowBytes > 0 && rows > (1<<62)/rowBytes {
		return fail("%d rows of %d bytes is too large", rows, rowBytes)
	}
	end := int64(hdrLen) + rows*rowBytes
	st, err := f.Stat()
	if err != nil {
		return fail("%v", err)
	}
	if st.Size() < end {
		return fail("it holds %d bytes, fewer than the %d that %d rows need; the file was truncated after the checkpoint", st.Size(), end, rows)
	}
	if err := f.Truncate(end); err != nil {
		return fail("%v", err)
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return fail("%v", err)
	}
	w.f = f
	w.bw = bufio.NewWriterSize(f, bufSize)
	w.hdrLen = hdrLen
	w.rows = rows
	return w, nil
}

// firstDim parses the first dimension of the shape in a header this
// package wrote.
func firstDim(hdr []byte) (int64, bool) {
	s := string(hdr)
	i := strings.Index(s, "'shape': (")
	if i < 0 {
		return 0, false
	}
	s = s[i+len("'shape': ("):]
	j := strings.IndexAny(s, ",)")
	if j < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(s[:j], 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
