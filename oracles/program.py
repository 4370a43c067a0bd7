"""One WASI program run on one engine, with everything observable recorded:
how it ended, stdout, stderr, the files in its own copies of the preopened
directories, fuel, and optionally every WASI call and the final state of all
memories, globals and tables. ``wasmfuzz diff`` runs it on wasmfuzz and on
Wasmtime (wasmtime-py) and compares; ``oracles.locate`` finds the first cause.

Logging WASI calls. Wasmtime's WASI is native code, so both engines are
observed the same way, from outside: the module's ``wasi_snapshot_preview1``
imports are renamed to ``LOG_MODULE`` (same length, so no offset moves), and
each is a host function that records the call and then makes the real one
through a *trampoline*: a small instance, made on the first call, importing
the program's exported memory and the real WASI functions, re-exporting the
memory as ``memory`` (WASI reads the memory of the instance that calls it)
and exporting one forwarding function per import. ``proc_exit`` and traps
come back out of the trampoline as exceptions and are re-raised unchanged.
The trampoline's own fuel is given back after each call, so a logged run
consumes exactly what an unlogged one does and budgets mean the same in both.

Observing state. Every memory, global and table gets an extra export
(``STATE_PREFIX``; appended to the export section, so no index moves), read
after the run stops, however it stops: with a fuel budget, at the
out-of-fuel trap.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.features import ALL
from wasmfuzz.runtime.binary.module_info import EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_TABLE
from wasmfuzz.runtime.binary.opcodes import TYPE_NAMES
from wasmfuzz.runtime.binary.wat import wat2wasm
from wasmfuzz.runtime.errors import WasmtimeError

from .rewrite import append_exports, code_shift, rename_imports
from .wasi import snapshot

WASI = "wasi_snapshot_preview1"
LOG_MODULE = "wasi_snapshot_logging1"  # as long as WASI's name: the import section keeps its size
STATE_PREFIX = "__wasmfuzz_diff_"
UNKNOWN_OFFSET = 1 << 63  # a frame offset this high is the C API's "none" (usize::MAX)
BINARY_KINDS = {EXTERN_TABLE: (1, "table"), EXTERN_MEMORY: (2, "memory"), EXTERN_GLOBAL: (3, "global")}


class ProgramError(Exception):
    """The program cannot be looked at (not a module this tool can read); one line."""


@dataclass(frozen=True)
class Program:
    """A WASI program and what it is given. Each run gets fresh copies of
    the ``dirs`` (host directory, guest name), so runs cannot see each
    other's writes."""

    wasm: bytes
    argv: list[str]
    env: list[tuple[str, str]] = field(default_factory=list)
    dirs: list[tuple[str, str]] = field(default_factory=list)
    stdin: bytes = b""


@dataclass(frozen=True)
class HostCall:
    """One WASI call: its arguments, its result (the errno, or how it ended
    the program) and the fuel consumed before it (None without fuel)."""

    name: str
    args: tuple
    result: str
    fuel: int | None

    def __str__(self) -> str:
        fuel = "" if self.fuel is None else f" after {self.fuel:,} fuel"
        return f"{self.name}({', '.join(map(str, self.args))}) -> {self.result}{fuel}"


@dataclass(frozen=True)
class Stop:
    """Where a trap stopped the program: the innermost frame. ``offset`` is
    in the original module (None where the engine gives none)."""

    func_index: int
    func_name: str | None
    offset: int | None


@dataclass
class Observed:
    ended: str  # "exit N", "trap CODE", "error" (a host function refused), "invalid", "cannot instantiate"
    message: str = ""                 # the engine's error text, for "trap", "error", "invalid", "cannot instantiate"
    stdout: bytes = b""
    stderr: bytes = b""
    files: list = field(default_factory=list)
    fuel: int | None = None           # consumed in all, instantiation included
    instantiation_fuel: int | None = None
    calls: list[HostCall] | None = None
    stop: Stop | None = None
    state: dict[str, object] | None = None  # "memory 0" -> bytes, "global 1" -> value, "table 0" -> elements


class Instrumented:
    """A program's module decoded once, with its logging and observing
    rewrite and the trampoline module's text."""

    def __init__(self, wasm: bytes):
        try:
            self.info = decode_module(wasm, ALL)
        except WasmtimeError as e:  # the decoder's DecodeError: the user's malformed input
            raise ProgramError(f"cannot decode the module: {e}") from None
        self.original = wasm
        self.wasi_imports = [(imp.name, self.info.types[imp.desc]) for imp in self.info.imports
                             if imp.module == WASI and imp.kind == EXTERN_FUNC]
        counts = {EXTERN_TABLE: len(self.info.table_sigs()), EXTERN_MEMORY: len(self.info.memory_sigs()),
                  EXTERN_GLOBAL: len(self.info.global_sigs())}
        self.state_exports = [(f"{STATE_PREFIX}{name}_{i}", binary, i)
                              for kind, (binary, name) in BINARY_KINDS.items() for i in range(counts[kind])]
        self.wasm = append_exports(rename_imports(wasm, WASI, LOG_MODULE), self.state_exports)
        self.shift = code_shift(wasm, self.wasm)
        self._trampolines: dict[bool, bytes] = {}
        self._compiled: dict[tuple[str, bool], tuple] = {}

    def compiled(self, api, metered: bool) -> tuple:
        """The instrumented module compiled on ``api`` (an engine and a
        Module), once: bisection runs it dozens of times, and Cranelift
        takes seconds on a real program."""
        key = (api.__name__, metered)
        if key not in self._compiled:
            self._compiled[key] = compile_module(api, self.wasm, metered)
        return self._compiled[key]

    def trampoline(self, with_memory: bool) -> bytes:
        """The trampoline module (see the module docstring), importing the
        program's memory if it exports one."""
        if with_memory not in self._trampolines:
            self._trampolines[with_memory] = wat2wasm(self._trampoline_wat(with_memory))
        return self._trampolines[with_memory]

    def _trampoline_wat(self, with_memory: bool) -> str:
        lines = ["(module"]
        if with_memory:
            lines.append('  (import "program" "memory" (memory 0))')
        for k, (name, sig) in enumerate(self.wasi_imports):
            lines.append(f'  (import "{WASI}" "{name}" (func $f{k} {_signature(sig)}))')
        if with_memory:
            lines.append('  (export "memory" (memory 0))')
        for k, (name, sig) in enumerate(self.wasi_imports):
            gets = " ".join(f"local.get {i}" for i in range(len(sig.params)))
            lines.append(f'  (func (export "{name}") {_signature(sig)} {gets} call $f{k})')
        return "\n".join(lines + [")"])


def compile_module(api, wasm: bytes, metered: bool):
    """An engine (with fuel if ``metered``) and ``wasm`` compiled on it."""
    config = api.Config()
    config.consume_fuel = metered
    engine = api.Engine(config)
    return engine, api.Module(engine, wasm)


def _signature(sig) -> str:
    params = " ".join(TYPE_NAMES[t] for t in sig.params)
    results = " ".join(TYPE_NAMES[t] for t in sig.results)
    return (f"(param {params})" if params else "") + (f" (result {results})" if results else "")


def run(api, program: Program, *, fuel: int | None = None, instrumented: Instrumented | None = None) -> Observed:
    """Run ``program``'s ``_start`` on ``api`` (``wasmfuzz.runtime`` or
    ``wasmtime``) with a fuel budget if ``fuel`` is given. With
    ``instrumented`` (made from ``program.wasm``) the run logs every WASI
    call and reads the final state; without, it is a plain run."""
    with tempfile.TemporaryDirectory(prefix="wasmfuzz-diff-") as tmp:
        tmp = Path(tmp)
        stdio = {name: tmp / name for name in ("stdin", "stdout", "stderr")}
        stdio["stdin"].write_bytes(program.stdin)
        (tmp / "dirs").mkdir()
        preopens = []
        for k, (host, guest) in enumerate(program.dirs):
            copy = tmp / "dirs" / str(k)
            shutil.copytree(host, copy, symlinks=True)
            preopens.append((str(copy), guest))
        observed = _execute(api, program, fuel, instrumented, stdio, preopens)
        observed.stdout = stdio["stdout"].read_bytes()
        observed.stderr = stdio["stderr"].read_bytes()
        observed.files = snapshot(tmp / "dirs")
        return observed


def _execute(api, program, fuel, instrumented, stdio, preopens) -> Observed:
    try:
        if instrumented is None:
            engine, module = compile_module(api, program.wasm, fuel is not None)
        else:
            engine, module = instrumented.compiled(api, fuel is not None)
    except api.WasmtimeError as e:
        return Observed("invalid", str(e))
    store = api.Store(engine)
    wasi = api.WasiConfig()
    wasi.argv = program.argv
    wasi.env = [list(pair) for pair in program.env]
    for host, guest in preopens:
        wasi.preopen_dir(host, guest)
    wasi.stdin_file, wasi.stdout_file, wasi.stderr_file = (str(stdio[s]) for s in ("stdin", "stdout", "stderr"))
    store.set_wasi(wasi)
    if fuel is not None:
        store.set_fuel(fuel)
    linker = api.Linker(engine)
    observed = Observed("exit 0")  # _start returning is exit 0, as `wasmtime run` has it
    if instrumented is None:
        linker.define_wasi()
    else:
        observed.calls = []
        _define_logging(api, engine, store, linker, instrumented, observed.calls, fuel)
    instance = None
    try:
        instance = linker.instantiate(store, module)
        if fuel is not None:
            observed.instantiation_fuel = fuel - store.get_fuel()
        start = instance.exports(store).get("_start")
        if isinstance(start, api.Func):
            start(store)
    except api.ExitTrap as e:
        observed.ended = f"exit {e.code}"
    except api.Trap as e:
        observed.ended = "trap" if e.trap_code is None else f"trap {e.trap_code.name}"
        observed.message = str(e)
        observed.stop = _stop(e, instrumented)
    except api.WasmtimeError as e:
        observed.ended = "error" if instance is not None else "cannot instantiate"
        observed.message = str(e)
    if fuel is not None:
        observed.fuel = fuel - store.get_fuel()
    if instrumented is not None and instance is not None:
        observed.state = _state(api, store, instance, instrumented)
    return observed


def _define_logging(api, engine, store, linker, instrumented: Instrumented, calls: list[HostCall],
                    budget: int | None) -> None:
    """Define each of the program's WASI imports under LOG_MODULE as a host
    function that records the call and makes it through the trampoline.
    With a fuel ``budget``, each call records the fuel consumed before it."""
    trampoline = {}

    def exports_of(context, caller):
        if "exports" not in trampoline:
            memory = caller.get("memory")
            wasm = instrumented.trampoline(memory is not None)
            inner = api.Linker(engine)
            inner.define_wasi()
            if memory is not None:
                inner.define(context, "program", "memory", memory)
            trampoline["exports"] = inner.instantiate(context, api.Module(engine, wasm)).exports(context)
        return trampoline["exports"]

    def logging(name):
        def call(caller, *args):
            context = _context(store, caller)
            before = api.Store.get_fuel(context) if budget is not None else None
            record = len(calls)
            calls.append(HostCall(name, args, "unfinished", None if before is None else budget - before))
            forward = exports_of(context, caller)[name]
            if before is not None:
                api.Store.set_fuel(context, before + TRAMPOLINE_FUEL)
            try:
                result = forward(context, *args)
                calls[record] = _with_result(calls[record], str(result))
                return result
            except api.ExitTrap as e:
                calls[record] = _with_result(calls[record], f"exit {e.code}")
                raise
            except (api.Trap, api.WasmtimeError):
                calls[record] = _with_result(calls[record], "failed")
                raise
            finally:
                if before is not None:
                    api.Store.set_fuel(context, before)
        return call

    for name, sig in instrumented.wasi_imports:
        ty = api.FuncType([_valtype(api, t) for t in sig.params], [_valtype(api, t) for t in sig.results])
        linker.define_func(LOG_MODULE, name, ty, logging(name), access_caller=True)


TRAMPOLINE_FUEL = 1000  # what a forwarding function may spend; given back after the call


def _context(store, caller):
    """What to pass as the store inside a host call: wasmtime-py wants the
    Caller (its store must not be used while Wasm runs on it), wasmfuzz's
    API takes the Store itself."""
    return caller if hasattr(caller, "_context") else store


def _with_result(call: HostCall, result: str) -> HostCall:
    return HostCall(call.name, call.args, result, call.fuel)


def _valtype(api, t: int):
    return getattr(api.ValType, TYPE_NAMES[t])()


def _stop(trap, instrumented: Instrumented | None) -> Stop | None:
    frames = getattr(trap, "frames", None) or []
    if not frames:
        return None
    frame = frames[0]
    offset = frame.module_offset
    if offset is not None and offset >= UNKNOWN_OFFSET:
        offset = None
    if offset is not None and instrumented is not None:
        offset -= instrumented.shift
    return Stop(frame.func_index, frame.func_name, offset)


def _state(api, store, instance, instrumented: Instrumented) -> dict[str, object]:
    exports = instance.exports(store)
    state = {}
    for export, binary, index in instrumented.state_exports:
        item = exports[export]
        if binary == 2:
            state[f"memory {index}"] = bytes(item.read(store, 0, item.data_len(store)))
        elif binary == 3:
            state[f"global {index}"] = _value(store, item.value(store))
        else:
            state[f"table {index}"] = [_value(store, item.get(store, i)) for i in range(item.size(store))]
    return state


def _value(store, value) -> object:
    """A global's or table element's value, comparable across engines:
    numbers as they are (floats by repr, so NaN equals NaN), a function
    reference by its type (the engines' Func objects cannot be compared)."""
    if type(value).__name__ == "Val":  # wasmtime-py gives a table's null reference wrapped
        value = value.value
    if value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return repr(value)
    ty = getattr(value, "type", None)
    if callable(ty):
        sig = ty(store)
        return f"func ({' '.join(map(str, sig.params))}) -> ({' '.join(map(str, sig.results))})"
    return type(value).__name__

