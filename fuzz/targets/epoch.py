"""epoch: wasm-smith modules with imports, run against epoch deadlines.

Every imported function advances the engine's epoch by one (see
``oracles.execution``), so a deadline of N ticks expires at the first
check (function entry or loop header) after the N-th import call, at the
same point on every engine: wasmfuzz must trap with INTERRUPT exactly
where Wasmtime does, and a deadline never reached must change nothing.
Until the runtime has epochs, this is a differential target over modules
that call imports.
"""

from wasmfuzz.oracles.pairs import EPOCHS_VS_NONE, WASMTIME

from .. import smith, toggles
from ..case import TestCase
from ..source import Source


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, fuel_percent=0, epoch_percent=100)
    invocations = src.int_in(1, 4)
    args = src.bytes(48)
    return TestCase(smith.module(src, spec, imports=True, traps_percent=30), spec,
                    (WASMTIME.name, EPOCHS_VS_NONE.name), args, invocations)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("epoch")
