package engine

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"unicode/utf8"
)

// Type codes of the encoding. They are part of the checkpoint file format:
// never renumber them.
const (
	codeInt     = 1
	codeInt64   = 2
	codeFloat32 = 3
	codeFloat64 = 4
	codeInt32   = 5
	codeUint64  = 6
)

// stateTypes names each type code and gives its values' size in bytes.
var stateTypes = [...]struct {
	name string
	size int64
}{
	codeInt: {"int", 8}, codeInt64: {"int64", 8}, codeFloat32: {"float32", 4},
	codeFloat64: {"float64", 8}, codeInt32: {"int32", 4}, codeUint64: {"uint64", 8},
}

// Limits on what an encoding may claim, so that a corrupt count or length
// is refused before anything is allocated for it.
const (
	maxStateName = 4096    // bytes in a variable's name
	maxStateVars = 1 << 20 // variables in one encoding
	// minVarBytes is the smallest encoded variable: a name length, a
	// one-byte name, the type and the length, with no values.
	minVarBytes = 4 + 1 + 1 + 8
	// chunkValues is how many values are encoded or decoded at a time, so
	// the buffer stays small however large a variable is.
	chunkValues = 8192
)

// elem is an element type state data may hold: Elem, and int, which only
// IntVar holds.
type elem interface{ Elem | int }

// elemCodec says how values of E are encoded: the type code, and E to the
// encoded bits and back.
type elemCodec[E elem] struct {
	code uint8
	bits func(E) uint64
	from func(uint64) E
}

// codecOf returns E's codec. It is the only place that lists the element
// types.
func codecOf[E elem]() elemCodec[E] {
	var c any
	switch any(*new(E)).(type) {
	case int:
		c = elemCodec[int]{codeInt, func(x int) uint64 { return uint64(int64(x)) }, func(u uint64) int { return int(int64(u)) }}
	case int64:
		c = elemCodec[int64]{codeInt64, func(x int64) uint64 { return uint64(x) }, func(u uint64) int64 { return int64(u) }}
	case float32:
		c = elemCodec[float32]{codeFloat32, func(x float32) uint64 { return uint64(math.Float32bits(x)) }, func(u uint64) float32 { return math.Float32frombits(uint32(u)) }}
	case float64:
		c = elemCodec[float64]{codeFloat64, math.Float64bits, math.Float64frombits}
	case int32:
		c = elemCodec[int32]{codeInt32, func(x int32) uint64 { return uint64(uint32(x)) }, func(u uint64) int32 { return int32(uint32(u)) }}
	case uint64:
		c = elemCodec[uint64]{codeUint64, func(x uint64) uint64 { return x }, func(u uint64) uint64 { return u }}
	}
	return c.(elemCodec[E])
}

func (v *vec[E]) appendValues(b []byte, lo, hi int) []byte {
	le := binary.LittleEndian
	if stateTypes[v.c.code].size == 4 {
		for _, x := range (*v.p)[lo:hi] {
			b = le.AppendUint32(b, uint32(v.c.bits(x)))
		}
		return b
	}
	for _, x := range (*v.p)[lo:hi] {
		b = le.AppendUint64(b, v.c.bits(x))
	}
	return b
}

func (v *vec[E]) putValues(b []byte, lo int) error {
	le := binary.LittleEndian
	s := (*v.p)[lo:]
	if stateTypes[v.c.code].size == 4 {
		for i := range len(b) / 4 {
			s[i] = v.c.from(uint64(le.Uint32(b[4*i:])))
		}
		return nil
	}
	for i := range len(b) / 8 {
		u := le.Uint64(b[8*i:])
		s[i] = v.c.from(u)
		if v.c.code == codeInt && v.c.bits(s[i]) != u {
			return fmt.Errorf("%d does not fit in an int", int64(u))
		}
	}
	return nil
}

// StateInfo describes one encoded state variable.
type StateInfo struct {
	// Name is the engine's name for the variable, e.g. "pop/lif/V".
	Name string
	// Type is the element type: int, int64, int32, uint64, float32 or
	// float64.
	Type string
	// Len is the number of values (1 for a counter).
	Len int64
}

// EncodeState writes vars to w in the state encoding, the one way a
// []StateVar becomes bytes (DecodeState reads it back); checkpoint files
// hold it as their state section. All integers are little-endian:
//
//	count  uint32 n, then n × (name, type, len, values)
//	name   uint32 length, then 1…4096 bytes of UTF-8, unique in the list
//	type   uint8  1 int (saved as int64), 2 int64, 3 float32, 4 float64,
//	              5 int32, 6 uint64
//	len    uint64 the number of values (1 for a counter)
//	values len × 4 or 8 bytes, floats as their IEEE 754 bits
//
// A counter and a slice of one value of the same type encode alike, and so
// do fixed and growable slices: the kind is the network's to know.
//
// EncodeState checks every variable (made by a constructor, a name used
// once, a GrowVar within its limit) before writing anything.
func EncodeState(w io.Writer, vars []StateVar) error {
	if len(vars) > maxStateVars {
		return fmt.Errorf("%d state variables, more than the %d an encoding holds", len(vars), maxStateVars)
	}
	seen := make(map[string]bool, len(vars))
	for _, v := range vars {
		if err := v.check(); err != nil {
			return err
		}
		if len(v.name) == 0 || len(v.name) > maxStateName || !utf8.ValidString(v.name) {
			return fmt.Errorf("state name %q must be 1..%d bytes of UTF-8", v.name, maxStateName)
		}
		if seen[v.name] {
			return fmt.Errorf("state %q appears twice", v.name)
		}
		seen[v.name] = true
		if err := v.data.holds(v.name, int64(v.data.len())); err != nil {
			return fmt.Errorf("cannot be restored: %w", err)
		}
	}
	le := binary.LittleEndian
	const flushAt = 64 << 10
	b := make([]byte, 0, flushAt+chunkValues*8)
	b = le.AppendUint32(b, uint32(len(vars)))
	for _, v := range vars {
		n := v.data.len()
		b = le.AppendUint32(b, uint32(len(v.name)))
		b = append(b, v.name...)
		b = append(b, v.data.code())
		b = le.AppendUint64(b, uint64(n))
		for lo := 0; lo < n; lo += chunkValues {
			b = v.data.appendValues(b, lo, min(lo+chunkValues, n))
			if len(b) >= flushAt {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
	}
	_, err := w.Write(b)
	return err
}

// DecodeState reads one state encoding from r and returns what it holds.
// r.N bounds the bytes the encoding may use: every count and length is
// checked against what remains before it is read or anything is allocated
// for it, and r.N is what remains on return. offset is the position of r's
// first byte in its file, for messages.
//
// When into is not nil, each variable is checked against into's (name,
// type, and a length the network's can hold, see MatchState) and its values
// copied in as they are read; a GrowVar takes the saved length. An error
// part-way leaves into partly written, so check first with a pass without
// into.
func DecodeState(r *io.LimitedReader, offset int64, into []StateVar) ([]StateInfo, error) {
	d := &stateDecoder{r: r, off: offset}
	b, err := d.read(4, "state count")
	if err != nil {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(b))
	if n > maxStateVars || n*minVarBytes > r.N {
		return nil, fmt.Errorf("state count at byte %d is %d, more than the input can hold", d.off-4, n)
	}
	if into != nil && int64(len(into)) != n {
		return nil, fmt.Errorf("holds %d state variables but the network has %d", n, len(into))
	}
	infos := make([]StateInfo, 0, n)
	seen := make(map[string]bool, n)
	for i := range int(n) {
		s, size, err := d.variable(seen)
		if err != nil {
			return nil, err
		}
		var dst stateData
		if into != nil {
			if err := into[i].accepts(i, s); err != nil {
				return nil, err
			}
			dst = into[i].data
			dst.setLen(int(s.Len))
		}
		if err := d.values(s, size, dst); err != nil {
			return nil, err
		}
		infos = append(infos, s)
	}
	return infos, nil
}

// MatchState checks that state saved as infos can be restored into vars:
// the same number of variables, and each with the same name and type and a
// length the network's can hold (its own, or for a GrowVar at most its
// limit). The message names the first that cannot.
func MatchState(infos []StateInfo, vars []StateVar) error {
	if len(vars) != len(infos) {
		return fmt.Errorf("holds %d state variables but the network has %d", len(infos), len(vars))
	}
	for i, v := range vars {
		if err := v.accepts(i, infos[i]); err != nil {
			return err
		}
	}
	return nil
}

// stateDecoder reads the encoding's fields, refusing any length that would
// run past what r may still give.
type stateDecoder struct {
	r   *io.LimitedReader
	off int64
	buf []byte
}

func (d *stateDecoder) read(n int64, what string) ([]byte, error) {
	if n > d.r.N {
		return nil, fmt.Errorf("%s at byte %d needs %d bytes but only %d remain: the state is truncated", what, d.off, n, d.r.N)
	}
	if int64(cap(d.buf)) < n {
		d.buf = make([]byte, n)
	}
	b := d.buf[:n]
	if _, err := io.ReadFull(d.r, b); err != nil {
		return nil, fmt.Errorf("%s at byte %d: %w", what, d.off, err)
	}
	d.off += n
	return b, nil
}

// variable reads a variable's name, type and length, refusing a name seen
// before and a length the remaining bytes cannot hold. It returns the size
// of the variable's values too.
func (d *stateDecoder) variable(seen map[string]bool) (s StateInfo, size int64, err error) {
	b, err := d.read(4, "state name length")
	if err != nil {
		return s, 0, err
	}
	at := d.off - 4
	n := int64(binary.LittleEndian.Uint32(b))
	if n == 0 || n > maxStateName {
		return s, 0, fmt.Errorf("state name at byte %d claims %d bytes, want 1..%d", at, n, maxStateName)
	}
	if b, err = d.read(n, "state name"); err != nil {
		return s, 0, err
	}
	if !utf8.Valid(b) {
		return s, 0, fmt.Errorf("state name at byte %d is not UTF-8", at+4)
	}
	s.Name = string(b)
	if seen[s.Name] {
		return s, 0, fmt.Errorf("state %q appears twice", s.Name)
	}
	seen[s.Name] = true
	if b, err = d.read(1, "type of state "+s.Name); err != nil {
		return s, 0, err
	}
	code := b[0]
	if int(code) >= len(stateTypes) || stateTypes[code].name == "" {
		return s, 0, fmt.Errorf("state %q has unknown type code %d", s.Name, code)
	}
	s.Type = stateTypes[code].name
	if b, err = d.read(8, "length of state "+s.Name); err != nil {
		return s, 0, err
	}
	count := binary.LittleEndian.Uint64(b)
	size = stateTypes[code].size
	if count > uint64(d.r.N/size) {
		return s, 0, fmt.Errorf("state %q claims %d values of %d bytes but only %d bytes remain: the state is truncated", s.Name, count, size, d.r.N)
	}
	if code == codeInt && count != 1 {
		return s, 0, fmt.Errorf("state %q is an int counter with %d values, want 1", s.Name, count)
	}
	s.Len = int64(count)
	return s, size, nil
}

// values reads s's values of size bytes each, a chunk at a time, into dst
// when it is not nil.
func (d *stateDecoder) values(s StateInfo, size int64, dst stateData) error {
	for done := int64(0); done < s.Len; {
		k := min(chunkValues, s.Len-done)
		b, err := d.read(k*size, "values of state "+s.Name)
		if err != nil {
			return err
		}
		if dst != nil {
			if err := dst.putValues(b, int(done)); err != nil {
				return fmt.Errorf("state %q: %w", s.Name, err)
			}
		}
		done += k
	}
	return nil
}
