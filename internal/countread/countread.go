package countread

import (
	"io"
	"sync/atomic"
)

// Reader reads from R, adding the bytes read to N (which several Readers
// may share).
type Reader struct {
	R io.ReaderAt
	N *atomic.Int64
}

// New is a Reader of r with a counter of its own.
func New(r io.ReaderAt) Reader { return Reader{r, new(atomic.Int64)} }

// ReadAt reads from R and counts what it read.
func (c Reader) ReadAt(b []byte, off int64) (int, error) {
	n, err := c.R.ReadAt(b, off)
	c.N.Add(int64(n))
	return n, err
}
