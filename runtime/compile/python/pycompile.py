"""The one place generated Python is compiled.

Source is entered in ``linecache`` under a readable, unique filename
(``wasm://<module>/func[<index>]``) before it is compiled, so tracebacks,
debuggers and profilers show the generated lines. No mtime is stored, so
``linecache.checkcache`` never evicts the entry; ``forget`` removes a
module's entries when the module itself is freed (a long fuzz campaign
compiles many thousands of modules). Code loaded from the code cache
is registered the same way, without being compiled.

A filename stays taken until ``forget``, even if someone else has cleared
``linecache`` (the fuzz targets do after every input): the backtrace line
maps (``frames``) are filed under the same name, and a live module must
never share one with another.
"""

from __future__ import annotations

import itertools
import linecache
import warnings

_seq = itertools.count()
_taken: set[str] = set()  # the filenames handed out and not yet forgotten


def unique_filename(module_name: str, funcidx: int, func_name: str | None = None) -> str:
    base = f"wasm://{module_name}/func[{funcidx}]"
    if func_name:
        base += f"<{func_name}>"
    name = base
    while name in _taken or name in linecache.cache:
        name = f"{base}#{next(_seq)}"
    _taken.add(name)
    return name


def forget(filenames: list[str]) -> None:
    """Drop generated source from ``linecache`` (called when its module is freed)."""
    for name in filenames:
        linecache.cache.pop(name, None)
        _taken.discard(name)


def compile_source(source: str, filename: str):
    """The code object of ``source``, compiled under ``filename``. CPython
    warns about ``is`` with a constant, which generated code holds when an
    operand folds to one (``ref.is_null`` of ``ref.i31 5``); the test is
    still right, so the warning is not printed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        return compile(source, filename, "exec")


def load(code, source: str, filename: str, namespace: dict, factory: str, bindings: dict):
    """Register ``source`` under ``filename``, run ``code`` (its compiled form,
    filed under ``filename``) in ``namespace`` and call the factory it defines
    with ``bindings``; returns what the factory returns."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(code, namespace)
    make = namespace.pop(factory)
    return make(**bindings)
