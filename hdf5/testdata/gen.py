#!/usr/bin/python3
"""Writes the HDF5 test files of leaky's hdf5 package with libhdf5 itself
(through h5py), and expected.json: every group's members and every
dataset's shape, type and values as h5py reads them back.

Run from anywhere with Debian's python3-h5py (h5py 3.7, HDF5 1.10.8):
    /usr/bin/python3 hdf5/testdata/gen.py
The Go tests read only the files this writes; they never run Python.

expected.json, per file:
  groups:   {path: [member names in h5py's iteration order]}
  datasets: {path: {shape, type, kind, values}}, values flattened in C
            order: floats as the hex of their float64 bits, integers as
            decimal strings, strings as text
  errors:   {path: substring of the reader's error}: what it must refuse
"""

import ctypes
import ctypes.util
import json
import os
import struct

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240613)


def path(name):
    return os.path.join(HERE, name)


# --- the reader's description of a type, computed from libhdf5's own --------

def type_string(ds):
    t = ds.id.get_type()
    cls = t.get_class()
    if cls == h5py.h5t.INTEGER:
        s = ("int" if t.get_sign() == h5py.h5t.SGN_2 else "uint") + str(8 * t.get_size())
    elif cls == h5py.h5t.FLOAT:
        s = "float" + str(8 * t.get_size())
    elif cls == h5py.h5t.STRING:
        cs = "UTF-8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ASCII"
        if t.is_variable_str():
            return "string (variable length, %s)" % cs
        pad = {h5py.h5t.STR_NULLTERM: "null-terminated", h5py.h5t.STR_NULLPAD: "null-padded",
               h5py.h5t.STR_SPACEPAD: "space-padded"}[t.get_strpad()]
        return "string[%d] %s %s" % (t.get_size(), cs, pad)
    else:
        raise ValueError(cls)
    if t.get_order() == h5py.h5t.ORDER_BE and t.get_size() > 1:
        s += " big-endian"
    return s


def f64hex(x):
    return struct.pack(">d", float(x)).hex()


def describe(ds):
    t = ds.id.get_type()
    cls = t.get_class()
    shape = list(ds.shape) if ds.shape is not None else []
    if ds.shape is None:  # null dataspace (h5py.Empty)
        vals = []
    elif cls == h5py.h5t.STRING:
        v = ds[()]
        flat = [v] if ds.shape == () else list(np.asarray(v, dtype=object).reshape(-1))
        vals = [x.decode("utf-8") if isinstance(x, bytes) else x for x in flat]
    else:
        v = np.asarray(ds[()]).reshape(-1)
        if cls == h5py.h5t.FLOAT:
            vals = [f64hex(x) for x in v]
        else:
            vals = [str(int(x)) for x in v]
    kind = {h5py.h5t.INTEGER: "int", h5py.h5t.FLOAT: "float", h5py.h5t.STRING: "string"}[cls]
    return {"shape": shape, "type": type_string(ds), "kind": kind, "values": vals}


def expectations(fname, errors=None):
    out = {"groups": {}, "datasets": {}, "errors": errors or {}}
    with h5py.File(path(fname), "r") as f:
        def visit(g, gpath):
            out["groups"][gpath] = list(g.keys())
            for k in g.keys():
                p = gpath.rstrip("/") + "/" + k
                if p in out["errors"] or not isinstance(g.get(k, getlink=True), h5py.HardLink):
                    continue
                obj = g[k]
                if isinstance(obj, h5py.Group):
                    visit(obj, p)
                elif isinstance(obj, h5py.Dataset):
                    out["datasets"][p] = describe(obj)
        visit(f["/"], "/")
    return out


# --- the datasets every layout file holds ------------------------------------

def numbers():
    """Arrays of every integer and float type, with their extremes."""
    d = {}
    for dt in ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]:
        info = np.iinfo(dt)
        v = np.array([info.min, info.max, 0, 1, -1 if info.min < 0 else 2, 7], dtype=dt)
        d["int_" + dt] = v
        d["int_be_" + dt] = v.astype(">" + dt)
    special = [0.0, -0.0, 1.0, -1.5, np.pi, np.inf, -np.inf, np.nan]
    for dt in ["f2", "f4", "f8"]:
        fi = np.finfo(dt)
        v = np.array(special + [fi.max, fi.tiny, fi.tiny / 4, fi.eps], dtype=dt)
        d["float_" + dt] = v
        d["float_be_" + dt] = v.astype(">" + dt)
    d["matrix_f4"] = rng.standard_normal((3, 4)).astype("f4")
    d["cube_f8"] = rng.standard_normal((2, 3, 4))
    d["rank5_i2"] = rng.integers(-300, 300, (2, 1, 3, 1, 2)).astype("i2")
    return d


def write_common(f):
    """Numbers, strings, scalars, empties, compact storage."""
    a = f.create_dataset("with_attrs", data=np.arange(3, dtype="f4"))
    g = f.create_group("numbers")
    for k, v in numbers().items():
        g.create_dataset(k, data=v)
    s = f.create_group("strings")
    s.create_dataset("fixed", data=np.array([b"a", b"bc", b"", b"hello"], dtype="S5"))
    s.create_dataset("fixed_scalar", data=np.array(b"NIRGraph", dtype="S8"))
    s.create_dataset("vlen_scalar", data="LIF", dtype=h5py.string_dtype())
    s.create_dataset("vlen_ascii", data=np.array([b"x", b"", b"yz"], dtype=object),
                     dtype=h5py.string_dtype("ascii"))
    edges = np.array([["input", "fc1"], ["fc1", "lif1.lif"], ["lif1.lif", "lif1.w_rec"],
                      ["lif1.w_rec", "lif1.lif"], ["lif1.lif", "output"]], dtype=object)
    s.create_dataset("edges", data=edges, dtype=h5py.string_dtype())
    s.create_dataset("utf8", data=np.array(["τ_mem", "ünïcödé", "", "日本"], dtype=object),
                     dtype=h5py.string_dtype())
    # Null-terminated and space-padded fixed strings, through the low-level API.
    for name, pad, vals in [("nullterm", h5py.h5t.STR_NULLTERM, [b"ab", b"abcd", b""]),
                            ("spacepad", h5py.h5t.STR_SPACEPAD, [b"ab  ", b"abcd", b"    "])]:
        tid = h5py.h5t.C_S1.copy()
        tid.set_size(4)
        tid.set_strpad(pad)
        space = h5py.h5s.create_simple((3,))
        dsid = h5py.h5d.create(s.id, name.encode(), tid, space)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array(vals, dtype="S4"), mtype=tid)
    sc = f.create_group("scalars")
    sc.create_dataset("f8", data=np.float64(0.0025))
    sc.create_dataset("f4", data=np.float32(0.1))
    sc.create_dataset("i8", data=np.int64(-42))
    e = f.create_group("empty")
    e.create_dataset("zero_f8", shape=(0,), dtype="f8")
    e.create_dataset("zero_by_3_i4", shape=(0, 3), dtype="i4")
    e.create_dataset("null_f4", data=h5py.Empty("f4"))
    e.create_dataset("unwritten_f8", shape=(4,), dtype="f8")  # no data: fill values
    e.create_dataset("unwritten_fill", shape=(2, 2), dtype="i4", fillvalue=-7)
    c = f.create_group("compact")
    for name, data in [("f8", np.arange(6, dtype="f8").reshape(2, 3) / 8), ("i4", np.arange(5, dtype=">i4"))]:
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        c.create_dataset(name, data=data, dcpl=dcpl)
    # An object header grown past its first block, after other objects
    # were written behind it: continuation blocks.
    for i in range(6):
        a.attrs["attribute_%02d" % i] = np.arange(40, dtype="f8")


def write_chunked(f, deep=False):
    """Chunked datasets: shapes with partial edge chunks, filters. deep
    adds chunks enough for a version 2 B-tree deeper than its root."""
    g = f
    m = rng.standard_normal((7, 5))
    g.create_dataset("edge_2d", data=m, chunks=(3, 2))
    g.create_dataset("edge_3d_i4", data=rng.integers(-9, 9, (4, 5, 6)).astype("i4"), chunks=(3, 2, 4))
    g.create_dataset("gzip", data=m, chunks=(3, 2), compression="gzip", compression_opts=9)
    g.create_dataset("gzip_shuffle", data=m.astype(">f4"), chunks=(4, 4), compression="gzip", shuffle=True)
    g.create_dataset("shuffle_only_i8", data=np.arange(20, dtype="i8") * 1000003, chunks=(6,), shuffle=True)
    g.create_dataset("fletcher32", data=np.arange(10, dtype="f8") / 3, chunks=(4,), fletcher32=True)
    g.create_dataset("all_filters", data=m.astype("f4"), chunks=(2, 5), compression="gzip",
                     shuffle=True, fletcher32=True)
    g.create_dataset("whole", data=m, chunks=(7, 5))
    g.create_dataset("whole_gzip", data=m, chunks=(7, 5), compression="gzip")
    # Many chunks: B-trees deeper than one node.
    g.create_dataset("many_chunks", data=np.arange(120, dtype="i1"), chunks=(2,))
    g.create_dataset("many_chunks_gzip", data=np.arange(24, dtype="i2"), chunks=(2,), compression="gzip")
    # A chunk never written holds the fill value.
    sparse = g.create_dataset("sparse", shape=(10,), dtype="f4", chunks=(3,), fillvalue=2.5)
    sparse[0:2] = [1, 2]
    sparse[9] = 9
    s = g.create_dataset("vlen_chunked", data=np.array(["a", "bb", "", "dddd", "e"], dtype=object),
                         dtype=h5py.string_dtype(), chunks=(2,), compression="gzip")
    del s
    # Resizable datasets: extensible arrays and version 2 B-trees with
    # libver latest, version 1 B-trees with earliest.
    r = g.create_dataset("resizable_1d", data=np.arange(50, dtype="f8"), chunks=(4,), maxshape=(None,))
    r.resize((53,))
    r[50:] = [-1, -2, -3]
    g.create_dataset("resizable_1d_gzip", data=np.arange(40, dtype="i4"), chunks=(3,), maxshape=(None,),
                     compression="gzip", shuffle=True)
    g.create_dataset("unlimited_last", data=np.arange(24, dtype="u2").reshape(4, 6), chunks=(3, 4),
                     maxshape=(8, None))
    rows = 20 if deep else 4
    g.create_dataset("unlimited_both", data=(np.arange(10 * rows) % 127).astype("i1").reshape(rows, 10), chunks=(2, 1),
                     maxshape=(None, None))
    g.create_dataset("unlimited_both_gzip", data=rng.standard_normal((9, 7)), chunks=(4, 3),
                     maxshape=(None, None), compression="gzip")
    g.create_dataset("fixed_max", data=np.arange(12, dtype="f4").reshape(3, 4), chunks=(2, 3), maxshape=(5, 9))
    # Allocated early and unfiltered: the implicit index with libver latest.
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((2, 3))
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    g.create_dataset("early", data=np.arange(20, dtype="i2").reshape(4, 5), dcpl=dcpl)


def write_groups(f, links=100):
    """Groups: nested, created out of order, tracked, and with enough links
    to split B-tree nodes (and, with libver latest, to go dense). Most
    links are hard links to one dataset, which keeps the file small."""
    n = f.create_group("a/b/c/d/e/f")
    n.create_dataset("deep", data=np.array([1, 2, 3], dtype="u2"))
    target = f.create_dataset("target", data=np.array([3.5]))
    t = f.create_group("tracked", track_order=True)
    for name in ["zeta", "alpha", "mid", "beta"]:
        t.create_dataset(name, data=np.array([len(name)], dtype="i8"))
    few = f.create_group("few")
    for name in ["b", "a", "c"]:
        few[name] = target
    many = f.create_group("many")
    for i in range(links):
        many["m%03d" % ((i * 37) % links)] = target
    many.create_group("sub").create_dataset("leaf", data=np.array([-1], dtype="i1"))
    tm = f.create_group("tracked_many", track_order=True)
    for i in range(60):
        tm["n%02d" % ((i * 7) % 60)] = target


def write_file(name, fill, libver="earliest", fcpl=None, **kw):
    if fcpl is None:
        f = h5py.File(path(name), "w", libver=libver, **kw)
    else:
        fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
        fapl.set_libver_bounds(h5py.h5f.LIBVER_EARLIEST, h5py.h5f.LIBVER_LATEST)
        fapl.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
        f = h5py.File(h5py.h5f.create(path(name).encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl))
    with f:
        fill(f)
    return expectations(name)


def small_btrees():
    """A file creation property list with small B-tree nodes, so that a few
    dozen links or chunks split them; the indexed-storage K makes libhdf5
    write superblock version 1."""
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    # h5py has no binding for these; call the libhdf5 h5py itself uses.
    lib = ctypes.CDLL(ctypes.util.find_library("hdf5_serial") or "libhdf5_serial.so.103")
    for fn, args in [("H5Pset_sym_k", (2, 2)), ("H5Pset_istore_k", (2,))]:
        c = getattr(lib, fn)
        c.argtypes = [ctypes.c_int64] + [ctypes.c_uint] * len(args)
        c.restype = ctypes.c_int
        if c(fcpl.id, *args) < 0:
            raise RuntimeError(fn)
    return fcpl


def small_offsets():
    """4-byte addresses and lengths instead of 8-byte ones."""
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_sizes(4, 4)
    return fcpl


def write_paged(f):
    # Over 1024 chunks: a fixed array index in pages.
    f.create_dataset("paged", data=(np.arange(1100) % 251).astype("u1"), chunks=(1,))
    # Over 244 chunks: an extensible array reaches its super blocks.
    f.create_dataset("ea_super", data=(np.arange(300) % 113).astype("i1"), chunks=(1,), maxshape=(None,))
    f.create_dataset("ea_super_gzip", data=np.arange(520, dtype="i2"), chunks=(2,), maxshape=(None,),
                     compression="gzip")


def fill_small(f):
    f.create_dataset("x", data=np.array([1.5, -2.25, 1e300]))
    f.create_dataset("s", data="small", dtype=h5py.string_dtype())
    f.create_dataset("chunked", data=np.arange(10, dtype="i4"), chunks=(3,), compression="gzip")
    f.create_group("g").create_dataset("i", data=np.arange(4, dtype=">i4"))


def write_small(name, **kw):
    with h5py.File(path(name), "w", **kw) as f:
        fill_small(f)
    return expectations(name)


def write_committed(name):
    with h5py.File(path(name), "w") as f:
        f["float_type"] = np.dtype("<f8")
        f.create_dataset("uses_committed", data=np.array([0.5, 0.25]), dtype=f["float_type"])
    e = expectations(name)
    e["errors"] = {}
    return e


def write_unsupported(name):
    """Valid files with features the reader refuses, with what its error
    must name."""
    with h5py.File(path(name), "w") as f:
        f.create_dataset("compound", data=np.array([(1, 2.0)], dtype=[("a", "i4"), ("b", "f8")]))
        f.create_dataset("enum_bool", data=np.array([True, False]))
        space = h5py.h5s.create_simple((2,))
        h5py.h5d.create(f.id, b"array_type", h5py.h5t.array_create(h5py.h5t.IEEE_F32LE, (3,)), space)
        seqs = np.empty(1, dtype=object)
        seqs[0] = np.array([1, 2], dtype="i4")
        f.create_dataset("vlen_ints", data=seqs, dtype=h5py.vlen_dtype("i4"))
        f.create_dataset("opaque", data=np.void(b"\x01\x02"))
        f.create_dataset("complex", data=np.array([1 + 2j]))
        f.create_dataset("reference", data=np.array([f.ref], dtype=h5py.ref_dtype))
        f.create_dataset("lzf", data=np.arange(8.0), chunks=(4,), compression="lzf")
        f.create_dataset("scaleoffset", data=np.arange(8, dtype="i4"), chunks=(4,), scaleoffset=0)
        f["soft"] = h5py.SoftLink("/compound")
        f["external"] = h5py.ExternalLink("other.h5", "/x")
        f.create_dataset("ok", data=np.array([1, 2], dtype="i2"))
    errors = {
        "/compound": "datatype class 6 (compound)",
        "/enum_bool": "datatype class 8 (enumerated)",
        "/array_type": "datatype class 10 (array)",
        "/vlen_ints": "variable-length sequences",
        "/opaque": "datatype class 5 (opaque)",
        "/complex": "datatype class 6 (compound)",
        "/reference": "datatype class 7 (reference)",
        "/lzf": "filter 32000 (lzf)",
        "/scaleoffset": "filter 6 (scaleoffset)",
        "/soft": "soft link",
        "/external": "external link",
    }
    e = expectations(name, errors)
    return e


def main():
    expected = {
        "types_v0.h5": write_file("types_v0.h5", write_common),
        "types_v3.h5": write_file("types_v3.h5", write_common, "latest"),
        "chunks_v1.h5": write_file("chunks_v1.h5", write_chunked, fcpl=small_btrees()),
        "chunks_v3.h5": write_file("chunks_v3.h5", lambda f: write_chunked(f, deep=True), "latest"),
        "paged_v3.h5": write_file("paged_v3.h5", write_paged, "latest"),
        "groups_v1.h5": write_file("groups_v1.h5", write_groups, fcpl=small_btrees()),
        "groups_v3.h5": write_file("groups_v3.h5", lambda f: write_groups(f, links=250), "latest"),
        "v108.h5": write_small("v108.h5", libver=("v108", "v108")),
        "offsets4.h5": write_file("offsets4.h5", fill_small, fcpl=small_offsets()),
        "userblock.h5": write_small("userblock.h5", userblock_size=512),
        "committed.h5": write_committed("committed.h5"),
        "unsupported.h5": write_unsupported("unsupported.h5"),
    }
    # One line per group and per dataset: small, and diffs read well.
    lines = ["{"]
    for i, (fname, e) in enumerate(sorted(expected.items())):
        lines.append(" %s: {" % json.dumps(fname))
        parts = []
        for section in ["errors", "groups", "datasets"]:
            items = sorted(e[section].items())
            body = ",\n".join("   %s: %s" % (json.dumps(k, ensure_ascii=False),
                                               json.dumps(v, ensure_ascii=False, separators=(",", ":")))
                              for k, v in items)
            parts.append("  %s: {\n%s\n  }" % (json.dumps(section), body) if items else "  %s: {}" % json.dumps(section))
        lines.append(",\n".join(parts))
        lines.append(" }" + ("," if i < len(expected) - 1 else ""))
    lines.append("}")
    with open(path("expected.json"), "w") as out:
        out.write("\n".join(lines) + "\n")
    for k in sorted(expected):
        print(k, os.path.getsize(path(k)), "bytes")


if __name__ == "__main__":
    main()
