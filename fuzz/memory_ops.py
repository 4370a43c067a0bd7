"""Memory-operation programs: loads, stores, grow, fill, copy and init at
edge addresses, on 32-bit and (when the runtime has them) 64-bit and
multiple memories.

Addresses and offsets are drawn mostly from the places where bounds checks
go wrong: 0, the last byte, one past it, the page size, 2^31, 2^32-1, and on
64-bit memories 2^32, 2^63 and 2^64-1, where ``address + offset`` overflows.
Each operation is its own exported function and every memory is exported,
so the oracles compare each operation's result and every memory's bytes
after every operation. Atomic accesses join in when the runtime has threads
(the misalignment trap must win over the out-of-bounds one).
"""

from __future__ import annotations

from dataclasses import dataclass

from .source import Source, boolean, choice

PAGE = 65536
# access -> (result type, bytes accessed)
LOADS = {"i32.load": ("i32", 4), "i64.load": ("i64", 8), "f32.load": ("f32", 4), "f64.load": ("f64", 8),
         "i32.load8_s": ("i32", 1), "i32.load8_u": ("i32", 1), "i32.load16_s": ("i32", 2),
         "i32.load16_u": ("i32", 2), "i64.load8_u": ("i64", 1), "i64.load16_s": ("i64", 2),
         "i64.load32_s": ("i64", 4), "i64.load32_u": ("i64", 4)}
STORES = {"i32.store": ("i32", 4), "i64.store": ("i64", 8), "i32.store8": ("i32", 1), "i32.store16": ("i32", 2),
          "i64.store8": ("i64", 1), "i64.store16": ("i64", 2), "i64.store32": ("i64", 4),
          "f64.store": ("f64", 8)}
ATOMICS = {"i32.atomic.load": ("i32", 4), "i64.atomic.load": ("i64", 8), "i32.atomic.store": ("i32", 4),
           "i32.atomic.rmw.add": ("i32", 4), "i64.atomic.rmw.xchg": ("i64", 8)}
EDGES_32 = (0, 1, 3, 4, 7, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFC, 0xFFFFFFFF)
EDGES_64 = EDGES_32 + (1 << 32, (1 << 32) + 1, 1 << 63, (1 << 64) - 8, (1 << 64) - 1)
OFFSETS_32 = (0, 1, 4, 8, PAGE - 1, PAGE, 0x7FFFFFFF, 0xFFFFFFFF)
OFFSETS_64 = OFFSETS_32 + (1 << 32, 1 << 63, (1 << 64) - 1)
OPS = ("load", "load", "store", "store", "grow", "size", "fill", "copy", "init", "drop")


@dataclass(frozen=True)
class Memory:
    min: int
    max: int | None
    is64: bool
    page_size_log2: int = 16  # 0: custom-page-sizes' 1-byte pages

    @property
    def size(self) -> int:
        """Bytes at instantiation."""
        return self.min << self.page_size_log2


@dataclass(frozen=True)
class MemoryOpsProgram:
    memories: tuple[Memory, ...]
    datas: tuple[tuple[int | None, int, bytes], ...]  # (memory or None if passive, offset, bytes)
    ops: tuple[tuple, ...]

    def wat(self) -> str:
        lines = ["(module"]
        for k, m in enumerate(self.memories):
            limits = f"{m.min}{'' if m.max is None else f' {m.max}'}"
            page = "" if m.page_size_log2 == 16 else f" (pagesize {1 << m.page_size_log2})"
            lines.append(f'  (memory $m{k} (export "m{k}") {"i64 " if m.is64 else ""}{limits}{page})')
        for k, (mem, offset, data) in enumerate(self.datas):
            where = "" if mem is None else f" (memory $m{mem}) ({self._int(mem)}.const {offset})"
            lines.append(f'  (data $d{k}{where} "{_escape(data)}")')
        lines += [f'  (func (export "op{k}") {self._op(op)})' for k, op in enumerate(self.ops)]
        return "\n".join(lines) + ")\n"

    def _int(self, mem: int) -> str:
        return "i64" if self.memories[mem].is64 else "i32"

    def _op(self, op: tuple) -> str:
        kind, mem, *a = op
        ix = self._int(mem)
        if kind == "load":
            access, addr, offset = a
            ty = (LOADS | ATOMICS)[access][0]
            return f"(result {ty}) ({access} $m{mem} offset={offset} ({ix}.const {addr}))"
        if kind == "store":
            access, addr, offset, value = a
            ty = (STORES | ATOMICS)[access][0]
            result = f"(result {ty}) " if ".rmw." in access else ""
            return f"{result}({access} $m{mem} offset={offset} ({ix}.const {addr}) ({ty}.const {value}))"
        if kind == "grow":
            return f"(result {ix}) (memory.grow $m{mem} ({ix}.const {a[0]}))"
        if kind == "size":
            return f"(result {ix}) (memory.size $m{mem})"
        if kind == "fill":
            d, value, n = a
            return f"(memory.fill $m{mem} ({ix}.const {d}) (i32.const {value}) ({ix}.const {n}))"
        if kind == "copy":
            d, src, s, n = a
            nx = "i64" if self.memories[mem].is64 and self.memories[src].is64 else "i32"
            return (f"(memory.copy $m{mem} $m{src} ({ix}.const {d}) ({self._int(src)}.const {s}) "
                    f"({nx}.const {n}))")
        if kind == "init":
            seg, d, s, n = a
            return f"(memory.init $m{mem} $d{seg} ({ix}.const {d}) (i32.const {s}) (i32.const {n}))"
        return f"(data.drop $d{a[0]})"


def _grow_edges(m: Memory) -> tuple[int, ...]:
    """Deltas at the edges of growth: none, a little, and too much for any engine.
    With 1-byte pages "too much" passes the index space (a 4 GiB delta would fit a
    64-bit memory on demand but not a pooled slot: a resource limit, not a bug)."""
    if m.page_size_log2 == 16:
        return (0, 1, 2, 0xFFFFFFFF)
    return (0, 1, 2, PAGE, (1 << 64) - 1 if m.is64 else 0xFFFFFFFF)


def program(src: Source, *, memory64: bool = False, multi_memory: bool = False,
            atomics: bool = False, custom_page_sizes: bool = False) -> MemoryOpsProgram:
    memories = []
    for _ in range(src.int_in(1, 3) if multi_memory else 1):
        if custom_page_sizes and boolean(src):  # 1-byte pages: sizes and growth in bytes, around a few pages
            lo = choice(src, (0, 1, 7, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE))
            memories.append(Memory(lo, None if boolean(src, 30) else lo + choice(src, (0, 1, 8, PAGE)),
                                   memory64 and boolean(src), 0))
            continue
        lo = src.int_in(0, 2)
        memories.append(Memory(lo, None if boolean(src, 30) else lo + src.int_in(0, 3),
                               memory64 and boolean(src)))
    datas = []
    for _ in range(src.int_in(0, 3)):
        mem = None if boolean(src, 40) else src.int_in(0, len(memories) - 1)
        data = src.bytes(src.int_in(0, 8))
        offset = 0 if mem is None else src.int_in(0, max(0, memories[mem].size - len(data)))
        datas.append((mem, offset, data))

    def addr(m: int) -> int:
        size = memories[m].size
        near = (size - src.int_in(0, 9)) % (1 << 64) if boolean(src) else size + src.int_in(0, 9)
        edge = choice(src, EDGES_64 if memories[m].is64 else EDGES_32)
        limit = (1 << 64) - 1 if memories[m].is64 else 0xFFFFFFFF
        return min(limit, choice(src, (near, edge, src.int_in(0, size + 16))))

    def offset(m: int) -> int:
        return choice(src, OFFSETS_64 if memories[m].is64 else OFFSETS_32) if boolean(src, 40) else src.int_in(0, 16)

    loads = tuple(LOADS) + (tuple(k for k in ATOMICS if ".load" in k) if atomics else ())
    stores = tuple(STORES) + (tuple(k for k in ATOMICS if ".load" not in k) if atomics else ())
    ops = []
    for _ in range(src.int_in(1, 24)):
        kind = choice(src, OPS)
        m = src.int_in(0, len(memories) - 1)
        if kind == "load":
            ops.append((kind, m, choice(src, loads), addr(m), offset(m)))
        elif kind == "store":
            access = choice(src, stores)
            ty = (STORES | ATOMICS)[access][0]
            value = src.int_in(0, 0xFFFFFFFF) if ty != "f64" else src.int_in(-1000, 1000)
            ops.append((kind, m, access, addr(m), offset(m), value))
        elif kind == "grow":
            ops.append((kind, m, choice(src, _grow_edges(memories[m])) if boolean(src, 20) else src.int_in(0, 2)))
        elif kind == "size":
            ops.append((kind, m))
        elif kind == "fill":
            ops.append((kind, m, addr(m), src.int_in(0, 255), src.int_in(0, 16)))
        elif kind == "copy":
            other = src.int_in(0, len(memories) - 1)
            n = src.int_in(0, 16)
            ops.append((kind, m, addr(m), other, addr(other), n))
        elif kind in ("init", "drop") and datas:
            seg = src.int_in(0, len(datas) - 1)
            ops.append((kind, m, seg, addr(m), src.int_in(0, 9), src.int_in(0, 9)) if kind == "init"
                       else (kind, m, seg))
    return MemoryOpsProgram(tuple(memories), tuple(datas), tuple(ops))



def _escape(data: bytes) -> str:
    return "".join("\\%02x" % b for b in data)
