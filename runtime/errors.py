"""Errors and traps, named and numbered as in wasmtime-py.

``WasmtimeError`` is every failure that is not the guest trapping: a
malformed or invalid module, a link error, a wrong argument from the host.
``Trap`` is the guest stopping abnormally; it carries a ``TrapCode`` with
wasmtime-py's numbering and a Wasm backtrace. No other exception type
leaves a Wasm call because of guest behaviour.
"""

from __future__ import annotations

from enum import Enum


class WasmtimeError(Exception):
    """An error that is not a trap: bad module, failed link, bad host argument."""


class ExitTrap(WasmtimeError):
    """WASI ``proc_exit``: the guest asked to exit with ``code``."""

    def __init__(self, code: int):
        super().__init__(f"Exited with i32 exit status {code}")
        self.code = code


class DecodeError(WasmtimeError):
    """The bytes are not a WebAssembly module (the spec's "malformed").

    ``offset`` is the byte offset where decoding failed; the message has the
    form wasmparser uses, ``<what> (at offset 0x..)``, prefixed with the
    section being read when there is one."""

    def __init__(self, message: str, offset: int, section: str | None = None):
        where = f"in {section} section: " if section else ""
        super().__init__(f"{where}{message} (at offset 0x{offset:x})")
        self.reason = message
        self.offset = offset
        self.section = section


class ValidationError(WasmtimeError):
    """The module decodes but is not valid (the spec's "invalid")."""

    def __init__(self, message: str, offset: int | None = None, func: int | None = None):
        where = f"func {func}: " if func is not None else ""
        at = f" (at offset 0x{offset:x})" if offset is not None else ""
        super().__init__(f"{where}{message}{at}")
        self.reason = message
        self.offset = offset
        self.func = func


class LinkError(WasmtimeError):
    """Imports do not match what the module asks for (the spec's "unlinkable")."""


class TrapCode(Enum):
    """Why the guest trapped. Values are wasmtime-py's."""

    STACK_OVERFLOW = 0
    MEMORY_OUT_OF_BOUNDS = 1
    HEAP_MISALIGNED = 2
    TABLE_OUT_OF_BOUNDS = 3
    INDIRECT_CALL_TO_NULL = 4
    BAD_SIGNATURE = 5
    INTEGER_OVERFLOW = 6
    INTEGER_DIVISION_BY_ZERO = 7
    BAD_CONVERSION_TO_INTEGER = 8
    UNREACHABLE = 9
    INTERRUPT = 10
    OUT_OF_FUEL = 11
    ATOMIC_WAIT_NON_SHARED_MEMORY = 12
    NULL_REFERENCE = 13
    # The traps of GC, exceptions, stack switching and the component model:
    # raised once those land (issues 12-13), or never (the component model).
    ARRAY_OUT_OF_BOUNDS = 14
    ALLOCATION_TOO_LARGE = 15
    CAST_FAILURE = 16
    CANNOT_ENTER_COMPONENT = 17
    NO_ASYNC_RESULT = 18
    UNHANDLED_TAG = 19
    CONTINUATION_ALREADY_CONSUMED = 20
    DISABLED_OPCODE = 21
    ASYNC_DEADLOCK = 22
    CANNOT_LEAVE_COMPONENT = 23
    CANNOT_BLOCK_SYNC_TASK = 24
    INVALID_CHAR = 25
    DEBUG_ASSERT_STRING_ENCODING_FINISHED = 26
    DEBUG_ASSERT_EQUAL_CODE_UNITS = 27
    DEBUG_ASSERT_POINTER_ALIGNED = 28
    DEBUG_ASSERT_UPPER_BITS_UNSET = 29
    STRING_OUT_OF_BOUNDS = 30
    LIST_OUT_OF_BOUNDS = 31
    INVALID_DISCRIMINANT = 32
    UNALIGNED_POINTER = 33
    TASK_CANCEL_NOT_CANCELLED = 34
    TASK_CANCEL_OR_RETURN_TWICE = 35
    SUBTASK_CANCEL_AFTER_TERMINAL = 36
    TASK_RETURN_INVALID = 37
    WAITABLE_SET_DROP_HAS_WAITERS = 38
    SUBTASK_DROP_NOT_RESOLVED = 39
    THREAD_NEW_INDIRECT_INVALID_TYPE = 40
    THREAD_NEW_INDIRECT_UNINITIALIZED = 41
    BACKPRESSURE_OVERFLOW = 42
    UNSUPPORTED_CALLBACK_CODE = 43
    CANNOT_RESUME_THREAD = 44
    CONCURRENT_FUTURE_STREAM_OP = 45
    REFERENCE_COUNT_OVERFLOW = 46
    STREAM_OP_TOO_BIG = 47
    WAITABLE_SYNC_AND_ASYNC = 48
    UNCAUGHT_EXCEPTION = 49


# Wasmtime's texts for each trap ("wasm trap: " is prepended in the message).
TRAP_MESSAGES = {
    TrapCode.STACK_OVERFLOW: "call stack exhausted",
    TrapCode.MEMORY_OUT_OF_BOUNDS: "out of bounds memory access",
    TrapCode.HEAP_MISALIGNED: "unaligned atomic",
    TrapCode.TABLE_OUT_OF_BOUNDS: "undefined element: out of bounds table access",
    TrapCode.INDIRECT_CALL_TO_NULL: "uninitialized element",
    TrapCode.BAD_SIGNATURE: "indirect call type mismatch",
    TrapCode.INTEGER_OVERFLOW: "integer overflow",
    TrapCode.INTEGER_DIVISION_BY_ZERO: "integer divide by zero",
    TrapCode.BAD_CONVERSION_TO_INTEGER: "invalid conversion to integer",
    TrapCode.UNREACHABLE: "wasm `unreachable` instruction executed",
    TrapCode.INTERRUPT: "interrupt",
    TrapCode.OUT_OF_FUEL: "all fuel consumed by WebAssembly",
    TrapCode.ATOMIC_WAIT_NON_SHARED_MEMORY: "atomic wait on non-shared memory",
    TrapCode.NULL_REFERENCE: "null reference",
    TrapCode.ARRAY_OUT_OF_BOUNDS: "out of bounds array access",
    TrapCode.ALLOCATION_TOO_LARGE: "allocation size too large",
    TrapCode.CAST_FAILURE: "cast failure",
}


# What wasmtime-py reports for an offset Wasmtime does not know (the C API's
# usize::MAX): the innermost frame of a stack overflow, which trapped in the
# function's prologue, before any instruction.
NO_OFFSET = (1 << 64) - 1
# Wasmtime keeps the innermost frames of a backtrace, at most this many.
MAX_FRAMES = 20


class Frame:
    """One frame of a Wasm backtrace, innermost first in ``Trap.frames``.

    As in wasmtime-py: ``func_offset`` is the byte offset of the frame's
    instruction (the trapping one, or the call in a caller's frame) from the
    function's local declarations, ``module_offset`` from the start of the
    module's bytes; ``module_name`` and ``func_name`` come from the name
    section (None without one)."""

    __slots__ = ("func_index", "func_name", "module_name", "func_offset", "module_offset")

    def __init__(self, func_index: int, func_name: str | None, module_name: str | None,
                 func_offset: int = NO_OFFSET, module_offset: int = NO_OFFSET):
        self.func_index = func_index
        self.func_name = func_name
        self.module_name = module_name
        self.func_offset = func_offset
        self.module_offset = module_offset

    def __repr__(self) -> str:
        return f"{self.module_name or '<unknown>'}!{display_func_name(self.func_name, self.func_index)}"

    def line(self, i: int) -> str:
        """This frame as line ``i`` of a backtrace, laid out as Wasmtime prints it."""
        at = f"{self.module_offset:#8x} - " if self.module_offset != NO_OFFSET else ""
        return f"  {i:>3}: {at}{self!r}"


def display_func_name(name: str | None, index: int) -> str:
    """How Wasmtime shows a function in a backtrace: its name demangled (Rust
    or C++ symbols, which compilers leave in name sections), else its index."""
    if name is None:
        return f"<wasm function {index}>"
    from .demangle import demangle
    return demangle(name)


class Trap(Exception):
    """The guest trapped. ``trap_code`` is None only for traps made by the host
    (``Trap("message")`` raised from a host function).

    ``str(trap)`` and ``trap.message`` are the same text, as in wasmtime-py:
    the message alone when there is no backtrace, else the backtrace then
    the chain of causes (``context``, outermost first, e.g. the faulting
    address of a memory access, then the message)."""

    def __init__(self, message: str, trap_code: TrapCode | None = None,
                 frames: list[Frame] | None = None):
        super().__init__(message)
        self._message = message
        self.trap_code = trap_code
        self.frames = frames or []
        self.context: list[str] = []
        self.uncaught_exception = False  # a Wasm exception no handler caught (``func.call_wasm``)

    @classmethod
    def from_code(cls, code: TrapCode) -> "Trap":
        return cls(f"wasm trap: {TRAP_MESSAGES[code]}", code)

    @property
    def message(self) -> str:
        return str(self)

    def __str__(self) -> str:
        if not self.frames:
            return self._message
        lines = "\n".join(f.line(i) for i, f in enumerate(self.frames))
        causes = [*self.context, self._message]
        if len(causes) == 1:
            caused = f"    {causes[0]}"
        else:
            caused = "\n".join(f"    {i}: {c}" for i, c in enumerate(causes))
        return f"error while executing at wasm backtrace:\n{lines}\n\nCaused by:\n{caused}\n"
