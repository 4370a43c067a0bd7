"""Scans over a whole function body that the code generator makes before or
while emitting it: which blocks are branch targets, which memories and
locals the code touches, which functions and globals it names.

They are apart from the code generator so that fuzzing leaves them out of
coverage (``fuzz.atheris_main.UNINSTRUMENTED``): each visits every
instruction, so its branches only say again which instructions a body holds,
which the emitter's own (traced) branches already tell libFuzzer; traced,
these loops were a fifth of the instrumentation's cost in the differential
and mutate targets.
"""

from __future__ import annotations

from ...binary import opcodes as op

# Instructions that may branch to the label their first immediate names.
_LABEL_BRANCHES = frozenset({op.BR, op.BR_IF, op.BR_ON_NULL, op.BR_ON_NON_NULL, op.NAMES["br_on_cast"],
                             op.NAMES["br_on_cast_fail"]})
# Opcodes by where their immediates name a memory (for ``memories_used``).
_MEM_FIRST = frozenset(o for o, i in op.OPS.items() if i.imm in ("memarg", "mem", "memarg_lane"))
_MEM_BOTH = frozenset(o for o, i in op.OPS.items() if i.imm == "mem_mem")
_MEM_SECOND = frozenset(o for o, i in op.OPS.items() if i.imm == "data_mem")
_FUNC_OPS = frozenset(op.NAMES[n] for n in ("call", "return_call", "ref.func"))
_GLOBAL_OPS = frozenset(op.NAMES[n] for n in ("global.get", "global.set"))


def targeted_blocks(code: list[tuple]) -> set[int]:
    """Indices of the block/loop/if instructions some branch targets."""
    out: set[int] = set()
    stack: list[int] = [-1]
    for i, ins in enumerate(code):
        o = ins[0]
        if o in op.OPENERS:
            if o == op.TRY_TABLE:  # catch labels count from outside the try_table
                out.update(stack[-1 - depth] for _, _, depth in ins[2] if depth < len(stack))
            stack.append(i)
        elif o in op.CLOSERS:
            stack.pop()
            if not stack:
                break
        elif o in _LABEL_BRANCHES:
            if ins[1] < len(stack):
                out.add(stack[-1 - ins[1]])
        elif o == op.BR_TABLE:
            for lab in (*ins[1], ins[2]):
                if lab < len(stack):
                    out.add(stack[-1 - lab])
    out.discard(-1)
    return out


def memories_used(code: list[tuple]) -> set[int]:
    """Indices of the memories the instructions of a body name."""
    out: set[int] = set()
    for ins in code:
        o = ins[0]
        if o in _MEM_FIRST:
            out.add(ins[1])
        elif o in _MEM_BOTH:
            out.update(ins[1:3])
        elif o in _MEM_SECOND:
            out.add(ins[2])
    return out


def locals_set_in(code: list, start: int) -> set[int]:
    """Locals written between the block at ``start`` and its matching end."""
    depth = 0
    out: set[int] = set()
    for ins in code[start:]:
        o = ins[0]
        if o in op.OPENERS:
            depth += 1
        elif o in op.CLOSERS:
            depth -= 1
            if depth == 0:
                break
        elif o in (op.LOCAL_SET, op.LOCAL_TEE):
            out.add(ins[1])
    return out


def named(code: list[tuple], funcidx: int) -> tuple[set[int], set[int]]:
    """The functions (``funcidx`` itself included) and the globals the body ``code`` names."""
    funcs, globals_ = {funcidx}, set()
    for ins in code:
        if ins[0] in _FUNC_OPS:
            funcs.add(ins[1])
        elif ins[0] in _GLOBAL_OPS:
            globals_.add(ins[1])
    return funcs, globals_
