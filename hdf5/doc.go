// Package hdf5 reads HDF5 files, strictly and without cgo: the subset of
// the format that libhdf5 1.8–1.10 (and so h5py) writes for groups of
// numeric and string datasets, which is what NIR model files (.nir) are.
// It writes nothing.
//
//	f, err := hdf5.Open("model.nir")
//	if err != nil { … }
//	defer f.Close()
//	nodes, err := f.Root().Group("node/nodes")
//	names, err := nodes.Members()         // sorted by name, or in creation order
//	w, err := nodes.Dataset("fc1/weight") // w.Shape() is [38 12], w.Type() float32
//	values, err := w.Float64s()           // 456 values, row-major
//	t, err := nodes.Dataset("fc1/type")
//	s, err := t.Strings()                 // ["Affine"]: a scalar is one element
//
// Groups are opened by name or by a relative path ("a/b/c"); Members,
// Kind, Group and Dataset look inside them. A dataset's values are read
// whole, in row-major (C) order, by Float64s, Int64s, Uint64s or Strings,
// which convert only where the result is exact; Float64sIn reads a box of
// a numeric dataset (a rank's columns of a weight matrix), reading only
// the box's bytes of contiguous data and only the chunks the box meets.
//
// # What it reads
//
//	Structure            Supported                                   Refused (an error naming it)
//	-------------------  ------------------------------------------  ----------------------------------
//	superblock           versions 0, 1, 2, 3; a user block (the      a driver info block (family/multi
//	                     superblock at 512, 1024, …); 2-, 4- and     files); 16-byte addresses
//	                     8-byte addresses and lengths
//	object header        version 1; version 2 with its lookup3       a message type newer than HDF5
//	                     checksum verified; continuation blocks      1.10 marked fail-if-unknown
//	                     (a cycle is an error)
//	groups               symbol table (version 1 B-tree, symbol      soft, external and user-defined
//	                     table nodes, local heap); compact (link     links (listed by Members, refused
//	                     messages); dense (fractal heap with         when followed)
//	                     direct and indirect blocks, version 2
//	                     B-tree name index); link info and group
//	                     info messages; creation order tracking
//	layouts              compact; contiguous; chunked with a         virtual datasets; external data
//	                     version 1 B-tree (layout version 3) or      files; layout versions 1–2 (HDF5
//	                     (version 4, libver latest) single chunk,    before 1.6.3); unfiltered partial
//	                     implicit, fixed array (paged too),          edge chunks; paged extensible
//	                     extensible array, version 2 B-tree;         array data blocks
//	                     chunks never written read as the fill
//	                     value; partial edge chunks
//	filters              deflate (gzip), shuffle, fletcher32         every other filter: szip, nbit,
//	                     (verified); optional filters a chunk        scaleoffset, lzf, blosc, zstd, …
//	                     skipped
//	datatypes            integers of 1, 2, 4, 8 bytes, signed or     compound, enum (h5py's bool),
//	                     unsigned; IEEE floats of 2, 4, 8 bytes;     array, opaque, reference, time,
//	                     either byte order; fixed-length strings     bitfield, variable-length
//	                     (null-terminated, null- or space-padded)    sequences, integers of other
//	                     and variable-length strings (global heap),  precisions, non-IEEE floats
//	                     ASCII or UTF-8; committed datatypes
//	dataspaces           scalar, simple of any rank up to 32,        permutation indexes
//	                     null (h5py.Empty), zero-length dimensions
//	attributes           skipped                                     –
//	shared messages      in a committed datatype's object header     in the shared object header
//	                                                                 message heap
//
// Every length, offset and count in the file is checked against the file's
// size before it is read or allocated; every B-tree node, heap block and
// header block may be reached only once and only downwards, so a corrupt file cannot
// make the reader loop or recurse without end. A dataset may not decode to
// more than 1040 times the size of the file plus 1 MiB (deflate cannot
// expand data more than 1032 times; only fill values could, and those are
// refused), which bounds what a corrupt dataspace can make it allocate.
//
// # Errors
//
// A file it cannot read is a *[FormatError]: the file, the object path
// ("/node/nodes/fc1/weight"), the HDF5 structure or feature
// ("datatype class 6 (compound)", "object header: checksum mismatch") and
// its byte offset, wrapping [ErrUnsupported] for a valid file using a
// feature this package lacks and [ErrCorrupt] for a file that breaks the
// format. A member that does not exist wraps [ErrNotFound]. A value never
// comes back wrong where the file says how to check it: signatures,
// checksums (lookup3 on version 2 metadata, fletcher32 and adler32 on
// chunks), sizes and the superblock's end-of-file address are all checked;
// unchecked bytes (raw data, version 0 metadata) are read as they are.
//
// The tests compare every value of files written by libhdf5 through h5py
// (testdata/gen.py, Debian's python3-h5py) with what h5py reads back, and
// read the real NIR files in ../shared/nir.
//
// The format is described by the HDF5 File Format Specification Version
// 3.0; where it is unclear this package follows libhdf5 1.10's source.
package hdf5
