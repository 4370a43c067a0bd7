"""One execution of a module: the adapter every engine sits behind.

``ApiExecution`` drives any module with wasmtime-py's API, which both
wasmtime-py itself and ``wasmfuzz.runtime`` provide, so one adapter serves
both engines and every wasmfuzz configuration. It offers what the
comparison needs and nothing else (the shape of Wasmtime's
``DiffEngine``/``DiffInstance``): instantiate, list exports, call, read
exported globals, memories and tables, and classify an error as an
``Outcome``.

Imports are satisfied with dummies, as Wasmtime's ``instantiate_with_dummy``
does: functions return zeros, globals hold zero, memories and tables have
their minimum size. An imported function also advances the engine's epoch
by one, so a module that calls imports meets epoch deadlines at the same
points on every engine, deterministically.

Fuel and epoch deadlines are reset before every call (Wasmtime PR #4515:
fuel must be reset per call when looping invocations), and fuel consumed is
read after every call that returns. At an epoch deadline, wasmfuzz may also
be asked to call back and continue, or (calls made with ``call_async``) to
yield to the event loop and resume: both must end as if never interrupted.
"""

from __future__ import annotations

import asyncio
import os
import traceback
from dataclasses import dataclass

from .outcome import CRASHED, ERROR, RETURNED, TRAPPED, Outcome
from .spec import ExecutionSpec
from .values import Value

TYPE_NAMES = ("i32", "i64", "f32", "f64", "funcref", "externref")
NO_DEADLINE = 1 << 40  # more ticks than any module's imports make


@dataclass(frozen=True)
class ExportInfo:
    name: str
    kind: str  # func global memory table
    params: tuple[str, ...] = ()
    results: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.kind != "func":
            return f"{self.kind} {self.name!r}"
        return f"func {self.name!r} ({' '.join(self.params)}) -> ({' '.join(self.results)})"


class ApiExecution:
    """A module run on one engine with one configuration (an ``ExecutionSpec``)."""

    def __init__(self, spec: ExecutionSpec):
        self.spec = spec
        self.name = spec.name
        self.api = _api(spec.engine)
        config = self.api.Config()
        for setting, value in spec.settings().items():
            setattr(config, setting, value)
        self.engine = self.api.Engine(config)
        self.store = self.api.Store(self.engine)
        if spec.epoch_deadline is not None and spec.epoch_mode == "callback":
            self.store.epoch_deadline_callback(lambda store: 1)
        elif spec.epoch_deadline is not None and spec.epoch_mode == "yield":
            self.store.epoch_deadline_async_yield_and_update(1)
        self.instance = None
        self._exports: dict[str, object] = {}

    # ----- the adapter -----

    def instantiate(self, wasm: bytes) -> Outcome:
        """Compile and instantiate ``wasm`` with dummy imports."""
        api = self.api
        try:
            module = api.Module(self.engine, wasm)
            imports = [self._dummy(imp.type) for imp in module.imports]
            self._before_call(instantiating=True)
            self.instance = api.Instance(self.store, module, imports)
            self._exports = dict(self.instance.exports(self.store))
        except Exception as e:  # classified, never swallowed: see classify
            return self.classify(e)
        return Outcome(RETURNED)

    def exports(self) -> list[ExportInfo]:
        return [self._export_info(name, item) for name, item in self._exports.items()]

    def call(self, name: str, args: tuple[Value, ...]) -> Outcome:
        func = self._exports[name]
        results = [self.type_name(t) for t in func.type(self.store).results]
        try:
            self._before_call()
            host_args = [a.to_host() for a in args]
            if self.spec.epoch_mode == "yield":
                out = asyncio.run(func.call_async(self.store, *host_args))
            else:
                out = func(self.store, *host_args)
        except Exception as e:  # classified, never swallowed: see classify
            return self.classify(e)
        out = [] if out is None else out if isinstance(out, list) else [out]
        values = tuple(self.value(t, v) for t, v in zip(results, out))
        fuel = self.spec.fuel - self.store.get_fuel() if self.spec.fuel is not None else None
        return Outcome(RETURNED, values, fuel_consumed=fuel)

    def globals(self) -> dict[str, Value]:
        return {name: self.value(self.type_name(g.type(self.store).content), g.value(self.store))
                for name, g in self._exports.items() if isinstance(g, self.api.Global)}

    def memories(self) -> dict[str, bytes]:
        return {name: bytes(m.read(self.store, 0, m.data_len(self.store)))
                for name, m in self._exports.items() if isinstance(m, self.api.Memory)}

    def tables(self) -> dict[str, tuple[Value, ...]]:
        out = {}
        for name, t in self._exports.items():
            if isinstance(t, self.api.Table):
                elem = self.type_name(t.type(self.store).element)
                out[name] = tuple(self.value(elem, t.get(self.store, i)) for i in range(t.size(self.store)))
        return out

    def classify(self, e: Exception) -> Outcome:
        """A Trap, a WasmtimeError, or anything else: a crash of the engine."""
        if isinstance(e, self.api.Trap):
            code = e.trap_code.name if e.trap_code is not None else "HOST"
            return Outcome(TRAPPED, trap=code, message=e.message)
        if isinstance(e, self.api.WasmtimeError):
            return Outcome(ERROR, message=str(e).splitlines()[0] if str(e) else type(e).__name__)
        where = traceback.extract_tb(e.__traceback__)[-1]
        site = f"{type(e).__name__} at {os.path.basename(where.filename)}:{where.name}"
        return Outcome(CRASHED, message=f"{type(e).__name__}: {e} (at {where.filename}:{where.lineno})",
                       crash_site=site)

    # ----- helpers -----

    def type_name(self, valtype) -> str:
        for name in TYPE_NAMES:
            if valtype == getattr(self.api.ValType, name)():
                return name
        return str(valtype)

    def value(self, type_: str, v) -> Value:
        if isinstance(v, self.api.Val):  # wasmtime-py 50 hands null references out wrapped
            v = v.value
        value = Value.of(type_, v)
        if type_ == "funcref" and v is not None:
            ft = v.type(self.store)
            sig = f"({' '.join(self.type_name(t) for t in ft.params)}) -> " \
                  f"({' '.join(self.type_name(t) for t in ft.results)})"
            value = Value(type_, None, sig, _func_index(v))
        return value

    def _before_call(self, instantiating: bool = False) -> None:
        if self.spec.fuel is not None:
            self.store.set_fuel(self.spec.fuel)
        if self.spec.epoch_deadline is not None:
            # Instantiation is synchronous: a start function may not yield.
            yielding = instantiating and self.spec.epoch_mode == "yield"
            self.store.set_epoch_deadline(NO_DEADLINE if yielding else self.spec.epoch_deadline)

    def _export_info(self, name: str, item) -> ExportInfo:
        api = self.api
        if isinstance(item, api.Func):
            ft = item.type(self.store)
            return ExportInfo(name, "func", tuple(self.type_name(t) for t in ft.params),
                              tuple(self.type_name(t) for t in ft.results))
        kinds = ((api.Global, "global"), (api.Memory, "memory"), (api.Table, "table"))
        return ExportInfo(name, next((k for cls, k in kinds if isinstance(item, cls)), "other"))

    def _dummy(self, ty):
        api, store = self.api, self.store
        if isinstance(ty, api.FuncType):
            results = [self.type_name(t) for t in ty.results]
            zeros = [Value(t, 0 if t in ("i32", "i64", "f32", "f64") else None).to_host() for t in results]

            def tick(*_args):
                self.engine.increment_epoch()
                return None if not zeros else zeros[0] if len(zeros) == 1 else zeros
            return api.Func(store, ty, tick)
        if isinstance(ty, api.GlobalType):
            t = self.type_name(ty.content)
            return api.Global(store, ty, Value(t, 0 if t in ("i32", "i64", "f32", "f64") else None).to_host())
        if isinstance(ty, api.MemoryType):
            return api.Memory(store, ty)
        if isinstance(ty, api.TableType):
            return api.Table(store, ty, None)
        raise api.WasmtimeError(f"no dummy for an import of type {ty!r}")


def _api(engine: str):
    if engine == "wasmtime":
        import wasmtime
        return wasmtime
    from wasmfuzz import runtime
    return runtime


def _func_index(func) -> int | None:
    """wasmfuzz can name the function a reference points to; wasmtime-py cannot."""
    ref = getattr(func, "_ref", None)
    return getattr(ref, "index", None)
