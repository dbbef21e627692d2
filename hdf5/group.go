package hdf5

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Kind is what a group member is.
type Kind int

// The kinds of object a link can name.
const (
	KindGroup    Kind = iota + 1
	KindDataset       // a dataset
	KindDatatype      // a committed (named) datatype
)

func (k Kind) String() string {
	switch k {
	case KindGroup:
		return "group"
	case KindDataset:
		return "dataset"
	case KindDatatype:
		return "datatype"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Group is an HDF5 group. Its links are read on first use.
type Group struct {
	f    *File
	path string
	addr uint64

	once    sync.Once
	links   []link // in Members order
	byName  map[string]int
	loadErr error
}

// Path is the group's path from the root, e.g. "/node/nodes".
func (g *Group) Path() string { return g.path }

// File is the file the group belongs to.
func (g *Group) File() *File { return g.f }

func (g *Group) child(name string) string {
	if g.path == "/" {
		return "/" + name
	}
	return g.path + "/" + name
}

// Members lists the names of the group's links: in creation order when
// the group tracks it (h5py's track_order=True), otherwise sorted by
// name byte by byte, as HDF5 and h5py list them.
func (g *Group) Members() ([]string, error) {
	if err := g.load(); err != nil {
		return nil, err
	}
	names := make([]string, len(g.links))
	for i, l := range g.links {
		names[i] = l.name
	}
	return names, nil
}

// Has reports whether the group has a link of that name.
func (g *Group) Has(name string) (bool, error) {
	if err := g.load(); err != nil {
		return false, err
	}
	_, ok := g.byName[name]
	return ok, nil
}

// Kind says what the member name (a link name, or a relative path of
// them separated by "/") is.
func (g *Group) Kind(name string) (Kind, error) {
	parent, base, err := g.walk(name)
	if err != nil {
		return 0, err
	}
	addr, path, err := parent.target(base)
	if err != nil {
		return 0, err
	}
	oh, err := g.f.readObjectHeader(addr, path)
	if err != nil {
		return 0, err
	}
	return g.f.kindOf(oh, path)
}

// Group opens the member group name (a link name or a relative path).
func (g *Group) Group(name string) (*Group, error) {
	parent, base, err := g.walk(name)
	if err != nil {
		return nil, err
	}
	return parent.subgroup(base)
}

// Dataset opens the member dataset name (a link name or a relative path).
func (g *Group) Dataset(name string) (*Dataset, error) {
	parent, base, err := g.walk(name)
	if err != nil {
		return nil, err
	}
	addr, path, err := parent.target(base)
	if err != nil {
		return nil, err
	}
	return g.f.openDataset(addr, path)
}

// walk resolves all but the last element of a relative path.
func (g *Group) walk(name string) (*Group, string, error) {
	parts := strings.Split(strings.Trim(name, "/"), "/")
	if name == "" || strings.Contains(strings.Trim(name, "/"), "//") || parts[len(parts)-1] == "" {
		return nil, "", fmt.Errorf("hdf5: %s: invalid member name %q", g.path, name)
	}
	cur := g
	for _, p := range parts[:len(parts)-1] {
		next, err := cur.subgroup(p)
		if err != nil {
			return nil, "", err
		}
		cur = next
	}
	return cur, parts[len(parts)-1], nil
}

func (g *Group) subgroup(name string) (*Group, error) {
	addr, path, err := g.target(name)
	if err != nil {
		return nil, err
	}
	sub := &Group{f: g.f, path: path, addr: addr}
	if err := sub.load(); err != nil {
		return nil, err
	}
	return sub, nil
}

// ErrNotFound is wrapped by the error for a member that does not exist.
var ErrNotFound = errors.New("no such member")

// target returns the object address a link names.
func (g *Group) target(name string) (uint64, string, error) {
	if err := g.load(); err != nil {
		return 0, "", err
	}
	path := g.child(name)
	i, ok := g.byName[name]
	if !ok {
		return 0, "", fmt.Errorf("hdf5: %s: %w", path, ErrNotFound)
	}
	l := g.links[i]
	switch l.typ {
	case linkHard:
		return l.addr, path, nil
	case linkSoft:
		return 0, "", g.f.unsupported(path, noOffset, "soft link to %q", l.target)
	case linkExternal:
		return 0, "", g.f.unsupported(path, noOffset, "external link")
	}
	return 0, "", g.f.unsupported(path, noOffset, "user-defined link type %d", l.typ)
}

func (f *File) kindOf(oh *objectHeader, path string) (Kind, error) {
	switch {
	case len(oh.find(msgSymbolTable)) > 0 || len(oh.find(msgLinkInfo)) > 0 || len(oh.find(msgLink)) > 0:
		return KindGroup, nil
	case len(oh.find(msgLayout)) > 0:
		return KindDataset, nil
	case len(oh.find(msgDatatype)) > 0:
		return KindDatatype, nil
	}
	return 0, f.unsupported(path, noOffset, "object at address %d that is no group, dataset or datatype", oh.addr)
}

func (g *Group) load() error {
	g.once.Do(func() { g.loadErr = g.readLinks() })
	return g.loadErr
}

func (g *Group) readLinks() error {
	f := g.f
	oh, err := f.readObjectHeader(g.addr, g.path)
	if err != nil {
		return err
	}
	if k, err := f.kindOf(oh, g.path); err != nil {
		return err
	} else if k != KindGroup {
		return fmt.Errorf("hdf5: %s is a %s, not a group", g.path, k)
	}
	var links []link
	tracked := false
	if m, err := f.one(oh, msgSymbolTable, g.path, "symbol table"); err != nil {
		return err
	} else if m != nil {
		if links, err = f.symbolTableLinks(m, g.path); err != nil {
			return err
		}
	} else {
		li := linkInfo{heap: undef, nameIndex: undef}
		if m, err := f.one(oh, msgLinkInfo, g.path, "link info"); err != nil {
			return err
		} else if m != nil {
			if li, err = f.parseLinkInfo(m.data, m.at, g.path); err != nil {
				return err
			}
		}
		tracked = li.tracked
		for _, m := range oh.find(msgLink) {
			l, err := f.parseLink(m.data, m.at, g.path)
			if err != nil {
				return err
			}
			links = append(links, l)
		}
		if li.heap != undef {
			if len(links) > 0 {
				return f.corrupt(g.path, noOffset, "group has both link messages and dense link storage")
			}
			if links, err = f.denseLinks(li, g.path); err != nil {
				return err
			}
		}
	}
	g.byName = make(map[string]int, len(links))
	sort.Slice(links, func(i, j int) bool {
		if tracked && links[i].order != links[j].order {
			return links[i].order < links[j].order
		}
		return links[i].name < links[j].name
	})
	for i, l := range links {
		if _, dup := g.byName[l.name]; dup {
			return f.corrupt(g.path, noOffset, "two links named %q", l.name)
		}
		if l.name == "" || strings.Contains(l.name, "/") {
			return f.corrupt(g.path, noOffset, "link name %q", l.name)
		}
		if tracked && !l.hasOrder {
			return f.corrupt(g.child(l.name), noOffset, "link without a creation order in a group that tracks it")
		}
		g.byName[l.name] = i
	}
	g.links = links
	return nil
}

// symbolTableLinks reads an old-style group: a version 1 B-tree of symbol
// table nodes whose names are in a local heap.
func (f *File) symbolTableLinks(m *message, path string) ([]link, error) {
	d := f.newDec(m.data, m.at, path, "symbol table message")
	btree, heapAddr := d.addr(), d.addr()
	if d.err != nil {
		return nil, d.err
	}
	heap, err := f.readLocalHeap(heapAddr, path)
	if err != nil {
		return nil, err
	}
	var links []link
	entSize := 2*f.sizeOffsets + 24
	seen := map[uint64]bool{}
	err = f.walkBTree1(btree, btreeGroup, f.sizeLengths, path, func(_ *dec, snod uint64) error {
		if seen[snod] {
			return f.corrupt(path, noOffset, "symbol table node at address %d is reached twice", snod)
		}
		seen[snod] = true
		d, err := f.read(snod, 8, path, "symbol table node")
		if err != nil {
			return err
		}
		d.signature("SNOD")
		if v := d.u8(); v != 1 && d.err == nil {
			return f.unsupported(path, d.off()-1, "symbol table node version %d", v)
		}
		d.skip(1)
		n := int(d.u16())
		if d.err != nil {
			return d.err
		}
		d, err = f.read(snod+8, uint64(n*entSize), path, "symbol table node")
		if err != nil {
			return err
		}
		for range n {
			nameOff := d.length()
			l := link{addr: d.addr()}
			cache := d.u32()
			d.skip(4)
			scratch := d.bytes(16)
			if d.err != nil {
				return d.err
			}
			if l.name, err = heap.name(f, nameOff, path); err != nil {
				return err
			}
			if cache == 2 { // soft link: the value is in the local heap
				off := uint64(scratch[0]) | uint64(scratch[1])<<8 | uint64(scratch[2])<<16 | uint64(scratch[3])<<24
				l.typ = linkSoft
				if l.target, err = heap.name(f, off, path); err != nil {
					return err
				}
			} else if l.addr == undef {
				return f.corrupt(path, d.off(), "symbol table entry %q at the undefined address", l.name)
			}
			links = append(links, l)
		}
		return nil
	})
	return links, err
}

// btreeLinkName is the version 2 B-tree type of a dense group's name index.
const btreeLinkName = 5

// denseLinks reads a new-style group whose links are in a fractal heap,
// indexed by name in a version 2 B-tree.
func (f *File) denseLinks(li linkInfo, path string) ([]link, error) {
	h, err := f.readFractalHeap(li.heap, path)
	if err != nil {
		return nil, err
	}
	if li.nameIndex == undef {
		return nil, f.corrupt(path, noOffset, "dense group without a name index")
	}
	var links []link
	err = f.walkBTree2(li.nameIndex, btreeLinkName, path, func(rec *dec) error {
		rec.skip(4) // hash of the name
		id := rec.bytes(rec.rest())
		if rec.err != nil {
			return rec.err
		}
		obj, at, err := f.heapObject(h, id, path)
		if err != nil {
			return err
		}
		l, err := f.parseLink(obj, at, path)
		if err != nil {
			return err
		}
		links = append(links, l)
		return nil
	})
	return links, err
}
