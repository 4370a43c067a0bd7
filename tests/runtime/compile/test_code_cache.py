"""The code cache (Config.cache): what a second Module of the same bytes loads
instead of compiling, when it must compile anyway, and what it refuses."""

import linecache
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from wasmfuzz.runtime import Config, Engine, Instance, Module, Store, Trap, WasmtimeError
from wasmfuzz.runtime import module as module_py
from wasmfuzz.runtime.compile import code_cache
from wasmfuzz.runtime.compile.code_cache import MAGIC, VALIDATED, CodeCache
from wasmfuzz.runtime.compile.python import code_record
from wasmfuzz.runtime.compile.python.code_record import CompiledUnit
from wasmfuzz.runtime.compile.python.frames import LineMap

# A call chain ending in a load that faults, a NaN constant with a payload (a
# closure constant of the generated code) and a br_table (a frozenset constant).
WAT = '''(module $m (memory 1)
  (func $load (param i32) (result i32) (i32.load (local.get 0)))
  (func $twice (export "twice") (param i32) (result i32)
    (i32.add (call $load (local.get 0)) (call $load (local.get 0))))
  (func (export "nan") (result i64) (i64.reinterpret_f64 (f64.const nan:0x4321)))
  (func (export "pick") (param i32) (result i32)
    (block (block (block (br_table 0 1 2 (local.get 0))) (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30))
  (data (i32.const 8) "\\2a"))'''


@pytest.fixture
def cache_dir(tmp_path):
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    config = tmp_path / "cache.toml"
    config.write_text(f'[cache]\ndirectory = "{directory}"\n')
    return directory, str(config)


def engine(toml: str, **switches) -> Engine:
    config = Config()
    config.cache = toml
    for name, value in switches.items():
        setattr(config, name, value)
    return Engine(config)


def run_all(eng: Engine, **switches) -> tuple:
    """Every export's results, and the trap of an out-of-bounds call: its frames,
    message and the generated source lines its traceback shows."""
    store = Store(eng)
    if switches.get("consume_fuel"):
        store.set_fuel(10**6)
    if switches.get("epoch_interruption"):
        store.set_epoch_deadline(10**6)
    exports = Instance(store, Module(eng, WAT), []).exports(store)
    results = (exports["twice"](store, 8), exports["nan"](store), [exports["pick"](store, i) for i in range(4)])
    with pytest.raises(Trap) as caught:
        exports["twice"](store, 65535)
    trap = caught.value
    frames = [(f.func_index, f.func_name, f.module_name, f.func_offset, f.module_offset) for f in trap.frames]
    lines = [line for line in traceback.format_tb(trap.__traceback__) if "wasm://" in line]
    return results, frames, str(trap), [line.splitlines()[1:] for line in lines]


def record_file(directory: Path) -> Path:
    (path,) = [p for p in directory.rglob("*") if p.is_file()]
    return path


def test_second_module_compiles_nothing_and_behaves_the_same(cache_dir, compiles):
    directory, toml = cache_dir
    first = run_all(engine(toml))
    assert compiles[0] == 4
    second = run_all(engine(toml))
    assert compiles[0] == 4
    assert second == first
    assert first[0] == (84, 0x7FF0000000004321, [10, 20, 30, 30])
    assert [f[0] for f in first[1]] == [0, 1]
    assert all(source for source in first[3])  # the generated lines, shown from linecache
    assert first == run_all(Engine())  # as without the cache


def test_a_cached_module_is_not_validated_again_nor_its_bodies_decoded(cache_dir, monkeypatch):
    _, toml = cache_dir
    wat = WAT.replace("(data", '(table 1 funcref) (elem declare func $load) (func (drop (ref.func $twice))) (data')
    fresh = Module(Engine(), wat)._info
    Module(engine(toml), wat)
    validated = []
    real = module_py.validate
    monkeypatch.setattr(module_py, "validate", lambda info, features: validated.append(real(info, features)))
    module = Module(engine(toml), wat)
    assert validated == []
    assert module._info.declared_refs == fresh.declared_refs and 0 in fresh.declared_refs
    assert all(body._code is None for body in module._info.code)
    module._code.function(1)  # not compiled before: generated here, its body decoded for it
    assert module._info.code[1]._code is not None and module._info.code[0]._code is None
    assert module._info.code[1].code == fresh.code[1].code and module._info.code[1].offsets == fresh.code[1].offsets
    again = Module(engine(toml), wat)
    again._code.function(1)
    assert again._info.code[1]._code is None  # loaded from the cache, never decoded
    Module(engine(toml, wasm_threads=False), wat)  # other proposals: validated again
    assert len(validated) == 1


def test_loaded_code_is_filed_under_the_loading_module(cache_dir):
    _, toml = cache_dir
    modules = [Module(engine(toml), WAT) for _ in range(2)]
    for module in modules:
        Instance(Store(module.engine), module, [])
        module._code.function(1)
    first, second = (m._code.filenames for m in modules)
    assert set(first).isdisjoint(second)
    code = modules[1]._code.function(1).__code__
    assert code.co_filename == second[0] and linecache.getline(second[0], code.co_firstlineno)


@pytest.mark.parametrize("switches", [{"consume_fuel": True}, {"epoch_interruption": True},
                                      {"cranelift_nan_canonicalization": True}, {"table_lazy_init": False}])
def test_other_codegen_options_miss(cache_dir, compiles, switches):
    _, toml = cache_dir
    run_all(engine(toml))
    before = compiles[0]
    run_all(engine(toml, **switches), **switches)
    assert compiles[0] == before + 4


def test_other_layout_misses(cache_dir, compiles, monkeypatch):
    _, toml = cache_dir
    run_all(engine(toml))
    monkeypatch.setenv("WASMFUZZ_CODEGEN_LAYOUT", "flat")
    run_all(engine(toml))
    assert compiles[0] == 8


def test_other_runtime_version_misses(cache_dir, compiles, monkeypatch):
    _, toml = cache_dir
    run_all(engine(toml))
    monkeypatch.setattr(code_cache, "runtime_fingerprint", lambda: "wasmfuzz-9.9-cpython-399-0")
    run_all(engine(toml))
    assert compiles[0] == 8


def test_fingerprint_names_version_python_and_sources():
    fingerprint = code_cache.runtime_fingerprint()
    assert fingerprint.startswith("wasmfuzz-0.") and sys.implementation.cache_tag in fingerprint


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage"])
def test_corrupt_records_are_ignored_and_rewritten(cache_dir, compiles, damage):
    directory, toml = cache_dir
    expected = run_all(engine(toml))
    path = record_file(directory)
    data = bytearray(path.read_bytes())
    second = data.find(MAGIC, 1)
    if damage == "flip":  # a bit of the second record's payload
        data[second + 40] ^= 0x10
    elif damage == "truncate":  # a torn last record
        data = data[:-7]
    else:  # bytes that are no record before the first one
        data[0:0] = b"not a record"
    path.write_bytes(bytes(data))
    assert run_all(engine(toml)) == expected
    assert compiles[0] == (4 if damage == "garbage" else 5)
    records = CodeCache(directory).module(Module(Engine(), WAT)._wasm, Module(engine(toml), WAT)._code.options,
                                          "python")
    assert sorted(records.payloads) == [0, 1, 2, 3, VALIDATED]
    assert not path.read_bytes().startswith(b"not a record")
    assert run_all(engine(toml)) == expected and compiles[0] == (4 if damage == "garbage" else 5)


def test_a_record_from_another_module_is_not_trusted(cache_dir, compiles):
    directory, toml = cache_dir
    run_all(engine(toml))
    Module(engine(toml), '(module (func (export "f")))')._code.function(0)
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    small, big = sorted(files, key=lambda p: p.stat().st_size)
    big.write_bytes(small.read_bytes())  # a valid record, of another key
    before = compiles[0]
    run_all(engine(toml))
    assert compiles[0] == before + 4


def test_unmarshallable_constants_are_not_recorded():
    line_map = LineMap(None, 0, {}, 0, [0, 0])
    unit = CompiledUnit(compile("x = 1", "wasm://t", "exec"), "x = 1\n", (), {"_c": 1.5}, line_map)
    assert code_record.load(code_record.dump(unit), "wasm://u", None, {}).consts == {"_c": 1.5}
    assert code_record.dump(CompiledUnit(unit.code, unit.source, (), {"_c": object()}, line_map)) is None


def test_refile_renames_nested_code():
    code = code_record.refile(compile("def f():\n    def g(): pass\n", "old", "exec"), "new")
    nested = [c for c in code.co_consts if hasattr(c, "co_code")]
    assert code.co_filename == "new" and nested and all(c.co_filename == "new" for c in nested)
    assert all(g.co_filename == "new" for c in nested for g in c.co_consts if hasattr(g, "co_code"))


WRITER = '''
import sys
from wasmfuzz.runtime import Config, Engine, Module
config = Config()
config.cache = sys.argv[1]
engine = Engine(config)
module = Module(engine, sys.argv[2])
for j in range(int(sys.argv[3])):
    module._code.function(j)
'''


def test_processes_writing_at_once_leave_a_readable_cache(cache_dir, compiles):
    directory, toml = cache_dir
    n = 150
    wat = "(module " + " ".join(f"(func (result i32) (i32.add (i32.const {i}) (i32.const 1)))" for i in range(n)) + ")"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, toml, wat, str(n)]) for _ in range(3)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    module = Module(engine(toml), wat)
    assert sorted(module._code.cache.payloads) == [*range(n), VALIDATED]
    size = record_file(directory).stat().st_size
    for j in range(n):
        module._code.function(j)
    assert compiles[0] == 0 and record_file(directory).stat().st_size == size


def test_a_directory_others_can_write_is_refused(cache_dir):
    directory, toml = cache_dir
    for mode in (0o770, 0o707, 0o777):
        directory.chmod(mode)
        with pytest.raises(WasmtimeError, match="writable by other users"):
            Config().cache = toml
    directory.chmod(0o755)  # others may read: allowed, as for ~/.cache
    Config().cache = toml


def test_a_directory_of_another_user_is_refused(cache_dir, monkeypatch):
    _, toml = cache_dir
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    with pytest.raises(WasmtimeError, match="not owned by the current user"):
        Config().cache = toml


def test_cache_true_uses_the_xdg_cache_directory(tmp_path, monkeypatch, compiles):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    config = Config()
    config.cache = True
    run_all(Engine(config))
    assert (tmp_path / "xdg" / "wasmfuzz" / "modules").is_dir()
    assert (tmp_path / "xdg" / "wasmfuzz").stat().st_mode & 0o777 == 0o700
    config = Config()
    config.cache = True
    run_all(Engine(config))
    assert compiles[0] == 4


def test_a_config_without_directory_uses_the_default(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    toml = tmp_path / "c.toml"
    toml.write_text("[cache]\ncleanup-interval = \"1h\"\n")
    Config().cache = str(toml)
    assert (tmp_path / "xdg" / "wasmfuzz").is_dir()


@pytest.mark.parametrize("text, message", [
    ("[cache]\nenabled = true\n", "unknown field `enabled`"),
    ("x = 1\n", "unknown field `x`"),
    ("[cache]\ndirectory = \"relative\"\n", "has to be absolute"),
    ("[cache\n", "failed to parse config file"),
])
def test_bad_cache_configurations_are_refused_as_by_wasmtime(tmp_path, text, message):
    toml = tmp_path / "c.toml"
    toml.write_text(text)
    with pytest.raises(WasmtimeError, match=message):
        Config().cache = str(toml)


def test_cache_values_checked_as_by_wasmtime_py(tmp_path):
    with pytest.raises(WasmtimeError, match="cannot be explicitly disabled"):
        Config().cache = False
    with pytest.raises(TypeError):
        Config().cache = 1
    with pytest.raises(WasmtimeError, match="failed to read config file"):
        Config().cache = str(tmp_path / "missing.toml")
