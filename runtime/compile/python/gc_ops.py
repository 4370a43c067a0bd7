"""GC instructions in generated code (runtime side: ``vm/gc``).

Field and element reads are materialised at once (a later ``struct.set``
may change what a pending expression would read); the null and bounds
checks are inline tests, the bulk operations libcalls. A type a cast or an
allocation names is its canonical id, bound as ``_T<index>`` (ids are per
process, never literals in code the code cache keeps). Packed values are
stored masked (unsigned) and sign-extended by ``get_s``. The array
operations with an element count cost it in fuel, as Wasmtime charges a
bulk memory operation's length (``_COUNTED``).
"""

from __future__ import annotations

from ...binary import opcodes as op
from ...binary.module_info import I8, I16
from ...binary.reftypes import heap_of, is_nullable, is_ref, type_id_of

M32 = "0xFFFFFFFF"
_NULL, _ARRAY_BOUNDS = 13, 14  # TrapCode values


def _tid(em, index: int) -> str:
    return em.need(f"_T{index}")


def _owner(em) -> str:
    """The store context every object this function allocates belongs to."""
    em.prologue["CX"] = "vm.ctx"
    return "CX"


def _mask(storage: int, value: str) -> str:
    return f"({value} & 0xFF)" if storage == I8 else f"({value} & 0xFFFF)" if storage == I16 else value


def _sign(storage: int, value: str) -> str:
    bit = 0x80 if storage == I8 else 0x8000
    return f"((({value} ^ {bit}) - {bit}) & {M32})"


def _default(storage: int) -> str:
    return "0.0" if storage in (op.F32, op.F64) else "None" if is_ref(storage) else "0"


def _checked(em, ref: str) -> str:
    """Bind ``ref`` to ``_g``, trapping on null."""
    em.w(f"_g = {ref}")
    em.w(f"if _g is None: {em.need('_trap')}({_NULL})")
    return "_g"


def _test(em, libcall: str, ref: str, t: int) -> str:
    """``libcall`` (``_ref_test`` or ``_ref_cast``) of ``ref`` against reference
    type ``t``: a defined type by its id (``_T<index>``, through the ``_id``
    twin), an abstract one by its heap code."""
    type_id = type_id_of(t)
    if type_id is None:
        return f"{em.need(libcall)}({ref}, {heap_of(t)}, {is_nullable(t)})"
    return f"{em.need(libcall + '_id')}({ref}, {_tid(em, em.info.type_ids.index(type_id))}, {is_nullable(t)})"


def struct_new(em, ins):
    fields = em.info.types[ins[1]].fields
    values = [_mask(f.storage, v) for f, v in zip(fields, em.popn(len(fields)))]
    em.push_slot_value(f"{em.need('_GcStruct')}({_tid(em, ins[1])}, [{', '.join(values)}], {_owner(em)})")


def struct_new_default(em, ins):
    defaults = ", ".join(_default(f.storage) for f in em.info.types[ins[1]].fields)
    em.push_slot_value(f"{em.need('_GcStruct')}({_tid(em, ins[1])}, [{defaults}], {_owner(em)})")


def struct_get(em, ins):
    field = em.info.types[ins[1]].fields[ins[2]]
    s = _checked(em, em.pop()[0])
    value = f"{s}.fields[{ins[2]}]"
    em.push_slot_value(_sign(field.storage, value) if ins[0] == op.NAMES["struct.get_s"] else value)


def struct_set(em, ins):
    field = em.info.types[ins[1]].fields[ins[2]]
    value = em.pop()[0]
    em.w(f"_v = {value}")
    s = _checked(em, em.pop()[0])
    em.w(f"{s}.fields[{ins[2]}] = {_mask(field.storage, '_v')}")


def _elem(em, index: int):
    return em.info.types[index].field


def array_new(em, ins):
    n = em.pop()[0]
    value = em.pop()[0]
    storage = _elem(em, ins[1]).storage
    value = _mask(storage, value)
    em.push_slot_value(f"{em.need('_array_new')}({_tid(em, ins[1])}, {storage}, {value}, {n}, {_owner(em)})")


def array_new_default(em, ins):
    n = em.pop()[0]
    storage = _elem(em, ins[1]).storage
    default = _default(storage)
    em.push_slot_value(f"{em.need('_array_new')}({_tid(em, ins[1])}, {storage}, {default}, {n}, {_owner(em)})")


def array_new_fixed(em, ins):
    storage = _elem(em, ins[1]).storage
    values = [_mask(storage, v) for v in em.popn(ins[2])]
    em.push_slot_value(
        f"{em.need('_array_new_fixed')}({_tid(em, ins[1])}, {storage}, [{', '.join(values)}], {_owner(em)})")


def array_new_data(em, ins):
    offset, n = em.popn(2)
    storage = _elem(em, ins[1]).storage
    em.push_slot_value(f"{em.need('_array_new_data')}({_tid(em, ins[1])}, {storage}, vm, {ins[2]}, {offset}, {n})")


def array_new_elem(em, ins):
    offset, n = em.popn(2)
    em.push_slot_value(f"{em.need('_array_new_elem')}({_tid(em, ins[1])}, vm, {ins[2]}, {offset}, {n})")


def _index(em, a: str, index: str) -> str:
    em.w(f"_i = {index}")
    em.w(f"if _i >= len({a}.elems): {em.need('_trap')}({_ARRAY_BOUNDS})")
    return "_i"


def array_get(em, ins):
    ref, index = em.popn(2)
    em.w(f"_j = {index}")
    a = _checked(em, ref)
    i = _index(em, a, "_j")
    value = f"{a}.elems[{i}]"
    em.push_slot_value(_sign(_elem(em, ins[1]).storage, value) if ins[0] == op.NAMES["array.get_s"] else value)


def array_set(em, ins):
    ref, index, value = em.popn(3)
    em.w(f"_v, _j = {value}, {index}")
    a = _checked(em, ref)
    i = _index(em, a, "_j")
    em.w(f"{a}.elems[{i}] = {_mask(_elem(em, ins[1]).storage, '_v')}")


def array_len(em, ins):
    a = _checked(em, em.pop()[0])
    em.push_slot_value(f"len({a}.elems)")


def array_fill(em, ins):
    ref, offset, value, n = em.popn(4)
    value = _mask(_elem(em, ins[1]).storage, value)
    em.w(f"{em.need('_array_fill')}({ref}, {offset}, {value}, {n})")


def array_copy(em, ins):
    dst, d, src, s, n = em.popn(5)
    em.w(f"{em.need('_array_copy')}({dst}, {d}, {src}, {s}, {n})")


def array_init_data(em, ins):
    ref, d, s, n = em.popn(4)
    storage = _elem(em, ins[1]).storage
    em.w(f"{em.need('_array_init_data')}({ref}, {storage}, vm, {d}, {ins[2]}, {s}, {n})")


def array_init_elem(em, ins):
    ref, d, s, n = em.popn(4)
    em.w(f"{em.need('_array_init_elem')}({ref}, vm, {d}, {ins[2]}, {s}, {n})")


def ref_test(em, ins):
    em.push_slot_value(_test(em, "_ref_test", em.pop()[0], ins[1]))


def ref_cast(em, ins):
    em.push_slot_value(_test(em, "_ref_cast", em.pop()[0], ins[1]))


def br_on_cast(em, ins):
    _, depth, _source, target = ins
    em.settle()
    ref = em.st[-1]
    label = em.ctls[-1 - depth]
    n = label.arity if label.kind != "func" else label.nresults
    values = em.st[len(em.st) - n:]
    negate = "not " if ins[0] == op.NAMES["br_on_cast_fail"] else ""
    em.w(f"if {negate}{_test(em, '_ref_test', ref, target)}:")
    em.indent += 1
    em.jump(depth, values)
    em.indent -= 1


def any_convert_extern(em, ins):
    em.push_slot_value(f"{em.need('_any_convert_extern')}({em.pop()[0]})")


def extern_convert_any(em, ins):
    em.push_slot_value(f"{em.need('_extern_convert_any')}({em.pop()[0]})")


def ref_i31(em, ins):
    em.unop("({a} & 0x7FFFFFFF)")


def i31_get(em, ins):
    v = _checked(em, em.pop()[0])
    em.push_slot_value(f"((({v} ^ 0x40000000) - 0x40000000) & {M32})" if ins[0] == op.NAMES["i31.get_s"] else v)


def ref_eq(em, ins):
    em.binop("({a} == {b})")  # i31s are ints, equal by value; every other reference by identity


_BY_NAME = {
    "struct.new": struct_new, "struct.new_default": struct_new_default, "struct.get": struct_get,
    "struct.get_s": struct_get, "struct.get_u": struct_get, "struct.set": struct_set, "array.new": array_new,
    "array.new_default": array_new_default, "array.new_fixed": array_new_fixed, "array.new_data": array_new_data,
    "array.new_elem": array_new_elem, "array.get": array_get, "array.get_s": array_get, "array.get_u": array_get,
    "array.set": array_set, "array.len": array_len, "array.fill": array_fill, "array.copy": array_copy,
    "array.init_data": array_init_data, "array.init_elem": array_init_elem, "ref.test": ref_test,
    "ref.test_null": ref_test, "ref.cast": ref_cast, "ref.cast_null": ref_cast, "br_on_cast": br_on_cast,
    "br_on_cast_fail": br_on_cast, "any.convert_extern": any_convert_extern,
    "extern.convert_any": extern_convert_any, "ref.i31": ref_i31, "i31.get_s": i31_get, "i31.get_u": i31_get,
    "ref.eq": ref_eq,
}
# What Wasmtime charges like a bulk memory operation: their element count, the operand on top (codegen.bulk).
_COUNTED = ("array.new", "array.new_default", "array.new_data", "array.new_elem", "array.fill", "array.copy",
            "array.init_data", "array.init_elem")


def _counted(emit):
    def counted(em, ins):
        em.bulk(lambda: emit(em, ins))
    return counted


DISPATCH = {op.NAMES[name]: _counted(emit) if name in _COUNTED else emit for name, emit in _BY_NAME.items()}
