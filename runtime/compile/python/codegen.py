"""Wasm function bodies to Python source.

``emit_function`` is pure: it returns the source of a factory function and the
names of the libcalls that factory takes; ``pycompile`` compiles and
registers it. The generated function has the shape::

    def _make_f3(_ld_u32, _trap, ...):        # libcalls become closure cells
        def f3(vm, l0, l1):                  # vm: the instance's VMContext
            MI0 = vm.memories[0]; M0 = MI0.data   # prologue: what the body uses
            ...
        return f3

Calling convention: ``code(vm, *params)`` returns None, one value, or a tuple
for several results. Calls to functions of the same module go straight to
``f<j>`` in the module's namespace (the generated code's globals); imported
functions and references go through ``FuncRef.code(FuncRef.vm, ...)``.

Two layouts:

- **Structured** (the fast one): Wasm locals and operand-stack slots are
  Python locals (``l<i>``, ``s<height>``); a block, loop or if becomes a
  ``while True:`` only when some branch targets it; ``br`` is ``break`` /
  ``continue``, and a branch across several Python loops sets ``_br`` to the
  target's label number and breaks, each loop exit re-dispatching it. Pure
  operations stay pending as expressions (``(l0 + 1) & 0xFFFFFFFF``) until
  something forces them into their slot, so ``local.get``/``const`` cost
  nothing.
- **Flat** (the fallback): CPython allows only 20 nested loops and about 100
  indentation levels, and compilers emit deep ``block`` nests for switches.
  The flat layout is one ``while True:`` dispatching on a state number
  ``_L``; each Wasm label is a state and every branch assigns ``_L``.

Values: see ``values``. Comparisons leave Python bools on the stack (they are
ints); the API boundary turns results into plain ints.

Memory: every instruction with a memarg computes its effective address the
same way (``address``: an exact, never wrapped ``addr + offset``) and lets
the buffer's own bounds check trap, 64-bit memories included. A memory
that grows may get a new buffer, once (``membuf``), so the buffer bound in
the prologue is re-read after ``memory.grow`` and after calls. Atomics go
through ``atomics`` libcalls with the memory instance.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...binary import opcodes as op
from ...binary.module_info import FuncSig, ModuleInfo
from ...binary.opcodes import F32, F64, I32, I64, V128
from ...binary.values import f32_from_bits, f64_from_bits
from ...errors import NO_OFFSET
from .frames import LineMap, MemoryAccess
from .body_scan import locals_set_in, memories_used, targeted_blocks
from .meter import ConstLocals, Meter
from . import eh_ops, flat_dispatch, gc_ops, simd_ops

M32 = "0xFFFFFFFF"
M64 = "0xFFFFFFFFFFFFFFFF"

MAX_PY_LOOPS = 18  # CPython: "too many statically nested blocks" at 20
MAX_INDENT = 90  # CPython: "too many levels of indentation" at 100
MAX_EXPR = 160  # pending expressions longer than this are materialised
_PADS = ["    " * i for i in range(MAX_INDENT + 1)]  # indentation by level


@dataclass(frozen=True)
class CodegenOptions:
    """What generated code must support, fixed per engine."""

    lazy_tables: bool = True  # table reads may find UNINIT elements
    fuel: bool = False  # Config.consume_fuel
    epochs: bool = False  # Config.epoch_interruption
    layout: str = "auto"  # "auto" | "structured" | "flat"
    nan_canonicalization: bool = False  # Config.cranelift_nan_canonicalization (see NAN_PRODUCERS)
    relaxed_simd_deterministic: bool = False  # Config.wasm_relaxed_simd_deterministic (see simd_ops)


class CodegenLimit(Exception):
    """The structured layout would exceed a CPython limit; use the flat one."""


class _Ctl:
    """One open Wasm control construct while emitting."""

    __slots__ = ("kind", "height", "nparams", "nresults", "label", "pyloop", "crossed", "index",
                 "branched", "start_len", "head_state", "end_state", "else_state",
                 "has_else", "params", "results", "entry_locals", "branch_locals", "loop_writes", "catches",
                 "try_states", "legacy", "skips", "marker")

    def __init__(self, kind, height, params, results, label):
        self.kind = kind
        self.height = height
        self.params = params
        self.results = results
        self.nparams = len(params)
        self.nresults = len(results)
        self.label = label
        self.pyloop = False
        self.crossed: set[int] = set()
        self.branched = False
        self.start_len = 0
        self.head_state = -1
        self.end_state = -1
        self.else_state = -1
        self.has_else = False
        self.entry_locals = None  # constant-local state on entry (for an if's implicit else)
        self.branch_locals: list = []  # constant-local states of branches to this label
        self.loop_writes: set[int] = set()  # locals a loop's body writes
        self.index = -1  # of the instruction that opened it
        self.catches = None  # a try_table's catch clauses
        self.try_states: list[int] = []  # flat layout: the states a try_table's code is in
        self.legacy = None  # a legacy try's eh_ops.LegacyTry
        self.skips: set[str] = set()  # structured layout: markers of the exceptions delegated past its handler
        self.marker: str | None = None  # structured layout: the marker of the exceptions delegated to it

    @property
    def arity(self) -> int:
        return self.nparams if self.kind == "loop" else self.nresults


DIVIDERS = (op.ELSE, op.LEGACY_CATCH, op.LEGACY_CATCH_ALL)  # start another part of the open construct


def _zero(t: int) -> str:
    if t in (I32, I64, V128):
        return "0"
    if t in (F32, F64):
        return "0.0"
    return "None"


def _may_replace_buffer(sig) -> bool:
    """Whether a memory of type ``sig`` may change buffer objects (``membuf``)."""
    can_grow = sig.max is None or sig.max > sig.min
    return can_grow and (not sig.shared or sig.min == 0)


class FunctionEmitter:
    """Emits one function. Use ``emit_function``; this class holds its state."""

    def __init__(self, info: ModuleInfo, funcidx: int,
                 flat: bool = False, name: str | None = None, options: CodegenOptions = CodegenOptions()):
        self.info = info
        self.lazy_tables = options.lazy_tables
        self.funcidx = funcidx
        self.flat = flat
        self.pyname = name or f"f{funcidx}"
        nimp = info.num_imported_funcs
        self.body = info.code[funcidx - nimp]
        self.sig = info.func_sig(funcidx)
        self.nimp = nimp
        self.local_types = list(self.sig.params) + list(self.body.locals)
        self.lines: list[str] = []
        self.indent = 2
        self.st: list[str] = []
        self.deps: list[frozenset] = []
        self.cdefs: list = []  # per stack entry: (id, value) if an SSA constant, else None
        self.ctls: list[_Ctl] = []
        self.needs: set[str] = set()
        self.prologue: dict[str, str] = {}
        self.consts: dict[str, object] = {}
        self.label_seq = 0
        self.state_seq = 0
        self.py_loops = 0  # Python loops and try statements open around the current line
        self.max_py_loops = 0
        self.flat_base = 3  # flat layout: indentation of the state tests (5 inside the try around them)
        self.open_tries: list[_Ctl] = []  # flat layout: the try_tables open at the current line
        self.flat_handlers: list[tuple[list, list]] = []  # flat layout: each try_table's handler lines
        self.try_closers: dict[int, tuple] | None = None  # legacy tries: what ends each one's body (eh_ops)
        self.uses_br = False
        self.dead = 0  # > 0: inside unreachable code, counting nested blocks
        self.unreachable = False
        self.mem_sigs = info.memory_sigs()
        self.global_sigs = info.global_sigs()
        # A memory may get a new buffer object at its first growth (see
        # membuf), which a callee may cause: the binding of each memory that
        # can grow is re-read after every call. (A shared memory's buffer is
        # replaced only if it starts empty.) Lazily: a call makes the bindings
        # ``stale`` and they are re-read before the next use of one or the next
        # join of control flow, so a call followed by a call or a return costs nothing.
        self.reload_after_call = sorted(i for i in memories_used(self.body.code)
                                        if _may_replace_buffer(self.mem_sigs[i]))
        self.stale = False
        self.mem_names: dict[int, tuple[str, str]] = {}  # memories bound in the prologue: (instance, buffer)
        # (len(lines), slot) after a line assigning a call's or a load's value to
        # a slot: a local.set of that slot right after assigns the local instead.
        self.slot_line: tuple[int, str] | None = None
        self.meter = Meter(self, options.fuel, options.epochs)
        self.canonical_nans = options.nan_canonicalization
        self.relaxed_deterministic = options.relaxed_simd_deterministic
        self.entry_lines: list[str] = []
        self.clocals = ConstLocals(len(self.sig.params), len(self.local_types)) if options.fuel else None
        self.code_index = 0  # index of the instruction being emitted
        # For backtraces (see ``frames``): the instruction each line of ``lines``
        # was emitted for, and which lines access memory or call a function.
        self.line_code: list[int] = []
        self.accesses: dict[int, MemoryAccess] = {}
        self.calls: dict[int, int] = {}
        self.body_line0 = 0  # line number before the first of ``lines`` in the source
        # Cranelift turns a conditional branch to code that only traps into a
        # conditional trap at the branch: an ``unreachable`` reached from an
        # ``if`` or ``br_if`` with no line emitted in between is reported at
        # that branch (this index), as Wasmtime does.
        self.branch_site: int | None = None

    # ----- output helpers -----

    def w(self, line: str) -> None:
        if self.indent > MAX_INDENT:
            raise CodegenLimit("indentation")
        self.lines.append(_PADS[self.indent] + line)
        self.line_code.append(self.code_index)
        self.branch_site = None

    def need(self, name: str) -> str:
        self.needs.add(name)
        return name

    def const_name(self, value: object, hint: str) -> str:
        name = f"_c_{hint}_{len(self.consts)}"
        self.consts[name] = value
        return name

    # ----- the symbolic operand stack -----

    def push(self, text: str, deps: frozenset = frozenset(), cdef=None) -> None:
        """Push a pure expression. Invariant kept here: a pending entry at height
        h reads no slot but ``s<h>``, so materialising entries below it, or
        evaluating operands popped from above it, never sees a clobbered slot."""
        h = len(self.st)
        self.st.append(text)
        self.deps.append(deps)
        self.cdefs.append(cdef)
        if len(text) > MAX_EXPR:
            self.materialize(h)
            return
        for d in deps:  # a loop, not any(): this runs for most instructions
            if d[0] == "s" and d != f"s{h}":
                self.materialize(h)
                return

    def push_slot_value(self, text: str) -> None:
        """Assign a non-pure value (a load, a call result) to the next slot now."""
        slot = f"s{len(self.st)}"
        self.w(f"{slot} = {text}")
        self.slot_line = (len(self.lines), slot)
        self.push_slots(1)

    def push_slots(self, n: int) -> None:
        """Push ``n`` entries already materialised in their slots."""
        for _ in range(n):
            slot = f"s{len(self.st)}"
            self.st.append(slot)
            self.deps.append(frozenset((slot,)))
            self.cdefs.append(None)

    def truncate(self, height: int) -> None:
        """Cut the stack back to ``height``; every join of control flow does,
        so a ``slot_line`` never survives one (its slot may be assigned elsewhere too)."""
        self.slot_line = None
        del self.st[height:]
        del self.deps[height:]
        del self.cdefs[height:]

    def pop(self) -> tuple[str, frozenset]:
        self.cdefs.pop()
        return self.st.pop(), self.deps.pop()

    def popn(self, n: int) -> list[str]:
        if n == 0:
            return []
        texts = self.st[-n:]
        self.truncate(len(self.st) - n)
        return texts

    def is_pending(self, i: int) -> bool:
        return self.st[i] != f"s{i}"

    def before_assign(self, var: str) -> None:
        """Called before writing local ``var``: pending entries that read it are flushed first."""
        for i, d in enumerate(self.deps):
            if var in d and self.is_pending(i):
                self.flush()
                return

    def flush(self) -> None:
        """Materialise every pending entry into its slot, in one simultaneous assignment."""
        idx = [i for i in range(len(self.st)) if self.is_pending(i)]
        if not idx:
            return
        lhs = ", ".join(f"s{i}" for i in idx)
        rhs = ", ".join(self.st[i] for i in idx)
        self.w(f"{lhs} = {rhs}")
        for i in idx:
            self.st[i] = f"s{i}"
            self.deps[i] = frozenset((f"s{i}",))

    def materialize(self, i: int) -> None:
        slot = f"s{i}"
        self.w(f"{slot} = {self.st[i]}")
        self.st[i] = slot
        self.deps[i] = frozenset((slot,))

    def unop(self, fmt: str) -> None:
        a, da = self.pop()
        self.push(fmt.format(a=a), da)

    def binop(self, fmt: str) -> None:
        b, db = self.pop()
        a, da = self.pop()
        self.push(fmt.format(a=a, b=b), da | db)

    def call_pure(self, fn: str, nargs: int, fixed: tuple[str, ...] = ()) -> None:
        """A libcall that cannot trap: stays pending. ``fixed`` are constant
        arguments (immediates) passed before the operands."""
        args = [*fixed, *self.st[len(self.st) - nargs:]]
        deps = frozenset().union(*self.deps[len(self.deps) - nargs:]) if nargs else frozenset()
        self.popn(nargs)
        self.push(f"{self.need(fn)}({', '.join(args)})", deps)

    def call_trapping(self, fn: str, nargs: int) -> None:
        """A libcall that may trap: evaluated now, in order."""
        args = self.popn(nargs)
        self.push_slot_value(f"{self.need(fn)}({', '.join(args)})")

    # ----- prologue bindings -----

    def mem(self, idx: int) -> tuple[str, str]:
        """Names of the memory instance and its data buffer, bound in the prologue
        (and re-read first if a call may have replaced it)."""
        if self.stale:
            self.refresh()
        names = self.mem_names.get(idx)
        if names is None:  # the first use: bind it (once, as this runs for every load and store)
            names = self.mem_names[idx] = (self.mem_instance(idx), f"M{idx}")
            self.prologue[names[1]] = f"{names[0]}.data"
        return names

    def settle(self) -> None:
        """Before control flow: pending values into their slots, fuel counted, buffers fresh."""
        self.flush()
        self.meter.flush()
        self.refresh()

    def refresh(self) -> None:
        """Re-read the buffers that the calls since the last refresh may have replaced.
        Called where control flow joins, so that every path to a join has them fresh."""
        if self.stale:
            self.stale = False
            self.reload()

    def reload(self) -> None:
        """Re-read the buffers of the memories in ``reload_after_call``, binding
        their instances if nothing emitted so far has (a memory named only in
        code after this point, or only in unreachable code, which is not emitted)."""
        for i in self.reload_after_call:
            self.w(f"M{i} = {self.mem_instance(i)}.data")

    def mem_instance(self, idx: int) -> str:
        """Name of the memory instance alone, bound in the prologue."""
        self.prologue.setdefault(f"MI{idx}", f"vm.memories[{idx}]")
        return f"MI{idx}"

    def table(self, idx: int) -> tuple[str, str]:
        self.prologue[f"TI{idx}"] = f"vm.tables[{idx}]"
        self.prologue[f"T{idx}"] = f"TI{idx}.elems"
        return f"TI{idx}", f"T{idx}"

    # ----- control -----

    def new_label(self) -> int:
        self.label_seq += 1
        return self.label_seq

    def new_state(self) -> int:
        self.state_seq += 1
        return self.state_seq

    def block_sig(self, bt) -> tuple[tuple[int, ...], tuple[int, ...]]:
        if bt is None:
            return (), ()
        if bt < 0:
            return (), (-bt,)
        s = self.info.types[bt]
        return s.params, s.results

    def innermost_pyloop(self) -> _Ctl | None:
        for c in reversed(self.ctls):
            if c.pyloop:
                return c
        return None

    def open_pyloop(self, ctl: _Ctl) -> None:
        ctl.pyloop = True
        self.w("while True:")
        self.indent += 1
        self.py_loops += 1
        self.check_nesting()

    def check_nesting(self) -> None:
        self.max_py_loops = max(self.max_py_loops, self.py_loops)
        if self.py_loops > MAX_PY_LOOPS:
            raise CodegenLimit("nesting")

    def close_block_body(self, start_len: int) -> None:
        if len(self.lines) == start_len:
            self.w("pass")

    def copy_to(self, target: _Ctl, values: list[str]) -> None:
        """Assign branch values to the target label's slots."""
        pairs = [(f"s{target.height + k}", v) for k, v in enumerate(values) if v != f"s{target.height + k}"]
        if pairs:
            self.w(f"{', '.join(p[0] for p in pairs)} = {', '.join(p[1] for p in pairs)}")

    def return_stmt(self, values: list[str]) -> str:
        if not values:
            return "return"
        if len(values) == 1:
            return f"return {values[0]}"
        return f"return ({', '.join(values)})"

    def jump(self, depth: int, values: list[str]) -> None:
        """Emit the branch to label ``depth`` with ``values`` (already popped)."""
        target = self.ctls[-1 - depth]
        if target.kind == "func":
            self.meter.save()
            self.w(self.return_stmt(values))
            return
        self.meter.flush()
        if self.stale:  # the target is a join: fresh buffers there (a br, a catch clause)
            self.reload()
        self.copy_to(target, values)
        if target.kind != "loop":
            target.branched = True
            if self.clocals is not None:
                target.branch_locals.append(self.clocals.snapshot())
        if self.flat:
            state = target.head_state if target.kind == "loop" else self.end_state_of(target)
            self.w(f"_L = {state}")
            self.w("continue")
            return
        inner = self.innermost_pyloop()
        if inner is target:
            self.w("continue" if target.kind == "loop" else "break")
            return
        self.uses_br = True
        self.w(f"_br = {target.label}")
        self.w("break")
        for c in reversed(self.ctls):
            if c is target:
                break
            if c.pyloop:
                c.crossed.add(target.label)

    def end_state_of(self, ctl: _Ctl) -> int:
        if ctl.end_state < 0:
            ctl.end_state = self.new_state()
        return ctl.end_state

    def start_state(self, state: int, reachable: bool) -> None:
        """Flat layout: begin the code of ``state``, falling through into it if reachable."""
        if reachable:
            self.w(f"_L = {state}")
        for ctl in self.open_tries:
            ctl.try_states.append(state)
        self.indent = self.flat_base
        self.w(f"if _L == {state}:")
        self.indent = self.flat_base + 1

    def set_unreachable(self) -> None:
        """The rest of the current construct is dead; its stack is reset at else/end."""
        self.truncate(self.ctls[-1].height)
        self.unreachable = True

    def after_pyloop(self, ctl: _Ctl) -> None:
        """Re-dispatch a multi-level branch that left ``ctl``'s loop: leave
        the enclosing Python loop too, resetting ``_br`` if that loop is the
        target. The tests are as few as the targets allow (most often one)."""
        if not ctl.crossed:
            return
        outer = self.innermost_pyloop()
        if outer is None or outer.label not in ctl.crossed:
            self.w("if _br >= 0:")
            self.w("    break")
            if outer is not None:
                outer.crossed |= ctl.crossed
            return
        further = ctl.crossed - {outer.label}
        outer.crossed |= further
        if not further:  # the only target: no other value to pass on
            self.w(f"if _br == {outer.label}:")
            self.w("    _br = -1")
            self.w("    continue" if outer.kind == "loop" else "    break")
            return
        self.w("if _br >= 0:")
        self.indent += 1
        self.w(f"if _br == {outer.label}:")
        self.w("    _br = -1")
        if outer.kind == "loop":
            self.w("    continue")
        self.w("break")  # out of a block either way
        self.indent -= 1

    def enter(self, kind: str, bt, idx: int, targeted: set[int]) -> None:
        params, results = self.block_sig(bt)
        cond = None
        if kind == "if":
            cond, _ = self.pop()
        self.flush()
        self.meter.flush()
        if kind != "block":  # a loop's head is a join, an if's branches start from one state
            self.refresh()
        ctl = _Ctl(kind, len(self.st) - len(params), params, results, self.new_label())
        ctl.index = idx
        self.ctls.append(ctl)
        if self.clocals is not None:
            ctl.entry_locals = self.clocals.snapshot()
            if kind == "loop":
                ctl.loop_writes = locals_set_in(self.body.code, idx)
                self.clocals.enter_loop()
        if self.flat:
            if kind == "loop":
                ctl.head_state = self.new_state()
                self.start_state(ctl.head_state, True)
                self.meter.loop_header()
            elif kind == "if":
                ctl.else_state = self.new_state()
                self.w(f"if not {cond}:")
                self.indent += 1
                self.w(f"_L = {ctl.else_state}")
                self.w("continue")
                self.indent -= 1
                self.branch_site = idx
            return
        if idx in targeted:
            self.open_pyloop(ctl)
        if kind == "loop":
            self.meter.loop_header()
        if kind == "if":
            self.w(f"if {cond}:")
            self.indent += 1
            self.branch_site = idx
        ctl.start_len = len(self.lines)

    def else_(self) -> None:
        ctl = self.ctls[-1]
        reachable = not self.unreachable
        if reachable:
            self.settle()
        self.stale = False  # the else branch starts where the then branch did
        ctl.has_else = True
        if reachable:
            ctl.branched = True  # the then-branch reaches the end, results in slots h..
            if self.clocals is not None:
                ctl.branch_locals.append(self.clocals.snapshot())
        if self.clocals is not None:
            self.clocals.defs = list(ctl.entry_locals)
        self.unreachable = False
        self.truncate(ctl.height)
        self.push_slots(ctl.nparams)
        if self.flat:
            if reachable:
                self.w(f"_L = {self.end_state_of(ctl)}")
                self.w("continue")
            self.start_state(ctl.else_state, False)
            self.branch_site = ctl.index
            return
        self.close_block_body(ctl.start_len)
        self.indent -= 1
        self.w("else:")
        self.indent += 1
        ctl.start_len = len(self.lines)
        self.branch_site = ctl.index

    def end(self) -> None:
        """Close the innermost construct (the function body at the body's last instruction)."""
        ctl = self.ctls.pop()
        reachable = not self.unreachable
        if ctl.kind == "func":
            if reachable:
                self.meter.save()
                self.w(self.return_stmt(self.popn(ctl.nresults)))
            return
        if reachable:
            self.settle()
        if self.clocals is not None:
            self.join_locals(ctl, reachable)
        if ctl.legacy is not None:
            eh_ops.end_try(self, ctl, reachable)
        if self.flat:
            self.end_flat(ctl, reachable)
        else:
            self.end_structured(ctl, reachable)
        if ctl.catches is not None:
            eh_ops.end_try_table(self, ctl)
        self.stale = False  # every path to here refreshed the buffers
        self.truncate(ctl.height)
        self.push_slots(ctl.nresults)

    def join_locals(self, ctl: _Ctl, reachable: bool) -> None:
        """Constant-local state after ``end``: the merge of every path that gets there."""
        if ctl.kind == "loop":
            self.clocals.leave_loop(ctl.entry_locals, ctl.loop_writes)
            return
        states = [self.clocals.snapshot()] if reachable else []
        states += ctl.branch_locals
        if ctl.kind == "if" and not ctl.has_else:
            states.append(ctl.entry_locals)
        if states:
            self.clocals.defs = ConstLocals.merge(states)

    def end_flat(self, ctl: _Ctl, reachable: bool) -> None:
        if ctl.kind == "if" and not ctl.has_else:
            # The implicit else branch: params pass through as results.
            if reachable:
                self.w(f"_L = {self.end_state_of(ctl)}")
                self.w("continue")
            self.start_state(ctl.else_state, False)
            reachable = True
        after = reachable or (ctl.branched and ctl.kind != "loop")
        if after:
            self.start_state(self.end_state_of(ctl), reachable)
        self.unreachable = not after

    def end_structured(self, ctl: _Ctl, reachable: bool) -> None:
        if ctl.kind == "if":
            self.close_block_body(ctl.start_len)
            self.indent -= 1
            # Without an else, the implicit else passes the params through.
            after = reachable or ctl.branched or not ctl.has_else
            if ctl.pyloop:
                self.w("break")
                self.indent -= 1
                self.py_loops -= 1
                self.after_pyloop(ctl)
            self.unreachable = not after
            return
        if ctl.pyloop:
            if reachable:
                self.w("break")
            self.close_block_body(ctl.start_len)
            self.indent -= 1
            self.py_loops -= 1
            self.after_pyloop(ctl)
        after = reachable or (ctl.branched and ctl.kind == "block")
        self.unreachable = not after

    # ----- the body -----

    def emit_body(self) -> None:
        targeted = set() if self.flat else targeted_blocks(self.body.code)
        self.ctls.append(_Ctl("func", 0, (), self.sig.results, 0))
        has_try = self.flat and any(ins[0] == op.TRY_TABLE or ins[0] == op.TRY for ins in self.body.code)
        if self.flat:
            self.w("_L = 0")
            self.indent = 2
            self.w("while True:")
            if has_try:
                self.indent = 3
                self.w("try:")
                self.indent = 4
                self.w("while True:")
                self.flat_base = 5
            self.start_state(0, False)
        self.entry_lines = self.meter.entry()
        charge = self.meter.charge if self.meter.fuel else None
        canonical_nans = self.canonical_nans
        # The instructions' loop, with ``instr`` inlined: it runs once per
        # instruction of every function compiled.
        for idx, ins in enumerate(self.body.code):
            o = ins[0]
            self.code_index = idx
            if self.unreachable and self.skips_dead(o):
                continue
            if charge is not None:
                charge(o)
            simple = _SIMPLE.get(o)
            if simple is not None:
                self.simple(o, *simple)
            elif o in _CONTROL:
                _CONTROL[o](self, ins, idx, targeted)
            else:
                method = _DISPATCH.get(o)
                if method is None:
                    raise NotImplementedError(f"instruction {op.op_name(o)} is not supported by the Python backend")
                method(self, ins)
            if canonical_nans and o in NAN_PRODUCERS:
                self.unop(f"{self.need(NAN_PRODUCERS[o])}({{a}})")
        if has_try:
            eh_ops.finish_flat(self)
        if self.flat:
            flat_dispatch.group_states(self)

    def skips_dead(self, o: int) -> bool:
        """In unreachable code: whether instruction ``o`` is skipped (all but
        the end or next part of the construct that made the code dead)."""
        if o in op.OPENERS:
            self.dead += 1
            return True
        if self.dead:
            if o in op.CLOSERS:
                self.dead -= 1
            return True
        return o not in op.CLOSERS and o not in DIVIDERS

    def simple(self, o: int, kind: str, fmt: str) -> None:
        """An instruction of ``_SIMPLE``."""
        if kind == "b":
            self.binop(fmt)
        elif kind == "u":
            self.unop(fmt)
        elif kind == "p":
            self.call_pure(fmt, _arity(o))
        elif fmt in _UNSIGNED_DIVISION and self.st[-1].isdigit() and int(self.st[-1]):
            self.binop(_UNSIGNED_DIVISION[fmt])  # a divisor known not to be 0: nothing to trap on
        else:
            self.call_trapping(fmt, _arity(o))

    def c_end(self, ins, idx, targeted) -> None:
        self.end()

    def c_block(self, ins, idx, targeted) -> None:
        self.enter("block", ins[1], idx, targeted)

    def c_loop(self, ins, idx, targeted) -> None:
        self.enter("loop", ins[1], idx, targeted)

    def c_if(self, ins, idx, targeted) -> None:
        self.enter("if", ins[1], idx, targeted)

    def c_else(self, ins, idx, targeted) -> None:
        self.else_()

    def c_catch(self, ins, idx, targeted) -> None:
        eh_ops.catch(self, ins)

    # ----- instruction handlers -----

    def i_unreachable(self, ins):
        site = self.branch_site
        self.meter.save()
        self.w(f"{self.need('_trap')}(9)")
        if site is not None and not self.meter.fuel:  # with fuel, the counter is stored first: no folding
            self.line_code[-1] = site
        self.set_unreachable()

    def i_nop(self, ins):
        pass

    def i_br(self, ins):
        target = self.ctls[-1 - ins[1]]
        values = self.popn(target.arity if target.kind != "func" else target.nresults)
        self.jump(ins[1], values)
        self.set_unreachable()

    def i_br_if(self, ins):
        cond, _ = self.pop()
        self.settle()
        target = self.ctls[-1 - ins[1]]
        n = target.arity if target.kind != "func" else target.nresults
        values = self.st[len(self.st) - n:] if n else []
        self.w(f"if {cond}:")
        self.indent += 1
        self.jump(ins[1], values)
        self.indent -= 1
        self.branch_site = self.code_index

    def i_br_table(self, ins):
        labels, default = ins[1], ins[2]
        index, _ = self.pop()
        self.settle()
        target = self.ctls[-1 - default]
        n = target.arity if target.kind != "func" else target.nresults
        values = self.st[len(self.st) - n:] if n else []
        idx = "_bt"
        self.w(f"_bt = {index}")
        groups: dict[int, list[int]] = {}
        for i, lab in enumerate(labels):
            if lab != default:
                groups.setdefault(lab, []).append(i)
        first = True
        for lab, positions in groups.items():
            if len(positions) == 1:
                test = f"{idx} == {positions[0]}"
            elif positions == list(range(positions[0], positions[-1] + 1)):
                test = f"{positions[0]} <= {idx} <= {positions[-1]}"
            else:
                test = f"{idx} in {self.const_name(frozenset(positions), 'bt')}"
            self.w(f"{'if' if first else 'elif'} {test}:")
            first = False
            self.indent += 1
            self.jump(lab, values)
            self.indent -= 1
        if not first:
            self.w("else:")
            self.indent += 1
            self.jump(default, values)
            self.indent -= 1
        else:
            self.jump(default, values)
        self.set_unreachable()

    def i_return(self, ins):
        values = self.popn(len(self.sig.results))
        self.meter.save()
        self.w(self.return_stmt(values))
        self.set_unreachable()

    def emit_call(self, callee: str, vmarg: str, sig: FuncSig, funcidx: int | None = None) -> None:
        """Call ``callee(vmarg, *params)``; results land in the next slots.
        ``funcidx``: the module's function called directly, for backtraces."""
        args = [vmarg] + self.popn(len(sig.params))
        call = f"{callee}({', '.join(args)})"
        h = len(self.st)
        slots = [f"s{h + k}" for k in range(len(sig.results))]
        self.meter.save()
        if not slots:
            self.w(call)
        elif len(slots) == 1:
            self.w(f"{slots[0]} = {call}")
        else:
            self.w(f"{', '.join(slots)} = {call}")
        if funcidx is not None:
            self.calls[len(self.lines) - 1] = funcidx
        if len(slots) == 1:
            self.slot_line = (len(self.lines), slots[0])
        self.after_call()
        self.push_slots(len(slots))

    def after_call(self) -> None:
        """After a call, or at a handler's entry: fuel back from the store, memory buffers stale."""
        self.meter.after_call()
        self.invalidate()

    def invalidate(self) -> None:
        """Other code may have run (a call, a wait, a throw): the buffers may be
        replaced, and are re-read before their next use (``refresh``)."""
        self.stale = bool(self.reload_after_call)

    def direct_callee(self, f: int) -> tuple[str, str]:
        """(code, vm) of function ``f`` as this body names them: an import
        through its FuncRef bound in the prologue, a function of this module
        by its name in the module's namespace."""
        if f < self.nimp:
            self.prologue[f"IF{f}"] = f"vm.imported_funcs[{f}]"
            return f"IF{f}.code", f"IF{f}.vm"
        return f"f{f}", "vm"

    def i_call(self, ins):
        f = ins[1]
        self.emit_call(*self.direct_callee(f), self.info.func_sig(f), f if f >= self.nimp else None)

    def i_call_indirect(self, ins):
        sig = self.info.types[ins[1]]
        self.indirect_target(ins)
        self.emit_call("_r.code", "_r.vm", sig)

    def indirect_target(self, ins) -> None:
        """Pop the table index of call_indirect or return_call_indirect and
        leave the checked target FuncRef in ``_r`` (trapping as Wasmtime does)."""
        typeidx, tableidx = ins[1], ins[2]
        _, t = self.table(tableidx)
        index, _ = self.pop()
        trap = self.need("_trap")
        self.meter.save()
        self.w(f"_i = {index}")
        self.w(f"if _i >= len({t}): {trap}(3)")
        self.w(f"_r = {t}[_i]")
        if self.lazy_tables:
            self.w(f"if _r is {self.need('_UNINIT')}: _r = TI{tableidx}.resolve(_i)")
        self.w(f"if _r is None: {trap}(4)")
        expected = self.need(f"_T{typeidx}")  # or, with GC, a declared supertype of the function's type
        self.w(f"if _r.sig != {expected} and not {self.need('_is_subtype')}(_r.sig, {expected}): {trap}(5)")

    def tail_call(self, callee: str, vmarg: str, sig: FuncSig) -> None:
        """Leave this frame for ``callee(vmarg, *params)``: return a TailCall
        marker that the trampoline around this function runs (``vm/tailcall``)."""
        args = self.popn(len(sig.params))
        self.meter.save()
        self.w(f"return {self.need('_TailCall')}({callee}, {vmarg}, ({''.join(a + ', ' for a in args)}))")
        self.set_unreachable()

    def i_return_call(self, ins):
        self.tail_call(*self.direct_callee(ins[1]), self.info.func_sig(ins[1]))

    def i_return_call_indirect(self, ins):
        self.indirect_target(ins)
        self.tail_call("_r.code", "_r.vm", self.info.types[ins[1]])

    def ref_target(self) -> None:
        """Pop call_ref's or return_call_ref's reference into ``_r``, trapping on null."""
        ref, _ = self.pop()
        self.meter.save()
        self.w(f"_r = {ref}")
        self.w(f"if _r is None: {self.need('_trap')}(13)")

    def i_call_ref(self, ins):
        self.ref_target()
        self.emit_call("_r.code", "_r.vm", self.info.types[ins[1]])

    def i_return_call_ref(self, ins):
        self.ref_target()
        self.tail_call("_r.code", "_r.vm", self.info.types[ins[1]])

    def i_ref_as_non_null(self, ins):
        self.flush()
        self.w(f"if {self.st[-1]} is None: {self.need('_trap')}(13)")

    def branch_on_null(self, depth: int, null: bool) -> None:
        """br_on_null / br_on_non_null: branch with the values under the
        reference (and the reference itself, when non-null)."""
        self.settle()
        ref = self.st[-1]
        target = self.ctls[-1 - depth]
        n = target.arity if target.kind != "func" else target.nresults
        values = self.st[len(self.st) - 1 - n:-1] if null else self.st[len(self.st) - n:]
        self.w(f"if {ref} is {'' if null else 'not '}None:")
        self.indent += 1
        self.jump(depth, values)
        self.indent -= 1
        if not null:
            self.pop()

    def i_br_on_null(self, ins):
        self.branch_on_null(ins[1], True)

    def i_br_on_non_null(self, ins):
        self.branch_on_null(ins[1], False)

    def i_drop(self, ins):
        self.pop()

    def i_select(self, ins):
        c, dc = self.pop()
        b, db = self.pop()
        a, da = self.pop()
        self.push(f"({a} if {c} else {b})", da | db | dc)

    def i_local_get(self, ins):
        name = f"l{ins[1]}"
        self.push(name, frozenset((name,)), self.clocals.defs[ins[1]] if self.clocals else None)

    def set_local_def(self, local: int) -> None:
        if self.clocals is not None:
            self.clocals.defs[local] = self.cdefs[-1]

    def i_local_set(self, ins):
        name = f"l{ins[1]}"
        self.set_local_def(ins[1])
        v, _ = self.pop()
        self.assign_local(name, v)

    def assign_local(self, name: str, v: str) -> None:
        """``name = v``: pure, so a branch site survives it (SSA values in Cranelift).
        When ``v`` is the slot the last line assigned, that line assigns ``name`` instead."""
        site = self.branch_site
        self.before_assign(name)
        if self.slot_line == (len(self.lines), v):
            self.lines[-1] = self.lines[-1].replace(f"{v} = ", f"{name} = ", 1)
        elif v != name:
            self.w(f"{name} = {v}")
        self.branch_site = site

    def i_local_tee(self, ins):
        name = f"l{ins[1]}"
        self.set_local_def(ins[1])
        cdef = self.cdefs[-1]
        v, _ = self.pop()
        self.assign_local(name, v)
        self.push(name, frozenset((name,)), cdef)

    def i_global_get(self, ins):
        g = ins[1]
        if self.global_sigs[g].mutable:
            self.prologue[f"G{g}"] = f"vm.globals[{g}]"
            self.push_slot_value(f"G{g}.value")
        else:
            self.prologue[f"gv{g}"] = f"vm.globals[{g}].value"
            self.push(f"gv{g}")

    def i_global_set(self, ins):
        g = ins[1]
        self.prologue[f"G{g}"] = f"vm.globals[{g}]"
        v, _ = self.pop()
        self.w(f"G{g}.value = {v}")

    def i_table_get(self, ins):
        ti, _ = self.table(ins[1])
        self.call_trapping_with(["_table_get", ti], 1)

    def i_table_set(self, ins):
        ti, _ = self.table(ins[1])
        args = self.popn(2)
        self.w(f"{self.need('_table_set')}({ti}, {', '.join(args)})")

    def call_trapping_with(self, parts: list[str], nargs: int) -> None:
        fn, *fixed = parts
        args = fixed + self.popn(nargs)
        self.push_slot_value(f"{self.need(fn)}({', '.join(args)})")

    def stmt_with(self, parts: list[str], nargs: int) -> None:
        fn, *fixed = parts
        args = fixed + self.popn(nargs)
        self.w(f"{self.need(fn)}({', '.join(args)})")

    def address(self, offset: int) -> str:
        """Pop an address operand: the effective address ``addr + offset``, for
        every memory instruction with a memarg. Both are unsigned (u64 on a
        64-bit memory) and the sum is an exact Python int, never wrapped, so an
        address past the end, even past 2**64, fails the buffer's own bounds
        check (IndexError/struct.error/OverflowError: a trap at the boundary)."""
        addr, _ = self.pop()
        if offset == 0:
            return addr
        return str(int(addr) + offset) if addr.isdigit() else f"{addr} + {offset}"

    def i_load(self, ins):
        o, memidx, offset = ins[0], ins[1], ins[2]
        _, m = self.mem(memidx)
        ea = self.address(offset)
        fmt = _LOADS[o]
        self.push_slot_value(fmt.format(m=m, ea=ea, ld=self.need(_LOAD_FN[o]) if o in _LOAD_FN else ""))
        self.note_access(o, memidx, offset, ea)

    def i_store(self, ins):
        o, memidx, offset = ins[0], ins[1], ins[2]
        _, m = self.mem(memidx)
        v, _ = self.pop()
        ea = self.address(offset)
        fmt = _STORES[o]
        self.w(fmt.format(m=m, ea=ea, v=v, st=self.need(_STORE_FN[o]) if o in _STORE_FN else ""))
        self.note_access(o, memidx, offset, ea)

    def note_access(self, o: int, memidx: int, offset: int, ea: str) -> None:
        """The last line emitted accesses memory ``memidx`` at ``ea`` (see ``frames.MemoryAccess``)."""
        self.accesses[len(self.lines) - 1] = MemoryAccess(ea, op.MEMARG_SIZES[o], offset, self.mem_instance(memidx),
                                                          self.mem_sigs[memidx].is64)

    def i_atomic(self, ins):
        """Atomics (see ``atomics``): ``_atomic_<kind>(MI, ea, size, *operands)``,
        in order, since they trap and may block."""
        o, memidx, offset = ins[0], ins[1], ins[2]
        mi = self.mem_instance(memidx)
        kind, extra = _ATOMICS[o]
        operands = self.popn(_arity(o) - 1)
        ea = self.address(offset)
        args = [mi, ea, str(op.MEMARG_SIZES[o]), *extra, *operands]
        call = f"{self.need('_atomic_' + kind)}({', '.join(args)})"
        if kind == "store":
            self.w(call)
        else:
            self.push_slot_value(call)
        if kind not in ("wait", "notify"):  # those two are calls into the runtime in Wasmtime too
            self.note_access(o, memidx, offset, ea)
        if kind == "wait":  # other threads ran meanwhile
            self.invalidate()

    def i_wide(self, ins):
        """Wide arithmetic: a pure libcall with two i64 results, into two slots."""
        o = ins[0]
        args = self.popn(_arity(o))
        h = len(self.st)
        self.w(f"s{h}, s{h + 1} = {self.need('_' + op.OPS[o].name.replace('.', '_'))}({', '.join(args)})")
        self.push_slots(2)

    def i_atomic_fence(self, ins):
        """atomic.fence: nothing to emit, see ``atomics``."""

    def i_memory_size(self, ins):
        _, m = self.mem(ins[1])
        shift = self.mem_sigs[ins[1]].page_size_log2
        self.push_slot_value(f"len({m}) >> {shift}")

    def bulk(self, emit, fail: str | None = None) -> None:
        """Emit a bulk operation (``emit()``, which pops its operands) with its
        fuel and epoch accounting: its length is the operand on top. For the
        grows, ``fail`` is the result that means it failed (and is not charged)."""
        length, length_def = self.st[-1], self.cdefs[-1]
        if self.meter.fuel and not length.isdigit() and not _is_local(length):
            # Keep the length for after the operation in a temporary of its own:
            # its stack slot may receive the result (memory.grow, table.grow).
            self.w(f"_n = {length}")
            self.st[-1] = length = "_n"
        self.meter.before_bulk(length_def)
        emit()
        only_if = f"{self.st[-1]} != {fail}" if fail is not None else None
        self.meter.after_bulk(length, length_def, only_if)

    def i_memory_grow(self, ins):
        mi, m = self.mem(ins[1])

        def emit():
            n, _ = self.pop()
            self.push_slot_value(f"{self.need('_memory_grow')}({mi}, {n})")
            self.w(f"{m} = {mi}.data")
        self.bulk(emit, fail=M64 if self.mem_sigs[ins[1]].is64 else M32)

    def i_memory_fill(self, ins):
        _, m = self.mem(ins[1])
        self.bulk(lambda: self.stmt_with(["_memory_fill", m], 3))

    def i_memory_copy(self, ins):
        _, md = self.mem(ins[1])
        _, ms = self.mem(ins[2])

        def emit():
            d, s, n = self.popn(3)
            self.w(f"{self.need('_memory_copy')}({md}, {d}, {ms}, {s}, {n})")
        self.bulk(emit)

    def i_memory_init(self, ins):
        _, m = self.mem(ins[2])
        self.bulk(lambda: self.stmt_with(["_memory_init", "vm", str(ins[1]), m], 3))

    def i_data_drop(self, ins):
        self.w(f"{self.need('_data_drop')}(vm, {ins[1]})")

    def i_table_size(self, ins):
        _, t = self.table(ins[1])
        self.push_slot_value(f"len({t})")

    def i_table_grow(self, ins):
        ti, _ = self.table(ins[1])
        is64 = self.info.table_sigs()[ins[1]].is64
        self.bulk(lambda: self.call_trapping_with(["_table_grow", ti], 2), fail=M64 if is64 else M32)

    def i_table_fill(self, ins):
        ti, _ = self.table(ins[1])
        self.bulk(lambda: self.stmt_with(["_table_fill", ti], 3))

    def i_table_copy(self, ins):
        td, _ = self.table(ins[1])
        ts, _ = self.table(ins[2])

        def emit():
            d, s, n = self.popn(3)
            self.w(f"{self.need('_table_copy')}({td}, {d}, {ts}, {s}, {n})")
        self.bulk(emit)

    def i_table_init(self, ins):
        ti, _ = self.table(ins[2])
        self.bulk(lambda: self.stmt_with(["_table_init", "vm", str(ins[1]), ti], 3))

    def i_elem_drop(self, ins):
        self.w(f"{self.need('_elem_drop')}(vm, {ins[1]})")

    def i_const_int(self, ins):
        self.push(str(ins[1]), cdef=(self.code_index, ins[1]))

    def i_f32_const(self, ins):
        self.push(self.float_literal(f32_from_bits(ins[1]), "f32"))

    def i_f64_const(self, ins):
        self.push(self.float_literal(f64_from_bits(ins[1]), "f64"))

    def float_literal(self, v: float, hint: str) -> str:
        if v != v or v in (float("inf"), float("-inf")):
            return self.const_name(v, hint)
        return repr(v)

    def i_ref_null(self, ins):
        self.push("None")

    def i_ref_is_null(self, ins):
        self.unop("({a} is None)")

    def i_ref_func(self, ins):
        self.push_slot_value(f"{self.need('_ref_func')}(vm, {ins[1]})")

    # ----- assembling -----

    def source(self) -> str:
        params = ", ".join(f"l{i}" for i in range(len(self.sig.params)))
        body = "\n".join(self.lines)
        self.needs.update(n for n in _INLINE_NEEDS if n + "(" in body)
        if "_TailCall" in self.needs:  # it makes tail calls: callers get it inside a trampoline (vm/tailcall)
            self.needs.add("_trampoline")
        head = [f"def _make_{self.pyname}({', '.join(sorted(self.needs | set(self.consts)))}):",
                f"    def {self.pyname}(vm{', ' if params else ''}{params}):"]
        pro = [f"        {k} = {v}" for k, v in self.prologue.items()]
        for i in range(len(self.sig.params), len(self.local_types)):
            pro.append(f"        l{i} = {_zero(self.local_types[i])}")
        if self.uses_br:
            pro.append("        _br = -1")
        pro += [f"        {line}" for line in self.entry_lines]
        made = f"_trampoline({self.pyname})" if "_trampoline" in self.needs else self.pyname
        tail = [f"    return {made}"]
        self.body_line0 = len(head) + len(pro)
        return "\n".join(head + pro + self.lines + tail) + "\n"

    def line_map(self) -> LineMap:
        """Where each line of ``source()`` (called first) came from: the
        prologue from the function's entry, every other line from the
        instruction it was emitted for."""
        body = self.body
        offsets = [NO_OFFSET] * (self.body_line0 - len(self.entry_lines) + 1) + [body.entry] * len(self.entry_lines)
        offsets += [body.offsets[i] for i in self.line_code]
        first = self.body_line0 + 1
        return LineMap(self.info.name, self.funcidx, self.info.func_names, body.start, offsets,
                       {first + k: a for k, a in self.accesses.items()},
                       {first + k: f for k, f in self.calls.items()})


def _is_local(text: str) -> bool:
    """Whether ``text`` names a Wasm local (which no instruction but local.set changes)."""
    return text[:1] == "l" and text[1:].isdigit()


def _arity(o: int) -> int:
    return len(op.OPS[o].sig[0])


# op -> (kind, format or libcall). kind: u/b = inline unary/binary expression,
# p = pure libcall, t = trapping libcall.
_SIMPLE: dict[int, tuple[str, str]] = {}
# The unsigned divisions' libcalls, and their code in line where the divisor is a constant other
# than 0 (C's ``% 1000``, ``/ 10``): the libcall only tests for 0, and rem_u was the libcall the mutate
# target's C seeds made most (167,005 calls in 1,870 inputs).
_UNSIGNED_DIVISION: dict[str, str] = {}


def _reg(name: str, kind: str, fmt: str) -> None:
    _SIMPLE[op.NAMES[name]] = (kind, fmt)


for _w, _m, _sb in (("i32", M32, "0x80000000"), ("i64", M64, "0x8000000000000000")):
    _reg(f"{_w}.eqz", "u", "({a} == 0)")
    _reg(f"{_w}.eq", "b", "({a} == {b})")
    _reg(f"{_w}.ne", "b", "({a} != {b})")
    _reg(f"{_w}.lt_u", "b", "({a} < {b})")
    _reg(f"{_w}.gt_u", "b", "({a} > {b})")
    _reg(f"{_w}.le_u", "b", "({a} <= {b})")
    _reg(f"{_w}.ge_u", "b", "({a} >= {b})")
    for _n, _c in (("lt_s", "<"), ("gt_s", ">"), ("le_s", "<="), ("ge_s", ">=")):
        _reg(f"{_w}.{_n}", "b", f"(({{a}} ^ {_sb}) {_c} ({{b}} ^ {_sb}))")
    _bits = 32 if _w == "i32" else 64
    _reg(f"{_w}.clz", "u", f"({_bits} - ({{a}}).bit_length())")  # parens: `5.bit_length()` is a syntax error
    _reg(f"{_w}.ctz", "p", f"_{_w}_ctz")
    _reg(f"{_w}.popcnt", "u", "({a}).bit_count()")
    _reg(f"{_w}.add", "b", f"(({{a}} + {{b}}) & {_m})")
    _reg(f"{_w}.sub", "b", f"(({{a}} - {{b}}) & {_m})")
    _reg(f"{_w}.mul", "b", f"(({{a}} * {{b}}) & {_m})")
    for _n in ("div_s", "div_u", "rem_s", "rem_u"):
        _reg(f"{_w}.{_n}", "t", f"_{_w}_{_n}")
    _UNSIGNED_DIVISION[f"_{_w}_div_u"] = "({a} // {b})"
    _UNSIGNED_DIVISION[f"_{_w}_rem_u"] = "({a} % {b})"
    _reg(f"{_w}.and", "b", "({a} & {b})")
    _reg(f"{_w}.or", "b", "({a} | {b})")
    _reg(f"{_w}.xor", "b", "({a} ^ {b})")
    _reg(f"{_w}.shl", "b", f"(({{a}} << ({{b}} & {_bits - 1})) & {_m})")
    _reg(f"{_w}.shr_u", "b", f"({{a}} >> ({{b}} & {_bits - 1}))")
    _reg(f"{_w}.shr_s", "b", f"(((({{a}} ^ {_sb}) - {_sb}) >> ({{b}} & {_bits - 1})) & {_m})")
    _reg(f"{_w}.rotl", "p", f"_{_w}_rotl")
    _reg(f"{_w}.rotr", "p", f"_{_w}_rotr")

_reg("i32.extend8_s", "u", f"((({{a}} & 0xFF) ^ 0x80) - 0x80 & {M32})")
_reg("i32.extend16_s", "u", f"((({{a}} & 0xFFFF) ^ 0x8000) - 0x8000 & {M32})")
_reg("i64.extend8_s", "u", f"((({{a}} & 0xFF) ^ 0x80) - 0x80 & {M64})")
_reg("i64.extend16_s", "u", f"((({{a}} & 0xFFFF) ^ 0x8000) - 0x8000 & {M64})")
_reg("i64.extend32_s", "u", f"((({{a}} & {M32}) ^ 0x80000000) - 0x80000000 & {M64})")
_reg("i32.wrap_i64", "u", f"({{a}} & {M32})")
_reg("i64.extend_i32_u", "u", "{a}")
_reg("i64.extend_i32_s", "u", f"(({{a}} ^ 0x80000000) - 0x80000000 & {M64})")

for _w in ("f32", "f64"):
    _r = "_f32r({x})" if _w == "f32" else "{x}"
    _reg(f"{_w}.eq", "b", "({a} == {b})")
    _reg(f"{_w}.ne", "b", "({a} != {b})")
    _reg(f"{_w}.lt", "b", "({a} < {b})")
    _reg(f"{_w}.gt", "b", "({a} > {b})")
    _reg(f"{_w}.le", "b", "({a} <= {b})")
    _reg(f"{_w}.ge", "b", "({a} >= {b})")
    _reg(f"{_w}.abs", "u", "abs({a})")
    _reg(f"{_w}.neg", "u", "(-{a})")
    _reg(f"{_w}.ceil", "p", "_fceil")
    _reg(f"{_w}.floor", "p", "_ffloor")
    _reg(f"{_w}.trunc", "p", "_ftrunc")
    _reg(f"{_w}.nearest", "p", "_fnearest")
    _reg(f"{_w}.sqrt", "u", _r.format(x="_fsqrt({a})"))
    _reg(f"{_w}.add", "b", _r.format(x="({a} + {b})"))
    _reg(f"{_w}.sub", "b", _r.format(x="({a} - {b})"))
    _reg(f"{_w}.mul", "b", _r.format(x="({a} * {b})"))
    _reg(f"{_w}.div", "b", _r.format(x="_fdiv({a}, {b})"))
    _reg(f"{_w}.min", "p", "_fmin")
    _reg(f"{_w}.max", "p", "_fmax")
    _reg(f"{_w}.copysign", "p", "_copysign")

for _n in ("i32.trunc_f32_s", "i32.trunc_f64_s"):
    _reg(_n, "t", "_i32_trunc_s")
for _n in ("i32.trunc_f32_u", "i32.trunc_f64_u"):
    _reg(_n, "t", "_i32_trunc_u")
for _n in ("i64.trunc_f32_s", "i64.trunc_f64_s"):
    _reg(_n, "t", "_i64_trunc_s")
for _n in ("i64.trunc_f32_u", "i64.trunc_f64_u"):
    _reg(_n, "t", "_i64_trunc_u")
for _w in ("i32", "i64"):
    for _f in ("f32", "f64"):
        for _sg in ("s", "u"):
            _reg(f"{_w}.trunc_sat_{_f}_{_sg}", "p", f"_{_w}_trunc_sat_{_sg}")
_reg("f32.convert_i32_s", "u", "_f32r(float(({a} ^ 0x80000000) - 0x80000000))")
_reg("f32.convert_i32_u", "u", "_f32r(float({a}))")
_reg("f32.convert_i64_s", "u", "_int_to_f32(({a} ^ 0x8000000000000000) - 0x8000000000000000)")
_reg("f32.convert_i64_u", "p", "_int_to_f32")
_reg("f64.convert_i32_s", "u", "float(({a} ^ 0x80000000) - 0x80000000)")
_reg("f64.convert_i32_u", "u", "float({a})")
_reg("f64.convert_i64_s", "u", "float(({a} ^ 0x8000000000000000) - 0x8000000000000000)")
_reg("f64.convert_i64_u", "u", "float({a})")
_reg("f32.demote_f64", "p", "_f32r")
_reg("f64.promote_f32", "p", "_promote")
_reg("i32.reinterpret_f32", "p", "_f32_bits")
_reg("i64.reinterpret_f64", "p", "_f64_bits")
_reg("f32.reinterpret_i32", "p", "_f32_from_bits")
_reg("f64.reinterpret_i64", "p", "_f64_from_bits")

# The float instructions whose NaN results Cranelift's NaN canonicalization
# replaces by the canonical NaN (its is_fp_arith); those that only move the
# sign or the bits (neg, abs, copysign, reinterpret, loads, constants) and the
# conversions from integers, which never make a NaN, are left alone.
# op -> the libcall that canonicalises its result (simd_ops adds the vector ones).
NAN_PRODUCERS = dict.fromkeys([op.NAMES[f"{w}.{n}"] for w in ("f32", "f64") for n in (
    "add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest")]
    + [op.NAMES["f32.demote_f64"], op.NAMES["f64.promote_f32"]], "_canonical_nan") | simd_ops.NAN_PRODUCERS

# Libcalls that inline formats call by name; bound when the body uses them.
_INLINE_NEEDS = ("_f32r", "_fsqrt", "_fdiv", "_int_to_f32")

_LOADS = {
    0x28: "{ld}({m}, {ea})[0]", 0x29: "{ld}({m}, {ea})[0]", 0x2A: "{ld}({m}, {ea})",
    0x2B: "{ld}({m}, {ea})[0]", 0x2C: "(({m}[{ea}] ^ 0x80) - 0x80) & " + M32, 0x2D: "{m}[{ea}]",
    0x2E: "{ld}({m}, {ea})[0] & " + M32, 0x2F: "{ld}({m}, {ea})[0]",
    0x30: "(({m}[{ea}] ^ 0x80) - 0x80) & " + M64, 0x31: "{m}[{ea}]",
    0x32: "{ld}({m}, {ea})[0] & " + M64, 0x33: "{ld}({m}, {ea})[0]",
    0x34: "{ld}({m}, {ea})[0] & " + M64, 0x35: "{ld}({m}, {ea})[0]",
}
_LOAD_FN = {0x28: "_ld_u32", 0x29: "_ld_u64", 0x2A: "_load_f32", 0x2B: "_ld_f64", 0x2E: "_ld_i16",
            0x2F: "_ld_u16", 0x32: "_ld_i16", 0x33: "_ld_u16", 0x34: "_ld_i32", 0x35: "_ld_u32"}
_STORES = {
    0x36: "{st}({m}, {ea}, {v})", 0x37: "{st}({m}, {ea}, {v})", 0x38: "{st}({m}, {ea}, {v})",
    0x39: "{st}({m}, {ea}, {v})", 0x3A: "{m}[{ea}] = {v} & 0xFF", 0x3B: "{st}({m}, {ea}, {v} & 0xFFFF)",
    0x3C: "{m}[{ea}] = {v} & 0xFF", 0x3D: "{st}({m}, {ea}, {v} & 0xFFFF)",
    0x3E: "{st}({m}, {ea}, {v} & " + M32 + ")",
}
_STORE_FN = {0x36: "_st_u32", 0x37: "_st_u64", 0x38: "_store_f32", 0x39: "_st_f64", 0x3B: "_st_u16",
             0x3D: "_st_u16", 0x3E: "_st_u32"}

# Atomic opcode -> (libcall kind, extra constant arguments before the operands).
_ATOMICS: dict[int, tuple[str, tuple[str, ...]]] = {0xFE00: ("notify", ()), 0xFE01: ("wait", ()),
                                                     0xFE02: ("wait", ())}
for _i in range(7):
    _ATOMICS[0xFE10 + _i] = ("load", ())
    _ATOMICS[0xFE17 + _i] = ("store", ())
    for _k in range(6):
        _ATOMICS[0xFE1E + 7 * _k + _i] = ("rmw", (str(_k),))
    _ATOMICS[0xFE48 + _i] = ("cmpxchg", ())

_DISPATCH = {
    op.UNREACHABLE: FunctionEmitter.i_unreachable, op.NOP: FunctionEmitter.i_nop,
    op.BR: FunctionEmitter.i_br, op.BR_IF: FunctionEmitter.i_br_if,
    op.BR_TABLE: FunctionEmitter.i_br_table, op.RETURN: FunctionEmitter.i_return,
    op.CALL: FunctionEmitter.i_call, op.CALL_INDIRECT: FunctionEmitter.i_call_indirect,
    op.RETURN_CALL: FunctionEmitter.i_return_call, op.RETURN_CALL_INDIRECT: FunctionEmitter.i_return_call_indirect,
    op.DROP: FunctionEmitter.i_drop, op.SELECT: FunctionEmitter.i_select,
    op.SELECT_T: FunctionEmitter.i_select, op.LOCAL_GET: FunctionEmitter.i_local_get,
    op.LOCAL_SET: FunctionEmitter.i_local_set, op.LOCAL_TEE: FunctionEmitter.i_local_tee,
    op.GLOBAL_GET: FunctionEmitter.i_global_get, op.GLOBAL_SET: FunctionEmitter.i_global_set,
    op.TABLE_GET: FunctionEmitter.i_table_get, op.TABLE_SET: FunctionEmitter.i_table_set,
    op.MEMORY_SIZE: FunctionEmitter.i_memory_size, op.MEMORY_GROW: FunctionEmitter.i_memory_grow,
    op.I32_CONST: FunctionEmitter.i_const_int, op.I64_CONST: FunctionEmitter.i_const_int,
    op.F32_CONST: FunctionEmitter.i_f32_const, op.F64_CONST: FunctionEmitter.i_f64_const,
    op.REF_NULL: FunctionEmitter.i_ref_null, op.REF_IS_NULL: FunctionEmitter.i_ref_is_null,
    op.REF_FUNC: FunctionEmitter.i_ref_func, op.REF_AS_NON_NULL: FunctionEmitter.i_ref_as_non_null,
    op.CALL_REF: FunctionEmitter.i_call_ref, op.RETURN_CALL_REF: FunctionEmitter.i_return_call_ref,
    op.BR_ON_NULL: FunctionEmitter.i_br_on_null, op.BR_ON_NON_NULL: FunctionEmitter.i_br_on_non_null,
    op.THROW: eh_ops.i_throw, op.THROW_REF: eh_ops.i_throw_ref, op.RETHROW: eh_ops.i_rethrow,
    op.MEMORY_INIT: FunctionEmitter.i_memory_init, op.DATA_DROP: FunctionEmitter.i_data_drop,
    op.MEMORY_COPY: FunctionEmitter.i_memory_copy, op.MEMORY_FILL: FunctionEmitter.i_memory_fill,
    op.TABLE_INIT: FunctionEmitter.i_table_init, op.ELEM_DROP: FunctionEmitter.i_elem_drop,
    op.TABLE_COPY: FunctionEmitter.i_table_copy, op.TABLE_GROW: FunctionEmitter.i_table_grow,
    op.TABLE_SIZE: FunctionEmitter.i_table_size, op.TABLE_FILL: FunctionEmitter.i_table_fill,
}
for _o in _LOADS:
    _DISPATCH[_o] = FunctionEmitter.i_load
for _o in _STORES:
    _DISPATCH[_o] = FunctionEmitter.i_store
for _o in _ATOMICS:
    _DISPATCH[_o] = FunctionEmitter.i_atomic
_DISPATCH[0xFE03] = FunctionEmitter.i_atomic_fence
for _o in range(0xFC13, 0xFC17):
    _DISPATCH[_o] = FunctionEmitter.i_wide
_DISPATCH.update(gc_ops.DISPATCH)
# The instructions that open, divide or close a construct: (em, ins, index, targeted blocks).
_CONTROL = {
    op.END: FunctionEmitter.c_end, op.DELEGATE: FunctionEmitter.c_end,
    op.BLOCK: FunctionEmitter.c_block, op.LOOP: FunctionEmitter.c_loop, op.IF: FunctionEmitter.c_if,
    op.TRY_TABLE: eh_ops.enter_try_table, op.TRY: eh_ops.enter_try,
    op.ELSE: FunctionEmitter.c_else, op.LEGACY_CATCH: FunctionEmitter.c_catch,
    op.LEGACY_CATCH_ALL: FunctionEmitter.c_catch,
}
_SIMD_SIMPLE, _SIMD_DISPATCH = simd_ops.tables()
_SIMPLE.update(_SIMD_SIMPLE)
_DISPATCH.update(_SIMD_DISPATCH)


LAYOUTS = ("auto", "structured", "flat")


def emit_function(info: ModuleInfo, funcidx: int,
                  name: str | None = None, options: CodegenOptions = CodegenOptions()
                  ) -> tuple[str, set[str], dict[str, object], bool]:
    """Python source for function ``funcidx``: ``(source, libcall names, constants, flat)``."""
    em = emit(info, funcidx, name, options)
    return em.source(), em.needs, em.consts, em.flat


def emit(info: ModuleInfo, funcidx: int,
         name: str | None = None, options: CodegenOptions = CodegenOptions()) -> FunctionEmitter:
    """The emitter that has emitted function ``funcidx`` (its ``source()`` and
    ``line_map()`` are what a backend needs).

    ``auto`` tries the structured layout and falls back to the flat one when a
    CPython nesting limit would be hit; the other two force a layout (the flat
    one is tested on its own that way)."""
    em = None
    if options.layout != "flat":
        try:
            em = FunctionEmitter(info, funcidx, flat=False, name=name, options=options)
            em.emit_body()
        except CodegenLimit:
            if options.layout == "structured":
                raise
            em = None
    if em is None:
        em = FunctionEmitter(info, funcidx, flat=True, name=name, options=options)
        em.emit_body()
    return em
