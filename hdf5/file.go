package hdf5

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// File is an open HDF5 file. Its methods and those of the groups and
// datasets reached from it may be called from several goroutines.
type File struct {
	r      io.ReaderAt
	size   uint64
	name   string
	closer io.Closer

	base         uint64 // absolute offset that addresses are relative to
	super        int    // superblock version
	sizeOffsets  int
	sizeLengths  int
	rootAddr     uint64
	maxDataBytes uint64

	ignoreEOF bool // tests: read a truncated file as far as it goes

	mu     sync.Mutex
	gheaps map[uint64]map[uint16][]byte // global heap collections read so far
}

// signature is the 8 bytes that begin every HDF5 superblock.
const signature = "\x89HDF\r\n\x1a\n"

// Open opens the HDF5 file at path. Errors name the file.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	f, err := newReader(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// NewReader reads an HDF5 file of the given size from r.
func NewReader(r io.ReaderAt, size int64) (*File, error) {
	return newReader(r, size, "")
}

// Close closes the file if Open opened it.
func (f *File) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// Root is the root group, "/".
func (f *File) Root() *Group {
	return &Group{f: f, path: "/", addr: f.rootAddr}
}

// SuperblockVersion is the version of the file's superblock (0, 1, 2 or 3).
func (f *File) SuperblockVersion() int { return f.super }

func newReader(r io.ReaderAt, size int64, name string) (*File, error) {
	return newReaderOpts(r, size, name, options{})
}

// options are for tests: read a truncated file as far as it goes, or
// decode less than the default limit.
type options struct {
	ignoreEOF    bool
	maxDataBytes uint64
}

func newReaderOpts(r io.ReaderAt, size int64, name string, o options) (*File, error) {
	f := &File{r: r, name: name, gheaps: map[uint64]map[uint16][]byte{}, ignoreEOF: o.ignoreEOF}
	if size < 0 {
		return nil, f.errAt(ErrCorrupt, "", -1, "negative file size %d", size)
	}
	f.size = uint64(size)
	// Deflate cannot expand data more than 1032 times, so a dataset larger
	// than this could only be made of fill values; refusing it bounds what
	// a corrupt dataspace can make us allocate.
	f.maxDataBytes = 1040*f.size + 1<<20
	if o.maxDataBytes > 0 {
		f.maxDataBytes = o.maxDataBytes
	}
	if err := f.readSuperblock(); err != nil {
		return nil, err
	}
	return f, nil
}

// readAbs reads n bytes at absolute offset off.
func (f *File) readAbs(off, n uint64, path, what string) ([]byte, error) {
	if off > f.size || n > f.size-off {
		return nil, f.corrupt(path, off, "%s of %d bytes runs past the end of the %d-byte file", what, n, f.size)
	}
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, int64(off)); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
		if errors.Is(err, io.EOF) {
			return nil, f.corrupt(path, off, "%s: file shorter than its size", what)
		}
		return nil, f.errAt(err, path, int64(off), "reading %s", what)
	}
	return b, nil
}

// abs turns a file address into an absolute offset.
func (f *File) abs(addr uint64, path, what string) (uint64, error) {
	if addr == undef {
		return 0, f.corrupt(path, noOffset, "%s at the undefined address", what)
	}
	if addr > f.size || f.base > f.size-addr {
		return 0, f.corrupt(path, noOffset, "%s at address %d past the end of the %d-byte file", what, addr, f.size)
	}
	return f.base + addr, nil
}

// read reads n bytes at file address addr into a decoder.
func (f *File) read(addr, n uint64, path, what string) (*dec, error) {
	off, err := f.abs(addr, path, what)
	if err != nil {
		return nil, err
	}
	b, err := f.readAbs(off, n, path, what)
	if err != nil {
		return nil, err
	}
	return f.newDec(b, off, path, what), nil
}

// readUpTo reads up to n bytes at addr, fewer where the file ends first;
// for structures whose size is known only once decoded.
func (f *File) readUpTo(addr, n uint64, path, what string) (*dec, error) {
	off, err := f.abs(addr, path, what)
	if err != nil {
		return nil, err
	}
	return f.read(addr, min(n, f.size-off), path, what)
}

func (f *File) readSuperblock() error {
	// The superblock is at 0, 512, 1024, 2048, … (after a user block).
	var at uint64
	found := false
	for at = 0; at+8 <= f.size; {
		b, err := f.readAbs(at, 8, "", "signature")
		if err != nil {
			return err
		}
		if bytes.Equal(b, []byte(signature)) {
			found = true
			break
		}
		if at == 0 {
			at = 512
		} else {
			at *= 2
		}
	}
	if !found {
		return f.errAt(ErrCorrupt, "", -1, "no HDF5 signature at byte 0, 512, 1024, … (not an HDF5 file)")
	}
	f.base = at
	d0, err := f.readAbs(at, min(f.size-at, 256), "", "superblock")
	if err != nil {
		return err
	}
	d := f.newDec(d0, at, "", "superblock")
	d.skip(8)
	var eof uint64
	f.super = int(d.u8())
	switch f.super {
	case 0, 1:
		d.skip(1) // free-space version
		if v := d.u8(); v != 0 && d.err == nil {
			d.failUnsupported("root group symbol table entry version %d", v)
		}
		d.skip(1)
		if v := d.u8(); v != 0 && d.err == nil {
			d.failUnsupported("shared header message format version %d", v)
		}
		f.sizeOffsets, f.sizeLengths = int(d.u8()), int(d.u8())
		d.skip(1)
		if err := f.checkSizes(d); err != nil {
			return err
		}
		d.skip(4) // group leaf and internal node K
		d.skip(4) // file consistency flags
		if f.super == 1 {
			d.skip(4) // indexed storage internal node K, reserved
		}
		d.addr() // base address: libhdf5 uses the superblock's own offset
		d.addr() // free-space info
		eof = d.addr()
		drv := d.addr()
		if drv != undef && d.err == nil {
			d.failUnsupported("driver information block (a multi-file or family file driver)")
		}
		// Root group symbol table entry.
		d.length() // link name offset
		f.rootAddr = d.addr()
		d.skip(24)
	case 2, 3:
		f.sizeOffsets, f.sizeLengths = int(d.u8()), int(d.u8())
		if err := f.checkSizes(d); err != nil {
			return err
		}
		d.skip(1) // file consistency flags
		d.addr()  // base address
		d.addr()  // superblock extension
		eof = d.addr()
		f.rootAddr = d.addr()
		d.checksum(0)
	default:
		return f.unsupported("", at+8, "superblock version %d", f.super)
	}
	if d.err != nil {
		return d.err
	}
	if f.rootAddr == undef {
		return f.corrupt("", at, "superblock: root group at the undefined address")
	}
	// A file shorter than the superblock says is truncated; libhdf5
	// refuses it too. (A longer one may have data appended.) The end of
	// file address, unlike the others, counts from the file's first byte.
	if !f.ignoreEOF && (eof == undef || eof > f.size) {
		return f.corrupt("", at, "file truncated: the superblock says %d bytes, the file has %d", eof, f.size)
	}
	return nil
}

func (f *File) checkSizes(d *dec) error {
	if d.err != nil {
		return d.err
	}
	for _, s := range []int{f.sizeOffsets, f.sizeLengths} {
		if s != 2 && s != 4 && s != 8 {
			if s == 16 {
				return f.unsupported("", d.off(), "16-byte offsets or lengths")
			}
			return f.corrupt("", d.off(), "superblock: size of offsets %d, of lengths %d (want 2, 4 or 8)", f.sizeOffsets, f.sizeLengths)
		}
	}
	return nil
}

// String describes the file for debugging.
func (f *File) String() string {
	return fmt.Sprintf("hdf5.File(%q, superblock v%d)", f.name, f.super)
}
