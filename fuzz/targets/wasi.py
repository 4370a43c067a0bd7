"""wasi: sequences of WASI preview1 calls, on wasmfuzz and on real Wasmtime.

The program (``wasi_ops``) runs in a fresh scratch tree on each engine and
``oracles.wasi`` compares every errno, every byte of memory, stdout and
stderr, the host tree afterwards and fuel. Half the inputs meter fuel.
"""

from wasmfuzz.oracles.wasi import PAIR

from .. import toggles, wasi_ops
from ..case import TestCase
from ..source import Source
from ..wat import wat2wasm


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, fuel_percent=50, epoch_percent=0, proposal_percent=0)
    program = wasi_ops.program(src)
    return TestCase(wat2wasm(program.wat()), spec, (PAIR,), program.volatile_json())


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("wasi")
