"""Writes small NIR graph files with h5py, as the nir package lays them
out, for nir's fuzz seeds and tests that must not depend on ../shared:

  lif.nir      Input[2] -> Affine -> LIF -> Output (the layout of nir 0.2)
  rnn.nir      Input[3] -> Linear -> nested NIRGraph (CubaLIF <-> Affine) -> Output
  scaled.nir   Input[2] -> Scale -> Delay -> LIF -> Output
  unsupported.nir  a LIF whose tau is complex (an HDF5 compound type)
  conv.nir     Input[1,6,6] -> Conv2d -> IF -> SumPool2d -> Flatten -> Affine -> LI -> Output,
               gzip-chunked as nir >= 1.0.8 writes
  perneuron.nir  Input[3] -> Affine -> CubaLIF[5] -> Linear -> LIF[2] -> Output, every neuron
               parameter differing between neurons (as trained models store them)
  threshold.nir  Input[4] -> Threshold -> Affine -> Threshold -> Linear -> LI -> Output
  conv1d.nir   Input[2,11] -> Conv1d (groups 2, stride 2, padding 1, dilation 2) -> IF
               -> Flatten -> Affine -> LI -> Output, scalars as nir 1.0 writes a Conv1d's
  conv1d_same.nir  Input[1,9] -> Conv1d (padding "same", dilation 2) -> IF -> Output

Run with /usr/bin/python3 (python3-h5py); deterministic output.
"""
import h5py
import numpy as np

STR = h5py.string_dtype()


def node(g, typ, **params):
    g.create_dataset("type", data=typ, dtype=STR)
    for k, v in params.items():
        g.create_dataset(k, data=np.asarray(v))


def graph(g, edges):
    g.create_dataset("type", data="NIRGraph", dtype=STR)
    g.create_dataset("edges", data=np.array(edges, dtype=object), dtype=STR)
    return g.create_group("nodes")


def lif():
    with h5py.File("lif.nir", "w", libver="earliest") as f:
        f.create_dataset("version", data="0.2.0", dtype=STR)
        n = graph(f.create_group("node"), [["input", "fc"], ["fc", "lif"], ["lif", "output"]])
        node(n.create_group("input"), "Input", shape=np.array([2], np.int64))
        node(n.create_group("fc"), "Affine", weight=np.array([[1.5, -0.5], [0.25, 2.0]], np.float32), bias=np.array([0.1, 0], np.float32))
        node(n.create_group("lif"), "LIF", tau=np.full(2, 2e-3, np.float32), r=np.ones(2, np.float32),
             v_leak=np.zeros(2, np.float32), v_threshold=np.full(2, 0.5, np.float32))
        node(n.create_group("output"), "Output", shape=np.array([2], np.int64))


def rnn():
    with h5py.File("rnn.nir", "w", libver="latest") as f:
        f.create_dataset("version", data="1.0.0", dtype=STR)
        n = graph(f.create_group("node"), [["input", "fc"], ["fc", "rec"], ["rec", "output"]])
        node(n.create_group("input"), "Input", shape=np.array([3], np.int64))
        node(n.create_group("fc"), "Linear", weight=np.arange(12, dtype=np.float64).reshape(4, 3) / 10)
        inner = graph(n.create_group("rec"), [["input", "lif"], ["lif", "w"], ["w", "lif"], ["lif", "output"]])
        node(inner.create_group("input"), "Input", shape=np.array([4], np.int64))
        node(inner.create_group("lif"), "CubaLIF", tau_syn=np.full(4, 5e-4), tau_mem=np.full(4, 1e-3), r=np.full(4, 10.0),
             v_leak=np.zeros(4), v_threshold=np.ones(4), w_in=np.full(4, 5.0), v_reset=np.zeros(4))
        node(inner.create_group("w"), "Affine", weight=np.eye(4) * -0.5, bias=np.full(4, 0.05))
        node(inner.create_group("output"), "Output", shape=np.array([4], np.int64))
        node(n.create_group("output"), "Output", shape=np.array([4], np.int64))


def conv():
    def ds(g, name, v):
        v = np.asarray(v)
        if v.ndim == 0:
            g.create_dataset(name, data=v)
        else:
            g.create_dataset(name, data=v, chunks=v.shape, compression="gzip", shuffle=True)

    with h5py.File("conv.nir", "w", libver="latest") as f:
        f.create_dataset("version", data="1.0.8", dtype=STR)
        n = graph(f.create_group("node"), [["input", "c"], ["c", "if"], ["if", "pool"], ["pool", "flat"],
                                          ["flat", "fc"], ["fc", "li"], ["li", "output"]])

        def nd(name, typ, **params):
            g = n.create_group(name)
            g.create_dataset("type", data=typ, dtype=STR)
            for k, v in params.items():
                ds(g, k, v)

        nd("input", "Input", shape=np.array([1, 6, 6], np.int64))
        nd("c", "Conv2d", weight=np.linspace(-1, 1, 2 * 1 * 3 * 3, dtype=np.float32).reshape(2, 1, 3, 3),
           bias=np.zeros(2, np.float32), stride=np.array([1, 1]), padding=np.array([1, 1]), dilation=np.array([1, 1]),
           groups=np.int64(1), input_shape=np.array([6, 6]))
        nd("if", "IF", r=np.ones((2, 6, 6), np.float32), v_threshold=np.ones((2, 6, 6), np.float32))
        nd("pool", "SumPool2d", kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0]))
        nd("flat", "Flatten", start_dim=np.int64(0), end_dim=np.int64(-1), input_type=np.array([2, 3, 3]))
        nd("fc", "Affine", weight=np.full((3, 18), 0.1, np.float32), bias=np.zeros(3, np.float32))
        nd("li", "LI", tau=np.full(3, 1e-3), r=np.ones(3), v_leak=np.zeros(3))
        nd("output", "Output", shape=np.array([3], np.int64))


def scaled():
    """Input[2] -> Scale -> Delay -> LIF -> Output: NIR's Scale and Delay."""
    with h5py.File("scaled.nir", "w", libver="earliest") as f:
        f.create_dataset("version", data="1.0.0", dtype=STR)
        n = graph(f.create_group("node"), [["input", "scale"], ["scale", "delay"], ["delay", "lif"], ["lif", "output"]])
        node(n.create_group("input"), "Input", shape=np.array([2], np.int64))
        node(n.create_group("scale"), "Scale", scale=np.array([2.0, -1.0]))
        node(n.create_group("delay"), "Delay", delay=np.full(2, 3e-4))
        node(n.create_group("lif"), "LIF", tau=np.full(2, 1e-3), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.full(2, 0.1))
        node(n.create_group("output"), "Output", shape=np.array([2], np.int64))


def unsupported():
    """lif.nir with the LIF's tau stored as complex numbers, a datatype
    (compound) the HDF5 reader refuses by name."""
    with h5py.File("unsupported.nir", "w", libver="earliest") as f:
        f.create_dataset("version", data="0.2.0", dtype=STR)
        n = graph(f.create_group("node"), [["input", "lif"], ["lif", "output"]])
        node(n.create_group("input"), "Input", shape=np.array([1], np.int64))
        node(n.create_group("lif"), "LIF", tau=np.array([2e-3 + 0j], np.complex64), r=np.ones(1),
             v_leak=np.zeros(1), v_threshold=np.ones(1))
        node(n.create_group("output"), "Output", shape=np.array([1], np.int64))


def perneuron():
    rng = np.random.default_rng(5)
    with h5py.File("perneuron.nir", "w", libver="latest") as f:
        f.create_dataset("version", data="1.0.0", dtype=STR)
        n = graph(f.create_group("node"), [["input", "fc"], ["fc", "lif1"], ["lif1", "fc2"], ["fc2", "lif2"], ["lif2", "output"]])
        node(n.create_group("input"), "Input", shape=np.array([3], np.int64))
        node(n.create_group("fc"), "Affine", weight=rng.normal(0.8, 0.6, (5, 3)).astype(np.float32),
             bias=rng.normal(0.05, 0.05, 5).astype(np.float32))
        node(n.create_group("lif1"), "CubaLIF", tau_syn=rng.uniform(2e-4, 1e-3, 5), tau_mem=rng.uniform(5e-4, 3e-3, 5),
             r=rng.uniform(0.5, 2, 5), v_leak=np.array([0, 0.05, -0.02, 0, 0.1]), v_threshold=rng.uniform(0.05, 0.3, 5),
             w_in=rng.uniform(0.5, 2, 5), v_reset=np.array([0, -0.05, 0, 0.02, -0.1]))
        node(n.create_group("fc2"), "Linear", weight=rng.normal(0.5, 0.4, (2, 5)).astype(np.float32))
        node(n.create_group("lif2"), "LIF", tau=np.array([1e-3, 2.5e-3], np.float32), r=np.array([1, 1.5], np.float32),
             v_leak=np.array([0, 0.01], np.float32), v_threshold=np.array([0.05, 0.08], np.float32))
        node(n.create_group("output"), "Output", shape=np.array([2], np.int64))


def threshold():
    with h5py.File("threshold.nir", "w", libver="earliest") as f:
        f.create_dataset("version", data="1.0.0", dtype=STR)
        n = graph(f.create_group("node"), [["input", "thr0"], ["thr0", "fc"], ["fc", "thr"], ["thr", "fc2"], ["fc2", "li"], ["li", "output"]])
        node(n.create_group("input"), "Input", shape=np.array([4], np.int64))
        node(n.create_group("thr0"), "Threshold", threshold=np.array([0.1, -0.2, 0.5, 0.0]))
        node(n.create_group("fc"), "Affine", weight=np.array([[1, -0.5, 0.25, 0.5], [0.5, 0.5, -1, 0.25], [-0.25, 1, 0.5, -0.5]]),
             bias=np.array([0.1, -0.3, 0.2]))
        node(n.create_group("thr"), "Threshold", threshold=np.array([0.3, 0.0, 0.45]))
        node(n.create_group("fc2"), "Linear", weight=np.array([[1.0, -0.5, 0.75], [0.25, 1.0, -1.0]]))
        node(n.create_group("li"), "LI", tau=np.full(2, 1e-3), r=np.ones(2), v_leak=np.zeros(2))
        node(n.create_group("output"), "Output", shape=np.array([2], np.int64))


def conv1d():
    rng = np.random.default_rng(9)
    with h5py.File("conv1d.nir", "w", libver="latest") as f:
        f.create_dataset("version", data="1.0.0", dtype=STR)
        n = graph(f.create_group("node"), [["input", "c"], ["c", "if"], ["if", "flat"], ["flat", "fc"], ["fc", "li"], ["li", "output"]])
        node(n.create_group("input"), "Input", shape=np.array([2, 11], np.int64))
        node(n.create_group("c"), "Conv1d", weight=rng.normal(0.3, 0.5, (4, 1, 3)).astype(np.float32),
             bias=np.array([0.05, -0.05, 0.1, 0.0], np.float32), stride=np.int64(2), padding=np.int64(1),
             dilation=np.int64(2), groups=np.int64(2), input_shape=np.int64(11))
        node(n.create_group("if"), "IF", r=np.ones((4, 5), np.float32), v_threshold=np.full((4, 5), 0.5, np.float32))
        node(n.create_group("flat"), "Flatten", start_dim=np.int64(0), end_dim=np.int64(-1))
        node(n.create_group("fc"), "Affine", weight=rng.normal(0.1, 0.2, (3, 20)).astype(np.float32), bias=np.zeros(3, np.float32))
        node(n.create_group("li"), "LI", tau=np.full(3, 1e-3), r=np.ones(3), v_leak=np.zeros(3))
        node(n.create_group("output"), "Output", shape=np.array([3], np.int64))


def conv1d_same():
    with h5py.File("conv1d_same.nir", "w", libver="earliest") as f:
        f.create_dataset("version", data="1.0.0", dtype=STR)
        n = graph(f.create_group("node"), [["input", "c"], ["c", "if"], ["if", "output"]])
        node(n.create_group("input"), "Input", shape=np.array([1, 9], np.int64))
        c = n.create_group("c")
        node(c, "Conv1d", weight=np.array([[[0.5, -0.25, 1.0]], [[0.25, 0.75, -0.5]]]), bias=np.array([0.0, 0.1]),
             stride=np.int64(1), dilation=np.int64(2), groups=np.int64(1), input_shape=np.int64(9))
        c.create_dataset("padding", data="same", dtype=STR)
        node(n.create_group("if"), "IF", r=np.ones((2, 9)), v_threshold=np.full((2, 9), 0.6))
        node(n.create_group("output"), "Output", shape=np.array([2, 9], np.int64))


lif()
rnn()
conv()
scaled()
unsupported()
perneuron()
threshold()
conv1d()
conv1d_same()
