"""Network: stepping, checkpoints, errors, panics, threads and Ctrl-C."""

import importlib.metadata
import os
import signal
import threading
import time

import numpy as np
import pytest

import leaky

FED = """
run: {dt: 0.001, steps: 300, batch: 2, seed: 3, dtype: DTYPE}
sources:
  - {name: x, input: {size: 30}}
  - {name: noise, poisson: {size: 20, rate: 30}}
populations:
  - {name: lif, size: 50, params: {tau_mem: 0.01, tau_syn: 0.005}}
  - {name: out, kind: li, size: 5, params: {tau_mem: 0.02, tau_syn: 0.005}}
projections:
  - {source: x, target: lif, type: dense, weight: {normal: [0.1, 0.3]}}
  - {source: noise, target: lif, type: sparse, p: 0.3, weight: 0.4}
  - {source: lif, target: out, type: dense, weight: default}
recorders:
  - {population: lif, vars: [v, spikes]}
  - {population: out, vars: [v]}
"""


def fed(dtype="float32", **kw):
    return leaky.Network.from_yaml(FED.replace("DTYPE", dtype), **kw)


def values(steps, analog, seed=1):
    r = np.random.default_rng(seed)
    if analog:
        return r.random((steps, 2, 30)) - 0.2
    return (r.random((steps, 2, 30)) < 0.1).astype(np.float64)


def same(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


def results(net):
    return [net.recorded("lif", "v"), net.recorded("lif", "spikes"), net.recorded("out", "v"),
            net.state("lif", "v"), net.state("lif", "isyn"), net.state("out", "v")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("analog", [False, True])
def test_step_equals_run(dtype, analog):
    """step() one step at a time equals one run() of the same values, in
    every dtype, whether the arrays need converting or not."""
    x = values(300, analog)
    with fed(dtype, threads=1) as whole, fed(dtype, threads=2) as stepped:
        whole.run(300, x)
        xd = x.astype(dtype)
        for t in range(300):
            stepped.step(xd[t] if t % 2 else x[t])
        assert whole.t == stepped.t == 300
        for a, b in zip(results(whole), results(stepped)):
            same(a, b)
        assert whole.dtype == np.dtype(dtype) and whole.batch == 2 and whole.inputs == {"x": 30}


def test_every_trial_and_dict_inputs():
    """(steps, size) gives every trial the same values; a dict names the
    source."""
    x = values(50, True)[:, 0, :]
    with fed() as a, fed() as b:
        a.run(50, x)
        b.run(50, {"x": np.repeat(x[:, None, :], 2, axis=1)})
        for u, v in zip(results(a), results(b)):
            same(u, v)


def test_zero_copy():
    """An array of the network's dtype, C-contiguous and of the right
    shape, is passed as it is; others are converted once."""
    with fed() as net:
        x = np.zeros((2, 30), dtype=np.float32)
        assert net._values(x, "x", 30, None) is x
        y = np.zeros((2, 30))
        z = net._values(y, "x", 30, None)
        assert z is not y and z.dtype == np.float32 and z.flags.c_contiguous
        f = np.asfortranarray(np.zeros((10, 2, 30), dtype=np.float32))
        assert net._values(f, "x", 30, 10).flags.c_contiguous


def test_save_load_continue(tmp_path):
    """Save mid-run, load, continue: the same bits as an uninterrupted
    run; a recorder added before saving records after loading."""
    x = values(300, True)
    with fed("float64") as whole:
        whole.run(300, x)
        want = results(whole)
        full_spikes = whole.recorded("lif", "spikes")
    ckpt = str(tmp_path / "net.lkc")
    with fed("float64") as first:
        first.run(120, x[:120])
        first.record("lif", ["isyn"], neurons=[4, 2])
        first.run(11, x[120:131])
        v_before = first.recorded("lif", "v")
        first.save(ckpt)
    with leaky.Network.load(ckpt, threads=2) as second:
        assert second.t == 131
        second.run(169, x[131:])
        got = results(second)
        same(np.concatenate([v_before, got[0]]), want[0])
        same(got[1], full_spikes[full_spikes[:, 0] >= 131])
        for a, b in zip(got[3:], want[3:]):
            same(a, b)
        isyn = second.recorded("lif", "isyn")
        assert isyn.shape == (169, 2, 2)
        starts = {(r["population"], r["var"]): r["start"] for r in second.recordings}
        assert starts[("lif", "isyn")] == 131 and starts[("lif", "v")] == 131


def test_bad_inputs_raise():
    """Wrong shapes, dtypes, values and names raise leaky.Error and leave
    the network where it was."""
    with fed() as net:
        nan = np.zeros((3, 2, 30))
        nan[1, 0, 5] = np.nan
        cases = [
            (lambda: net.step(), "inputs: the network's input sources 'x' need values at every step"),
            (lambda: net.step(np.zeros((30, 2))), "inputs of 'x': shape (30, 2); want (2, 30) (batch, size), or (30,) for the same values in every trial"),
            (lambda: net.run(3, np.zeros((3, 2, 29))), "inputs of 'x': shape (3, 2, 29); want (3, 2, 30) (steps, batch, size)"),
            (lambda: net.run(3, nan), 'sources[0].input: source "x": value at step 1, trial 0, input 5 is NaN; inputs must be finite'),
            (lambda: net.step(np.zeros((2, 30), dtype=complex)), "inputs of 'x': dtype complex128; want numbers"),
            (lambda: net.step({"y": np.zeros((2, 30))}), "inputs: no input source named ['y']"),
            (lambda: net.run(-1), "steps -1: must be ≥ 0"),
            (lambda: net.run(2.5), "steps 2.5: want a whole number"),
            (lambda: net.state("lif", "u"), 'state variable "u": want v, isyn or iinp'),
            (lambda: net.state("hidden"), 'no population named "hidden"'),
            (lambda: net.recorded("lif", "iinp"), 'iinp of "lif" is not recorded'),
            (lambda: net.record("lif", ["v"]), 'recorders[2].vars[0]: v of "lif" is already recorded'),
            (lambda: net.record("lif", ["u"]), 'vars "u": unknown item "u"'),
            (lambda: net.record("lif", ["isyn"], neurons=[50]), "neuron 50 is outside 0..49"),
            (lambda: net.set_weights("x->lif", np.zeros((3, 3))), "weights of 'x->lif': shape (3, 3); want (30, 50)"),
            (lambda: net.set_weights("nowhere", np.zeros(3)), 'no projection named "nowhere"'),
            (lambda: setattr(net, "threads", -1), "threads -1: must be ≥ 0"),
        ]
        for f, want in cases:
            with pytest.raises(leaky.Error) as e:
                f()
            assert want in str(e.value), (want, str(e.value))
        assert net.t == 0 and len(net.recordings) == 3
        net.set_weights("x->lif", np.ones((30, 50)))
        with pytest.raises(leaky.Error, match="set from memory"):
            net.save("/tmp/never.lkc")
    with pytest.raises(leaky.Error, match="the network is closed"):
        net.step(np.zeros((2, 30)))
    for text, want in [("run: {dt: 0.001}\n", "<yaml>: run.steps: missing"),
                       ("run: {dt: 0.001, steps: 1, stpes: 3}\npopulations: []\n", "run.stpes"),
                       ("nosuch.yaml", "cannot read network file nosuch.yaml")]:
        with pytest.raises(leaky.Error, match=want):
            leaky.Network.from_yaml(text)
    with pytest.raises(leaky.Error, match="checkpoint"):
        leaky.Network.load(os.devnull)


def test_nir_missing_file():
    """from_nir of a file that is not there raises leaky.Error naming it."""
    with pytest.raises(leaky.Error, match="model.nir: cannot read it"):
        leaky.Network.from_nir("model.nir", dt=1e-3)


def test_panic_becomes_exception():
    """A panic inside Go, at once or in the middle of a run, becomes
    leaky.InternalError; the interpreter and other networks live on."""
    with fed() as other:
        with fed() as net:
            with pytest.raises(leaky.InternalError, match="forced panic"):
                net._debug_panic()
            with pytest.raises(leaky.InternalError, match="can only be freed"):
                net.step(np.zeros((2, 30)))
        with fed() as net:
            net._debug_panic(at_step=7)
            with pytest.raises(leaky.InternalError, match="forced panic at step 7"):
                net.run(20, values(20, True))
        other.run(20, values(20, True))
        assert other.t == 20


def test_two_threads_two_networks():
    """Two Python threads run two networks at once and get their
    single-threaded results; the GIL is released while leaky runs."""
    xs = [values(300, a, seed=s) for a, s in ((False, 4), (True, 5))]
    want = []
    for x in xs:
        with fed(threads=1) as net:
            net.run(300, x)
            want.append(results(net))
    got = [None, None]
    errors = []

    def work(i):
        try:
            with fed(threads=1) as net:
                for _ in range(5):
                    net.run(0)
                net.run(300, xs[i])
                got[i] = results(net)
        except Exception as e:  # reported below
            errors.append(e)

    ticks = [0]
    done = threading.Event()

    def ticker():
        while not done.is_set():
            ticks[0] += 1
            time.sleep(0.0005)

    tk = threading.Thread(target=ticker)
    tk.start()
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    tk.join()
    assert not errors, errors
    for g, w in zip(got, want):
        for a, b in zip(g, w):
            same(a, b)
    assert ticks[0] > 0


def test_ctrl_c_stops_at_a_step(monkeypatch):
    """SIGINT during a long run() raises KeyboardInterrupt at a step
    boundary; the network is usable and continues to the same bits."""
    spec = FED.replace("DTYPE", "float32").replace("size: 50", "size: 5000")
    spec = spec[:spec.index("recorders:")]
    steps = 6000
    x = values(steps, True)
    with leaky.Network.from_yaml(spec, threads=1) as whole:
        whole.run(steps, x)
        want = whole.state("lif", "v")
    with leaky.Network.from_yaml(spec, threads=1) as net:
        net.chunk_seconds = 0.01
        timer = threading.Timer(0.15, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            net.run(steps, x)
            time.sleep(5)  # the run was too fast for the signal: still interrupted here
        timer.join()
        t = net.t
        assert 0 < t <= steps, t
        net.run(steps - t, x[t:])
        same(net.state("lif", "v"), want)


def test_repr_and_info():
    with fed() as net:
        assert "lif[50]" in repr(net)
        info = net.info
        assert info["dtype"] == "float32" and info["steps"] == 300
        assert [s["kind"] for s in info["sources"]] == ["input", "poisson"]
    assert "closed" in repr(net)
    # The package's version is the library's, which checkpoints record.
    assert leaky.version() == importlib.metadata.version("leaky")
