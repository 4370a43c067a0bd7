"""``Instance`` and instantiation: imports checked and bound, state allocated,
segments applied, start function run — in the spec's order.

Instantiation allocates memories, tables and globals and applies active
segments; it does no work per function: references to functions are made on
first use (``VMContext.funcref``) and code is compiled on first call.
"""

from __future__ import annotations

from .binary.constexpr import eval_const
from .binary.module_info import EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_NAMES, EXTERN_TABLE, EXTERN_TAG
from .binary.reftypes import matches
from .binary.type_registry import is_subtype
from .binary.opcodes import F32_CONST, F64_CONST, I32_CONST, I64_CONST, NAMES, REF_FUNC
from .arguments import expect, expect_store
from .errors import LinkError, Trap, TrapCode, WasmtimeError
from .exports import InstanceExports
from .func import Func, call_wasm
from .globals import Global
from .memory import Memory, SharedMemory, check_shared_memory_enabled
from .module import Module
from .table import Table
from .tag import Tag
from .vm.context import GlobalCell, VMContext
from .vm.exceptions import TagInstance
from .vm.funcref import FuncRef
from .vm.interrupts import new_epoch, out_of_fuel

_EXTERN_CLASSES = {EXTERN_FUNC: Func, EXTERN_TABLE: Table, EXTERN_MEMORY: (Memory, SharedMemory),
                   EXTERN_GLOBAL: Global, EXTERN_TAG: Tag}
# Whatever can be imported (or defined in a Linker).
EXTERN_TYPES = (Func, Table, Memory, SharedMemory, Global, Tag)
EXTERN_WHAT = "a Func, Table, Memory, SharedMemory, Global or Tag"


def _limits_match(cur_min: int, cur_max, want_min: int, want_max) -> bool:
    if cur_min < want_min:
        return False
    if want_max is None:
        return True
    return cur_max is not None and cur_max <= want_max


def check_import(info, imp, item) -> None:
    """Raise LinkError unless ``item`` fits import ``imp`` of ``info``."""
    where = f"`{imp.module}::{imp.name}`"
    expected = _EXTERN_CLASSES.get(imp.kind)
    if expected is None or not isinstance(item, expected):
        got = type(item).__name__
        raise LinkError(f"incompatible import type for {where}: expected {EXTERN_NAMES.get(imp.kind)}, found {got}")
    if imp.kind == EXTERN_FUNC:
        ref: FuncRef = item._ref
        expected = info.type_ids[imp.desc]
        if ref.sig != expected and not is_subtype(ref.sig, expected):  # GC: a declared subtype will do
            raise LinkError(f"incompatible import type for {where}: function types differ "
                            f"(expected {info.types[imp.desc]}, found {ref.type})")
    elif imp.kind == EXTERN_TABLE:
        t = item._table
        sig = imp.desc
        if t.elem_type != sig.elem or t.is64 != sig.is64 or not _limits_match(len(t.elems), t.max, sig.min, sig.max):
            raise LinkError(f"incompatible import type for {where}: table types differ")
    elif imp.kind == EXTERN_TAG:
        if item._tag.type_id != info.type_ids[imp.desc]:
            raise LinkError(f"incompatible import type for {where}: tag types differ")
    elif imp.kind == EXTERN_MEMORY:
        m = item._mem
        sig = imp.desc
        if m.is64 != sig.is64 or m.shared != sig.shared or m.page_size_log2 != sig.page_size_log2 \
                or not _limits_match(m.pages, m.max, sig.min, sig.max):
            raise LinkError(f"incompatible import type for {where}: memory types differ")
    else:
        c = item._cell
        sig = imp.desc
        if c.mutable != sig.mutable or not (c.type == sig.type or (not sig.mutable and matches(c.type, sig.type))):
            raise LinkError(f"incompatible import type for {where}: global types differ")


def _bind_import(store, vm: VMContext, imp, item, checked: bool) -> None:
    """Add ``item`` to ``vm`` as import ``imp`` (checking it first unless ``checked``)."""
    if not checked:
        check_import(vm.info, imp, item)
    if imp.kind == EXTERN_FUNC:
        ref: FuncRef = item._ref
        if getattr(ref.code, "access_caller", False):
            ref = FuncRef(ref.code, vm, ref.type, None, ref.sig)
        vm.imported_funcs.append(ref)
    elif imp.kind == EXTERN_TABLE:
        vm.tables.append(item._table)
    elif imp.kind == EXTERN_MEMORY:
        vm.memories.append(item._mem)
    elif imp.kind == EXTERN_TAG:
        vm.tags.append(item._tag)
    else:
        vm.globals.append(item._cell)


class _InitMeter:
    """Fuel and epoch checks while instantiating, as Wasmtime makes them
    (measured on Wasmtime 50). Nothing for what the module's init plan
    already folded (numeric-constant globals, folded element segments, a
    static memory image). Otherwise, when the first evaluation is needed, 1
    fuel then a fuel check and an epoch check, as on a function's entry; then
    1 per operator of each evaluated constant expression (function indices
    are free, expression-encoded items are not), 1 per element or byte a
    segment writes, after its bounds check and the write (checked after
    every data segment, and after an element segment of more than 128
    elements), 1 per element of each GC array a constant expression makes
    with array.new or array.new_default (checked after an array of more than
    128; a passive segment's when the instance is made, before any active
    segment, an active one's after its bounds check), and 1 for calling the
    start function. Data segments are
    charged only if Wasmtime would initialise memory segment by segment (the
    module's plan has no static memory: see ``init_plan``); with static memory,
    more than one memory and some non-empty segment it still runs its
    initialisation code, which costs the first unit and its checks."""

    def __init__(self, ctx, fuel: bool, epochs: bool):
        self.ctx = ctx
        self.fuel = fuel
        self.epochs = epochs
        self.started = False

    def charge(self, units: int, check: bool = False) -> None:
        ctx = self.ctx
        if not self.started:
            self.started = True
            if self.fuel:
                ctx.fuel += 1
                self._check()
            if self.epochs and ctx.hit:
                new_epoch(ctx)
        if self.fuel:
            ctx.fuel += units
            if check:
                self._check()

    def _check(self) -> None:
        if self.ctx.fuel >= 0:
            out_of_fuel(self.ctx, self.ctx.fuel)


# GC instructions that make an array of a length given at run time, which costs that length in fuel.
_SIZED_ARRAYS = (NAMES["array.new"], NAMES["array.new_default"])
# A global initialised by one of these is folded by Wasmtime: no fuel, no checks (v128.const too).
_NUMERIC_CONSTS = (I32_CONST, I64_CONST, F32_CONST, F64_CONST, NAMES["v128.const"])


def _is_numeric_const(expr) -> bool:
    return len(expr) == 1 and expr[0][0] in _NUMERIC_CONSTS


def instantiate(store, module, imports, checked: bool = False) -> VMContext:
    """Create an instance of ``module`` in ``store`` from resolved ``imports``.

    With ``Config.table_lazy_init`` (the default) this does no work per
    function or per table element: defined funcref tables start uninitialised
    over the module's precomputed plan, memories start from its image, and
    function references are made when first requested. Without it, the eager
    reference semantics: every function reference is built and every active
    segment is applied one by one. ``checked`` skips import type checks that
    an ``InstancePre`` already made."""
    code = module._code
    info = code.info
    if len(imports) != len(info.imports):
        raise WasmtimeError(f"expected {len(info.imports)} imports, found {len(imports)}")
    store._reserve("instances")
    store._reserve("tables", len(info.tables))
    store._reserve("memories", len(info.memories))
    allocator = store.engine._allocator
    allocator.begin(store, info)
    vm = VMContext(code, store._ctx)
    store._owned.vms.append(vm)
    for imp, item in zip(info.imports, imports):
        _bind_import(store, vm, imp, item, checked)
    vm.tags += [TagInstance(info.types[t], info.type_ids[t]) for t in info.tags]
    lazy = code.lazy_tables
    plan = code.plan
    options = code.options
    meter = _InitMeter(store._ctx, options.fuel, options.epochs) if options.fuel or options.epochs else None
    for g in info.globals:
        if meter is not None and not _is_numeric_const(g.init):
            meter.charge(len(g.init))
        vm.globals.append(GlobalCell(g.sig.type, g.sig.mutable, eval_const(g.init, vm)))
        _charge_arrays(vm, meter)
    for t in info.tables:
        tidx = len(vm.tables)
        # An initialiser costs its operators, its GC arrays' elements and an element each, as a segment
        # does; Wasmtime precomputes a lone ref.func one (no fuel, no checks).
        metered = meter is not None and t.init and not (len(t.init) == 1 and t.init[0][0] == REF_FUNC)
        if metered:
            meter.charge(len(t.init))
        init = eval_const(t.init, vm) if t.init else None
        _charge_arrays(vm, meter)
        table_plan = plan.tables.get(tidx) if lazy else None
        vm.tables.append(allocator.table(store, t.sig, init, (vm, table_plan) if table_plan is not None else None))
        if metered:
            meter.charge(t.sig.min, check=t.sig.min > 128)
    for m in info.memories:
        if m.shared:
            check_shared_memory_enabled(store.engine)
        vm.memories.append(allocator.memory(store, m, module._memory_images.get(len(vm.memories)) if lazy else None))
    _apply_segments(vm, plan.first_elem if lazy else 0, lazy and plan.static_memory, meter)
    if not lazy:
        for idx in range(info.num_imported_funcs + len(info.funcs)):
            vm.funcref(idx)
    if info.start is not None:
        if meter is not None:
            meter.charge(1)
        try:
            call_wasm(vm.funcref(info.start), [])
        except Trap as t:
            if t.trap_code is None and t.uncaught_exception:  # wasmtime-py: an error, not a trap, here
                raise WasmtimeError(str(t)) from None
            raise
    return vm


def _charge_arrays(vm: VMContext, meter: _InitMeter | None) -> None:
    """Charge what the GC arrays of the constant expressions evaluated since the last
    call cost (Wasmtime, measured: each array.new its length, checked after an array of
    more than 128 elements; a check after an earlier array can only pass where the last
    one does), and count afresh for the next."""
    if meter is not None and vm.const_elements:
        meter.charge(vm.const_checked, check=vm.const_checked > 0)
        meter.charge(vm.const_elements - vm.const_checked)
    vm.const_elements = vm.const_checked = 0


def _apply_segments(vm: VMContext, first_elem: int, imaged: bool, meter: _InitMeter | None) -> None:
    """Active element segments from the first the module's init plan did not
    fold, then active data segments unless the memories started from the
    plan's images (``imaged``), in order; a segment out of bounds traps
    (earlier ones stay applied). Active and declarative segments are then
    dropped.

    ``meter`` charges fuel and checks epochs in Wasmtime's order, and always
    as for the module's plan: eager mode applies every segment itself, but it
    is the reference lazy mode is checked against, so nothing observable,
    fuel included, may differ between the two."""
    info = vm.info
    plan = vm.code.plan
    # Passive segments first: Wasmtime evaluates their expressions before any active segment is
    # applied, so their GC arrays are made (and cost their length) then, not at the first
    # table.init or array.new_elem, and run out of fuel before a later segment is out of bounds.
    for idx, seg in enumerate(info.elems):
        if seg.mode != "passive":
            continue
        if meter is not None:
            meter.charge(sum(len(item) for item in seg.items) if seg.exprs else 0)
        if seg.exprs and any(ins[0] in _SIZED_ARRAYS for item in seg.items for ins in item):
            vm.elem_items(idx)
            _charge_arrays(vm, meter)
    for idx, seg in enumerate(info.elems):
        if seg.mode == "declarative":
            vm.drop_elem(idx)
            continue
        if seg.mode == "passive":
            continue
        metered = meter is not None and idx >= plan.first_elem
        if metered:
            ops = sum(len(item) for item in seg.items) if seg.exprs else 0
            meter.charge(ops + len(seg.offset))
        if idx >= first_elem:
            table = vm.tables[seg.table]
            offset = eval_const(seg.offset, vm)
            items = vm.elem_items(idx)
            if offset + len(items) > len(table.elems):
                raise Trap.from_code(TrapCode.TABLE_OUT_OF_BOUNDS)
            _charge_arrays(vm, meter if metered else None)  # after the bounds check, as Wasmtime does
            table.elems[offset:offset + len(items)] = items
            if metered:
                meter.charge(len(items), check=len(items) > 128)
        vm.drop_elem(idx)
    active = [idx for idx, seg in enumerate(info.datas) if seg.mode == "active"]
    # Wasmtime (50) checks fuel once when a module with several memories has a static image for
    # some but not all of them: memories with data in each (empty segments aside) cost nothing.
    imaged_memories = {info.datas[idx].memory for idx in active if info.datas[idx].data}
    if meter is not None and plan.static_memory and 0 < len(imaged_memories) < len(info.memories):
        meter.charge(0)
    charge = meter is not None and not plan.static_memory
    for idx in active:
        seg = info.datas[idx]
        if charge:
            meter.charge(len(seg.offset))
        if not imaged:
            mem = vm.memories[seg.memory]
            offset = eval_const(seg.offset, vm)
            if offset + len(seg.data) > len(mem.data):
                raise Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)
            mem.data[offset:offset + len(seg.data)] = seg.data
        if charge:
            meter.charge(len(seg.data), check=True)
        vm.datas[idx] = b""


class Instance:
    """``Instance(store, module, imports)``: imports are Func/Table/Memory/Global in
    the module's import order. Raises LinkError for mismatched imports and Trap
    if a segment is out of bounds or the start function traps."""

    def __init__(self, store, module, imports):
        store = expect_store(store)
        expect(module, Module, "a Module")
        if module.engine is not store.engine and module.engine._features != store.engine._features:
            raise WasmtimeError("module and store were made with different engines")
        imports = list(imports)
        for item in imports:
            expect(item, EXTERN_TYPES, EXTERN_WHAT)
        self._store = store
        self._module = module
        self._vm = instantiate(store, module, imports)
        self._exports = None

    @classmethod
    def _from_vm(cls, store, module, vm: VMContext) -> "Instance":
        inst = cls.__new__(cls)
        inst._store = store
        inst._module = module
        inst._vm = vm
        inst._exports = None
        return inst

    def exports(self, store=None) -> InstanceExports:
        if self._exports is None:
            self._exports = InstanceExports(self._store, self._vm)
        return self._exports
