"""epoch: modules that call imports, run against epoch deadlines.

Every imported function advances the engine's epoch by one (see
``oracles.execution``), so a deadline of N ticks expires at the first
check (function entry, loop header, bulk operation) after the N-th import
call, at the same point on every engine: wasmfuzz must trap with INTERRUPT
exactly where Wasmtime does; a deadline never reached, or one met by a
callback that extends it, or by an async call that yields and resumes,
must change nothing. Half the modules come from wasm-smith (breadth), half are loop
programs (``interrupt_ops``: the places where the checks are). Until the
runtime has epochs, this is a differential target over such modules.
"""

from wasmfuzz.oracles.pairs import EPOCH_ASYNC_YIELDS, EPOCH_CALLBACKS, EPOCHS_VS_NONE, WASMTIME

from .. import interrupt_ops, smith, toggles
from ..case import TestCase
from ..source import Source, boolean
from ..wat import wat2wasm


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, fuel_percent=30, epoch_percent=100)  # fuel too: loop headers check both
    invocations = src.int_in(1, 4)
    args = src.bytes(48)
    wasm = wat2wasm(interrupt_ops.program(src).wat()) if boolean(src) else \
        smith.module(src, spec, imports=True, traps_percent=30)
    return TestCase(wasm, spec, (WASMTIME.name, EPOCHS_VS_NONE.name, EPOCH_CALLBACKS.name, EPOCH_ASYNC_YIELDS.name),
                    args, invocations)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("epoch")
