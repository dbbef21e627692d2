"""The low-level layer: ctypes declarations of libleaky.so (cabi/leaky.h).

Everything here mirrors the C header one to one; the Pythonic API in
``leaky/__init__.py`` is built on it. ctypes releases the GIL for every
call into the library, so other Python threads run while leaky steps.
"""

import ctypes
import os

# Status codes (leaky.h).
OK = 0
BAD_INPUT = 1
ERROR = 2
INTERRUPTED = 3
NOT_AVAILABLE = 4
BAD_HANDLE = 5
PANIC = 6

# Element types of buffers (leaky.h).
FLOAT32 = 1
FLOAT64 = 2
INT64 = 3

net_t = ctypes.c_size_t  # leaky_net: uintptr_t
i64 = ctypes.c_int64
i64p = ctypes.POINTER(ctypes.c_int64)
sizep = ctypes.POINTER(ctypes.c_size_t)


class Input(ctypes.Structure):
    """struct leaky_input: one input source's values for one call."""

    _fields_ = [
        ("source", ctypes.c_char_p),
        ("dtype", ctypes.c_int32),
        ("data", ctypes.c_void_p),
        ("count", ctypes.c_int64),
    ]


class FeedForward(ctypes.Structure):
    """struct leaky_feedforward: leaky run's parameters."""

    _fields_ = [
        ("steps", ctypes.c_int64),
        ("n_inputs", ctypes.c_int64),
        ("neurons", ctypes.c_int64),
        ("batch", ctypes.c_int64),
        ("rate", ctypes.c_double),
        ("dt", ctypes.c_double),
        ("tau_mem", ctypes.c_double),
        ("tau_syn", ctypes.c_double),
        ("threshold", ctypes.c_double),
        ("reset", ctypes.c_char_p),
        ("seed", ctypes.c_uint64),
        ("dtype", ctypes.c_char_p),
        ("inputs", ctypes.c_char_p),
        ("inputs_ndim", ctypes.c_int64),
        ("inputs_shape", ctypes.c_int64 * 3),
        ("weights", ctypes.c_char_p),
        ("weights_ndim", ctypes.c_int64),
        ("weights_shape", ctypes.c_int64 * 2),
        ("procedural_weights", ctypes.c_int32),
        ("record", ctypes.c_char_p),
        ("record_neurons", ctypes.c_char_p),
    ]


def _path():
    """Where libleaky.so is: $LEAKY_LIBRARY, else beside this file."""
    env = os.environ.get("LEAKY_LIBRARY")
    if env:
        return env
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "libleaky.so")


def _load():
    path = _path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(
            f"leaky: cannot load {path} ({e}); build it with `make python` "
            "(or `go build -buildmode=c-shared -o libleaky.so ./cabi` and set LEAKY_LIBRARY)"
        ) from None
    c = ctypes
    sigs = {
        "leaky_version": [c.c_char_p, c.c_size_t, sizep],
        "leaky_new": [c.POINTER(net_t)],
        "leaky_free": [net_t],
        "leaky_last_error": [net_t, c.c_char_p, c.c_size_t, sizep],
        "leaky_set_threads": [net_t, c.c_int32],
        "leaky_set_kernel": [net_t, c.c_char_p],
        "leaky_set_force": [net_t, c.c_int32],
        "leaky_open_yaml": [net_t, c.c_char_p, c.c_char_p],
        "leaky_open_file": [net_t, c.c_char_p],
        "leaky_feedforward_defaults": [c.POINTER(FeedForward)],
        "leaky_open_feedforward": [net_t, c.POINTER(FeedForward)],
        "leaky_open_nir": [net_t, c.c_char_p, c.c_double, c.c_char_p, c.c_char_p],
        "leaky_load": [net_t, c.c_char_p],
        "leaky_save": [net_t, c.c_char_p],
        "leaky_run": [net_t, i64, c.POINTER(Input), i64],
        "leaky_step": [net_t, c.POINTER(Input), i64],
        "leaky_cancel": [net_t],
        "leaky_step_index": [net_t, i64p],
        "leaky_info": [net_t, c.c_char_p, c.c_size_t, sizep],
        "leaky_record": [net_t, c.c_char_p, c.c_char_p, c.c_char_p],
        "leaky_recorded": [net_t, c.c_char_p, c.c_char_p, c.c_int32, c.c_void_p, i64, i64p, i64p, i64p],
        "leaky_state": [net_t, c.c_char_p, c.c_char_p, c.c_int32, c.c_void_p, i64, i64p],
        "leaky_spikes": [net_t, c.c_char_p, c.c_void_p, i64, i64p],
        "leaky_set_weights": [net_t, c.c_char_p, c.c_int32, c.c_void_p, i64],
        "leaky_debug_panic": [net_t, i64],
    }
    for name, args in sigs.items():
        f = getattr(lib, name)
        f.argtypes = args
        f.restype = c.c_int
    return lib


lib = _load()


def string(fn, *args):
    """Calls a leaky function that fills a string buffer (count, then
    fill) and returns (status, text)."""
    n = ctypes.c_size_t()
    status = fn(*args, None, 0, ctypes.byref(n))
    if status != OK:
        return status, ""
    buf = ctypes.create_string_buffer(n.value + 1)
    status = fn(*args, buf, n.value + 1, ctypes.byref(n))
    return status, buf.value.decode("utf-8", "replace")
