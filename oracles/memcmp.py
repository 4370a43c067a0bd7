"""``same_bytes``: whether two memories hold the same bytes, without copying them.

The oracles compare every exported memory after every call. Copying both
out (``bytes(...)``) and comparing the copies was the largest part of a
comparison, and ``memoryview.__eq__`` is slower still (it compares item by
item), so on Linux the two buffers are handed to libc's ``memcmp`` in
place. Where there is no libc to load, or a buffer is read-only (ctypes
can only address writable ones), the copies are compared as before.
"""

from __future__ import annotations

import ctypes
import ctypes.util


def _load_memcmp():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        memcmp = libc.memcmp
    except (OSError, AttributeError):
        return None
    memcmp.restype = ctypes.c_int
    memcmp.argtypes = (ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t)
    return memcmp


_MEMCMP = _load_memcmp()


def same_bytes(a: memoryview, b: memoryview) -> bool:
    """``bytes(a) == bytes(b)`` for byte-format views, without the copies when possible."""
    n = a.nbytes
    if n != b.nbytes:
        return False
    if n == 0:
        return True
    if _MEMCMP is None or a.readonly or b.readonly:
        return a.tobytes() == b.tobytes()
    pa = (ctypes.c_char * n).from_buffer(a)
    pb = (ctypes.c_char * n).from_buffer(b)
    try:
        return _MEMCMP(pa, pb, n) == 0
    finally:
        del pa, pb  # each pins its buffer (a wasmfuzz memory cannot grow while pinned)
