"""Every public method of wasmtime-py's classes exists here with the same
parameter names, so calls with keywords (``Val.i32(val=1)``,
``store.set_epoch_deadline(ticks_after_current=1)``) work unchanged.

The differences allowed are listed with their reason; anything else fails.
"""

from __future__ import annotations

import inspect

import pytest
import wasmtime
import wasmfuzz.runtime as ours

# (class, attribute) -> why wasmfuzz's differs.
ALLOWED = {
    ("Caller", "__init__"): "made by the runtime only; wasmtime-py's takes a C pointer",
    ("Val", "__init__"): "made through Val.i32() and the like; wasmtime-py's takes a C kind",
    ("ValType", "__init__"): "made through ValType.i32() and the like; wasmtime-py's takes no type at all",
    ("WasmtimeError", "__init__"): "an ordinary exception; wasmtime-py's wraps a C error",
    ("Trap", "__init__"): "extra optional trap_code and frames after wasmtime-py's message",
    ("Module", "__init__"): "extra keyword-only shared_with (oracles share compiled code)",
    ("TableType", "__init__"): "extra optional is_64 (memory64's 64-bit tables)",
    ("Module", "validate"): "a staticmethod where wasmtime-py has a classmethod: same call",
    ("TagType", "ptr"): "wasmtime-py's C pointer, which a Python runtime has none of",
    ("Store", "set_wasi_http"): "wasi-http needs the component model, which wasmfuzz does not have",
}


def _members():
    for name in sorted(set(wasmtime.__all__) & set(ours.__all__)):
        theirs = getattr(wasmtime, name)
        if not inspect.isclass(theirs):
            continue
        for attr in vars(theirs):
            if not attr.startswith("_") or attr == "__init__":
                yield pytest.param(name, attr, id=f"{name}.{attr}")


def _params(cls, attr) -> list[str] | None:
    """Parameter names of ``cls.attr`` (a property's setter or getter), None if it has none to compare."""
    member = inspect.getattr_static(cls, attr)
    member = getattr(member, "__func__", member)
    if isinstance(member, property):
        member = member.fset  # a getter has no parameters to compare
    if not inspect.isfunction(member):
        return None
    try:
        return [p for p in inspect.signature(member).parameters if p not in ("self", "cls")]
    except (TypeError, ValueError):
        return None


# Classes whose attributes are set per instance: how to make one to look at.
SAMPLES = {"Trap": lambda: ours.Trap("sample")}


def _has(cls, attr) -> bool:
    """Whether ``cls`` (or, for SAMPLES, an instance) has ``attr``. Config's
    switches are written through ``__setattr__`` (wasmtime-py's are
    write-only properties): a switch that exists refuses a nonsense value
    with TypeError or WasmtimeError, or keeps it; only an unknown one raises
    AttributeError."""
    if hasattr(cls, attr) or (cls.__name__ in SAMPLES and hasattr(SAMPLES[cls.__name__](), attr)):
        return True
    if cls is not ours.Config:
        return False
    try:
        setattr(ours.Config(), attr, object())
    except AttributeError:
        return False
    except (TypeError, ours.WasmtimeError):
        pass
    return True


@pytest.mark.parametrize("name, attr", list(_members()))
def test_member_exists_with_wasmtime_py_parameter_names(name, attr):
    if (name, attr) in ALLOWED:
        pytest.skip(ALLOWED[name, attr])
    theirs, mine = getattr(wasmtime, name), getattr(ours, name)
    assert _has(mine, attr), f"{name}.{attr} is missing"
    expected = _params(theirs, attr)
    if expected is not None and hasattr(mine, attr):  # (not Config's write-only switches)
        assert _params(mine, attr) == expected
