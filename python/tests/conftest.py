"""Fixtures of leaky's Python tests: the repository, and a leaky binary
built from it to compare against (LEAKY_CLI names another)."""

import os
import subprocess

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def repo():
    return REPO


@pytest.fixture(scope="session")
def cli(tmp_path_factory):
    """The path of a leaky binary: $LEAKY_CLI, or one built now."""
    if os.environ.get("LEAKY_CLI"):
        return os.environ["LEAKY_CLI"]
    out = str(tmp_path_factory.mktemp("bin") / "leaky")
    subprocess.run([os.environ.get("GO", "go"), "build", "-o", out, "./cmd/leaky"], cwd=REPO, check=True)
    return out


class CLI:
    """Runs leaky run and reads what it wrote."""

    def __init__(self, path, tmp):
        self.path, self.tmp, self.n = path, tmp, 0

    def run(self, *args):
        """Runs `leaky run ARGS --out DIR` and returns DIR."""
        self.n += 1
        out = str(self.tmp / f"cli{self.n}")
        p = subprocess.run([self.path, "run", *map(str, args), "--out", out], cwd=REPO, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        return out

    def error(self, *args):
        """Runs a leaky run that must fail and returns its message without
        the "leaky: " prefix."""
        out = str(self.tmp / "cli-bad")
        p = subprocess.run([self.path, "run", *map(str, args), "--out", out], cwd=REPO, capture_output=True, text=True)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        line = p.stderr.strip()
        assert line.startswith("leaky: ") and "\n" not in line, line
        return line[len("leaky: "):]


@pytest.fixture
def leaky_cli(cli, tmp_path):
    return CLI(cli, tmp_path)


def same_bytes(got, path):
    """Asserts that an array holds exactly the data of a .npy file leaky
    wrote: dtype, shape and every byte."""
    want = np.load(path)
    assert got is not None, path
    assert got.dtype == want.dtype, (path, got.dtype, want.dtype)
    assert got.shape == want.shape, (path, got.shape, want.shape)
    assert got.tobytes() == want.tobytes(), path
