"""Fuel and epoch instrumentation for generated code, matching Wasmtime's.

The cost model and check points were measured on Wasmtime 50 (through the
``wasmtime`` package) and agree with its source:

- Every operator costs 1, except ``nop drop block loop unreachable return
  else end`` (0). Each function invocation costs 1 more, charged on entry.
- Costs accumulate at compile time along straight-line code and are added
  to the counter (a Python local ``fc``, like Wasmtime's register) before
  control flow, calls, returns and bulk operations; the shared store value
  is written before calls, returns and ``unreachable`` and read back after
  calls, so costs since the last write are lost when something else traps,
  as in Wasmtime.
- Checks (``fc >= 0`` traps OUT_OF_FUEL) happen on function entry (after the
  entry charge) and at every loop header.
- Bulk operations (``memory.fill/copy/init``, ``table.fill/copy/init/grow``,
  ``memory.grow``) also cost their length (bytes, elements, pages). A length
  that is an SSA constant of at most 128 is charged statically, like any
  other cost, even when a grow fails. Any other length is charged after the
  operation, and only if it succeeded (a grow that returns -1 is free), and
  is then followed by a fuel check and an epoch check.
- "SSA constant" follows Cranelift's view at translation time: a length
  produced by a constant instruction, also through locals, as long as every
  path to the use carries that same definition and the use is not inside a
  loop that reads the local from before the loop (``ConstLocals``).
- Epoch checks (engine epoch >= store deadline) happen on function entry,
  at every loop header, and after a successful bulk operation whose length
  is not a small constant. Each is one test of the store's ``hit`` flag, which the
  engine sets when its epoch moves (see ``interrupts``).
"""

from __future__ import annotations

from ...binary import opcodes as op

FREE_OPS = frozenset({op.NOP, op.DROP, op.BLOCK, op.LOOP, op.UNREACHABLE, op.RETURN, op.ELSE, op.END})
BULK_CONSTANT_LIMIT = 128  # a constant length up to this needs no check afterwards
ZERO = ("zero",)  # the definition of a declared local's initial value


class ConstLocals:
    """Which locals currently hold a value defined by one constant instruction.

    A definition is ``(id, value)``; joins keep a local's definition only if
    every incoming path has the same one, as SSA construction with trivial
    phi removal does."""

    def __init__(self, nparams: int, nlocals: int):
        self.defs: list = [None] * nparams + [(ZERO, 0)] * (nlocals - nparams)

    def snapshot(self) -> list:
        return list(self.defs)

    def enter_loop(self) -> None:
        """Inside a loop, a local defined before it is read through the loop
        header's block parameter, which Cranelift cannot yet tell is trivial
        (the header is sealed only at the loop's end): never a constant."""
        self.defs = [None] * len(self.defs)

    def leave_loop(self, before: list, written: set[int]) -> None:
        """After a loop's end its header is sealed: locals the loop never
        writes have their definition from before the loop again."""
        self.defs = [d if i in written else before[i] for i, d in enumerate(self.defs)]

    @staticmethod
    def merge(states: list[list]) -> list:
        first = states[0]
        return [d if all(s[i] == d for s in states[1:]) else None for i, d in enumerate(first)]


class Meter:
    """Emits the fuel and epoch code of one function into a ``FunctionEmitter``."""

    def __init__(self, em, fuel: bool, epochs: bool):
        self.em = em
        self.fuel = fuel
        self.epochs = epochs
        self.pending = 0

    def entry(self) -> list[str]:
        """The first statements of the function body."""
        em = self.em
        lines = []
        if self.fuel or self.epochs:
            em.prologue["CX"] = "vm.ctx"
        if self.fuel:
            lines += ["fc = CX.fuel + 1", f"if fc >= 0: {em.need('_out_of_fuel')}(CX, fc)"]
        if self.epochs:
            lines.append(f"if CX.hit: {em.need('_new_epoch')}(CX)")
        return lines

    def charge(self, o: int) -> None:
        if self.fuel and o not in FREE_OPS:
            self.pending += 1

    def flush(self) -> None:
        """Add the costs accumulated since the last flush to the counter."""
        if self.fuel and self.pending:
            self.em.w(f"fc += {self.pending}")
            self.pending = 0

    def save(self) -> None:
        """Flush and write the counter to the store (before leaving this frame)."""
        self.flush()
        if self.fuel:
            self.em.w("CX.fuel = fc")

    def after_call(self) -> None:
        if self.fuel:
            self.em.w("fc = CX.fuel")

    def fuel_check(self) -> None:
        self.em.w(f"if fc >= 0: {self.em.need('_out_of_fuel')}(CX, fc)")

    def epoch_check(self) -> None:
        self.em.w(f"if CX.hit: {self.em.need('_new_epoch')}(CX)")

    def loop_header(self) -> None:
        if self.fuel:
            self.fuel_check()
        if self.epochs:
            self.epoch_check()

    @staticmethod
    def is_static(length_def) -> bool:
        """Whether a bulk length is charged at compile time (a constant <= 128)."""
        return length_def is not None and length_def[1] <= BULK_CONSTANT_LIMIT

    def before_bulk(self, length_def) -> None:
        self.flush()
        if self.fuel and self.is_static(length_def):
            self.pending += length_def[1]

    def after_bulk(self, length: str, length_def, only_if: str | None = None) -> None:
        """After a bulk operation with a run-time length: charge it and check,
        when the operation succeeded (``only_if``, for the grows)."""
        if self.is_static(length_def) or not (self.fuel or self.epochs):
            return
        em = self.em
        if only_if is not None:
            em.w(f"if {only_if}:")
            em.indent += 1
        if self.fuel:
            em.w(f"fc += {length}")
            self.fuel_check()
        if self.epochs:
            self.epoch_check()
        if only_if is not None:
            em.indent -= 1
