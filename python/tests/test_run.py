"""leaky.run and Network.from_yaml give the bits leaky run writes."""

import glob
import os
import re

import numpy as np
import pytest

import leaky
from conftest import REPO, same_bytes


def inputs(tmp_path):
    """A (T, B, n_in) spike array, an (n_in, N) weight matrix and a
    (T, n_in) analog array, saved as .npy files too."""
    r = np.random.default_rng(12)
    steps, batch, n_in, n = 400, 3, 30, 40
    x = (r.random((steps, batch, n_in)) < 0.08).astype(np.float64)
    w = 0.4 * r.standard_normal((n_in, n))
    a = 0.05 * r.standard_normal((steps, n_in))
    paths = []
    for name, v in (("x", x), ("w", w), ("a", a)):
        p = str(tmp_path / f"{name}.npy")
        np.save(p, v)
        paths.append(p)
    return (x, w, a), paths


def test_seed_workload_matches_cli(leaky_cli):
    """The seed workload, leaky run's defaults (make run)."""
    out = leaky_cli.run()
    r = leaky.run()
    for var in ("v", "isyn", "iinp", "spikes"):
        same_bytes(getattr(r, var), os.path.join(out, var + ".npy"))
    assert r.v.shape == (5000, 1, 1000) and r.v.dtype == np.float32 and not r.v[0].any()


def test_batched_float64_matches_cli(leaky_cli, tmp_path):
    """A batched float64 run from input and weight arrays (and from the
    same as .npy paths), a subset of neurons recorded."""
    (x, w, _), (xp, wp, _) = inputs(tmp_path)
    out = leaky_cli.run("--dtype", "float64", "--inputs", xp, "--weights", wp, "--record-neurons", "0-9,20,35")
    neurons = list(range(10)) + [20, 35]
    from_arrays = leaky.run(x, w, dtype="float64", record_neurons=neurons, threads=2)
    from_files = leaky.run(xp, wp, dtype=np.float64, record_neurons="0-9,20,35")
    for r in (from_arrays, from_files):
        for var in ("v", "isyn", "iinp", "spikes"):
            same_bytes(getattr(r, var), os.path.join(out, var + ".npy"))
    assert from_arrays.v.shape == (400, 3, 12)


def test_analog_matches_cli(leaky_cli, tmp_path):
    """Analog inputs (T, n_in), float32 run: converted once, dense path."""
    (_, w, a), (_, wp, ap) = inputs(tmp_path)
    out = leaky_cli.run("--inputs", ap, "--weights", wp, "--reset", "zero", "--threshold", "0.5")
    r = leaky.run(a, w, reset="zero", threshold=0.5)
    for var in ("v", "isyn", "iinp", "spikes"):
        same_bytes(getattr(r, var), os.path.join(out, var + ".npy"))
    # Inputs already of the run's dtype, C-contiguous, and integer inputs.
    same_bytes(leaky.run(a.astype(np.float32), w.astype(np.float32), reset="zero", threshold=0.5).v,
               os.path.join(out, "v.npy"))


def test_options_match_cli(leaky_cli):
    """Poisson options, procedural weights, a record subset."""
    out = leaky_cli.run("--steps", "700", "--neurons", "90", "--batch", "2", "--rate", "30", "--seed", "9",
                        "--tau-mem", "0.02", "--tau-syn", "0.004", "--record", "spikes,v", "--procedural-weights")
    r = leaky.run(steps=700, neurons=90, batch=2, rate=30, seed=9, tau_mem=0.02, tau_syn=0.004,
                  record=["spikes", "v"], procedural_weights=True)
    same_bytes(r.v, os.path.join(out, "v.npy"))
    same_bytes(r.spikes, os.path.join(out, "spikes.npy"))
    assert r.isyn is None and r.iinp is None


EXAMPLES = sorted(glob.glob(os.path.join(REPO, "examples", "*.yaml")))


def test_examples_found():
    """The examples the next test runs are there (a moved directory would
    leave it nothing to compare)."""
    assert {"cuba.yaml", "shd.yaml", "small.yaml"} <= {os.path.basename(p) for p in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_examples_match_cli(leaky_cli, path):
    """Each example network (every examples/*.yaml), stepped from Python,
    against leaky run --net."""
    out = leaky_cli.run("--net", path)
    with leaky.Network.from_yaml(path) as net:
        info = net.info
        net.run(info["steps"])
        files = 0
        for rec in net.recordings:
            name = f"{rec['var']}_{rec['population']}.npy"
            same_bytes(net.recorded(rec["population"], rec["var"]), os.path.join(out, name))
            files += 1
        assert files == len([f for f in os.listdir(out) if f.endswith(".npy")])


def flags_to_keywords(message):
    """leaky run's message in the Python keywords' names: --n-inputs →
    n_inputs."""
    return re.sub(r"--([a-z][a-z-]*)", lambda m: m.group(1).replace("-", "_"), message)


def test_bad_input_same_message_as_cli(leaky_cli, tmp_path):
    """Every kind of bad input raises leaky.Error, a ValueError, with the
    message leaky run prints, the keyword in place of the flag."""
    d = tmp_path
    inf = np.zeros((20, 100))
    inf[1, 50] = np.inf
    np.save(d / "inf.npy", inf)
    nan = np.zeros((100, 3))
    nan[2, 1] = np.nan
    np.save(d / "nan.npy", nan)
    np.save(d / "x3.npy", np.zeros((20, 2, 100)))
    np.save(d / "w50.npy", np.zeros((50, 3)))
    np.save(d / "1d.npy", np.zeros(5))
    cases = [
        (dict(neurons=0), ["--neurons", "0"]),
        (dict(dt=0.0), ["--dt", "0"]),
        (dict(tau_mem=-1), ["--tau-mem", "-1"]),
        (dict(tau_syn=float("nan")), ["--tau-syn", "NaN"]),
        (dict(threshold=float("inf")), ["--threshold", "Inf"]),
        (dict(rate=3000), ["--rate", "3000"]),
        (dict(reset="foo"), ["--reset", "foo"]),
        (dict(dtype="float16"), ["--dtype", "float16"]),
        (dict(record="v,bogus"), ["--record", "v,bogus"]),
        (dict(record="v,v"), ["--record", "v,v"]),
        (dict(record_neurons="5,2000"), ["--record-neurons", "5,2000"]),
        (dict(record_neurons="3-x"), ["--record-neurons", "3-x"]),
        (dict(record_neurons=[1, 1]), ["--record-neurons", "1,1"]),
        (dict(steps=-3), ["--steps", "-3"]),
        (dict(batch=0), ["--batch", "0"]),
        (dict(n_inputs=0), ["--n-inputs", "0"]),
        (dict(threads=-2), ["--threads", "-2"]),
        (dict(kernel="bogus"), ["--kernel", "bogus"]),
        (dict(inputs=str(d / "inf.npy")), ["--inputs", d / "inf.npy"]),
        (dict(inputs=str(d / "missing.npy")), ["--inputs", d / "missing.npy"]),
        (dict(inputs=str(d / "1d.npy")), ["--inputs", d / "1d.npy"]),
        (dict(inputs=str(d / "x3.npy"), steps=30), ["--inputs", d / "x3.npy", "--steps", "30"]),
        (dict(inputs=str(d / "x3.npy"), batch=3), ["--inputs", d / "x3.npy", "--batch", "3"]),
        (dict(weights=str(d / "nan.npy")), ["--weights", d / "nan.npy"]),
        (dict(weights=str(d / "w50.npy"), n_inputs=7), ["--weights", d / "w50.npy", "--n-inputs", "7"]),
        (dict(weights=str(d / "nan.npy"), neurons=4), ["--weights", d / "nan.npy", "--neurons", "4"]),
        (dict(weights=str(d / "nan.npy"), procedural_weights=True), ["--weights", d / "nan.npy", "--procedural-weights"]),
    ]
    for kwargs, flags in cases:
        if "steps" not in kwargs and "inputs" not in kwargs:
            kwargs = dict(kwargs, steps=20)
            flags = ["--steps", "20"] + flags
        want = flags_to_keywords(leaky_cli.error(*flags))
        with pytest.raises(leaky.Error) as e:
            leaky.run(**kwargs)
        assert isinstance(e.value, ValueError)
        assert str(e.value) == want, kwargs


def test_bad_arrays(tmp_path):
    """Arrays: the same checks as files, naming the keyword."""
    inf = np.zeros((20, 100))
    inf[1, 50] = np.inf
    cases = [
        (dict(inputs=inf), 'inputs: source "input": value at step 1, trial 0, input 50 is +Inf; inputs must be finite'),
        (dict(inputs=np.zeros((20, 2, 100)), steps=30),
         "steps 30 disagrees with inputs, which has 20 steps (shape (20, 2, 100)); drop the option or change the array"),
        (dict(inputs=np.zeros(5)), "inputs: shape (5,) has 1 dimensions; want (T, n_in) or (T, B, n_in)"),
        (dict(inputs=np.zeros((1, 2, 3, 4))), "inputs: shape (1, 2, 3, 4) has 4 dimensions; want (T, n_in) or (T, B, n_in)"),
        (dict(inputs=np.zeros((0, 100))), "inputs: shape (0, 100) is empty; every dimension must be at least 1"),
        (dict(inputs=np.zeros((20, 100), dtype=complex)), "inputs: dtype complex128; want numbers (bool, integers or floats)"),
        (dict(inputs=[["a"]]), "inputs: dtype <U1; want numbers (bool, integers or floats)"),
        (dict(weights=np.full((100, 3), np.nan)), "weights: weight [0, 0] is NaN; weights must be finite"),
        (dict(weights=np.zeros((50, 3))), "weights: shape (50, 3) has 50 rows, but n_inputs gives 100 inputs"),
        (dict(weights=np.zeros((100, 3)), neurons=4),
         "neurons 4 disagrees with weights, which has 3 columns (shape (100, 3)); drop the option or change the array"),
        (dict(steps="10"), "steps '10': want a whole number"),
    ]
    for kwargs, want in cases:
        with pytest.raises(leaky.Error) as e:
            leaky.run(**dict(dict(steps=20), **kwargs))
        assert str(e.value) == want, kwargs


def test_help_is_useful():
    """Docstrings everywhere."""
    assert "leaky run" in leaky.run.__doc__ and "tau_mem" in leaky.run.__doc__
    for name in ("from_yaml", "load", "step", "run", "record", "recorded", "state", "spikes", "save", "close"):
        assert getattr(leaky.Network, name).__doc__, name
    assert leaky.__doc__ and leaky.Error.__doc__ and leaky.Result.__doc__
