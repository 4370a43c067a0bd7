"""Tail calls in constant Python stack: a marker returned, and a trampoline.

``return_call`` cannot reuse the Python frame, so the function making it
returns a ``TailCall`` (what to call next, and with what) instead of its
results, and a trampoline around the function keeps calling until a real
result comes back. Only functions that make tail calls get the trampoline
(their ``code`` is ``trampoline(body)``), so a plain call anywhere else
costs exactly what it did. A tail call from such a body to another such
function runs that function's body in the same loop (``tail_body``), not its
trampoline, so mutual tail recursion of any depth stays at a fixed depth;
the trampoline is not generated code, so Wasm backtraces never show it, as
Wasmtime shows no frame for a function that tail-called away.
"""

from __future__ import annotations


class TailCall:
    """``fn(vm, *args)`` is to run in place of the function that returned this."""

    __slots__ = ("fn", "vm", "args")

    def __init__(self, fn, vm, args: tuple):
        self.fn = fn
        self.vm = vm
        self.args = args


def trampoline(body):
    """``body``'s callable form: its results, after running every tail call it makes."""
    def run(vm, *args):
        r = body(vm, *args)
        while r.__class__ is TailCall:
            fn = r.fn
            r = getattr(fn, "tail_body", fn)(r.vm, *r.args)
        return r
    run.tail_body = body
    run.__qualname__ = f"trampoline({getattr(body, '__qualname__', body)})"
    return run
