package atomicfile

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
)

// TempSuffix is appended to a file's name while it is being written. It is
// part of what users see: an interrupted run leaves its outputs as
// NAME.part for --resume to continue.
const TempSuffix = ".part"

// bufSize is the buffer [Write] gives its function: writers such as the
// PNG encoder issue many small writes, which should not each be a system
// call.
const bufSize = 64 << 10

// File is a file being written under a temporary name. Nothing appears at
// the final name until [File.Commit]. A File is not safe for concurrent
// use.
type File struct {
	path string   // the final name
	tmp  string   // path + TempSuffix, the only name File ever removes
	f    *os.File // open on tmp
	done bool     // Commit, Abort or Keep has been called
}

// Create creates (or truncates) path+TempSuffix for writing and reading,
// with mode 0666 before the umask, as os.Create does.
func Create(path string) (*File, error) {
	return create(path, 0o666)
}

func create(path string, perm fs.FileMode) (*File, error) {
	tmp := path + TempSuffix
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", tmp, unwrap(err))
	}
	return &File{path: path, tmp: tmp, f: f}, nil
}

// Reopen opens an existing path+TempSuffix, left by [File.Keep] or by a
// process that stopped, for reading and writing at offset 0, so that a
// writer can check what it holds, cut it back and append.
func Reopen(path string) (*File, error) {
	tmp := path + TempSuffix
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot reopen %s: %w", tmp, unwrap(err))
	}
	return &File{path: path, tmp: tmp, f: f}, nil
}

// Path is the final name.
func (f *File) Path() string { return f.path }

// TempPath is the name the data is written under until Commit.
func (f *File) TempPath() string { return f.tmp }

// Write writes to the temporary file at the current offset.
func (f *File) Write(p []byte) (int, error) { return f.f.Write(p) }

// WriteAt writes to the temporary file at offset off, as a header
// rewritten in place needs.
func (f *File) WriteAt(p []byte, off int64) (int, error) { return f.f.WriteAt(p, off) }

// Read reads from the temporary file at the current offset.
func (f *File) Read(p []byte) (int, error) { return f.f.Read(p) }

// Seek sets the offset of the next Read or Write.
func (f *File) Seek(offset int64, whence int) (int64, error) { return f.f.Seek(offset, whence) }

// Truncate changes the size of the temporary file.
func (f *File) Truncate(size int64) error { return f.f.Truncate(size) }

// Stat describes the temporary file.
func (f *File) Stat() (fs.FileInfo, error) { return f.f.Stat() }

// Sync makes what has been written so far durable under the temporary
// name, without committing it.
func (f *File) Sync() error {
	if err := fsyncFile(f.f); err != nil {
		return fmt.Errorf("syncing %s: %w", f.tmp, unwrap(err))
	}
	return nil
}

// Commit syncs and closes the temporary file, renames it onto the final
// name and syncs the directory. If any step before the rename fails, the
// temporary file is removed and the final name is untouched. If only the
// directory sync fails, the new file is already in place under its final
// name, and the error says so. Commit may be called once; the File is
// finished afterwards, whatever the outcome.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("committing %s: %w", f.path, os.ErrClosed)
	}
	f.done = true
	tmp := f.tmp
	if err := fsyncFile(f.f); err != nil {
		f.f.Close()
		os.Remove(tmp)
		return fmt.Errorf("syncing %s: %w", tmp, unwrap(err))
	}
	if err := f.f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("closing %s: %w", tmp, unwrap(err))
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("renaming %s to %s: %w", tmp, f.path, unwrap(err))
	}
	if err := syncDir(filepath.Dir(f.path)); err != nil {
		return fmt.Errorf("%s is in place, but %w", f.path, err)
	}
	return nil
}

// Abort closes and removes the temporary file; the final name is
// untouched. After Commit or Keep it does nothing, so it can be deferred
// on every path.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	cerr := f.f.Close()
	rerr := os.Remove(f.tmp)
	if rerr != nil && errors.Is(rerr, fs.ErrNotExist) {
		rerr = nil
	}
	switch {
	case cerr != nil && rerr != nil:
		// One line, not errors.Join's two.
		return fmt.Errorf("aborting %s: %w; %w", f.tmp, cerr, rerr)
	case cerr != nil || rerr != nil:
		return fmt.Errorf("aborting %s: %w", f.tmp, cmp.Or(cerr, rerr))
	}
	return nil
}

// Keep closes the temporary file and leaves it under its temporary name,
// for a later [Reopen]; the final name is untouched. Call Sync first for
// what was written to be durable.
func (f *File) Keep() error {
	if f.done {
		return nil
	}
	f.done = true
	if err := f.f.Close(); err != nil {
		return fmt.Errorf("closing %s: %w", f.tmp, unwrap(err))
	}
	return nil
}

// WriteFile writes data to path through a temporary name and commits it.
// perm (before the umask) applies when the temporary file is created, as
// with os.WriteFile. On failure nothing is left under either name, and a
// file already at path is untouched.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := create(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Commit()
}

// Write calls write with a buffered writer onto a file created as by
// [Create] and commits the file when write returns nil. If write fails,
// its error is returned wrapped and nothing is left under either name.
func Write(path string, write func(io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, bufSize)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		f.Abort()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Commit()
}

// fsyncFile and fsyncDir sync an open file and an open directory; tests
// replace them to watch the calls and to make them fail.
var (
	fsyncFile = (*os.File).Sync
	fsyncDir  = (*os.File).Sync
)

// syncDir makes a rename in dir durable. Some file systems cannot sync a
// directory and say so with EINVAL or ENOTSUP; there a rename is as
// durable as the system makes it, so those errors are not failures.
// Windows offers no directory sync through os.File; NTFS journals the
// rename itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot open directory %s to sync it: %w", dir, unwrap(err))
	}
	err = fsyncDir(d)
	cerr := d.Close()
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("syncing directory %s: %w", dir, unwrap(err))
	}
	if cerr != nil {
		return fmt.Errorf("closing directory %s: %w", dir, unwrap(cerr))
	}
	return nil
}

// unwrap drops the repetition of a name that *os.PathError and
// *os.LinkError carry, since every message here names the files itself.
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
