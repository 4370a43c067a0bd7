"""Async calls: run a Wasm call on its own greenlet so it can yield to asyncio.

Wasmtime runs async calls on a separate native stack (a fiber) and suspends
it when an epoch deadline says "yield"; the future is then pending and the
next poll resumes the stack where it stopped. Here the stack is a greenlet:
``call_async`` starts the call on one, and ``yield_to_event_loop`` (called
from an epoch check deep inside generated code) switches back to the
coroutine, which lets the event loop run other tasks before switching in
again. The resumed call continues exactly where it was, so its result is the
result of an uninterrupted run.
"""

from __future__ import annotations

import asyncio

import greenlet

from ..errors import WasmtimeError


class _AsyncCallGreenlet(greenlet.greenlet):
    """The greenlet of one async call (so a yield can tell it is inside one)."""


_YIELDED = object()


def yield_to_event_loop() -> None:
    """Suspend the current async Wasm call until its coroutine resumes it."""
    current = greenlet.getcurrent()
    if not isinstance(current, _AsyncCallGreenlet):
        raise WasmtimeError("epoch deadline asked to yield, but this call is synchronous: "
                            "use Func.call_async")
    current.parent.switch(_YIELDED)


async def run_async(fn, *args):
    """Run ``fn(*args)`` on a greenlet, yielding to the event loop whenever it asks."""
    g = _AsyncCallGreenlet(fn)
    result = g.switch(*args)
    while result is _YIELDED and not g.dead:
        await asyncio.sleep(0)
        result = g.switch()
    return result
