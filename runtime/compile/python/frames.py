"""Wasm backtraces recovered from the Python tracebacks of generated code.

Nothing is recorded while Wasm runs. The code generator keeps, per
generated function, the Wasm instruction each line of its source came from
(``LineMap``); when a trap is built, the traceback's frames of generated
code (recognised by their ``wasm://`` file name) are translated through
that table: a frame's current line is the trapping instruction in the
innermost frame and the call in every caller, which is what Wasmtime
reports. Trapping instructions are never left pending in the generated
code (they are evaluated on a line of their own instruction), so a line
that raises always belongs to the instruction that trapped.

Wasmtime also says where an out-of-bounds load or store faulted when the
access reached its guard pages rather than an explicit bounds check
(``memory_fault``); the address is recomputed from the frame's locals,
with the address expression the line table keeps for memory accesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import MAX_FRAMES, NO_OFFSET, Frame, Trap, TrapCode

# Wasmtime's defaults on 64-bit hosts: every memory is a 4 GiB reservation
# followed by a 32 MiB guard region. A 32-bit access whose static offset and
# size fit in the guard has no bounds check and faults; any other access is
# checked against the reservation first, so only one that ends inside the
# reservation faults and the rest trap on the check (measured on wasmtime 50).
RESERVATION = 1 << 32
GUARD = 32 << 20


@dataclass(slots=True)
class MemoryAccess:
    """A load or store on one generated line, as Wasmtime's fault report needs it.
    (Not frozen: the code generator makes one per load and store, and a frozen
    dataclass's constructor costs several times as much.)"""

    address: str  # Python expression of the effective address, pure (re-evaluated after a fault)
    size: int  # bytes accessed
    offset: int  # the memarg's static offset
    memory: str  # name of the memory instance in the generated function
    is64: bool

    def fault(self, frame) -> str | None:
        """Wasmtime's "memory fault" cause for this access having trapped in ``frame``, or None
        when Wasmtime would have trapped on an explicit bounds check instead."""
        address = eval(self.address, frame.f_globals, frame.f_locals)
        length = len(eval(self.memory, frame.f_globals, frame.f_locals).data)
        unchecked = not self.is64 and self.offset + self.size <= GUARD + 1
        if not unchecked and address + self.size > RESERVATION:
            return None
        return f"memory fault at wasm address {max(address, length):#x} in linear memory of size {length:#x}"


@dataclass(slots=True)
class LineMap:
    """Where each line of one generated function came from in the module's bytes."""

    module_name: str | None
    func_index: int
    func_names: dict[int, str]  # the module's, for this function and its direct callees
    start: int  # module offset of the function's local declarations
    offsets: list[int]  # module offset of the instruction each source line (1-based) belongs to
    accesses: dict[int, MemoryAccess] = field(default_factory=dict)  # line -> its load or store
    calls: dict[int, int] = field(default_factory=dict)  # line -> function it calls directly

    def frame(self, line: int) -> Frame:
        offset = self.offsets[line] if line < len(self.offsets) else NO_OFFSET
        return Frame(self.func_index, self.func_names.get(self.func_index), self.module_name,
                     offset - self.start if offset != NO_OFFSET else NO_OFFSET, offset)


_MAPS: dict[str, LineMap] = {}


def register(filename: str, line_map: LineMap) -> None:
    _MAPS[filename] = line_map


def forget(filenames: list[str]) -> None:
    """Drop the line maps of a freed module's functions."""
    for name in filenames:
        _MAPS.pop(name, None)


def _wasm_entries(tb) -> list[tuple[LineMap, int, object]]:
    """(line map, current line, Python frame) of each generated frame, outermost first."""
    out = []
    while tb is not None:
        line_map = _MAPS.get(tb.tb_frame.f_code.co_filename)
        if line_map is not None:
            out.append((line_map, tb.tb_lineno, tb.tb_frame))
        tb = tb.tb_next
    return out


def attach_backtrace(trap: Trap, tb) -> Trap:
    """Give ``trap`` the Wasm frames of traceback ``tb`` (innermost first, at
    most ``MAX_FRAMES``) and, for an out-of-bounds access that Wasmtime would
    have seen fault, the fault as its outer cause. Returns ``trap``."""
    entries = _wasm_entries(tb)
    frames = [m.frame(line) for m, line, _ in reversed(entries[-MAX_FRAMES:])]  # only what is kept
    if entries:
        innermost, line, frame = entries[-1]
        if trap.trap_code is TrapCode.STACK_OVERFLOW and line in innermost.calls:
            # Wasmtime finds the stack exhausted in the callee's prologue, before
            # any instruction; Python refuses the call before the callee's frame exists.
            callee = innermost.calls[line]
            frames.insert(0, Frame(callee, innermost.func_names.get(callee), innermost.module_name))
        access = innermost.accesses.get(line)
        if trap.trap_code is TrapCode.MEMORY_OUT_OF_BOUNDS and access is not None:
            fault = access.fault(frame)
            if fault is not None:
                trap.context = [fault]
    trap.frames = frames[:MAX_FRAMES]
    return trap
