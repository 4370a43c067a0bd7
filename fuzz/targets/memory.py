"""memory: targeted programs of memory operations at edge addresses
(``fuzz.memory_ops``), on 32-bit, 64-bit and multiple memories as the
runtime supports them, compared with Wasmtime after every operation.
"""

from wasmfuzz.oracles.pairs import ON_DEMAND_VS_POOLING, WASMTIME

from .. import memory_ops, toggles
from ..case import TestCase
from ..source import Source
from ..wat import wat2wasm


def generate(src: Source) -> TestCase:
    spec = toggles.draw_spec(src, proposal_percent=50)
    program = memory_ops.program(src, memory64="memory64" in spec.features,
                                 multi_memory="multi_memory" in spec.features, atomics="threads" in spec.features,
                                 custom_page_sizes="custom_page_sizes" in spec.features)
    return TestCase(wat2wasm(program.wat()), spec, (WASMTIME.name, ON_DEMAND_VS_POOLING.name))


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("memory")
