"""instructions: one instruction at a time, with edge-value operands
(``fuzz.instruction_ops``), on wasmfuzz and on Wasmtime.

Results (float results as bits, NaNs compared on the bits the spec fixes),
traps and trap codes, and the exported memory and table after the call.
The quickest way to the arithmetic, conversion and control-flow bugs a
module from wasm-smith reaches only by chance.
"""

from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, WASMTIME

from .. import instruction_ops, toggles
from ..case import TestCase
from ..source import Source
from ..wat import wat2wasm


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, proposal_percent=0)
    program = instruction_ops.program(src)
    if program.name in instruction_ops.SIMD:  # relaxed ones in the deterministic mode (oracles.spec)
        needs = {"simd", "relaxed_simd"} if "relaxed" in program.name else {"simd"}
        spec = spec.with_(features=spec.features | needs)
    # Programs with a typed table run in both table modes, whichever the spec drew.
    checks = (WASMTIME.name, LAZY_VS_EAGER.name) if program.name in instruction_ops.REFS else (WASMTIME.name,)
    return TestCase(wat2wasm(program.wat()), spec, checks, src.bytes(256), invocations=1)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("instructions")
