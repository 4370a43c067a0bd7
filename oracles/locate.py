"""Finding the first cause of a difference between two engines' runs of one
WASI program (``oracles.program``), without a person.

Two steps, each answering a narrower question:

1. ``first_call_difference``: the WASI call logs side by side. Fuel consumed
   by instantiation is compared first (a difference there is inside
   instantiation, before any call), then each call's name, arguments,
   result and fuel before it. If the first differing call differs only in
   its result, the host (WASI) is the cause; if its arguments or the fuel
   before it differ, or one side made no such call, the Wasm code that ran
   since the previous call is.
2. ``bisect``: runs both engines with the same fuel budget B and compares
   everything observable where they stop (how they ended, calls made,
   every memory, global and table), halving B down to the first budget at
   which the states differ. Fuel is checked at function entries and loop
   headers (the same points on both engines), so the stop there is the
   first check point reached after the code that made the difference; the
   stop of the budget before it, where the states still agreed, bounds the
   code from the other side.

The first differing budget is found assuming that once the states differ
they stay different (true of a wrong value written to memory that is not
overwritten with the same bytes later); the report says which budget and
what differed, so a reader can check.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from types import ModuleType

from wasmfuzz.runtime.binary.module_info import ModuleInfo
from wasmfuzz.runtime.binary.opcodes import op_name

from . import program as programs
from .program import HostCall, Instrumented, Observed, Program, Stop

ASPECTS = ("ended", "stdout", "stderr", "files", "fuel")


def differences(theirs: Observed, ours: Observed) -> list[str]:
    """The aspects (``ASPECTS``) in which two runs differ."""
    return [aspect for aspect in ASPECTS if getattr(theirs, aspect) != getattr(ours, aspect)]


@dataclass
class CallDifference:
    """The first point where the logs part: ``agreed`` calls matched before it.
    ``call`` is None for a difference in instantiation's fuel; a side's
    HostCall is None when that side made no such call."""

    agreed: int
    theirs: HostCall | None = None
    ours: HostCall | None = None
    instantiation: tuple[int | None, int | None] | None = None

    @property
    def in_host(self) -> bool:
        """Whether the host answered differently to the same call (so the
        Wasm code before it is not the cause)."""
        t, o = self.theirs, self.ours
        return t is not None and o is not None and (t.name, t.args, t.fuel) == (o.name, o.args, o.fuel)


def first_call_difference(theirs: Observed, ours: Observed) -> CallDifference | None:
    """Where the two call logs first differ, or None if they agree."""
    if theirs.instantiation_fuel != ours.instantiation_fuel:
        return CallDifference(0, instantiation=(theirs.instantiation_fuel, ours.instantiation_fuel))
    a, b = theirs.calls or [], ours.calls or []
    for k in range(max(len(a), len(b))):
        t = a[k] if k < len(a) else None
        o = b[k] if k < len(b) else None
        if t != o:
            return CallDifference(k, t, o)
    return None


@dataclass
class StateAt:
    """Both engines stopped by one fuel budget."""

    budget: int
    theirs: Observed
    ours: Observed
    changes: list[str] = field(default_factory=list)  # what differs, one line each; empty: they agree


@dataclass
class Located:
    """The first budget at which the states differ, and the last one before it."""

    first: StateAt
    before: StateAt | None


def state_at(apis: tuple[ModuleType, ModuleType], program: Program, instrumented: Instrumented,
             budget: int) -> StateAt:
    """Run both engines (Wasmtime's API first) with ``budget`` fuel and compare where they stop."""
    theirs, ours = (programs.run(api, program, fuel=budget, instrumented=instrumented) for api in apis)
    return StateAt(budget, theirs, ours, state_changes(theirs, ours))


def state_changes(theirs: Observed, ours: Observed) -> list[str]:
    """What differs between two stopped runs, one line per thing."""
    out = []
    if theirs.ended != ours.ended:
        out.append(f"ended: wasmtime {theirs.ended}, wasmfuzz {ours.ended}")
    if _stopped_apart(theirs.stop, ours.stop):
        out.append(f"stopped at: wasmtime {_stop_text(theirs.stop)}, wasmfuzz {_stop_text(ours.stop)}")
    calls = first_call_difference(theirs, ours)
    if calls is not None and calls.instantiation is None:
        out.append(f"WASI call {calls.agreed + 1}: wasmtime {calls.theirs or 'none'}, wasmfuzz {calls.ours or 'none'}")
    a, b = theirs.state or {}, ours.state or {}
    for key in sorted(set(a) | set(b)):
        if a.get(key) != b.get(key):
            out.append(_describe_state(key, a.get(key), b.get(key)))
    return out


def _stopped_apart(a: Stop | None, b: Stop | None) -> bool:
    """Whether two traps stopped in different places: in different functions,
    or at different offsets when both engines give one (a fuel charge that
    differs shows here, as a stop at another check point)."""
    if a is None or b is None:
        return False
    if a.func_index != b.func_index:
        return True
    return None not in (a.offset, b.offset) and a.offset != b.offset


def _stop_text(stop: Stop) -> str:
    return f"function {stop.func_index}" + ("" if stop.offset is None else f" offset {stop.offset:#x}")


def _describe_state(key: str, a, b) -> str:
    if a is None or b is None:
        return f"{key}: only {'wasmfuzz' if a is None else 'wasmtime'} has it"
    if isinstance(a, bytes):
        if len(a) != len(b):
            return f"{key}: wasmtime {len(a)} bytes, wasmfuzz {len(b)} bytes"
        first, count = byte_difference(a, b)
        return (f"{key}: {count} bytes differ, first at {first:#x}: wasmtime {a[first:first + 16].hex(' ')}, "
                f"wasmfuzz {b[first:first + 16].hex(' ')}")
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{key}: wasmtime {len(a)} elements, wasmfuzz {len(b)}"
        k = next(k for k in range(len(a)) if a[k] != b[k])
        return f"{key}: element {k}: wasmtime {a[k]}, wasmfuzz {b[k]}"
    return f"{key}: wasmtime {a}, wasmfuzz {b}"


def byte_difference(a: bytes, b: bytes) -> tuple[int, int]:
    """The first differing offset of two equally long, different byte
    strings, and how many bytes differ (by one XOR of the whole, as memories
    are megabytes)."""
    xor = (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(len(a), "little")
    return len(xor) - len(xor.lstrip(b"\0")), len(xor) - xor.count(0)


def bisect(apis: tuple[ModuleType, ModuleType], program: Program, instrumented: Instrumented,
           high: int) -> Located | None:
    """The first budget in [0, high] at which the stopped states differ, or
    None if they do not differ even at ``high``."""
    top = state_at(apis, program, instrumented, high)
    if not top.changes:
        return None
    lo, hi, first = -1, high, top  # states agree at lo (or lo is -1), differ at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        probe = state_at(apis, program, instrumented, mid)
        if probe.changes:
            hi, first = mid, probe
        else:
            lo = mid
    before = state_at(apis, program, instrumented, lo) if lo >= 0 else None
    return Located(first, before)


def place(instrumented: Instrumented, stop: Stop | None) -> str:
    """A stop as a reader wants it: function (by name, else index), offset
    in the original module, and the instruction there."""
    if stop is None:
        return "(no frame: stopped outside Wasm code)"
    name = stop.func_name or instrumented.info.func_names.get(stop.func_index)
    where = f"function {name} (index {stop.func_index})" if name else f"function {stop.func_index}"
    if stop.offset is None:
        return f"{where}, offset unknown"
    text = instruction_at(instrumented.info, stop.offset)
    return f"{where}, offset {stop.offset:#x}" + (f": {text}" if text else "")


def instruction_at(info: ModuleInfo, offset: int) -> str | None:
    """The instruction at ``offset`` as the decoder read it (name and raw
    immediates), "function entry" for the bytes before a body's first
    instruction (where Wasmtime checks fuel on entry), None elsewhere."""
    k = bisect_right([body.offset for body in info.code], offset) - 1
    if k < 0 or not info.code[k].offsets or offset > info.code[k].offsets[-1]:
        return None
    body = info.code[k]
    if offset < body.offsets[0]:
        return "function entry"
    i = bisect_left(body.offsets, offset)
    if body.offsets[i] != offset:
        return None
    ins = body.code[i]
    return " ".join([op_name(ins[0]), *(str(x) for x in ins[1:] if x is not None)])
