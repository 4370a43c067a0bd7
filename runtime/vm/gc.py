"""GC objects at run time, and the GC operations generated code calls.

The representation, chosen for speed in generated Python:

- a struct is a ``GcStruct``: its canonical type id (``type_registry``), a
  list of field values and the store that made it (``owner``, its
  ``StoreContext``: a GC reference handed to another store's Wasm is
  refused at the API, as Wasmtime refuses it); an array is a ``GcArray``: the
  type id, its elements and the owner: an integer or f64 array's in an
  ``array.array`` of that width, so it takes the memory it takes in
  Wasmtime, an f32 or reference array's in a list. Packed fields and elements hold
  their unsigned value; ``get_s`` sign-extends. Python's collector frees what Wasm drops,
  cycles included (both classes take part in its cycle detection).
- an ``i31ref`` is a plain Python int (its 31 bits, unsigned): no
  allocation, and ``ref.eq`` compares it by value. No other reference in
  the ``any`` hierarchy is an int, because a host value entering it through
  ``any.convert_extern`` is wrapped (``ExternAny``), as an internal
  reference leaving it through ``extern.convert_any`` is (``AnyExtern``);
  converting back unwraps, so the round trip gives the same reference.
- a cast to a defined type is one index and one compare on the type's
  supertype display (``type_registry.is_subtype``), as in Wasmtime.
"""

from __future__ import annotations

import sys
from array import array

from ..binary import reftypes
from ..binary.module_info import I8, I16
from ..binary.opcodes import F32, F64, I32, I64, OPS, V128
from ..binary.type_registry import is_subtype
from ..binary.values import f32_from_bits
from ..errors import Trap, TrapCode, WasmtimeError
from .funcref import FuncRef

# Bytes an array made by array.new may take: wasmfuzz's own bound, 128 MiB
# (2**27 i8 elements, 2**24 i64, or 2**24 elements of a list: references, f32
# and v128 take eight bytes an element there). Wasmtime 50 by default makes
# larger arrays (2**28 i64 elements, probed), bounded by its GC heap and the
# store's limits; past the bound wasmfuzz traps ALLOCATION_TOO_LARGE, a
# difference the oracles name (oracles.allowed.non_deterministic). A fuzz
# input runs its module four or five times in one process, and libFuzzer stops
# a campaign at 2 GB: a global's 117,728,134-element reference array (942 MB
# a copy as a list) did, and a 106-million-element i8 array took 510 MB.
MAX_ARRAY_BYTES = 1 << 27


class GcStruct:
    __slots__ = ("type_id", "fields", "owner")

    def __init__(self, type_id: int, fields: list, owner):
        self.type_id = type_id
        self.fields = fields
        self.owner = owner


class GcArray:
    __slots__ = ("type_id", "elems", "owner")

    def __init__(self, type_id: int, elems: list, owner):
        self.type_id = type_id
        self.elems = elems
        self.owner = owner


class ExternAny:
    """A host (extern) value inside the ``any`` hierarchy."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class AnyExtern:
    """An internal (``any``) reference handed out as an ``externref``."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def any_convert_extern(e):
    if e is None:
        return None
    return e.value if type(e) is AnyExtern else ExternAny(e)


def extern_convert_any(a):
    if a is None:
        return None
    return a.value if type(a) is ExternAny else AnyExtern(a)


_ABSTRACT = {
    reftypes.HT_ANY: lambda v: True, reftypes.HT_FUNC: lambda v: True, reftypes.HT_EXTERN: lambda v: True,
    reftypes.HT_EXN: lambda v: True,
    reftypes.HT_EQ: lambda v: type(v) in (int, GcStruct, GcArray),
    reftypes.HT_I31: lambda v: type(v) is int,
    reftypes.HT_STRUCT: lambda v: type(v) is GcStruct,
    reftypes.HT_ARRAY: lambda v: type(v) is GcArray,
}


def ref_test(v, heap: int, nullable: bool) -> bool:
    """Whether reference ``v`` is of type ``(ref null? heap)`` (``heap`` a
    heap code of ``reftypes``: abstract, or CONCRETE plus a type id)."""
    if heap >= reftypes.CONCRETE:
        return ref_test_id(v, heap - reftypes.CONCRETE, nullable)
    if v is None:
        return nullable
    test = _ABSTRACT.get(heap)
    return test is not None and test(v)  # a bottom type (none, nofunc, ...) holds only null


def ref_test_id(v, type_id: int, nullable: bool) -> bool:
    """``ref_test`` for a defined type, named by its canonical id: what
    generated code calls for a cast to one (its id a closure binding)."""
    if v is None:
        return nullable
    kind = type(v)
    if kind is GcStruct or kind is GcArray:
        return is_subtype(v.type_id, type_id)
    return kind is FuncRef and is_subtype(v.sig, type_id)


def ref_cast(v, heap: int, nullable: bool):
    if not ref_test(v, heap, nullable):
        raise Trap.from_code(TrapCode.CAST_FAILURE)
    return v


def ref_cast_id(v, type_id: int, nullable: bool):
    if not ref_test_id(v, type_id, nullable):
        raise Trap.from_code(TrapCode.CAST_FAILURE)
    return v


def _null() -> Trap:
    return Trap.from_code(TrapCode.NULL_REFERENCE)


def _bounds(length: int, offset: int, n: int) -> None:
    if offset + n > length:
        raise Trap.from_code(TrapCode.ARRAY_OUT_OF_BOUNDS)


def _typecode(storage: int) -> str | None:
    """How an array of ``storage`` type holds its elements: an array of
    integers or f64 values in an ``array.array`` of their width, one to eight
    bytes an element as in Wasmtime's GC heap, where a list takes eight (a fuzz
    input's three 127-million-element i16 arrays took 2.9 GB as lists, one
    84-million-element i32 array 2.3 GB over an input's executions); f32 and
    reference arrays in a list (None): a C float would quiet a signalling NaN,
    and references are objects."""
    return _TYPECODES.get(storage)


# Unsigned integers (as the runtime holds i8 to i64 values) and doubles (bit for bit).
_TYPECODES = {I8: "B", I16: "H", I32: "I" if array("I").itemsize == 4 else "L", I64: "Q", F64: "d"}
_WIDTHS = {code: array(code).itemsize for code in _TYPECODES.values()} | {None: 8}  # a list's: a pointer


def _repeat(code: str | None, value, n: int):
    return array(code, (value,)) * n if code else [value] * n


def array_new(type_id: int, storage: int, value, n: int, owner) -> GcArray:
    code = _typecode(storage)
    if n * _WIDTHS[code] > MAX_ARRAY_BYTES:
        raise Trap.from_code(TrapCode.ALLOCATION_TOO_LARGE)
    return GcArray(type_id, _repeat(code, value, n), owner)


def array_new_fixed(type_id: int, storage: int, values: list, owner) -> GcArray:
    code = _typecode(storage)
    return GcArray(type_id, array(code, values) if code else values, owner)


_SIZES = {I8: 1, I16: 2, I32: 4, F32: 4, I64: 8, F64: 8, V128: 16}


def _decode(storage: int, raw: bytes, n: int) -> list | array:
    code = _typecode(storage)
    if code:
        packed = array(code)
        packed.frombytes(raw)
        if sys.byteorder == "big":  # Wasm data is little-endian
            packed.byteswap()
        return packed
    size = _SIZES[storage]
    ints = [int.from_bytes(raw[k * size:(k + 1) * size], "little") for k in range(n)]
    return [f32_from_bits(b) for b in ints] if storage == F32 else ints


def data_items(vm, storage: int, data: int, offset: int, n: int) -> list:
    """``n`` elements of ``storage`` type read from data segment ``data`` at byte ``offset``."""
    raw = vm.datas[data]
    end = offset + n * _SIZES[storage]
    if end > len(raw):
        raise Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)
    return _decode(storage, raw[offset:end], n)


def elem_items(vm, elem: int, offset: int, n: int) -> tuple:
    items = vm.elem_items(elem)
    if offset + n > len(items):
        raise Trap.from_code(TrapCode.TABLE_OUT_OF_BOUNDS)
    return items[offset:offset + n]


def array_new_data(type_id: int, storage: int, vm, data: int, offset: int, n: int) -> GcArray:
    return GcArray(type_id, data_items(vm, storage, data, offset, n), vm.ctx)  # as long as the segment allows


def array_new_elem(type_id: int, vm, elem: int, offset: int, n: int) -> GcArray:
    return GcArray(type_id, list(elem_items(vm, elem, offset, n)), vm.ctx)


def array_fill(a, offset: int, value, n: int) -> None:
    if a is None:
        raise _null()
    _bounds(len(a.elems), offset, n)
    a.elems[offset:offset + n] = _repeat(a.elems.typecode if type(a.elems) is array else None, value, n)


def array_copy(dst, d: int, src, s: int, n: int) -> None:
    if dst is None or src is None:
        raise _null()
    _bounds(len(dst.elems), d, n)
    _bounds(len(src.elems), s, n)
    dst.elems[d:d + n] = src.elems[s:s + n]  # the slice is a copy: overlaps are safe


def array_init_data(a, storage: int, vm, d: int, data: int, s: int, n: int) -> None:
    if a is None:
        raise _null()
    _bounds(len(a.elems), d, n)
    a.elems[d:d + n] = data_items(vm, storage, data, s, n)


def array_init_elem(a, vm, d: int, elem: int, s: int, n: int) -> None:
    if a is None:
        raise _null()
    _bounds(len(a.elems), d, n)
    a.elems[d:d + n] = elem_items(vm, elem, s, n)


LIBCALLS = {
    "_GcStruct": GcStruct, "_ref_test": ref_test, "_ref_cast": ref_cast, "_ref_test_id": ref_test_id,
    "_ref_cast_id": ref_cast_id,
    "_any_convert_extern": any_convert_extern, "_extern_convert_any": extern_convert_any,
    "_array_new": array_new, "_array_new_fixed": array_new_fixed, "_array_new_data": array_new_data,
    "_array_new_elem": array_new_elem,
    "_array_fill": array_fill, "_array_copy": array_copy, "_array_init_data": array_init_data,
    "_array_init_elem": array_init_elem, "_is_subtype": is_subtype,
}


def const_op(vm, ins: tuple, stack: list) -> None:
    """A GC instruction of a constant expression, on its value stack."""
    info = vm.info
    name = OPS[ins[0]].name
    if name in ("any.convert_extern", "extern.convert_any", "ref.i31"):
        v = stack.pop()
        stack.append(any_convert_extern(v) if name == "any.convert_extern" else
                     extern_convert_any(v) if name == "extern.convert_any" else v & 0x7FFFFFFF)
        return
    type_id, comp = info.type_ids[ins[1]], info.types[ins[1]]
    if name == "struct.new_default":
        stack.append(GcStruct(type_id, [default(f.storage) for f in comp.fields], vm.ctx))
        return
    if name == "struct.new":
        n = len(comp.fields)
        values = [_pack(f.storage, v) for f, v in zip(comp.fields, stack[len(stack) - n:])]
        del stack[len(stack) - n:]
        stack.append(GcStruct(type_id, values, vm.ctx))
        return
    storage = comp.field.storage
    if name == "array.new_fixed":
        n = ins[2]
        values = [_pack(storage, v) for v in stack[len(stack) - n:]]
        del stack[len(stack) - n:]
        stack.append(array_new_fixed(type_id, storage, values, vm.ctx))
        return
    n = stack.pop()
    value = _pack(storage, stack.pop()) if name == "array.new" else default(storage)
    stack.append(array_new(type_id, storage, value, n, vm.ctx))
    vm.const_elements += n  # charged as fuel by the instantiation (Wasmtime charges array.new its length)
    if n > 128:  # and checks fuel after an array of more than 128 elements, as after a segment
        vm.const_checked = vm.const_elements


def _pack(storage: int, v):
    return v & 0xFF if storage == I8 else v & 0xFFFF if storage == I16 else v


def default(storage: int):
    """The value a field or element of ``storage`` type starts with."""
    return 0.0 if storage in (F32, F64) else None if reftypes.is_ref(storage) else 0


def internalize(v, code: int, owner):
    """A host value passed where the ``any`` hierarchy is expected, into the
    store whose context is ``owner``: a GC object or i31 as it is (an int
    becomes an i31), any other value wrapped as ``any.convert_extern`` would;
    TypeError if it is not of type ``code``, WasmtimeError if it is another
    store's object."""
    kind = type(v)
    if kind is int:
        v &= 0x7FFFFFFF
    elif kind is GcStruct or kind is GcArray:
        if v.owner is not owner:
            raise WasmtimeError("a GC reference of one store cannot be used in another")
    else:
        v = ExternAny(v)
    if not ref_test(v, reftypes.heap_of(code), True):
        raise TypeError(f"{v!r} is not a value of type {reftypes.type_name(code)}")
    return v


def externalize(v):
    """What the host sees of a reference of the ``any`` hierarchy: a host value unwrapped."""
    return v.value if type(v) is ExternAny else v
