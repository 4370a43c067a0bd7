"""``PythonCompiler``: the first backend, Python source through ``compile()``.

``codegen`` writes a function's source and lists the libcalls and constants
it needs; this binds them as the function's closure (never as globals looked
up per instruction) and hands the source to ``pycompile``, the only caller
of ``compile()``, under a readable ``wasm://`` file name, under which its
line map is registered for backtraces (``frames``). With a code cache, a
function found there is loaded instead of generated and compiled, and one
compiled here is recorded there (``code_record``).

ModuleCodes of one decoded module under other code-generation options
(the fuzzing oracles run lazy and eager tables side by side) share each
function whose code those options do not change (``share_key``): it is
generated and compiled once, and each ModuleCode binds its own copy. The
code remembered across modules (``twins``) is filed under each of those
option sets too.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import replace
from typing import Callable

from ...binary.opcodes import CALL_INDIRECT, RETURN_CALL_INDIRECT
from ...errors import WasmtimeError
from . import code_record, frames, pycompile, twins
from .code_record import CompiledUnit
from ..compiler import Registration
from .codegen import LAYOUTS, NAN_PRODUCERS, CodegenOptions, emit
from .simd_ops import is_relaxed

# The instructions whose code reads a table element in line, and so checks for
# an uninitialised one when ``CodegenOptions.lazy_tables`` is on (codegen's
# ``indirect_target``); every other table access is a libcall, the same either way.
_INLINE_TABLE_READS = frozenset((CALL_INDIRECT, RETURN_CALL_INDIRECT))
# option -> whether an instruction (opcode) generates other code under it (``share_key``)
UNUSED_OPTIONS = {
    "lazy_tables": _INLINE_TABLE_READS.__contains__,
    "nan_canonicalization": NAN_PRODUCERS.__contains__,
    "relaxed_simd_deterministic": is_relaxed,
}


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
        lent = code.shared.get((funcidx, code.options))
        if lent is None:
            lent = self._lend(code, funcidx)
        unit, filename, _ = lent
        bindings = {n: code.libcalls[n] for n in unit.needs}
        bindings.update(unit.consts)
        return pycompile.load(unit.code, unit.source, filename, code.namespace, f"_make_f{funcidx}", bindings)

    def _lend(self, code, funcidx: int) -> tuple[CompiledUnit, str, Registration]:
        """Function ``funcidx`` compiled, loaded from the code cache or found
        compiled by a ModuleCode sharing ``code.shared``, with the file name
        its code and line map are registered under and the lender's
        ``registration`` (which keeps that file name taken). Filed under the
        function's options and, when generated, under its ``share_key`` too.
        A function loaded from the cache, or found generated for another
        module (``twins``), is filed under its options only: working out its
        ``share_key`` would decode the body they spared."""
        info, shared = code.info, code.shared
        record = code.cache.get(funcidx) if code.cache is not None else None
        filename = self._filename(code, funcidx) if record is not None else None
        unit = code_record.load(record, filename, info.name, info.func_names) if record is not None else None
        if unit is None:
            twin_key = twins.key(info, funcidx, code.options)
            if twins.holds(twin_key):
                filename = filename or self._filename(code, funcidx)
                unit = twins.find(twin_key, info, funcidx, filename)
            if unit is None:
                key = (funcidx, share_key(info, funcidx, code.options))
                if key in shared:
                    lent = shared[(funcidx, code.options)] = shared[key]
                    return lent
                filename = filename or self._filename(code, funcidx)
                unit = self._generate(code, funcidx, filename)
                twins.put(twin_key, unit)
                if twin_key is not None:  # the same code for the settings it does not depend on
                    for options in same_code(code.options, key[1]):
                        twins.put(twin_key.under(options), unit)
                shared[key] = (unit, filename, code.registration)
            if code.cache is not None and (record := code_record.dump(unit)) is not None:
                code.cache.put(funcidx, record)
        frames.register(filename, unit.line_map)
        lent = shared[(funcidx, code.options)] = (unit, filename, code.registration)
        return lent

    @staticmethod
    def _filename(code, funcidx: int) -> str:
        """A new file name for function ``funcidx``'s code, taken by ``code``."""
        filename = pycompile.unique_filename(code.name, funcidx, code.info.func_names.get(funcidx))
        code.filenames.append(filename)
        return filename

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


def share_key(info, funcidx: int, options: CodegenOptions) -> CodegenOptions:
    """The options the code of function ``funcidx`` depends on: all of them,
    each of ``UNUSED_OPTIONS`` made None where the body has no instruction
    it changes: a program's integer functions are the same code with NaN
    canonicalization on or off (the mutate target compiled the same C
    function again under each of a dozen option sets)."""
    ops = {ins[0] for ins in info.code[funcidx - info.num_imported_funcs].code}
    unused = {name: None for name, matters in UNUSED_OPTIONS.items() if not any(map(matters, ops))}
    return replace(options, **unused) if unused else options


def same_code(options: CodegenOptions, shared: CodegenOptions) -> list[CodegenOptions]:
    """The other option sets whose code for a function is that of ``options``,
    given its ``share_key`` ``shared``."""
    unused = [name for name in UNUSED_OPTIONS if getattr(shared, name) is None]
    every = (replace(options, **dict(zip(unused, values)))
             for values in itertools.product((False, True), repeat=len(unused)))
    return [other for other in every if other != options]
