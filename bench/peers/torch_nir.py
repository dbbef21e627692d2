"""NIR graphs as PyTorch step loops (CPU): the snnTorch braille network and
the Sinabs N-MNIST CNN of ../shared/nir, and any feed-forward chain of
Affine/Linear layers and CubaLIF, LIF and IF nodes (nir/testdata's
perneuron.nir), stepped as leaky's `--semantics norse` steps them (forward
Euler, the threshold tested on the updated V and reset to v_reset in the
same step; engine.NeuronParams documents the equations, nir/describe.go's
population() the mapping from NIR's parameters). Weights and parameters are
read from the .nir file with h5py (Debian python3-h5py); a parameter that
differs between a node's neurons is a tensor of the node's shape, which
broadcasts over the batch, one that does not a number.

Per step t, for a CubaLIF with a = 1 - dt/tau_syn, h = w_in*dt/tau_syn,
b = 1 - dt/tau_mem, g = r*dt/tau_mem:

    i <- a*i + h*iin (+ dt/tau_syn*v_leak)
    u  = v_leak + b*(v - v_leak) + g*i;  s = u > v_threshold;  v <- v_reset if s else u

for a LIF (no current; Norse's importer ignores its r): the same u with
g = dt/tau and iin in place of i; and for an IF (no current, no leak):
u = v + r*iin. A SumPool2d between layers is a population that passes on
its summed input. Edges in a cycle (braille's lif1.w_rec) carry the previous
step's spikes, the recurrent bias from step 1 on, as NIRTorch runs them;
every other edge the same step's.

Usage:
  torch_nir.py bench NET FIXTURES THREADS REPS
      times one batch of the benchmark (braille: 256 samples x 256 steps of
      0.1 ms, inputs 1 at 10%; cnn: 64 x 30 steps of 1 ms, 5%), input
      generation excluded, the way leaky's BenchmarkNIR is, and prints
      torch nir net=... batch=... threads=... best_s=... samples_per_s=...
      (samples_per_s from the best repetition; median_samples_per_s too).
  torch_nir.py check NET FILE.nir X.npy OUTDIR DTYPE DT
      runs the graph (NET braille, cnn, or chain for a feed-forward chain)
      on X (T, B, *input_shape) in DTYPE (float32 or float64) with time
      step DT and writes, for each population, s_NAME.npy (its spikes of
      step t) and v_NAME.npy (V at the start of step t), (T, B, N), with
      leaky's population names (bench's TestNIRMatchesTorch compares them).
"""
import os
import statistics
import sys
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F


def node(f, name):
    return f["node/nodes/" + name]


def param(g, key, default=None):
    """A node's parameter in float64: a number when every neuron has the
    same value, otherwise an array of the node's shape, per neuron."""
    if key not in g:
        if default is None:
            raise KeyError(f"{g.name}: no {key}")
        return default
    v = np.asarray(g[key][()], dtype=np.float64)
    if np.all(v == v.flat[0]):
        return float(v.flat[0])
    return v


class Neuron:
    """The constants of one neuron node under leaky's norse rule, computed
    in float64 as engine.NeuronParams does, neuron by neuron where they
    differ, and then rounded to dtype."""

    def __init__(self, g, dt, dtype):
        kind = g["type"][()].decode()
        c = lambda x: torch.tensor(x, dtype=dtype)  # noqa: E731
        self.kind = kind
        self.theta = c(param(g, "v_threshold"))
        self.v_reset = c(param(g, "v_reset", 0.0))
        if kind in ("CubaLIF", "LIF"):
            tau_mem = param(g, "tau_mem" if kind == "CubaLIF" else "tau")
            r, v_leak = (param(g, "r"), param(g, "v_leak")) if kind == "CubaLIF" else (1.0, param(g, "v_leak"))
            self.beta, self.g = c(1 - dt / tau_mem), c(r * (dt / tau_mem))
            self.v_leak = c(v_leak)
            self.to_leak = None
        if kind == "CubaLIF":
            tau_syn, w_in = param(g, "tau_syn"), param(g, "w_in", 1.0)
            self.alpha, self.h = c(1 - dt / tau_syn), c(w_in * (dt / tau_syn))
            if np.any(v_leak != 0):
                self.to_leak = c((dt / tau_syn) * v_leak)
        elif kind == "IF":
            self.g = c(param(g, "r"))
        elif kind != "LIF":
            raise ValueError(f"{g.name}: {kind} nodes are not written here (CubaLIF, LIF and IF are)")

    def state(self, shape, dtype):
        z = torch.zeros(shape, dtype=dtype)
        return {"v": z, "i": z.clone()} if self.kind == "CubaLIF" else {"v": z}

    def step(self, st, iin):
        """One step on input current iin; returns the spikes as 0/1."""
        if self.kind == "CubaLIF":
            i = self.alpha * st["i"] + self.h * iin
            if self.to_leak is not None:
                i = i + self.to_leak
            st["i"] = i
            u = self.v_leak + self.beta * (st["v"] - self.v_leak) + self.g * i
        elif self.kind == "LIF":
            u = self.v_leak + self.beta * (st["v"] - self.v_leak) + self.g * iin
        else:
            u = st["v"] + self.g * iin
        s = u > self.theta
        st["v"] = torch.where(s, self.v_reset, u)
        return s.to(iin.dtype)


def tensor(g, key, dtype):
    return torch.from_numpy(np.asarray(g[key][()])).to(dtype)


class Braille:
    """Input[12] -> fc1 -> lif1.lif (CubaLIF) <-> lif1.w_rec -> fc2 -> lif2."""

    pops = ["lif1.lif", "lif2"]

    def __init__(self, path, dt, dtype):
        with h5py.File(path, "r") as f:
            self.w1, self.b1 = tensor(node(f, "fc1"), "weight", dtype), tensor(node(f, "fc1"), "bias", dtype)
            self.wr, self.br = tensor(node(f, "lif1.w_rec"), "weight", dtype), tensor(node(f, "lif1.w_rec"), "bias", dtype)
            self.w2, self.b2 = tensor(node(f, "fc2"), "weight", dtype), tensor(node(f, "fc2"), "bias", dtype)
            self.n1, self.n2 = Neuron(node(f, "lif1.lif"), dt, dtype), Neuron(node(f, "lif2"), dt, dtype)
        self.dtype = dtype

    def run(self, x, trace=None):
        T, B = x.shape[:2]
        st1, st2 = self.n1.state((B, self.w1.shape[0]), self.dtype), self.n2.state((B, self.w2.shape[0]), self.dtype)
        s1 = torch.zeros(B, self.w1.shape[0], dtype=self.dtype)
        ff = x @ self.w1.T + self.b1  # the input layer of every step at once
        out = torch.empty(T, B, self.w2.shape[0], dtype=self.dtype)
        for t in range(T):
            if trace is not None:
                trace.v(t, [st1["v"], st2["v"]])
            rec = s1 @ self.wr.T
            if t >= 1:
                rec = rec + self.br
            s1 = self.n1.step(st1, rec + ff[t])
            out[t] = self.n2.step(st2, s1 @ self.w2.T + self.b2)
            if trace is not None:
                trace.s(t, [s1, out[t]])
        return out


class CNN:
    """Input[2,34,34] -> 0 Conv2d -> 1 IF -> 2 Conv2d -> 3 IF -> 4 SumPool2d
    -> 5 Conv2d -> 6 IF -> 7 SumPool2d -> Flatten -> 9 Affine -> 10 IF ->
    11 Affine -> 12 IF."""

    pops = ["1", "3", "4", "6", "7", "10", "12"]

    def __init__(self, path, dt, dtype):
        self.dtype = dtype
        with h5py.File(path, "r") as f:
            self.conv = {}
            for k in ("0", "2", "5"):
                g = node(f, k)
                w = tensor(g, "weight", dtype)
                b = tensor(g, "bias", dtype).reshape(-1).expand(w.shape[0]).contiguous()
                stride = tuple(int(v) for v in g["stride"][()])
                pad = tuple(int(v) for v in g["padding"][()])
                dil = tuple(int(v) for v in g["dilation"][()])
                self.conv[k] = (w, b, stride, pad, dil, int(g["groups"][()]))
            self.pool = {}
            for k in ("4", "7"):
                g = node(f, k)
                self.pool[k] = tuple(tuple(int(v) for v in g[p][()]) for p in ("kernel_size", "stride", "padding"))
            self.fc = {}
            for k in ("9", "11"):
                g = node(f, k)
                w = tensor(g, "weight", dtype)
                self.fc[k] = (w.T.contiguous(), tensor(g, "bias", dtype).reshape(-1).expand(w.shape[0]))
            self.neurons = {k: Neuron(node(f, k), dt, dtype) for k in ("1", "3", "6", "10", "12")}

    def c(self, k, x):
        w, b, stride, pad, dil, groups = self.conv[k]
        return F.conv2d(x, w, b, stride, pad, dil, groups)

    def p(self, k, x):
        ks, stride, pad = self.pool[k]
        return F.avg_pool2d(x, ks, stride, pad, divisor_override=1)  # a sum

    def shapes(self, B):
        """The state shape of every population, from the geometry."""
        def conv(k, shape):
            w, _, stride, pad, dil, _ = self.conv[k]
            return (w.shape[0], *((n + 2 * p - d * (w.shape[2 + a] - 1) - 1) // s + 1
                                  for a, (n, s, p, d) in enumerate(zip(shape[1:], stride, pad, dil))))

        def pool(k, shape):
            ks, stride, pad = self.pool[k]
            return (shape[0], *((n + 2 * p - q) // s + 1 for n, q, s, p in zip(shape[1:], ks, stride, pad)))

        sh = {"1": conv("0", (2, 34, 34))}
        sh["3"] = conv("2", sh["1"])
        sh["4"] = pool("4", sh["3"])
        sh["6"] = conv("5", sh["4"])
        sh["7"] = pool("7", sh["6"])
        sh["10"] = (self.fc["9"][0].shape[1],)
        sh["12"] = (self.fc["11"][0].shape[1],)
        return {k: (B, *v) for k, v in sh.items()}

    def run(self, x, trace=None):
        T, B = x.shape[:2]
        c0 = self.c("0", x.reshape(T * B, *x.shape[2:]))  # the input layer of every step at once
        c0 = c0.reshape(T, B, *c0.shape[1:])
        n = self.neurons
        sh = self.shapes(B)
        st = {k: n[k].state(sh[k], self.dtype) for k in n}
        # The pooling populations keep only their last output.
        v4, v7 = torch.zeros(sh["4"], dtype=self.dtype), torch.zeros(sh["7"], dtype=self.dtype)
        out = torch.empty(T, *sh["12"], dtype=self.dtype)
        w9, b9 = self.fc["9"]
        w11, b11 = self.fc["11"]
        for t in range(T):
            if trace is not None:
                trace.v(t, [st["1"]["v"], st["3"]["v"], v4, st["6"]["v"], v7, st["10"]["v"], st["12"]["v"]])
            s1 = n["1"].step(st["1"], c0[t])
            s3 = n["3"].step(st["3"], self.c("2", s1))
            v4 = self.p("4", s3)
            s6 = n["6"].step(st["6"], self.c("5", v4))
            v7 = self.p("7", s6)
            s10 = n["10"].step(st["10"], v7.reshape(B, -1) @ w9 + b9)
            out[t] = n["12"].step(st["12"], s10 @ w11 + b11)
            if trace is not None:
                trace.s(t, [s1, s3, v4, s6, v7, s10, out[t]])
        return out


class Chain:
    """Input -> Affine/Linear -> neuron node -> ... -> Output, a chain read
    from the graph's edges; the populations are the neuron nodes."""

    def __init__(self, path, dt, dtype):
        self.dtype = dtype
        with h5py.File(path, "r") as f:
            edges = {a.decode(): b.decode() for a, b in f["node/edges"][()]}
            types = {k: f["node/nodes"][k]["type"][()].decode() for k in f["node/nodes"]}
            at = next(k for k, t in types.items() if t == "Input")
            self.layers, self.pops = [], []
            while types[at] != "Output":
                at = edges[at]
                g = node(f, at)
                if types[at] in ("Affine", "Linear"):
                    w = tensor(g, "weight", dtype)
                    b = tensor(g, "bias", dtype) if types[at] == "Affine" else None
                    self.layers.append(("linear", w, b))
                elif types[at] != "Output":
                    n = Neuron(g, dt, dtype)
                    self.layers.append(("neuron", n, g["v_threshold"].shape))
                    self.pops.append(at)

    def run(self, x, trace=None):
        T, B = x.shape[:2]
        st = [n.state((B, *shape), self.dtype) if kind == "neuron" else None for kind, n, shape in self.layers]
        out = None
        for t in range(T):
            if trace is not None:
                trace.v(t, [s["v"] for s in st if s is not None])
            y, spikes = x[t], []
            for (kind, a, b), s in zip(self.layers, st):
                if kind == "linear":
                    y = y @ a.T if b is None else y @ a.T + b
                else:
                    y = a.step(s, y)
                    spikes.append(y)
            out = y
            if trace is not None:
                trace.s(t, spikes)
        return out


NETS = {"braille": (Braille, "braille_noDelay_bias_zero.nir", 1e-4, 256, 256, (12,), 0.10),
        "cnn": (CNN, "cnn_sinabs.nir", 1e-3, 30, 64, (2, 34, 34), 0.05)}


class Trace:
    """Every population's spikes and V, step by step, for the check."""

    def __init__(self, pops, T):
        self.pops, self.T = pops, T
        self.vs, self.ss = {p: [] for p in pops}, {p: [] for p in pops}

    def v(self, t, vals):
        for p, x in zip(self.pops, vals):
            self.vs[p].append(x.reshape(x.shape[0], -1).clone())

    def s(self, t, vals):
        for p, x in zip(self.pops, vals):
            self.ss[p].append(x.reshape(x.shape[0], -1).clone())

    def save(self, outdir):
        for p in self.pops:
            np.save(os.path.join(outdir, f"v_{p}.npy"), torch.stack(self.vs[p]).numpy())
            np.save(os.path.join(outdir, f"s_{p}.npy"), torch.stack(self.ss[p]).numpy())


def bench(net, fixtures, threads, reps):
    cls, fname, dt, T, B, shape, density = NETS[net]
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    model = cls(os.path.join(fixtures, fname), dt, torch.float32)
    x = (torch.rand(T, B, *shape) < density).float()
    times = []
    with torch.inference_mode():
        model.run(x)  # warm-up
        for _ in range(reps):
            t0 = time.perf_counter()
            model.run(x)
            times.append(time.perf_counter() - t0)
    best, med = min(times), statistics.median(times)
    print(f"torch nir net={net} batch={B} steps={T} threads={threads} torch={torch.__version__} "
          f"best_s={best:.4f} median_s={med:.4f} samples_per_s={B / best:.1f} median_samples_per_s={B / med:.1f}")


def check(net, path, xpath, outdir, dtype, dt):
    cls = {"braille": Braille, "cnn": CNN, "chain": Chain}[net]
    dtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
    model = cls(path, float(dt), dtype)
    x = torch.from_numpy(np.load(xpath)).to(dtype)
    tr = Trace(model.pops, x.shape[0])
    with torch.inference_mode():
        model.run(x, tr)
    tr.save(outdir)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "bench":
        bench(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif len(sys.argv) == 8 and sys.argv[1] == "check":
        check(*sys.argv[2:8])
    else:
        sys.exit(__doc__)
