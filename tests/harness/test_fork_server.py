"""wasm-tools runs forked from a loaded wasm-tools (fuzz.fork_server) answer
as the executable started anew does, and fall back to it when they cannot."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from wasmfuzz.fuzz import fork_server, tool_runs
from wasmfuzz.runtime.binary.wat import wasm_tools

pytestmark = pytest.mark.skipif(fork_server.compiled_shim() is None,
                                reason="no fork server on this machine (not Linux, or no C compiler)")


@pytest.fixture
def own_server(monkeypatch):
    """A server of this test's own, closed after it."""
    monkeypatch.setattr(fork_server, "_server", None)
    monkeypatch.setattr(fork_server, "_unavailable", False)
    yield
    if fork_server._server is not None:
        fork_server._server.close()


def started(args: list[str], data: bytes) -> tuple[int, bytes, bytes]:
    proc = subprocess.run([wasm_tools(), *args], input=data, capture_output=True)
    return proc.returncode, proc.stdout, proc.stderr


def without_log_times(text: bytes) -> bytes:
    return re.sub(rb"^\[[^\]]*\]", b"", text, flags=re.M)


@pytest.mark.parametrize("args", [["smith"],
                                  ["smith", "--min-funcs", "3", "--max-funcs", "9", "--export-everything", "true"],
                                  ["smith", "--ensure-termination", "--fuel", "5", "--max-memories", "2"]])
def test_smith_makes_the_same_modules_forked(own_server, args):
    for n in range(8):
        seed = bytes((n * 37 + i * 11) % 256 for i in range(300 + 97 * n))
        forked = fork_server.run(args, seed)
        assert forked == started(args, seed)
        assert forked[1].startswith(b"\0asm")


def test_a_failing_run_gives_its_exit_code_and_message(own_server):
    code, out, err = fork_server.run(["validate", "-"], b"\0asm\2\0\0\0")
    expected = started(["validate", "-"], b"\0asm\2\0\0\0")
    assert code == expected[0] != 0 and out == b""
    assert without_log_times(err) == without_log_times(expected[2]) and b"unknown binary version" in err


def test_mutate_reads_and_writes_a_whole_module(own_server):
    module = started(["smith", "--min-funcs", "20"], bytes(range(256)) * 40)[1]
    args = ["mutate", "--seed=7", "--fuel=1000"]
    assert fork_server.run(args, module) == started(args, module)


def test_a_run_past_its_timeout_is_killed_and_the_server_goes_on(own_server):
    fork_server.run(["--version"], b"")  # the server is up: the timeout is the run's alone
    slow = b"(module (func " + b"i32.const 1 drop " * 300_000 + b"))"  # 0.2 s of parsing
    with pytest.raises(subprocess.TimeoutExpired):
        fork_server.run(["parse", "-"], slow, timeout=0.02)
    assert fork_server.run(["--version"], b"")[1].startswith(b"wasm-tools ")


def test_a_forked_python_process_starts_a_server_of_its_own(own_server):
    parent_server = (fork_server.run(["--version"], b""), fork_server._server)[1]
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's result travels through the pipe
        try:
            ok = fork_server.run(["--version"], b"")[1].startswith(b"wasm-tools ")
            ok = ok and fork_server._server is not parent_server
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    assert os.read(read, 1) == b"1"
    os.waitpid(child, 0)
    assert fork_server._server is parent_server and parent_server.proc.poll() is None
    assert fork_server.run(["--version"], b"")[1].startswith(b"wasm-tools ")


def test_a_server_that_dies_leaves_the_runs_to_the_executable(own_server, monkeypatch):
    fork_server.run(["--version"], b"")
    fork_server._server.proc.kill()
    fork_server._server.proc.wait()
    assert fork_server.run(["--version"], b"") is None
    assert fork_server._unavailable
    monkeypatch.setattr(tool_runs, "_small", tool_runs._Kept(tool_runs.KEPT_BYTES))
    assert tool_runs.run(["smith"], bytes(range(200))).stdout == started(["smith"], bytes(range(200)))[1]


def test_without_a_compiler_there_is_no_server(own_server, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(fork_server.sysconfig, "get_config_var", lambda name: "/nonexistent/cc")
    assert fork_server.compiled_shim() is None
    assert fork_server.run(["--version"], b"") is None


def test_the_files_of_a_server_whose_process_is_gone_are_removed(own_server, tmp_path, monkeypatch):
    monkeypatch.setattr(fork_server.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(fork_server.os, "access", lambda path, mode: False)  # no /dev/shm: the temp dir
    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / f"{fork_server.FILES_PREFIX}{gone.pid}-abc").mkdir()
    (tmp_path / f"{fork_server.FILES_PREFIX}{os.getpid()}-def").mkdir()
    fork_server.run(["--version"], b"")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert f"{fork_server.FILES_PREFIX}{gone.pid}-abc" not in left
    assert f"{fork_server.FILES_PREFIX}{os.getpid()}-def" in left
    assert os.path.dirname(fork_server._server.dir) == str(tmp_path)
