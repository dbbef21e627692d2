package hdf5

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of [FormatError], for errors.Is.
var (
	// ErrUnsupported means the file is valid HDF5 but uses a feature this
	// reader does not implement (see the package documentation's table).
	ErrUnsupported = errors.New("unsupported HDF5 feature")
	// ErrCorrupt means the file contradicts the HDF5 format: a bad
	// signature or checksum, a length or address past the end of the file,
	// a structure that refers to itself, or a truncated file.
	ErrCorrupt = errors.New("corrupt or truncated HDF5 file")
)

// A FormatError reports a file this package cannot read, saying what and
// where: the file, the object path being read, the HDF5 structure or
// feature involved, and the byte offset of that structure in the file.
type FormatError struct {
	// File is the name given to Open; empty for NewReader.
	File string
	// Path is the object path being read ("/node/nodes/fc1/weight"); "/"
	// for the root group, empty before the root group was reached.
	Path string
	// Feature names the HDF5 structure or feature and what was wrong with
	// it, e.g. "datatype class 6 (compound)".
	Feature string
	// Offset is the absolute byte offset in the file of the structure, or
	// -1 where there is none.
	Offset int64
	// Err is ErrUnsupported or ErrCorrupt, or an underlying I/O or
	// decompression error.
	Err error
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("hdf5: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Feature)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " (at byte %d)", e.Offset)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *FormatError) Unwrap() error { return e.Err }

// errAt builds a FormatError; off is an absolute file offset or -1.
func (f *File) errAt(kind error, path string, off int64, format string, args ...any) error {
	return &FormatError{File: f.name, Path: path, Feature: fmt.Sprintf(format, args...), Offset: off, Err: kind}
}

func (f *File) corrupt(path string, off uint64, format string, args ...any) error {
	return f.errAt(ErrCorrupt, path, offArg(off), format, args...)
}

func (f *File) unsupported(path string, off uint64, format string, args ...any) error {
	return f.errAt(ErrUnsupported, path, offArg(off), format, args...)
}

// noOffset marks an error that belongs to no particular byte.
const noOffset = ^uint64(0)

func offArg(off uint64) int64 {
	if off == noOffset || off > 1<<62 {
		return -1
	}
	return int64(off)
}
