"""fuel: loop- and call-heavy wasm-smith modules with fuel metering on.

Fuel budgets are drawn so that running out happens anywhere from the first
function entry to never; wasmfuzz must consume exactly Wasmtime's fuel on
every call that returns and run out on the same calls. With ample fuel,
results must equal those without fuel. Until the runtime has fuel, this is
a differential target over the same kind of modules.
"""

from wasmfuzz.oracles.pairs import FUEL_ON_VS_OFF, WASMTIME

from .. import smith, toggles
from ..case import TestCase
from ..source import Source


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, fuel_percent=100, epoch_percent=0)
    invocations = src.int_in(1, 4)
    args = src.bytes(48)
    return TestCase(smith.module(src, spec, traps_percent=30), spec, (WASMTIME.name, FUEL_ON_VS_OFF.name),
                    args, invocations)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("fuel")
