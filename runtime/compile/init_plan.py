"""Initialisation plans: what instantiation would write, worked out once per module.

Two plans, both computed from the module alone (no instance state):

- **Table plans** (lazy funcref tables). For each *defined* funcref table of
  at most ``MAX_LAZY_TABLE`` elements, the function index each element gets
  from the active element segments, or None for null. Segments are folded
  in order while each has a constant offset, is encoded as function indices
  (not expressions, as in Wasmtime) and fits the table's minimum size; the first segment that does not stops the
  folding, and it and every later active segment are applied at
  instantiation as usual, which keeps the spec's partial-initialisation and
  trap order. An instance's table then starts with every element "not yet
  initialised" and builds an element from the plan on first read.
- **Memory images**. For each *defined* memory, the bytes the active data
  segments write, folded the same way (constant offset, within the minimum
  size, in order, stopping at the first that is not). Instantiation copies
  one image instead of zero-filling and copying segment by segment; the
  remaining segments are applied afterwards. Folding also stops at a
  segment that would make the image mostly zeros (past ``MAX_SPARSE_IMAGE``
  bytes and more than twice the data), as Wasmtime's static initialisation
  does: a memory64 segment terabytes in would otherwise cost an image as big.

Both only fold segments into state nobody outside the instance can observe
before instantiation succeeds (defined, not imported, tables and memories),
so a trap in a later segment has the same visible effect as in eager mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..binary.module_info import ModuleInfo
from ..binary.opcodes import FUNCREF, I32_CONST, I64_CONST

MAX_LAZY_TABLE = 1 << 20
MAX_SPARSE_IMAGE = 1 << 20


def _const_offset(expr) -> int | None:
    if expr is not None and len(expr) == 1 and expr[0][0] in (I32_CONST, I64_CONST):
        return expr[0][1]
    return None


@dataclass(frozen=True, slots=True)
class InitPlan:
    """The folded initialisation of a module's defined tables and memories.

    ``tables`` maps a table index (in the table index space) to the function
    index of each element (None = null). ``first_elem`` is the first active
    element segment not folded into a plan (it and later active segments run
    at instantiation). ``images`` maps a memory index to its initial bytes,
    trailing zeros trimmed; ``first_data`` likewise for data segments."""

    tables: dict[int, tuple[int | None, ...]]
    first_elem: int
    images: dict[int, bytes]
    first_data: int


def compute_plan(info: ModuleInfo) -> InitPlan:
    nimp_tables = info.num_imported_tables
    tables: dict[int, list[int | None]] = {}
    for i, t in enumerate(info.tables):
        if t.sig.elem == FUNCREF and t.init is None and t.sig.min <= MAX_LAZY_TABLE:
            tables[nimp_tables + i] = [None] * t.sig.min
    first_elem = len(info.elems)
    for idx, seg in enumerate(info.elems):
        if seg.mode != "active":
            continue
        plan = tables.get(seg.table)
        offset = _const_offset(seg.offset)
        funcs = seg.func_indices() if plan is not None and offset is not None else None
        if funcs is None or offset + len(funcs) > len(plan):
            first_elem = idx
            break
        plan[offset:offset + len(funcs)] = funcs

    nimp_mems = info.num_imported_memories
    images: dict[int, bytearray] = {}
    for i, m in enumerate(info.memories):
        images[nimp_mems + i] = bytearray()
    sizes = {nimp_mems + i: m.min << m.page_size_log2 for i, m in enumerate(info.memories)}
    first_data = len(info.datas)
    folded = dict.fromkeys(images, 0)  # bytes of segment data in each image
    for idx, seg in enumerate(info.datas):
        if seg.mode != "active":
            continue
        image = images.get(seg.memory)
        offset = _const_offset(seg.offset)
        if image is None or offset is None or offset + len(seg.data) > sizes[seg.memory] \
                or offset + len(seg.data) > max(MAX_SPARSE_IMAGE, 2 * (folded[seg.memory] + len(seg.data))):
            first_data = idx
            break
        folded[seg.memory] += len(seg.data)
        end = offset + len(seg.data)
        if end > len(image):
            image.extend(bytes(end - len(image)))
        image[offset:end] = seg.data
    return InitPlan({k: tuple(v) for k, v in tables.items()}, first_elem,
                    {k: bytes(v) for k, v in images.items()}, first_data)
