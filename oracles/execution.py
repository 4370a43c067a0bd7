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

import functools
import os
import traceback
from collections import OrderedDict
from dataclasses import dataclass

from . import wasmtime_raw
from .outcome import CRASHED, ERROR, RETURNED, TRAPPED, Outcome
from .recorded import Recordings
from .spec import ExecutionSpec
from .values import NUMBERS, Value

TYPE_NAMES = (*NUMBERS, "funcref", "externref")
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


def _trap_name(trap) -> str:
    """A trap's code by name. A trap without one is an uncaught Wasm exception
    (both engines say so in its message) or a trap a host function raised."""
    if trap.trap_code is not None:
        return trap.trap_code.name
    return "EXCEPTION" if "thrown Wasm exception" in trap.message else "HOST"


class ApiExecution:
    """A module run on one engine with one configuration (an ``ExecutionSpec``)."""

    def __init__(self, spec: ExecutionSpec, engines: "Engines | None" = None):
        self.spec = spec
        self.name = spec.name
        self.api = engine_api(spec.engine)
        self._engines = engines if engines is not None else Engines()
        self.engine = self._engines.engine(spec)
        self.store = self.api.Store(self.engine)
        # wasmtime-py names externref by the C API's old name for it.
        self._renames = {"anyref": "externref"} if spec.engine == "wasmtime" else {}
        self._signatures: dict[object, str] = {}
        self._refs: dict[object, Value] = {}  # table elements read, by the function they point to
        if spec.epoch_deadline is not None and spec.epoch_mode == "callback":
            self.store.epoch_deadline_callback(lambda store: 1)
        elif spec.epoch_deadline is not None and spec.epoch_mode == "yield":
            self.store.epoch_deadline_async_yield_and_update(1)
        self.instance = None
        self._exports: dict[str, object] = {}
        self._kinds: _Exports | None = None

    # ----- the adapter -----

    def instantiate(self, wasm: bytes) -> Outcome:
        """Compile and instantiate ``wasm`` with dummy imports."""
        api = self.api
        try:
            module = self._engines.module(api, self.engine, wasm)
            imports = [self._dummy(imp.type) for imp in module.imports]
            self._before_call(instantiating=True)
            self.instance = api.Instance(self.store, module, imports)
            self._exports = dict(self.instance.exports(self.store))
        except Exception as e:  # classified, never swallowed: see classify
            return self.classify(e)
        return Outcome(RETURNED)

    def exports(self) -> list[ExportInfo]:
        return self._by_kind().infos

    def call(self, name: str, args: tuple[Value, ...]) -> Outcome:
        func = self._exports[name]
        kinds = self._by_kind()
        info = kinds.funcs[name]
        results = info.results
        try:
            self._before_call()
            host_args = [a.to_host() for a in args]
            if self.spec.epoch_mode == "yield":
                out = run_to_end(func.call_async(self.store, *host_args))
            elif name in kinds.raw_calls:
                out = wasmtime_raw.call(self.store, func, info.params, results, host_args)
            else:
                out = func(self.store, *host_args)
        except Exception as e:  # classified, never swallowed: see classify
            return self.classify(e)
        out = [] if out is None else out if isinstance(out, list) else [out]
        values = tuple(self.value(t, v) for t, v in zip(results, out))
        fuel = self.spec.fuel - self.store.get_fuel() if self.spec.fuel is not None else None
        return Outcome(RETURNED, values, fuel_consumed=fuel)

    def globals(self) -> dict[str, Value]:
        store, value = self.store, self.value
        return {name: value(type_, g.value(store)) for name, g, type_ in self._by_kind().globals}

    def memories(self) -> dict[str, bytes]:
        return {name: bytes(m.read(self.store, 0, m.data_len(self.store))) for name, m in self._by_kind().memories}

    def memory_views(self) -> dict[str, memoryview]:
        """Every exported memory's bytes in place, without a copy (``memories``
        copies). Valid until the next call; release each view before it, since
        a wasmfuzz memory cannot grow while a view of it is alive."""
        out = {}
        for name, m in self._by_kind().memories:
            size = m.data_len(self.store)
            out[name] = memoryview(m.get_buffer_ptr(self.store, size, 0)).cast("B") if size else memoryview(b"")
        return out

    def tables(self) -> dict[str, tuple[Value, ...]]:
        """Every element of every exported table. A table holds the same few
        functions many times over: each function's Value is made once."""
        store, out = self.store, {}
        for name, t, elem in self._by_kind().tables:
            if self.spec.engine == "wasmtime" and elem in ("funcref", "externref"):
                out[name] = wasmtime_raw.table_values(store, t, elem, self._refs, functools.partial(self.value, elem))
                continue
            if elem != "funcref":
                null, value, get = Value.of(elem, None), self.value, t.get
                out[name] = tuple(null if v is None else value(elem, v)
                                  for v in (get(store, i) for i in range(t.size(store))))
                continue
            refs, values, wrapped = self._refs, [], self.api.Val
            for i in range(t.size(store)):
                v = t.get(store, i)
                if isinstance(v, wrapped):  # as wasmtime-py 50 hands null references out
                    v = v.value
                key = _ref_key(v)
                value = refs.get(key) if key is not None else None
                if value is None:
                    value = self.value(elem, v)
                    if key is not None:
                        refs[key] = value
                values.append(value)
            out[name] = tuple(values)
        return out

    def classify(self, e: Exception) -> Outcome:
        """A Trap, a WasmtimeError, or anything else: a crash of the engine."""
        if isinstance(e, self.api.Trap):
            return Outcome(TRAPPED, trap=_trap_name(e), message=e.message)
        if isinstance(e, self.api.WasmtimeError):
            return Outcome(ERROR, message=str(e).splitlines()[0] if str(e) else type(e).__name__)
        where = traceback.extract_tb(e.__traceback__)[-1]
        site = f"{type(e).__name__} at {os.path.basename(where.filename)}:{where.name}"
        return Outcome(CRASHED, message=f"{type(e).__name__}: {e} (at {where.filename}:{where.lineno})",
                       crash_site=site)

    # ----- helpers -----

    def _by_kind(self) -> "_Exports":
        """The exports by kind, with their types, asked of the engine once: an
        instance's exports never change, and asking for their types at every
        step was a sixth of a comparison."""
        if self._kinds is None:
            store, kinds = self.store, _Exports([], {}, set(), [], [], [])
            for name, item in self._exports.items():
                info = self._export_info(name, item)
                kinds.infos.append(info)
                if info.kind == "func":
                    kinds.funcs[name] = info
                    if self.spec.engine == "wasmtime" and wasmtime_raw.callable_with(info.params, info.results):
                        kinds.raw_calls.add(name)
                elif info.kind == "global":
                    kinds.globals.append((name, item, self.type_name(item.type(store).content)))
                elif info.kind == "memory":
                    kinds.memories.append((name, item))
                elif info.kind == "table":
                    kinds.tables.append((name, item, self.type_name(item.type(store).element)))
            self._kinds = kinds
        return self._kinds

    def type_name(self, valtype) -> str:
        """``valtype``'s name in ``TYPE_NAMES``, or the engine's own for any other
        type. By ``str``: one call into the engine, where comparing with each
        name's ValType made up to twelve (wasmtime-py's equality asks both
        sides' kinds), a twentieth of the lazy_init target's time."""
        name = str(valtype)
        return self._renames.get(name, name)

    def value(self, type_: str, v) -> Value:
        if isinstance(v, self.api.Val):  # wasmtime-py 50 hands null references out wrapped
            v = v.value
        if type_ == "funcref" and v is not None:
            return Value(type_, None, self._signature(v), _func_index(v))
        return Value.of(type_, v)

    def _signature(self, func) -> str:
        """``(params) -> (results)`` of a function reference, worked out once
        per function: a table holds the same few functions many times over,
        and asking the engine for each element's type was most of reading it."""
        key = _func_key(func)
        sig = self._signatures.get(key) if key is not None else None
        if sig is None:
            ft = func.type(self.store)
            sig = f"({' '.join(self.type_name(t) for t in ft.params)}) -> " \
                  f"({' '.join(self.type_name(t) for t in ft.results)})"
            if key is not None:
                self._signatures[key] = sig
        return sig

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
            zeros = [Value(t, 0 if t in NUMBERS else None).to_host() for t in results]
            if self.spec.engine == "wasmtime" and set(results) <= set(TYPE_NAMES):
                # wasmtime-py converts a Val it is handed with one type comparison, a plain value with up to five
                zeros = [getattr(api.Val, t)(z) for t, z in zip(results, zeros)]
            engine = self.engine  # not self: the store would hold its execution, kept alive with its instances

            def tick(*_args):
                engine.increment_epoch()
                return None if not zeros else zeros[0] if len(zeros) == 1 else zeros
            return api.Func(store, ty, tick)
        if isinstance(ty, api.GlobalType):
            t = self.type_name(ty.content)
            return api.Global(store, ty, Value(t, 0 if t in NUMBERS else None).to_host())
        if isinstance(ty, api.MemoryType):
            return api.Memory(store, ty)
        if isinstance(ty, api.TableType):
            return api.Table(store, ty, None)
        if isinstance(ty, api.TagType):
            return api.Tag(store, ty)
        raise api.WasmtimeError(f"no dummy for an import of type {ty!r}")


@dataclass
class _Exports:
    """An instance's exports by kind, with the types the comparison needs."""

    infos: list[ExportInfo]
    funcs: dict[str, ExportInfo]
    raw_calls: set[str]  # Wasmtime functions ``wasmtime_raw.call`` can call
    globals: list[tuple[str, object, str]]  # (name, global, value type)
    memories: list[tuple[str, object]]
    tables: list[tuple[str, object, str]]  # (name, table, element type)


class Engines:
    """One Engine per distinct configuration, and one compiled Module per
    Engine and module, shared by the executions of one comparison.

    Executions whose specs set the same Config (they differ only in what a
    Store holds: a fuel budget, an epoch deadline and what happens there)
    are Stores of one Engine and instantiate one Module, as Wasmtime shares
    a Module between the Stores of an Engine: the module is decoded,
    validated and compiled once (and across Engines, once per distinct
    code-generation options: see ``module``). Sharing the Engine shares its epoch
    counter, which changes nothing observed: every execution sets its
    deadline relative to the current epoch right before each call, and
    executions run one after the other. A Module that fails to compile is
    not kept, so each execution classifies its own error.

    With ``keep`` (a campaign's, ``fuzz.targets.run_input``), the Modules of
    the last ``keep`` distinct module bytes, and the Engines of the last
    ``KEPT_ENGINES`` configurations (each of a few dozen KB), outlive the
    comparison: libFuzzer's mutations often leave the bytes that make the
    module alone (a third to a half of a campaign's inputs repeat a module
    an input shortly before made), and such an input then pays for no
    compilation on either engine. A kept Module is what a server keeps: one
    compiled module instantiated by many Stores, its functions compiled on
    their first call in whichever comparison made it. Only a campaign keeps
    them: a test that plants a bug in the code generator compares freshly
    compiled code every time.

    A pooling wasmfuzz Engine is not made per comparison but kept for the
    whole process (``_POOLED``), as a server keeps its one pooling engine:
    each input's pooled instances then take slots that an earlier input's
    instances used and wrote, and the comparison with an on-demand instance
    shows whatever the slot's reset missed. ``reset_pooled_engines`` starts
    afresh (tests and benchmarks that must not depend on what ran before)."""

    def __init__(self, keep: int = 0):
        self._keep = keep  # 0: everything, for as long as this object lives
        self._engines: OrderedDict[tuple, object] = OrderedDict()  # least recently used first
        # module bytes -> id(engine) -> (engine, Module), least recently used bytes first; the
        # engine is held there so that its id is not reused while its Module is kept
        self._modules: OrderedDict[bytes, dict[int, tuple]] = OrderedDict()
        self._first: dict[bytes, object] = {}  # the first wasmfuzz Module of each module's bytes
        self._module_bytes = 0  # the length of the bytes in _modules
        # what executions of the same module and configuration answered (a campaign's only)
        self.recordings = Recordings() if keep else None

    def forget(self) -> None:
        """Drop every Engine and Module kept. A campaign does at exit: wasmtime-py
        objects still alive when the interpreter tears its modules down fail to free."""
        self._engines.clear()
        self._modules.clear()
        self._first.clear()
        self._module_bytes = 0
        if self.recordings is not None:
            self.recordings.clear()

    def engine(self, spec: ExecutionSpec):
        settings = spec.settings()
        key = (spec.engine, tuple(sorted(settings.items())))
        engine = self._engines.get(key)
        if engine is not None:
            self._engines.move_to_end(key)
        else:
            if self._keep and len(self._engines) >= KEPT_ENGINES:
                _, old = self._engines.popitem(last=False)
                for per_engine in self._modules.values():  # its Modules go with it
                    per_engine.pop(id(old), None)
            kept = _POOLED if spec.engine == "wasmfuzz" and spec.pooling else {}
            engine = kept.get(key)
            if engine is None:
                api = engine_api(spec.engine)
                config = api.Config()
                for setting, value in settings.items():
                    setattr(config, setting, value)
                if spec.engine == "wasmtime":
                    # Cranelift on this thread: a fuzz job is one per core (--jobs), and for the small
                    # modules fuzzing makes, a thread pool costs more than it saves (2.4 -> 2.1 ms a module).
                    config.parallel_compilation = False
                    # Unoptimised: Wasmtime is the reference here, and what its code computes, the fuel
                    # it meters and where it checks epochs are fixed when Wasm is translated, before any
                    # optimisation; compiling a fuzzed module takes a quarter less (1.66 -> 1.26 ms).
                    config.cranelift_opt_level = "none"
                    # Register allocation in one pass (regalloc2's fastalloc, which Wasmtime's own fuzzing
                    # configurations draw too): allocation changes no result, and compiling a mutate seed
                    # took a third less (3.55 -> 2.38 ms of CPU).
                    config.cranelift_flag_set("regalloc_algorithm", "single_pass")
                engine = api.Engine(config)
            self._engines[key] = kept[key] = engine
        return engine

    def module(self, api, engine, wasm: bytes):
        """The Module of ``wasm`` for ``engine``. wasmfuzz Modules after the
        first share what they can with it (``shared_with``): one decoding and
        validation, and one compilation per distinct code-generation options."""
        per_engine = self._modules.get(wasm)
        if per_engine is None:
            per_engine = self._modules[wasm] = {}
            self._module_bytes += len(wasm)
            while self._keep and (len(self._modules) > self._keep or self._module_bytes > KEPT_MODULE_BYTES) \
                    and len(self._modules) > 1:
                oldest, _ = self._modules.popitem(last=False)
                self._first.pop(oldest, None)
                self._module_bytes -= len(oldest)
        else:
            self._modules.move_to_end(wasm)
        module = per_engine.get(id(engine), (None, None))[1]
        if module is None:
            if api.__name__ == "wasmfuzz.runtime":
                first = self._first.get(wasm)
                module = api.Module(engine, wasm, shared_with=first)
                self._first.setdefault(wasm, module)
            else:
                module = api.Module(engine, wasm)
            per_engine[id(engine)] = (engine, module)
        return module


# The bytes of the modules a campaign's ``Engines`` keeps, at most, however many its ``keep`` allows:
# a rewrite of megabytes (the mutate target keeps one in ten) is as many as hundreds of C programs.
KEPT_MODULE_BYTES = 64 << 20
# Configurations whose Engines a campaign's ``Engines`` keeps (a campaign draws a few hundred).
KEPT_ENGINES = 256
# Pooling wasmfuzz Engines by configuration, for the whole process (see ``Engines``).
_POOLED: dict[tuple, object] = {}


def reset_pooled_engines() -> None:
    """Forget the process's pooling Engines: the next pooled instance takes a
    slot no earlier input used."""
    _POOLED.clear()


def engine_api(engine: str):
    """The module whose wasmtime-py API runs ``engine``'s executions."""
    if engine == "wasmtime":
        import wasmtime
        return wasmtime
    from wasmfuzz import runtime
    return runtime


def run_to_end(coro):
    """Run an async call's coroutine to its end without an event loop. An
    async Wasm call suspends only by ``await asyncio.sleep(0)`` (each epoch
    yield), which asks no loop for anything: it hands ``None`` up and expects
    to be resumed. Resuming it at once is what a loop with no other task
    does, minus the loop's own round (a poll system call and its callbacks),
    which cost more than the yield itself and most of an epoch program's
    time. Anything else awaited is a change this driver must learn of."""
    try:
        while True:
            awaited = coro.send(None)
            if awaited is not None:
                coro.close()
                raise RuntimeError(f"an async call awaited {awaited!r}, not a yield: it needs an event loop")
    except StopIteration as done:
        return done.value


def _func_key(func):
    """What identifies the type of the function a reference points to, within
    one store, without asking the engine: wasmfuzz's function type object;
    wasmtime-py's function handle (``_wasmtime_func``). None when neither is
    there: no caching."""
    ref = getattr(func, "_ref", None)
    return getattr(ref, "type", None) if ref is not None else _wasmtime_func(func)


_NULL_KEY = wasmtime_raw.NULL_KEY


def _ref_key(v):
    """What a table element read back points to, to find its Value again:
    null, wasmfuzz's function reference, or wasmtime-py's function handle.
    None: not known."""
    if v is None:
        return _NULL_KEY
    ref = getattr(v, "_ref", None)
    return ref if ref is not None else _wasmtime_func(v)


def _wasmtime_func(func):
    """wasmtime-py's per-store function handle (its ``wasmtime_func_t``, where
    the same function always reads back the same), as a key; None if absent."""
    raw = getattr(func, "_func", None)
    return wasmtime_raw.func_key(raw) if raw is not None and hasattr(raw, "store_id") else None


def _func_index(func) -> int | None:
    """wasmfuzz can name the function a reference points to; wasmtime-py cannot."""
    ref = getattr(func, "_ref", None)
    return getattr(ref, "index", None)
