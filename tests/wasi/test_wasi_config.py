"""``WasiConfig``, ``Store.set_wasi`` and ``Linker.define_wasi`` behave as in wasmtime-py:
write-only settings, errors at configuration time for paths that cannot be
opened, a config consumed by the store it is given to, and the stdio choices
(inherit, files, custom callbacks, nothing). Each test runs on both runtimes.
"""

from __future__ import annotations

import pytest
import wasmfuzz.runtime
from wasi_wat import ARGS_ENV, exits, module

wasmtime = pytest.importorskip("wasmtime")
APIS = [pytest.param(wasmfuzz.runtime, id="wasmfuzz"), pytest.param(wasmtime, id="wasmtime")]

# Writes "out" to stdout and "err" to stderr, then echoes up to 64 bytes of stdin to stdout.
STDIO = module("""
  (data (i32.const 300) "out")
  (data (i32.const 310) "err")
  (func (export "_start")
    (drop (call $write (i32.const 1) (i32.const 300) (i32.const 3)))
    (drop (call $write (i32.const 2) (i32.const 310) (i32.const 3)))
    (i32.store (i32.const 32) (i32.const 512))
    (i32.store (i32.const 36) (i32.const 64))
    (drop (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
    (drop (call $write (i32.const 1) (i32.const 512) (i32.load (i32.const 40)))))
""")
# Returns fd_write's errno for a write of "x" to stdout.
WRITE_ERRNO = module("""
  (data (i32.const 300) "x")
  (func (export "_start") (result i32) (call $write (i32.const 1) (i32.const 300) (i32.const 1)))
""")


def start(api, wat: str, configure) -> object:
    """Run ``wat``'s _start in a store whose WasiConfig ``configure`` filled in."""
    store = api.Store()
    wasi = api.WasiConfig()
    configure(wasi)
    store.set_wasi(wasi)
    linker = api.Linker(store.engine)
    linker.define_wasi()
    exports = linker.instantiate(store, api.Module(store.engine, wat)).exports(store)
    return exports["_start"](store)


@pytest.mark.parametrize("api", APIS)
def test_settings_are_write_only(api):
    wasi = api.WasiConfig()
    wasi.argv = ["a"]
    wasi.env = [("k", "v")]
    for name in ("argv", "env", "stdin_file", "stdout_file", "stderr_file", "stdout_custom"):
        with pytest.raises(AttributeError):
            getattr(wasi, name)


@pytest.mark.parametrize("api", APIS)
def test_a_config_is_consumed_by_set_wasi(api):
    wasi = api.WasiConfig()
    api.Store().set_wasi(wasi)
    with pytest.raises(ValueError, match="already closed"):
        api.Store().set_wasi(wasi)
    with pytest.raises(ValueError, match="already closed"):
        wasi.argv = ["again"]


@pytest.mark.parametrize("api", APIS)
def test_paths_that_cannot_be_opened_fail_when_configured(api, tmp_path):
    wasi = api.WasiConfig()
    with pytest.raises(api.WasmtimeError, match="failed to add preopen dir"):
        wasi.preopen_dir(str(tmp_path / "missing"), "/x")
    with pytest.raises(api.WasmtimeError, match="failed to set stdin file"):
        wasi.stdin_file = str(tmp_path / "missing")
    with pytest.raises(api.WasmtimeError, match="failed to set stdout file"):
        wasi.stdout_file = str(tmp_path / "missing" / "out")
    with pytest.raises(api.WasmtimeError, match="failed to set stderr file"):
        wasi.stderr_file = str(tmp_path / "missing" / "err")


@pytest.mark.parametrize("api", APIS)
def test_bad_env_and_argv_values_are_python_errors(api):
    wasi = api.WasiConfig()
    with pytest.raises(ValueError):
        wasi.env = [("a", "b", "c")]
    with pytest.raises(AttributeError):
        wasi.argv = [1]


@pytest.mark.parametrize("api", APIS)
def test_stdio_to_and_from_files(api, tmp_path):
    (tmp_path / "in").write_bytes(b"from the input file")
    (tmp_path / "out").write_bytes(b"old contents, truncated when configured")

    def configure(wasi):
        wasi.stdin_file = str(tmp_path / "in")
        wasi.stdout_file = str(tmp_path / "out")
        wasi.stderr_file = str(tmp_path / "err")
    start(api, STDIO, configure)
    assert (tmp_path / "out").read_bytes() == b"outfrom the input file"
    assert (tmp_path / "err").read_bytes() == b"err"


@pytest.mark.parametrize("api", APIS)
def test_custom_outputs_get_the_bytes(api):
    seen = []

    def configure(wasi):
        wasi.stdout_custom = lambda data: seen.append(("out", data))
        wasi.stderr_custom = lambda data: seen.append(("err", data)) or len(data)
    start(api, STDIO, configure)
    assert seen == [("out", b"out"), ("err", b"err")]


@pytest.mark.parametrize("api", APIS)
def test_custom_output_comes_in_4k_pieces_offered_until_taken(api):
    writes = module("""
      (func (export "_start")
        (drop (call $write (i32.const 1) (i32.const 1024) (i32.const 10000)))
        (drop (call $write (i32.const 1) (i32.const 1024) (i32.const 250))))
    """)
    seen = []

    def take_at_most_100(data):
        seen.append(len(data))
        return min(100, len(data)) if len(data) <= 250 else None
    start(api, writes, lambda wasi: setattr(wasi, "stdout_custom", take_at_most_100))
    assert seen == [4096, 4096, 1808, 250, 150, 50]


@pytest.mark.parametrize("api", APIS)
def test_a_failing_custom_output_fails_the_write_with_eio(api, capsys):
    def fail(data):
        raise RuntimeError("no room")
    assert start(api, WRITE_ERRNO, lambda wasi: setattr(wasi, "stdout_custom", fail)) == 29
    assert "failed custom output, required to catch exception: no room" in capsys.readouterr().out


@pytest.mark.parametrize("api", APIS)
def test_by_default_stdin_is_empty_and_output_is_dropped(api, capfd):
    start(api, STDIO, lambda wasi: None)
    assert capfd.readouterr() == ("", "")


@pytest.mark.parametrize("api", APIS)
def test_inherited_stdio_is_this_process_own(api, capfd):
    def configure(wasi):
        wasi.inherit_stdout()
        wasi.inherit_stderr()
    start(api, STDIO, configure)
    assert capfd.readouterr() == ("out", "err")


@pytest.mark.parametrize("api", APIS)
def test_argv_and_env_are_passed_as_given(api, tmp_path):
    def configure(wasi):
        wasi.argv = ["prog", "h\u00e9llo", ""]
        wasi.env = [("A", "1"), ("A", "2"), ("EMPTY", "")]
        wasi.stdout_file = str(tmp_path / "out")
    start(api, ARGS_ENV, configure)
    assert (tmp_path / "out").read_bytes() == "prog\0h\u00e9llo\0\0A=1\0A=2\0EMPTY=\0".encode()


@pytest.mark.parametrize("api", APIS)
def test_inherit_env_and_argv_take_this_process_own(api, tmp_path, monkeypatch):
    monkeypatch.setenv("WASI_CONFIG_TEST", "inherited value")

    def configure(wasi):
        wasi.inherit_env()
        wasi.inherit_argv()
        wasi.stdout_file = str(tmp_path / "out")
    start(api, ARGS_ENV, configure)
    out = (tmp_path / "out").read_bytes()
    assert b"\0WASI_CONFIG_TEST=inherited value\0" in out
    assert b"pytest" in out.split(b"WASI_CONFIG_TEST")[0]  # an argument of this process


@pytest.mark.parametrize("api", APIS)
def test_proc_exit_raises_exit_trap_with_the_code(api):
    with pytest.raises(api.ExitTrap) as caught:
        start(api, exits(17), lambda wasi: None)
    assert caught.value.code == 17
    assert isinstance(caught.value, api.WasmtimeError)


@pytest.mark.parametrize("api", APIS)
def test_define_wasi_respects_shadowing(api):
    linker = api.Linker(api.Engine())
    linker.define_wasi()
    with pytest.raises(api.WasmtimeError):
        linker.define_wasi()
    linker.allow_shadowing = True
    linker.define_wasi()


def test_wasi_config_is_exported_like_wasmtime_py():
    assert "WasiConfig" in wasmfuzz.runtime.__all__
    assert wasmfuzz.runtime.WasiConfig is wasmfuzz.runtime.wasi.WasiConfig
