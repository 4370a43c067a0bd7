"""The catalogue of planted bugs, and the loop that looks for one.

Each ``PlantedBug`` is a one-line mistake a runtime developer could make,
planted by monkeypatching (inside a ``pytest.MonkeyPatch`` context only),
with the target made for its kind. ``tests/harness/test_planted_bugs.py``
checks that this target finds it within a budget; ``benches/find_bugs.py``
measures how many executions each target, the main job included, takes.

It lives here, beside the test, because it is test code: it reaches into
the runtime's internals to break them, and nothing under ``wasmfuzz/``
may depend on it (the runtime never imports harness or test code). The
benchmark puts this directory on ``sys.path``, as pytest does for the
test, rather than the other way round, so the package never carries it.

An input counts as finding the planted bug only if it diverges with the
bug and does not diverge without it, so a real runtime bug met on the way
is not mistaken for the planted one. Inputs are random bytes from a seeded
generator (what a fuzzer starts from with no corpus), so every run is the
same. Bugs in features the runtime does not have yet are listed with
``needs`` (skipped by the harness's own capability probe); a bug that no
target can reach yet has ``pending``, saying why.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Iterator

import pytest
from wasmfuzz.fuzz import targets
from wasmfuzz.oracles import Divergence
from wasmfuzz.oracles.execution import reset_pooled_engines
from wasmfuzz.runtime import instance as runtime_instance
from wasmfuzz.runtime.binary import opcodes
from wasmfuzz.runtime.binary.type_registry import display
from wasmfuzz.runtime.compile import init_plan
from wasmfuzz.runtime.compile.python import codegen
from wasmfuzz.runtime.compile.python import meter as codegen_meter
from wasmfuzz.runtime.errors import Trap, TrapCode
from wasmfuzz.runtime.vm import atomics, interrupts, libcalls, membuf
from wasmfuzz.runtime.vm import context as vm
from wasmfuzz.runtime.vm import gc as vm_gc
from wasmfuzz.runtime.vm.libcalls import LIBCALLS
from wasmfuzz.runtime.vm.simd import LIBCALLS as SIMD_LIBCALLS
from wasmfuzz.runtime.wasi import fdtable

MAIN_JOB = "differential"


@dataclass(frozen=True)
class PlantedBug:
    name: str
    target: str  # the target made for this kind of bug
    plant: Callable[[pytest.MonkeyPatch], None]
    budget: int  # executions the target may take (the inputs a target makes change as the runtime
    #              gains features, so budgets leave room over today's counts)
    needs: tuple[str, ...] = ()  # runtime features (oracles.capabilities)
    pending: str = ""  # why no target can find it yet (then it is measured, not required)


def memory_fill_off_by_one(mp):
    def memory_fill(m, d, val, n):
        if d + n > len(m) + 1:  # the bug: one byte past the end is let through
            libcalls.trap(1)
        end = min(d + n, len(m))  # (a memory's buffer cannot grow by a slice write)
        m[d:end] = bytes([val & 0xFF]) * (end - d)
    mp.setitem(LIBCALLS, "_memory_fill", memory_fill)


def call_indirect_without_signature_check(mp):
    # call_indirect accepts a function of another type when this says it is a subtype: every one is.
    mp.setitem(vm_gc.LIBCALLS, "_is_subtype", lambda sub, sup: True)


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


def rem_s_traps_on_overflow(mp):
    for name, bits in (("_i32_rem_s", 32), ("_i64_rem_s", 64)):
        def rem_s(a, b, _right=LIBCALLS[name], _min=1 << (bits - 1), _minus1=(1 << bits) - 1):
            if a == _min and b == _minus1:
                libcalls.trap(6)  # the bug: INT_MIN % -1 "overflows" as div_s does (the result is 0)
            return _right(a, b)
        mp.setitem(LIBCALLS, name, rem_s)


def br_table_index_at_count_takes_last(mp):
    right = codegen._DISPATCH[opcodes.BR_TABLE]

    def br_table(self, ins):
        labels = ins[1]
        if labels:  # the bug: an index equal to the count reads one past the end, the last target
            ins = (ins[0], (*labels, labels[-1]), *ins[2:])
        return right(self, ins)
    mp.setitem(codegen._DISPATCH, opcodes.BR_TABLE, br_table)


def promote_keeps_signalling_nan(mp):
    mp.setitem(LIBCALLS, "_promote", lambda a: a)  # the bug: an sNaN passes through without the quiet bit


def pooled_memory_not_zeroed(mp):
    def reset(buf, nbytes, keep_from, keep_to):
        try:  # the bug: the slot is resized but what the last instance wrote stays
            del buf[nbytes:]
            buf.extend(bytes(nbytes - len(buf)))
        except BufferError:
            return False
        return True
    mp.setattr(membuf, "_reset", reset)


def folded_segments_not_dropped(mp):
    right = runtime_instance._apply_segments

    def apply_segments(vmctx, first_elem, imaged, meter):
        right(vmctx, first_elem, imaged, meter)
        for idx, seg in enumerate(vmctx.info.elems[:first_elem]):
            if seg.mode == "active":  # the bug: segments the lazy plan folded stay alive
                vmctx._dropped_elems.discard(idx)
    mp.setattr(runtime_instance, "_apply_segments", apply_segments)


def lazy_plan_folds_one_past_the_table(mp):
    def table_plans(info):
        tables = {}
        for i, t in enumerate(info.tables):
            if t.sig.elem == init_plan.FUNCREF and t.init is None and t.sig.min <= init_plan.MAX_LAZY_TABLE:
                tables[info.num_imported_tables + i] = [None] * t.sig.min
        first_elem = len(info.elems)
        for idx, seg in enumerate(info.elems):
            if seg.mode != "active":
                continue
            plan = tables.get(seg.table)
            offset = init_plan._const_offset(seg.offset)
            funcs = seg.func_indices() if plan is not None and offset is not None else None
            if funcs is None or offset + len(funcs) > len(plan) + 1:  # the bug: one past the end is folded
                first_elem = idx
                break
            plan[offset:offset + len(funcs)] = funcs
        return {k: tuple(v) for k, v in tables.items()}, first_elem
    mp.setattr(init_plan, "_table_plans", table_plans)


def call_indirect_charged_twice(mp):
    right = codegen_meter.Meter.charge

    def charge(self, o):
        right(self, o)
        if o == opcodes.CALL_INDIRECT:
            right(self, o)  # the bug: charged again
    mp.setattr(codegen_meter.Meter, "charge", charge)


def fuel_check_lost_with_epochs(mp):
    def loop_header(self):
        if self.fuel and not self.epochs:  # the bug: with epochs on too, only the epoch is checked
            self.fuel_check()
        if self.epochs:
            self.epoch_check()
    mp.setattr(codegen_meter.Meter, "loop_header", loop_header)


def memory64_address_wraps(mp):
    right = codegen.FunctionEmitter.address
    mp.setattr(codegen.FunctionEmitter, "address",  # the bug: addr + offset wraps at 2**64
               lambda self, offset: f"(({right(self, offset)}) & 0xFFFFFFFFFFFFFFFF)")


def atomics_bounds_before_alignment(mp):
    def checked(mem, ea, size):
        data = mem.data
        if ea + size > len(data):  # the bug: bounds first, so a misaligned access out of bounds
            raise Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)  # reports the wrong trap
        if ea & (size - 1):
            raise Trap.from_code(TrapCode.HEAP_MISALIGNED)
        return data
    mp.setattr(atomics, "_checked", checked)


def epoch_deadline_compared_strictly(mp):
    set_deadline = interrupts.EpochCounter.set_deadline

    def late(self, ctx, ticks_beyond_current):
        # the bug: the epoch counts as reaching the deadline only once past it
        # (> where >= is meant), so every store is woken one tick late
        set_deadline(self, ctx, ticks_beyond_current + 1)
    mp.setattr(interrupts.EpochCounter, "set_deadline", late)


def closed_descriptor_numbers_not_reused(mp):
    def close(self, fd):
        self.get(fd).close()
        del self.used[fd]  # the bug: the number is not put back for the next open

    mp.setattr(fdtable.FdTable, "close", close)


def memory_copy_forward_by_words(mp):
    def memory_copy(dst, d, src, s, n):
        if d + n > len(dst) or s + n > len(src):
            libcalls.trap(1)
        for k in range(0, n, 8):  # the bug: a word at a time from the front clobbers a source it overlaps
            dst[d + k:d + min(k + 8, n)] = src[s + k:s + min(k + 8, n)]
    mp.setitem(LIBCALLS, "_memory_copy", memory_copy)


def extract_lane_from_the_top(mp):
    right = SIMD_LIBCALLS["_v_i32x4_extract_lane"]
    mp.setitem(SIMD_LIBCALLS, "_v_i32x4_extract_lane", lambda lane, v: right(3 - lane, v))  # the bug: lane order


def narrow_saturates_one_short(mp):
    right = SIMD_LIBCALLS["_v_i16x8_narrow_i32x4_s"]

    def narrow(a, b):
        out = right(a, b)
        for k in range(8):  # the bug: the low bound is -32767
            if out >> 16 * k & 0xFFFF == 0x8000:
                out += 1 << 16 * k
        return out
    mp.setitem(SIMD_LIBCALLS, "_v_i16x8_narrow_i32x4_s", narrow)


def mul_wide_s_unsigned(mp):
    mp.setitem(LIBCALLS, "_i64_mul_wide_s", LIBCALLS["_i64_mul_wide_u"])  # the bug: signs ignored


def memory_size_in_64k_pages(mp):
    def memory_size(self, ins):
        _, m = self.mem(ins[1])
        self.push_slot_value(f"len({m}) >> 16")  # the bug: the memory's own page size is ignored
    mp.setitem(codegen._DISPATCH, opcodes.MEMORY_SIZE, memory_size)


def return_call_indirect_without_signature_check(mp):
    def return_call_indirect(self, ins):
        self.indirect_target(ins)
        self.lines.pop()  # the bug: the signature check, the last line written, is left out
        self.line_code.pop()
        self.tail_call("_r.code", "_r.vm", self.info.types[ins[1]])
    mp.setitem(codegen._DISPATCH, opcodes.RETURN_CALL_INDIRECT, return_call_indirect)


def br_on_null_never_branches(mp):
    mp.setitem(codegen._DISPATCH, opcodes.BR_ON_NULL, lambda self, ins: None)  # the bug: a null goes on


def catch_all_catches_traps(mp):
    """A handler written ``except Exception``: traps inside a try_table are caught too."""
    source = codegen.FunctionEmitter.source
    mp.setattr(codegen.FunctionEmitter, "source",
               lambda self: source(self).replace("except _WasmException as _e:", "except Exception as _e:"))


def cast_accepts_a_sibling(mp):
    """A subtype test that compares how deep two types are instead of which they are."""
    mp.setattr(vm_gc, "is_subtype", lambda sub, sup: len(display(sub)) >= len(display(sup)))


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
    PlantedBug("i32.rem_s of INT_MIN by -1 traps", "instructions", rem_s_traps_on_overflow, 2000),
    PlantedBug("br_table index equal to the count takes the last target", "instructions",
               br_table_index_at_count_takes_last, 2000),
    PlantedBug("f64.promote_f32 keeps a signalling NaN", "instructions", promote_keeps_signalling_nan, 2000),
    PlantedBug("pooled memory slot not zeroed on reuse", "memory", pooled_memory_not_zeroed, 800, ("pooling",)),
    PlantedBug("lazy init: folded active segments not dropped", "table_ops", folded_segments_not_dropped, 2000,
               ("table_lazy_init",)),
    PlantedBug("lazy plan folds a segment ending one past the table", "table_ops",
               lazy_plan_folds_one_past_the_table, 2000, ("table_lazy_init",)),
    PlantedBug("fuel: call_indirect charged twice", "fuel", call_indirect_charged_twice, 2000, ("fuel",)),
    PlantedBug("fuel and epochs: loop headers lose the fuel check", "fuel", fuel_check_lost_with_epochs, 2000,
               ("fuel", "epoch")),
    PlantedBug("memory64 address wraps past 2**64", "memory", memory64_address_wraps, 800, ("memory64",)),
    PlantedBug("atomics check bounds before alignment", "memory", atomics_bounds_before_alignment, 800,
               ("threads",)),
    PlantedBug("epoch deadline compared with > instead of >=", "epoch", epoch_deadline_compared_strictly, 800,
               ("epoch",)),
    PlantedBug("WASI: a closed descriptor's number is not reused", "wasi", closed_descriptor_numbers_not_reused,
               2000),
    PlantedBug("memory.copy forward a word at a time over an overlap", "mutate", memory_copy_forward_by_words, 200),
    PlantedBug("SIMD: i32x4.extract_lane counts lanes from the top", "instructions", extract_lane_from_the_top, 2000,
               ("simd",)),
    PlantedBug("SIMD: i16x8.narrow_i32x4_s saturates at -32767", "instructions", narrow_saturates_one_short, 2000,
               ("simd",)),
    PlantedBug("wide arithmetic: i64.mul_wide_s multiplies unsigned", "instructions", mul_wide_s_unsigned, 2000,
               ("wide_arithmetic",)),
    PlantedBug("tail calls: return_call_indirect skips the signature check", "instructions",
               return_call_indirect_without_signature_check, 2000, ("tail_call",)),
    PlantedBug("custom page sizes: memory.size counts 64 KiB pages", "memory", memory_size_in_64k_pages, 2000,
               ("custom_page_sizes",)),
    PlantedBug("typed references: br_on_null never branches", "instructions", br_on_null_never_branches, 2000,
               ("function_references",)),
    PlantedBug("exceptions: catch_all catches traps", "instructions", catch_all_catches_traps, 2000,
               ("exceptions",)),
    PlantedBug("GC: a cast accepts a sibling type", "instructions", cast_accepts_a_sibling, 2000, ("gc",)),
]


def inputs(seed: str | int, target: str, count: int) -> Iterator[bytes]:
    """``count`` random inputs for ``target`` from a generator seeded with ``seed``.
    Program generators read a few hundred bytes; smith-based targets use more."""
    rng = random.Random(seed)
    short = target in ("table_ops", "memory", "instructions")
    for _ in range(count):
        yield rng.randbytes(rng.randint(16, 600) if short else rng.randint(200, 3000))


def diverges(case) -> bool:
    try:
        case.check()
    except Divergence:
        return True
    return False


def diverges_with(bug: PlantedBug, case) -> bool:
    """Whether ``case`` diverges with ``bug`` planted (and only for this check)."""
    with pytest.MonkeyPatch.context() as mp:
        bug.plant(mp)
        return diverges(case)


def first_finding(bug: PlantedBug, target: str, seed: str | int, max_execs: int) -> int | None:
    """Executions ``target`` took to find ``bug`` from seed ``seed``; None if not within ``max_execs``.
    Pooled slots start empty (``reset_pooled_engines``): what earlier tests left in them is no part of the run."""
    reset_pooled_engines()
    for execs, data in enumerate(inputs(seed, target, max_execs), start=1):
        case = targets.make_case(target, data)
        if case is not None and diverges_with(bug, case) and not diverges(case):
            return execs
    return None
