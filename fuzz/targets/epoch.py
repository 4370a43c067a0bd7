"""epoch: modules that call imports, run against epoch deadlines.

Every imported function advances the engine's epoch by one (see
``oracles.execution``), so a deadline of N ticks expires at the first
check (function entry, loop header, bulk operation) after the N-th import
call, at the same point on every engine: wasmfuzz must trap with INTERRUPT
exactly where Wasmtime does; a deadline never reached, or one met by a
callback that extends it, or by an async call that yields and resumes,
must change nothing. Half the modules come from wasm-smith (breadth), half are loop
programs (``interrupt_ops``: the places where the checks are).

Wasmtime is compared on every input: a deadline met at the wrong check is
caught there. The three pairs that run a program to its end (epochs off, a
callback that extends the deadline, an async call that yields) are each
drawn for half the inputs (swarm over pairs): they tick the epoch at every
import call, and running all three on every input made five executions an
input, three and a half now.
"""

from wasmfuzz.oracles.pairs import EPOCH_ASYNC_YIELDS, EPOCH_CALLBACKS, EPOCHS_VS_NONE, WASMTIME, swarm

from .. import interrupt_ops, smith, toggles
from ..case import TestCase
from ..source import Source, boolean
from ..wat import wat2wasm

TO_THE_END_SHARE = 0.5  # of inputs that run each pair whose program runs to its end


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, fuel_percent=30, epoch_percent=100)  # fuel too: loop headers check both
    invocations = src.int_in(1, 4)
    args = src.bytes(48)
    wasm = wat2wasm(interrupt_ops.program(src).wat()) if boolean(src) else \
        smith.module(src, spec, imports=True, traps_percent=30)
    checks = swarm(args, (WASMTIME,), (EPOCHS_VS_NONE, EPOCH_CALLBACKS, EPOCH_ASYNC_YIELDS), TO_THE_END_SHARE)
    return TestCase(wasm, spec, checks, args, invocations)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("epoch")
