"""``wasmfuzz run``: run a WebAssembly program, in the manner of ``wasmtime run``.

    wasmfuzz run [--dir HOST[::GUEST]] [--env NAME[=VALUE]] [--fuel N] [--timeout T]
                 [--invoke NAME] MODULE [ARGS...]

The guest gets WASI with this process's stdio, ``MODULE ARGS...`` as its
argv, the ``--env`` variables (``NAME`` alone passes the host's value on)
and the ``--dir`` directories. Without ``--invoke`` the module's ``_start``
(or its default export) runs, and the guest's ``proc_exit`` code becomes the
exit status. ``--invoke NAME`` calls that export instead, with ``ARGS``
converted to its parameter types, and prints its results one per line.

Exit statuses follow Wasmtime's: the guest's exit code; 134 (128 + SIGABRT)
when the guest traps, after printing the trap; 1 when the module cannot be
run at all (unreadable, invalid, an import WASI does not provide), with a
one-line message; 2 for bad usage.

``execute`` is the same run as a function over either runtime's API
(``wasmfuzz.runtime`` or ``wasmtime``), with stdio optionally redirected to
files: the WASI tests and ``benches/wasi_programs.py`` use it to run one
program on both and compare, so all of them run programs exactly as this
command does.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from types import ModuleType
from typing import Callable, NamedTuple

EXIT_TRAP = 134  # what Wasmtime exits with on Unix when the guest traps
EXIT_ERROR = 1
ENGINES = {"wasmfuzz": "wasmfuzz.runtime", "wasmtime": "wasmtime"}


class Preopen(NamedTuple):
    """A host directory the guest gets, under the name ``guest``."""

    host: str
    guest: str
    mutable: bool = True  # False: the guest may read but not change anything there


class RunError(Exception):
    """The module could not be run; the message is one line for the user."""


@dataclass
class RunOptions:
    """What one run of a program gets. Stdio paths of None inherit this process's."""

    argv: list[str]
    env: list[tuple[str, str]] = field(default_factory=list)
    dirs: list[Preopen] = field(default_factory=list)
    invoke: str | None = None
    fuel: int | None = None
    timeout: float | None = None  # seconds of wall-clock time, enforced with epochs
    stdin: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    # For a WASI reactor (a library with an API of its own rather than a
    # _start): called as drive(store, exports) after _initialize, and
    # returns the results. Not reachable from the command line.
    drive: Callable | None = None
    # Config.cache: True or a cache configuration file, for both runtimes; None
    # compiles everything. Not reachable from the command line either.
    cache: bool | str | None = None


@dataclass
class RunResult:
    exit_code: int
    results: list = field(default_factory=list)       # what an --invoke'd function returned
    result_types: list[str] = field(default_factory=list)  # their types: "i32", "f64", ...
    trap: str | None = None                      # the trap that ended the guest, if any
    fuel_consumed: int | None = None
    compile_seconds: float = 0.0                 # making the Module
    run_seconds: float = 0.0                     # instantiating and running it


def execute(api: ModuleType, wasm: bytes, options: RunOptions) -> RunResult:
    """Run ``wasm`` on ``api`` as ``wasmfuzz run`` does; raises RunError if it cannot run."""
    started = time.perf_counter()
    try:
        engine = api.Engine(_config(api, options))
        module = api.Module(engine, wasm)
    except api.WasmtimeError as e:
        raise RunError(f"failed to compile: {first_line(e)}") from None
    compiled = time.perf_counter()
    store = api.Store(engine)
    store.set_wasi(_wasi_config(api, options))
    if options.fuel is not None:
        store.set_fuel(options.fuel)
    linker = api.Linker(engine)
    linker.define_wasi()
    timer = None
    if options.timeout is not None:
        store.set_epoch_deadline(1)
        timer = threading.Timer(options.timeout, engine.increment_epoch)
        timer.daemon = True
        timer.start()
    try:
        result = _run(api, store, linker, module, options)
    finally:
        if timer is not None:
            timer.cancel()
    result.compile_seconds = compiled - started
    result.run_seconds = time.perf_counter() - compiled
    return result


def _run(api, store, linker, module, options: RunOptions) -> RunResult:
    def outcome(exit_code: int, results=(), trap: str | None = None) -> RunResult:
        consumed = options.fuel - store.get_fuel() if options.fuel is not None else None
        return RunResult(exit_code, list(results), result_types, trap, consumed)
    result_types: list[str] = []
    linking = True
    try:
        instance = linker.instantiate(store, module)  # runs the start function, if any
        linking = False
        exports = instance.exports(store)
        if options.drive is not None:
            _initialize(api, store, exports)
            results = options.drive(store, exports)
        else:
            func = _entry_point(api, store, exports, options)
            if func is None:
                return outcome(0)
            ty = func.type(store)
            result_types = [str(t) for t in ty.results]
            args = _parse_args(ty.params, options.argv[1:]) if options.invoke else []
            results = func(store, *args)
    except api.ExitTrap as e:
        return outcome(e.code)
    except api.Trap as e:
        return outcome(EXIT_TRAP, trap=str(e))
    except api.WasmtimeError as e:
        if linking:
            raise RunError(first_line(e)) from None
        return outcome(EXIT_ERROR, trap=str(e))  # a host function failed, e.g. on a bad pointer
    if results is None:
        results = []
    elif not isinstance(results, list):
        results = [results]
    return outcome(0, results)


def _entry_point(api, store, exports, options: RunOptions):
    """The function to call: --invoke's (after a reactor's ``_initialize``),
    else the command's ``_start`` or default export, else None."""
    if options.invoke is None:
        for name in ("", "_start"):
            if isinstance(exports.get(name), api.Func):
                return exports[name]
        return None
    func = exports.get(options.invoke)
    if not isinstance(func, api.Func):
        raise RunError(f"no exported function named `{options.invoke}`")
    _initialize(api, store, exports)
    return func


def _initialize(api, store, exports) -> None:
    """Run a WASI reactor's ``_initialize``, if it has one."""
    initialize = exports.get("_initialize")
    if isinstance(initialize, api.Func):
        initialize(store)


def _parse_args(params, args: list[str]) -> list:
    if len(args) != len(params):
        raise RunError(f"the function takes {len(params)} arguments but {len(args)} were given")
    values = []
    for ty, text in zip(params, args):
        kind = str(ty)
        try:
            if kind in ("i32", "i64"):
                values.append(int(text))
            elif kind in ("f32", "f64"):
                values.append(float(text))
            else:
                raise RunError(f"cannot pass an argument of type {kind} from the command line")
        except ValueError:
            raise RunError(f"argument {text!r} is not a valid {kind}") from None
    return values


def _config(api, options: RunOptions):
    config = api.Config()
    for switch, wanted, feature in (("consume_fuel", options.fuel is not None, "--fuel"),
                                    ("epoch_interruption", options.timeout is not None, "--timeout")):
        if wanted:
            try:
                setattr(config, switch, True)
            except api.WasmtimeError:
                raise RunError(f"{feature} needs Config.{switch}, which this runtime does not "
                               "support yet") from None
    if options.cache is not None:
        config.cache = options.cache
    return config


def _wasi_config(api, options: RunOptions):
    wasi = api.WasiConfig()
    wasi.argv = options.argv
    wasi.env = options.env
    for host, guest, mutable in options.dirs:
        try:
            wasi.preopen_dir(host, guest, mutable)
        except api.WasmtimeError:
            raise RunError(f"cannot open directory {host!r} for --dir") from None
    for stream in ("stdin", "stdout", "stderr"):
        path = getattr(options, stream)
        try:
            if path is None:
                getattr(wasi, f"inherit_{stream}")()
            else:
                setattr(wasi, f"{stream}_file", path)
        except api.WasmtimeError:
            raise RunError(f"cannot open {path!r} for {stream}") from None
    return wasi


def first_line(error: Exception) -> str:
    """An engine's error on one line: its cause (what follows Wasmtime's
    "Caused by:"), with the source position of a text-format error."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    if "Caused by:" in lines:
        lines = lines[lines.index("Caused by:") + 1:]
    if not lines:
        return type(error).__name__
    where = next((line[3:].strip() for line in lines[1:] if line.startswith("-->")), None)
    return f"{lines[0]} (at {where})" if where else lines[0]


def format_value(value, kind: str) -> str:
    """A result as ``wasmtime run --invoke`` prints it: floats as Rust does,
    with the fewest digits that read back as the same f32 or f64, never in
    exponent notation."""
    if kind not in ("f32", "f64"):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    digits = repr(value)
    if kind == "f32":
        digits = next(text for text in (f"{value:.{p}g}" for p in range(1, 10))
                      if struct.unpack("<f", struct.pack("<f", float(text)))[0] == value)
    return format(Decimal(digits), "f").removesuffix(".0")


def add_arguments(parser) -> None:
    parser.add_argument("module", help="a .wasm or .wat file")
    parser.add_argument("args", nargs=argparse.REMAINDER, metavar="ARGS",
                        help="the guest's arguments (with --invoke: the function's arguments)")
    parser.add_argument("--invoke", metavar="NAME", help="call this exported function instead of _start")
    parser.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                        help="give the guest a host directory, under GUEST (default: HOST)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME[=VALUE]",
                        help="set an environment variable (NAME alone: pass on the host's value)")
    parser.add_argument("--fuel", type=int, metavar="N", help="stop the guest after N units of fuel")
    parser.add_argument("--timeout", type=_duration, metavar="T",
                        help="stop the guest after T of wall-clock time (seconds, or 500ms, 2s, 1m)")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="wasmfuzz",
                        help="runtime to run on (default: wasmfuzz)")


def _duration(text: str) -> float:
    for suffix, scale in (("ms", 1e-3), ("s", 1.0), ("m", 60.0)):
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * scale
    return float(text)


def parse_env(items: list[str]) -> list[tuple[str, str]]:
    """``--env K=V`` as (K, V); a bare ``--env K`` passes this process's K
    on, as the wasmtime CLI does (and nothing when it is unset)."""
    env = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            value = os.environ.get(name)
            if value is None:
                continue
        env.append((name, value))
    return env


def parse_dirs(items: list[str]) -> list[Preopen]:
    """``--dir HOST[::GUEST]`` as preopens (GUEST defaults to HOST)."""
    dirs = []
    for item in items:
        host, sep, guest = item.partition("::")
        dirs.append(Preopen(host, guest if sep else host))
    return dirs


def _options(args) -> RunOptions:
    return RunOptions(argv=[args.module, *args.args], env=parse_env(args.env), dirs=parse_dirs(args.dir),
                      invoke=args.invoke, fuel=args.fuel, timeout=args.timeout)


def run(args) -> int:
    """The guest's exit status, EXIT_TRAP after a trap, EXIT_ERROR if it cannot run."""
    api = importlib.import_module(ENGINES[args.engine])
    try:
        with open(args.module, "rb") as f:
            wasm = f.read()
        result = execute(api, wasm, _options(args))
    except OSError as e:
        return _fail(args.module, f"cannot read: {e.strerror}")
    except RunError as e:
        return _fail(args.module, str(e))
    sys.stdout.flush()
    if result.trap is not None:
        print(f"Error: {result.trap.rstrip()}", file=sys.stderr)
    for value, kind in zip(result.results, result.result_types):
        print(format_value(value, kind))
    return result.exit_code


def _fail(module: str, message: str) -> int:
    print(f"wasmfuzz run: {module}: {message}", file=sys.stderr)
    return EXIT_ERROR
