package hdf5

import "bytes"

// localHeap is a local heap's data segment: the names of a symbol-table
// group's links.
type localHeap struct {
	data []byte
	at   uint64
}

func (f *File) readLocalHeap(addr uint64, path string) (*localHeap, error) {
	d, err := f.read(addr, uint64(8+2*f.sizeLengths+f.sizeOffsets), path, "local heap")
	if err != nil {
		return nil, err
	}
	d.signature("HEAP")
	if v := d.u8(); v != 0 && d.err == nil {
		return nil, f.unsupported(path, d.off()-1, "local heap version %d", v)
	}
	d.skip(3)
	size := d.length()
	d.length() // free list
	data := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	seg, err := f.read(data, size, path, "local heap data segment")
	if err != nil {
		return nil, err
	}
	return &localHeap{data: seg.b, at: seg.at}, nil
}

// name returns the NUL-terminated string at offset off.
func (h *localHeap) name(f *File, off uint64, path string) (string, error) {
	if off >= uint64(len(h.data)) {
		return "", f.corrupt(path, h.at, "link name at offset %d past the %d-byte local heap", off, len(h.data))
	}
	s := h.data[off:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", f.corrupt(path, h.at+off, "link name in the local heap without a terminating NUL")
	}
	return string(s[:i]), nil
}

// globalObject returns object index of the global heap collection at
// addr. Collections are read once and kept.
func (f *File) globalObject(addr uint64, index uint32, path string) ([]byte, error) {
	f.mu.Lock()
	objs, ok := f.gheaps[addr]
	f.mu.Unlock()
	if !ok {
		var err error
		if objs, err = f.readGlobalHeap(addr, path); err != nil {
			return nil, err
		}
		f.mu.Lock()
		f.gheaps[addr] = objs
		f.mu.Unlock()
	}
	o, ok := objs[uint16(index)]
	if !ok || index > 0xffff || index == 0 {
		return nil, f.corrupt(path, noOffset, "global heap collection at address %d has no object %d", addr, index)
	}
	return o, nil
}

func (f *File) readGlobalHeap(addr uint64, path string) (map[uint16][]byte, error) {
	hsize := uint64(8 + f.sizeLengths)
	d, err := f.read(addr, hsize, path, "global heap collection")
	if err != nil {
		return nil, err
	}
	d.signature("GCOL")
	if v := d.u8(); v != 1 && d.err == nil {
		return nil, f.unsupported(path, d.off()-1, "global heap version %d", v)
	}
	d.skip(3)
	size := d.length()
	if d.err != nil {
		return nil, d.err
	}
	if size < hsize {
		return nil, f.corrupt(path, d.at, "global heap collection of %d bytes", size)
	}
	d, err = f.read(addr, size, path, "global heap collection")
	if err != nil {
		return nil, err
	}
	// The collection header and each object's header are padded to 8 bytes,
	// and so is each object's data (H5HG_ALIGN).
	align := func(n int) int { return (n + 7) &^ 7 }
	d.pos = align(int(hsize))
	objs := map[uint16][]byte{}
	objHdr := align(8 + f.sizeLengths)
	for d.rest() >= objHdr {
		at, start := d.off(), d.pos
		idx := d.u16()
		d.skip(6) // reference count, reserved
		n := d.length()
		if idx == 0 { // free space: the rest of the collection
			break
		}
		d.pos = start + objHdr
		if d.err == nil && n > uint64(d.rest()) {
			d.fail("object %d of %d bytes overruns the collection", idx, n)
		}
		if _, dup := objs[idx]; dup && d.err == nil {
			return nil, f.corrupt(path, at, "global heap object %d appears twice", idx)
		}
		objs[idx] = d.bytes(int(n))
		d.skip(min(align(int(n))-int(n), d.rest()))
	}
	return objs, d.err
}

// fheap is a fractal heap header: where a dense group keeps its links.
type fheap struct {
	addr        uint64
	idLen       int
	checksumDB  bool
	maxMan      uint64
	width       uint64
	startBlock  uint64
	maxDirect   uint64
	maxIndex    int
	root        uint64
	rootRows    int
	offSize     int
	lenSize     int
	maxDirRows  int
	firstRowBit int
}

func (f *File) readFractalHeap(addr uint64, path string) (*fheap, error) {
	L, O := f.sizeLengths, f.sizeOffsets
	size := uint64(4 + 1 + 2 + 2 + 1 + 4 + L + O + L + O + 8*L + 2 + L + L + 2 + 2 + O + 2 + 4)
	d, err := f.read(addr, size, path, "fractal heap header")
	if err != nil {
		return nil, err
	}
	h := &fheap{addr: addr}
	d.signature("FRHP")
	if v := d.u8(); v != 0 && d.err == nil {
		return nil, f.unsupported(path, d.off()-1, "fractal heap version %d", v)
	}
	h.idLen = int(d.u16())
	filterLen := d.u16()
	flags := d.u8()
	h.checksumDB = flags&2 != 0
	h.maxMan = uint64(d.u32())
	d.length()    // next huge object ID
	d.addr()      // huge object B-tree
	d.length()    // free space
	d.addr()      // free space manager
	d.skip(8 * L) // statistics
	h.width = uint64(d.u16())
	h.startBlock = d.length()
	h.maxDirect = d.length()
	h.maxIndex = int(d.u16())
	d.u16() // starting rows in the root indirect block
	h.root = d.addr()
	h.rootRows = int(d.u16())
	if d.err != nil {
		return nil, d.err
	}
	if filterLen > 0 {
		return nil, f.unsupported(path, d.at, "fractal heap with I/O filters")
	}
	d.checksum(0)
	if d.err != nil {
		return nil, d.err
	}
	pow2 := func(n uint64) bool { return n > 0 && n&(n-1) == 0 }
	if !pow2(h.width) || !pow2(h.startBlock) || !pow2(h.maxDirect) || h.maxDirect < h.startBlock ||
		h.maxIndex == 0 || h.maxIndex > 64 || h.maxDirect > f.size<<1+1<<20 {
		return nil, f.corrupt(path, d.at, "fractal heap doubling table: width %d, start block %d, max direct block %d, max heap size 2^%d",
			h.width, h.startBlock, h.maxDirect, h.maxIndex)
	}
	h.offSize = (h.maxIndex + 7) / 8
	h.lenSize = min((log2Floor(h.maxDirect)+7)/8, limitEncSize(h.maxMan))
	h.maxDirRows = log2Floor(h.maxDirect) - log2Floor(h.startBlock) + 2
	h.firstRowBit = log2Floor(h.startBlock) + log2Floor(h.width)
	if h.rootRows > 64 || h.firstRowBit > 62 {
		return nil, f.corrupt(path, d.at, "fractal heap root indirect block of %d rows", h.rootRows)
	}
	return h, nil
}

// rowSize is the size of the blocks in row r of the doubling table.
func (h *fheap) rowSize(r int) uint64 {
	if r == 0 {
		return h.startBlock
	}
	return h.startBlock << (r - 1)
}

// lookup finds the row and column of heap offset off in an indirect
// block (H5HF__dtable_lookup); ok is false for an offset no row of 64-bit
// blocks can hold.
func (h *fheap) lookup(off uint64) (row int, col uint64, ok bool) {
	if off < h.startBlock*h.width {
		return 0, off / h.startBlock, true
	}
	hb := log2Floor(off)
	row = hb - h.firstRowBit + 1
	if row < 1 || log2Floor(h.startBlock)+row-1 > 62 {
		return 0, 0, false
	}
	return row, (off - 1<<hb) / h.rowSize(row), true
}

// rowStart is the heap offset of row r within its indirect block.
func (h *fheap) rowStart(r int) uint64 {
	if r == 0 {
		return 0
	}
	return h.width * h.startBlock << (r - 1)
}

// heapObject returns the object a heap ID names, and its absolute offset
// (noOffset for an object kept in the ID).
func (f *File) heapObject(h *fheap, id []byte, path string) ([]byte, uint64, error) {
	if len(id) != h.idLen || len(id) == 0 {
		return nil, 0, f.corrupt(path, noOffset, "fractal heap ID of %d bytes, want %d", len(id), h.idLen)
	}
	if id[0]>>6 != 0 {
		return nil, 0, f.unsupported(path, noOffset, "fractal heap ID version %d", id[0]>>6)
	}
	switch typ := id[0] >> 4 & 3; typ {
	case 0: // managed
	case 2: // tiny: the object is in the ID
		n := int(id[0]&0x0f) + 1
		if h.idLen > 18 {
			return nil, 0, f.unsupported(path, noOffset, "extended tiny fractal heap objects")
		}
		if 1+n > len(id) {
			return nil, 0, f.corrupt(path, noOffset, "tiny fractal heap object of %d bytes in a %d-byte ID", n, len(id))
		}
		return id[1 : 1+n], noOffset, nil
	case 1:
		return nil, 0, f.unsupported(path, noOffset, "huge fractal heap objects")
	default:
		return nil, 0, f.corrupt(path, noOffset, "fractal heap ID type %d", typ)
	}
	d := f.newDec(id, noOffset, path, "fractal heap ID")
	d.skip(1)
	off := d.uvar(h.offSize)
	n := d.uvar(h.lenSize)
	if d.err != nil {
		return nil, 0, f.corrupt(path, noOffset, "fractal heap ID of %d bytes too short for %d-byte offsets and %d-byte lengths", len(id), h.offSize, h.lenSize)
	}
	if h.maxIndex < 64 && off >= 1<<h.maxIndex {
		return nil, 0, f.corrupt(path, noOffset, "fractal heap offset %d past the heap's 2^%d bytes", off, h.maxIndex)
	}
	// Descend the doubling table to the direct block holding off.
	blockAddr, blockOff, blockSize := h.root, uint64(0), h.startBlock
	if h.root == undef {
		return nil, 0, f.corrupt(path, noOffset, "fractal heap object in an empty heap")
	}
	nrows := h.rootRows
	seen := map[uint64]bool{}
	for nrows > 0 {
		if seen[blockAddr] || len(seen) > 64 {
			return nil, 0, f.corrupt(path, noOffset, "fractal heap indirect blocks loop at address %d", blockAddr)
		}
		seen[blockAddr] = true
		ents := uint64(nrows) * h.width
		size := uint64(4+1+f.sizeOffsets+h.offSize) + ents*uint64(f.sizeOffsets) + 4
		d, err := f.read(blockAddr, size, path, "fractal heap indirect block")
		if err != nil {
			return nil, 0, err
		}
		d.signature("FHIB")
		if v := d.u8(); v != 0 && d.err == nil {
			return nil, 0, f.unsupported(path, d.off()-1, "fractal heap indirect block version %d", v)
		}
		if a := d.addr(); a != h.addr && d.err == nil {
			d.fail("heap header address %d, want %d", a, h.addr)
		}
		if bo := d.uvar(h.offSize); bo != blockOff && d.err == nil {
			d.fail("block offset %d, want %d", bo, blockOff)
		}
		entAt := d.pos
		d.pos = int(size) - 4
		d.checksum(0)
		if d.err != nil {
			return nil, 0, d.err
		}
		row, col, ok := h.lookup(off - blockOff)
		if !ok || off < blockOff || row >= nrows || col >= h.width {
			return nil, 0, f.corrupt(path, d.at, "fractal heap offset %d outside its indirect block of %d rows", off, nrows)
		}
		d.pos = entAt + (row*int(h.width)+int(col))*f.sizeOffsets
		child := d.addr()
		if child == undef {
			return nil, 0, f.corrupt(path, d.at, "fractal heap object at offset %d in an unallocated block", off)
		}
		childOff := blockOff + h.rowStart(row) + col*h.rowSize(row)
		blockAddr, blockOff, blockSize = child, childOff, h.rowSize(row)
		if row < h.maxDirRows {
			break
		}
		next := log2Floor(h.rowSize(row)) - h.firstRowBit + 1
		if next >= nrows {
			return nil, 0, f.corrupt(path, d.at, "fractal heap child indirect block of %d rows under one of %d", next, nrows)
		}
		nrows = next
	}
	if blockSize > h.maxDirect {
		return nil, 0, f.corrupt(path, noOffset, "fractal heap direct block of %d bytes over the maximum %d", blockSize, h.maxDirect)
	}
	db, err := f.read(blockAddr, blockSize, path, "fractal heap direct block")
	if err != nil {
		return nil, 0, err
	}
	db.signature("FHDB")
	if v := db.u8(); v != 0 && db.err == nil {
		return nil, 0, f.unsupported(path, db.off()-1, "fractal heap direct block version %d", v)
	}
	if a := db.addr(); a != h.addr && db.err == nil {
		db.fail("heap header address %d, want %d", a, h.addr)
	}
	if bo := db.uvar(h.offSize); bo != blockOff && db.err == nil {
		db.fail("block offset %d, want %d", bo, blockOff)
	}
	hdrEnd := db.pos
	if h.checksumDB && db.err == nil {
		// The checksum covers the whole block with the field itself zeroed.
		stored := db.u32()
		if db.err == nil {
			tmp := append([]byte(nil), db.b...)
			clear(tmp[hdrEnd : hdrEnd+4])
			if checksumHook != nil {
				checksumHook(db.at, uint64(len(tmp)))
			}
			if sum := lookup3(tmp); sum != stored {
				db.pos = hdrEnd
				db.fail("checksum mismatch (stored %#08x, computed %#08x)", stored, sum)
			}
		}
		hdrEnd += 4
	}
	if db.err != nil {
		return nil, 0, db.err
	}
	rel := off - blockOff
	if rel < uint64(hdrEnd) || rel > blockSize || n > blockSize-rel {
		return nil, 0, f.corrupt(path, db.at, "fractal heap object of %d bytes at offset %d outside its %d-byte direct block", n, rel, blockSize)
	}
	return db.b[rel : rel+n], db.at + rel, nil
}
