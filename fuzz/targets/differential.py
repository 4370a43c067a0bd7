"""differential: any wasm-smith module, on wasmfuzz and on real Wasmtime.

The broadest target. The module is made under the differential
restrictions, the runtime configuration is drawn from the input, and every
pair is compared: wasmfuzz against Wasmtime, and wasmfuzz against itself
under each configuration change the runtime supports.
"""

from wasmfuzz.oracles import PAIRS

from .. import smith, toggles
from ..case import TestCase
from ..source import Source


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src)
    invocations = src.int_in(1, 5)
    args = src.bytes(64)
    return TestCase(smith.module(src, spec), spec, tuple(PAIRS), args, invocations)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("differential")
