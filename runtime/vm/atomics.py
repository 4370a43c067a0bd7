"""The threads proposal's atomic instructions and wait/notify, as libcalls.

Why here: these need a lock, a wait queue and blocking, which do not belong
inline in generated code; ``libcalls.LIBCALLS`` lists them with the rest.

How atomicity is had in CPython: one ``struct`` pack or unpack is a single C
call made under the GIL, so an aligned load or store can neither tear nor
interleave with another thread's access. A read-modify-write is two such
calls, so RMWs, cmpxchg and atomic stores take the memory's ``lock`` (plain
stores do not: a plain store racing an atomic one is a data race, whose
outcome the memory model leaves open). Fences need nothing more: every
Python-level access is already sequentially consistent under the GIL.

Order of checks, as in Wasmtime (measured against wasmtime-py at the edges).
The effective address is computed exactly (``codegen`` shares that
computation with plain loads and stores). A misaligned address traps
"unaligned atomic" even when it is also out of bounds; then bounds. Wait and
notify differ in one point: Wasmtime adds their index and offset in the
index type with an overflow trap before its libcall, so a sum past 2^32-1
(2^64-1 on a 64-bit memory) traps "out of bounds" before the alignment
check. After these, ``memory.atomic.wait*`` on a memory that is not shared
traps "atomic wait on non-shared memory", while ``memory.atomic.notify`` on
it wakes nobody and returns 0.

Waiting: each shared memory keeps, under its lock, a FIFO queue of waiting
threads per address (``MemoryInstance.waiters``). A waiter blocks on its own
``threading.Event`` outside the lock, so other threads (and their notifies)
run meanwhile; a timeout is an i64 of nanoseconds, negative meaning forever.
"""

from __future__ import annotations

import operator
import struct
import threading
from collections import deque

from ..errors import Trap, TrapCode

_UNSIGNED = {1: struct.Struct("<B"), 2: struct.Struct("<H"), 4: struct.Struct("<I"), 8: struct.Struct("<Q")}
_MASKS = {size: (1 << (8 * size)) - 1 for size in _UNSIGNED}
_U32_MAX, _U64_MAX = _MASKS[4], _MASKS[8]

# Read-modify-write operations in opcode order (0xFE1E + 7 * k + width).
RMW_OPS = (operator.add, operator.sub, operator.and_, operator.or_, operator.xor, lambda old, v: v)

# memory.atomic.wait results.
WOKEN, NOT_EQUAL, TIMED_OUT = 0, 1, 2


def _checked(mem, ea: int, size: int):
    """The memory's buffer, once ``ea`` is known aligned (checked first) and in bounds."""
    if ea & (size - 1):
        raise Trap.from_code(TrapCode.HEAP_MISALIGNED)
    data = mem.data
    if ea + size > len(data):
        raise Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)
    return data


def _checked_in_index_type(mem, ea: int, size: int):
    """``_checked`` after the wait/notify overflow check."""
    if ea > (_U64_MAX if mem.is64 else _U32_MAX):
        raise Trap.from_code(TrapCode.MEMORY_OUT_OF_BOUNDS)
    return _checked(mem, ea, size)


def atomic_load(mem, ea: int, size: int) -> int:
    """*.atomic.load*: the zero-extended ``size``-byte value at ``ea``."""
    return _UNSIGNED[size].unpack_from(_checked(mem, ea, size), ea)[0]


def atomic_store(mem, ea: int, size: int, value: int) -> None:
    """*.atomic.store*: store ``value`` wrapped to ``size`` bytes."""
    data = _checked(mem, ea, size)
    with mem.lock:
        _UNSIGNED[size].pack_into(data, ea, value & _MASKS[size])


def atomic_rmw(mem, ea: int, size: int, op: int, value: int) -> int:
    """*.atomic.rmw*.{add,sub,and,or,xor,xchg}: apply ``RMW_OPS[op]``; the old value."""
    data = _checked(mem, ea, size)
    fmt = _UNSIGNED[size]
    with mem.lock:
        old = fmt.unpack_from(data, ea)[0]
        fmt.pack_into(data, ea, RMW_OPS[op](old, value) & _MASKS[size])
    return old


def atomic_cmpxchg(mem, ea: int, size: int, expected: int, replacement: int) -> int:
    """*.atomic.rmw*.cmpxchg*: store ``replacement`` if the value equals
    ``expected`` (both wrapped to ``size`` bytes); the old value."""
    data = _checked(mem, ea, size)
    fmt = _UNSIGNED[size]
    mask = _MASKS[size]
    with mem.lock:
        old = fmt.unpack_from(data, ea)[0]
        if old == expected & mask:
            fmt.pack_into(data, ea, replacement & mask)
    return old


def atomic_wait(mem, ea: int, size: int, expected: int, timeout: int) -> int:
    """memory.atomic.wait32/64: 1 if the value is not ``expected``, else block
    until notified (0) or ``timeout`` ns pass (2; a negative i64 waits forever)."""
    data = _checked_in_index_type(mem, ea, size)
    if not mem.shared:
        raise Trap.from_code(TrapCode.ATOMIC_WAIT_NON_SHARED_MEMORY)
    with mem.lock:
        if _UNSIGNED[size].unpack_from(data, ea)[0] != expected:
            return NOT_EQUAL
        waiter = threading.Event()
        mem.waiters.setdefault(ea, deque()).append(waiter)
    if waiter.wait(None if timeout >> 63 else timeout / 1e9):
        return WOKEN
    with mem.lock:
        if waiter.is_set():  # notified between the timeout and taking the lock
            return WOKEN
        queue = mem.waiters[ea]
        queue.remove(waiter)
        if not queue:
            del mem.waiters[ea]
    return TIMED_OUT


def atomic_notify(mem, ea: int, size: int, count: int) -> int:
    """memory.atomic.notify (``size`` is 4): wake up to ``count`` threads
    waiting on ``ea``, oldest first; how many were woken."""
    _checked_in_index_type(mem, ea, size)
    if not mem.shared:
        return 0
    woken = 0
    with mem.lock:
        queue = mem.waiters.get(ea)
        while queue and woken < count:
            queue.popleft().set()
            woken += 1
        if queue is not None and not queue:
            del mem.waiters[ea]
    return woken
