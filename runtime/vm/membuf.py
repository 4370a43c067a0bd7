"""The bytes of a linear memory: a buffer that grows without copying.

Why: programs grow memory a page or a few pages at a time (allocators call
``memory.grow`` whenever the heap runs out), and a fuzzed module may grow to
gigabytes. A ``bytearray`` grows by ``realloc`` plus writing zeros: measured
here at about 60-110 µs per 64 KiB page whatever the size (amortised linear,
but every byte is written and so committed, and the buffer is copied
whenever ``realloc`` cannot extend it in place).

How: on Linux a grown memory is an anonymous private ``mmap`` made with
``MAP_NORESERVE`` and grown with ``mmap.resize``, which is ``mremap(2)``: the
kernel moves page-table entries, never bytes, and new pages read as zero and
cost nothing until written (a few µs a page, the same at 1 MiB as at 1 GiB;
see ``benches/memory_grow.py``). The ``mmap`` object stays the same Python
object across resizes, so generated code that bound it keeps a buffer whose
length is the current size, and bounds checks stay the buffer's own
(``IndexError``/``struct.error``/``OverflowError``, turned into traps at the
API boundary).

But a memory *starts* as a ``bytearray`` when it is small (up to ``SMALL``;
most modules' initial memories): instantiating then costs what CPython's
allocator does, which reuses freed heap pages, where a fresh ``mmap`` takes
a page fault per 4 KiB written (measured: a module with 300 KiB of data
instantiated 6 times slower). Its first growth moves it, once, into an
``mmap`` (copying at most ``SMALL`` bytes); from then on it grows in place.
So a memory's buffer object can change once, at its first growth, and
generated code re-reads it after calls (see ``codegen``). Shared memories
start as an ``mmap`` (other threads hold their buffer), unless empty:
``mmap`` cannot be empty. Without ``mremap`` (not Linux) memories are
``bytearray``s grown in place by ``extend``: still linear, but copying.

Resizing fails (``resize`` returns None) when the system refuses the size, or
while a host ``memoryview`` of the memory (``Memory.get_buffer_ptr``) is
alive, so that no view is silently left on a buffer the memory has left.
"""

from __future__ import annotations

import mmap
import os
import sys
import threading
import weakref

_MAP_NORESERVE = 0x4000  # Linux; not exposed by the mmap module before Python 3.12
_USE_MMAP = sys.platform.startswith("linux")
_FLAGS = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | _MAP_NORESERVE if _USE_MMAP else 0
_CHUNK = 1 << 20  # bulk writes go through temporaries no bigger than this
SMALL = 1 << 20  # memories up to this size start as a bytearray
# The largest memory this process tries to hold: 64 TiB of address space
# (half of x86-64's user space) where pages are reserved, not committed;
# 4 GiB where every byte is written on growth.
MAX_BYTES = 1 << 46 if _USE_MMAP else 1 << 32

Buffer = bytearray | mmap.mmap


class _CowMap(mmap.mmap):
    """A private mapping of a ``MemoryImage``'s memfd: pages read from the image
    until written, then copied (copy-on-write, as Wasmtime's memory images).

    Never ``resize``d: on a file mapping CPython would also truncate the file,
    which every instance of the module maps. Its first growth moves it into an
    anonymous mapping instead, like a ``bytearray``'s (see ``resize``)."""

    image: "MemoryImage"


COW_MIN_BYTES = 64 << 10  # smaller images are cheaper to copy than to map


class MemoryImage:
    """A defined memory's initial contents (``data`` at byte ``offset``, zeros
    elsewhere), shared by every instance of a module.

    On Linux, an image of at least ``COW_MIN_BYTES`` is written once into a
    memfd sized to the memory's initial size (zeros around the data take no
    space) and each instance maps it privately: instantiating costs one
    ``mmap``, whatever the image's size, and a pooled slot is reset by
    dropping its pages (``MADV_DONTNEED``), after which they read from the
    image again. Elsewhere, or for small images, the bytes are copied."""

    def __init__(self, offset: int, data: bytes, nbytes: int):
        self.offset = offset
        self.data = data
        self.nbytes = nbytes
        self._fd: int | None = None
        self._lock = threading.Lock()

    @property
    def cow(self) -> bool:
        return _USE_MMAP and len(self.data) >= COW_MIN_BYTES and hasattr(os, "memfd_create")

    def _memfd(self) -> int:
        with self._lock:
            if self._fd is None:
                fd = os.memfd_create("wasmfuzz-memory-image", os.MFD_CLOEXEC)
                os.ftruncate(fd, self.nbytes)
                os.pwrite(fd, self.data, self.offset)
                self._fd = fd
                weakref.finalize(self, os.close, fd)
            return self._fd

    def buffer(self, shared: bool = False) -> Buffer:
        """A new buffer of ``nbytes`` holding the image; MemoryError if refused."""
        if self.cow and not shared:
            try:
                buf = _CowMap(self._memfd(), self.nbytes, flags=mmap.MAP_PRIVATE)
            except (OSError, OverflowError) as e:
                raise MemoryError(f"cannot map a memory image of {self.nbytes} bytes: {e}") from None
            buf.image = self
            return buf
        buf = allocate(self.nbytes, shared)
        buf[self.offset:self.offset + len(self.data)] = self.data
        return buf


def allocate(nbytes: int, shared: bool = False) -> Buffer:
    """A zeroed buffer of ``nbytes``, of the kind the module docstring
    describes for a new memory; MemoryError if the system refuses it."""
    if not _wants_mmap(nbytes, shared):
        return bytearray(nbytes)
    try:
        return mmap.mmap(-1, nbytes, flags=_FLAGS)
    except (OSError, OverflowError) as e:
        raise MemoryError(f"cannot reserve {nbytes} bytes: {e}") from None


def _wants_mmap(nbytes: int, shared: bool) -> bool:
    return _USE_MMAP and nbytes > 0 and (shared or nbytes > SMALL)


def resize(buf: Buffer, nbytes: int) -> Buffer | None:
    """Grow ``buf`` to ``nbytes`` (zeros appended): the buffer to use from now
    on (``buf`` itself, or on a ``bytearray``'s first growth its ``mmap``
    successor), or None on failure."""
    try:
        if isinstance(buf, _CowMap):
            grown = mmap.mmap(-1, nbytes, flags=_FLAGS)
            grown[:len(buf)] = buf
            return grown
        if isinstance(buf, mmap.mmap):
            buf.resize(nbytes)
            return buf
        if _has_views(buf):
            return None
        if not _USE_MMAP:
            _extend_with_zeros(buf, nbytes - len(buf))
            return buf
        grown = mmap.mmap(-1, nbytes, flags=_FLAGS)
        grown[:len(buf)] = buf
        return grown
    except (OSError, OverflowError, MemoryError, BufferError):
        return None


def _has_views(buf: bytearray) -> bool:
    """Whether a ``memoryview`` of ``buf`` is alive (CPython then refuses to resize it)."""
    try:
        buf.append(0)
    except BufferError:
        return True
    del buf[-1]
    return False


def reuse_image(buf: Buffer | None, image: MemoryImage, shared: bool = False) -> Buffer:
    """A buffer starting with ``image`` for a pooled slot, made from ``buf`` (the
    slot's last buffer, or None): a copy-on-write mapping of the same image is
    reset by dropping its pages, which then read from the image again."""
    if isinstance(buf, _CowMap) and buf.image is image and not shared:
        buf.madvise(mmap.MADV_DONTNEED)
        return buf
    if image.cow and not shared:
        return image.buffer()
    return reuse(buf, image.nbytes, image.data, shared, image.offset)


def reuse(buf: Buffer | None, nbytes: int, image: bytes, shared: bool = False, offset: int = 0) -> Buffer:
    """A buffer of ``nbytes`` holding ``image`` at ``offset``, zeros elsewhere, made from ``buf``
    (one a released memory used, i.e. a pooled slot, or None) when it is of
    the kind ``allocate`` would choose: the buffer to use. An ``mmap`` is
    reset by dropping its pages (``MADV_DONTNEED``: they read as zero again,
    at no cost until written), a ``bytearray`` by writing zeros where the
    image does not cover, keeping its pages. MemoryError if a new buffer is
    needed and refused. A mapping of an image (``_CowMap``) is never made
    from: it is not ``resize``d (see ``_CowMap``), and growing it into a
    smaller memory, as a shared one always maps, failed."""
    if isinstance(buf, _CowMap):
        buf = None
    if _wants_mmap(nbytes, shared):
        if isinstance(buf, mmap.mmap) and resize(buf, nbytes) is buf:
            buf.madvise(mmap.MADV_DONTNEED)
        else:
            buf = allocate(nbytes, shared)
    elif not (isinstance(buf, bytearray) and _reset(buf, nbytes, offset, offset + len(image))):
        buf = allocate(nbytes, shared)
    buf[offset:offset + len(image)] = image
    return buf


def _reset(buf: bytearray, nbytes: int, keep_from: int, keep_to: int) -> bool:
    """Make ``buf`` ``nbytes`` long, zero outside ``buf[keep_from:keep_to]``
    (which the caller overwrites); False if a live view of it forbids resizing."""
    dirty = min(len(buf), nbytes)
    try:
        del buf[nbytes:]
        _extend_with_zeros(buf, nbytes - len(buf))
    except BufferError:
        return False
    buf[:min(keep_from, dirty)] = bytes(min(keep_from, dirty))
    if dirty > keep_to:
        buf[keep_to:dirty] = bytes(dirty - keep_to)
    return True


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
