package hdf5

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Dataset is an HDF5 dataset. Its values are read, whole, by Float64s,
// Int64s or Strings, or a box of them by Float64sIn.
type Dataset struct {
	f       *File
	path    string
	space   dataspace
	dtype   Datatype
	layout  *layout
	filters []filter
	fill    []byte // nil: zeros
	n       uint64 // elements
}

// Path is the dataset's path from the root, e.g. "/node/edges".
func (ds *Dataset) Path() string { return ds.path }

// Type describes the dataset's elements.
func (ds *Dataset) Type() Datatype { return ds.dtype }

// Shape is the dataset's dimensions; empty for a scalar and for a
// dataset with a null dataspace (h5py.Empty), which Len tells apart.
func (ds *Dataset) Shape() []int {
	s := make([]int, len(ds.space.dims))
	for i, d := range ds.space.dims {
		s[i] = int(d)
	}
	return s
}

// Len is the number of elements: 1 for a scalar, 0 for a null dataspace.
func (ds *Dataset) Len() int { return int(ds.n) }

// maxSharedDepth bounds chains of shared messages.
const maxSharedDepth = 4

func (f *File) openDataset(addr uint64, path string) (*Dataset, error) {
	oh, err := f.readObjectHeader(addr, path)
	if err != nil {
		return nil, err
	}
	if k, err := f.kindOf(oh, path); err != nil {
		return nil, err
	} else if k != KindDataset {
		return nil, fmt.Errorf("hdf5: %s is a %s, not a dataset", path, k)
	}
	ds := &Dataset{f: f, path: path}
	msg := func(typ uint16, what string, required bool) (*message, error) {
		m, err := f.one(oh, typ, path, what)
		if err != nil {
			return nil, err
		}
		if m == nil {
			if required {
				return nil, f.corrupt(path, noOffset, "dataset without a %s message", what)
			}
			return nil, nil
		}
		return f.resolveShared(m, path, 0)
	}
	if m, err := msg(msgExternal, "external data files", false); err != nil {
		return nil, err
	} else if m != nil {
		return nil, f.unsupported(path, m.at, "external data files")
	}
	m, err := msg(msgDataspace, "dataspace", true)
	if err != nil {
		return nil, err
	}
	if ds.space, err = f.parseDataspace(m.data, m.at, path); err != nil {
		return nil, err
	}
	var ok bool
	if ds.n, ok = ds.space.elements(); !ok {
		return nil, f.unsupported(path, m.at, "dataspace of more than 2^62 elements")
	}
	for _, d := range ds.space.dims {
		if d > 1<<62 {
			return nil, f.unsupported(path, m.at, "dimension of %d", d)
		}
	}
	if m, err = msg(msgDatatype, "datatype", true); err != nil {
		return nil, err
	}
	if ds.dtype, err = f.parseDatatype(m.data, m.at, path, 0); err != nil {
		return nil, err
	}
	if m, err = msg(msgLayout, "data layout", true); err != nil {
		return nil, err
	}
	if ds.layout, err = f.parseLayout(m.data, m.at, path); err != nil {
		return nil, err
	}
	if m, err = msg(msgPipeline, "filter pipeline", false); err != nil {
		return nil, err
	} else if m != nil {
		if ds.filters, err = f.parsePipeline(m.data, m.at, path); err != nil {
			return nil, err
		}
	}
	if m, err = msg(msgFill, "fill value", false); err != nil {
		return nil, err
	} else if m == nil {
		if m, err = msg(msgFillOld, "old fill value", false); err != nil {
			return nil, err
		}
	}
	if m != nil {
		if ds.fill, err = f.parseFill(m, path); err != nil {
			return nil, err
		}
		if err := ds.checkFill(m.at); err != nil {
			return nil, err
		}
	}
	if len(ds.filters) > 0 && ds.layout.class != layoutChunked {
		return nil, f.corrupt(path, ds.layout.at, "filters on a dataset that is not chunked")
	}
	if ds.layout.class == layoutChunked {
		if len(ds.layout.chunk) != len(ds.space.dims) {
			return nil, f.corrupt(path, ds.layout.at, "chunks of rank %d in a dataspace of rank %d", len(ds.layout.chunk), len(ds.space.dims))
		}
		if ds.layout.chunkElem != uint64(ds.dtype.stored) {
			return nil, f.corrupt(path, ds.layout.at, "chunk element size %d for %d-byte elements", ds.layout.chunkElem, ds.dtype.stored)
		}
	}
	return ds, nil
}

// checkFill accepts a fill value of the element size, or zeros.
func (ds *Dataset) checkFill(at uint64) error {
	if ds.fill == nil {
		return nil
	}
	zero := true
	for _, c := range ds.fill {
		zero = zero && c == 0
	}
	switch {
	case zero:
		ds.fill = nil
	case ds.dtype.VarLen:
		return ds.f.unsupported(ds.path, at, "fill value for variable-length strings")
	case len(ds.fill) != ds.dtype.stored:
		return ds.f.corrupt(ds.path, at, "fill value of %d bytes for %d-byte elements", len(ds.fill), ds.dtype.stored)
	}
	return nil
}

// resolveShared follows a message shared through a committed datatype's
// object header to the message itself.
func (f *File) resolveShared(m *message, path string, depth int) (*message, error) {
	if m.flags&msgFlagShared == 0 {
		return m, nil
	}
	if depth >= maxSharedDepth {
		return nil, f.corrupt(path, m.at, "shared message chain over %d long", maxSharedDepth)
	}
	d := f.newDec(m.data, m.at, path, "shared message")
	version := d.u8()
	typ := d.u8()
	var addr uint64
	switch version {
	case 1:
		d.skip(6)
		d.skip(f.sizeLengths)
		addr = d.addr()
	case 2:
		addr = d.addr()
	case 3:
		if typ == 1 {
			return nil, f.unsupported(path, m.at, "message shared in the shared object header message heap")
		}
		if typ != 2 {
			d.fail("sharing type %d", typ)
		}
		addr = d.addr()
	default:
		d.fail("version %d", version)
	}
	if d.err != nil {
		return nil, d.err
	}
	oh, err := f.readObjectHeader(addr, path)
	if err != nil {
		return nil, err
	}
	target, err := f.one(oh, m.typ, path, "shared")
	if err != nil {
		return nil, err
	}
	if target == nil {
		return nil, f.corrupt(path, m.at, "shared message type %#x not in the object header at address %d", m.typ, addr)
	}
	return f.resolveShared(target, path, depth+1)
}

// raw reads all elements, as stored, in row-major order.
func (ds *Dataset) raw() ([]byte, error) {
	f, l := ds.f, ds.layout
	total, ok := mulCheck(ds.n, uint64(ds.dtype.stored))
	// The decoded values (8 bytes each, 16 for a string header) count too.
	decoded, ok2 := mulCheck(ds.n, 16)
	if !ok || !ok2 || total > f.maxDataBytes || decoded > 2*f.maxDataBytes {
		return nil, f.unsupported(ds.path, l.at, "dataset of %d elements of %d bytes, more than this reader decodes from a %d-byte file (its limit is %d bytes)",
			ds.n, ds.dtype.stored, f.size, f.maxDataBytes)
	}
	switch l.class {
	case layoutCompact:
		if uint64(len(l.compact)) != total {
			return nil, f.corrupt(ds.path, l.at, "compact data of %d bytes for %d bytes of elements", len(l.compact), total)
		}
		return append([]byte(nil), l.compact...), nil
	case layoutContiguous:
		if l.addr == undef {
			return ds.filled(total), nil
		}
		if l.size != total {
			return nil, f.corrupt(ds.path, l.at, "contiguous data of %d bytes for %d bytes of elements", l.size, total)
		}
		d, err := f.read(l.addr, total, ds.path, "contiguous data")
		if err != nil {
			return nil, err
		}
		return d.b, nil
	}
	out := ds.filled(total)
	if total == 0 {
		return out, nil
	}
	return out, ds.readChunks(out, box{start: make([]uint64, len(ds.space.dims)), count: ds.space.dims})
}

// box is a hyperslab: count[i] elements from start[i] along dimension i.
type box struct {
	start, count []uint64
}

// elements is the number of elements in the box.
func (b box) elements() uint64 {
	n := uint64(1)
	for _, c := range b.count {
		n *= c
	}
	return n
}

// flat is the dataset's row-major index of the box's i-th element.
func (b box) flat(i uint64, dims []uint64) uint64 {
	idx, down := uint64(0), uint64(1)
	for k := len(dims) - 1; k >= 0; k-- {
		idx += (b.start[k] + i%b.count[k]) * down
		i /= b.count[k]
		down *= dims[k]
	}
	return idx
}

// rawBox reads the elements of box b, as stored, in row-major order,
// reading no more of a contiguous dataset than the box's runs along the
// last dimension and, of a chunked one, only the chunks the box meets.
func (ds *Dataset) rawBox(b box) ([]byte, error) {
	f, l := ds.f, ds.layout
	elem := uint64(ds.dtype.stored)
	n := b.elements()
	total, ok := mulCheck(n, elem)
	if decoded, ok2 := mulCheck(n, 16); !ok || !ok2 || total > f.maxDataBytes || decoded > 2*f.maxDataBytes {
		return nil, f.unsupported(ds.path, l.at, "box of %d elements of %d bytes, more than this reader decodes from a %d-byte file (its limit is %d bytes)",
			n, elem, f.size, f.maxDataBytes)
	}
	if l.class == layoutChunked {
		out := ds.filled(total)
		if total == 0 {
			return out, nil
		}
		return out, ds.readChunks(out, b)
	}
	whole, _ := mulCheck(ds.n, elem)
	if l.class == layoutCompact && uint64(len(l.compact)) != whole {
		return nil, f.corrupt(ds.path, l.at, "compact data of %d bytes for %d bytes of elements", len(l.compact), whole)
	}
	if l.class == layoutContiguous {
		if l.addr == undef {
			return ds.filled(total), nil
		}
		if l.size != whole {
			return nil, f.corrupt(ds.path, l.at, "contiguous data of %d bytes for %d bytes of elements", l.size, whole)
		}
	}
	out := make([]byte, total)
	if total == 0 {
		return out, nil
	}
	// A run is contiguous in the file: the box's last dimension, and the
	// ones before it while the box spans all of those after.
	dims := ds.space.dims
	rank := len(dims)
	k, run := rank-1, b.count[rank-1]
	for k > 0 && b.count[k] == dims[k] {
		k--
		run *= b.count[k]
	}
	stride := make([]uint64, rank) // the dataset's, in elements
	s := uint64(1)
	for i := rank - 1; i >= 0; i-- {
		stride[i], s = s, s*dims[i]
	}
	idx := make([]uint64, k) // position among the runs
	for dst := uint64(0); dst < total; dst += run * elem {
		src := b.start[k] * stride[k]
		for i, x := range idx {
			src += (b.start[i] + x) * stride[i]
		}
		if l.class == layoutCompact {
			copy(out[dst:dst+run*elem], l.compact[src*elem:])
		} else {
			d, err := f.read(l.addr+src*elem, run*elem, ds.path, "contiguous data")
			if err != nil {
				return nil, err
			}
			copy(out[dst:], d.b)
		}
		for i := k - 1; i >= 0; i-- {
			if idx[i]++; idx[i] < b.count[i] {
				break
			}
			idx[i] = 0
		}
	}
	return out, nil
}

// Chunk is the shape of a chunked dataset's chunks, nil for another
// layout: reading boxes aligned to it decodes each chunk once.
func (ds *Dataset) Chunk() []int {
	if ds.layout.class != layoutChunked {
		return nil
	}
	c := make([]int, len(ds.layout.chunk))
	for i, d := range ds.layout.chunk {
		c[i] = int(d)
	}
	return c
}

// Float64sIn reads the box of count[i] elements from start[i] along each
// dimension i of a numeric dataset, as Float64s reads the whole, in
// row-major order: of a contiguous dataset only the box's bytes are read,
// of a chunked one only the chunks it meets.
func (ds *Dataset) Float64sIn(start, count []int) ([]float64, error) {
	dims := ds.space.dims
	if len(start) != len(dims) || len(count) != len(dims) || len(dims) == 0 {
		return nil, fmt.Errorf("hdf5: %s: a box of %d and %d dimensions in a dataset of %d", ds.path, len(start), len(count), len(dims))
	}
	b := box{start: make([]uint64, len(dims)), count: make([]uint64, len(dims))}
	for i := range dims {
		if start[i] < 0 || count[i] < 0 || uint64(start[i]) > dims[i] || uint64(count[i]) > dims[i]-uint64(start[i]) {
			return nil, fmt.Errorf("hdf5: %s: box %v+%v is outside the dataset's shape %v", ds.path, start, count, ds.Shape())
		}
		b.start[i], b.count[i] = uint64(start[i]), uint64(count[i])
	}
	if ds.dtype.Class == ClassString {
		return nil, fmt.Errorf("hdf5: %s: a %s dataset has no numbers", ds.path, ds.dtype)
	}
	raw, err := ds.rawBox(b)
	if err != nil {
		return nil, err
	}
	return ds.float64s(raw, func(i int) uint64 { return b.flat(uint64(i), dims) })
}

// filled returns n bytes of fill value.
func (ds *Dataset) filled(n uint64) []byte {
	b := make([]byte, n)
	if ds.fill != nil {
		for i := 0; i < len(b); i += len(ds.fill) {
			copy(b[i:], ds.fill)
		}
	}
	return b
}

// Float64s reads a numeric dataset as float64 in row-major order. Floats
// of 16, 32 and 64 bits convert exactly; integers convert when the float64
// holds them exactly (|v| ≤ 2^53) and are an error otherwise.
func (ds *Dataset) Float64s() ([]float64, error) {
	t := ds.dtype
	if t.Class == ClassString {
		return nil, fmt.Errorf("hdf5: %s: a %s dataset has no numbers", ds.path, t)
	}
	raw, err := ds.raw()
	if err != nil {
		return nil, err
	}
	return ds.float64s(raw, func(i int) uint64 { return uint64(i) })
}

// float64s converts raw stored values to float64, naming the element at
// flat index at(i) when the i-th has no exact float64.
func (ds *Dataset) float64s(raw []byte, at func(i int) uint64) ([]float64, error) {
	t := ds.dtype
	order := byteOrder(t)
	out := make([]float64, len(raw)/t.Size)
	for i := range out {
		b := raw[i*t.Size : (i+1)*t.Size]
		if t.Class == ClassFloat {
			switch t.Size {
			case 2:
				out[i] = float16(order.Uint16(b))
			case 4:
				out[i] = float64(math.Float32frombits(order.Uint32(b)))
			case 8:
				out[i] = math.Float64frombits(order.Uint64(b))
			}
			continue
		}
		v, u, neg := intValue(b, t, order)
		if neg {
			if v < -(1 << 53) {
				return nil, fmt.Errorf("hdf5: %s: element %d, %d, has no exact float64", ds.path, at(i), v)
			}
			out[i] = float64(v)
		} else {
			if u > 1<<53 {
				return nil, fmt.Errorf("hdf5: %s: element %d, %d, has no exact float64", ds.path, at(i), u)
			}
			out[i] = float64(u)
		}
	}
	return out, nil
}

// Int64s reads an integer dataset in row-major order; an unsigned value
// over 2^63-1 is an error, and so is a dataset of floats or strings.
func (ds *Dataset) Int64s() ([]int64, error) {
	return readInts(ds, func(i int, v int64, u uint64, neg bool) (int64, error) {
		if neg {
			return v, nil
		}
		if u > math.MaxInt64 {
			return 0, fmt.Errorf("hdf5: %s: element %d, %d, overflows int64", ds.path, i, u)
		}
		return int64(u), nil
	})
}

// Uint64s reads an integer dataset in row-major order; a negative value
// is an error, and so is a dataset of floats or strings.
func (ds *Dataset) Uint64s() ([]uint64, error) {
	return readInts(ds, func(i int, v int64, u uint64, neg bool) (uint64, error) {
		if neg {
			return 0, fmt.Errorf("hdf5: %s: element %d, %d, is negative", ds.path, i, v)
		}
		return u, nil
	})
}

// readInts reads an integer dataset, converting element i (v when
// negative, else u) with conv.
func readInts[E int64 | uint64](ds *Dataset, conv func(i int, v int64, u uint64, neg bool) (E, error)) ([]E, error) {
	t := ds.dtype
	if t.Class != ClassInteger {
		return nil, fmt.Errorf("hdf5: %s: a %s dataset has no integers", ds.path, t)
	}
	raw, err := ds.raw()
	if err != nil {
		return nil, err
	}
	order := byteOrder(t)
	out := make([]E, ds.n)
	for i := range out {
		v, u, neg := intValue(raw[i*t.Size:(i+1)*t.Size], t, order)
		if out[i], err = conv(i, v, u, neg); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Strings reads a string dataset in row-major order: a scalar gives one
// string. Fixed-length strings end at their first NUL when
// null-terminated and lose their trailing NULs or spaces when null- or
// space-padded, as HDF5 converts them; variable-length strings are read
// from the global heap. The bytes are returned as stored, UTF-8 or ASCII
// (see Type), unvalidated.
func (ds *Dataset) Strings() ([]string, error) {
	t := ds.dtype
	if t.Class != ClassString {
		return nil, fmt.Errorf("hdf5: %s: a %s dataset has no strings", ds.path, t)
	}
	raw, err := ds.raw()
	if err != nil {
		return nil, err
	}
	f := ds.f
	out := make([]string, ds.n)
	total := uint64(0)
	for i := range out {
		b := raw[i*t.stored : (i+1)*t.stored]
		if !t.VarLen {
			out[i] = trimString(b, t.Pad)
			continue
		}
		d := f.newDec(b, noOffset, ds.path, "variable-length string")
		n := uint64(d.u32())
		addr := d.addr()
		index := d.u32()
		if n == 0 {
			continue
		}
		if total += n; total > f.maxDataBytes {
			return nil, f.unsupported(ds.path, noOffset, "variable-length strings of more than %d bytes in all", f.maxDataBytes)
		}
		obj, err := f.globalObject(addr, index, ds.path)
		if err != nil {
			return nil, err
		}
		if n > uint64(len(obj)) {
			return nil, f.corrupt(ds.path, noOffset, "variable-length string %d of %d bytes in a heap object of %d", i, n, len(obj))
		}
		out[i] = string(obj[:n])
	}
	return out, nil
}

func trimString(b []byte, pad StringPad) string {
	switch pad {
	case PadNullTerm:
		for i, c := range b {
			if c == 0 {
				return string(b[:i])
			}
		}
	case PadNull, PadSpace:
		c := byte(0)
		if pad == PadSpace {
			c = ' '
		}
		for len(b) > 0 && b[len(b)-1] == c {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}

func byteOrder(t Datatype) binary.ByteOrder {
	if t.BigEndian {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// intValue decodes an integer: v when negative (neg), u otherwise.
func intValue(b []byte, t Datatype, order binary.ByteOrder) (v int64, u uint64, neg bool) {
	switch t.Size {
	case 1:
		u = uint64(b[0])
	case 2:
		u = uint64(order.Uint16(b))
	case 4:
		u = uint64(order.Uint32(b))
	case 8:
		u = order.Uint64(b)
	}
	if t.Signed {
		shift := 64 - 8*uint(t.Size)
		v = int64(u<<shift) >> shift
		if v < 0 {
			return v, 0, true
		}
	}
	return 0, u, false
}

// float16 converts an IEEE 754 binary16 value exactly.
func float16(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp, mant := int(h>>10&0x1f), float64(h&0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(mant, -24)
	case 31:
		if mant == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1024+mant, exp-25)
}
