"""Code generated for a function of one module, reused for the same function of another.

A fuzz campaign compiles the same functions over and over in modules that
differ elsewhere: wasm-mutate changes one function of a C program and leaves
the rest, a mutated fuzz input regenerates the module it made before, a
semantics check compiles the unmutated program again for every rewrite.
Wasmtime's answer is its incremental compilation cache, which keys Cranelift's
output by the function's contents; this is the same for generated Python.

A function's code depends on its own bytes (locals and instructions), its
index (it is named by it), the code-generation options and what it names
elsewhere in the module: types, imports, tables, memories and tags, which
the decoder digests whole as ``ModuleInfo.code_context``
(``decode.CODE_CONTEXT_SECTIONS``), and of the defined functions and
globals only those it names: its own type and those of the functions it
calls or references, and the types of the globals it reads or writes
(``named``). So a mutation that adds a function or a global, or changes
another global's initial value (half of the mutate target's rewrites of
C programs changed the function or global section), leaves every other
function's code reusable. The test ``test_twins`` checks that code
generation reads nothing else. The key is a digest of all of them. What
differs between twins is only where the body sits in its module: the line
map, whose offsets are moved by that distance, and the file name, under
which the code object is filed again.

Off by default (a runtime does not keep code after its module is freed
unless asked): a fuzz campaign's entry points turn it on (``keep``, ``kept``),
never an import, since a test that plants a bug in the code generator must
not be handed code generated before it did.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from contextlib import contextmanager

from ...errors import NO_OFFSET
from .body_scan import named
from .code_record import CompiledUnit, refile
from .frames import LineMap

_units: OrderedDict[bytes, CompiledUnit] = OrderedDict()  # by Key.named, least recently used first
_wholes: dict[bytes, bytes] = {}  # Key.whole -> Key.named of the code found or made under it
# One unit is filed under each option set its code does not depend on (backend.same_code): up
# to a dozen keys. It is counted against the budget once, while any of them holds it.
_filings: dict[int, int] = {}  # id(unit) -> the keys in _units that hold it
_capacity = 0  # keys: functions under one option set each
_budget = 0  # characters of generated source, which the size of a function's code follows
_held = 0  # characters of source of the distinct units remembered
_stats = {"hits": 0, "misses": 0}


def keep(functions: int, source_chars: int = 32 << 20) -> None:
    """Remember the code of up to ``functions`` functions across modules, of at
    most ``source_chars`` characters of generated source in all (0: none, the default)."""
    global _capacity, _budget
    _capacity, _budget = functions, source_chars
    _trim()


@contextmanager
def kept(functions: int):
    """``keep(functions)`` for the ``with`` block; then as before, and what it kept forgotten."""
    before = (_capacity, _budget)
    keep(functions)
    try:
        yield
    finally:
        keep(0)
        keep(*before)


def _trim() -> None:
    while _units and (len(_units) > _capacity or _held > _budget):
        _release(_units.popitem(last=False)[1])
    while len(_wholes) > 2 * _capacity:  # oldest first; an alias whose code is gone finds nothing anyway
        del _wholes[next(iter(_wholes))]


def stats() -> dict[str, int]:
    """Lookups that found a twin and that did not, since the process started."""
    return dict(_stats)


class Key:
    """Function ``funcidx``'s key two ways. ``whole`` digests the function and
    global sections whole (``ModuleInfo.defined_context``) and costs a hash:
    it finds the code of a module met again. ``named`` digests only the
    entries the body names and decodes the body to find them: it finds the
    code of a function whose module gained a function or a global. ``named``
    is worked out only when ``whole`` finds nothing."""

    __slots__ = ("whole", "_base", "_info", "_funcidx", "_named", "_names")

    def __init__(self, info, funcidx: int, options, names: bytes | None = None):
        h = hashlib.blake2b(info.code_context, digest_size=16)
        h.update(funcidx.to_bytes(4, "little"))
        h.update(repr(options).encode())
        h.update(info.code[funcidx - info.num_imported_funcs].raw)
        whole = h.copy()
        whole.update(info.defined_context)
        self.whole, self._base, self._info, self._funcidx, self._named = whole.digest(), h, info, funcidx, None
        self._names = names  # ``_named``'s bytes, once worked out

    @property
    def named(self) -> bytes:
        if self._named is None:
            if self._names is None:
                self._names = _named(self._info, self._funcidx)
            self._base.update(self._names)
            self._named = self._base.digest()
        return self._named

    def under(self, options) -> "Key":
        """The same function's key under other ``options``, sharing what its
        body names (worked out once, not again for each option set)."""
        return Key(self._info, self._funcidx, options, self._names)


def key(info, funcidx: int, options) -> Key | None:
    """The key of function ``funcidx``'s code under ``options``; None when not remembering,
    or when the module was not decoded from bytes (no context digest)."""
    if not _capacity or not info.code_context:
        return None
    return Key(info, funcidx, options)


def holds(twin_key: Key | None) -> bool:
    """Whether code is remembered under ``twin_key`` (never under None)."""
    if twin_key is None:
        return False
    found = _wholes.get(twin_key.whole) in _units or twin_key.named in _units
    _stats["hits" if found else "misses"] += 1
    return found


def find(twin_key: Key, info, funcidx: int, filename: str) -> CompiledUnit:
    """The code remembered under ``twin_key`` (which it ``holds``), for function
    ``funcidx`` of ``info``, filed under ``filename``."""
    named = _wholes.get(twin_key.whole)
    if named not in _units:
        named = _wholes[twin_key.whole] = twin_key.named
    unit = _units[named]
    _units.move_to_end(named)
    m = unit.line_map
    start = info.code[funcidx - info.num_imported_funcs].start
    delta = start - m.start
    offsets = [o if o == NO_OFFSET else o + delta for o in m.offsets]
    line_map = LineMap(info.name, funcidx, info.func_names, start, offsets, m.accesses, m.calls)
    return CompiledUnit(refile(unit.code, filename), unit.source, unit.needs, unit.consts, line_map)


def put(twin_key: Key | None, unit: CompiledUnit) -> None:
    """Remember ``unit`` under ``twin_key`` (nothing when None), forgetting the least recently used."""
    global _held
    if twin_key is None:
        return
    _wholes[twin_key.whole] = twin_key.named
    if twin_key.named in _units:
        return
    _units[twin_key.named] = unit
    filed = _filings.get(id(unit), 0)
    if not filed:
        _held += len(unit.source)
    _filings[id(unit)] = filed + 1
    _trim()


def _release(unit: CompiledUnit) -> None:
    """One key of ``unit``'s is gone; the last one takes its source off the budget."""
    global _held
    left = _filings.pop(id(unit)) - 1
    if left:
        _filings[id(unit)] = left
    else:
        _held -= len(unit.source)


def _named(info, funcidx: int) -> bytes:
    """What function ``funcidx``'s code reads of the defined functions and
    globals it names: their type indices and the globals' types (imported
    ones are in the code context already)."""
    nfuncs, nglobals = info.num_imported_funcs, info.num_imported_globals
    funcs, globals_ = named(info.code[funcidx - nfuncs].code, funcidx)
    return repr(([(f, info.funcs[f - nfuncs]) for f in sorted(funcs) if f >= nfuncs],
                 [(g, info.globals[g - nglobals].sig) for g in sorted(globals_) if g >= nglobals])).encode()
