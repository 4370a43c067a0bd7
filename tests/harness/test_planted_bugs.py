"""The harness finds bugs: each test plants one bug in the runtime (through
monkeypatching, inside the test only) and shows that the target meant to
catch that kind of bug finds it, from an empty corpus, within a bounded
number of executions.

An input counts as finding the planted bug only if it diverges with the bug
and does not diverge without it, so a real runtime bug met on the way is
not mistaken for the planted one. Inputs are random bytes from a seeded
generator (what a fuzzer starts from with no corpus), so every run is the
same; the number of executions each bug took is printed (``pytest -s``).

Adding a bug is one ``PlantedBug`` line and, usually, a small function that
plants it. Bugs in features the runtime does not have yet are listed with
``needs``: they are skipped, by the same capability probe the harness uses,
until the feature lands.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

import pytest
from wasmfuzz.fuzz import targets
from wasmfuzz.oracles import Divergence, supports
from wasmfuzz.runtime.binary import opcodes, type_registry
from wasmfuzz.runtime.compile.python import codegen
from wasmfuzz.runtime.compile.python import meter as codegen_meter
from wasmfuzz.runtime.vm import context as vm
from wasmfuzz.runtime.vm import libcalls
from wasmfuzz.runtime.vm.libcalls import LIBCALLS


@dataclass(frozen=True)
class PlantedBug:
    name: str
    target: str
    plant: Callable[[pytest.MonkeyPatch], None] | None
    budget: int  # executions the target may take (the inputs a target makes change as the runtime
    #              gains features, so budgets leave room over today's counts)
    needs: tuple[str, ...] = ()  # runtime features (oracles.capabilities)
    pending: str = ""  # why there is no way to plant it yet


def memory_fill_off_by_one(mp):
    def memory_fill(m, d, val, n):
        if d + n > len(m) + 1:  # the bug: one byte past the end is let through
            libcalls.trap(1)
        end = min(d + n, len(m))  # (a memory's buffer cannot grow by a slice write)
        m[d:end] = bytes([val & 0xFF]) * (end - d)
    mp.setitem(LIBCALLS, "_memory_fill", memory_fill)


def call_indirect_without_signature_check(mp):
    mp.setattr(type_registry, "sig_id", lambda sig: 0)  # every signature looks the same


def table_copy_forward_only(mp):
    def table_copy(dst, d, src, s, n):
        if d + n > len(dst.elems) or s + n > len(src.elems):
            libcalls.trap(3)
        src.resolve_range(s, n)
        for k in range(n):  # the bug: a forward loop clobbers an overlapping source
            dst.elems[d + k] = src.elems[s + k]
    mp.setitem(LIBCALLS, "_table_copy", table_copy)


def i64_xor_masked_to_32_bits(mp):
    mp.setitem(codegen._SIMPLE, opcodes.NAMES["i64.xor"], ("b", "(({a} ^ {b}) & 0xFFFFFFFF)"))


def table_bounds_trap_reports_null(mp):
    def trap(code):
        libcalls.trap(4 if code == 3 else code)  # the bug: TABLE_OUT_OF_BOUNDS reported as a null element
    mp.setitem(LIBCALLS, "_trap", trap)


def lazy_init_overwrites_null(mp):
    def resolve(self, i):
        v = self.elems[i]
        if v is vm.UNINIT or (v is None and self.lazy is not None):  # the bug: a stored null looks unread
            owner, plan = self.lazy
            idx = plan[i] if i < len(plan) else None
            v = None if idx is None else owner.funcref(idx)
            self.elems[i] = v
        return v

    def table_get(table, i):
        if i >= len(table.elems):
            libcalls.trap(3)
        return table.resolve(i)
    mp.setattr(vm.TableInstance, "resolve", resolve)
    mp.setitem(LIBCALLS, "_table_get", table_get)


def table_copy_loses_uninitialised_state(mp):
    def table_copy(dst, d, src, s, n):
        if d + n > len(dst.elems) or s + n > len(src.elems):
            libcalls.trap(3)
        dst.elems[d:d + n] = src.elems[s:s + n]  # the bug: "not yet initialised" is copied as is
    mp.setitem(LIBCALLS, "_table_copy", table_copy)


def memory64_bounds_in_32_bits(mp):
    for name, fn in list(LIBCALLS.items()):
        if name.startswith(("_ld_", "_st_", "_load_", "_store_")):
            mp.setitem(LIBCALLS, name, lambda m, ea, *rest, _fn=fn: _fn(m, ea & 0xFFFFFFFF, *rest))


def fuel_charged_for_drop(mp):
    mp.setattr(codegen_meter, "FREE_OPS", codegen_meter.FREE_OPS - {opcodes.DROP})


def no_epoch_check_at_loop_headers(mp):
    def loop_header(self):
        if self.fuel:
            self.fuel_check()  # the bug: the epoch check is left out
    mp.setattr(codegen_meter.Meter, "loop_header", loop_header)


BUGS = [
    PlantedBug("memory.fill bounds check off by one", "memory", memory_fill_off_by_one, 800),
    PlantedBug("call_indirect skips the signature check", "table_ops", call_indirect_without_signature_check, 300),
    PlantedBug("table.copy copies forward over an overlap", "table_ops", table_copy_forward_only, 800),
    PlantedBug("i64.xor masked to 32 bits", "differential", i64_xor_masked_to_32_bits, 300),
    PlantedBug("table bounds trap reported as a null element", "table_ops", table_bounds_trap_reports_null, 300),
    PlantedBug("lazy init overwrites an explicit null", "table_ops", lazy_init_overwrites_null, 300,
               ("table_lazy_init",)),
    PlantedBug("table.copy loses the uninitialised state", "table_ops", table_copy_loses_uninitialised_state, 300,
               ("table_lazy_init",)),
    PlantedBug("memory64 bounds check done in 32 bits", "memory", memory64_bounds_in_32_bits, 300, ("memory64",)),
    PlantedBug("fuel charged for drop, a free operator", "fuel", fuel_charged_for_drop, 800, ("fuel",)),
    PlantedBug("epoch check missing at loop headers", "epoch", no_epoch_check_at_loop_headers, 300, ("epoch",)),
]


def _inputs(bug: PlantedBug):
    rng = random.Random(bug.name)
    short = bug.target in ("table_ops", "memory")
    for _ in range(bug.budget):
        yield rng.randbytes(rng.randint(16, 600) if short else rng.randint(200, 3000))


def _diverges(case) -> bool:
    try:
        case.check()
    except Divergence:
        return True
    return False


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_target_finds_planted_bug(bug: PlantedBug, monkeypatch, record_property):
    missing = [n for n in bug.needs if not supports(n)]
    if missing:
        pytest.skip(f"the runtime has no {', '.join(missing)} yet")
    if bug.plant is None:
        pytest.skip(bug.pending)
    for execs, data in enumerate(_inputs(bug), start=1):
        case = targets.make_case(bug.target, data)
        if case is None:
            continue
        with monkeypatch.context() as mp:
            bug.plant(mp)
            found = _diverges(case)
        if found and not _diverges(case):
            record_property("executions", execs)
            print(f"\n{bug.name}: found by {bug.target} after {execs} executions")
            return
    pytest.fail(f"{bug.target} did not find '{bug.name}' in {bug.budget} executions")
