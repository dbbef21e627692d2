package hdf5

// Version 1 B-tree node types.
const (
	btreeGroup = 0
	btreeChunk = 1
)

// walkBTree1 calls fn for every child of the leaves of the version 1
// B-tree at addr, with the key to the child's left. keySize is the size of
// one key. Nodes must descend level by level and none may be reached twice.
func (f *File) walkBTree1(addr uint64, nodeType, keySize int, path string, fn func(key *dec, child uint64) error) error {
	seen := map[uint64]bool{}
	var walk func(addr uint64, level int) error
	walk = func(addr uint64, level int) error {
		if seen[addr] {
			return f.corrupt(path, noOffset, "version 1 B-tree node at address %d is reached twice", addr)
		}
		seen[addr] = true
		prefix := uint64(8 + 2*f.sizeOffsets)
		d, err := f.read(addr, prefix, path, "version 1 B-tree node")
		if err != nil {
			return err
		}
		if !d.signature("TREE") {
			return d.err
		}
		if t := int(d.u8()); t != nodeType {
			d.fail("node type %d, want %d", t, nodeType)
		}
		lv := int(d.u8())
		if level >= 0 && lv != level {
			d.fail("node level %d under a node of level %d", lv, level+1)
		}
		n := uint64(d.u16())
		if d.err != nil {
			return d.err
		}
		size := n*uint64(f.sizeOffsets+keySize) + uint64(keySize)
		body, err := f.read(addr+prefix, size, path, "version 1 B-tree node")
		if err != nil {
			return err
		}
		for i := uint64(0); i < n; i++ {
			key := f.newDec(body.bytes(keySize), body.off()-uint64(keySize), path, "version 1 B-tree key")
			child := body.addr()
			if body.err != nil {
				return body.err
			}
			if child == undef {
				return f.corrupt(path, body.off(), "version 1 B-tree child at the undefined address")
			}
			if lv == 0 {
				err = fn(key, child)
			} else {
				err = walk(child, lv-1)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	return walk(addr, -1)
}

// btree2 is a version 2 B-tree header.
type btree2 struct {
	typ      int
	nodeSize uint64
	recSize  int
	depth    int
	root     uint64
	rootN    uint64
	// Per depth: most records in a node, and the sizes of the record
	// count fields in the node pointers of the level above.
	maxRec     []uint64
	cumMax     []uint64
	cumMaxSize []int
	maxRecSize int
}

// maxBTree2Depth bounds a version 2 B-tree's depth; at depth 8 even
// two-record nodes would hold more records than a file has bytes.
const maxBTree2Depth = 48

// walkBTree2 calls fn for every record of the version 2 B-tree at addr,
// which must be of type typ.
func (f *File) walkBTree2(addr uint64, typ int, path string, fn func(rec *dec) error) error {
	hsize := uint64(4 + 1 + 1 + 4 + 2 + 2 + 1 + 1 + f.sizeOffsets + 2 + f.sizeLengths + 4)
	d, err := f.read(addr, hsize, path, "version 2 B-tree header")
	if err != nil {
		return err
	}
	if !d.signature("BTHD") {
		return d.err
	}
	if v := d.u8(); v != 0 && d.err == nil {
		return f.unsupported(path, d.off()-1, "version 2 B-tree version %d", v)
	}
	bt := &btree2{typ: int(d.u8())}
	if d.err == nil && bt.typ != typ {
		d.fail("type %d, want %d", bt.typ, typ)
	}
	bt.nodeSize = uint64(d.u32())
	bt.recSize = int(d.u16())
	bt.depth = int(d.u16())
	d.skip(2) // split and merge percentages
	bt.root = d.addr()
	bt.rootN = uint64(d.u16())
	d.length() // total records
	d.checksum(0)
	if d.err != nil {
		return d.err
	}
	const prefix = 10 // signature, version, type, checksum
	if bt.recSize == 0 || bt.nodeSize <= prefix || bt.nodeSize > f.size || bt.depth > maxBTree2Depth {
		return f.corrupt(path, d.at, "version 2 B-tree with node size %d, record size %d, depth %d", bt.nodeSize, bt.recSize, bt.depth)
	}
	// As H5B2__hdr_init computes them.
	bt.maxRec = make([]uint64, bt.depth+1)
	bt.cumMax = make([]uint64, bt.depth+1)
	bt.cumMaxSize = make([]int, bt.depth+1)
	bt.maxRec[0] = (bt.nodeSize - prefix) / uint64(bt.recSize)
	bt.cumMax[0] = bt.maxRec[0]
	bt.maxRecSize = limitEncSize(bt.maxRec[0])
	for u := 1; u <= bt.depth; u++ {
		ptr := uint64(f.sizeOffsets + bt.maxRecSize)
		if u > 1 {
			ptr += uint64(bt.cumMaxSize[u-1])
		}
		if bt.nodeSize < prefix+ptr {
			return f.corrupt(path, d.at, "version 2 B-tree node size %d too small for depth %d", bt.nodeSize, bt.depth)
		}
		bt.maxRec[u] = (bt.nodeSize - prefix - ptr) / (uint64(bt.recSize) + ptr)
		c, ok := mulCheck(bt.maxRec[u]+1, bt.cumMax[u-1])
		if !ok || bt.maxRec[u] == 0 {
			return f.corrupt(path, d.at, "version 2 B-tree too deep (%d) for its node size %d", bt.depth, bt.nodeSize)
		}
		bt.cumMax[u] = c + bt.maxRec[u]
		bt.cumMaxSize[u] = limitEncSize(bt.cumMax[u])
	}
	if bt.root == undef {
		if bt.rootN != 0 {
			return f.corrupt(path, d.at, "version 2 B-tree of %d records without a root", bt.rootN)
		}
		return nil
	}
	seen := map[uint64]bool{}
	var walk func(addr, n uint64, depth int) error
	walk = func(addr, n uint64, depth int) error {
		if seen[addr] {
			return f.corrupt(path, noOffset, "version 2 B-tree node at address %d is reached twice", addr)
		}
		seen[addr] = true
		if n > bt.maxRec[depth] {
			return f.corrupt(path, noOffset, "version 2 B-tree node at address %d with %d records (at most %d)", addr, n, bt.maxRec[depth])
		}
		sig, what := "BTLF", "version 2 B-tree leaf node"
		size := 6 + n*uint64(bt.recSize) + 4
		ptr := 0
		if depth > 0 {
			sig, what = "BTIN", "version 2 B-tree internal node"
			ptr = f.sizeOffsets + bt.maxRecSize
			if depth > 1 {
				ptr += bt.cumMaxSize[depth-1]
			}
			size += (n + 1) * uint64(ptr)
		}
		if size > bt.nodeSize {
			return f.corrupt(path, noOffset, "%s at address %d overflows its %d-byte node", what, addr, bt.nodeSize)
		}
		d, err := f.read(addr, size, path, what)
		if err != nil {
			return err
		}
		d.signature(sig)
		if v := d.u8(); v != 0 && d.err == nil {
			return f.unsupported(path, d.off()-1, "version 2 B-tree node version %d", v)
		}
		if t := int(d.u8()); t != bt.typ && d.err == nil {
			d.fail("type %d, want %d", t, bt.typ)
		}
		recs := d.bytes(int(n) * bt.recSize)
		recAt := d.off() - uint64(len(recs))
		type child struct{ addr, n uint64 }
		var children []child
		for i := uint64(0); depth > 0 && i <= n; i++ {
			c := child{d.addr(), d.uvar(bt.maxRecSize)}
			if depth > 1 {
				d.uvar(bt.cumMaxSize[depth-1])
			}
			children = append(children, c)
		}
		d.checksum(0)
		if d.err != nil {
			return d.err
		}
		for i := uint64(0); i <= n; i++ {
			if depth > 0 {
				if children[i].addr == undef {
					return f.corrupt(path, d.at, "%s child at the undefined address", what)
				}
				if err := walk(children[i].addr, children[i].n, depth-1); err != nil {
					return err
				}
			}
			if i < n {
				o := int(i) * bt.recSize
				if err := fn(f.newDec(recs[o:o+bt.recSize], recAt+uint64(o), path, "version 2 B-tree record")); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(bt.root, bt.rootN, bt.depth)
}
