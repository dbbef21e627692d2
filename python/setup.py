"""The build hook of leaky's Python package: compiles libleaky.so from the
Go module this directory belongs to and puts it into the package.

Everything else is in pyproject.toml. Environment: GO names the go command
(default: go on PATH), LEAKY_SOURCE the module's root (default: the
directory above this one).
"""

import os
import subprocess

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py


class BuildWithLibrary(build_py):
    """build_py that also runs go build -buildmode=c-shared."""

    def run(self):
        super().run()
        here = os.path.dirname(os.path.abspath(__file__))
        root = os.environ.get("LEAKY_SOURCE", os.path.dirname(here))
        if not os.path.exists(os.path.join(root, "go.mod")):
            raise SystemExit(f"leaky: {root} is not leaky's Go module (no go.mod); set LEAKY_SOURCE to a clone")
        out = os.path.join(os.path.abspath(self.build_lib), "leaky", "libleaky.so")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        go = os.environ.get("GO", "go")
        cmd = [go, "build", "-trimpath", "-buildmode=c-shared", "-o", out, "./cabi"]
        self.announce("running " + " ".join(cmd), level=2)
        env = dict(os.environ, CGO_ENABLED="1")
        try:
            subprocess.run(cmd, cwd=root, env=env, check=True)
        except FileNotFoundError:
            raise SystemExit(f"leaky: {go} not found; install Go 1.26 or set GO") from None
        header = os.path.join(os.path.dirname(out), "libleaky.h")
        if os.path.exists(header):
            os.remove(header)  # cabi/leaky.h is the documented header


class BinaryDistribution(Distribution):
    """The package holds a compiled library: its wheel is not pure."""

    def has_ext_modules(self):
        return True


setup(cmdclass={"build_py": BuildWithLibrary}, distclass=BinaryDistribution)
