"""f32 loads and stores keep every bit pattern (vm.float_ops.load_f32/store_f32):
numbers go through a C float directly, NaNs by their bits, so a signalling
NaN is neither quieted on the way in nor on the way out."""

import random
import struct

import pytest
from wasmfuzz.runtime.binary.values import f32_bits
from wasmfuzz.runtime.vm.float_ops import load_f32, store_f32

SPECIAL = [0x7F800001, 0x7FBFFFFF, 0xFF800001, 0x7FC00000, 0xFFC00001, 0x7F800000, 0xFF800000,
           0x00000001, 0x80000001, 0x007FFFFF, 0x80000000, 0x00000000, 0x7F7FFFFF, 0x3F800000]


def _round_trip(bits: int) -> tuple[int, int]:
    memory = bytearray(16)
    struct.pack_into("<I", memory, 4, bits)
    value = load_f32(memory, 4)
    store_f32(memory, 8, value)
    return f32_bits(value), struct.unpack_from("<I", memory, 8)[0]


@pytest.mark.parametrize("bits", SPECIAL, ids=hex)
def test_special_f32_bits_survive_a_load_and_a_store(bits):
    assert _round_trip(bits) == (bits, bits)


def test_any_f32_bits_survive_a_load_and_a_store():
    rng = random.Random(3)
    for bits in (rng.getrandbits(32) for _ in range(20000)):
        assert _round_trip(bits) == (bits, bits), hex(bits)
