package hdf5

import "fmt"

// Layout classes.
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2
	layoutVirtual    = 3
)

// Chunk index types (H5D_chunk_index_t).
const (
	indexBTree1   = 0
	indexSingle   = 1
	indexImplicit = 2
	indexFixed    = 3
	indexExtArray = 4
	indexBTree2   = 5
)

var indexNames = [...]string{"version 1 B-tree", "single chunk", "implicit", "fixed array", "extensible array", "version 2 B-tree"}

// layout is a data layout message.
type layout struct {
	version int
	class   int
	at      uint64

	compact []byte // compact data

	addr uint64 // contiguous data, or the chunk index
	size uint64 // contiguous data size

	chunk      []uint64 // chunk dimensions, one per dataset dimension
	chunkElem  uint64   // element size recorded with the chunk dimensions
	flags      uint8
	index      int
	singleSize uint64 // single chunk index, filtered: stored size
	singleMask uint32
	pageBits   uint8 // fixed array
	ea         eaParams
}

type eaParams struct {
	maxNelmtsBits, idxBlkElmts, supBlkMinDataPtrs, dataBlkMinElmts, maxDblkPageNelmtsBits uint8
}

func (f *File) parseLayout(b []byte, at uint64, path string) (*layout, error) {
	d := f.newDec(b, at, path, "data layout message")
	l := &layout{version: int(d.u8()), at: at}
	if d.err != nil {
		return nil, d.err
	}
	if l.version < 3 || l.version > 4 {
		return nil, f.unsupported(path, at, "data layout message version %d (written by HDF5 before 1.6.3)", l.version)
	}
	l.class = int(d.u8())
	switch l.class {
	case layoutCompact:
		n := int(d.u16())
		l.compact = d.bytes(n)
	case layoutContiguous:
		l.addr = d.addr()
		l.size = d.length()
	case layoutChunked:
		var ndims int
		if l.version == 3 {
			ndims = int(d.u8())
			l.addr = d.addr()
			l.index = indexBTree1
		} else {
			l.flags = d.u8()
			ndims = int(d.u8())
			if l.flags&^3 != 0 {
				d.fail("chunked layout flags %#x", l.flags)
			}
		}
		if d.err == nil && (ndims < 2 || ndims > maxRank+1) {
			d.fail("chunk dimensionality %d", ndims)
		}
		enc := 4
		if l.version == 4 {
			enc = int(d.u8())
			if d.err == nil && (enc < 1 || enc > 8) {
				d.fail("%d bytes per chunk dimension", enc)
			}
		}
		if d.err != nil {
			return nil, d.err
		}
		dims := make([]uint64, ndims)
		for i := range dims {
			dims[i] = d.uvar(enc)
			if d.err == nil && dims[i] == 0 {
				d.fail("chunk dimension %d is 0", i)
			}
		}
		l.chunk, l.chunkElem = dims[:ndims-1], dims[ndims-1]
		if l.version == 4 {
			l.index = int(d.u8())
			switch l.index {
			case indexSingle:
				if l.flags&2 != 0 {
					l.singleSize = d.length()
					l.singleMask = d.u32()
				}
			case indexImplicit:
			case indexFixed:
				l.pageBits = d.u8()
				if d.err == nil && (l.pageBits == 0 || l.pageBits > 32) {
					d.fail("fixed array page bits %d", l.pageBits)
				}
			case indexExtArray:
				l.ea = eaParams{d.u8(), d.u8(), d.u8(), d.u8(), d.u8()}
			case indexBTree2:
				d.u32() // node size
				d.skip(2)
			default:
				if d.err == nil {
					d.fail("chunk index type %d", l.index)
				}
			}
			l.addr = d.addr()
			if l.flags&1 != 0 && d.err == nil {
				return nil, f.unsupported(path, at, "chunks with unfiltered partial edge chunks (H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS)")
			}
		}
	case layoutVirtual:
		return nil, f.unsupported(path, at, "virtual dataset layout")
	default:
		d.fail("layout class %d", l.class)
	}
	if d.err != nil {
		return nil, d.err
	}
	return l, nil
}

// Filter identifiers.
const (
	filterDeflate    = 1
	filterShuffle    = 2
	filterFletcher32 = 3
	filterSzip       = 4
	filterNbit       = 5
	filterScaleOff   = 6
)

var filterNames = map[uint16]string{
	filterDeflate: "deflate", filterShuffle: "shuffle", filterFletcher32: "fletcher32",
	filterSzip: "szip", filterNbit: "nbit", filterScaleOff: "scaleoffset",
	32000: "lzf", 32001: "blosc", 32004: "lz4", 32008: "bitshuffle", 32013: "zfp", 32015: "zstd",
}

type filter struct {
	id       uint16
	name     string
	optional bool
	cd       []uint32
}

func (fl filter) String() string {
	name := fl.name
	if n, ok := filterNames[fl.id]; ok && name == "" {
		name = n
	}
	if name == "" {
		return fmt.Sprintf("filter %d", fl.id)
	}
	return fmt.Sprintf("filter %d (%s)", fl.id, name)
}

// maxFilters is HDF5's limit on filters in one pipeline.
const maxFilters = 32

func (f *File) parsePipeline(b []byte, at uint64, path string) ([]filter, error) {
	d := f.newDec(b, at, path, "filter pipeline message")
	version := d.u8()
	n := int(d.u8())
	if d.err == nil && (version < 1 || version > 2) {
		return nil, f.unsupported(path, at, "filter pipeline message version %d", version)
	}
	if n > maxFilters {
		d.fail("%d filters", n)
	}
	if version == 1 {
		d.skip(6)
	}
	var fs []filter
	for i := 0; i < n && d.err == nil; i++ {
		var fl filter
		fl.id = d.u16()
		nameLen := 0
		if version == 1 || fl.id >= 256 {
			nameLen = int(d.u16())
		}
		flags := d.u16()
		fl.optional = flags&1 != 0
		ncd := int(d.u16())
		if nameLen > 0 {
			name := d.bytes(nameLen)
			for j, c := range name {
				if c == 0 {
					name = name[:j]
					break
				}
			}
			fl.name = string(name)
		}
		fl.cd = make([]uint32, 0, min(ncd, d.rest()/4+1))
		for j := 0; j < ncd && d.err == nil; j++ {
			fl.cd = append(fl.cd, d.u32())
		}
		if version == 1 && ncd%2 == 1 {
			d.skip(4)
		}
		fs = append(fs, fl)
	}
	return fs, d.err
}

// parseFill decodes a fill value message (new or old); nil means zeros.
func (f *File) parseFill(m *message, path string) ([]byte, error) {
	d := f.newDec(m.data, m.at, path, "fill value message")
	if m.typ == msgFillOld {
		n := d.u32()
		return d.bytes(int(min(n, 1<<30))), d.err
	}
	version := d.u8()
	defined := false
	switch version {
	case 1, 2:
		d.skip(2) // allocation and write times
		// As libhdf5 decodes both versions: a size only when defined.
		defined = d.u8() != 0
	case 3:
		flags := d.u8()
		if flags&0xc0 != 0 {
			d.fail("flags %#x", flags)
		}
		defined = flags&0x20 != 0
	default:
		if d.err == nil {
			return nil, f.unsupported(path, m.at, "fill value message version %d", version)
		}
	}
	if !defined || d.err != nil {
		return nil, d.err
	}
	n := d.u32()
	if n == 0 || n == ^uint32(0) {
		return nil, d.err
	}
	return d.bytes(int(min(n, 1<<30))), d.err
}

// Link types.
const (
	linkHard     = 0
	linkSoft     = 1
	linkExternal = 64
)

type link struct {
	name     string
	typ      int
	addr     uint64 // hard links
	target   string // soft and external links
	order    int64
	hasOrder bool
}

func (f *File) parseLink(b []byte, at uint64, path string) (link, error) {
	d := f.newDec(b, at, path, "link message")
	var l link
	if v := d.u8(); v != 1 && d.err == nil {
		return l, f.unsupported(path, at, "link message version %d", v)
	}
	flags := d.u8()
	if flags&0xe0 != 0 {
		d.fail("flags %#x", flags)
	}
	if flags&0x08 != 0 {
		l.typ = int(d.u8())
	}
	if flags&0x04 != 0 {
		l.order = int64(d.u64())
		l.hasOrder = true
	}
	if flags&0x10 != 0 {
		if cs := d.u8(); cs > 1 {
			d.fail("character set %d", cs)
		}
	}
	n := d.uvar(1 << (flags & 3))
	if d.err == nil && (n == 0 || n > uint64(d.rest())) {
		d.fail("link name of %d bytes", n)
	}
	l.name = string(d.bytes(int(n)))
	switch l.typ {
	case linkHard:
		l.addr = d.addr()
	default:
		m := int(d.u16())
		l.target = string(d.bytes(m))
	}
	return l, d.err
}

type linkInfo struct {
	tracked   bool
	heap      uint64 // fractal heap of dense links
	nameIndex uint64 // version 2 B-tree of link names
}

func (f *File) parseLinkInfo(b []byte, at uint64, path string) (linkInfo, error) {
	d := f.newDec(b, at, path, "link info message")
	var li linkInfo
	if v := d.u8(); v != 0 && d.err == nil {
		return li, f.unsupported(path, at, "link info message version %d", v)
	}
	flags := d.u8()
	if flags&^3 != 0 {
		d.fail("flags %#x", flags)
	}
	li.tracked = flags&1 != 0
	if li.tracked {
		d.u64() // maximum creation index
	}
	li.heap = d.addr()
	li.nameIndex = d.addr()
	if flags&2 != 0 {
		d.addr() // creation order index: the links carry their order anyway
	}
	return li, d.err
}
