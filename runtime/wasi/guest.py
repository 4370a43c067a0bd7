"""Checked access to the calling instance's linear memory.

A WASI call gets pointers and lengths from the guest; every one of them is
checked here before the host touches a byte, so a bad pointer can only make
the call fail, never read or write outside the guest's memory. As in
Wasmtime (wiggle), a misaligned or out-of-bounds pointer is not an errno:
the call fails with a ``WasmtimeError`` naming the region, which ends the
guest's execution.

Also as in Wasmtime, each call may copy at most ``HOSTCALL_FUEL`` bytes out of
guest memory (paths, iovec arrays and the buffer chosen from them, poll
subscriptions): Wasmtime refuses a call that asks for more with ENOMEM
before reading any of it, so a guest length like 0xffffffff is an errno,
not a trap.
"""

from __future__ import annotations

import functools
import struct

from ..errors import WasmtimeError
from .abi import IOVEC
from .errno import Errno, WasiError

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
HOSTCALL_FUEL = 128 << 20  # Wasmtime's default budget of bytes per WASI call


class GuestMemory:
    """The bytes of the caller's exported ``memory``, with checked reads and writes."""

    __slots__ = ("data", "fuel")

    def __init__(self, data: bytearray):
        self.data = data
        self.fuel = HOSTCALL_FUEL  # one GuestMemory per call: the budget is per call

    def consume(self, nbytes: int) -> None:
        """Charge ``nbytes`` the host is about to copy; ENOMEM past the call's budget."""
        if nbytes > self.fuel:
            raise WasiError(Errno.NOMEM)
        self.fuel -= nbytes

    @staticmethod
    def exported_by(caller):
        """The caller's export ``memory`` (its runtime object, whose ``data``
        is the current bytes)."""
        memory = caller.get("memory")
        if memory is None or not hasattr(memory, "_mem"):
            raise WasmtimeError("missing required memory export")
        return memory._mem

    def check(self, ptr: int, length: int, align: int = 1) -> int:
        """``ptr`` if ``[ptr, ptr+length)`` is inside memory and ``ptr`` is aligned."""
        if ptr % align:
            raise WasmtimeError(f"Pointer not aligned to {align}: Region {{ start: {ptr}, len: {length} }}")
        if ptr + length > len(self.data):
            raise WasmtimeError(f"Pointer out of bounds: Region {{ start: {ptr}, len: {length} }}")
        return ptr

    def read(self, ptr: int, length: int) -> bytes:
        self.check(ptr, length)
        return bytes(self.data[ptr:ptr + length])

    def write(self, ptr: int, data: bytes) -> None:
        self.check(ptr, len(data))
        self.data[ptr:ptr + len(data)] = data

    def path(self, ptr: int, length: int) -> str:
        """``read_str``, charged to the call's budget (as Wasmtime copies every
        path but ``path_unlink_file``'s)."""
        self.consume(length)
        return self.read_str(ptr, length)

    def read_str(self, ptr: int, length: int) -> str:
        """A path or name: UTF-8 (EILSEQ otherwise, as Wasmtime checks when it
        copies). A NUL byte is refused only when the path reaches the host
        (``sandbox.beneath``), after the descriptor was looked up, as Wasmtime
        refuses it when it makes the system call's C string."""
        raw = self.read(ptr, length)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise WasiError(Errno.ILSEQ) from None

    def u32(self, ptr: int) -> int:
        return _U32.unpack_from(self.data, self.check(ptr, 4, 4))[0]

    def put_u32(self, ptr: int, value: int) -> None:
        _U32.pack_into(self.data, self.check(ptr, 4, 4), value)

    def put_u64(self, ptr: int, value: int) -> None:
        _U64.pack_into(self.data, self.check(ptr, 8, 8), value)

    def unpack(self, layout: struct.Struct, ptr: int, align: int) -> tuple:
        return layout.unpack_from(self.data, self.check(ptr, layout.size, align))

    def pack(self, layout: struct.Struct, ptr: int, *values) -> None:
        """Write a struct as Wasmtime (wiggle) does, field by field: each field
        is checked on its own (in bounds, aligned to its size) and written
        before the next is checked, so a struct that runs past the end of
        memory or is misaligned keeps the fields written before the failing
        one; padding bytes are left as they were (found by the wasi target)."""
        for (offset, field), value in zip(_fields(layout.format), values):
            field.pack_into(self.data, self.check(ptr + offset, field.size, field.size), value)

    def first_buffer(self, ptr: int, count: int) -> tuple[int, int]:
        """The first non-empty buffer of an iovec array, or (0, 0): Wasmtime
        reads and writes one buffer per call and lets libc loop. The buffer
        itself is not checked here: some calls only check the part they fill.
        The array and the chosen buffer are charged to the call's budget."""
        self.consume(count * IOVEC.size)
        for i in range(count):
            buf, length = self.unpack(IOVEC, ptr + i * IOVEC.size, 4)
            if length:
                self.consume(length)
                return buf, length
        return 0, 0


@functools.cache
def _fields(fmt: str) -> tuple[tuple[int, struct.Struct], ...]:
    """The fields of a little-endian struct format (``x`` padding left out),
    each as (offset, its own one-field layout)."""
    fields, at = [], 0
    for code in fmt.lstrip("<"):
        field = struct.Struct("<" + code)
        if code != "x":
            fields.append((at, field))
        at += field.size
    return tuple(fields)
