"""Validation: the WebAssembly type system, checked once per module before anything runs.

The code generator turns operand-stack slots into Python locals and trusts every
index and type it sees, so a module must be known valid before it is compiled.
``validate(info, features)`` checks a decoded ``ModuleInfo`` against the rules of
WebAssembly 2.0 and of the proposals ``features`` turns on (memory64 with
64-bit tables, multi-memory, extended-const, threads' shared memories and
atomics, SIMD and relaxed SIMD, tail calls, exception handling and its
legacy instructions), raises
``ValidationError`` with the spec's message ("type mismatch", "unknown local 3",
...) at the first violation, and on success records ``info.declared_refs``: the
functions ``ref.func`` may name inside function bodies (C.refs in the spec).

Function bodies are checked with the algorithm of the spec's appendix
("Validation Algorithm"): a stack of operand types in which ``UNKNOWN`` is the
bottom type the polymorphic stack yields after ``unreachable``, ``br``,
``br_table`` or ``return``, and a stack of control frames. Two choices keep it
fast enough for modules with tens of thousands of functions:

- Each control frame pushes ``_MARK`` onto the operand stack, so an instruction
  with a fixed signature checks its operands with one slice comparison
  (``stack[-n:] == params``) that can never reach into an enclosing frame; only
  when that fails does the slow path decide between an error and the
  polymorphic stack.
- The per-instruction loop handles fixed signatures (from ``opcodes.OPS``) and
  the local-variable instructions inline and sends everything else through a
  dict of small handlers. The tables are built once per ``Features`` value;
  an instruction of a disabled proposal gets a handler that rejects it.

Constant expressions follow the 2.0 rules as the bundled spec tests state them:
``global.get`` may only read an imported immutable global, in every constant
expression; extended-const adds ``i32``/``i64`` ``add``, ``sub`` and ``mul``;
GC (3.0) lets it read any immutable global defined before, and adds the
allocations, ``ref.i31`` and the extern/any conversions (``validate_gc``).
"""

from __future__ import annotations

from functools import lru_cache

from ..errors import ValidationError
from .features import WASM2, Features
from . import body_check, validate_gc
from .module_info import (EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_TABLE, EXTERN_TAG, FuncSig, GlobalSig,
                          MemSig, ModuleInfo, StructType, TableSig)
from .opcodes import (BLOCK, BR, BR_IF, BR_ON_NON_NULL, BR_ON_NULL, BR_TABLE, CALL, CALL_INDIRECT, CALL_REF, CATCH,
                      CATCH_ALL, CATCH_REF, DATA_DROP, DELEGATE, DROP, ELEM_DROP, ELSE, END, EXNREF, EXTENDED_CONST_OPS,
                      EXTERNREF, F32, F32_CONST, F64, F64_CONST, FUNCREF, GLOBAL_GET, GLOBAL_SET, I32, I32_CONST,
                      I64, I64_CONST, IF, LEGACY_CATCH, LEGACY_CATCH_ALL, LOCAL_GET, LOCAL_SET, LOCAL_TEE, LOOP,
                      MEMARG_SIZES, MEMORY_COPY, MEMORY_FILL, MEMORY_GROW, MEMORY_INIT, MEMORY_SIZE, NAMES, OPS,
                      REF_AS_NON_NULL, REF_EQ, REF_FUNC, REF_IS_NULL, REF_NULL, RETHROW, RETURN, RETURN_CALL_REF,
                      SELECT, SELECT_T, TABLE_COPY, TABLE_FILL, TABLE_GET, TABLE_GROW,
                      TABLE_INIT, TABLE_SET, TABLE_SIZE, THROW, THROW_REF, TRY, TRY_TABLE, UNREACHABLE, V128, op_name)
from .reftypes import (HT_FUNC, as_non_null, as_nullable, concrete, exn_non_null, is_defaultable, is_ref, matches,
                       top_of, type_name)

__all__ = ["validate"]

UNKNOWN = 0  # the bottom type: what the polymorphic stack yields; matches every type
_MARK = -1  # sits on the operand stack under each control frame's values

RETURN_CALL, RETURN_CALL_INDIRECT = NAMES["return_call"], NAMES["return_call_indirect"]
V128_CONST = NAMES["v128.const"]
MAX_LOCALS = 50_000  # wasmparser's limit on params + locals, which wasm-tools enforces
MAX_PAGES32 = 1 << 16
MAX_PAGES64 = 1 << 48

# Operand types `select` without a type immediate accepts (numbers and vectors).
_SELECTABLE = frozenset({I32, I64, F32, F64, V128, UNKNOWN})

# Instructions that exist only with a proposal turned on (memory64 and
# multi-memory change immediates and types, not the instruction set).
_OP_FEATURES = {
    "sign_extension": tuple(range(0xC0, 0xC5)),
    "saturating_float_to_int": tuple(range(0xFC00, 0xFC08)),
    "bulk_memory": (MEMORY_INIT, DATA_DROP, MEMORY_COPY, MEMORY_FILL, TABLE_INIT, ELEM_DROP,
                    TABLE_COPY),
    "reference_types": (REF_NULL, REF_IS_NULL, REF_FUNC, SELECT_T, TABLE_GET, TABLE_SET,
                        TABLE_GROW, TABLE_SIZE, TABLE_FILL),
    "tail_call": (RETURN_CALL, RETURN_CALL_INDIRECT),
    "function_references": (CALL_REF, RETURN_CALL_REF, REF_AS_NON_NULL, BR_ON_NULL, BR_ON_NON_NULL),
    "exceptions": (THROW, THROW_REF, TRY_TABLE),
    "legacy_exceptions": (TRY, LEGACY_CATCH, LEGACY_CATCH_ALL, DELEGATE, RETHROW),
    "wide_arithmetic": tuple(range(0xFC13, 0xFC17)),
}

_FEATURE_OF = {op: name for name, ops in _OP_FEATURES.items() for op in ops}

_CONST_TYPES = {I32_CONST: I32, I64_CONST: I64, F32_CONST: F32, F64_CONST: F64}


def validate(info: ModuleInfo, features: Features = WASM2) -> None:
    """Check that ``info`` is a valid module under ``features``.

    Raises ``ValidationError`` (with the spec's message, and the byte offset and
    function index when the fault is inside a function body) at the first rule
    broken. On success sets ``info.declared_refs``; nothing else is changed.
    """
    _ModuleValidator(info, features).run()


def body_checker(info: ModuleInfo, features: Features) -> "_BodyChecker | None":
    """For the decoder, which meets the function bodies after every section they
    refer to: a checker of bodies straight from their bytes
    (``_BodyChecker.check_bytes``), or None if the module-level rules are
    broken already (``validate`` reports that, before any body's error)."""
    module = _ModuleValidator(info, features)
    try:
        module.check_context()
    except ValidationError:
        return None
    return _BodyChecker(module)


class _Frame:
    """A control frame: the instruction that opened it, its block type, the
    types a branch to it carries, where its values start on the operand stack,
    and whether the rest of it is unreachable."""

    __slots__ = ("op", "params", "results", "labels", "height", "unreachable", "inits")

    def __init__(self, op: int, params: list, results: list, height: int):
        self.op = op
        self.params = params
        self.results = results
        self.labels = params if op == LOOP else results
        self.height = height
        self.unreachable = False
        self.inits: list[int] = []  # non-defaultable locals first set in this frame, unset again at its end


def _feature_of(op: int) -> str | None:
    """The proposal (a ``Features`` field) an instruction belongs to, None for Wasm 1.0."""
    if op in _FEATURE_OF:
        return _FEATURE_OF[op]
    if op >> 8 == 0xFB or op == REF_EQ:
        return "gc"
    if op >> 8 == 0xFD:
        return "simd"
    if op >> 12 == 0xFD:
        return "relaxed_simd"
    if op >> 8 == 0xFE:
        return "threads"
    return None


@lru_cache(maxsize=None)
def _tables(features: Features):
    """The dispatch tables for one feature set: ``fixed`` maps an instruction with
    a fixed signature and nothing to check in its immediates to (params,
    results), and ``simple`` is the same for the one-byte opcodes without
    immediates, as a list of ``_shape`` indexed by opcode (None elsewhere); ``memops`` maps a
    memory access to (natural log2 alignment, whether the alignment must be
    exactly natural, params for a 32-bit and for a 64-bit memory, results, lane
    count); ``lanes`` maps a lane instruction to (lane count, params, results);
    ``handlers`` has everything else."""
    fixed, memops, lanes, handlers = {}, {}, {}, {}
    for op, info in OPS.items():
        feature = _feature_of(op)
        if feature is not None and not getattr(features, feature):
            handlers[op] = _disabled(op, feature)
        elif op in _HANDLERS:
            handlers[op] = _HANDLERS[op]
        elif info.sig is None:
            continue
        elif info.imm in ("memarg", "memarg_lane"):
            params, results = list(info.sig[0]), list(info.sig[1])
            size = MEMARG_SIZES[op]
            memops[op] = (size.bit_length() - 1, feature == "threads", params,
                          [I64] + params[1:], results, 16 // size)
            handlers[op] = _BodyChecker.op_memarg
        elif info.imm in ("lane", "shuffle"):
            count = 32 if info.imm == "shuffle" else int(info.name.split(".")[0].split("x")[1])
            lanes[op] = (count, list(info.sig[0]), list(info.sig[1]))
            handlers[op] = _BodyChecker.op_lane
        else:
            fixed[op] = (list(info.sig[0]), list(info.sig[1]))
    simple = [_shape(*fixed[op]) if op in fixed and OPS[op].imm == "none" else None for op in range(0x100)]
    return fixed, simple, memops, lanes, handlers


def _shape(params: list, results: list) -> tuple:
    """A fixed signature as ``check_bytes`` takes it: (arity, first param, second
    param, result, params, results), arity 1 or 2 for one or two params and one
    result (which it checks in place), else 0."""
    arity = len(params) if len(params) in (1, 2) and len(results) == 1 else 0
    return arity, params[0] if params else None, params[1] if len(params) > 1 else None, \
        results[0] if results else None, params, results


def _disabled(op: int, feature: str):
    def handler(self, ins):
        raise ValidationError(f"{op_name(op)} requires the {feature.replace('_', '-')} feature")
    return handler


def _unknown_op(self, ins):
    raise ValidationError(f"unknown instruction {op_name(ins[0])}")


class _ModuleValidator:
    """Checks the module-level rules and collects the context (C in the spec)
    that function bodies are checked against."""

    def __init__(self, info: ModuleInfo, features: Features):
        self.info = info
        self.features = features
        self.refs: set[int] = set()
        self.value_types = {I32, I64, F32, F64}
        self.ref_types = {FUNCREF}  # funcref tables are MVP; reference values are not
        if features.reference_types:
            self.value_types |= {FUNCREF, EXTERNREF}
            self.ref_types.add(EXTERNREF)
        if features.simd:
            self.value_types.add(V128)
        self.const_types = dict(_CONST_TYPES)
        if features.simd:
            self.const_types[V128_CONST] = V128
        self.func_sigs: list[FuncSig] = []
        self.func_types: list[int] = []  # the (ref $t) type of each function, what ref.func pushes
        self.tag_sigs: list[FuncSig] = []
        self.tables: list[TableSig] = []
        self.memories: list[MemSig] = []
        self.globals: list[GlobalSig] = []
        self.num_imported_globals = 0

    def run(self) -> None:
        self.check_context()
        self.check_datas()
        self.check_code()
        self.info.declared_refs = frozenset(self.refs)

    def check_context(self) -> None:
        """The module-level rules of every section a function body can refer to,
        collecting the context (C) bodies are checked against: all of them come
        before the code section, so the decoder can check bodies as it reads them."""
        info = self.info
        self.check_types()
        self.check_imports()
        for t in info.funcs:
            self.add_func(t)
        for t in info.tags:
            self.add_tag(t)
        for table in info.tables:
            self.check_table_type(table.sig)
            if table.init is not None:
                self.const_expr(table.init, table.sig.elem)
            elif not is_defaultable(table.sig.elem):
                raise ValidationError("type mismatch: a table of non-nullable references needs an initializer")
            self.tables.append(table.sig)
        if len(self.tables) > 1 and not self.features.reference_types:
            raise ValidationError("multiple tables")
        for mem in info.memories:
            self.check_memory_type(mem)
        self.memories += info.memories
        if len(self.memories) > 1 and not self.features.multi_memory:
            raise ValidationError("multiple memories")
        for glob in info.globals:
            self.check_value_type(glob.sig.type)
            self.const_expr(glob.init, glob.sig.type)
            self.globals.append(glob.sig)
        self.check_exports()
        self.check_start()
        self.check_elems()

    # ----- types and imports -----

    def value_type_ok(self, t: int) -> bool:
        # Typed references are read only with function-references on (the decoder's check).
        return t in self.value_types or (is_ref(t) and self.features.function_references)

    def check_value_type(self, t: int) -> None:
        if not self.value_type_ok(t):
            raise ValidationError(f"value type 0x{t:x} is not enabled")

    def check_types(self) -> None:
        for comp in self.info.types:
            if isinstance(comp, FuncSig):
                for t in comp.params + comp.results:
                    self.check_value_type(t)
                if len(comp.results) > 1 and not self.features.multi_value:
                    raise ValidationError("invalid result arity")
            else:
                for f in comp.fields if isinstance(comp, StructType) else (comp.field,):
                    validate_gc.field_value_ok(self, f)
        validate_gc.check_subtypes(self.info)

    def type_at(self, index: int) -> FuncSig:
        """Function type ``index`` (what functions, tags and block types name)."""
        if index >= len(self.info.types):
            raise ValidationError(f"unknown type {index}")
        sig = self.info.types[index]
        if not isinstance(sig, FuncSig):
            raise ValidationError(f"type mismatch: type {index} is not a function type")
        return sig

    def add_func(self, type_index: int) -> None:
        self.func_sigs.append(self.type_at(type_index))
        self.func_types.append(concrete(self.info.type_ids[type_index], False))

    def add_tag(self, type_index: int) -> None:
        sig = self.type_at(type_index)
        if sig.results:
            raise ValidationError("non-empty tag result type")
        self.tag_sigs.append(sig)

    def check_imports(self) -> None:
        for imp in self.info.imports:
            if imp.kind == EXTERN_FUNC:
                self.add_func(imp.desc)
            elif imp.kind == EXTERN_TAG:
                self.add_tag(imp.desc)
            elif imp.kind == EXTERN_TABLE:
                self.check_table_type(imp.desc)
                self.tables.append(imp.desc)
            elif imp.kind == EXTERN_MEMORY:
                self.check_memory_type(imp.desc)
                self.memories.append(imp.desc)
            elif imp.kind == EXTERN_GLOBAL:
                self.check_value_type(imp.desc.type)
                if imp.desc.mutable and not self.features.mutable_global:
                    raise ValidationError("mutable global support is not enabled")
                self.globals.append(imp.desc)
            else:
                raise ValidationError(f"unsupported import kind {imp.kind}")
        self.num_imported_globals = len(self.globals)

    def check_table_type(self, sig: TableSig) -> None:
        if sig.elem not in self.ref_types and not (is_ref(sig.elem) and self.features.function_references):
            raise ValidationError(f"invalid table element type 0x{sig.elem:x}")
        if sig.is64:
            if not self.features.memory64:
                raise ValidationError("memory64 must be enabled for 64-bit tables")
            _check_limits(sig.min, sig.max, (1 << 64) - 1, "table size must be at most 2^64-1")
        else:
            _check_limits(sig.min, sig.max, (1 << 32) - 1, "table size must be at most 2^32-1")

    def check_memory_type(self, sig: MemSig) -> None:
        if sig.page_size_log2 not in (0, 16):
            raise ValidationError("invalid custom page size")
        if sig.page_size_log2 != 16:  # a memory of 1-byte pages: the whole index space in bytes
            bound = (1 << 64) - 1 if sig.is64 else 1 << 32
            _check_limits(sig.min, sig.max, bound, f"memory size must be at most {bound} pages")
        elif sig.is64:
            if not self.features.memory64:
                raise ValidationError("memory64 must be enabled for 64-bit memories")
            _check_limits(sig.min, sig.max, MAX_PAGES64,
                          "memory size must be at most 2^48 pages (256 TiB)")
        else:
            _check_limits(sig.min, sig.max, MAX_PAGES32,
                          "memory size must be at most 65536 pages (4GiB)")
        if sig.shared:
            if not self.features.threads:
                raise ValidationError("threads must be enabled for shared memories")
            if sig.max is None:
                raise ValidationError("shared memory must have maximum")

    # ----- constant expressions -----

    def const_expr(self, expr, expected: int) -> None:
        """Check a constant expression that must produce one value of ``expected``."""
        stack = []
        for ins in expr:
            op = ins[0]
            if op in self.const_types:
                stack.append(self.const_types[op])
            elif op == REF_NULL:
                stack.append(ins[1])
            elif op == REF_FUNC:  # also how the decoder gives MVP element segments' items
                self.func_index(ins[1])
                self.refs.add(ins[1])
                stack.append(self.func_types[ins[1]])
            elif op == GLOBAL_GET:
                stack.append(self.const_global(ins[1]))
            elif op in validate_gc.CONSTANT and self.features.gc:
                validate_gc.HANDLERS[op](validate_gc.ConstChecker(self, stack), ins)
            elif op in EXTENDED_CONST_OPS and self.features.extended_const:
                t = I32 if op < 0x70 else I64
                if stack[-2:] != [t, t]:
                    raise ValidationError("type mismatch")
                stack.pop()
            else:
                raise ValidationError("constant expression required")
        if len(stack) != 1 or not matches(stack[0], expected):
            raise ValidationError("type mismatch")

    def const_global(self, index: int) -> int:
        # Wasm 2.0: imported globals only; with GC (3.0), any immutable global defined before.
        if index >= (len(self.globals) if self.features.gc else self.num_imported_globals):
            raise ValidationError(f"unknown global {index}")
        sig = self.globals[index]
        if sig.mutable:
            raise ValidationError("constant expression required")
        return sig.type

    # ----- index spaces -----

    def func_index(self, index: int) -> FuncSig:
        if index >= len(self.func_sigs):
            raise ValidationError(f"unknown function {index}")
        return self.func_sigs[index]

    def table_at(self, index: int) -> TableSig:
        if index >= len(self.tables):
            raise ValidationError(f"unknown table {index}")
        return self.tables[index]

    def memory_at(self, index: int) -> MemSig:
        if index >= len(self.memories):
            raise ValidationError(f"unknown memory {index}")
        return self.memories[index]

    # ----- exports, start, segments -----

    def check_exports(self) -> None:
        names = set()
        spaces = {EXTERN_FUNC: ("function", self.func_sigs), EXTERN_TABLE: ("table", self.tables),
                  EXTERN_MEMORY: ("memory", self.memories), EXTERN_GLOBAL: ("global", self.globals),
                  EXTERN_TAG: ("tag", self.tag_sigs)}
        for exp in self.info.exports:
            if exp.name in names:
                raise ValidationError("duplicate export name")
            names.add(exp.name)
            if exp.kind not in spaces:
                raise ValidationError(f"unsupported export kind {exp.kind}")
            what, space = spaces[exp.kind]
            if exp.index >= len(space):
                raise ValidationError(f"unknown {what} {exp.index}")
            if exp.kind == EXTERN_FUNC:
                self.refs.add(exp.index)
            elif (exp.kind == EXTERN_GLOBAL and space[exp.index].mutable
                  and not self.features.mutable_global):
                raise ValidationError("mutable global support is not enabled")

    def check_start(self) -> None:
        start = self.info.start
        if start is None:
            return
        if start >= len(self.func_sigs):
            raise ValidationError(f"unknown function {start}")
        sig = self.func_sigs[start]
        if sig.params or sig.results:
            raise ValidationError("start function")

    def check_elems(self) -> None:
        for seg in self.info.elems:
            if seg.mode != "active" and not self.features.bulk_memory:
                raise ValidationError(f"{seg.mode} element segments require bulk memory")
            if seg.type not in self.ref_types and not (is_ref(seg.type) and self.features.function_references):
                raise ValidationError(f"invalid element type 0x{seg.type:x}")
            for item in seg.items:
                self.const_expr(item, seg.type)
            if seg.mode == "active":
                table = self.table_at(seg.table)
                if not matches(seg.type, table.elem):
                    raise ValidationError("type mismatch")
                self.const_expr(seg.offset, I64 if table.is64 else I32)

    def check_datas(self) -> None:
        datas = self.info.datas
        if self.info.data_count is not None:
            if not self.features.bulk_memory:
                raise ValidationError("data count section requires bulk memory")
            if self.info.data_count != len(datas):
                raise ValidationError("data count and data section have inconsistent lengths")
        for seg in datas:
            if seg.mode != "active" and not self.features.bulk_memory:
                raise ValidationError("passive data segments require bulk memory")
            if seg.mode == "active":
                mem = self.memory_at(seg.memory)
                self.const_expr(seg.offset, I64 if mem.is64 else I32)

    # ----- function bodies -----

    def check_code(self) -> None:
        """Every function body, unless the decoder checked them already under
        these features (``body_checker``): then only its verdict is given."""
        info = self.info
        if len(info.code) != len(info.funcs):
            raise ValidationError("function and code section have inconsistent lengths")
        if info.bodies_checked is not None and info.bodies_checked[0] == self.features:
            error = info.bodies_checked[1]
            if error is not None:
                raise ValidationError(error.reason, error.offset, error.func)
            return
        checker = _BodyChecker(self)
        first = len(self.func_sigs) - len(info.funcs)
        for i, body in enumerate(info.code):
            checker.check(first + i, body)


def _check_limits(lo: int, hi: int | None, bound: int, too_big: str) -> None:
    if lo > bound or (hi is not None and hi > bound):
        raise ValidationError(too_big)
    if hi is not None and lo > hi:
        raise ValidationError("size minimum must not be greater than maximum")


class _BodyChecker:
    """Checks function bodies against one module's context. One instance is
    reused for every body; ``stack`` and ``frames`` are reset per function."""

    def __init__(self, module: _ModuleValidator):
        self.module = module
        self.features = module.features
        self.fixed, self.simple, self.memops, self.lanes, self.handlers = _tables(module.features)
        as_lists = {s: (list(s.params), list(s.results)) for s in set(module.info.types) if isinstance(s, FuncSig)}
        self.types = [as_lists.get(s) for s in module.info.types]  # None for struct and array types
        self.funcs = [as_lists[s] for s in module.func_sigs]
        self.func_types = module.func_types
        self.type_ids = module.info.type_ids
        self.tags = [list(sig.params) for sig in module.tag_sigs]
        self.uninit: set[int] = set()  # non-defaultable locals not yet set on this path
        self.globals = module.globals
        self.tables = module.tables
        self.memories = module.memories
        self.elem_types = [seg.type for seg in module.info.elems]
        self.data_count = module.info.data_count
        self.refs = module.refs
        self.block_types: dict = {None: ([], [])}
        self.stack: list[int] = []
        self.frames: list[_Frame] = []
        self.locals: tuple[int, ...] = ()
        self.results: list[int] = []
        # For check_bytes: the handler of each one-byte opcode that has one, bound to this checker,
        # and what a plain load or store needs when memory 0 is a 32-bit memory: (log2 natural
        # alignment, params, results).
        self.bound = [self.handlers[op].__get__(self) if op in self.handlers else None for op in range(0x100)]
        self.mem32 = [None] * 0x100
        if self.memories and not self.memories[0].is64:
            for op, (natural, atomic, params32, _, results, _) in self.memops.items():
                if op < 0x100 and not atomic:
                    self.mem32[op] = (natural, params32, results)

    def begin(self, funcidx: int, body_locals: tuple[int, ...], offset: int) -> None:
        """Check the declared locals of function ``funcidx`` (its body at module
        offset ``offset``) and set up the stacks for its instructions."""
        module = self.module
        params = module.func_sigs[funcidx].params
        if len(params) + len(body_locals) > MAX_LOCALS:
            raise ValidationError("too many locals", offset, funcidx)
        uninit = set()
        if not module.value_types.issuperset(body_locals):  # typed references: maybe not enabled, not defaultable
            bad = next((t for t in body_locals if not module.value_type_ok(t)), None)
            if bad is not None:
                raise ValidationError(f"value type 0x{bad:x} is not enabled", offset, funcidx)
            uninit = {len(params) + k for k, t in enumerate(body_locals) if not is_defaultable(t)}
        self.uninit = uninit
        self.stack = [_MARK]
        self.results = results = self.funcs[funcidx][1]
        self.frames = [_Frame(BLOCK, [], results, 1)]
        self.locals = params + body_locals

    def check(self, funcidx: int, body) -> None:
        """Check a decoded body (``FuncBody``) of function ``funcidx``."""
        self.begin(funcidx, body.locals, body.offset)
        frames = self.frames
        step = self.step
        code = body.code
        i = 0
        try:
            for i, ins in enumerate(code):
                step(ins)
                if not frames:
                    break
        except ValidationError as e:
            raise ValidationError(e.reason, body.offsets[i], funcidx) from None
        if frames:
            raise ValidationError("unexpected end of function",
                                  body.offsets[-1] if body.offsets else body.offset, funcidx)
        if i != len(code) - 1:
            raise ValidationError("operators remaining after end of function",
                                  body.offsets[i + 1], funcidx)

    check_bytes = body_check.check_bytes

    def step(self, ins) -> None:
        """Check one instruction."""
        sig = self.fixed.get(ins[0])
        if sig is None:
            self.handlers.get(ins[0], _unknown_op)(self, ins)
        else:
            self.pop_vals(sig[0])
            self.stack.extend(sig[1])

    # ----- the operand stack -----

    def pop_any(self) -> int:
        stack = self.stack
        t = stack[-1]
        if t == _MARK:
            if self.frames[-1].unreachable:
                return UNKNOWN
            raise ValidationError("type mismatch")
        return stack.pop()

    def pop_expect(self, expected: int) -> int:
        stack = self.stack
        t = stack[-1]
        if t != expected:
            if t == _MARK:
                if self.frames[-1].unreachable:
                    return UNKNOWN
                raise ValidationError("type mismatch")
            if t != UNKNOWN and not matches(t, expected):
                raise ValidationError("type mismatch")
        return stack.pop()

    def pop_ref(self) -> int:
        """Pop a reference of any type (UNKNOWN from the polymorphic stack)."""
        t = self.pop_any()
        if t != UNKNOWN and not is_ref(t):
            raise ValidationError("type mismatch")
        return t

    def peek_vals(self, types: list) -> int:
        """Check that the top of the stack matches ``types`` without changing it;
        return how many stack entries matched (the rest come from the polymorphic
        bottom of an unreachable frame)."""
        stack = self.stack
        i = len(stack)
        for t in reversed(types):
            s = stack[i - 1]
            if s == _MARK:
                if self.frames[-1].unreachable:
                    break
                raise ValidationError("type mismatch")
            if s != t and s != UNKNOWN and not matches(s, t):
                raise ValidationError("type mismatch")
            i -= 1
        return len(stack) - i

    def pop_vals(self, types: list) -> None:
        n = len(types)
        if n:
            stack = self.stack
            if stack[-n:] == types:
                del stack[-n:]
            else:
                k = self.peek_vals(types)
                if k:
                    del stack[-k:]

    # ----- control frames -----

    def push_frame(self, op: int, params: list, results: list) -> None:
        stack = self.stack
        stack.append(_MARK)
        self.frames.append(_Frame(op, params, results, len(stack)))
        stack.extend(params)

    def pop_frame(self) -> _Frame:
        frame = self.frames[-1]
        stack = self.stack
        h = frame.height
        if stack[h:] != frame.results:
            self.pop_vals(frame.results)
            if len(stack) != h:
                raise ValidationError("type mismatch")
        del stack[h - 1:]
        self.frames.pop()
        if frame.inits:
            self.uninit.update(frame.inits)
        return frame

    def set_unreachable(self) -> None:
        frame = self.frames[-1]
        del self.stack[frame.height:]
        frame.unreachable = True

    def label(self, depth: int) -> list:
        frames = self.frames
        if depth >= len(frames):
            raise ValidationError(f"unknown label {depth}")
        return frames[-1 - depth].labels

    def func_type(self, index: int) -> tuple[list, list]:
        """(params, results) of function type ``index``."""
        if index >= len(self.types):
            raise ValidationError(f"unknown type {index}")
        sig = self.types[index]
        if sig is None:
            raise ValidationError(f"type mismatch: type {index} is not a function type")
        return sig

    def block_type(self, bt) -> tuple[list, list]:
        sig = self.block_types.get(bt)
        if sig is None:
            if bt < 0:
                self.module.check_value_type(-bt)
                sig = ([], [-bt])
            else:
                if not self.features.multi_value:
                    raise ValidationError("block types from the type section need multi-value")
                sig = self.func_type(bt)
            self.block_types[bt] = sig
        return sig

    # ----- control instructions -----

    def op_unreachable(self, ins) -> None:
        self.set_unreachable()

    def op_block(self, ins) -> None:
        params, results = self.block_type(ins[1])
        self.pop_vals(params)
        self.push_frame(ins[0], params, results)

    def op_if(self, ins) -> None:
        self.pop_expect(I32)
        self.op_block(ins)

    def op_else(self, ins) -> None:
        frame = self.frames[-1]
        if frame.op != IF:
            raise ValidationError("else found outside of an `if` block")
        self.pop_frame()
        self.push_frame(ELSE, frame.params, frame.results)

    def op_end(self, ins) -> None:
        frame = self.pop_frame()
        if frame.op == IF and frame.params != frame.results:
            raise ValidationError("type mismatch")
        self.stack.extend(frame.results)

    def op_br(self, ins) -> None:
        self.pop_vals(self.label(ins[1]))
        self.set_unreachable()

    def op_br_if(self, ins) -> None:
        self.pop_expect(I32)
        labels = self.label(ins[1])
        self.pop_vals(labels)
        self.stack.extend(labels)

    def op_br_table(self, ins) -> None:
        self.pop_expect(I32)
        default = self.label(ins[2])
        for depth in ins[1]:
            labels = self.label(depth)
            if len(labels) != len(default):
                raise ValidationError("type mismatch")
            self.peek_vals(labels)
        self.pop_vals(default)
        self.set_unreachable()

    def op_return(self, ins) -> None:
        self.pop_vals(self.results)
        self.set_unreachable()

    def op_call(self, ins) -> None:
        self.module.func_index(ins[1])
        params, results = self.funcs[ins[1]]
        self.pop_vals(params)
        self.stack.extend(results)

    def op_call_indirect(self, ins) -> None:
        params, results = self.indirect_target(ins)
        self.pop_vals(params)
        self.stack.extend(results)

    def indirect_target(self, ins) -> tuple[list, list]:
        typeidx, tableidx = ins[1], ins[2]
        table = self.module.table_at(tableidx)
        if top_of(table.elem) != HT_FUNC:
            raise ValidationError("type mismatch")
        sig = self.func_type(typeidx)
        self.pop_expect(I64 if table.is64 else I32)
        return sig

    def op_return_call(self, ins) -> None:
        self.module.func_index(ins[1])
        self.tail_call(*self.funcs[ins[1]])

    def op_return_call_indirect(self, ins) -> None:
        self.tail_call(*self.indirect_target(ins))

    def tail_call(self, params: list, results: list) -> None:
        if results != self.results and (len(results) != len(self.results)
                                        or not all(matches(a, b) for a, b in zip(results, self.results))):
            raise ValidationError("type mismatch")
        self.pop_vals(params)
        self.set_unreachable()

    # ----- parametric instructions -----

    def op_drop(self, ins) -> None:
        self.pop_any()

    def op_select(self, ins) -> None:
        self.pop_expect(I32)
        t1 = self.pop_any()
        t2 = self.pop_any()
        if t1 not in _SELECTABLE or t2 not in _SELECTABLE:
            raise ValidationError("type mismatch")
        if t1 != t2 and t1 != UNKNOWN and t2 != UNKNOWN:
            raise ValidationError("type mismatch")
        self.stack.append(t2 if t1 == UNKNOWN else t1)

    def op_select_t(self, ins) -> None:
        types = ins[1]
        if len(types) != 1:
            raise ValidationError("invalid result arity")
        t = types[0]
        self.module.check_value_type(t)
        self.pop_expect(I32)
        self.pop_expect(t)
        self.pop_expect(t)
        self.stack.append(t)

    # ----- variables -----

    def local_type(self, index: int) -> int:
        if index >= len(self.locals):
            raise ValidationError(f"unknown local {index}")
        return self.locals[index]

    def op_local_get(self, ins) -> None:
        t = self.local_type(ins[1])
        if self.uninit and ins[1] in self.uninit:
            raise ValidationError("uninitialized local")
        self.stack.append(t)

    def op_local_set(self, ins) -> None:
        t = self.local_type(ins[1])
        if self.uninit and ins[1] in self.uninit:
            self.uninit.discard(ins[1])
            self.frames[-1].inits.append(ins[1])
        self.pop_expect(t)

    def op_local_tee(self, ins) -> None:
        self.op_local_set(ins)
        self.stack.append(self.locals[ins[1]])

    # ----- globals -----

    def global_at(self, index: int) -> GlobalSig:
        if index >= len(self.globals):
            raise ValidationError(f"unknown global {index}")
        return self.globals[index]

    def op_global_get(self, ins) -> None:
        self.stack.append(self.global_at(ins[1]).type)

    def op_global_set(self, ins) -> None:
        sig = self.global_at(ins[1])
        if not sig.mutable:
            raise ValidationError("global is immutable")
        self.pop_expect(sig.type)

    # ----- tables and references -----

    def table_addr(self, index: int) -> tuple[TableSig, int]:
        table = self.module.table_at(index)
        return table, I64 if table.is64 else I32

    def elem_type(self, index: int) -> int:
        if index >= len(self.elem_types):
            raise ValidationError(f"unknown elem segment {index}")
        return self.elem_types[index]

    def op_table_get(self, ins) -> None:
        table, addr = self.table_addr(ins[1])
        self.pop_expect(addr)
        self.stack.append(table.elem)

    def op_table_set(self, ins) -> None:
        table, addr = self.table_addr(ins[1])
        self.pop_expect(table.elem)
        self.pop_expect(addr)

    def op_table_size(self, ins) -> None:
        self.stack.append(self.table_addr(ins[1])[1])

    def op_table_grow(self, ins) -> None:
        table, addr = self.table_addr(ins[1])
        self.pop_expect(addr)
        self.pop_expect(table.elem)
        self.stack.append(addr)

    def op_table_fill(self, ins) -> None:
        table, addr = self.table_addr(ins[1])
        self.pop_expect(addr)
        self.pop_expect(table.elem)
        self.pop_expect(addr)

    def op_table_copy(self, ins) -> None:
        dst, dst_addr = self.table_addr(ins[1])
        src, src_addr = self.table_addr(ins[2])
        if not matches(src.elem, dst.elem):
            raise ValidationError("type mismatch")
        self.pop_expect(I64 if dst.is64 and src.is64 else I32)
        self.pop_expect(src_addr)
        self.pop_expect(dst_addr)

    def op_table_init(self, ins) -> None:
        table, addr = self.table_addr(ins[2])
        elem = self.elem_type(ins[1])
        if not matches(elem, table.elem):
            raise ValidationError("type mismatch")
        self.pop_expect(I32)
        self.pop_expect(I32)
        self.pop_expect(addr)

    def op_elem_drop(self, ins) -> None:
        self.elem_type(ins[1])

    def op_ref_null(self, ins) -> None:
        self.stack.append(ins[1])

    def op_ref_is_null(self, ins) -> None:
        self.pop_ref()
        self.stack.append(I32)

    def op_ref_func(self, ins) -> None:
        self.module.func_index(ins[1])
        if ins[1] not in self.refs:
            raise ValidationError("undeclared function reference")
        self.stack.append(self.func_types[ins[1]])

    def op_ref_as_non_null(self, ins) -> None:
        t = self.pop_ref()
        self.stack.append(UNKNOWN if t == UNKNOWN else as_non_null(t))

    def op_br_on_null(self, ins) -> None:
        t = self.pop_ref()
        labels = self.label(ins[1])
        self.pop_vals(labels)
        self.stack.extend(labels)
        self.stack.append(UNKNOWN if t == UNKNOWN else as_non_null(t))

    def op_br_on_non_null(self, ins) -> None:
        labels = self.label(ins[1])
        if not labels or not is_ref(labels[-1]):
            raise ValidationError("type mismatch: br_on_non_null's label must take a reference last")
        self.pop_expect(as_nullable(labels[-1]))
        self.pop_vals(labels[:-1])
        self.stack.extend(labels[:-1])

    def ref_target(self, ins) -> tuple[list, list]:
        """Pop call_ref's or return_call_ref's reference: (ref null $t) for its type index."""
        sig = self.func_type(ins[1])
        self.pop_expect(concrete(self.type_ids[ins[1]], True))
        return sig

    def op_call_ref(self, ins) -> None:
        params, results = self.ref_target(ins)
        self.pop_vals(params)
        self.stack.extend(results)

    def op_return_call_ref(self, ins) -> None:
        if not self.features.tail_call:
            raise ValidationError("return_call_ref requires the tail-call feature")
        self.tail_call(*self.ref_target(ins))

    # ----- exceptions -----

    def tag_at(self, index: int) -> list:
        if index >= len(self.tags):
            raise ValidationError(f"unknown tag {index}")
        return self.tags[index]

    def op_throw(self, ins) -> None:
        params = self.tag_at(ins[1])
        try:
            self.pop_vals(params)
        except ValidationError:
            frame = self.frames[-1]
            have = " ".join(type_name(t) for t in self.stack[frame.height:])
            raise ValidationError(f"type mismatch: instruction requires [{' '.join(map(type_name, params))}] "
                                  f"but stack has [{have}]") from None
        self.set_unreachable()

    def op_throw_ref(self, ins) -> None:
        self.pop_expect(EXNREF)
        self.set_unreachable()

    def op_try_table(self, ins) -> None:
        for kind, tag, depth in ins[2]:
            sent = list(self.tag_at(tag)) if kind in (CATCH, CATCH_REF) else []
            if kind != CATCH and kind != CATCH_ALL:
                sent.append(exn_non_null())
            labels = self.label(depth)
            if len(labels) != len(sent) or not all(matches(a, b) for a, b in zip(sent, labels)):
                raise ValidationError("type mismatch in catch clause")
        self.op_block(ins)

    # Legacy exception handling: a `try` frame becomes a LEGACY_CATCH or
    # LEGACY_CATCH_ALL frame at each handler, as an `if` becomes an ELSE frame.

    def legacy_handler(self, op: int, values: list) -> None:
        """Close the current part of a `try` and start a handler that begins with ``values``."""
        frame = self.frames[-1]
        if frame.op != TRY and frame.op != LEGACY_CATCH:
            raise ValidationError(f"{op_name(op)} found outside of a `try` block")
        self.pop_frame()
        self.push_frame(op, values, frame.results)

    def op_legacy_catch(self, ins) -> None:
        self.legacy_handler(LEGACY_CATCH, self.tag_at(ins[1]))

    def op_legacy_catch_all(self, ins) -> None:
        self.legacy_handler(LEGACY_CATCH_ALL, [])

    def op_delegate(self, ins) -> None:
        if self.frames[-1].op != TRY:
            raise ValidationError("delegate found outside of a `try` block")
        frame = self.pop_frame()
        self.label(ins[1])  # counted from outside the try it closes
        self.stack.extend(frame.results)

    def op_rethrow(self, ins) -> None:
        self.label(ins[1])
        if self.frames[-1 - ins[1]].op not in (LEGACY_CATCH, LEGACY_CATCH_ALL):
            raise ValidationError("invalid rethrow label: not a catch block")
        self.set_unreachable()

    # ----- memories -----

    def memory_addr(self, index: int) -> tuple[MemSig, int]:
        mem = self.module.memory_at(index)
        return mem, I64 if mem.is64 else I32

    def data_segment(self, index: int) -> None:
        if self.data_count is None:
            raise ValidationError("data count section required")
        if index >= self.data_count:
            raise ValidationError(f"unknown data segment {index}")

    def op_memarg(self, ins) -> None:
        mem = self.module.memory_at(ins[1])
        natural, atomic, params32, params64, results, lanes = self.memops[ins[0]]
        align = ins[3]
        if atomic and align != natural:
            raise ValidationError("atomic alignment must be natural")
        if align > natural:
            raise ValidationError("alignment must not be larger than natural")
        if len(ins) > 4 and ins[4] >= lanes:
            raise ValidationError("invalid lane index")
        if mem.is64:
            params = params64
        elif ins[2] > 0xFFFF_FFFF:
            raise ValidationError("offset out of range")
        else:
            params = params32
        self.pop_vals(params)
        self.stack.extend(results)

    def op_lane(self, ins) -> None:
        count, params, results = self.lanes[ins[0]]
        lane = ins[1]
        if (max(lane) if isinstance(lane, tuple) else lane) >= count:
            raise ValidationError("invalid lane index")
        self.pop_vals(params)
        self.stack.extend(results)

    def op_memory_size(self, ins) -> None:
        self.stack.append(self.memory_addr(ins[1])[1])

    def op_memory_grow(self, ins) -> None:
        addr = self.memory_addr(ins[1])[1]
        self.pop_expect(addr)
        self.stack.append(addr)

    def op_memory_fill(self, ins) -> None:
        addr = self.memory_addr(ins[1])[1]
        self.pop_expect(addr)
        self.pop_expect(I32)
        self.pop_expect(addr)

    def op_memory_copy(self, ins) -> None:
        dst, dst_addr = self.memory_addr(ins[1])
        src, src_addr = self.memory_addr(ins[2])
        self.pop_expect(I64 if dst.is64 and src.is64 else I32)
        self.pop_expect(src_addr)
        self.pop_expect(dst_addr)

    def op_memory_init(self, ins) -> None:
        addr = self.memory_addr(ins[2])[1]
        self.data_segment(ins[1])
        self.pop_expect(I32)
        self.pop_expect(I32)
        self.pop_expect(addr)

    def op_data_drop(self, ins) -> None:
        self.data_segment(ins[1])


_HANDLERS = {
    UNREACHABLE: _BodyChecker.op_unreachable, BLOCK: _BodyChecker.op_block,
    LOOP: _BodyChecker.op_block, IF: _BodyChecker.op_if, ELSE: _BodyChecker.op_else,
    BR: _BodyChecker.op_br, BR_IF: _BodyChecker.op_br_if, BR_TABLE: _BodyChecker.op_br_table,
    RETURN: _BodyChecker.op_return, CALL: _BodyChecker.op_call,
    CALL_INDIRECT: _BodyChecker.op_call_indirect, RETURN_CALL: _BodyChecker.op_return_call,
    RETURN_CALL_INDIRECT: _BodyChecker.op_return_call_indirect,
    DROP: _BodyChecker.op_drop, SELECT: _BodyChecker.op_select,
    SELECT_T: _BodyChecker.op_select_t, GLOBAL_GET: _BodyChecker.op_global_get,
    GLOBAL_SET: _BodyChecker.op_global_set, LOCAL_GET: _BodyChecker.op_local_get,
    LOCAL_SET: _BodyChecker.op_local_set, LOCAL_TEE: _BodyChecker.op_local_tee, END: _BodyChecker.op_end,
    TABLE_GET: _BodyChecker.op_table_get,
    TABLE_SET: _BodyChecker.op_table_set, TABLE_SIZE: _BodyChecker.op_table_size,
    TABLE_GROW: _BodyChecker.op_table_grow, TABLE_FILL: _BodyChecker.op_table_fill,
    TABLE_COPY: _BodyChecker.op_table_copy, TABLE_INIT: _BodyChecker.op_table_init,
    ELEM_DROP: _BodyChecker.op_elem_drop, REF_NULL: _BodyChecker.op_ref_null,
    REF_IS_NULL: _BodyChecker.op_ref_is_null, REF_FUNC: _BodyChecker.op_ref_func,
    REF_AS_NON_NULL: _BodyChecker.op_ref_as_non_null, BR_ON_NULL: _BodyChecker.op_br_on_null,
    BR_ON_NON_NULL: _BodyChecker.op_br_on_non_null, CALL_REF: _BodyChecker.op_call_ref,
    RETURN_CALL_REF: _BodyChecker.op_return_call_ref, THROW: _BodyChecker.op_throw,
    THROW_REF: _BodyChecker.op_throw_ref, TRY_TABLE: _BodyChecker.op_try_table,
    TRY: _BodyChecker.op_block, LEGACY_CATCH: _BodyChecker.op_legacy_catch,
    LEGACY_CATCH_ALL: _BodyChecker.op_legacy_catch_all, DELEGATE: _BodyChecker.op_delegate,
    RETHROW: _BodyChecker.op_rethrow,
    MEMORY_SIZE: _BodyChecker.op_memory_size, MEMORY_GROW: _BodyChecker.op_memory_grow,
    MEMORY_FILL: _BodyChecker.op_memory_fill, MEMORY_COPY: _BodyChecker.op_memory_copy,
    MEMORY_INIT: _BodyChecker.op_memory_init, DATA_DROP: _BodyChecker.op_data_drop,
}
_HANDLERS.update(validate_gc.HANDLERS)
