package hdf5

import "encoding/binary"

// undef is HDF5's undefined address (all bits set), whatever the size of
// offsets.
const undef = ^uint64(0)

// checksumHook, when set (by tests), is told the absolute range of every
// checksummed structure verified.
var checksumHook func(off, n uint64)

// dec reads little-endian fields from a buffer that holds one structure
// read from the file. Every read is bounds checked; the first overrun is
// kept in err (a FormatError naming the structure and the offset) and
// later reads return zeros, so a parser checks err once at the end.
type dec struct {
	f    *File
	b    []byte
	pos  int
	at   uint64 // absolute file offset of b[0]
	path string
	what string // the structure being decoded, for errors
	err  error
}

func (f *File) newDec(b []byte, at uint64, path, what string) *dec {
	return &dec{f: f, b: b, at: at, path: path, what: what}
}

// off is the absolute file offset of the next byte.
func (d *dec) off() uint64 {
	if d.at == noOffset {
		return noOffset
	}
	return d.at + uint64(d.pos)
}

func (d *dec) rest() int { return len(d.b) - d.pos }

func (d *dec) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || d.rest() < n {
		d.err = d.f.corrupt(d.path, d.off(), "%s truncated: %d bytes needed, %d left", d.what, n, d.rest())
		return false
	}
	return true
}

// fail records a corruption found by the caller at the current offset.
func (d *dec) fail(format string, args ...any) {
	if d.err == nil {
		d.err = d.f.corrupt(d.path, d.off(), d.what+": "+format, args...)
	}
}

// failUnsupported records an unsupported feature at the current offset.
func (d *dec) failUnsupported(format string, args ...any) {
	if d.err == nil {
		d.err = d.f.unsupported(d.path, d.off(), format, args...)
	}
}

func (d *dec) skip(n int) {
	if d.need(n) {
		d.pos += n
	}
}

func (d *dec) bytes(n int) []byte {
	if !d.need(n) {
		return nil
	}
	b := d.b[d.pos : d.pos+n]
	d.pos += n
	return b
}

func (d *dec) u8() uint8 {
	if !d.need(1) {
		return 0
	}
	v := d.b[d.pos]
	d.pos++
	return v
}

func (d *dec) u16() uint16 {
	if !d.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(d.b[d.pos:])
	d.pos += 2
	return v
}

func (d *dec) u32() uint32 {
	if !d.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b[d.pos:])
	d.pos += 4
	return v
}

func (d *dec) u64() uint64 {
	if !d.need(8) {
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.pos:])
	d.pos += 8
	return v
}

// uvar reads an n-byte little-endian unsigned integer, 0 ≤ n ≤ 8.
func (d *dec) uvar(n int) uint64 {
	if n > 8 {
		d.fail("%d-byte integer field", n)
		return 0
	}
	b := d.bytes(n)
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// addr reads an address of the file's size of offsets; an address of all
// one bits is returned as undef.
func (d *dec) addr() uint64 {
	n := d.f.sizeOffsets
	v := d.uvar(n)
	if d.err == nil && n < 8 && v == 1<<(8*n)-1 {
		return undef
	}
	return v
}

// length reads a length of the file's size of lengths.
func (d *dec) length() uint64 {
	n := d.f.sizeLengths
	v := d.uvar(n)
	if d.err == nil && n < 8 && v == 1<<(8*n)-1 {
		return undef
	}
	return v
}

// signature checks a 4-byte signature.
func (d *dec) signature(sig string) bool {
	b := d.bytes(4)
	if d.err != nil {
		return false
	}
	if string(b) != sig {
		d.pos -= 4
		d.fail("signature %q, want %q", b, sig)
		return false
	}
	return true
}

// checksum verifies the lookup3 checksum stored at the current position
// against the bytes from start to here, and moves past it.
func (d *dec) checksum(start int) {
	if d.err != nil {
		return
	}
	sum := lookup3(d.b[start:d.pos])
	if checksumHook != nil {
		checksumHook(d.at+uint64(start), uint64(d.pos+4-start))
	}
	at := d.pos
	stored := d.u32()
	if d.err == nil && stored != sum {
		d.pos = at
		d.fail("checksum mismatch (stored %#08x, computed %#08x)", stored, sum)
	}
}

// mulCheck multiplies, reporting overflow past 2^63.
func mulCheck(a, b uint64) (uint64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	p := a * b
	if p/b != a || p > 1<<62 {
		return 0, false
	}
	return p, true
}

// log2Floor is ⌊log₂ n⌋ for n > 0 (H5VM_log2_gen).
func log2Floor(n uint64) int {
	r := -1
	for n > 0 {
		n >>= 1
		r++
	}
	return r
}

// limitEncSize is the number of bytes that encode n (H5VM_limit_enc_size).
func limitEncSize(n uint64) int {
	if n == 0 {
		return 1
	}
	return log2Floor(n)/8 + 1
}
