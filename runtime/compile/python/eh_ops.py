"""Exception handling in generated code: ``try_table``, ``throw``, ``throw_ref``.

A thrown exception is a Python exception (``vm/exceptions``), so Python's
``try`` does the unwinding and costs nothing on the normal path:

- **Structured layout**: ``try_table`` becomes ``try:`` around its block,
  and at its ``end`` an ``except _WasmException as _e:`` clause tests the
  catch clauses in order (a tag matches by identity), each branching like
  ``br`` with the payload (and ``_e`` itself for the ``_ref`` forms) as the
  branch values; no match re-raises. The clause is emitted after the block
  is closed, so its labels are resolved outside the ``try_table``, as the
  spec resolves them. A ``try`` counts towards CPython's limit of nested
  blocks like a loop.
- **Flat layout**: one ``try`` wraps the whole dispatch loop. A
  ``try_table`` starts a state of its own, so every state lies wholly
  inside or outside each ``try_table`` and the state number ``_L`` says
  which ones were active when something was thrown. The handler tests each
  ``try_table``'s clauses, innermost first, if ``_L`` is one of its states;
  a branch sets ``_L`` and continues the outer loop, back into the ``try``.

The legacy instructions (``try``, ``catch``, ``catch_all``, ``delegate``,
``rethrow``) reuse both schemes. A ``try`` whose body ends with a handler
is a Python ``try`` whose ``except`` clause tests the catches in order and
runs the matching handler in place (structured), or is a ``try_table``
whose clauses branch to the handlers' own states (flat); the caught
exception stays in the try's variable ``_x<label>`` for ``rethrow``. A
``try`` without handlers is a plain block. ``delegate`` hands an exception
to the handlers that enclose its label, skipping the handlers in between:
the flat layout takes the try's states out of their ``try_states``; in the
structured layout the delegating try's ``except`` stores the exception in
the receiver's marker (``_dg<label>``, the receiver being the innermost
handler around the label, 0 for the caller) and re-raises it, and every
handler in between re-raises what its markers hold, since Python cannot
raise past an enclosing ``try``. The receiver clears its marker, so an
exception caught there and thrown again later is not skipped.

On entry to a handler the fuel counter is read back from the store (every
throw and call stored it first, as for a trap), and the constant-local
state is the one at the ``try_table``'s (or ``try``'s) entry minus every
local its body writes.
"""

from __future__ import annotations

from contextlib import contextmanager

from ...binary import opcodes as op
from .body_scan import locals_set_in


def enter_try_table(em, ins: tuple, idx: int, targeted: set[int]) -> None:
    if not em.flat:
        em.settle()
        em.w("try:")
        em.indent += 1
        em.py_loops += 1
        em.check_nesting()
    em.enter("block", ins[1], idx, targeted)
    ctl = em.ctls[-1]
    ctl.catches = ins[2]
    if em.flat:
        ctl.try_states = []
        em.open_tries.append(ctl)
        em.start_state(em.new_state(), True)


def end_try_table(em, ctl) -> None:
    """Emit the handler of ``ctl`` (already closed as a block and popped)."""
    if not em.flat:
        em.close_block_body(ctl.start_len)
        em.indent -= 1
        em.w(f"except {em.need('_WasmException')} as _e:")
        em.indent += 1
        _guard(em, ctl, "_e")
        _clauses(em, ctl)
        em.indent -= 1
        em.py_loops -= 1
        return
    em.open_tries.remove(ctl)
    if not ctl.catches:
        return  # nothing to test: an exception goes on to the enclosing try_table's handler
    handler = ([], [])
    with _emitting_into(em, handler, em.flat_base - 1):
        em.w(f"if _L in ({', '.join(map(str, ctl.try_states))},):")
        em.indent += 1
        _clauses(em, ctl)
    em.flat_handlers.append(handler)


@contextmanager
def _emitting_into(em, handler: tuple[list, list], indent: int):
    """Emit into ``handler`` (lines and their instruction indices) at ``indent``
    instead of the body: flat handlers are placed after the dispatch loop."""
    lines, line_code, saved = em.lines, em.line_code, em.indent
    em.lines, em.line_code = handler
    em.indent = indent
    try:
        yield
    finally:
        em.lines, em.line_code, em.indent = lines, line_code, saved


def _handler_locals(em, ctl) -> list:
    """The constant-local state on entry to a handler of ``ctl``: its entry
    state minus every local written inside it (the throw may come from anywhere)."""
    written = locals_set_in(em.body.code, ctl.index)
    return [None if i in written else d for i, d in enumerate(ctl.entry_locals)]


def _guard(em, ctl, exn: str) -> None:
    """The start of a structured handler: re-raise what is delegated past it,
    and clear the marker of what is delegated to it (see the module docstring)."""
    for marker in sorted(ctl.skips):
        em.w(f"if {exn} is {marker}: raise")
    if ctl.marker is not None:
        em.w(f"{ctl.marker} = None")


def _tag_values(em, tag: int) -> int:
    """Bind tag ``tag`` in the prologue; the number of values it carries."""
    em.prologue[f"TG{tag}"] = f"vm.tags[{tag}]"
    return len(em.info.types[em.info.tag_type_indices()[tag]].params)


def _clauses(em, ctl) -> None:
    """A try_table's catch clauses; their branches are the only code on the handler's path."""
    stale = em.stale
    em.after_call()
    saved = None
    if em.clocals is not None:
        saved = em.clocals.defs
        em.clocals.defs = _handler_locals(em, ctl)
    for kind, tag, depth in ctl.catches:
        values = []
        if kind in (op.CATCH, op.CATCH_REF):
            values = [f"_e.values[{i}]" for i in range(_tag_values(em, tag))]
            em.w(f"if _e.tag is TG{tag}:")
            em.indent += 1
        if kind in (op.CATCH_REF, op.CATCH_ALL_REF):
            values.append("_e")
        em.jump(depth, values)
        if kind in (op.CATCH, op.CATCH_REF):
            em.indent -= 1
        else:
            break  # a catch_all: the clauses after it never run
    else:
        if not em.flat:  # the flat layout goes on to the enclosing try_tables' handlers
            em.w("raise")
    if saved is not None:
        em.clocals.defs = saved
    em.stale = stale


def finish_flat(em) -> None:
    """Close the flat layout's wrapping ``try`` with every handler, innermost first."""
    em.indent = em.flat_base - 2
    em.w(f"except {em.need('_WasmException')} as _e:")
    for lines, line_code in em.flat_handlers:
        em.lines += lines
        em.line_code += line_code
    em.indent += 1
    em.w("raise")


def i_throw(em, ins: tuple) -> None:
    tag = ins[1]
    args = em.popn(_tag_values(em, tag))
    em.meter.save()
    em.w(f"raise {em.need('_WasmException')}(TG{tag}, ({''.join(a + ', ' for a in args)}))")
    em.set_unreachable()


def i_throw_ref(em, ins: tuple) -> None:
    exn, _ = em.pop()
    em.meter.save()
    em.w(f"_x = {exn}")
    em.w(f"if _x is None: {em.need('_trap')}(13)")
    em.w(f"{em.need('_rethrow')}(_x)")
    em.set_unreachable()


# ----- legacy exception handling -----

class LegacyTry:
    """A legacy ``try`` while it is emitted (``_Ctl.legacy``).

    ``guarded`` says whether its body is a Python ``try`` (structured) or
    tracked in ``open_tries`` (flat); ``handling`` is the opcode of the
    handler being emitted (None in the body); ``exn`` the variable holding
    the caught exception. A delegating try keeps the handlers it skips
    (``between``) and, structured, the receiver's marker."""

    __slots__ = ("guarded", "handling", "indented", "exn", "between", "marker", "handler")

    def __init__(self, guarded: bool, exn: str, between: list, marker: str | None):
        self.guarded = guarded
        self.handling: int | None = None
        self.indented = False  # structured: the current handler is under an if/elif/else
        self.exn = exn
        self.between = between
        self.marker = marker
        self.handler: tuple[list, list] | None = None  # flat: the lines of its except-clause part


def try_closers(code: list) -> dict[int, tuple]:
    """For the index of each legacy ``try`` in ``code``: the instruction that
    ends its body. Known before the body is emitted, because a ``try`` with a
    handler must open a Python ``try`` and one without must not."""
    out: dict[int, tuple] = {}
    stack = [-1]
    for i, ins in enumerate(code):
        o = ins[0]
        if o in op.OPENERS:
            stack.append(i)
            continue
        if o in op.CLOSERS or o == op.LEGACY_CATCH or o == op.LEGACY_CATCH_ALL:
            top = stack[-1]
            if top >= 0 and code[top][0] == op.TRY and top not in out:
                out[top] = ins
            if o in op.CLOSERS:
                stack.pop()
                if not stack:
                    break
    return out


def _guarding(em) -> list:
    """The open constructs whose handlers an exception thrown here would reach, outermost first."""
    if em.flat:
        return em.open_tries
    return [c for c in em.ctls if c.catches is not None
            or (c.legacy is not None and c.legacy.guarded and c.legacy.handling is None)]


def enter_try(em, ins: tuple, idx: int, targeted: set[int]) -> None:
    if em.try_closers is None:
        em.try_closers = try_closers(em.body.code)
    closer = em.try_closers[idx]
    between, marker = [], None
    if closer[0] == op.DELEGATE:  # its label counts from outside the try
        target = em.ctls[-1 - closer[1]]
        guarding = _guarding(em)
        between = [c for c in guarding if c.index > target.index]
        if between and not em.flat:
            receiver = next((c for c in reversed(guarding) if c.index <= target.index), None)
            marker = f"_dg{receiver.label if receiver is not None else 0}"
            em.prologue[marker] = "None"
            for c in between:
                c.skips.add(marker)
            if receiver is not None:
                receiver.marker = marker
    em.enter("block", ins[1], idx, targeted)
    ctl = em.ctls[-1]
    # Without handlers it is a block; delegating with nothing to skip, too.
    guarded = closer[0] != op.END and (closer[0] != op.DELEGATE or bool(between))
    lt = ctl.legacy = LegacyTry(guarded, f"_x{ctl.label}", between, marker)
    if not lt.guarded:
        return
    if em.flat:
        ctl.try_states = []
        em.open_tries.append(ctl)
        em.start_state(em.new_state(), True)
        return
    em.w("try:")
    em.indent += 1
    em.py_loops += 1
    em.check_nesting()
    ctl.start_len = len(em.lines)


def catch(em, ins: tuple) -> None:
    """``catch`` or ``catch_all``: end the innermost try's body or previous handler and start a handler."""
    ctl = em.ctls[-1]
    lt = ctl.legacy
    if not em.unreachable:  # the code before reaches the try's end, its results in their slots
        em.settle()
        ctl.branched = True
        if em.clocals is not None:
            ctl.branch_locals.append(em.clocals.snapshot())
        if em.flat:
            em.w(f"_L = {em.end_state_of(ctl)}")
            em.w("continue")
    em.unreachable = False
    em.truncate(ctl.height)
    tag = ins[1] if ins[0] == op.LEGACY_CATCH else None
    slots = [f"s{ctl.height + i}" for i in range(0 if tag is None else _tag_values(em, tag))]
    if em.flat:
        _flat_handler(em, ctl, tag, slots)
    else:
        _structured_handler(em, ctl, tag, slots)
    lt.handling = ins[0]
    em.push_slots(len(slots))
    if em.clocals is not None:
        em.clocals.defs = _handler_locals(em, ctl)


def _unpack(em, slots: list[str], exn: str) -> None:
    if slots:
        em.w(f"{', '.join(slots)}{',' if len(slots) == 1 else ''} = {exn}.values")


def _structured_handler(em, ctl, tag: int | None, slots: list[str]) -> None:
    lt = ctl.legacy
    em.close_block_body(ctl.start_len)
    em.indent -= 1
    if lt.handling is None:  # the handlers make up the body's except clause
        em.w(f"except {em.need('_WasmException')} as {lt.exn}:")
        em.indent += 1
        em.py_loops += 1  # inside a named except clause CPython counts two nested blocks
        em.check_nesting()
        _guard(em, ctl, lt.exn)
        em.meter.after_call()
        test = "if"
    else:  # after a catch (a catch_all ends the list)
        test = "elif"
    em.invalidate()  # the handler is entered from anywhere in the body
    lt.indented = tag is not None or test == "elif"
    if tag is not None:
        em.w(f"{test} {lt.exn}.tag is TG{tag}:")
    elif lt.indented:
        em.w("else:")
    if lt.indented:
        em.indent += 1
    ctl.start_len = len(em.lines)
    _unpack(em, slots, lt.exn)


def _flat_handler(em, ctl, tag: int | None, slots: list[str]) -> None:
    lt = ctl.legacy
    if lt.handling is None:
        em.open_tries.remove(ctl)
        lt.handler = ([], [])
        em.flat_handlers.append(lt.handler)
        with _emitting_into(em, lt.handler, em.flat_base - 1):
            em.w(f"if _L in ({', '.join(map(str, ctl.try_states))},):")
    state = em.new_state()
    with _emitting_into(em, lt.handler, em.flat_base):
        if tag is not None:
            em.w(f"if _e.tag is TG{tag}:")
            em.indent += 1
        em.w(f"{lt.exn} = _e")
        _unpack(em, slots, "_e")
        em.meter.after_call()
        em.w(f"_L = {state}")
        em.w("continue")
    em.start_state(state, False)
    em.invalidate()  # its state is entered from anywhere in the body


def end_try(em, ctl, reachable: bool) -> None:
    """Close what the legacy try ``ctl`` (popped) added to a block, before the block itself is closed."""
    lt = ctl.legacy
    if em.flat:
        if lt.guarded and lt.handling is None:  # delegated: its code leaves the handlers in between
            em.open_tries.remove(ctl)
            gone = set(ctl.try_states)
            for c in lt.between:
                c.try_states = [s for s in c.try_states if s not in gone]
        return
    if not lt.guarded:
        return
    em.close_block_body(ctl.start_len)
    if lt.handling is None:  # delegate: hand the exception to the receiver
        em.indent -= 1
        em.w(f"except {em.need('_WasmException')} as {lt.exn}:")
        em.indent += 1
        _guard(em, ctl, lt.exn)
        em.w(f"{lt.marker} = {lt.exn}")
        em.w("raise")
        em.py_loops -= 1
    else:
        if lt.indented:
            em.indent -= 1
        if lt.handling == op.LEGACY_CATCH:  # no catch_all: anything else goes on
            em.w("else:")
            em.w("    raise")
        em.py_loops -= 2
    em.indent -= 1
    if ctl.pyloop and ctl.branched and not reachable:  # the body or a handler falls out of the Python try
        em.w("break")


def i_rethrow(em, ins: tuple) -> None:
    em.meter.save()
    em.w(f"{em.need('_rethrow')}({em.ctls[-1 - ins[1]].legacy.exn})")
    em.set_unreachable()
