package hdf5

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
)

// chunkRef is one stored chunk: its position in the chunk grid, where it
// is and how it is stored.
type chunkRef struct {
	scaled []uint64
	addr   uint64
	size   uint64
	mask   uint32 // bit i set: filter i was not applied
}

// chunkGeom is a chunked dataset's geometry.
type chunkGeom struct {
	dims, cdims []uint64
	grid        []uint64 // chunks along each dimension of the dataset
	maxGrid     []uint64 // chunks along each dimension at the maximum size; 0 for unlimited
	elem        uint64
	chunkBytes  uint64
}

func (ds *Dataset) geometry() (*chunkGeom, error) {
	l := ds.layout
	g := &chunkGeom{dims: ds.space.dims, cdims: l.chunk, elem: uint64(ds.dtype.stored)}
	g.chunkBytes = g.elem
	for i, c := range l.chunk {
		var ok bool
		if g.chunkBytes, ok = mulCheck(g.chunkBytes, c); !ok || g.chunkBytes > ds.f.maxDataBytes || g.chunkBytes >= 1<<32 {
			return nil, ds.f.corrupt(ds.path, l.at, "chunks of %v elements of %d bytes", l.chunk, g.elem)
		}
		n := g.dims[i]
		g.grid = append(g.grid, (n+c-1)/c)
		max := n
		if ds.space.maxdims != nil {
			max = ds.space.maxdims[i]
		}
		if max == undef {
			g.maxGrid = append(g.maxGrid, 0)
		} else {
			g.maxGrid = append(g.maxGrid, (max+c-1)/c)
		}
	}
	return g, nil
}

// forEachChunk calls fn with the grid position of every chunk that holds
// dataset elements.
func (g *chunkGeom) forEachChunk(fn func(scaled []uint64) error) error {
	for _, n := range g.grid {
		if n == 0 {
			return nil
		}
	}
	pos := make([]uint64, len(g.grid))
	for {
		if err := fn(pos); err != nil {
			return err
		}
		i := len(pos) - 1
		for ; i >= 0; i-- {
			if pos[i]++; pos[i] < g.grid[i] {
				break
			}
			pos[i] = 0
		}
		if i < 0 {
			return nil
		}
	}
}

// linear is a chunk's index in the row-major order of the grid at the
// maximum size, the unlimited dimension (if any, at most one) moved first
// as the extensible array index swizzles it.
func (g *chunkGeom) linear(scaled []uint64, unlim int) uint64 {
	n := len(scaled)
	order := make([]int, 0, n)
	if unlim >= 0 {
		order = append(order, unlim)
	}
	for i := range n {
		if i != unlim {
			order = append(order, i)
		}
	}
	idx, down := uint64(0), uint64(1)
	for k := n - 1; k >= 0; k-- {
		i := order[k]
		idx += scaled[i] * down
		down *= g.maxGrid[i]
	}
	return idx
}

// readChunks reads the box b of a chunked dataset into out, which holds
// fill values: only the chunks that meet the box are read and decoded.
func (ds *Dataset) readChunks(out []byte, b box) error {
	f, l := ds.f, ds.layout
	g, err := ds.geometry()
	if err != nil {
		return err
	}
	filtered := len(ds.filters) > 0
	seen := map[string]bool{}
	use := func(c chunkRef) error {
		for i, s := range c.scaled {
			if s >= g.grid[i] {
				return nil // beyond the dataset's extent: libhdf5 ignores it too
			}
		}
		key := fmt.Sprint(c.scaled)
		if seen[key] {
			return f.corrupt(ds.path, noOffset, "chunk %v indexed twice", c.scaled)
		}
		seen[key] = true
		for i, s := range c.scaled {
			if lo := s * g.cdims[i]; lo >= b.start[i]+b.count[i] || lo+g.cdims[i] <= b.start[i] {
				return nil // outside the box: not read
			}
		}
		return ds.readChunk(g, c, out, b)
	}
	if l.addr == undef {
		return nil // no chunk written: all fill values
	}
	switch l.index {
	case indexBTree1:
		rank := len(g.dims)
		return f.walkBTree1(l.addr, btreeChunk, 8+8*(rank+1), ds.path, func(key *dec, child uint64) error {
			c := chunkRef{addr: child, size: uint64(key.u32()), mask: key.u32()}
			for i := 0; i <= rank; i++ {
				off := key.u64()
				if i == rank {
					if off != 0 && key.err == nil {
						key.fail("chunk offset %d in the element dimension", off)
					}
					break
				}
				if off%g.cdims[i] != 0 && key.err == nil {
					key.fail("chunk offset %d not a multiple of the chunk size %d", off, g.cdims[i])
				}
				c.scaled = append(c.scaled, off/g.cdims[i])
			}
			if key.err != nil {
				return key.err
			}
			return use(c)
		})
	case indexSingle:
		c := chunkRef{scaled: make([]uint64, len(g.dims)), addr: l.addr, size: g.chunkBytes}
		if l.flags&2 != 0 {
			c.size, c.mask = l.singleSize, l.singleMask
		} else if filtered {
			return f.corrupt(ds.path, l.at, "single filtered chunk without its stored size")
		}
		return use(c)
	case indexImplicit:
		if filtered {
			return f.corrupt(ds.path, l.at, "implicit chunk index with filters")
		}
		if _, err := f.gridElements(g, -1, ds.path); err != nil {
			return err
		}
		return g.forEachChunk(func(s []uint64) error {
			idx := g.linear(s, -1)
			off, ok := mulCheck(idx, g.chunkBytes)
			if !ok || off > f.size {
				return f.corrupt(ds.path, l.at, "implicit chunk %d past the end of the file", idx)
			}
			return use(chunkRef{scaled: append([]uint64(nil), s...), addr: l.addr + off, size: g.chunkBytes})
		})
	case indexFixed:
		fa, err := f.openFixedArray(l, g, filtered, ds.path)
		if err != nil {
			return err
		}
		return g.forEachChunk(func(s []uint64) error {
			c, err := fa.entry(g.linear(s, -1))
			if err != nil || c.addr == undef {
				return err
			}
			c.scaled = append([]uint64(nil), s...)
			return use(c)
		})
	case indexExtArray:
		unlim := -1
		for i, m := range g.maxGrid {
			if m == 0 {
				if unlim >= 0 {
					return f.corrupt(ds.path, l.at, "extensible array chunk index with two unlimited dimensions")
				}
				unlim = i
			}
		}
		if unlim < 0 {
			return f.corrupt(ds.path, l.at, "extensible array chunk index without an unlimited dimension")
		}
		if n, err := f.gridElements(g, unlim, ds.path); err != nil {
			return err
		} else if _, ok := mulCheck(n, g.grid[unlim]); !ok {
			return f.corrupt(ds.path, l.at, "chunk grid of %v chunks overflows", g.grid)
		}
		ea, err := f.openExtArray(l, g, filtered, ds.path)
		if err != nil {
			return err
		}
		return g.forEachChunk(func(s []uint64) error {
			c, err := ea.entry(g.linear(s, unlim))
			if err != nil || c.addr == undef {
				return err
			}
			c.scaled = append([]uint64(nil), s...)
			return use(c)
		})
	case indexBTree2:
		typ, rec := 10, f.sizeOffsets+8*len(g.dims)
		csl := chunkSizeLen(g.chunkBytes)
		if filtered {
			typ, rec = 11, rec+csl+4
		}
		return f.walkBTree2(l.addr, typ, ds.path, func(d *dec) error {
			if d.rest() != rec {
				d.fail("record of %d bytes, want %d", d.rest(), rec)
				return d.err
			}
			c := chunkRef{addr: d.addr(), size: g.chunkBytes}
			if filtered {
				c.size = d.uvar(csl)
				c.mask = d.u32()
			}
			for range g.dims {
				c.scaled = append(c.scaled, d.u64())
			}
			if d.err != nil {
				return d.err
			}
			if c.addr == undef {
				return f.corrupt(ds.path, d.at, "chunk record at the undefined address")
			}
			return use(c)
		})
	}
	return f.unsupported(ds.path, l.at, "chunk index type %d", l.index)
}

// chunkSizeLen is the size of the field that records a filtered chunk's
// stored size in the version 4 chunk indexes.
func chunkSizeLen(chunkBytes uint64) int {
	return min(8, 1+(log2Floor(max(chunkBytes, 1))+8)/8)
}

// readChunk decodes one chunk and copies its elements into out.
func (ds *Dataset) readChunk(g *chunkGeom, c chunkRef, out []byte, b box) error {
	f := ds.f
	if c.addr == undef {
		return nil
	}
	d, err := f.read(c.addr, c.size, ds.path, "chunk")
	if err != nil {
		return err
	}
	data := d.b
	for i := len(ds.filters) - 1; i >= 0; i-- {
		if c.mask&(1<<i) != 0 {
			continue
		}
		if data, err = ds.unfilter(ds.filters[i], data, g.chunkBytes, d.at); err != nil {
			return err
		}
	}
	if uint64(len(data)) != g.chunkBytes {
		return f.corrupt(ds.path, d.at, "chunk %v decodes to %d bytes, want %d", c.scaled, len(data), g.chunkBytes)
	}
	copyChunk(out, g, c.scaled, data, b)
	return nil
}

// unfilter undoes one filter of the pipeline.
func (ds *Dataset) unfilter(fl filter, data []byte, chunkBytes, at uint64) ([]byte, error) {
	f := ds.f
	switch fl.id {
	case filterDeflate:
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, f.errAt(fmt.Errorf("%w: %w", ErrCorrupt, err), ds.path, offArg(at), "deflate-compressed chunk")
		}
		// No filter stage holds more than the chunk and a checksum.
		limit := chunkBytes + 64
		out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
		if err != nil {
			return nil, f.errAt(fmt.Errorf("%w: %w", ErrCorrupt, err), ds.path, offArg(at), "deflate-compressed chunk")
		}
		if uint64(len(out)) > limit {
			return nil, f.corrupt(ds.path, at, "deflate-compressed chunk inflates past its %d bytes", chunkBytes)
		}
		return out, nil
	case filterShuffle:
		es := ds.dtype.stored
		if len(fl.cd) > 0 {
			es = int(fl.cd[0])
		}
		if es <= 1 {
			return data, nil
		}
		n := len(data) / es
		if n <= 1 { // as libhdf5: nothing to reorder
			return data, nil
		}
		out := make([]byte, len(data))
		for b := range es {
			src := data[b*n : (b+1)*n]
			for i, c := range src {
				out[i*es+b] = c
			}
		}
		copy(out[n*es:], data[n*es:])
		return out, nil
	case filterFletcher32:
		if len(data) < 4 {
			return nil, f.corrupt(ds.path, at, "fletcher32 chunk of %d bytes", len(data))
		}
		body, tail := data[:len(data)-4], data[len(data)-4:]
		stored := uint32(tail[0]) | uint32(tail[1])<<8 | uint32(tail[2])<<16 | uint32(tail[3])<<24
		sum := fletcher32(body)
		// HDF5 before 1.6.3 stored the checksum with its bytes swapped in pairs.
		swapped := sum>>8&0x00ff00ff | sum<<8&0xff00ff00
		if stored != sum && stored != swapped {
			return nil, f.corrupt(ds.path, at, "fletcher32 checksum mismatch (stored %#08x, computed %#08x)", stored, sum)
		}
		return body, nil
	}
	return nil, f.unsupported(ds.path, at, "%s", fl)
}

// copyChunk copies the part of a chunk inside the dataset and the box b
// into out, which holds the box in row-major order.
func copyChunk(out []byte, g *chunkGeom, scaled []uint64, data []byte, b box) {
	rank := len(g.dims)
	// The chunk's elements in the box: lo[i] … hi[i]−1 along dimension i.
	lo := make([]uint64, rank)
	hi := make([]uint64, rank)
	for i := range rank {
		c := scaled[i] * g.cdims[i]
		lo[i] = max(c, b.start[i])
		hi[i] = min(c+g.cdims[i], g.dims[i], b.start[i]+b.count[i])
		if lo[i] >= hi[i] {
			return
		}
	}
	// Strides, in elements, of the box and of the chunk.
	bstride := make([]uint64, rank)
	cstride := make([]uint64, rank)
	bs, cs := uint64(1), uint64(1)
	for i := rank - 1; i >= 0; i-- {
		bstride[i], cstride[i] = bs, cs
		bs *= b.count[i]
		cs *= g.cdims[i]
	}
	run := (hi[rank-1] - lo[rank-1]) * g.elem
	idx := append([]uint64(nil), lo...)
	for {
		var src, dst uint64
		for i := range rank {
			src += (idx[i] - scaled[i]*g.cdims[i]) * cstride[i]
			dst += (idx[i] - b.start[i]) * bstride[i]
		}
		copy(out[dst*g.elem:dst*g.elem+run], data[src*g.elem:src*g.elem+run])
		i := rank - 2
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < hi[i] {
				break
			}
			idx[i] = lo[i]
		}
		if i < 0 {
			return
		}
	}
}
