"""One compiled function as the code cache keeps it, and back.

A function needs more than its code object to run and to explain a trap:
the libcall names its factory binds, its constants, its line map (for
backtraces, ``frames``) and its source (for ``linecache``, so tracebacks
show the generated lines). All of it is marshalled as plain tuples;
a function whose constants marshal cannot hold is not recorded. A code
object is loaded under the fresh file name of the module loading it, since
``frames`` and ``linecache`` key on ``co_filename``.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass
from types import CodeType

from .frames import LineMap, MemoryAccess


@dataclass(frozen=True, slots=True)
class CompiledUnit:
    """What ``pycompile.load`` needs to make a function of a module."""

    code: CodeType  # the module-level code defining the function's factory
    source: str
    needs: tuple[str, ...]  # libcall names the factory binds
    consts: dict[str, object]
    line_map: LineMap


def dump(unit: CompiledUnit) -> bytes | None:
    """The record of ``unit``, or None if marshal cannot hold it."""
    m = unit.line_map
    accesses = tuple((line, a.address, a.size, a.offset, a.memory, a.is64) for line, a in m.accesses.items())
    try:
        return marshal.dumps((unit.code, unit.source, unit.needs, tuple(unit.consts.items()), m.func_index, m.start,
                              tuple(m.offsets), accesses, tuple(m.calls.items())))
    except ValueError:
        return None


def load(record: bytes, filename: str, module_name: str | None, func_names: dict[int, str]) -> CompiledUnit | None:
    """The unit in ``record``, filed under ``filename``; None if the record is not one."""
    try:
        code, source, needs, consts, func_index, start, offsets, accesses, calls = marshal.loads(record)
        line_map = LineMap(module_name, func_index, func_names, start, list(offsets),
                           {line: MemoryAccess(*rest) for line, *rest in accesses}, dict(calls))
        return CompiledUnit(refile(code, filename), source, tuple(needs), dict(consts), line_map)
    except (ValueError, EOFError, TypeError):
        return None


def refile(code: CodeType, filename: str) -> CodeType:
    """``code`` and the code objects nested in it, with ``co_filename`` = ``filename``."""
    consts = tuple(refile(c, filename) if isinstance(c, CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)
