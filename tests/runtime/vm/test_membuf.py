"""membuf: memory buffers grow without copying, on both backends.

The mmap backend is what Linux uses; the bytearray one is the fallback
elsewhere, run here by switching ``membuf._USE_MMAP`` off. Both must give
zeroed growth, exact lengths (bounds checks are the buffer's own), bulk
fill/copy with memmove semantics, and slot reuse that forgets old bytes.
"""

from __future__ import annotations

import mmap

import pytest
from wasmfuzz.runtime.vm import membuf

PAGE = 65536
BIG = membuf.SMALL + PAGE


@pytest.fixture(params=["mmap", "bytearray"])
def backend(request, monkeypatch):
    if request.param == "bytearray":
        monkeypatch.setattr(membuf, "_USE_MMAP", False)
    elif not membuf._USE_MMAP:
        pytest.skip("mmap growth needs mremap (Linux)")
    return request.param


@pytest.mark.parametrize("nbytes, shared, kind", [
    (0, False, bytearray), (PAGE, False, bytearray), (membuf.SMALL, False, bytearray),
    (BIG, False, mmap.mmap), (0, True, bytearray), (PAGE, True, mmap.mmap)])
def test_small_memories_start_as_bytearrays_large_and_shared_ones_as_mmaps(nbytes, shared, kind):
    if not membuf._USE_MMAP:
        pytest.skip("mmap growth needs mremap (Linux)")
    buf = membuf.allocate(nbytes, shared)
    assert type(buf) is kind and len(buf) == nbytes and buf[:] == bytes(nbytes)


def test_first_growth_moves_to_an_mmap_once_then_grows_in_place(backend):
    buf = membuf.allocate(PAGE)
    buf[PAGE - 1] = 7
    grown = membuf.resize(buf, 3 * PAGE)
    assert isinstance(grown, mmap.mmap) == (backend == "mmap")
    assert len(grown) == 3 * PAGE and grown[PAGE - 1] == 7 and grown[PAGE:] == bytes(2 * PAGE)
    assert membuf.resize(grown, 5 * PAGE) is grown
    assert grown[PAGE - 1] == 7 and grown[5 * PAGE - 1] == 0
    with pytest.raises(IndexError):
        grown[5 * PAGE]


def test_empty_buffer_grows(backend):
    grown = membuf.resize(membuf.allocate(0), 2 * PAGE)
    assert len(grown) == 2 * PAGE and grown[2 * PAGE - 1] == 0


@pytest.mark.parametrize("nbytes", [PAGE, BIG])
def test_growth_fails_cleanly_while_a_view_is_exported(backend, nbytes):
    buf = membuf.allocate(nbytes)
    view = memoryview(buf)
    assert membuf.resize(buf, nbytes + PAGE) is None
    assert len(buf) == nbytes
    view.release()
    assert len(membuf.resize(buf, nbytes + PAGE)) == nbytes + PAGE


def test_fill_and_copy_past_the_chunk_size(backend):
    n = 3 * membuf._CHUNK + 5
    buf = membuf.allocate(n + 16)
    membuf.fill(buf, 3, 0xAB, n)
    assert buf[:3] == b"\0\0\0" and buf[3:n + 3] == b"\xab" * n and buf[n + 3] == 0
    other = membuf.allocate(n + 16)
    membuf.copy(other, 1, buf, 3, n)
    assert other[1:n + 1] == b"\xab" * n and other[0] == 0


@pytest.mark.parametrize("nbytes", [PAGE, BIG])
def test_copy_within_one_buffer_is_a_memmove(backend, nbytes):
    buf = membuf.allocate(nbytes)
    buf[0:8] = b"abcdefgh"
    membuf.copy(buf, 2, buf, 0, 6)
    assert buf[0:8] == b"ababcdef"
    membuf.copy(buf, 0, buf, 2, 6)
    assert buf[0:8] == b"abcdefef"


@pytest.mark.parametrize("old, new", [(2 * PAGE, PAGE), (BIG + PAGE, BIG), (BIG, 2 * BIG), (PAGE, BIG)])
def test_reuse_starts_from_the_image_then_zeros(backend, old, new):
    buf = membuf.allocate(old)
    membuf.fill(buf, 0, 0xFF, old)
    again = membuf.reuse(buf, new, b"xy")
    assert len(again) == new and again[:2] == b"xy" and again[2:] == bytes(new - 2)
    assert (again is buf) == (type(buf) is type(membuf.allocate(new)))
    assert membuf.reuse(None, PAGE, b"z")[:1] == b"z"


def test_reserving_more_than_the_system_has_is_a_memory_error():
    if not membuf._USE_MMAP:
        pytest.skip("reservations are mmap's")
    with pytest.raises(MemoryError):
        membuf.allocate(1 << 62)
