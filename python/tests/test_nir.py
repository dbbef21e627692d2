"""NIR graphs through the binding: Network.from_nir steps the graph as
leaky run --nir runs it."""

import os

import numpy as np
import pytest

import leaky
from conftest import same_bytes


def fixtures(repo):
    d = os.path.join(os.path.dirname(repo), "shared", "nir")
    if not os.path.isdir(d):
        if os.environ.get("CI") == "true":
            pytest.fail(f"NIR fixtures missing: {d}")
        pytest.skip(f"NIR fixtures missing: {d}")
    return d


def test_lif_norse_trace(repo):
    """lif_norse.nir stepped from Python on lif_norse.csv's input gives
    Norse's spike steps and v."""
    d = fixtures(repo)
    trace = np.loadtxt(os.path.join(d, "lif_traces", "lif_norse.csv"), delimiter=",")
    with leaky.Network.from_nir(os.path.join(d, "lif_norse.nir"), dt=1e-4, scheme="norse", reset="zero") as net:
        spikes, v = [], []
        for t, x in enumerate(trace[:, 0]):
            net.step(np.array([x], dtype=net.dtype))
            if len(net.spikes("1")):
                spikes.append(t)
            v.append(net.state("1")[0, 0])
    assert spikes == list(np.flatnonzero(trace[:, 2]))
    assert np.max(np.abs(np.array(v) - trace[:, 1])) < 1e-6


def test_bad_nir(repo, tmp_path):
    """A malformed graph raises leaky.Error with the CLI's message."""
    d = fixtures(repo)
    with pytest.raises(leaky.Error, match='node lif1: edges\\[0\\] target "lif" is not a node of graph lif1'):
        leaky.Network.from_nir(os.path.join(d, "braille_noDelay_bias_zero_subgraph.nir"), dt=1e-4)
    with pytest.raises(leaky.Error, match="no time step"):
        leaky.Network.from_nir(os.path.join(d, "lif_norse.nir"))


def test_braille_matches_cli(repo, leaky_cli, tmp_path):
    """The braille graph (recurrent CubaLIF layers) on a random spike
    input, run and stepped from Python, gives the bytes of leaky run
    --nir's files: the Output node's raster and a recorded layer's spikes
    and v."""
    d = fixtures(repo)
    path = os.path.join(d, "braille_noDelay_noBias_subtract.nir")
    x = (np.random.default_rng(3).random((256, 12)) < 0.2).astype(np.float32)
    xp = str(tmp_path / "x.npy")
    np.save(xp, x)
    out = leaky_cli.run("--nir", path, "--dt", "1e-4", "--inputs", xp, "--record", "lif1.lif:spikes,v")
    with leaky.Network.from_nir(path, dt=1e-4) as whole, leaky.Network.from_nir(path, dt=1e-4) as stepped:
        for net in (whole, stepped):
            net.record("lif1.lif", ["spikes", "v"])
        whole.run(len(x), x)
        for t in range(len(x)):
            stepped.step(x[t])
        for net in (whole, stepped):
            same_bytes(net.recorded("lif2", "s"), os.path.join(out, "out_output.npy"))
            same_bytes(net.recorded("lif1.lif", "v"), os.path.join(out, "v_lif1.lif.npy"))
            same_bytes(net.recorded("lif1.lif", "spikes"), os.path.join(out, "spikes_lif1.lif.npy"))
        assert whole.recorded("lif1.lif", "spikes").shape[0] > 0  # the layer spikes: the comparison has content
