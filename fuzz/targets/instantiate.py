"""instantiate: wasm-smith modules with imports, start functions and traps,
instantiated and nothing else (Wasmtime's ``instantiate`` target).

Instantiation may only succeed, trap or refuse the module, never crash;
it must agree with Wasmtime and with itself under every configuration, and
leave the same exported globals, memories and tables behind. Wasmtime and
lazy against eager tables are compared on every input, each other pair
(fuel, epochs, pooling) on a share of them (swarm over pairs, as the
differential target does): about four executions an input instead of eight.
"""

from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, PAIRS, WASMTIME, swarm

from .. import smith, toggles
from ..case import TestCase
from ..source import Source


ALWAYS = (WASMTIME, LAZY_VS_EAGER)
OTHERS_SHARE = 0.3  # of the five other pairs: one or two an input


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, proposal_percent=20)
    wasm = smith.module(src, spec, tables=True, imports=True, traps_percent=100)
    others = [p for p in PAIRS.values() if p not in ALWAYS]
    return TestCase(wasm, spec, swarm(wasm, ALWAYS, others, OTHERS_SHARE), invocations=0)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("instantiate")
