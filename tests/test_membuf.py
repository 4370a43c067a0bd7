"""membuf: memory buffers grow without copying, on both backends.

The mmap backend is what Linux uses; the bytearray one is the fallback
elsewhere, run here by switching ``membuf._USE_MMAP`` off. Both must give
zeroed growth, exact lengths (bounds checks are the buffer's own), bulk
fill/copy with memmove semantics, and slot reuse that forgets old bytes.
"""

from __future__ import annotations

import mmap

import pytest

from wasmfuzz.runtime import membuf

PAGE = 65536


@pytest.fixture(params=["mmap", "bytearray"])
def backend(request, monkeypatch):
    if request.param == "bytearray":
        monkeypatch.setattr(membuf, "_USE_MMAP", False)
    elif not membuf._USE_MMAP:
        pytest.skip("mmap growth needs mremap (Linux)")
    return request.param


def test_empty_buffer_becomes_a_real_one_on_first_growth(backend):
    buf = membuf.allocate(0)
    assert len(buf) == 0
    grown = membuf.resize(buf, 2 * PAGE)
    assert len(grown) == 2 * PAGE and grown[2 * PAGE - 1] == 0
    assert isinstance(grown, mmap.mmap) == (backend == "mmap")


def test_growth_keeps_the_object_and_its_bytes_and_adds_zeros(backend):
    buf = membuf.allocate(PAGE)
    buf[PAGE - 1] = 7
    assert membuf.resize(buf, 3 * PAGE) is buf
    assert len(buf) == 3 * PAGE and buf[PAGE - 1] == 7 and buf[PAGE:] == bytes(2 * PAGE)
    with pytest.raises(IndexError):
        buf[3 * PAGE]


def test_growth_fails_cleanly_while_a_view_is_exported(backend):
    buf = membuf.allocate(PAGE)
    view = memoryview(buf)
    assert membuf.resize(buf, 2 * PAGE) is None
    assert len(buf) == PAGE
    view.release()
    assert membuf.resize(buf, 2 * PAGE) is buf


def test_fill_and_copy_past_the_chunk_size(backend):
    n = 3 * membuf._CHUNK + 5
    buf = membuf.allocate(n + 16)
    membuf.fill(buf, 3, 0xAB, n)
    assert buf[:3] == b"\0\0\0" and buf[3:n + 3] == b"\xab" * n and buf[n + 3] == 0
    other = membuf.allocate(n + 16)
    membuf.copy(other, 1, buf, 3, n)
    assert other[1:n + 1] == b"\xab" * n and other[0] == 0


def test_copy_within_one_buffer_is_a_memmove(backend):
    buf = membuf.allocate(PAGE)
    buf[0:8] = b"abcdefgh"
    membuf.copy(buf, 2, buf, 0, 6)
    assert buf[0:8] == b"ababcdef"
    membuf.copy(buf, 0, buf, 2, 6)
    assert buf[0:8] == b"abcdefef"


def test_reuse_starts_from_the_image_then_zeros(backend):
    buf = membuf.allocate(2 * PAGE)
    membuf.fill(buf, 0, 0xFF, 2 * PAGE)
    again = membuf.reuse(buf, PAGE, b"xy")
    assert len(again) == PAGE and again[:2] == b"xy" and again[2:] == bytes(PAGE - 2)
    bigger = membuf.reuse(again, 3 * PAGE, b"")
    assert bigger[:] == bytes(3 * PAGE)
    assert membuf.reuse(None, PAGE, b"z")[:1] == b"z"


def test_reserving_more_than_the_system_has_is_a_memory_error():
    if not membuf._USE_MMAP:
        pytest.skip("reservations are mmap's")
    with pytest.raises(MemoryError):
        membuf.allocate(1 << 62)
