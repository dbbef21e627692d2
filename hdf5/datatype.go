package hdf5

import "fmt"

// Class is the kind of value a dataset holds.
type Class int

// The datatype classes this reader decodes.
const (
	ClassInteger Class = iota + 1 // HDF5 fixed-point
	ClassFloat                    // HDF5 floating-point, IEEE 754
	ClassString                   // fixed- or variable-length strings
)

func (c Class) String() string {
	switch c {
	case ClassInteger:
		return "integer"
	case ClassFloat:
		return "float"
	case ClassString:
		return "string"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// StringPad is how a fixed-length string fills its unused bytes.
type StringPad int

// HDF5's string padding types.
const (
	PadNullTerm StringPad = 0 // ends at the first NUL
	PadNull     StringPad = 1 // padded with NULs
	PadSpace    StringPad = 2 // padded with spaces
)

// Datatype describes a dataset's elements as the file stores them.
type Datatype struct {
	Class Class
	// Size is the size of one element in bytes: 1, 2, 4 or 8 for numbers,
	// the length for fixed-length strings, 0 for variable-length strings.
	Size int
	// BigEndian reports big-endian numbers.
	BigEndian bool
	// Signed reports a signed (two's complement) integer.
	Signed bool
	// VarLen reports a variable-length string.
	VarLen bool
	// UTF8 reports a UTF-8 string; otherwise ASCII.
	UTF8 bool
	// Pad is a fixed-length string's padding.
	Pad StringPad

	stored int // bytes per element in the file (vlen: length + heap ID)
}

// String formats the type as "int64", "float32 big-endian",
// "string[12] ASCII null-padded" or "string (variable length, UTF-8)".
func (t Datatype) String() string {
	var s string
	switch t.Class {
	case ClassInteger:
		s = fmt.Sprintf("int%d", 8*t.Size)
		if !t.Signed {
			s = "u" + s
		}
	case ClassFloat:
		s = fmt.Sprintf("float%d", 8*t.Size)
	case ClassString:
		cs := "ASCII"
		if t.UTF8 {
			cs = "UTF-8"
		}
		if t.VarLen {
			return "string (variable length, " + cs + ")"
		}
		pad := [...]string{"null-terminated", "null-padded", "space-padded"}[t.Pad]
		return fmt.Sprintf("string[%d] %s %s", t.Size, cs, pad)
	default:
		return t.Class.String()
	}
	if t.BigEndian && t.Size > 1 {
		s += " big-endian"
	}
	return s
}

// datatypeClassNames names HDF5's datatype classes for errors.
var datatypeClassNames = [...]string{
	"fixed-point", "floating-point", "time", "string", "bitfield", "opaque",
	"compound", "reference", "enumerated", "variable-length", "array", "complex",
}

func className(c int) string {
	if c < len(datatypeClassNames) {
		return fmt.Sprintf("datatype class %d (%s)", c, datatypeClassNames[c])
	}
	return fmt.Sprintf("datatype class %d", c)
}

// ieee gives the properties of an IEEE 754 binary format of each size:
// exponent location and size, mantissa size, exponent bias.
var ieee = map[int]struct{ expLoc, expSize, mantSize, bias int }{
	2: {10, 5, 10, 15},
	4: {23, 8, 23, 127},
	8: {52, 11, 52, 1023},
}

// parseDatatype decodes a datatype message.
func (f *File) parseDatatype(b []byte, at uint64, path string, depth int) (Datatype, error) {
	d := f.newDec(b, at, path, "datatype message")
	cv := d.u8()
	bf := uint32(d.u8()) | uint32(d.u8())<<8 | uint32(d.u8())<<16
	size := d.u32()
	if d.err != nil {
		return Datatype{}, d.err
	}
	class, version := int(cv&0x0f), int(cv>>4)
	if version < 1 || version > 4 {
		return Datatype{}, f.unsupported(path, at, "datatype message version %d", version)
	}
	var t Datatype
	switch class {
	case 0: // fixed-point
		off, prec := d.u16(), d.u16()
		if d.err != nil {
			return t, d.err
		}
		if size != 1 && size != 2 && size != 4 && size != 8 {
			return t, f.unsupported(path, at, "%d-byte integers", size)
		}
		if off != 0 || uint32(prec) != 8*size {
			return t, f.unsupported(path, at, "integers of %d bits at bit offset %d in %d bytes", prec, off, size)
		}
		t = Datatype{Class: ClassInteger, Size: int(size), BigEndian: bf&1 != 0, Signed: bf&8 != 0}
	case 1: // floating-point
		off, prec := d.u16(), d.u16()
		expLoc, expSize, mantLoc, mantSize := d.u8(), d.u8(), d.u8(), d.u8()
		bias := d.u32()
		if d.err != nil {
			return t, d.err
		}
		order := bf&1 | (bf>>5)&2
		switch order {
		case 0, 1:
		case 3:
			return t, f.unsupported(path, at, "VAX-order floating point")
		default:
			return t, f.corrupt(path, at, "floating-point byte order bits %#x", order)
		}
		want, ok := ieee[int(size)]
		sign := int(bf >> 8 & 0xff)
		norm := bf >> 4 & 3
		if !ok || off != 0 || uint32(prec) != 8*size || int(expLoc) != want.expLoc || int(expSize) != want.expSize ||
			mantLoc != 0 || int(mantSize) != want.mantSize || int(bias) != want.bias || sign != int(8*size-1) || norm != 2 {
			return t, f.unsupported(path, at, "floating point of %d bytes that is not IEEE 754 (precision %d at offset %d, sign bit %d, exponent %d bits at %d, bias %d, mantissa %d bits at %d, normalization %d)",
				size, prec, off, sign, expSize, expLoc, bias, mantSize, mantLoc, norm)
		}
		t = Datatype{Class: ClassFloat, Size: int(size), BigEndian: order == 1}
	case 3: // string
		if size == 0 {
			return t, f.corrupt(path, at, "fixed-length string of 0 bytes")
		}
		pad, cs := StringPad(bf&0x0f), bf>>4&0x0f
		if pad > PadSpace || cs > 1 {
			return t, f.unsupported(path, at, "string padding %d, character set %d", pad, cs)
		}
		t = Datatype{Class: ClassString, Size: int(size), UTF8: cs == 1, Pad: pad}
	case 9: // variable-length
		if bf&0x0f != 1 {
			return t, f.unsupported(path, at, "variable-length sequences (only variable-length strings are read)")
		}
		pad, cs := StringPad(bf>>4&0x0f), bf>>8&0x0f
		if pad > PadSpace || cs > 1 {
			return t, f.unsupported(path, at, "string padding %d, character set %d", pad, cs)
		}
		if depth > 0 {
			return t, f.unsupported(path, at, "nested variable-length types")
		}
		// The base type, a one-byte character type, must itself decode.
		base, err := f.parseDatatype(d.b[d.pos:], d.off(), path, depth+1)
		if err != nil {
			return t, err
		}
		if base.stored != 1 {
			return t, f.unsupported(path, at, "variable-length string of %d-byte characters", base.stored)
		}
		t = Datatype{Class: ClassString, VarLen: true, UTF8: cs == 1, Pad: pad}
		size = uint32(4 + f.sizeOffsets + 4)
	default:
		return t, f.unsupported(path, at, "%s", className(class))
	}
	t.stored = int(size)
	return t, nil
}

// dataspace is a dataspace message.
type dataspace struct {
	null    bool
	dims    []uint64
	maxdims []uint64 // nil when not stored; undef for unlimited
}

// maxRank is HDF5's limit on a dataspace's rank.
const maxRank = 32

func (f *File) parseDataspace(b []byte, at uint64, path string) (dataspace, error) {
	d := f.newDec(b, at, path, "dataspace message")
	version := d.u8()
	rank := int(d.u8())
	flags := d.u8()
	var s dataspace
	switch version {
	case 1:
		d.skip(5)
		if flags&2 != 0 {
			return s, f.unsupported(path, at, "dataspace permutation index")
		}
	case 2:
		switch typ := d.u8(); typ {
		case 0:
			if rank != 0 {
				d.fail("scalar of rank %d", rank)
			}
		case 1:
		case 2:
			s.null = true
			if rank != 0 {
				d.fail("null dataspace of rank %d", rank)
			}
		default:
			d.fail("dataspace type %d", typ)
		}
	default:
		if d.err == nil {
			return s, f.unsupported(path, at, "dataspace message version %d", version)
		}
	}
	if rank > maxRank {
		d.fail("rank %d (at most %d)", rank, maxRank)
	}
	if d.err != nil {
		return s, d.err
	}
	s.dims = make([]uint64, rank)
	for i := range s.dims {
		s.dims[i] = d.length()
	}
	if flags&1 != 0 {
		s.maxdims = make([]uint64, rank)
		for i := range s.maxdims {
			s.maxdims[i] = d.length()
			if s.maxdims[i] != undef && s.maxdims[i] < s.dims[i] {
				d.fail("dimension %d of size %d over its maximum %d", i, s.dims[i], s.maxdims[i])
			}
		}
	}
	for i, n := range s.dims {
		if n == undef {
			d.fail("dimension %d of undefined size", i)
		}
	}
	return s, d.err
}

// elements is the number of elements, checked against overflow.
func (s dataspace) elements() (uint64, bool) {
	if s.null {
		return 0, true
	}
	n := uint64(1)
	for _, d := range s.dims {
		var ok bool
		if n, ok = mulCheck(n, d); !ok {
			return 0, false
		}
	}
	return n, true
}
