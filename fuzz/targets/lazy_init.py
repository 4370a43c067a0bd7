"""lazy_init: table-heavy wasm-smith modules, lazy tables against eager ones.

Modules with several tables and many element segments, compared lazy
against eager wasmfuzz (the reference semantics) and against Wasmtime,
which is lazy too. The exported tables are read from the host at the end,
which exercises the host-side lazy initialisation as well.
"""

from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, WASMTIME

from .. import smith, toggles
from ..case import TestCase
from ..source import Source


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src)
    invocations = src.int_in(1, 3)
    args = src.bytes(32)
    return TestCase(smith.module(src, spec, tables=True, traps_percent=50), spec,
                    (LAZY_VS_EAGER.name, WASMTIME.name), args, invocations)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("lazy_init")
