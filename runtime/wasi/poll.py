"""``poll_oneoff``: wait for clocks and descriptors, as Wasmtime does it.

What a guest sees is Wasmtime's behaviour, which follows from how it
implements readiness: stdout, stderr, files being written, and a stdin
that is empty, a file, or has input waiting are ready at once; a file being
read becomes ready only after a background read, so it is reported only
when nothing else was ready at once. Only an inherited stdin can make the
guest wait, besides clocks.
"""

from __future__ import annotations

import os
import time

from .abi import (CLOCK_COUNT, CLOCK_MONOTONIC, CLOCK_REALTIME, EVENT, EVENTRWFLAGS_HANGUP, EVENTTYPE_CLOCK,
                  EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE, SUBCLOCKFLAGS_ABSTIME, SUBSCRIPTION_CLOCK,
                  SUBSCRIPTION_FD, SUBSCRIPTION_HEAD, SUBSCRIPTION_SIZE)
from .errno import Errno, WasiError
from .fdtable import File, Output, Stdin
from .guest import GuestMemory

_LONGEST_SLEEP = 86_400 * 10**9  # ns: a longer wait is slept in pieces (time.sleep has a limit)
# What Wasmtime charges a call's copy budget per subscription (its host copies
# of the subscription and of the event), measured: ENOMEM from 2**21 + 1 on.
_HOST_BYTES_PER_SUBSCRIPTION = 64


def _read_subscription(mem: GuestMemory, ptr: int) -> tuple:
    """(userdata, tag, body): body is (clock id, timeout, flags) or an fd."""
    mem.check(ptr, SUBSCRIPTION_SIZE, 8)
    userdata, tag = mem.unpack(SUBSCRIPTION_HEAD, ptr, 8)
    if tag == EVENTTYPE_CLOCK:
        clock_id, timeout, _precision, flags = mem.unpack(SUBSCRIPTION_CLOCK, ptr + 16, 8)
        if clock_id >= CLOCK_COUNT or flags & ~SUBCLOCKFLAGS_ABSTIME:
            raise WasiError(Errno.INVAL)
        return userdata, tag, (clock_id, timeout, flags)
    if tag in (EVENTTYPE_FD_READ, EVENTTYPE_FD_WRITE):
        return userdata, tag, mem.unpack(SUBSCRIPTION_FD, ptr + 16, 4)[0]
    raise WasiError(Errno.INVAL)


def _write_event(mem: GuestMemory, ptr: int, userdata: int, tag: int, nbytes: int, flags: int = 0) -> None:
    mem.pack(EVENT, ptr, userdata, 0, tag, nbytes, flags)


def poll_oneoff(ctx, mem: GuestMemory, subs: int, events: int, count: int) -> int:
    """Wait until at least one subscription is ready; write their events; return how many."""
    if count == 0:
        raise WasiError(Errno.INVAL)  # waiting for nothing would be forever
    mem.consume(count * _HOST_BYTES_PER_SUBSCRIPTION)
    waits = [_subscribe(ctx, *_read_subscription(mem, subs + i * SUBSCRIPTION_SIZE)) for i in range(count)]
    ready = _wait(ctx, waits)
    written = 0
    for userdata, tag, target, _deadline in (waits[i] for i in ready):
        if tag == EVENTTYPE_CLOCK:
            _write_event(mem, events + written * EVENT.size, userdata, tag, 0)
        elif tag == EVENTTYPE_FD_READ and isinstance(target, File):
            at_end = os.fstat(target.fd).st_size <= target.position
            _write_event(mem, events + written * EVENT.size, userdata, tag, 1,
                         EVENTRWFLAGS_HANGUP if at_end else 0)
        else:
            _write_event(mem, events + written * EVENT.size, userdata, tag, 1)
        written += 1
    return written


def _subscribe(ctx, userdata: int, tag: int, body) -> tuple:
    """(userdata, tag, descriptor or None, clock deadline in monotonic ns or None)."""
    if tag == EVENTTYPE_CLOCK:
        clock_id, timeout, flags = body
        absolute = flags & SUBCLOCKFLAGS_ABSTIME
        if clock_id == CLOCK_MONOTONIC:
            deadline = timeout if absolute else ctx.monotonic_now() + timeout
        elif clock_id == CLOCK_REALTIME:
            relative = max(0, timeout - time.time_ns()) if absolute else timeout
            deadline = ctx.monotonic_now() + relative
        else:
            raise WasiError(Errno.INVAL)
        return userdata, tag, None, deadline
    desc = ctx.fds.get(body)
    wanted = (Stdin, File) if tag == EVENTTYPE_FD_READ else (Output, File)
    if not isinstance(desc, wanted) or (tag == EVENTTYPE_FD_WRITE and isinstance(desc, File)
                                        and not desc.may_write):
        raise WasiError(Errno.BADF)
    return userdata, tag, desc, None


def _wait(ctx, waits: list[tuple]) -> list[int]:
    """Indices of the subscriptions ready once at least one is."""
    while True:
        now = ctx.monotonic_now()
        ready = [i for i, (_u, tag, desc, deadline) in enumerate(waits)
                 if (now >= deadline if deadline is not None
                     else isinstance(desc, Stdin) and desc.stream.ready()
                     or tag == EVENTTYPE_FD_WRITE)]
        if ready:
            return ready
        file_reads = [i for i, (_u, _t, desc, _d) in enumerate(waits) if isinstance(desc, File)]
        if file_reads:
            return file_reads
        deadlines = [w[3] for w in waits if w[3] is not None]
        timeout = min(min(deadlines) - now, _LONGEST_SLEEP) / 1e9 if deadlines else None
        stdin = next((w[2] for w in waits if isinstance(w[2], Stdin)), None)
        if stdin is not None:
            stdin.stream.ready(timeout)
        else:
            time.sleep(timeout)
