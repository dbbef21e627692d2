package hdf5

// Header message types (the ones this reader acts on).
const (
	msgNil          = 0x00
	msgDataspace    = 0x01
	msgLinkInfo     = 0x02
	msgDatatype     = 0x03
	msgFillOld      = 0x04
	msgFill         = 0x05
	msgLink         = 0x06
	msgExternal     = 0x07
	msgLayout       = 0x08
	msgGroupInfo    = 0x0a
	msgPipeline     = 0x0b
	msgContinuation = 0x10
	msgSymbolTable  = 0x11
	msgLastKnown    = 0x17 // file space info, the highest type HDF5 1.10 writes
)

// Header message flags.
const (
	msgFlagShared        = 0x02
	msgFlagFailIfUnknown = 0x80
)

// message is one object header message.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	at    uint64 // absolute offset of data
}

// objectHeader is an object header's messages, continuation blocks
// followed.
type objectHeader struct {
	addr   uint64
	msgs   []message
	blocks int // the first block and its continuation blocks
}

// maxHeaderChunks bounds the continuation blocks of one object header.
const maxHeaderChunks = 1 << 12

// readObjectHeader reads the object header at addr, version 1 or 2.
func (f *File) readObjectHeader(addr uint64, path string) (*objectHeader, error) {
	oh := &objectHeader{addr: addr}
	// The prefix is at most 4+1+1+16+4+8 bytes (version 2) or 16 (version 1).
	d, err := f.readUpTo(addr, 40, path, "object header")
	if err != nil {
		return nil, err
	}
	q := &contQueue{seen: map[uint64]bool{addr: true}}
	var v2, crtOrder bool
	if d.rest() >= 4 && string(d.b[:4]) == "OHDR" {
		v2 = true
		d.skip(4)
		if v := d.u8(); v != 2 && d.err == nil {
			return nil, f.unsupported(path, d.off()-1, "object header version %d", v)
		}
		flags := d.u8()
		if flags&0xc0 != 0 {
			d.fail("reserved flag bits %#x set", flags)
		}
		crtOrder = flags&0x04 != 0
		if flags&0x20 != 0 {
			d.skip(16) // access, modification, change and birth times
		}
		if flags&0x10 != 0 {
			d.skip(4) // attribute phase change values
		}
		size := d.uvar(1 << (flags & 3))
		if d.err != nil {
			return nil, d.err
		}
		if size > f.size {
			return nil, f.corrupt(path, d.at, "object header of %d bytes in a %d-byte file", size, f.size)
		}
		start := uint64(d.pos)
		full, err := f.read(addr, start+size+4, path, "object header")
		if err != nil {
			return nil, err
		}
		full.pos = int(start + size)
		full.checksum(0)
		if full.err != nil {
			return nil, full.err
		}
		if err := f.parseMessages(oh, full, int(start), int(start+size), true, crtOrder, q); err != nil {
			return nil, err
		}
	} else {
		if v := d.u8(); v != 1 && d.err == nil {
			return nil, f.unsupported(path, d.off()-1, "object header version %d", v)
		}
		d.skip(1)
		d.u16() // number of messages
		d.u32() // reference count
		size := uint64(d.u32())
		if d.err != nil {
			return nil, d.err
		}
		full, err := f.read(addr, 16+size, path, "object header")
		if err != nil {
			return nil, err
		}
		if err := f.parseMessages(oh, full, 16, int(16+size), false, false, q); err != nil {
			return nil, err
		}
	}
	for n := 0; len(q.list) > 0; n++ {
		if n >= maxHeaderChunks {
			return nil, f.corrupt(path, noOffset, "object header at address %d has over %d continuation blocks", addr, maxHeaderChunks)
		}
		c := q.list[0]
		q.list = q.list[1:]
		d, err := f.read(c.addr, c.size, path, "object header continuation block")
		if err != nil {
			return nil, err
		}
		start, end := 0, int(c.size)
		if v2 {
			if !d.signature("OCHK") {
				return nil, d.err
			}
			if c.size < 8 {
				return nil, f.corrupt(path, d.at, "object header continuation block of %d bytes", c.size)
			}
			d.pos = end - 4
			d.checksum(0)
			if d.err != nil {
				return nil, d.err
			}
			start, end = 4, end-4
		}
		if err := f.parseMessages(oh, d, start, end, v2, crtOrder, q); err != nil {
			return nil, err
		}
	}
	return oh, nil
}

// contQueue holds the continuation blocks still to read, and every block
// address met so far, so that a cycle is found.
type contQueue struct {
	list []contChunk
	seen map[uint64]bool
}

type contChunk struct{ addr, size uint64 }

func (f *File) parseMessages(oh *objectHeader, d *dec, start, end int, v2, crtOrder bool, p *contQueue) error {
	oh.blocks++
	d.pos = start
	d.b = d.b[:end]
	hdr := 8
	if v2 {
		hdr = 4
		if crtOrder {
			hdr = 6
		}
	}
	for d.rest() >= hdr {
		at := d.off()
		var typ uint16
		if v2 {
			typ = uint16(d.u8())
		} else {
			typ = d.u16()
		}
		size := int(d.u16())
		flags := d.u8()
		if v2 {
			if crtOrder {
				d.skip(2)
			}
		} else {
			d.skip(3)
		}
		data := d.bytes(size)
		if d.err != nil {
			return d.err
		}
		m := message{typ: typ, flags: flags, data: data, at: d.off() - uint64(size)}
		switch {
		case typ == msgNil:
			continue
		case typ == msgContinuation:
			md := d.f.newDec(data, m.at, d.path, "continuation message")
			caddr, clen := md.addr(), md.length()
			if md.err != nil {
				return md.err
			}
			if caddr == undef || clen == 0 {
				return d.f.corrupt(d.path, m.at, "continuation message to address %d, length %d", caddr, clen)
			}
			if p.seen[caddr] {
				return d.f.corrupt(d.path, m.at, "object header continuation block at address %d is reached twice (a cycle)", caddr)
			}
			p.seen[caddr] = true
			p.list = append(p.list, contChunk{caddr, clen})
			continue
		case typ > msgLastKnown && flags&msgFlagFailIfUnknown != 0:
			return d.f.unsupported(d.path, at, "object header message type %#x (marked fail-if-unknown)", typ)
		}
		oh.msgs = append(oh.msgs, m)
	}
	return nil
}

// find returns the messages of one type.
func (oh *objectHeader) find(typ uint16) []message {
	var ms []message
	for _, m := range oh.msgs {
		if m.typ == typ {
			ms = append(ms, m)
		}
	}
	return ms
}

// one returns the only message of a type, nil if there is none; two of
// a type that may appear once is corruption.
func (f *File) one(oh *objectHeader, typ uint16, path, what string) (*message, error) {
	ms := oh.find(typ)
	switch len(ms) {
	case 0:
		return nil, nil
	case 1:
		return &ms[0], nil
	}
	return nil, f.corrupt(path, ms[1].at, "object header has %d %s messages", len(ms), what)
}
