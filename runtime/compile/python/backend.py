"""``PythonCompiler``: the first backend, Python source through ``compile()``.

``codegen`` writes a function's source and lists the libcalls and constants
it needs; this binds them as the function's closure (never as globals looked
up per instruction) and hands the source to ``pycompile``, the only caller
of ``compile()``, under a readable ``wasm://`` file name, under which its
line map is registered for backtraces (``frames``). With a code cache, a
function found there is loaded instead of generated and compiled, and one
compiled here is recorded there (``code_record``).
"""

from __future__ import annotations

import os
from typing import Callable

from ...errors import WasmtimeError
from . import code_record, frames, pycompile
from .code_record import CompiledUnit
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
        info = code.info
        filename = pycompile.unique_filename(code.name, funcidx, info.func_names.get(funcidx))
        code.filenames.append(filename)
        record = code.cache.get(funcidx) if code.cache is not None else None
        unit = code_record.load(record, filename, info.name, info.func_names) if record is not None else None
        if unit is None:
            unit = self._generate(code, funcidx, filename)
            if code.cache is not None and (record := code_record.dump(unit)) is not None:
                code.cache.put(funcidx, record)
        frames.register(filename, unit.line_map)
        bindings = {n: code.libcalls[n] for n in unit.needs}
        bindings.update(unit.consts)
        return pycompile.load(unit.code, unit.source, filename, code.namespace, f"_make_f{funcidx}", bindings)

    @staticmethod
    def _generate(code, funcidx: int, filename: str) -> CompiledUnit:
        try:
            em = emit(code.info, funcidx, options=code.options)
            source = em.source()
        except RecursionError:
            raise WasmtimeError(f"function {funcidx} is too deeply nested to compile") from None
        return CompiledUnit(pycompile.compile_source(source, filename), source, tuple(sorted(em.needs)), em.consts,
                            em.line_map())

    def forget(self, filenames: list[str]) -> None:
        pycompile.forget(filenames)
        frames.forget(filenames)
