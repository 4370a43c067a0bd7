"""fuel: wasm-smith modules and loop programs with fuel metering on.

Fuel budgets are drawn so that running out happens anywhere from the first
function entry to never; wasmfuzz must consume exactly Wasmtime's fuel on
every call that returns and run out on the same calls. With ample fuel,
results must equal those without fuel. Until the runtime has fuel, this is
a differential target over the same kind of modules. Half the modules are
loop programs (``interrupt_ops``), where the check points are.
"""

from wasmfuzz.oracles.pairs import FUEL_ON_VS_OFF, WASMTIME

from .. import interrupt_ops, smith, toggles
from ..case import TestCase
from ..source import Source, boolean
from ..wat import wat2wasm


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, fuel_percent=100, epoch_percent=30)  # epochs too: loop headers check both
    invocations = src.int_in(1, 4)
    args = src.bytes(48)
    wasm = wat2wasm(interrupt_ops.program(src).wat()) if boolean(src) else smith.module(src, spec, traps_percent=30)
    return TestCase(wasm, spec, (WASMTIME.name, FUEL_ON_VS_OFF.name), args, invocations)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("fuel")
