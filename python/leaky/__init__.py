"""leaky from Python: a LIF spiking-network simulator, NumPy in and out.

Two ways in, both over leaky's C library (libleaky.so, through ctypes):

* :func:`run` is ``leaky run`` as a function: the seed notebook's network
  (Poisson inputs, or your input array, projecting densely onto one
  population), returning the traces ``v``, ``isyn``, ``iinp`` as (T, B, N)
  arrays and ``spikes`` as (step, trial, neuron) rows, the same bits as
  ``leaky run`` writes to its .npy files.
* :class:`Network` is any network description (``leaky run --net``'s YAML)
  that you step yourself: :meth:`Network.step` and :meth:`Network.run`
  with your input arrays for its ``input`` sources, recorders read back as
  arrays, :meth:`Network.state`, :meth:`Network.save` and
  :meth:`Network.load`.

Arrays of the network's dtype that are C-contiguous are passed without
copying; others are converted once. Mistakes raise :class:`Error` (a
``ValueError``) with the message ``leaky run`` prints, naming the keyword
where ``leaky run`` names the flag. The GIL is released while leaky runs,
so other threads go on, and Ctrl-C stops a long run at a step boundary
with ``KeyboardInterrupt``, leaving the network usable.

Example::

    import leaky
    r = leaky.run(steps=2000, neurons=50, seed=1)
    r.v.shape          # (2000, 1, 50)
    r.spikes[:3]       # rows of (step, trial, neuron)

    with leaky.Network.from_yaml("examples/small.yaml") as net:
        net.run(500)
        v = net.recorded("exc", "v")
"""

import ctypes
import json
import os
import threading
import time

import numpy as np

from . import _lib
from ._lib import lib as _c

__all__ = ["Error", "InternalError", "NotAvailableError", "Network", "Result", "run", "version"]


class Error(ValueError):
    """A problem leaky reports: bad input (a shape, dtype or value, a
    description, a file) or a failure while running. ``str(e)`` is the
    message ``leaky run`` would print; ``e.status`` is the C status code."""

    def __init__(self, message, status=_lib.BAD_INPUT):
        super().__init__(message)
        self.status = status


class InternalError(Error):
    """A bug inside leaky, caught at the C boundary: the process lives,
    but the network that raised it can only be closed."""


class NotAvailableError(Error):
    """Something this version of leaky cannot do yet (NIR graphs)."""


def _raise(h, status):
    """Raises the exception for a failed call on handle h."""
    if status == _lib.BAD_HANDLE:
        raise Error("the network is closed", status)
    _, msg = _lib.string(_c.leaky_last_error, h)
    if status == _lib.PANIC:
        raise InternalError(msg, status)
    if status == _lib.NOT_AVAILABLE:
        raise NotAvailableError(msg, status)
    raise Error(msg, status)


def version():
    """leaky's version, as the library reports it."""
    _, v = _lib.string(_c.leaky_version)
    return v


def _bytes(s):
    return None if s is None else os.fsencode(s)


_DTYPES = {"float32": (np.dtype(np.float32), _lib.FLOAT32), "float64": (np.dtype(np.float64), _lib.FLOAT64)}


def _numbers(x, what):
    """x as an ndarray of numbers, refusing anything else."""
    a = x if type(x) is np.ndarray else np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise Error(f"{what}: dtype {a.dtype}; want numbers (bool, integers or floats)")
    return a


def _convert(a, dtype):
    """a as a C-contiguous array of dtype: itself when it is one, else one
    copy. Integers and bools go through float64, as leaky run reads them
    from a file."""
    if a.dtype == dtype and a.flags.c_contiguous:
        return a
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    return np.ascontiguousarray(a, dtype=dtype)


class Network:
    """A network described in leaky's YAML format (README, "Network
    files"), stepped by you.

    Make one with :meth:`from_yaml` or :meth:`load`. Its ``input`` sources
    (``sources: [{name: x, input: {size: 12}}]``) take your arrays at every
    :meth:`step` or :meth:`run`; its ``recorders`` record in memory, and
    :meth:`record` adds more. Use it as a context manager, or call
    :meth:`close`, to free it at once.

    Calls on one network from several threads are serialised; separate
    networks run in parallel.
    """

    def __init__(self, *, threads=None, kernel=None, force=False):
        """An empty network handle with options; use :meth:`from_yaml` or
        :meth:`load` instead."""
        h = _lib.net_t()
        st = _c.leaky_new(ctypes.byref(h))
        if st != _lib.OK:
            raise InternalError("leaky_new failed", st)
        self._h = h.value
        try:
            if threads is not None:
                self._check(_c.leaky_set_threads(self._h, _int(threads, "threads")))
            if kernel is not None:
                self._check(_c.leaky_set_kernel(self._h, _bytes(kernel)))
            if force:
                self._check(_c.leaky_set_force(self._h, 1))
        except BaseException:
            self.close()
            raise

    def _check(self, status):
        if status != _lib.OK:
            _raise(self._h, status)

    def _opened(self):
        """Reads what the network is after it was opened."""
        info = self.info
        self._dtype, self._cdtype = _DTYPES[info["dtype"]]
        self._batch = info["batch"]
        self._sizes = {p["name"]: p["size"] for p in info["populations"] + info["sources"]}
        self._feeds = [(s["name"], s["size"]) for s in info["sources"] if s["kind"] == "input"]
        self._names = [_bytes(n) for n, _ in self._feeds]
        self._in = (_lib.Input * max(1, len(self._feeds)))()
        self._step_shape = (self._batch, self._feeds[0][1]) if len(self._feeds) == 1 else None
        self._stepping = 0.0  # seconds inside leaky_run, for Result
        # The leaky_input entries are filled per call: one call at a time.
        self._lock = threading.Lock()
        for i, name in enumerate(self._names):
            self._in[i].source = name
            self._in[i].dtype = self._cdtype
        return self

    @classmethod
    def from_yaml(cls, path_or_text, *, threads=None, kernel=None, force=False):
        """Opens a network description: a path to a YAML or JSON file, or
        the text itself. Relative .npy paths are taken from the file's
        directory (the working directory for text).

        threads: threads to step with (None: all cores; the results are
        the same bits at any count); kernel: generic, avx2, avx512 or auto
        (for the whole process); force: run even when the memory estimate
        exceeds what is available.
        """
        net = cls(threads=threads, kernel=kernel, force=force)
        try:
            src = path_or_text
            if isinstance(src, bytes):
                src = src.decode()
            if isinstance(src, os.PathLike) or (isinstance(src, str) and "\n" not in src and
                                               (os.path.exists(src) or src.endswith((".yaml", ".yml", ".json")))):
                net._check(_c.leaky_open_file(net._h, _bytes(src)))
            else:
                net._check(_c.leaky_open_yaml(net._h, src.encode(), None))
            return net._opened()
        except BaseException:
            net.close()
            raise

    @classmethod
    def from_nir(cls, path, dt=None, scheme=None, reset=None, *, threads=None, kernel=None):
        """Opens a NIR graph (a model exported by snnTorch, Norse, Spyx,
        Rockpool, Sinabs…) for stepping, as ``leaky run --nir`` runs it:
        dt is the time step in seconds (required: a NIR file has none),
        scheme whose step the neurons follow (``norse``, the default,
        ``snntorch``, ``spyx`` or ``leaky``) and reset ``zero`` (the
        default: to NIR's v_reset) or ``subtract``. The graph's Input is
        the network's one input source: give its values, flattened, to
        :meth:`step` or :meth:`run`; each neuron node is a population named
        by its node path (``/`` becomes ``.``)."""
        net = cls(threads=threads, kernel=kernel)
        try:
            net._check(_c.leaky_open_nir(net._h, _bytes(path), float(dt or 0), _bytes(scheme), _bytes(reset)))
            return net._opened()
        except BaseException:
            net.close()
            raise

    @classmethod
    def load(cls, path, *, threads=None, kernel=None, force=False):
        """Opens the network a checkpoint written by :meth:`save` carries,
        at the step it was saved; its recorders record from there on."""
        net = cls(threads=threads, kernel=kernel, force=force)
        try:
            net._check(_c.leaky_load(net._h, _bytes(path)))
            return net._opened()
        except BaseException:
            net.close()
            raise

    @classmethod
    def _feedforward(cls, ff, *, threads=None, kernel=None, force=False):
        net = cls(threads=threads, kernel=kernel, force=force)
        try:
            net._check(_c.leaky_open_feedforward(net._h, ctypes.byref(ff)))
            return net._opened()
        except BaseException:
            net.close()
            raise

    # Reading about the network.

    @property
    def info(self):
        """The network as a dict: dtype, batch, dt, step, steps (the
        description's), threads, kernel, populations, sources and
        projections (name, kind, size), recordings (population, var,
        neurons, start, shape)."""
        st, text = _lib.string(_c.leaky_info, self._handle())
        self._check(st)
        return json.loads(text)

    @property
    def dtype(self):
        """The network's dtype, numpy.float32 or numpy.float64."""
        return self._dtype

    @property
    def batch(self):
        """The number of independent trials."""
        return self._batch

    @property
    def t(self):
        """The next step to run (steps run so far)."""
        n = ctypes.c_int64()
        self._check(_c.leaky_step_index(self._handle(), ctypes.byref(n)))
        return n.value

    @property
    def inputs(self):
        """The input sources, {name: size}: what :meth:`step` and
        :meth:`run` take arrays for."""
        return dict(self._feeds)

    @property
    def threads(self):
        """Threads stepping the network; assign to change (0: all cores)."""
        return self.info["threads"]

    @threads.setter
    def threads(self, n):
        self._check(_c.leaky_set_threads(self._handle(), _int(n, "threads")))

    @property
    def recordings(self):
        """What is recorded: a list of dicts (population, var, neurons,
        start, shape)."""
        return self.info["recordings"]

    def _handle(self):
        if self._h is None:
            raise Error("the network is closed", _lib.BAD_HANDLE)
        return self._h

    # Stepping.

    def _prepare(self, x, steps):
        """Fills the leaky_input entries for x, the values of the next
        steps steps (None: one step, without the steps axis), and returns
        the arrays they point into, which must live until the call
        returns."""
        feeds = self._feeds
        if x is None:
            if feeds:
                names = ", ".join(repr(n) for n, _ in feeds)
                raise Error(f"inputs: the network's input sources {names} need values at every step")
            return ()
        if not isinstance(x, dict):
            if len(feeds) != 1:
                if not feeds:
                    raise Error("inputs: the network has no input sources; call it without values")
                names = ", ".join(repr(n) for n, _ in feeds)
                raise Error(f"inputs: the network has several input sources ({names}); give a dict of arrays by name")
            x = {feeds[0][0]: x}
        unknown = set(x) - {n for n, _ in feeds}
        if unknown:
            raise Error(f"inputs: no input source named {sorted(unknown)!r}; the network's are {[n for n, _ in feeds]!r}")
        keep = []
        for i, (name, size) in enumerate(feeds):
            if name not in x:
                raise Error(f"inputs: no values for input source {name!r}")
            a = self._values(x[name], name, size, steps)
            keep.append(a)
            self._in[i].data = a.ctypes.data
            self._in[i].count = a.size
        return keep

    def _values(self, v, name, size, steps):
        """v as a C-contiguous array of the network's dtype of shape
        (steps, batch, size), or (batch, size) for one step."""
        b = self._batch
        want = (b, size) if steps is None else (steps, b, size)
        if type(v) is np.ndarray and v.dtype == self._dtype and v.shape == want and v.flags.c_contiguous:
            return v  # the fast path: passed as it is
        a = _numbers(v, f"inputs of {name!r}")
        if a.shape != want:
            every = want[:-2] + want[-1:]  # the same values for every trial
            if a.shape != every:
                axes = "(batch, size)" if steps is None else "(steps, batch, size)"
                raise Error(f"inputs of {name!r}: shape {a.shape}; want {want} {axes}, or {every} for the same values in every trial")
            a = np.broadcast_to(np.expand_dims(a, -2), want)
        return _convert(a, self._dtype)

    def step(self, x=None):
        """Runs one step. x: the values of the input source for this
        step, shape (batch, size) or (size,) for every trial, or a dict of
        them by source name when there are several; None when there are
        no input sources. 0/1 values are spikes, others analog input."""
        h = self._handle()
        with self._lock:
            if (type(x) is np.ndarray and len(self._feeds) == 1 and x.dtype == self._dtype and
                    x.shape == self._step_shape and x.flags.c_contiguous):
                # The call a step loop makes: the array as it is, without
                # _prepare's dicts, broadcasting and conversion.
                e = self._in[0]
                e.data, e.count = x.ctypes.data, x.size
                st = _c.leaky_step(h, self._in, 1)
            else:
                keep = self._prepare(x, None)
                st = _c.leaky_step(h, self._in, len(keep))
        if st != _lib.OK:
            _raise(h, st)

    #: Seconds of stepping per call into leaky during :meth:`run`: Ctrl-C
    #: takes effect within about this long.
    chunk_seconds = 0.05

    def run(self, steps, inputs=None):
        """Runs steps steps. inputs: the input source's values for them,
        shape (steps, batch, size) or (steps, size) for every trial, or a
        dict of them by source name; None when there are no input sources.

        Ctrl-C stops it at a step boundary with KeyboardInterrupt; the
        network stays usable, at :attr:`t`.
        """
        with self._lock:
            self._run(steps, inputs)

    def _run(self, steps, inputs):
        h = self._handle()
        steps = _int(steps, "steps")
        if steps < 0:
            raise Error(f"steps {steps}: must be ≥ 0")
        keep = self._prepare(inputs, steps) if inputs is not None or self._feeds and steps > 0 else ()
        n = len(keep)
        base = [(self._in[i].data, a.itemsize * a.size // max(steps, 1)) for i, a in enumerate(keep)]
        done, chunk = 0, 1
        if not all(np.isfinite(a).all() for a in keep):
            # One call, which leaky refuses as a whole with its message,
            # rather than chunks that would stop part-way.
            chunk = steps
        while done < steps:
            k = min(chunk, steps - done)
            for i, (ptr, row) in enumerate(base):
                self._in[i].data = ptr + done * row
                self._in[i].count = k * row // keep[i].itemsize
            began = time.perf_counter()
            st = _c.leaky_run(h, k, self._in, n)
            if st != _lib.OK:
                _raise(h, st)
            done += k
            took = time.perf_counter() - began
            self._stepping += took
            if took < self.chunk_seconds / 2:
                chunk *= 2
            elif took > self.chunk_seconds * 2 and chunk > 1:
                chunk //= 2

    # Recording and state.

    def record(self, population, vars=("spikes", "v"), neurons=None):
        """Records vars (any of spikes, v, isyn, iinp; a list or a comma
        string) of a population from the next step on, of the given
        neurons (None: all) for state variables."""
        if not isinstance(vars, str):
            vars = ",".join(vars)
        self._check(_c.leaky_record(self._handle(), _bytes(population), _bytes(vars), _bytes(_neurons(neurons))))

    def recorded(self, population, var):
        """What a recorder holds: for v, isyn or iinp an array (steps,
        batch, neurons) of the network's dtype; for spikes an int64 array
        of (step, trial, neuron) rows. Recording starts at the step the
        recorder was added (0 for the description's; see
        :attr:`recordings`)."""
        h = self._handle()
        pop, v = _bytes(population), _bytes(var)
        ndim, start = ctypes.c_int64(), ctypes.c_int64()
        shape = (ctypes.c_int64 * 3)()
        dtype, code = (np.dtype(np.int64), _lib.INT64) if var == "spikes" else (self._dtype, self._cdtype)
        self._check(_c.leaky_recorded(h, pop, v, code, None, 0, ctypes.byref(ndim), shape, ctypes.byref(start)))
        out = np.empty(tuple(shape[: ndim.value]), dtype=dtype)
        self._check(_c.leaky_recorded(h, pop, v, code, out.ctypes.data, out.size, ctypes.byref(ndim), shape,
                                      ctypes.byref(start)))
        return out

    def state(self, population, var="v"):
        """v, isyn (the first receptor's current) or iinp of every neuron
        of a population now, an array (batch, size) of the network's
        dtype: after a step, the values the next step starts from."""
        h = self._handle()
        shape = (ctypes.c_int64 * 2)()
        pop, v = _bytes(population), _bytes(var)
        self._check(_c.leaky_state(h, pop, v, self._cdtype, None, 0, shape))
        out = np.empty((shape[0], shape[1]), dtype=self._dtype)
        self._check(_c.leaky_state(h, pop, v, self._cdtype, out.ctypes.data, out.size, shape))
        return out

    def spikes(self, population):
        """The spikes of a population's last step, an int64 array of
        (trial, neuron) rows."""
        h = self._handle()
        n = ctypes.c_int64()
        pop = _bytes(population)
        self._check(_c.leaky_spikes(h, pop, None, 0, ctypes.byref(n)))
        out = np.empty((n.value, 2), dtype=np.int64)
        self._check(_c.leaky_spikes(h, pop, out.ctypes.data, out.size, ctypes.byref(n)))
        return out

    def set_weights(self, projection, w):
        """Replaces the weights of a dense projection (named
        SOURCE->TARGET unless the description names it) with w, shape
        (n_source, n_target). The network can no longer be saved."""
        h = self._handle()
        proj = [p for p in self.info["projections"] if p["name"] == projection]
        a = _numbers(w, "weights")
        if proj:
            want = (self._sizes[proj[0]["source"]], self._sizes[proj[0]["target"]])
            if a.shape != want:
                raise Error(f"weights of {projection!r}: shape {a.shape}; want {want} (n_source, n_target)")
        a = _convert(a, self._dtype)
        self._check(_c.leaky_set_weights(h, _bytes(projection), self._cdtype, a.ctypes.data, a.size))

    def save(self, path):
        """Saves the network's state to a checkpoint (leaky run's format,
        carrying the description): :meth:`load` continues from it.
        Recorded data is not saved; read it first."""
        self._check(_c.leaky_save(self._handle(), _bytes(path)))

    def close(self):
        """Frees the network; it cannot be used afterwards."""
        h, self._h = getattr(self, "_h", None), None
        if h is not None and _c is not None:
            _c.leaky_free(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __repr__(self):
        if self._h is None:
            return "<leaky.Network closed>"
        i = self.info
        pops = ", ".join(f"{p['name']}[{p['size']}]" for p in i["populations"])
        return f"<leaky.Network {pops} × {i['batch']} trials, {i['dtype']}, step {i['step']}>"

    def _debug_panic(self, at_step=0):
        """Test hook: makes leaky panic now (at_step 0) or in the run that
        reaches at_step, to check the boundary turns it into
        :class:`InternalError`."""
        self._check(_c.leaky_debug_panic(self._handle(), at_step))


def _int(x, what):
    if isinstance(x, bool) or not isinstance(x, (int, np.integer)):
        raise Error(f"{what} {x!r}: want a whole number")
    return int(x)


def _neurons(neurons):
    """neurons as leaky run's --record-neurons takes them: "0,5,10-20"."""
    if neurons is None or isinstance(neurons, str):
        return neurons
    return ",".join(str(int(i)) for i in np.asarray(neurons).ravel())


class Result:
    """What :func:`run` returns.

    v, isyn, iinp: arrays (T, B, N) (or (T, B, len(record_neurons))) of the
    run's dtype, index t holding the value at the start of step t, so
    ``v[0]`` is 0; None when not recorded. spikes: an int64 array of
    (step, trial, neuron) rows in time order; None when not recorded.
    info: the network (see :attr:`Network.info`). wall_seconds: the time
    the call took, building the network and copying the results out
    included; sim_seconds: the time spent stepping, what leaky run's
    summary.json calls wall_seconds.
    """

    def __init__(self, v, isyn, iinp, spikes, info, wall_seconds, sim_seconds):
        self.v, self.isyn, self.iinp, self.spikes = v, isyn, iinp, spikes
        self.info, self.wall_seconds, self.sim_seconds = info, wall_seconds, sim_seconds

    def __repr__(self):
        shape = None if self.v is None else self.v.shape
        n = None if self.spikes is None else len(self.spikes)
        return f"<leaky.Result v{shape}, {n} spikes, {self.info['dtype']}, {self.wall_seconds:.3g} s>"


def run(inputs=None, weights=None, *, steps=None, neurons=None, n_inputs=None, batch=None, rate=None, dt=None,
        tau_mem=None, tau_syn=None, threshold=None, reset=None, seed=None, dtype=None, threads=None, kernel=None,
        record=None, record_neurons=None, procedural_weights=False, force=False):
    """Runs leaky run's network — the seed notebook's — and returns its
    traces and spikes (:class:`Result`), the same bits as ``leaky run``
    with the same flags writes.

    Each keyword is the flag of the same name (README, "leaky run"), None
    taking its default: steps 5000, n_inputs 100 Poisson inputs at rate
    5 Hz onto neurons 1000, batch 1 trial, dt 0.5e-3 s, tau_mem 10e-3 s,
    tau_syn 5e-3 s, threshold 1, reset "subtract" (or "zero"), seed 1,
    dtype "float32" (or "float64"), record "v,isyn,iinp,spikes" (a comma
    string or a list; "" for nothing), record_neurons all (a list of
    indices or "0,5,10-20"), procedural_weights off, threads all cores.

    inputs: an array (T, n_in) or (T, B, n_in), or a .npy path, replacing
    the Poisson inputs (0/1 values are spikes, others analog input); it
    gives steps, n_inputs and batch, which must agree with it when given.
    weights: an array (n_in, N) or a .npy path replacing the notebook's
    Normal(0, 7(1−β)/√n_in) weights; it gives neurons.

    Wrong shapes, dtypes and values raise :class:`Error` with the message
    leaky run prints, the keyword named where leaky run names the flag.
    """
    ff = _lib.FeedForward()
    _c.leaky_feedforward_defaults(ctypes.byref(ff))
    keep = []  # C strings that must outlive the call

    def cstr(s):
        b = _bytes(s)
        keep.append(b)
        return b

    x = w = None
    if inputs is not None:
        if isinstance(inputs, (str, bytes, os.PathLike)):
            ff.inputs = cstr(inputs)
        else:
            x = _numbers(inputs, "inputs")
            if x.ndim > 3:
                raise Error(f"inputs: shape {x.shape} has {x.ndim} dimensions; want (T, n_in) or (T, B, n_in)")
            ff.inputs_ndim = x.ndim
            for i, d in enumerate(x.shape):
                ff.inputs_shape[i] = d
        ff.steps = ff.n_inputs = ff.batch = 0
    if weights is not None:
        if isinstance(weights, (str, bytes, os.PathLike)):
            ff.weights = cstr(weights)
        else:
            w = _numbers(weights, "weights")
            if w.ndim > 2:
                raise Error(f"weights: shape {w.shape} has {w.ndim} dimensions; want (n_in, N)")
            ff.weights_ndim = w.ndim
            for i, d in enumerate(w.shape):
                ff.weights_shape[i] = d
        ff.neurons = 0
    for name, v in (("steps", steps), ("n_inputs", n_inputs), ("neurons", neurons), ("batch", batch)):
        if v is not None:
            setattr(ff, name, _int(v, name))
    if seed is not None:
        ff.seed = _int(seed, "seed")
    for name, v in (("rate", rate), ("dt", dt), ("tau_mem", tau_mem), ("tau_syn", tau_syn), ("threshold", threshold)):
        if v is not None:
            setattr(ff, name, float(v))
    if reset is not None:
        ff.reset = cstr(reset)
    if dtype is not None:
        ff.dtype = cstr(np.dtype(dtype).name if not isinstance(dtype, str) else dtype)
    if record is not None:
        ff.record = cstr(record if isinstance(record, str) else ",".join(record))
    if record_neurons is not None:
        ff.record_neurons = cstr(_neurons(record_neurons))
    ff.procedural_weights = 1 if procedural_weights else 0
    began = time.perf_counter()
    with Network._feedforward(ff, threads=threads, kernel=kernel, force=force) as net:
        if w is not None:
            net.set_weights("input->lif", w)
        info = net.info
        data = None
        if x is not None:
            data = x if x.ndim == 3 else x[:, None, :]
        net.run(info["steps"], data)
        recorded = {r["var"] for r in net.recordings}
        out = [net.recorded("lif", v) if v in recorded else None for v in ("v", "isyn", "iinp", "spikes")]
        info = net.info
        stepping = net._stepping
    return Result(*out, info, time.perf_counter() - began, stepping)
