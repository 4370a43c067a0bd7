"""instantiate: wasm-smith modules with imports, start functions and traps,
instantiated and nothing else (Wasmtime's ``instantiate`` target).

Instantiation may only succeed, trap or refuse the module, never crash;
it must agree with Wasmtime and with itself under every configuration, and
leave the same exported globals, memories and tables behind.
"""

from wasmfuzz.oracles import PAIRS

from .. import smith, toggles
from ..case import TestCase
from ..source import Source


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, proposal_percent=20)
    wasm = smith.module(src, spec, tables=True, imports=True, traps_percent=100)
    return TestCase(wasm, spec, tuple(PAIRS), invocations=0)


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("instantiate")
