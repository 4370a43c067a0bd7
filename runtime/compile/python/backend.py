"""``PythonCompiler``: the first backend, Python source through ``compile()``.

``codegen`` writes a function's source and lists the libcalls and constants
it needs; this binds them as the function's closure (never as globals looked
up per instruction) and hands the source to ``pycompile``, the only caller
of ``compile()``, under a readable ``wasm://`` file name, under which its
line map is registered for backtraces (``frames``).
"""

from __future__ import annotations

import os
from typing import Callable

from ...errors import WasmtimeError
from . import frames, pycompile
from .codegen import LAYOUTS, emit


def default_layout() -> str:
    """The code layout to generate: ``WASMFUZZ_CODEGEN_LAYOUT`` ("auto",
    "structured" or "flat") for a whole process, which is how the flat
    fallback is run over the spec suite; "auto" otherwise."""
    layout = os.environ.get("WASMFUZZ_CODEGEN_LAYOUT", "auto")
    if layout not in LAYOUTS:
        raise WasmtimeError(f"unknown code layout {layout!r} (expected one of {', '.join(LAYOUTS)})")
    return layout


class PythonCompiler:
    """Compiles one function of a ``ModuleCode`` to a Python function."""

    name = "python"

    def compile_function(self, code, funcidx: int) -> Callable:
        pyname = f"f{funcidx}"
        try:
            em = emit(code.info, funcidx, code.sig_ids, options=code.options)
            source = em.source()
        except RecursionError:
            raise WasmtimeError(f"function {funcidx} is too deeply nested to compile") from None
        bindings = {n: code.libcalls[n] for n in em.needs}
        bindings.update(em.consts)
        filename = pycompile.unique_filename(code.name, funcidx, code.info.func_names.get(funcidx))
        code.filenames.append(filename)
        frames.register(filename, em.line_map())
        return pycompile.compile_and_load(source, filename, code.namespace, f"_make_{pyname}", bindings)

    def forget(self, filenames: list[str]) -> None:
        pycompile.forget(filenames)
        frames.forget(filenames)
