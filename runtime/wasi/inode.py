"""Inode numbers as Wasmtime shows them: a hash, never the host's own.

Wasmtime reports a file's ``ino`` (in ``filestat`` and ``fd_readdir``) as
Rust's ``DefaultHasher`` (SipHash-1-3 with both keys zero) over the host's
device and inode numbers, so the guest sees neither, yet the numbers stay
stable and equal for hard links. Computing the same hash keeps wasmfuzz's
numbers equal to Wasmtime's on the same files.
"""

from __future__ import annotations

import os
import struct

_MASK = (1 << 64) - 1


def _rotl(x: int, b: int) -> int:
    return ((x << b) | (x >> (64 - b))) & _MASK


def _round(v0: int, v1: int, v2: int, v3: int) -> tuple[int, int, int, int]:
    v0 = (v0 + v1) & _MASK
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = (v2 + v3) & _MASK
    v3 = _rotl(v3, 16) ^ v2
    v0 = (v0 + v3) & _MASK
    v3 = _rotl(v3, 21) ^ v0
    v2 = (v2 + v1) & _MASK
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash13(data: bytes) -> int:
    """SipHash-1-3 of ``data`` with the key (0, 0)."""
    v0, v1, v2, v3 = 0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573
    tail = len(data) % 8
    words = list(struct.unpack_from(f"<{len(data) // 8}Q", data))
    words.append(int.from_bytes(data[len(data) - tail:], "little") | (len(data) & 0xFF) << 56)
    for m in words:
        v3 ^= m
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
        v0 ^= m
    v2 ^= 0xFF
    for _ in range(3):
        v0, v1, v2, v3 = _round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def inode(st: os.stat_result) -> int:
    """What Wasmtime reports as the inode number of the file ``st`` describes."""
    return siphash13(struct.pack("<QQ", st.st_dev, st.st_ino))
