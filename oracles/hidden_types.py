"""Keeping the value types wasmtime-py cannot show out of its sight.

wasmtime-py 50 aborts the whole process (a Rust panic, "support for v128
is not implemented", "support for non-externref and non-funcref references
is not implemented") whenever it converts a ``v128`` value type or a typed
reference (``(ref null? $t)``, ``(ref func)``, ...), and refuses ``exnref``
values: asking the type of an import or export that has one, reading such
a global, or asking the type of a function reference that points at a
function whose type has one. A fuzz campaign cannot survive that, so a
module with such a type anywhere is
compared with Wasmtime through the exports that cannot lead there:
memories, functions whose parameters and results are numbers other than
``v128``, and globals of those types. Tables, reference-typed globals and
functions with reference results are not exported then (any of them may
hold a reference to a v128 function). Both engines run the same rewritten
module, so nothing is compared on one side only; SIMD and reference
results still show in memories, in scalar results (lanes extracted,
``bitmask``, ``any_true``, ``ref.is_null``) and in traps and fuel. ``compare`` applies this to every
module it runs on Wasmtime, whatever generator made it (a tenth of a
millisecond a module). Imports are left alone: renumbering functions is
more than this rewrite does, so generators make SIMD modules without
imports (``fuzz.smith``).
"""

from __future__ import annotations

from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.features import ALL
from wasmfuzz.runtime.binary.module_info import FuncSig, StructType
from wasmfuzz.runtime.binary.opcodes import EXTERNREF, F32, F64, FUNCREF, I32, I64, V128
from wasmfuzz.runtime.binary.reftypes import is_ref
from wasmfuzz.runtime.errors import DecodeError

from .rewrite import RewriteError, exports, filter_exports

_NUMBERS = frozenset((I32, I64, F32, F64))
_FUNC, _MEMORY, _GLOBAL = 0x00, 0x02, 0x03


def _value_types(comp) -> tuple[int, ...]:
    """The value types a function, struct or array type names."""
    if isinstance(comp, FuncSig):
        return comp.params + comp.results
    return tuple(f.storage for f in (comp.fields if isinstance(comp, StructType) else (comp.field,)))


def _unshowable(t: int) -> bool:
    return t == V128 or (is_ref(t) and t not in (FUNCREF, EXTERNREF))


def hide_unshowable(wasm: bytes) -> bytes:
    """``wasm`` with only the exports wasmtime-py can use safely, when any
    type in it is one wasmtime-py cannot show; unchanged otherwise, and
    unchanged when it does not decode (both engines then reject it on their own)."""
    try:
        info = decode_module(wasm, ALL, lazy_bodies=True)
    except DecodeError:
        return wasm
    types = [t for comp in info.types for t in _value_types(comp)]
    types += [g.type for g in info.global_sigs()] + [t.elem for t in info.table_sigs()]
    if not any(map(_unshowable, types)):
        return wasm
    globals_ = info.global_sigs()

    def keep(_name: bytes, kind: int, index: int) -> bool:
        if kind == _MEMORY:
            return True
        if kind == _FUNC:
            sig = info.func_sig(index)
            return set(sig.params + sig.results) <= _NUMBERS
        return kind == _GLOBAL and globals_[index].type in _NUMBERS
    try:
        return filter_exports(wasm, keep)
    except (IndexError, RewriteError):  # an export of an index the module lacks: invalid, rejected by both
        return wasm


def hide_as(wasm: bytes, shown: bytes) -> bytes:
    """``wasm`` exporting only the names ``shown`` exports, when ``shown`` is a
    module ``hide_unshowable`` kept exports from: a rewrite's original, seen
    through what its rewrite shows Wasmtime, so that both export the same
    (wasm-mutate sometimes adds a v128 function to a seed that has none).
    Unchanged when either does not decode (the comparison then says why)."""
    try:
        names = {name for name, _, _ in exports(shown)}
        return filter_exports(wasm, lambda name, _kind, _index: name in names)
    except (IndexError, RewriteError):
        return wasm
