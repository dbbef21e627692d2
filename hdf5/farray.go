package hdf5

// Fixed and extensible arrays: the chunk indexes HDF5 1.10 writes, with
// libver="latest", for datasets without and with one unlimited dimension.

// arrayEntry decodes one chunk entry of a fixed or extensible array.
type arrayEntry struct {
	size     int // bytes per entry
	filtered bool
	csl      int // filtered: size of the chunk size field
	chunk    uint64
}

func (f *File) newArrayEntry(g *chunkGeom, filtered bool) arrayEntry {
	e := arrayEntry{size: f.sizeOffsets, filtered: filtered, chunk: g.chunkBytes}
	if filtered {
		e.csl = chunkSizeLen(g.chunkBytes)
		e.size += e.csl + 4
	}
	return e
}

func (e arrayEntry) decode(d *dec) chunkRef {
	c := chunkRef{addr: d.addr(), size: e.chunk}
	if e.filtered {
		c.size = d.uvar(e.csl)
		c.mask = d.u32()
	}
	return c
}

// checkClient checks the array's client ID and entry size.
func (e arrayEntry) check(d *dec, client, size int) {
	want := 0
	if e.filtered {
		want = 1
	}
	if client != want {
		d.fail("client ID %d, want %d", client, want)
	} else if size != e.size {
		d.fail("entries of %d bytes, want %d", size, e.size)
	}
}

// gridElements is the number of chunks in the grid at the maximum size,
// leaving out the dimension skip (the unlimited one; -1 for none).
func (f *File) gridElements(g *chunkGeom, skip int, path string) (uint64, error) {
	n := uint64(1)
	for i, m := range g.maxGrid {
		if i == skip {
			continue
		}
		var ok bool
		if m == 0 {
			return 0, f.corrupt(path, noOffset, "unlimited dimension %d in a fixed-size chunk index", i)
		}
		if n, ok = mulCheck(n, m); !ok {
			return 0, f.corrupt(path, noOffset, "chunk grid of %v chunks overflows", g.maxGrid)
		}
	}
	return n, nil
}

type fixedArray struct {
	f        *File
	path     string
	e        arrayEntry
	n        uint64
	dblk     uint64
	pageN    uint64
	paged    bool
	bitmap   []byte
	prefix   uint64
	elements *dec            // unpaged: the data block's entries
	pages    map[uint64]*dec // paged: pages read so far
}

func (f *File) openFixedArray(l *layout, g *chunkGeom, filtered bool, path string) (*fixedArray, error) {
	want, err := f.gridElements(g, -1, path)
	if err != nil {
		return nil, err
	}
	fa := &fixedArray{f: f, path: path, e: f.newArrayEntry(g, filtered), pages: map[uint64]*dec{}}
	d, err := f.read(l.addr, uint64(4+1+1+1+1+f.sizeLengths+f.sizeOffsets+4), path, "fixed array header")
	if err != nil {
		return nil, err
	}
	d.signature("FAHD")
	if v := d.u8(); v != 0 && d.err == nil {
		return nil, f.unsupported(path, d.off()-1, "fixed array version %d", v)
	}
	client, esize := int(d.u8()), int(d.u8())
	fa.e.check(d, client, esize)
	bits := d.u8()
	if bits != l.pageBits && d.err == nil {
		d.fail("page bits %d, the layout says %d", bits, l.pageBits)
	}
	fa.n = d.length()
	fa.dblk = d.addr()
	d.checksum(0)
	if d.err != nil {
		return nil, d.err
	}
	if fa.n != want {
		return nil, f.corrupt(path, d.at, "fixed array of %d entries for a grid of %d chunks", fa.n, want)
	}
	if fa.dblk == undef {
		return fa, nil
	}
	fa.pageN = 1 << bits
	npages := uint64(0)
	if fa.n > fa.pageN {
		fa.paged = true
		npages = (fa.n + fa.pageN - 1) / fa.pageN
	}
	bitmapLen := (npages + 7) / 8
	fa.prefix = uint64(4+1+1+f.sizeOffsets) + bitmapLen + 4
	size := fa.prefix
	if !fa.paged {
		size += fa.n * uint64(fa.e.size)
	}
	hdrAddr := l.addr
	b, err := f.read(fa.dblk, size, path, "fixed array data block")
	if err != nil {
		return nil, err
	}
	b.signature("FADB")
	if v := b.u8(); v != 0 && b.err == nil {
		return nil, f.unsupported(path, b.off()-1, "fixed array data block version %d", v)
	}
	if c := int(b.u8()); c != client && b.err == nil {
		b.fail("client ID %d, the header's is %d", c, client)
	}
	if a := b.addr(); a != hdrAddr && b.err == nil {
		b.fail("header address %d, want %d", a, hdrAddr)
	}
	fa.bitmap = b.bytes(int(bitmapLen))
	start := b.pos
	b.skip(int(size) - 4 - b.pos)
	b.checksum(0)
	if b.err != nil {
		return nil, b.err
	}
	fa.elements = f.newDec(b.b[start:len(b.b)-4], b.at+uint64(start), path, "fixed array data block")
	return fa, nil
}

// entry returns chunk entry idx; an undefined address means no chunk.
func (fa *fixedArray) entry(idx uint64) (chunkRef, error) {
	f := fa.f
	if idx >= fa.n {
		return chunkRef{}, f.corrupt(fa.path, noOffset, "chunk %d past the fixed array's %d entries", idx, fa.n)
	}
	if fa.dblk == undef {
		return chunkRef{addr: undef}, nil
	}
	src, i := fa.elements, idx
	if fa.paged {
		page := idx / fa.pageN
		i = idx % fa.pageN
		if fa.bitmap[page/8]&(0x80>>(page%8)) == 0 {
			return chunkRef{addr: undef}, nil // page never written
		}
		if src = fa.pages[page]; src == nil {
			n := min(fa.pageN, fa.n-page*fa.pageN)
			psize := n*uint64(fa.e.size) + 4
			at := fa.dblk + fa.prefix + page*(fa.pageN*uint64(fa.e.size)+4)
			p, err := f.read(at, psize, fa.path, "fixed array data block page")
			if err != nil {
				return chunkRef{}, err
			}
			p.pos = int(psize) - 4
			p.checksum(0)
			if p.err != nil {
				return chunkRef{}, p.err
			}
			src = f.newDec(p.b[:psize-4], p.at, fa.path, "fixed array data block page")
			fa.pages[page] = src
		}
	}
	d := *src
	d.pos = int(i) * fa.e.size
	c := fa.e.decode(&d)
	return c, d.err
}

type extArray struct {
	f       *File
	path    string
	e       arrayEntry
	hdr     uint64
	p       eaParams
	offSize int
	ibElems *dec
	ibDblk  []uint64
	ibSblk  []uint64
	ibNsblk int
	sblk    []struct{ ndblks, dblkN, startIdx, startDblk uint64 }
	blocks  map[uint64]*dec // data blocks read so far
	supers  map[uint64][]uint64
}

func (f *File) openExtArray(l *layout, g *chunkGeom, filtered bool, path string) (*extArray, error) {
	ea := &extArray{f: f, path: path, e: f.newArrayEntry(g, filtered), hdr: l.addr, blocks: map[uint64]*dec{}, supers: map[uint64][]uint64{}}
	d, err := f.read(l.addr, uint64(4+1+1+1+5+6*f.sizeLengths+f.sizeOffsets+4), path, "extensible array header")
	if err != nil {
		return nil, err
	}
	d.signature("EAHD")
	if v := d.u8(); v != 0 && d.err == nil {
		return nil, f.unsupported(path, d.off()-1, "extensible array version %d", v)
	}
	client, esize := int(d.u8()), int(d.u8())
	ea.e.check(d, client, esize)
	// The header orders the parameters differently from the layout message.
	p := eaParams{maxNelmtsBits: d.u8(), idxBlkElmts: d.u8(), dataBlkMinElmts: d.u8(), supBlkMinDataPtrs: d.u8(), maxDblkPageNelmtsBits: d.u8()}
	ea.p = p
	if d.err == nil && p != l.ea {
		d.fail("parameters %v, the layout says %v", p, l.ea)
	}
	d.skip(6 * f.sizeLengths) // statistics
	ib := d.addr()
	d.checksum(0)
	if d.err != nil {
		return nil, d.err
	}
	pow2 := func(n uint8) bool { return n > 0 && n&(n-1) == 0 }
	if p.maxNelmtsBits == 0 || p.maxNelmtsBits > 64 || !pow2(p.dataBlkMinElmts) || !pow2(p.supBlkMinDataPtrs) ||
		p.idxBlkElmts == 0 || p.maxDblkPageNelmtsBits == 0 || int(p.maxNelmtsBits) < log2Floor(uint64(p.dataBlkMinElmts)) {
		return nil, f.corrupt(path, d.at, "extensible array parameters %+v", p)
	}
	// As H5EA__hdr_init lays out the super blocks.
	nsblks := 1 + int(p.maxNelmtsBits) - log2Floor(uint64(p.dataBlkMinElmts))
	var start, startDblk uint64
	for u := range nsblks {
		s := struct{ ndblks, dblkN, startIdx, startDblk uint64 }{1 << (u / 2), uint64(p.dataBlkMinElmts) << ((u + 1) / 2), start, startDblk}
		ea.sblk = append(ea.sblk, s)
		start += s.ndblks * s.dblkN
		startDblk += s.ndblks
	}
	ea.offSize = (int(p.maxNelmtsBits) + 7) / 8
	if ib == undef {
		return ea, nil
	}
	ea.ibNsblk = 2 * log2Floor(uint64(p.supBlkMinDataPtrs))
	ndblk := 2 * (int(p.supBlkMinDataPtrs) - 1)
	nsblkAddrs := max(nsblks-ea.ibNsblk, 0)
	size := uint64(4+1+1+f.sizeOffsets) + uint64(p.idxBlkElmts)*uint64(ea.e.size) + uint64(ndblk+nsblkAddrs)*uint64(f.sizeOffsets) + 4
	b, err := f.read(ib, size, path, "extensible array index block")
	if err != nil {
		return nil, err
	}
	ea.checkPrefix(b, "EAIB", client)
	elems := b.bytes(int(p.idxBlkElmts) * ea.e.size)
	ea.ibElems = f.newDec(elems, b.off()-uint64(len(elems)), path, "extensible array index block")
	for range ndblk {
		ea.ibDblk = append(ea.ibDblk, b.addr())
	}
	for range nsblkAddrs {
		ea.ibSblk = append(ea.ibSblk, b.addr())
	}
	b.checksum(0)
	return ea, b.err
}

func (ea *extArray) checkPrefix(b *dec, sig string, client int) {
	b.signature(sig)
	if v := b.u8(); v != 0 && b.err == nil {
		b.failUnsupported("extensible array block version %d", v)
	}
	if c := int(b.u8()); c != client && b.err == nil {
		b.fail("client ID %d, the header's is %d", c, client)
	}
	if a := b.addr(); a != ea.hdr && b.err == nil {
		b.fail("header address %d, want %d", a, ea.hdr)
	}
}

func (ea *extArray) entry(idx uint64) (chunkRef, error) {
	f, p := ea.f, ea.p
	none := chunkRef{addr: undef}
	if ea.ibElems == nil {
		return none, nil
	}
	if idx < uint64(p.idxBlkElmts) {
		d := *ea.ibElems
		d.pos = int(idx) * ea.e.size
		c := ea.e.decode(&d)
		return c, d.err
	}
	i := idx - uint64(p.idxBlkElmts)
	s := log2Floor(i/uint64(p.dataBlkMinElmts) + 1)
	if s >= len(ea.sblk) {
		return none, f.corrupt(ea.path, noOffset, "chunk %d past the extensible array's 2^%d entries", idx, p.maxNelmtsBits)
	}
	info := ea.sblk[s]
	if i < info.startIdx || (i-info.startIdx)/info.dblkN >= info.ndblks {
		return none, f.corrupt(ea.path, noOffset, "chunk %d beyond what the extensible array's parameters %+v address", idx, p)
	}
	elmt := i - info.startIdx
	var dblk uint64
	if s < ea.ibNsblk {
		k := info.startDblk + elmt/info.dblkN
		if k >= uint64(len(ea.ibDblk)) {
			return none, f.corrupt(ea.path, noOffset, "extensible array data block %d past the index block's %d", k, len(ea.ibDblk))
		}
		dblk = ea.ibDblk[k]
	} else {
		sa := ea.ibSblk[s-ea.ibNsblk]
		if sa == undef {
			return none, nil
		}
		addrs, err := ea.super(sa, info.ndblks, info.dblkN)
		if err != nil {
			return none, err
		}
		if elmt/info.dblkN >= uint64(len(addrs)) {
			return none, f.corrupt(ea.path, noOffset, "extensible array chunk %d past its super block", idx)
		}
		dblk = addrs[elmt/info.dblkN]
	}
	if dblk == undef {
		return none, nil
	}
	if info.dblkN > 1<<p.maxDblkPageNelmtsBits {
		return none, f.unsupported(ea.path, noOffset, "extensible array paged data blocks")
	}
	src := ea.blocks[dblk]
	if src == nil {
		pre := uint64(4 + 1 + 1 + f.sizeOffsets + ea.offSize)
		b, err := f.read(dblk, pre+info.dblkN*uint64(ea.e.size)+4, ea.path, "extensible array data block")
		if err != nil {
			return none, err
		}
		client := 0
		if ea.e.filtered {
			client = 1
		}
		ea.checkPrefix(b, "EADB", client)
		b.skip(ea.offSize)
		b.skip(int(info.dblkN) * ea.e.size)
		b.checksum(0)
		if b.err != nil {
			return none, b.err
		}
		src = f.newDec(b.b[pre:len(b.b)-4], b.at+pre, ea.path, "extensible array data block")
		ea.blocks[dblk] = src
	}
	d := *src
	d.pos = int(elmt%info.dblkN) * ea.e.size
	c := ea.e.decode(&d)
	return c, d.err
}

// super reads the data block addresses of a super block.
func (ea *extArray) super(addr, ndblks, dblkN uint64) ([]uint64, error) {
	if a, ok := ea.supers[addr]; ok {
		return a, nil
	}
	f := ea.f
	if dblkN > 1<<ea.p.maxDblkPageNelmtsBits {
		return nil, f.unsupported(ea.path, noOffset, "extensible array paged data blocks")
	}
	size := uint64(4+1+1+f.sizeOffsets+ea.offSize) + ndblks*uint64(f.sizeOffsets) + 4
	b, err := f.read(addr, size, ea.path, "extensible array super block")
	if err != nil {
		return nil, err
	}
	client := 0
	if ea.e.filtered {
		client = 1
	}
	ea.checkPrefix(b, "EASB", client)
	b.skip(ea.offSize)
	var addrs []uint64
	for range ndblks {
		addrs = append(addrs, b.addr())
	}
	b.checksum(0)
	if b.err != nil {
		return nil, b.err
	}
	ea.supers[addr] = addrs
	return addrs, nil
}
