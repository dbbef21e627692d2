package checkpoint

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"leaky/engine"
	"leaky/internal/atomicfile"
)

// FormatVersion is the version of the file layout this package writes and
// reads. It changes whenever the layout does; older files are refused
// rather than misread. Version 2 added the step to the header.
const FormatVersion = 2

// magic starts every checkpoint file.
const magic = "\x89LKYCKP\n"

// Limits on the sizes a file may claim, so that a corrupt length is
// refused before anything is allocated for it.
const (
	maxName    = 4096    // bytes in a name or key
	maxValue   = 1 << 20 // bytes in a description value
	maxEntries = 1 << 20 // fields or counters
)

// Field is one entry of a network description.
type Field struct {
	Key, Value string
}

// Description is the network a checkpoint belongs to, as key–value pairs:
// everything that changes the result of a run (dtype, sizes, parameters,
// seed, digests of input files) and nothing that does not (kernel,
// threads, output directory).
type Description []Field

// Hash is the SHA-256 of the description's fields sorted by key, each key
// and value written as a uint32 length and its bytes, so the order in which
// a caller lists the fields does not matter.
func (d Description) Hash() [32]byte {
	sorted := append(Description(nil), d...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	h := sha256.New()
	var n [4]byte
	for _, f := range sorted {
		for _, s := range []string{f.Key, f.Value} {
			binary.LittleEndian.PutUint32(n[:], uint32(len(s)))
			h.Write(n[:])
			h.Write([]byte(s))
		}
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// Get returns the value of key and whether it is present.
func (d Description) Get(key string) (string, bool) {
	for _, f := range d {
		if f.Key == key {
			return f.Value, true
		}
	}
	return "", false
}

// validate refuses duplicate keys (a hash over them would be ambiguous) and
// sizes the file format cannot hold.
func (d Description) validate() error {
	seen := make(map[string]bool, len(d))
	for _, f := range d {
		if seen[f.Key] {
			return fmt.Errorf("description key %q appears twice", f.Key)
		}
		seen[f.Key] = true
		if len(f.Key) == 0 || len(f.Key) > maxName {
			return fmt.Errorf("description key %q must be 1..%d bytes", f.Key, maxName)
		}
		if len(f.Value) > maxValue {
			return fmt.Errorf("description value of %q is %d bytes, more than %d", f.Key, len(f.Value), maxValue)
		}
	}
	return nil
}

// diff describes how the checkpoint's description got differs from want,
// naming at most a few keys so the message stays one line.
func diff(got, want Description) string {
	var out []string
	for _, w := range want {
		g, ok := got.Get(w.Key)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s is %q now but absent in the checkpoint", w.Key, w.Value))
		case g != w.Value:
			out = append(out, fmt.Sprintf("%s is %q in the checkpoint but %q now", w.Key, g, w.Value))
		}
	}
	for _, g := range got {
		if _, ok := want.Get(g.Key); !ok {
			out = append(out, fmt.Sprintf("%s is %q in the checkpoint but absent now", g.Key, g.Value))
		}
	}
	if len(out) == 0 {
		return "the descriptions agree but their hashes do not (the file was altered)"
	}
	if len(out) > 3 {
		out = append(out[:3], fmt.Sprintf("and %d more", len(out)-3))
	}
	return strings.Join(out, "; ")
}

// Counter is a named integer saved beside the network state, such as the
// number of rows an output file held when the checkpoint was written.
type Counter struct {
	Name  string
	Value int64
}

// Header is everything in a checkpoint except the state values.
type Header struct {
	// Format is the file layout version.
	Format uint32
	// Leaky is the version of leaky that wrote the file.
	Leaky string
	// Description is the network the file belongs to, Hash its digest.
	Description Description
	Hash        [32]byte
	// Counters are the caller's named counters, in the order saved.
	Counters []Counter
	// Step is the index of the next step the saved network runs.
	Step int64
	// Vars lists the state variables, in the order saved.
	Vars []engine.StateInfo
}

// Counter returns the value of the named counter and whether it exists.
func (h *Header) Counter(name string) (int64, bool) {
	for _, c := range h.Counters {
		if c.Name == name {
			return c.Value, true
		}
	}
	return 0, false
}

// Network is what a checkpoint saves and restores: *engine.Network[T]
// satisfies it.
type Network interface {
	// StateVars lists the state in a fixed order.
	StateVars() []engine.StateVar
	// Restored rebuilds what is derived from the state once it has been
	// overwritten.
	Restored()
	// StepIndex is the index of the next step to run, which the header
	// records.
	StepIndex() int
}

// Save writes the network's state and step, the leaky version, the
// description and the counters to path atomically, through [atomicfile]:
// into path+".part", synced, then renamed over path.
func Save(path string, net Network, leaky string, desc Description, counters []Counter) error {
	if err := desc.validate(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if len(leaky) > maxName {
		return fmt.Errorf("checkpoint %s: leaky version is %d bytes, more than %d", path, len(leaky), maxName)
	}
	for _, c := range counters {
		if len(c.Name) == 0 || len(c.Name) > maxName {
			return fmt.Errorf("checkpoint %s: counter name %q must be 1..%d bytes", path, c.Name, maxName)
		}
	}
	step := net.StepIndex()
	if step < 0 {
		return fmt.Errorf("checkpoint %s: step %d, want ≥ 0", path, step)
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	defer f.Abort() // does nothing once committed
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<16)
	e := &encoder{w: w}
	e.bytes([]byte(magic))
	e.u32(FormatVersion)
	e.str(leaky)
	e.u32(uint32(len(desc)))
	for _, fd := range desc {
		e.str(fd.Key)
		e.str(fd.Value)
	}
	sum := desc.Hash()
	e.bytes(sum[:])
	e.u32(uint32(len(counters)))
	for _, c := range counters {
		e.str(c.Name)
		e.u64(uint64(c.Value))
	}
	e.u64(uint64(step))
	if e.err == nil {
		e.err = engine.EncodeState(w, net.StateVars())
	}
	if e.err == nil {
		e.err = w.Flush()
	}
	if e.err != nil {
		return fmt.Errorf("checkpoint %s: writing %s: %w", path, f.TempPath(), e.err)
	}
	if _, err := f.Write(h.Sum(nil)); err != nil {
		return fmt.Errorf("checkpoint %s: writing %s: %w", path, f.TempPath(), err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return nil
}

// encoder writes the format's fields, keeping the first error so the
// sequence of writes reads straight.
type encoder struct {
	w   *bufio.Writer
	err error
	buf [8]byte
}

func (e *encoder) bytes(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) u32(x uint32) {
	binary.LittleEndian.PutUint32(e.buf[:4], x)
	e.bytes(e.buf[:4])
}

func (e *encoder) u64(x uint64) {
	binary.LittleEndian.PutUint64(e.buf[:8], x)
	e.bytes(e.buf[:8])
}

func (e *encoder) str(s string) {
	e.u32(uint32(len(s)))
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

// Read checks the checkpoint at path (magic, format, structure, checksum)
// and returns its header, without needing the network. It is what
// `leaky run --resume` reads first, to rebuild the network the checkpoint
// describes.
func Read(path string) (*Header, error) {
	f, size, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := decode(f, size, nil)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return h, nil
}

// Decode checks a checkpoint held in memory and returns its header. It is
// Read without the file, for tests and fuzzing.
func Decode(data []byte) (*Header, error) {
	return decode(bytes.NewReader(data), int64(len(data)), nil)
}

// Load restores the checkpoint at path into net. It refuses a file whose
// format, leaky version or description differs from leaky and desc, and
// one whose state names, types or lengths differ from net's; net is left
// untouched unless everything checks out. It then calls net.Restored and
// returns the header, whose counters the caller uses to resume its outputs.
func Load(path string, net Network, leaky string, desc Description) (*Header, error) {
	f, size, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, err := decode(f, size, nil)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := h.Matches(leaky, desc); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	vars := net.StateVars()
	if err := engine.MatchState(h.Vars, vars); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	// The second pass copies into the network. It checks the checksum
	// again, so a file changed between the passes is reported, although
	// the network then holds part of the new contents.
	if _, err := decode(f, size, vars); err != nil {
		return nil, fmt.Errorf("checkpoint %s changed while being read: %w", path, err)
	}
	net.Restored()
	// The state holds the step too; a file whose two disagree (crafted,
	// since the checksum held) is refused rather than resumed from the
	// wrong place.
	if got := net.StepIndex(); int64(got) != h.Step {
		return nil, fmt.Errorf("checkpoint %s: its header is at step %d but its state restores step %d", path, h.Step, got)
	}
	return h, nil
}

// Matches reports whether the checkpoint belongs to leaky version leaky and
// to the network desc describes, with a message saying what differs.
func (h *Header) Matches(leaky string, desc Description) error {
	if h.Leaky != leaky {
		return fmt.Errorf("written by leaky %s, this is leaky %s; resume with the version that wrote it", h.Leaky, leaky)
	}
	if h.Hash != desc.Hash() {
		return fmt.Errorf("belongs to another network: %s", diff(h.Description, desc))
	}
	return nil
}

func open(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("checkpoint: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("checkpoint: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, fmt.Errorf("checkpoint %s: not a regular file", path)
	}
	return f, st.Size(), nil
}

// decoder reads the format's fields from a stream of known size, hashing
// everything it reads and refusing any length that would run past the end.
type decoder struct {
	r    *bufio.Reader
	h    hash.Hash
	left int64 // bytes left before the checksum
	off  int64
	buf  []byte
}

var errTruncated = errors.New("file is truncated")

func (d *decoder) read(n int64, what string) ([]byte, error) {
	if n > d.left {
		return nil, fmt.Errorf("%s at byte %d needs %d bytes but only %d remain before the checksum: %w", what, d.off, n, d.left, errTruncated)
	}
	if int64(cap(d.buf)) < n {
		d.buf = make([]byte, n)
	}
	b := d.buf[:n]
	if _, err := io.ReadFull(d.r, b); err != nil {
		return nil, fmt.Errorf("%s at byte %d: %w", what, d.off, err)
	}
	d.h.Write(b)
	d.left -= n
	d.off += n
	return b, nil
}

func (d *decoder) u32(what string) (uint32, error) {
	b, err := d.read(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (d *decoder) u64(what string) (uint64, error) {
	b, err := d.read(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

func (d *decoder) str(what string, limit int) (string, error) {
	n, err := d.u32(what + " length")
	if err != nil {
		return "", err
	}
	if int64(n) > int64(limit) {
		return "", fmt.Errorf("%s at byte %d claims %d bytes, more than the limit %d", what, d.off-4, n, limit)
	}
	b, err := d.read(int64(n), what)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%s at byte %d is not UTF-8", what, d.off-int64(n))
	}
	return string(b), nil
}

// count reads an entry count and refuses one that the remaining bytes
// cannot hold at minSize bytes an entry.
func (d *decoder) count(what string, minSize int64) (int, error) {
	n, err := d.u32(what)
	if err != nil {
		return 0, err
	}
	if n > maxEntries || int64(n)*minSize > d.left {
		return 0, fmt.Errorf("%s at byte %d is %d, more than the file can hold", what, d.off-4, n)
	}
	return int(n), nil
}

// decode parses a whole checkpoint of size bytes from r. When vars is not
// nil (and already matched against the header), it copies the values into
// them as it goes.
func decode(r io.Reader, size int64, vars []engine.StateVar) (*Header, error) {
	if size < int64(len(magic))+4+32 {
		return nil, fmt.Errorf("file is %d bytes, too short to be a checkpoint", size)
	}
	d := &decoder{r: bufio.NewReaderSize(r, 1<<16), h: sha256.New(), left: size - 32}
	m, err := d.read(int64(len(magic)), "magic")
	if err != nil {
		return nil, err
	}
	if string(m) != magic {
		return nil, fmt.Errorf("not a leaky checkpoint (starts with %q)", m)
	}
	h := &Header{}
	if h.Format, err = d.u32("format version"); err != nil {
		return nil, err
	}
	if h.Format != FormatVersion {
		return nil, fmt.Errorf("format version %d, this leaky reads version %d", h.Format, FormatVersion)
	}
	if h.Leaky, err = d.str("leaky version", maxName); err != nil {
		return nil, err
	}
	n, err := d.count("description length", 8)
	if err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		var f Field
		if f.Key, err = d.str("description key", maxName); err != nil {
			return nil, err
		}
		if f.Value, err = d.str("description value", maxValue); err != nil {
			return nil, err
		}
		h.Description = append(h.Description, f)
	}
	if err := h.Description.validate(); err != nil {
		return nil, err
	}
	sum, err := d.read(32, "description hash")
	if err != nil {
		return nil, err
	}
	copy(h.Hash[:], sum)
	if n, err = d.count("counter count", 12); err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		var c Counter
		if c.Name, err = d.str("counter name", maxName); err != nil {
			return nil, err
		}
		v, err := d.u64("counter " + c.Name)
		if err != nil {
			return nil, err
		}
		c.Value = int64(v)
		h.Counters = append(h.Counters, c)
	}
	step, err := d.u64("step")
	if err != nil {
		return nil, err
	}
	if h.Step = int64(step); h.Step < 0 {
		return nil, fmt.Errorf("step at byte %d is %d, want ≥ 0", d.off-8, h.Step)
	}
	// The state section is the engine's encoding; it is hashed as it is
	// read, and may not run into the checksum.
	lr := &io.LimitedReader{R: io.TeeReader(d.r, d.h), N: d.left}
	if h.Vars, err = engine.DecodeState(lr, d.off, vars); err != nil {
		return nil, err
	}
	d.off += d.left - lr.N
	d.left = lr.N
	if d.left != 0 {
		return nil, fmt.Errorf("%d unexpected bytes at byte %d before the checksum", d.left, d.off)
	}
	want := make([]byte, 32)
	if _, err := io.ReadFull(d.r, want); err != nil {
		return nil, fmt.Errorf("checksum: %w", err)
	}
	if got := d.h.Sum(nil); !bytes.Equal(got, want) {
		return nil, errors.New("checksum does not match: the file is corrupt")
	}
	return h, nil
}
