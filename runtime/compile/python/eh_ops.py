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

On entry to a handler the fuel counter is read back from the store (every
throw and call stored it first, as for a trap), and the constant-local
state is the one at the ``try_table``'s entry minus every local its body
writes.
"""

from __future__ import annotations

from ...binary import opcodes as op
from .meter import locals_set_in


def enter_try_table(em, ins: tuple, idx: int, targeted: set[int]) -> None:
    if not em.flat:
        em.flush()
        em.meter.flush()
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
        _clauses(em, ctl)
        em.indent -= 1
        em.py_loops -= 1
        return
    em.open_tries.remove(ctl)
    if not ctl.catches:
        return  # nothing to test: an exception goes on to the enclosing try_table's handler
    lines, line_code = em.lines, em.line_code
    em.lines, em.line_code = [], []
    indent = em.indent
    em.indent = em.flat_base - 1
    em.w(f"if _L in ({', '.join(map(str, ctl.try_states))},):")
    em.indent += 1
    _clauses(em, ctl)
    em.flat_handlers.append((em.lines, em.line_code))
    em.lines, em.line_code, em.indent = lines, line_code, indent


def _clauses(em, ctl) -> None:
    em.meter.after_call()
    saved = None
    if em.clocals is not None:
        saved = em.clocals.defs
        written = locals_set_in(em.body.code, ctl.index)
        em.clocals.defs = [None if i in written else d for i, d in enumerate(ctl.entry_locals)]
    tag_types = em.info.tag_type_indices()
    for kind, tag, depth in ctl.catches:
        values = []
        if kind in (op.CATCH, op.CATCH_REF):
            em.prologue[f"TG{tag}"] = f"vm.tags[{tag}]"
            n = len(em.info.types[tag_types[tag]].params)
            values = [f"_e.values[{i}]" for i in range(n)]
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
    n = len(em.info.types[em.info.tag_type_indices()[tag]].params)
    args = em.popn(n)
    em.prologue[f"TG{tag}"] = f"vm.tags[{tag}]"
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
