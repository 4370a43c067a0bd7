"""validate: wasmfuzz's decoder and validator against ``wasm-tools validate``.

Half the inputs are raw bytes (mostly malformed: the decoder's paths), half
are wasm-smith modules with a few bytes overwritten (mostly well-formed but
sometimes invalid: the validator's paths).
"""

from wasmfuzz.oracles.validation import PAIR

from .. import smith, toggles
from ..case import TestCase
from ..source import Source, boolean


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, fuel_percent=0, epoch_percent=0, proposal_percent=20)
    if boolean(src):
        return TestCase(b"\0asm\1\0\0\0" + src.rest(), spec, (PAIR,))
    edits = [(src.int_in(0, 1 << 16), src.int_in(0, 255)) for _ in range(src.int_in(0, 4))]
    wasm = bytearray(smith.module(src, spec, traps_percent=50))
    for at, byte in edits:
        wasm[at % len(wasm)] = byte
    return TestCase(bytes(wasm), spec, (PAIR,))


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("validate")
