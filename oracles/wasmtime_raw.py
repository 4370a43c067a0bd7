"""wasmtime-py's C bindings used directly, where its Python layer is most of the cost.

The oracles drive Wasmtime through wasmtime-py, whose Python layer asks the
engine for a function's type on every call and converts each argument by
comparing freshly made ``ValType`` objects with the one it expects (each
comparison two calls into the engine, each object one more to free): an
exported call cost about 0.4 ms, a third of the epoch target's time. Reading
a table built a ``Val`` and a ``Func`` for every element. The comparison
already knows every type (``ExportInfo``), so here the same C calls are
made with it: ``call`` does what ``Func.__call__`` does (the same
``wasmtime_func_call``, traps and host exceptions raised by wasmtime-py's
own ``enter_wasm``, results read by its own ``Val._from_raw``), and
``table_values`` what ``Table.get`` does for a whole table.

Only wasmtime-py 50's private names are used (``Func._func``,
``Table._table``, ``Store._context``, ``wasmtime._ffi``); the test suite
checks both paths agree (``tests/harness/test_oracles.py``).
"""

from __future__ import annotations

import ctypes

from wasmtime import Func, Val, WasmtimeError
from wasmtime import _ffi as ffi
from wasmtime._func import enter_wasm

from .values import NUMBERS, Value

_KINDS = {"i32": ffi.WASMTIME_I32.value, "i64": ffi.WASMTIME_I64.value, "f32": ffi.WASMTIME_F32.value,
          "f64": ffi.WASMTIME_F64.value, "funcref": ffi.WASMTIME_FUNCREF.value,
          "externref": ffi.WASMTIME_EXTERNREF.value}
NULL_KEY = ("null",)


def func_key(raw) -> tuple[int, int]:
    """A ``wasmtime_func_t`` as a key: the same function of a store always reads back the same."""
    return raw.store_id, getattr(raw, "__private")


def callable_with(params: tuple[str, ...], results: tuple[str, ...]) -> bool:
    """Whether ``call`` can make a call of this type: numbers and null references in, anything out."""
    return all(t in _KINDS for t in params + results)


def call(store, func, params: tuple[str, ...], results: tuple[str, ...], args: list):
    """``func(store, *args)`` as wasmtime-py's ``Func.__call__`` makes it, for a
    function of type ``params -> results`` (``callable_with``): None, one
    value, or a list. References passed are null (the oracles pass no other)."""
    raw = (ffi.wasmtime_val_t * len(params))()
    for slot, type_, arg in zip(raw, params, args):
        slot.kind = _KINDS[type_]
        if type_ in NUMBERS:
            setattr(slot.of, type_, arg)
        elif arg is not None:
            raise WasmtimeError(f"only null references are passed here, not {arg!r}")
    out = (ffi.wasmtime_val_t * len(results))()
    with enter_wasm(store) as trap:
        error = ffi.wasmtime_func_call(store._context(), ctypes.byref(func._func), raw, len(params), out,
                                       len(results), trap)
        if error:
            raise WasmtimeError._from_ptr(error)
    values = [Val._from_raw(store, out[i]).value for i in range(len(results))]
    return None if not values else values[0] if len(values) == 1 else values


def table_values(store, table, elem: str, refs: dict, value_of) -> tuple[Value, ...]:
    """A funcref or externref table's elements as ``Table.get`` reads them,
    minus the ``Val`` (and ``Func``, or host object) it builds for every
    element, two thirds of reading a table: a Func is made only for a
    function not in ``refs`` (keyed by ``func_key``, as results are) and
    turned into a Value by
    ``value_of``; an externref is null or not by whether it has host data,
    as ``Val._from_raw`` decides."""
    raw = ffi.wasmtime_val_t()
    context, where, into = store._context(), ctypes.byref(table._table), ctypes.byref(raw)
    kind = _KINDS[elem]
    extern_values = (Value.of("externref", None), Value("externref", None, "ref"))
    values = []
    for i in range(table.size(store)):
        if not ffi.wasmtime_table_get(context, where, i, into) or raw.kind != kind:
            raise WasmtimeError(f"{elem} table element {i} did not read back as one")
        if elem == "externref":
            values.append(extern_values[bool(raw.of.externref)
                                        and bool(ffi.wasmtime_externref_data(context, raw.of.externref))])
            ffi.wasmtime_val_unroot(into)
            continue
        f = raw.of.funcref
        key = func_key(f) if f.store_id else NULL_KEY
        value = refs.get(key)
        if value is None:
            value = refs[key] = value_of(Func._from_raw(ffi.wasmtime_func_t(*key)) if f.store_id else None)
        values.append(value)
    return tuple(values)
