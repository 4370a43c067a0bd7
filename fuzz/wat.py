"""``wat2wasm`` for the program generators: in process, not a subprocess.

The table, memory, instruction, fuel, epoch and WASI generators write
WebAssembly text, one module per fuzz input. The runtime's ``wat2wasm``
runs the ``wasm-tools parse`` executable, about 5 ms an input in a fuzzing
process (a fork and exec of a large process, then waiting for it), a sixth
of an input's time; wasmtime-py, which every differential check loads
anyway, parses text with the same ``wat`` crate in process in about 0.3 ms.
Text it cannot parse (a newer syntax than the wasmtime release knows) goes
to ``wasm-tools`` as before, which also gives a generator's mistake the
usual error.
"""

from __future__ import annotations

import wasmtime
from wasmfuzz.runtime.binary.wat import wat2wasm as _wasm_tools_parse


def wat2wasm(text: str) -> bytes:
    """The binary module of ``text``; raises the runtime's WasmtimeError if
    neither parser takes it."""
    try:
        return bytes(wasmtime.wat2wasm(text))
    except wasmtime.WasmtimeError:
        return _wasm_tools_parse(text)
