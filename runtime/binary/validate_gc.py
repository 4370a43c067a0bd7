"""Validation of GC: declared subtypes, and the struct, array, i31, cast and
conversion instructions (``validate``'s body checker calls these handlers).

A struct or array type index names a type of the module (its definition in
``ModuleInfo.types``, references resolved to canonical ids); operands and
results are the value types of ``reftypes``, so subtyping is ``matches``.
Packed fields (``i8``, ``i16``) are ``i32`` on the operand stack and are
read with ``get_s``/``get_u`` only.
"""

from __future__ import annotations

from ..errors import ValidationError
from .module_info import I8, I16, ArrayType, FieldType, FuncSig, StructType
from .opcodes import F32, F64, I32, I64, NAMES, V128
from .reftypes import (HT_ANY, HT_ARRAY, HT_EQ, HT_EXTERN, HT_I31, concrete, heap_of, is_defaultable,
                       is_nullable, is_ref, matches, ref_type, top_of)

_NUMERIC = frozenset({I32, I64, F32, F64, V128})  # what array.new_data / init_data may fill


def check_subtypes(info) -> None:
    """Every declared supertype is a type before this one, not final, and of
    a composite type this one's matches (function parameters contravariant,
    results covariant; a struct extends its supertype's fields; a field is
    covariant if immutable, invariant if mutable)."""
    for index, (sup, _final) in enumerate(info.type_supers):
        if sup is None:
            continue
        if sup >= index:
            raise ValidationError(f"unknown type {sup}")
        if info.type_supers[sup][1]:
            raise ValidationError("sub type cannot extend a final type")
        if not comp_matches(info.types[index], info.types[sup]):
            raise ValidationError("sub type does not match its supertype")


def comp_matches(sub, sup) -> bool:
    if isinstance(sub, FuncSig) and isinstance(sup, FuncSig):
        return (len(sub.params) == len(sup.params) and len(sub.results) == len(sup.results)
                and all(matches(b, a) for a, b in zip(sub.params, sup.params))
                and all(matches(a, b) for a, b in zip(sub.results, sup.results)))
    if isinstance(sub, StructType) and isinstance(sup, StructType):
        return len(sub.fields) >= len(sup.fields) and all(map(field_matches, sub.fields, sup.fields))
    if isinstance(sub, ArrayType) and isinstance(sup, ArrayType):
        return field_matches(sub.field, sup.field)
    return False


def field_matches(sub: FieldType, sup: FieldType) -> bool:
    if sub.mutable != sup.mutable:
        return False
    if sub.storage in (I8, I16) or sup.storage in (I8, I16):
        return sub.storage == sup.storage
    return matches(sub.storage, sup.storage) and (not sub.mutable or matches(sup.storage, sub.storage))


def field_value_ok(module, field: FieldType) -> None:
    if field.storage not in (I8, I16):
        module.check_value_type(field.storage)


# ----- type lookups -----

def _type(checker, index: int, kind: type):
    types = checker.module.info.types
    if index >= len(types):
        raise ValidationError(f"unknown type {index}")
    if not isinstance(types[index], kind):
        raise ValidationError(f"type mismatch: type {index} is not a {kind.__name__}")
    return types[index]


def _ref(checker, index: int, nullable: bool) -> int:
    return concrete(checker.module.info.type_ids[index], nullable)


def _field(checker, index: int, field: int) -> FieldType:
    fields = _type(checker, index, StructType).fields
    if field >= len(fields):
        raise ValidationError(f"unknown field {field}")
    return fields[field]


def _packed_get(field: FieldType, op_name: str) -> None:
    packed = field.storage in (I8, I16)
    if packed != op_name.endswith(("_s", "_u")):
        raise ValidationError("type mismatch: packed fields need get_s/get_u, others get")


def _mutable(field: FieldType, what: str = "array is immutable") -> None:
    """A write needs a mutable field (the 3.0 suite's messages: "immutable
    field" for a struct's, "array is immutable" for an array's elements)."""
    if not field.mutable:
        raise ValidationError(what)


# ----- structs -----

def op_struct_new(checker, ins) -> None:
    struct = _type(checker, ins[1], StructType)
    checker.pop_vals([f.unpacked for f in struct.fields])
    checker.stack.append(_ref(checker, ins[1], False))


def op_struct_new_default(checker, ins) -> None:
    struct = _type(checker, ins[1], StructType)
    if not all(is_defaultable(f.unpacked) for f in struct.fields):
        raise ValidationError("type mismatch: a field has no default value")
    checker.stack.append(_ref(checker, ins[1], False))


def op_struct_get(checker, ins) -> None:
    field = _field(checker, ins[1], ins[2])
    _packed_get(field, NAME_OF[ins[0]])
    checker.pop_expect(_ref(checker, ins[1], True))
    checker.stack.append(field.unpacked)


def op_struct_set(checker, ins) -> None:
    field = _field(checker, ins[1], ins[2])
    _mutable(field, "immutable field")
    checker.pop_expect(field.unpacked)
    checker.pop_expect(_ref(checker, ins[1], True))


# ----- arrays -----

def _array(checker, index: int) -> FieldType:
    return _type(checker, index, ArrayType).field


def op_array_new(checker, ins) -> None:
    field = _array(checker, ins[1])
    checker.pop_vals([field.unpacked, I32])
    checker.stack.append(_ref(checker, ins[1], False))


def op_array_new_default(checker, ins) -> None:
    field = _array(checker, ins[1])
    if not is_defaultable(field.unpacked):
        raise ValidationError("type mismatch: the element type has no default value")
    checker.pop_expect(I32)
    checker.stack.append(_ref(checker, ins[1], False))


def op_array_new_fixed(checker, ins) -> None:
    field = _array(checker, ins[1])
    checker.pop_vals([field.unpacked] * ins[2])
    checker.stack.append(_ref(checker, ins[1], False))


def _data_fill(checker, field: FieldType, data: int) -> None:
    if field.unpacked not in _NUMERIC:
        raise ValidationError("array type is not numeric or vector")
    checker.data_segment(data)


def _elem_fill(checker, field: FieldType, elem: int) -> None:
    if not matches(checker.elem_type(elem), field.unpacked):
        raise ValidationError("type mismatch: the element segment's type is not the array's")


def op_array_new_data(checker, ins) -> None:
    _data_fill(checker, _array(checker, ins[1]), ins[2])
    checker.pop_vals([I32, I32])
    checker.stack.append(_ref(checker, ins[1], False))


def op_array_new_elem(checker, ins) -> None:
    _elem_fill(checker, _array(checker, ins[1]), ins[2])
    checker.pop_vals([I32, I32])
    checker.stack.append(_ref(checker, ins[1], False))


def op_array_get(checker, ins) -> None:
    field = _array(checker, ins[1])
    _packed_get(field, NAME_OF[ins[0]])
    checker.pop_vals([_ref(checker, ins[1], True), I32])
    checker.stack.append(field.unpacked)


def op_array_set(checker, ins) -> None:
    field = _array(checker, ins[1])
    _mutable(field)
    checker.pop_vals([_ref(checker, ins[1], True), I32, field.unpacked])


def op_array_len(checker, ins) -> None:
    checker.pop_expect(ref_type(HT_ARRAY, True))
    checker.stack.append(I32)


def op_array_fill(checker, ins) -> None:
    field = _array(checker, ins[1])
    _mutable(field)
    checker.pop_vals([_ref(checker, ins[1], True), I32, field.unpacked, I32])


def op_array_copy(checker, ins) -> None:
    dst, src = _array(checker, ins[1]), _array(checker, ins[2])
    _mutable(dst)
    packed = dst.storage in (I8, I16) or src.storage in (I8, I16)
    if not (src.storage == dst.storage if packed else matches(src.storage, dst.storage)):
        raise ValidationError("array types do not match")
    checker.pop_vals([_ref(checker, ins[1], True), I32, _ref(checker, ins[2], True), I32, I32])


def op_array_init_data(checker, ins) -> None:
    field = _array(checker, ins[1])
    _mutable(field)
    _data_fill(checker, field, ins[2])
    checker.pop_vals([_ref(checker, ins[1], True), I32, I32, I32])


def op_array_init_elem(checker, ins) -> None:
    field = _array(checker, ins[1])
    _mutable(field)
    _elem_fill(checker, field, ins[2])
    checker.pop_vals([_ref(checker, ins[1], True), I32, I32, I32])


# ----- casts, i31, conversions -----

def _pop_same_hierarchy(checker, target: int) -> int:
    source = checker.pop_ref()
    if source and top_of(source) != top_of(target):
        raise ValidationError("type mismatch: a cast stays within its hierarchy")
    return source


def op_ref_test(checker, ins) -> None:
    _pop_same_hierarchy(checker, ins[1])
    checker.stack.append(I32)


def op_ref_cast(checker, ins) -> None:
    _pop_same_hierarchy(checker, ins[1])
    checker.stack.append(ins[1])


def _difference(source: int, target: int) -> int:
    """``source`` minus ``target``: nullable only if ``source`` is and ``target`` is not."""
    return ref_type(heap_of(source), is_nullable(source) and not is_nullable(target))


def op_br_on_cast(checker, ins) -> None:
    _, depth, source, target = ins
    if not matches(target, source):
        raise ValidationError("type mismatch: br_on_cast's target must be a subtype of its source")
    labels = checker.label(depth)
    if not labels or not is_ref(labels[-1]):
        raise ValidationError("type mismatch: the label must take a reference last")
    fail = NAME_OF[ins[0]] == "br_on_cast_fail"
    branch, stay = (_difference(source, target), target) if fail else (target, _difference(source, target))
    if not matches(branch, labels[-1]):
        raise ValidationError("type mismatch: the label's last type does not take the branch's reference")
    checker.pop_expect(source)
    checker.pop_vals(labels[:-1])
    checker.stack.extend(labels[:-1])
    checker.stack.append(stay)


def _convert(checker, from_heap: int, to_heap: int) -> None:
    t = checker.pop_expect(ref_type(from_heap, True))
    checker.stack.append(ref_type(to_heap, not t or is_nullable(t)))


def op_any_convert_extern(checker, ins) -> None:
    _convert(checker, HT_EXTERN, HT_ANY)


def op_extern_convert_any(checker, ins) -> None:
    _convert(checker, HT_ANY, HT_EXTERN)


def op_ref_i31(checker, ins) -> None:
    checker.pop_expect(I32)
    checker.stack.append(ref_type(HT_I31, False))


def op_i31_get(checker, ins) -> None:
    checker.pop_expect(ref_type(HT_I31, True))
    checker.stack.append(I32)


def op_ref_eq(checker, ins) -> None:
    checker.pop_vals([ref_type(HT_EQ, True)] * 2)
    checker.stack.append(I32)


class ConstChecker:
    """Enough of the body checker for the GC instructions of a constant
    expression: its operand stack, with no polymorphic bottom."""

    def __init__(self, module, stack: list):
        self.module = module
        self.stack = stack

    def pop_expect(self, t: int) -> int:
        if not self.stack or not matches(self.stack[-1], t):
            raise ValidationError("type mismatch")
        return self.stack.pop()

    def pop_vals(self, types: list) -> None:
        for t in reversed(types):
            self.pop_expect(t)


_BY_NAME = {
    "struct.new": op_struct_new, "struct.new_default": op_struct_new_default, "struct.get": op_struct_get,
    "struct.get_s": op_struct_get, "struct.get_u": op_struct_get, "struct.set": op_struct_set,
    "array.new": op_array_new, "array.new_default": op_array_new_default, "array.new_fixed": op_array_new_fixed,
    "array.new_data": op_array_new_data, "array.new_elem": op_array_new_elem, "array.get": op_array_get,
    "array.get_s": op_array_get, "array.get_u": op_array_get, "array.set": op_array_set, "array.len": op_array_len,
    "array.fill": op_array_fill, "array.copy": op_array_copy, "array.init_data": op_array_init_data,
    "array.init_elem": op_array_init_elem, "ref.test": op_ref_test, "ref.test_null": op_ref_test,
    "ref.cast": op_ref_cast, "ref.cast_null": op_ref_cast, "br_on_cast": op_br_on_cast,
    "br_on_cast_fail": op_br_on_cast, "any.convert_extern": op_any_convert_extern,
    "extern.convert_any": op_extern_convert_any, "ref.i31": op_ref_i31, "i31.get_s": op_i31_get,
    "i31.get_u": op_i31_get, "ref.eq": op_ref_eq,
}
HANDLERS = {NAMES[name]: handler for name, handler in _BY_NAME.items()}
NAME_OF = {NAMES[name]: name for name in _BY_NAME}
# The GC instructions allowed in constant expressions.
CONSTANT = frozenset(NAMES[n] for n in ("struct.new", "struct.new_default", "array.new", "array.new_default",
                                        "array.new_fixed", "ref.i31", "any.convert_extern", "extern.convert_any"))
