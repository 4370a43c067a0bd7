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
- **Memory images** (Wasmtime's static memory initialisation, decided by
  the same rule as its ``try_static_init``, because the decision is
  observable: Wasmtime charges no fuel for data segments it turns into an
  image). All or nothing: every active data segment must target a defined
  memory at a constant offset and fit its minimum size (empty segments
  included), and for each memory the span from its lowest to its highest
  initialised byte (empty segments ignored) must be under twice the bytes
  its segments hold (overlaps counted twice) or under the engine's
  ``memory_guaranteed_dense_image_size``. Then each memory starts from one
  image and no data segment runs at instantiation; otherwise every one runs.
  The span rule bounds an image by its data or by the dense size, whatever
  the offset (a memory64 segment terabytes in costs only its own bytes).
  A non-empty segment for a memory of 1-byte pages (custom-page-sizes)
  makes every segment run, as measured on Wasmtime 50.

Both only fold segments into state nobody outside the instance can observe
before instantiation succeeds (defined, not imported, tables and memories),
so a trap in a later segment has the same visible effect as in eager mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..binary.module_info import ModuleInfo
from ..binary.opcodes import I32_CONST, I64_CONST
from ..binary.reftypes import HT_FUNC, top_of

MAX_LAZY_TABLE = 1 << 20


def _const_offset(expr) -> int | None:
    if expr is not None and len(expr) == 1 and expr[0][0] in (I32_CONST, I64_CONST):
        return expr[0][1]
    return None


@dataclass(frozen=True, slots=True)
class StaticImage:
    """A defined memory's initial contents: ``data`` at byte ``offset``, zeros
    elsewhere (leading and trailing zeros trimmed, as Wasmtime does)."""

    offset: int
    data: bytes


@dataclass(frozen=True, slots=True)
class InitPlan:
    """The folded initialisation of a module's defined tables and memories.

    ``tables`` maps a table index (in the table index space) to the function
    index of each element (None = null). ``first_elem`` is the first active
    element segment not folded into a plan (it and later active segments run
    at instantiation). ``static_memory`` says whether the memories start from
    ``images`` (by memory index; a memory without data has none) and no
    active data segment runs at instantiation."""

    tables: dict[int, tuple[int | None, ...]]
    first_elem: int
    static_memory: bool
    images: dict[int, StaticImage]


def compute_plan(info: ModuleInfo, dense_image_size: int | None) -> InitPlan:
    """The plan for ``info``; ``dense_image_size`` is the engine's
    ``memory_guaranteed_dense_image_size``, or None for no static memory
    images at all (``Config.memory_init_cow`` off)."""
    tables, first_elem = _table_plans(info)
    images = _static_images(info, dense_image_size) if dense_image_size is not None else None
    return InitPlan(tables, first_elem, images is not None, images or {})


def _table_plans(info: ModuleInfo) -> tuple[dict[int, tuple[int | None, ...]], int]:
    nimp_tables = info.num_imported_tables
    tables: dict[int, list[int | None]] = {}
    for i, t in enumerate(info.tables):
        # Tables of function references, typed ones included; a table with an
        # initialiser starts full of that value instead.
        if top_of(t.sig.elem) == HT_FUNC and t.init is None and t.sig.min <= MAX_LAZY_TABLE:
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
    return {k: tuple(v) for k, v in tables.items()}, first_elem


def _static_images(info: ModuleInfo, dense_image_size: int) -> dict[int, StaticImage] | None:
    """Each defined memory's image, or None where Wasmtime would initialise
    memory segment by segment (see the module docstring)."""
    nimp_mems = info.num_imported_memories
    sigs = info.memory_sigs()
    placed: dict[int, list[tuple[int, bytes]]] = {}
    for seg in info.datas:
        if seg.mode != "active":
            continue
        offset = _const_offset(seg.offset)
        sig = sigs[seg.memory]
        if seg.memory < nimp_mems or offset is None or offset + len(seg.data) > sig.min << sig.page_size_log2:
            return None
        if seg.data and sig.page_size_log2 != 16:  # measured: data for 1-byte pages is applied segment by segment
            return None
        if seg.data:
            placed.setdefault(seg.memory, []).append((offset, seg.data))
    images = {}
    for memory, segments in placed.items():
        lo = min(offset for offset, _ in segments)
        hi = max(offset + len(data) for offset, data in segments)
        if hi - lo >= 2 * sum(len(data) for _, data in segments) and hi - lo >= dense_image_size:
            return None
        image = bytearray(hi - lo)
        for offset, data in segments:
            image[offset - lo:offset - lo + len(data)] = data
        data = bytes(image).rstrip(b"\0")
        trimmed = data.lstrip(b"\0")
        if trimmed:
            images[memory] = StaticImage(lo + len(data) - len(trimmed), trimmed)
    return images
