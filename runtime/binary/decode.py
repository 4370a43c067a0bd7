"""The binary decoder: module bytes to a ``ModuleInfo``, or a ``DecodeError``.

Decoding answers one question, "is this the binary format?" (the spec's
*malformed*), and records what the bytes say. It checks no index ranges and
no types: that is the validator's job, so an out-of-range index or a
non-constant constant expression decodes fine and fails validation later.
Where the format itself depends on a proposal (the memory-index forms of
multi-memory, 64-bit offsets of memory64, shared and 64-bit limits) the
``Features`` decide how the bytes are read; opcodes of any proposal are
decoded regardless and left for the validator to accept or reject.

Every failure is a ``DecodeError`` with wasmparser-style wording, the module
offset and the section. Each section's payload is sliced into its own
``bytes`` so that running off its end is just an ``IndexError`` from plain
indexing, turned into "unexpected end" in one place; the readers of
``reader`` raise ``Malformed`` with a position relative to that slice, and the
section loop adds the slice's base.

Function bodies are the exception to "no types": they are most of a real
program's bytes, so rather than build their instruction lists for the
validator to walk again, the code section hands each body's bytes to the
validator's body checker and keeps only its verdict, leaving the lists to be
read when the code generator first asks (``_sec_code``).
"""

from __future__ import annotations

import functools
import hashlib

from ..errors import DecodeError, ValidationError
from . import opcodes as ops
from . import reftypes, type_registry
from .features import WASM2, Features
from .module_info import (EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_TABLE, EXTERN_TAG, I8, I16, ArrayType,
                          DataSegment, ElemSegment, Export, FieldType, FuncBody, FuncSig, Global, GlobalSig, Import,
                          MemSig, ModuleInfo, StructType, Table, TableSig)
from .reader import Ctx, Malformed, count, read_expr, read_locals, reftype, uleb, valtype
from .validate import body_checker

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# Section ids in the order they must appear (data count sits before code).
_SECTION_NAMES = {0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
                  6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data",
                  12: "data count", 13: "tag"}
_SECTION_RANK = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}
# The sections a function's generated code can depend on as a whole besides its own body (types, imports,
# tables, memories, tags): ``ModuleInfo.code_context``. Of the function and global sections it reads only
# the entries it names, which ``compile.python.twins`` keys one by one.
CODE_CONTEXT_SECTIONS = frozenset((1, 2, 4, 5, 13))
DEFINED_SECTIONS = frozenset((3, 6))  # ``ModuleInfo.defined_context``


class _Reader:
    """A cursor over one section's payload, for the sections outside function bodies."""

    __slots__ = ("data", "pos", "base", "ctx")

    def __init__(self, data: bytes, base: int, ctx: Ctx):
        self.data = data
        self.pos = 0
        self.base = base
        self.ctx = ctx

    def at_end(self) -> bool:
        return self.pos >= len(self.data)

    def byte(self) -> int:
        b = self.data[self.pos]
        self.pos += 1
        return b

    def u32(self) -> int:
        v, self.pos = uleb(self.data, self.pos, 32)
        return v

    def u64(self) -> int:
        v, self.pos = uleb(self.data, self.pos, 64)
        return v

    def count(self) -> int:
        n, self.pos = count(self.data, self.pos)
        return n

    def valtype(self) -> int:
        t, self.pos = valtype(self.data, self.pos, self.ctx)
        return t

    def reftype(self) -> int:
        t, self.pos = reftype(self.data, self.pos, self.ctx)
        return t

    def bytes_(self) -> bytes:
        n = self.count()
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def name(self) -> str:
        start = self.pos
        raw = self.bytes_()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("malformed UTF-8 encoding", start) from None

    def fail(self, message: str, pos: int | None = None) -> Malformed:
        return Malformed(message, self.pos if pos is None else pos)


class _ModuleDecoder:
    """Walks the sections in order, filling one ``ModuleInfo``; the checks that
    span sections (order, function/code and data count/data agreement) live here."""

    def __init__(self, data: bytes, features: Features, lazy_bodies: bool = False):
        self.data = data
        self.features = features
        self.lazy_bodies = lazy_bodies
        self.info = ModuleInfo()
        self.const_ctx = Ctx(features, True, self.info.type_ids)

    def decode(self) -> ModuleInfo:
        data = self.data
        self._header()
        pos = 8
        last_rank = 0
        last_id = 0
        context, defined = hashlib.blake2b(digest_size=16), hashlib.blake2b(digest_size=16)
        while pos < len(data):
            section_start = pos
            section_id = data[pos]
            try:
                size, pos = uleb(data, pos + 1, 32)
            except Malformed as e:
                raise DecodeError(e.message, e.pos) from None
            except IndexError:
                raise DecodeError("unexpected end-of-file", len(data)) from None
            if section_id not in _SECTION_NAMES:
                raise DecodeError(f"malformed section id {section_id}", section_start)
            name = _SECTION_NAMES[section_id]
            if size > len(data) - pos:
                raise DecodeError(f"length out of bounds: section size {size} exceeds the "
                                  f"{len(data) - pos} bytes left (unexpected end)", pos, name)
            if section_id:
                rank = _SECTION_RANK[section_id]
                if rank <= last_rank:
                    what = "duplicate" if section_id == last_id else "out-of-order"
                    raise DecodeError(f"unexpected section: {what} {name} section (unexpected "
                                      "content after last section)", section_start, name)
                last_rank, last_id = rank, section_id
            self._section(name, _Reader(data[pos:pos + size], pos, self.const_ctx))
            if section_id in CODE_CONTEXT_SECTIONS:
                context.update(data[section_start:pos + size])
            elif section_id in DEFINED_SECTIONS:
                defined.update(data[section_start:pos + size])
            pos += size
        self.info.code_context, self.info.defined_context = context.digest(), defined.digest()
        self._finish()
        return self.info

    def _header(self) -> None:
        data = self.data
        head = data[:4]
        if head != MAGIC[:len(head)]:
            raise DecodeError("magic header not detected", 0)
        if len(data) < 8:
            raise DecodeError("unexpected end-of-file", len(data))
        if data[4:8] != VERSION:
            raise DecodeError("unknown binary version", 4)

    def _section(self, name: str, r: _Reader) -> None:
        try:
            getattr(self, "_sec_" + name.replace(" ", "_"))(r)
            if not r.at_end():
                raise r.fail("section size mismatch")
        except Malformed as e:
            raise DecodeError(e.message, r.base + e.pos, name) from None
        except IndexError:
            raise DecodeError("unexpected end of section or function", r.base + len(r.data),
                              name) from None

    def _finish(self) -> None:
        info = self.info
        if len(info.code) != len(info.funcs):
            raise DecodeError("function and code section have inconsistent lengths",
                              len(self.data))
        if info.data_count is not None and info.data_count != len(info.datas):
            raise DecodeError("data count and data section have inconsistent lengths",
                              len(self.data))

    # ----- one method per section -----

    def _sec_custom(self, r: _Reader) -> None:
        name = r.name()
        payload = r.data[r.pos:]
        r.pos = len(r.data)
        if name == "name":
            self._names(payload)
        else:
            self.info.customs.append((name, payload))

    def _names(self, payload: bytes) -> None:
        """The name section is advisory: anything wrong in it just drops it."""
        module_name = None
        func_names: dict[int, str] = {}
        r = _Reader(payload, 0, self.const_ctx)
        try:
            while not r.at_end():
                sub_id = r.byte()
                sub = _Reader(r.bytes_(), 0, self.const_ctx)
                if sub_id == 0:
                    module_name = sub.name()
                elif sub_id == 1:
                    for _ in range(sub.count()):
                        index = sub.u32()
                        func_names[index] = sub.name()
                else:
                    continue
                if not sub.at_end():
                    return
        except (Malformed, IndexError):
            return
        self.info.name = module_name
        self.info.func_names = func_names

    def _sec_type(self, r: _Reader) -> None:
        """Recursion groups of types (a type outside ``rec`` is a group of one):
        a member may name the types before its group and every member of it.
        Each group is interned for canonical ids (``type_registry``)."""
        info = self.info
        for _ in range(r.count()):
            n = 1
            if r.data[r.pos] == 0x4E and self.features.gc:
                r.pos += 1
                n = r.count()
            first = len(info.types)
            r.ctx.group = (first, first + n)
            members, supers, declared = [], [], []
            for k in range(n):
                final, sup, comp = self._sub_type(r, first + k)
                members.append(comp)
                declared.append((sup, final))
                supers.append((None if sup is None else ("rec", sup - first) if sup >= first
                               else ("id", info.type_ids[sup]), final))
            r.ctx.group = (0, 0)
            ids = type_registry.define_group(tuple(members), tuple(supers), lambda m, first_id: m.resolved(first_id))
            info.type_ids += ids
            info.types += [type_registry.definition(i) for i in ids]
            info.type_supers += declared

    def _sub_type(self, r: _Reader, index: int) -> tuple[bool, int | None, object]:
        """(final, declared supertype index or None, composite type) of type ``index``."""
        final, sup = True, None
        form = r.data[r.pos]
        if form in (0x50, 0x4F) and self.features.gc:  # sub, sub final
            r.pos += 1
            final = form == 0x4F
            supers = [r.u32() for _ in range(r.count())]
            if len(supers) > 1:
                raise r.fail("multiple supertypes")
            if supers:
                sup = supers[0]
                if sup >= index:
                    raise r.fail(f"unknown type {sup}: a supertype must come before its subtype")
        start = r.pos
        form = r.byte()
        if form == 0x60:
            params = tuple(r.valtype() for _ in range(r.count()))
            return final, sup, FuncSig(params, tuple(r.valtype() for _ in range(r.count())))
        if form == 0x5F and self.features.gc:
            return final, sup, StructType(tuple(self._field_type(r) for _ in range(r.count())))
        if form == 0x5E and self.features.gc:
            return final, sup, ArrayType(self._field_type(r))
        raise r.fail(f"malformed function type form 0x{form:x}", start)

    def _field_type(self, r: _Reader) -> FieldType:
        if r.data[r.pos] in (I8, I16):
            storage = r.byte()
        else:
            storage = r.valtype()
        mut = r.byte()
        if mut > 1:
            raise r.fail(f"malformed mutability 0x{mut:x}", r.pos - 1)
        return FieldType(storage, bool(mut))

    def _sec_import(self, r: _Reader) -> None:
        for _ in range(r.count()):
            module = r.name()
            field = r.name()
            kind = r.byte()
            if kind == EXTERN_FUNC:
                desc = r.u32()
            elif kind == EXTERN_TABLE:
                desc = self._table_type(r)
            elif kind == EXTERN_MEMORY:
                desc = self._memory_type(r)
            elif kind == EXTERN_GLOBAL:
                desc = self._global_type(r)
            elif kind == EXTERN_TAG and self.features.exceptions:
                desc = self._tag_type(r)
            else:
                raise r.fail(f"malformed import kind 0x{kind:x}", r.pos - 1)
            self.info.imports.append(Import(module, field, kind, desc))

    def _sec_function(self, r: _Reader) -> None:
        self.info.funcs = [r.u32() for _ in range(r.count())]

    def _sec_table(self, r: _Reader) -> None:
        for _ in range(r.count()):
            if r.data[r.pos] == 0x40 and self.features.function_references:  # a table with an initialiser
                if r.data[r.pos + 1] != 0:
                    raise r.fail("malformed table: zero byte expected", r.pos + 1)
                r.pos += 2
                sig = self._table_type(r)
                self.info.tables.append(Table(sig, self._const_expr(r)))
            else:
                self.info.tables.append(Table(self._table_type(r)))

    def _sec_tag(self, r: _Reader) -> None:
        if not self.features.exceptions:
            raise r.fail("malformed section id 13: exceptions are not enabled", 0)
        self.info.tags = [self._tag_type(r) for _ in range(r.count())]

    def _sec_memory(self, r: _Reader) -> None:
        for _ in range(r.count()):
            self.info.memories.append(self._memory_type(r))

    def _sec_global(self, r: _Reader) -> None:
        for _ in range(r.count()):
            sig = self._global_type(r)
            self.info.globals.append(Global(sig, self._const_expr(r)))

    def _sec_export(self, r: _Reader) -> None:
        for _ in range(r.count()):
            name = r.name()
            kind = r.byte()
            if kind > EXTERN_GLOBAL and not (kind == EXTERN_TAG and self.features.exceptions):
                raise r.fail(f"malformed export kind 0x{kind:x}", r.pos - 1)
            self.info.exports.append(Export(name, kind, r.u32()))

    def _sec_start(self, r: _Reader) -> None:
        self.info.start = r.u32()

    def _sec_element(self, r: _Reader) -> None:
        for _ in range(r.count()):
            self.info.elems.append(self._elem_segment(r))

    def _sec_data_count(self, r: _Reader) -> None:
        self.info.data_count = r.u32()

    def _sec_code(self, r: _Reader) -> None:
        """Function bodies. Unless they are to be read lazily anyway, each is
        validated as it is read (``validate.body_checker``), without building
        its instruction list, which is then read on first use; the verdict goes
        into ``info.bodies_checked`` for ``validate``, which must still report
        a malformed module (here) and the module-level rules (there) first. So
        after a body's first error the bodies are only decoded, as without a checker."""
        info = self.info
        n = r.count()
        if n != len(info.funcs):
            raise r.fail("function and code section have inconsistent lengths")
        ctx = Ctx(self.features, info.data_count is not None, info.type_ids)
        checker = None if self.lazy_bodies else body_checker(info, self.features)
        error = None
        first = info.num_imported_funcs
        data, base, pos = r.data, r.base, r.pos
        view = memoryview(data)
        for i in range(n):
            body_start = pos
            size, pos = uleb(data, pos, 32)
            end = pos + size
            if end > len(data):
                raise Malformed("unexpected end of section or function", pos)
            start = pos
            local_types, entry, pos = read_locals(data, pos, ctx)
            lazy = self.lazy_bodies
            if checker is not None and error is None:
                try:
                    _body_end(checker.check_bytes(first + i, local_types, data, pos, base, ctx, base + body_start),
                              end)
                    lazy = True
                except ValidationError as e:
                    error = e
            if lazy:
                read = functools.partial(_read_body, data, pos, base, ctx)
                info.code.append(FuncBody(local_types, None, None, base + body_start, base + start, base + entry, read))
            else:
                code, offsets, after = read_expr(data, pos, base, ctx)
                _body_end(after, end)
                info.code.append(FuncBody(local_types, code, offsets, base + body_start, base + start, base + entry))
            info.code[-1].raw = view[start:end]
            pos = end
        r.pos = pos
        if checker is not None:
            info.bodies_checked = (self.features, error)

    def _sec_data(self, r: _Reader) -> None:
        n = r.count()
        if self.info.data_count is not None and n != self.info.data_count:
            raise r.fail("data count and data section have inconsistent lengths")
        for _ in range(n):
            self.info.datas.append(self._data_segment(r))

    # ----- pieces -----

    def _limits(self, r: _Reader, memory: bool) -> tuple[int, int | None, bool, bool, int]:
        """(min, max, is64, shared, page size log2) from a limits flags byte and what follows;
        only a memory's limits may say shared or give a page size."""
        start = r.pos
        flags = r.byte()
        is64 = bool(flags & 0x04)
        shared = bool(flags & 0x02)
        custom = bool(flags & 0x08)  # custom-page-sizes: the page size's log2 follows the bounds
        if (flags > 0x0F or (is64 and not self.features.memory64)
                or (shared and not (memory and self.features.threads))
                or (custom and not (memory and self.features.custom_page_sizes))):
            raise r.fail(f"malformed limits flags 0x{flags:x}", start)
        read = r.u64 if is64 else r.u32
        minimum = read()
        maximum = read() if flags & 0x01 else None
        page_size_log2 = r.u32() if custom else 16
        return minimum, maximum, is64, shared, page_size_log2

    def _table_type(self, r: _Reader) -> TableSig:
        elem = r.reftype()
        minimum, maximum, is64, _, _ = self._limits(r, memory=False)
        return TableSig(elem, minimum, maximum, is64)

    def _memory_type(self, r: _Reader) -> MemSig:
        minimum, maximum, is64, shared, page_size_log2 = self._limits(r, memory=True)
        return MemSig(minimum, maximum, is64, shared, page_size_log2)

    def _tag_type(self, r: _Reader) -> int:
        """A tag's type: an attribute byte (0, exception) and a function type index."""
        attribute = r.byte()
        if attribute != 0:
            raise r.fail(f"malformed tag attribute 0x{attribute:x}", r.pos - 1)
        return r.u32()

    def _global_type(self, r: _Reader) -> GlobalSig:
        t = r.valtype()
        mut = r.byte()
        if mut > 1:
            raise r.fail(f"malformed mutability 0x{mut:x}", r.pos - 1)
        return GlobalSig(t, bool(mut))

    def _const_expr(self, r: _Reader) -> tuple:
        code, _, r.pos = read_expr(r.data, r.pos, r.base, self.const_ctx)
        return tuple(code[:-1])

    def _elem_segment(self, r: _Reader) -> ElemSegment:
        """The eight encodings: bit 0 passive/declarative (bit 1 picks which) or
        active; bit 1 of an active one an explicit table; bit 2 expressions
        instead of function indices, with a reference type instead of an elemkind."""
        start = r.pos
        flags = r.u32()
        if flags > 7:
            raise r.fail(f"malformed elements segment kind {flags}", start)
        table, offset = 0, None
        if flags & 1:
            mode = "declarative" if flags & 2 else "passive"
        else:
            mode = "active"
            if flags & 2:
                table = r.u32()
            offset = self._const_expr(r)
        uses_exprs = bool(flags & 4)
        # Function indices are non-null references: (ref func) since typed references.
        elem_type = ops.FUNCREF
        if not uses_exprs and self.features.function_references:
            elem_type = reftypes.ref_type(reftypes.HT_FUNC, False)
        if flags & 3:
            if uses_exprs:
                elem_type = r.reftype()
            else:
                kind = r.byte()
                if kind != 0:
                    raise r.fail(f"malformed element kind 0x{kind:x}", r.pos - 1)
        n = r.count()
        if uses_exprs:
            items = tuple(self._const_expr(r) for _ in range(n))
        else:
            items = tuple(((ops.REF_FUNC, r.u32()),) for _ in range(n))
        return ElemSegment(mode, elem_type, items, table, offset, uses_exprs)

    def _data_segment(self, r: _Reader) -> DataSegment:
        start = r.pos
        flags = r.u32()
        if flags == 1:
            return DataSegment("passive", r.bytes_())
        if flags > 2:
            raise r.fail(f"malformed data segment kind {flags}", start)
        memory = r.u32() if flags == 2 else 0
        offset = self._const_expr(r)
        return DataSegment("active", r.bytes_(), memory, offset)


def _body_end(pos: int, end: int) -> None:
    """Check that a body's final ``end`` at ``pos`` is where its size says it ends, ``end``."""
    if pos != end:
        raise Malformed("END opcode expected" if pos > end else "operators remaining after end of function",
                        min(pos, end))


def _read_body(data: bytes, pos: int, base: int, ctx: Ctx) -> tuple[list, list]:
    return read_expr(data, pos, base, ctx)[:2]


def decode_module(data: bytes, features: Features = WASM2, lazy_bodies: bool = False) -> ModuleInfo:
    """Decode a binary module. Raises ``DecodeError`` for anything that is not
    the binary format (under ``features``); never checks types or indices.

    ``lazy_bodies`` leaves function bodies' instructions to be decoded on first
    use, unchecked: only for bytes known to decode (and validate) under
    ``features``, as those of a module in the code cache are."""
    return _ModuleDecoder(bytes(data), features, lazy_bodies).decode()
