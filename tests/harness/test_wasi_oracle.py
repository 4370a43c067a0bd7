"""The wasi target's generator (``fuzz.wasi_ops``) and oracle (``oracles.wasi``)
give the same verdict every time: what the host decides (inode numbers,
times) is masked wherever a program can leave it in memory, and no later call
moves it out of the masked places.
"""

from __future__ import annotations

import random
import struct

import pytest
from wasmfuzz.fuzz import wasi_ops
from wasmfuzz.fuzz.source import Unstructured
from wasmfuzz.oracles import wasi
from wasmfuzz.oracles.spec import ExecutionSpec
from wasmfuzz.runtime.binary.wat import wat2wasm

wasmtime = pytest.importorskip("wasmtime")


def _dirent(next_cookie: int, ino: int, name: bytes) -> bytes:
    return struct.pack("<QQIBxxx", next_cookie, ino, len(name), 3) + name


@pytest.mark.parametrize("used", [23, 20, 12, 9, 24 + 1 + 16])
def test_a_cut_directory_entry_has_its_inode_masked(used):
    """fd_readdir stops where the buffer ends, inside an entry's header too:
    the d_ino bytes that made it into memory are masked (they were not, and
    the host's inode reuse decided whether two runs differed)."""
    listing = _dirent(1, 0x1111111111111111, b".") + _dirent(2, 0x2222222222222222, b"..")
    memory = bytearray(256)
    memory[64:64 + used] = listing[:used]
    struct.pack_into("<I", memory, 200, used)
    masked = wasi._mask(bytes(memory), [("dirents", 64, used, 200)])
    assert b"\x11" not in masked and b"\x22" not in masked
    assert masked[64:72] == listing[:8]  # d_next is compared


def test_each_call_writes_its_results_in_a_slot_of_its_own():
    """A later call never overwrites part of an earlier call's results."""
    rng = random.Random(17)
    for _ in range(200):
        program = wasi_ops.program(Unstructured(rng.randbytes(rng.randint(200, 3000))))
        slots = [wasi_ops.OUT_AT + wasi_ops.OUT_SLOT * k for k in range(len(program.calls))]
        for k, (_, _, args) in enumerate(program.calls):
            pointers = {int(a.split()[1].rstrip(")")) for a in args if a.startswith("(i32.const ")}
            others = [s for j, s in enumerate(slots) if j != k]
            assert not any(s <= p < s + wasi_ops.OUT_SLOT for p in pointers for s in others)


def test_wasmtime_twice_gives_the_same_masked_observations():
    """The oracle's own determinism: one program run twice on Wasmtime, each
    time in a fresh tree, is seen the same after masking."""
    rng = random.Random(1)
    for _ in range(40):
        program = wasi_ops.program(Unstructured(rng.randbytes(rng.randint(200, 3000))))
        wasm = wat2wasm(program.wat())
        volatile = [list(v) for v in program.volatile]
        first = wasi.run(ExecutionSpec("wasmtime"), wasm)
        second = wasi.run(ExecutionSpec("wasmtime"), wasm)
        first["memory"], second["memory"] = (wasi._mask(r["memory"], volatile) for r in (first, second))
        assert first == second, program.wat()


def test_scratch_trees_go_to_memory_when_the_host_has_it(tmp_path, monkeypatch):
    """Trees are made in the RAM directory when it exists and is writable,
    else in the temporary directory, and a program sees the same either way."""
    monkeypatch.setattr(wasi, "RAM_DIR", str(tmp_path))
    assert wasi.scratch_parent() == str(tmp_path)
    program = wasi_ops.program(Unstructured(random.Random(5).randbytes(2000)))
    wasm, volatile = wat2wasm(program.wat()), [list(v) for v in program.volatile]
    made = []
    real_populate = wasi.populate
    monkeypatch.setattr(wasi, "populate", lambda parent: made.append(parent) or real_populate(parent))
    in_ram = wasi.run(ExecutionSpec("wasmfuzz"), wasm)
    assert made[0].is_relative_to(tmp_path)
    monkeypatch.setattr(wasi, "RAM_DIR", str(tmp_path / "absent"))
    assert wasi.scratch_parent() is None
    on_disk = wasi.run(ExecutionSpec("wasmfuzz"), wasm)
    assert not made[1].is_relative_to(tmp_path)
    in_ram["memory"], on_disk["memory"] = (wasi._mask(r["memory"], volatile) for r in (in_ram, on_disk))
    assert in_ram == on_disk


def test_large_files_are_compared_by_what_they_hold_without_reading_their_holes(tmp_path):
    """A file set to 2 GiB (fd_filestat_set_size) is summed up from its data
    alone; zeros count the same written or left as a hole; small files stay bytes."""
    small = tmp_path / "small"
    small.write_bytes(b"inner\n")
    assert wasi.file_contents(small) == b"inner\n"
    sparse, written, other, empty = (tmp_path / n for n in ("sparse", "written", "other", "empty"))
    size = 3 * wasi.SMALL_FILE + 5
    with open(sparse, "wb") as f:
        f.write(b"inner\n")
        f.seek(2 * wasi.SMALL_FILE - 2)
        f.write(b"tail")  # across a chunk boundary
        f.truncate(size)
    written.write_bytes(b"inner\n" + bytes(2 * wasi.SMALL_FILE - 8) + b"tail" + bytes(size - 2 * wasi.SMALL_FILE - 2))
    other.write_bytes(b"inneR\n" + bytes(size - 6))
    with open(empty, "wb") as f:
        f.truncate(2 << 30)
    kind, got_size, _ = wasi.file_contents(sparse)
    assert (kind, got_size) == ("large file", size)
    assert wasi.file_contents(sparse) == wasi.file_contents(written) != wasi.file_contents(other)
    assert wasi.file_contents(empty) == ("large file", 2 << 30, wasi.hashlib.sha256().hexdigest())
