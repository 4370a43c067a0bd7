"""table_ops: targeted programs of table operations (``fuzz.table_ops``).

Each table operation is a call, so every get, set, call_indirect, grow,
fill, copy, init and drop is compared on its own, lazy against eager and
wasmfuzz against Wasmtime, and the tables at the end.
"""

from wasmfuzz.oracles.pairs import LAZY_VS_EAGER, ON_DEMAND_VS_POOLING, WASMTIME

from .. import table_ops, toggles
from ..case import TestCase
from ..source import Source
from ..wat import wat2wasm


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, proposal_percent=0)
    wasm = wat2wasm(table_ops.program(src).wat())
    return TestCase(wasm, spec, (LAZY_VS_EAGER.name, WASMTIME.name, ON_DEMAND_VS_POOLING.name))


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("table_ops")
