"""differential: any wasm-smith module, on wasmfuzz and on real Wasmtime.

The broadest target. The module is made under the differential
restrictions, the runtime configuration is drawn from the input, and
wasmfuzz is compared against Wasmtime and lazy tables against eager ones
on every input; each other configuration pair (fuel, epochs, pooling) is
drawn for a share of the inputs (swarm over pairs), so an input costs
three or four executions rather than eight. The fuel, epoch and pooling
pairs have targets of their own that always run them.
"""

from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, PAIRS, WASMTIME, swarm

from .. import smith, toggles
from ..case import TestCase
from ..source import Source

ALWAYS = (WASMTIME, LAZY_VS_EAGER)
# About one other pair per input: eight executions became 3.5 on average.
OTHERS_SHARE = 0.2


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src)
    invocations = src.int_in(1, 5)
    args = src.bytes(64)
    others = [p for p in PAIRS.values() if p not in ALWAYS]
    return TestCase(smith.module(src, spec), spec, swarm(args, ALWAYS, others, OTHERS_SHARE), args, invocations)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("differential")
