"""Byte-level rewrites of a binary module that shift no index, for observing a
program on two engines alike (``wasmfuzz diff``).

- ``rename_imports``: imports from one module name come from another (the
  section is re-encoded entry by entry; only the module names change, so
  every function, table, memory and global keeps its index and type).
- ``append_exports``: more entries at the end of the export section (one is
  added if the module has none), so globals, tables and memories nobody
  exported become observable from outside.
- ``filter_exports``: fewer entries, for what one engine's API cannot touch.

Both change the size of a section before the code, so every code offset moves
by the same amount; ``code_shift`` gives it, to turn an engine's offset in the
rewritten module back into one in the original.
"""

from __future__ import annotations

IMPORT_SECTION, EXPORT_SECTION, CODE_SECTION = 2, 7, 10
# The order non-custom sections must appear in (the tag section, 13, sits between memory and global).
SECTION_ORDER = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)
HEADER = b"\0asm\x01\0\0\0"


class RewriteError(ValueError):
    """The module is not well enough formed to rewrite."""


def uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise RewriteError("unexpected end of module")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _skip_sleb(data: bytes, pos: int) -> int:
    while pos < len(data) and data[pos] & 0x80:
        pos += 1
    return pos + 1


def _read_name(data: bytes, pos: int) -> tuple[bytes, int]:
    length, pos = _read_uleb(data, pos)
    return data[pos:pos + length], pos + length


def sections(wasm: bytes) -> list[tuple[int, int, int, int]]:
    """Each section as (id, start of its id byte, start of payload, end)."""
    if wasm[:8] != HEADER:
        raise RewriteError("not a binary WebAssembly module")
    out, pos = [], 8
    while pos < len(wasm):
        start, ident = pos, wasm[pos]
        size, payload = _read_uleb(wasm, pos + 1)
        pos = payload + size
        if pos > len(wasm):
            raise RewriteError(f"section {ident} runs past the end of the module")
        out.append((ident, start, payload, pos))
    return out


def _section(ident: int, payload: bytes) -> bytes:
    return bytes([ident]) + uleb(len(payload)) + payload


def _skip_valtype(data: bytes, pos: int) -> int:
    kind = data[pos]
    return _skip_sleb(data, pos + 1) if kind in (0x63, 0x64) else pos + 1  # (ref null? heaptype)


def _skip_limits(data: bytes, pos: int) -> int:
    flags = data[pos]
    _, pos = _read_uleb(data, pos + 1)
    if flags & 0x01:
        _, pos = _read_uleb(data, pos)
    if flags & 0x08:  # custom page size
        _, pos = _read_uleb(data, pos)
    return pos


def _skip_import_desc(data: bytes, pos: int) -> int:
    kind = data[pos]
    pos += 1
    if kind == 0x00:  # function: type index
        return _read_uleb(data, pos)[1]
    if kind == 0x01:  # table: reference type, limits
        return _skip_limits(data, _skip_valtype(data, pos))
    if kind == 0x02:
        return _skip_limits(data, pos)
    if kind == 0x03:  # global: value type, mutability
        return _skip_valtype(data, pos) + 1
    if kind == 0x04:  # tag: attribute, type index
        return _read_uleb(data, pos + 1)[1]
    raise RewriteError(f"unknown import kind {kind:#x}")


def _map_section(wasm: bytes, ident: int, rewrite) -> bytes:
    """``wasm`` with section ``ident``'s payload replaced by ``rewrite(payload start, end)``."""
    out = bytearray(wasm[:8])
    for sid, start, payload, end in sections(wasm):
        out += _section(ident, rewrite(payload, end)) if sid == ident else wasm[start:end]
    return bytes(out)


def rename_imports(wasm: bytes, old: str, new: str) -> bytes:
    """``wasm`` with every import from module ``old`` taken from ``new`` instead."""
    old_name, new_name = old.encode(), new.encode()

    def rename(pos: int, end: int) -> bytes:
        count, pos = _read_uleb(wasm, pos)
        body = bytearray(uleb(count))
        for _ in range(count):
            module, pos = _read_name(wasm, pos)
            field_start = pos
            _, pos = _read_name(wasm, pos)
            pos = _skip_import_desc(wasm, pos)
            module = new_name if module == old_name else module
            body += uleb(len(module)) + module + wasm[field_start:pos]
        if pos != end:
            raise RewriteError("import section has trailing bytes")
        return bytes(body)
    return _map_section(wasm, IMPORT_SECTION, rename)


def append_exports(wasm: bytes, exports: list[tuple[str, int, int]]) -> bytes:
    """``wasm`` exporting also each (name, kind, index) in ``exports`` (kind as
    in the binary format: 0 function, 1 table, 2 memory, 3 global)."""
    extra = b"".join(uleb(len(name.encode())) + name.encode() + bytes([kind]) + uleb(index)
                     for name, kind, index in exports)
    out = bytearray(wasm[:8])
    placed = False
    for ident, start, payload, end in sections(wasm):
        if not placed and ident != 0 and SECTION_ORDER.index(ident) > SECTION_ORDER.index(EXPORT_SECTION):
            out += _section(EXPORT_SECTION, uleb(len(exports)) + extra)
            placed = True
        if ident == EXPORT_SECTION:
            count, pos = _read_uleb(wasm, payload)
            out += _section(EXPORT_SECTION, uleb(count + len(exports)) + wasm[pos:end] + extra)
            placed = True
        else:
            out += wasm[start:end]
    if not placed:
        out += _section(EXPORT_SECTION, uleb(len(exports)) + extra)
    return bytes(out)


def exports(wasm: bytes) -> list[tuple[bytes, int, int]]:
    """Every export as (name, kind, index), kinds as in ``append_exports``."""
    section = next(((payload, end) for ident, _, payload, end in sections(wasm) if ident == EXPORT_SECTION), None)
    return [] if section is None else [entry for entry, _ in _export_entries(wasm, section[0])]


def _export_entries(wasm: bytes, pos: int):
    """(name, kind, index) of each entry of the export section whose payload starts at ``pos``, with its bytes."""
    count, pos = _read_uleb(wasm, pos)
    for _ in range(count):
        entry = pos
        name, pos = _read_name(wasm, pos)
        kind = wasm[pos]
        index, pos = _read_uleb(wasm, pos + 1)
        yield (name, kind, index), wasm[entry:pos]


def filter_exports(wasm: bytes, keep) -> bytes:
    """``wasm`` exporting only the entries for which ``keep(name, kind, index)``
    is true (``exports``' triples). Nothing else moves but the code."""
    def filter_(pos: int, end: int) -> bytes:
        kept = [raw for entry, raw in _export_entries(wasm, pos) if keep(*entry)]
        return uleb(len(kept)) + b"".join(kept)
    return _map_section(wasm, EXPORT_SECTION, filter_)


def code_shift(original: bytes, rewritten: bytes) -> int:
    """How far the code section moved: an offset in the code of ``rewritten``
    minus this is the same place in ``original``."""
    def code_start(wasm: bytes) -> int:
        return next((payload for ident, _, payload, _ in sections(wasm) if ident == CODE_SECTION), 0)
    return code_start(rewritten) - code_start(original)
