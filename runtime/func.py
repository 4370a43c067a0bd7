"""``Func`` and ``Caller``: the boundary where host and Wasm call each other.

``Func.__call__`` is the one place a Wasm call starts from the host. It
converts arguments, runs the code, and turns what can only be guest
behaviour into ``Trap``: an out-of-range memory access surfaces from the
generated code as ``IndexError``/``struct.error``/``OverflowError`` (bounds
checks are the buffer's own), unbounded recursion as ``RecursionError``.
Exceptions raised by host functions are carried across Wasm frames wrapped
in ``HostError`` so they are never mistaken for guest behaviour, and
re-raised unchanged to the caller, as wasmtime-py does. The value
conversions of that boundary (``to_wasm``, ``from_wasm``) are here too,
since a funcref crosses it as a ``Func``.
"""

from __future__ import annotations

import struct
import weakref

from .binary.module_info import FuncSig
from .binary.opcodes import F32, F64, FUNCREF, I32, I64, TYPE_NAMES, V128
from .binary.reftypes import HT_ANY, HT_EXN, HT_FUNC, concrete, is_nullable, is_ref, matches, top_of, type_name
from .binary.values import MASK32, MASK64, MASK128, to_f32
from .arguments import StoreLike, expect
from .compile.python.frames import attach_backtrace
from .errors import Trap, TrapCode, WasmtimeError
from .types import FuncType
from .value import Val
from .vm import gc
from .vm.exceptions import WasmException
from .vm.funcref import FuncRef

_GUEST_MEMORY_ERRORS = (struct.error, IndexError, OverflowError)


class HostError(Exception):
    """Carries an exception raised by a host function through Wasm frames."""

    def __init__(self, original: BaseException):
        super().__init__(original)
        self.original = original


def call_wasm(ref: FuncRef, args: list):
    """Run ``ref`` with Wasm-side ``args``; only Trap, WasmtimeError or a host
    function's own exception can leave."""
    try:
        return ref.code(ref.vm, *args)
    except Trap as t:
        if not t.frames and t.trap_code is not None:
            attach_backtrace(t, t.__traceback__)
        raise
    except HostError as h:
        raise h.original.with_traceback(h.original.__traceback__) from None
    except _GUEST_MEMORY_ERRORS as e:
        raise attach_backtrace(Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS), e.__traceback__) from None
    except RecursionError as e:
        raise attach_backtrace(Trap.from_code(TrapCode.STACK_OVERFLOW), e.__traceback__) from None
    except WasmException as e:  # uncaught: the host sees a trap without a code, as in wasmtime-py
        trap = Trap(str(e))
        trap.uncaught_exception = True
        raise attach_backtrace(trap, e.__traceback__) from None


class Func:
    """A function: exported from an instance, or defined by the host.

    ``Func(store, FuncType([...], [...]), callable, access_caller=False)``
    makes a host function; with ``access_caller`` the callable gets a
    ``Caller`` first. Calling a Func returns None, one value, or a list."""

    __slots__ = ("_ref", "_store", "__weakref__")

    def __init__(self, store, ty: FuncType, func, access_caller: bool = False):
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
        if not callable(func):
            raise TypeError("expected a callable")
        self._store = expect(store, StoreLike, "a Store")
        self._ref = host_funcref(store, ty._sig, func, access_caller)

    @classmethod
    def _from_ref(cls, store, ref: FuncRef) -> "Func":
        f = cls.__new__(cls)
        f._ref = ref
        f._store = store
        return f

    def type(self, store=None) -> FuncType:
        return FuncType._from_sig(self._ref.type)

    def __call__(self, store, *params):
        sig = self._ref.type
        if len(params) != len(sig.params):
            which = "many" if len(params) > len(sig.params) else "few"
            raise WasmtimeError(f"too {which} parameters provided: given {len(params)}, "
                                f"expected {len(sig.params)}")
        args = [to_wasm(t, p, store) for t, p in zip(sig.params, params)]
        result = call_wasm(self._ref, args)
        results = sig.results
        if not results:
            return None
        if len(results) == 1:
            return from_wasm(results[0], result, store)
        return [from_wasm(t, v, store) for t, v in zip(results, result)]

    async def call_async(self, store, *params):
        """Call from asyncio: the call runs on its own stack (a greenlet) and,
        with ``Store.epoch_deadline_async_yield_and_update``, yields to the
        event loop at each epoch deadline and resumes later with the result an
        uninterrupted call would have had."""
        from .vm.async_call import run_async
        return await run_async(self.__call__, store, *params)

    def __eq__(self, other) -> bool:
        return isinstance(other, Func) and other._ref is self._ref

    def __hash__(self) -> int:
        return id(self._ref)

    def __repr__(self) -> str:
        return f"<Func {self._ref.type}>"


class Caller(StoreLike):
    """What a host function defined with ``access_caller=True`` gets first:
    the exports of the calling instance (``caller["memory"]``, ``caller.get``).
    It stands for the store in calls made during the host call, and is
    invalidated when the host call returns or raises (``get`` then answers
    None), as in wasmtime-py: the instance it saw may be gone by then."""

    __slots__ = ("_vm", "_store")

    def __init__(self, vm, store):
        self._vm = vm
        self._store = store

    def _the_store(self):
        return self._store

    def get(self, name: str):
        if self._vm is None:
            return None
        return self._store._export(self._vm, name)

    def __getitem__(self, name: str):
        item = self.get(name)
        if item is None:
            raise KeyError(name)
        return item


def _signed32(v) -> int:
    v = int(v)
    return v - 0x100000000 if v & 0x80000000 else v


def _signed64(v) -> int:
    v = int(v)
    return v - 0x10000000000000000 if v & 0x8000000000000000 else v


# Wasm -> host conversions that need no store, by value type; others go through from_wasm.
_PLAIN_FROM_WASM = {I32: _signed32, I64: _signed64, F32: float, F64: float, V128: int}


def host_funcref(store, sig: FuncSig, func, access_caller: bool, caller_vm=None) -> FuncRef:
    """A FuncRef whose code runs the host callable ``func`` with converted values.

    Argument conversions are chosen once here, per parameter type, since a
    host function may be called millions of times (WASI calls are). The store
    is held weakly: instances hold their imports, and a store that instances
    pointed back to could only be freed by the cycle collector (see ``Store``)."""
    params, results = sig.params, sig.results
    plain = all(t in _PLAIN_FROM_WASM for t in params)
    if plain and not access_caller and all(t in _PLAIN_FROM_WASM for t in results):
        return FuncRef(_plain_host_code(func, tuple(params), tuple(results)), caller_vm, sig, None)
    store_ref = weakref.ref(store)
    converters = [_PLAIN_FROM_WASM.get(t) for t in params]

    def code(vm, *args):
        store = store_ref()
        try:
            if plain:
                pyargs = [c(a) for c, a in zip(converters, args)]
            else:
                pyargs = [from_wasm(t, a, store) for t, a in zip(params, args)]
            if access_caller:
                caller = Caller(vm, store)
                try:
                    out = func(caller, *pyargs)
                finally:
                    caller._vm = None
            else:
                out = func(*pyargs)
            return _host_results(results, out, store)
        except (Trap, HostError, RecursionError):
            raise
        except Exception as e:
            raise HostError(e) from None

    code.access_caller = access_caller  # instances rebind such imports to themselves
    return FuncRef(code, caller_vm, sig, None)


def _plain_host_code(func, params: tuple, results: tuple):
    """The code of a host function that takes and returns numbers only and no
    Caller: its conversions written out for its signature (compiled once per
    signature), where the general code packs the arguments, loops over their
    converters and looks its store up at every call (a call with no values
    cost 430 ns that way, one with two arguments and a result 930 ns). It
    behaves as the general code does: the same conversions, and whatever the
    function or its results raise wrapped in HostError."""
    make = _PLAIN_HOST_FACTORIES.get((params, results))
    if make is None:
        names = [f"a{i}" for i in range(len(params))]
        if len(results) == 1:
            ret = "return to_wasm(results[0], out)"
        else:  # none (a value returned is refused there) or several
            ret = "return None if out is None and not results else _host_results(results, out, None)"
        source = (f"def make(func, converters, results):\n"
                  f"    {''.join(f'c{i}, ' for i in range(len(params)))}_ = (*converters, None)\n"
                  f"    def code(vm{''.join(', ' + n for n in names)}):\n"
                  f"        try:\n"
                  f"            out = func({', '.join(f'c{i}({n})' for i, n in enumerate(names))})\n"
                  f"            {ret}\n"
                  f"        except (Trap, HostError, RecursionError):\n"
                  f"            raise\n"
                  f"        except Exception as e:\n"
                  f"            raise HostError(e) from None\n"
                  f"    code.access_caller = False\n"
                  f"    return code\n")
        namespace = {"Trap": Trap, "HostError": HostError, "to_wasm": to_wasm, "_host_results": _host_results}
        exec(compile(source, f"<host call {len(params)}->{len(results)}>", "exec"), namespace)
        make = _PLAIN_HOST_FACTORIES[(params, results)] = namespace["make"]
    return make(func, [_PLAIN_FROM_WASM[t] for t in params], results)


_PLAIN_HOST_FACTORIES: dict[tuple, object] = {}  # (params, results) -> make(func, converters, results)


def _host_results(results: tuple, out, store):
    if not results:
        if out is not None:
            raise WasmtimeError("host function returned a value but its type has no results")
        return None
    if len(results) == 1:
        return to_wasm(results[0], out, store)
    try:
        count = len(out)
    except TypeError:
        raise TypeError(f"a host function with {len(results)} results must return a sequence, "
                        f"not {type(out).__name__}") from None
    if count != len(results):
        raise WasmtimeError(f"wrong number of results: the host function returned {count}, "
                            f"its type has {len(results)}")
    return tuple(to_wasm(t, v, store) for t, v in zip(results, out))


# Integer-like value types -> the mask a host int is wrapped with (as wasmtime-py's C union wraps it).
_INT_MASKS = {I32: MASK32, I64: MASK64, V128: MASK128}


def to_wasm(code: int, v, store=None):
    """A host value (plain or ``Val``) as the Wasm value of type ``code``."""
    kind = type(v)
    if kind is int:  # the common cases first: this runs for every argument of every call
        mask = _INT_MASKS.get(code)
        if mask is not None:
            return v & mask
    elif kind is float:
        if code == F64:
            return v
        if code == F32:
            return to_f32(v)
    if isinstance(v, Val):
        if v._type.code != code:
            raise TypeError(f"expected a {TYPE_NAMES[code]} value, got {v._type}")
        v = v._value
    if code in _INT_MASKS:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"don't know how to convert {v!r} to {TYPE_NAMES[code]}")
        return v & _INT_MASKS[code]
    if code == F32 or code == F64:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise TypeError(f"don't know how to convert {v!r} to {TYPE_NAMES[code]}")
        return to_f32(float(v)) if code == F32 else float(v)
    if is_ref(code):
        return _ref_to_wasm(code, v, store)
    raise WasmtimeError(f"values of type {TYPE_NAMES.get(code, hex(code))} are not supported")


def _ref_to_wasm(code: int, v, store):
    """A host reference as a Wasm reference of type ``code``: a Func for the
    function types (of the right type, for a typed reference), anything for
    externref, an exception caught earlier for exnref; None if nullable."""
    if v is None:
        if not is_nullable(code):
            raise TypeError(f"null is not a value of type {type_name(code)}")
        return None
    top = top_of(code)
    if top == HT_FUNC:
        if not isinstance(v, Func):
            raise TypeError(f"don't know how to convert {v!r} to {type_name(code)}")
        if not matches(concrete(v._ref.sig, False), code):
            raise TypeError(f"a function of type {v._ref.type} is not a {type_name(code)}")
        return v._ref
    if top == HT_EXN and not isinstance(v, WasmException):
        raise TypeError(f"don't know how to convert {v!r} to {type_name(code)}")
    if top == HT_ANY:
        return gc.internalize(v, code, store._the_store()._ctx if store is not None else None)
    return v


def from_wasm(code: int, v, store=None):
    """A Wasm value of type ``code`` as the host sees it."""
    if code == I32:
        v = int(v)
        return v - 0x100000000 if v & 0x80000000 else v
    if code == I64:
        v = int(v)
        return v - 0x10000000000000000 if v & 0x8000000000000000 else v
    if v is None:
        return None
    if code == FUNCREF or (is_ref(code) and top_of(code) == HT_FUNC):
        return Func._from_ref(store, v)
    if is_ref(code) and top_of(code) == HT_ANY:
        return gc.externalize(v)
    return v  # externref's host object, or exnref's WasmException (its tag and payload)
