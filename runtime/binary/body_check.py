"""A function body checked straight from its bytes: the validator's inline path.

``check_bytes`` is ``_BodyChecker.check_bytes`` (``validate``), kept in a
module of its own for one reason: the fuzz harness imports the runtime
under atheris's coverage instrumentation and leaves this module out
(``fuzz.atheris_main.UNINSTRUMENTED``). Its loop runs for every instruction
of every module, testing in line what the validator's handlers test; under
instrumentation each of those tests became a traced branch and compare,
and decoding a small smith module took 1.6 ms instead of 1.1. Whatever the
inline path does not handle goes to the handlers, which stay instrumented:
coverage still tells instructions and errors apart.
"""

from __future__ import annotations

from ..errors import ValidationError
from .opcodes import BLOCK, BR_IF, CALL, I32, I32_CONST, IF, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP
from .reader import K_BLOCK, K_END, K_IDX, K_MEMARG, K_PREFIX, KINDS, Ctx, read_instr, read_prefixed, sleb, uleb


def check_bytes(self, funcidx: int, body_locals: tuple[int, ...], data: bytes, pos: int, base: int, ctx: Ctx,
                offset: int) -> int:
    """Check the body of function ``funcidx`` straight from its bytes: its
    instructions start at ``pos`` of ``data``, whose module offset is ``base``
    (the body's is ``offset``). Returns the position after the body's final
    ``end``.

    The instructions are read as ``reader.read_expr`` reads them, so a
    malformed one raises ``Malformed`` (or ``IndexError``) there as it would;
    the decoder calls this instead of building the body's instruction list.
    The commonest instructions (local variables, ``i32.const``, numeric
    instructions, loads and stores of memory 0, ``br_if``, ``call``, ``block`` and
    ``loop`` without values, ``end``) are read and checked inline, as
    ``step`` and the handlers would check them; the rest become tuples for
    the handlers."""
    self.begin(funcidx, body_locals, offset)
    stack, frames, locals_, uninit = self.stack, self.frames, self.locals, self.uninit
    nlocals = len(locals_)
    simple, mem32, bound, kinds, step = self.simple, self.mem32, self.bound, KINDS, self.step
    offset_bits = 64 if ctx.memory64 else 32
    no_params, no_results = self.block_types[None]
    funcs = self.funcs
    nfuncs = len(funcs)
    push = stack.append
    start = pos
    try:
        while True:
            start = pos
            op = data[pos]
            pos += 1
            if op == LOCAL_GET:
                index = data[pos]
                if index < 0x80:
                    pos += 1
                else:
                    index, pos = uleb(data, pos, 32)
                if index >= nlocals:
                    raise ValidationError(f"unknown local {index}")
                if uninit and index in uninit:
                    raise ValidationError("uninitialized local")
                push(locals_[index])
                continue
            sig = simple[op]
            if sig is not None:
                arity, first, second, result, params, results = sig
                if arity == 2 and stack[-1] == second and stack[-2] == first:
                    del stack[-1]
                    stack[-1] = result
                elif arity == 1 and stack[-1] == first:
                    stack[-1] = result
                else:
                    self.pop_vals(params)
                    stack.extend(results)
                continue
            if op == I32_CONST:
                if data[pos] < 0x80:
                    pos += 1
                else:
                    pos = sleb(data, pos, 32)[1]
                push(I32)
                continue
            k = kinds[op]
            if k == K_IDX:
                index = data[pos]
                if index < 0x80:
                    pos += 1
                else:
                    index, pos = uleb(data, pos, 32)
                if (op == LOCAL_SET or op == LOCAL_TEE) and index < nlocals and not uninit:
                    t = locals_[index]
                    if stack[-1] == t:
                        if op == LOCAL_SET:
                            stack.pop()
                    else:
                        self.pop_expect(t)
                        if op == LOCAL_TEE:
                            stack.append(t)
                    continue
                if op == CALL and index < nfuncs:
                    params, results = funcs[index]
                    self.pop_vals(params)
                    stack.extend(results)
                    continue
                if op == BR_IF and index < len(frames) and stack[-1] == I32:
                    stack.pop()
                    labels = frames[-1 - index].labels
                    if labels and stack[-len(labels):] != labels:
                        self.pop_vals(labels)
                        stack.extend(labels)
                    continue
                ins = (op, index)
            elif k == K_MEMARG and data[pos] < 0x20:  # memory 0
                align = data[pos]
                offset = data[pos + 1]
                if offset < 0x80:
                    pos += 2
                else:
                    offset, pos = uleb(data, pos + 1, offset_bits)
                ins = (op, 0, offset, align)
                memop = mem32[op]
                if memop is not None and align <= memop[0] and offset <= 0xFFFF_FFFF:
                    self.pop_vals(memop[1])
                    stack.extend(memop[2])
                    continue
            elif k == K_BLOCK and data[pos] == 0x40 and (op == BLOCK or op == LOOP):
                pos += 1
                self.push_frame(op, no_params, no_results)
                continue
            elif k == K_END:
                frame = frames[-1]
                height = frame.height
                if (stack[height:] == frame.results and not frame.inits
                        and (frame.op != IF or frame.params == frame.results)):
                    del stack[height - 1]  # the frame's mark: its results are in place
                    frames.pop()
                else:
                    self.op_end(None)
                if not frames:
                    return pos
                continue
            elif k == K_PREFIX:
                op, k, pos = read_prefixed(op, data, pos)
                ins, pos = read_instr(op, k, data, start, pos, ctx)
                step(ins)
                continue
            else:
                ins, pos = read_instr(op, k, data, start, pos, ctx)
            handler = bound[op]
            if handler is None:
                step(ins)
            else:
                handler(ins)
    except ValidationError as e:
        raise ValidationError(e.reason, base + start, funcidx) from None
