package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// absent fails the test when any of paths exists.
func absent(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists (or cannot be checked: %v)", p, err)
		}
	}
}

// holds fails the test unless path holds exactly want.
func holds(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Fatalf("%s holds %q, want %q", path, b, want)
	}
}

// watchDirSync replaces fsyncDir for the test with one that records the
// directories synced and returns err.
func watchDirSync(t *testing.T, err error) *[]string {
	t.Helper()
	var dirs []string
	old := fsyncDir
	fsyncDir = func(d *os.File) error {
		dirs = append(dirs, d.Name())
		return err
	}
	t.Cleanup(func() { fsyncDir = old })
	return &dirs
}

func TestCommitReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Path() != path || f.TempPath() != path+TempSuffix {
		t.Fatalf("Path %q TempPath %q", f.Path(), f.TempPath())
	}
	if _, err := io.WriteString(f, "new "); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("NEW"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "data"); err != nil {
		t.Fatal(err)
	}
	// Until Commit a reader of the final name sees the old file whole,
	// and the new bytes only under the temporary name.
	holds(t, path, "old")
	holds(t, path+TempSuffix, "NEW data")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	holds(t, path, "NEW data")
	absent(t, path+TempSuffix)
	if err := f.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v", err)
	}
	holds(t, path, "NEW data")
	if err := f.Commit(); err == nil || !errors.Is(err, os.ErrClosed) {
		t.Fatalf("second Commit: %v", err)
	}
}

func TestNeverVisibleUnderFinalName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.npy")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	for range 3 {
		if _, err := f.Write(make([]byte, 1000)); err != nil {
			t.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			t.Fatal(err)
		}
		absent(t, path)
	}
}

func TestAbortRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "half"); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	absent(t, path+TempSuffix)
	holds(t, path, "old")
	if err := f.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	if err := f.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	holds(t, path, "old")
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "summary.json")
	if err := WriteFile(path, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	holds(t, path, "{}\n")
	absent(t, path+TempSuffix)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// A umask only clears bits, and 0600 has none it would clear.
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
}

func TestWriteCallback(t *testing.T) {
	path := filepath.Join(t.TempDir(), "figure.png")
	big := strings.Repeat("x", 3*bufSize+17)
	err := Write(path, func(w io.Writer) error {
		// A reader of the final name sees nothing while the function
		// runs, even once the buffer has spilled into the file.
		if _, err := io.WriteString(w, big); err != nil {
			return err
		}
		absent(t, path)
		_, err := io.WriteString(w, "end")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	holds(t, path, big+"end")
	absent(t, path+TempSuffix)
}

func TestWriteCallbackFails(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("encoder gave up")
	for _, existing := range []bool{false, true} {
		path := filepath.Join(dir, "f.png")
		if existing {
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		err := Write(path, func(w io.Writer) error {
			io.WriteString(w, strings.Repeat("y", 2*bufSize))
			return boom
		})
		if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %v: want it to wrap %v and name %s", err, boom, path)
		}
		absent(t, path+TempSuffix)
		if existing {
			holds(t, path, "old")
		} else {
			absent(t, path)
		}
	}
}

func TestCreateFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing", "c.npy")
	for name, err := range map[string]error{
		"Create":    func() error { _, err := Create(path); return err }(),
		"WriteFile": WriteFile(path, nil, 0o644),
		"Write":     Write(path, func(io.Writer) error { t.Fatal("function called"); return nil }),
	} {
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "c.npy.part") {
			t.Errorf("%s: error %v, want one naming c.npy.part", name, err)
		}
	}
}

func TestRenameOntoDirectoryFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(path, "inside"), []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "data"); err != nil {
		t.Fatal(err)
	}
	err = f.Commit()
	if err == nil || !strings.Contains(err.Error(), "renaming "+path+TempSuffix+" to "+path) {
		t.Fatalf("Commit onto a directory: %v", err)
	}
	absent(t, path+TempSuffix)
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		t.Fatalf("the directory did not survive: %v", err)
	}
	holds(t, filepath.Join(path, "inside"), "kept")
	if err := f.Abort(); err != nil {
		t.Fatalf("Abort after a failed Commit: %v", err)
	}
}

func TestKeepAndReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.npy")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "header|rows1|junk"); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := f.Keep(); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	holds(t, path+TempSuffix, "header|rows1|junk")
	absent(t, path)

	g, err := Reopen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Abort()
	// Reopen starts at offset 0, so the writer can check what it holds.
	hdr := make([]byte, len("header|"))
	if _, err := io.ReadFull(g, hdr); err != nil || string(hdr) != "header|" {
		t.Fatalf("read %q, %v", hdr, err)
	}
	const keep = int64(len("header|rows1|"))
	if st, err := g.Stat(); err != nil || st.Size() != int64(len("header|rows1|junk")) {
		t.Fatalf("Stat: %v", err)
	}
	if err := g.Truncate(keep); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Seek(keep, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(g, "rows2"); err != nil {
		t.Fatal(err)
	}
	if _, err := g.WriteAt([]byte("HEADER"), 0); err != nil {
		t.Fatal(err)
	}
	if err := g.Commit(); err != nil {
		t.Fatal(err)
	}
	holds(t, path, "HEADER|rows1|rows2")
	absent(t, path+TempSuffix)
}

func TestReopenMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.npy")
	_, err := Reopen(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "x.npy.part") {
		t.Fatalf("Reopen of a missing file: %v", err)
	}
	absent(t, path, path+TempSuffix)
}

func TestCommitSyncsDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt")
	var sawFinal bool
	old := fsyncDir
	defer func() { fsyncDir = old }()
	var synced []string
	fsyncDir = func(d *os.File) error {
		synced = append(synced, d.Name())
		// The directory is synced after the rename, which is what it
		// makes durable.
		_, err := os.Stat(path)
		_, terr := os.Stat(path + TempSuffix)
		sawFinal = err == nil && errors.Is(terr, fs.ErrNotExist)
		return old(d)
	}
	if err := WriteFile(path, []byte("state"), 0o644); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != dir || !sawFinal {
		t.Fatalf("directories synced %q (final name in place: %v), want [%s] after the rename", synced, sawFinal, dir)
	}
}

func TestDirectorySyncErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		fail bool
	}{
		{"EINVAL", &fs.PathError{Op: "sync", Path: "d", Err: syscall.EINVAL}, false},
		{"ENOTSUP", &fs.PathError{Op: "sync", Path: "d", Err: syscall.ENOTSUP}, false},
		{"EIO", &fs.PathError{Op: "sync", Path: "d", Err: syscall.EIO}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "f")
			dirs := watchDirSync(t, c.err)
			err := WriteFile(path, []byte("x"), 0o644)
			if len(*dirs) != 1 {
				t.Fatalf("directory synced %d times", len(*dirs))
			}
			if !c.fail {
				if err != nil {
					t.Fatalf("%v should be ignored: %v", c.err, err)
				}
			} else if !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), path+" is in place") || !strings.Contains(err.Error(), "syncing directory "+dir) {
				t.Fatalf("error %v", err)
			}
			// Either way the rename has happened.
			holds(t, path, "x")
			absent(t, path+TempSuffix)
		})
	}
}

// TestFileSyncErrorsAreNotIgnored checks that EINVAL is forgiven only for
// a directory: a file that cannot be synced is not committed.
func TestFileSyncErrorsAreNotIgnored(t *testing.T) {
	old := fsyncFile
	defer func() { fsyncFile = old }()
	fsyncFile = func(*os.File) error { return &fs.PathError{Op: "sync", Path: "f", Err: syscall.EINVAL} }
	dirs := watchDirSync(t, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "n")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "syncing "+path+TempSuffix) {
		t.Fatalf("Sync: %v", err)
	}
	if err := f.Commit(); !errors.Is(err, syscall.EINVAL) || !strings.Contains(err.Error(), "syncing "+path+TempSuffix) {
		t.Fatalf("Commit: %v", err)
	}
	absent(t, path, path+TempSuffix)
	if len(*dirs) != 0 {
		t.Fatalf("directory synced after a failed commit: %q", *dirs)
	}
}
