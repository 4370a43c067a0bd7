"""The bytes of a linear memory: a buffer that grows without copying.

Why: programs grow memory a page or a few pages at a time (allocators call
``memory.grow`` whenever the heap runs out), and a fuzzed module may grow to
gigabytes. A ``bytearray`` grows by ``realloc`` plus writing zeros: measured
here at about 60 µs per 64 KiB page whatever the size (amortised linear, but
every byte is written and so committed, and the buffer is copied whenever
``realloc`` cannot extend it in place).

How: on Linux a memory is an anonymous private ``mmap`` made with
``MAP_NORESERVE`` and grown with ``mmap.resize``, which is ``mremap(2)``: the
kernel moves page-table entries, never bytes, and new pages read as zero and
cost nothing until written (about 1.5 µs a page, the same at 1 MiB as at
1 GiB; see ``benches/memory_grow.py``). The ``mmap`` object stays the same
Python object across resizes, so generated code that bound it keeps a buffer
whose length is the current size, and bounds checks stay the buffer's own
(``IndexError``/``struct.error``/``OverflowError``, turned into traps at the
API boundary).

Two exceptions, both visible to callers of ``resize`` as a different object:

- ``mmap`` cannot be empty, so a memory of 0 bytes is an empty ``bytearray``,
  replaced by an ``mmap`` when it first grows (generated code re-reads the
  buffer of a memory that may start empty after each call; see ``codegen``);
- without ``mremap`` (not Linux) memories are ``bytearray``s grown in place
  by ``extend``: still linear, but copying.

Resizing fails (``resize`` returns None) when the system refuses the size, or
while a host ``memoryview`` of the memory (``Memory.get_buffer_ptr``) is
alive: CPython cannot move a buffer that is exported.
"""

from __future__ import annotations

import mmap
import sys

_MAP_NORESERVE = 0x4000  # Linux; not exposed by the mmap module before Python 3.12
_USE_MMAP = sys.platform.startswith("linux")
_FLAGS = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_NORESERVE if _USE_MMAP else 0
_CHUNK = 1 << 20  # bulk writes go through temporaries no bigger than this
# The largest memory this process tries to hold: 64 TiB of address space
# (half of x86-64's user space) where pages are reserved, not committed;
# 4 GiB where every byte is written on growth.
MAX_BYTES = 1 << 46 if _USE_MMAP else 1 << 32

Buffer = bytearray | mmap.mmap


def allocate(nbytes: int) -> Buffer:
    """A zeroed buffer of ``nbytes``; MemoryError if the system refuses it."""
    if nbytes == 0 or not _USE_MMAP:
        return bytearray(nbytes)
    try:
        return mmap.mmap(-1, nbytes, flags=_FLAGS)
    except (OSError, OverflowError) as e:
        raise MemoryError(f"cannot reserve {nbytes} bytes: {e}") from None


def resize(buf: Buffer, nbytes: int) -> Buffer | None:
    """Grow ``buf`` to ``nbytes`` (zeros appended): the buffer to use from now
    on, which is ``buf`` itself unless it was empty, or None on failure."""
    try:
        if isinstance(buf, mmap.mmap):
            buf.resize(nbytes)
            return buf
        if len(buf) == 0 and _USE_MMAP:
            return allocate(nbytes)
        _extend_with_zeros(buf, nbytes - len(buf))
        return buf
    except (OSError, OverflowError, MemoryError, BufferError):
        return None


def reuse(buf: Buffer | None, nbytes: int, image: bytes) -> Buffer:
    """A buffer of ``nbytes`` holding ``image`` then zeros, made from ``buf``
    (one a released memory used, i.e. a pooled slot, or None): the buffer to
    use, which is ``buf`` unless there is none or it cannot be resized.
    An ``mmap`` is reset by dropping its pages (``MADV_DONTNEED``: they read
    as zero again, at no cost until written), a ``bytearray`` by writing
    zeros. MemoryError if a new buffer is needed and refused."""
    if isinstance(buf, mmap.mmap) and nbytes:
        buf.madvise(mmap.MADV_DONTNEED)
        if len(buf) != nbytes:
            buf = resize(buf, nbytes) or allocate(nbytes)
    elif isinstance(buf, bytearray) and (nbytes == 0 or not _USE_MMAP):
        del buf[nbytes:]
        fill(buf, 0, 0, len(buf))
        _extend_with_zeros(buf, nbytes - len(buf))
    else:
        buf = allocate(nbytes)
    buf[:len(image)] = image
    return buf


def _extend_with_zeros(buf: bytearray, n: int) -> None:
    while n > 0:
        step = min(n, _CHUNK)
        buf.extend(bytes(step))
        n -= step


def fill(buf: Buffer, start: int, byte: int, n: int) -> None:
    """Set ``buf[start:start+n]`` to ``byte``; the caller has checked bounds."""
    if n <= _CHUNK:
        buf[start:start + n] = bytes((byte,)) * n
        return
    block = bytes((byte,)) * _CHUNK
    end = start + n
    while start < end:
        step = min(_CHUNK, end - start)
        buf[start:start + step] = block if step == _CHUNK else block[:step]
        start += step


def copy(dst: Buffer, d: int, src: Buffer, s: int, n: int) -> None:
    """memmove ``n`` bytes from ``src[s:]`` to ``dst[d:]`` (the same buffer
    may overlap); the caller has checked bounds."""
    if n == 0:
        return
    if dst is src:
        if isinstance(dst, mmap.mmap):
            dst.move(d, s, n)
        else:
            dst[d:d + n] = src[s:s + n]
        return
    with memoryview(src) as view:
        dst[d:d + n] = view[s:s + n]
