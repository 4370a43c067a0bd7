"""The generators' wasm-tools runs are remembered (fuzz.tool_runs)."""

from __future__ import annotations

import subprocess

import pytest
from wasmfuzz.fuzz import fork_server, tool_runs


def test_a_repeated_run_starts_no_process_and_gives_the_same_answer(monkeypatch):
    started = []

    def counting(run):
        def counted(*args, **kwargs):
            done = run(*args, **kwargs)
            if done is not None:  # None: no fork server, the executable is started instead
                started.append(args[0])
            return done
        return counted

    monkeypatch.setattr(subprocess, "run", counting(subprocess.run))  # without a fork server
    monkeypatch.setattr(fork_server, "run", counting(fork_server.run))  # with one
    monkeypatch.setattr(tool_runs, "_kept", type(tool_runs._kept)())
    seed = bytes(range(200))
    first = tool_runs.run(["smith"], seed)
    again = tool_runs.run(["smith"], seed)
    other = tool_runs.run(["smith"], seed[::-1])
    assert first.returncode == 0 and first.stdout.startswith(b"\0asm")
    assert again == first and len(started) == 2  # the repeat started nothing
    assert other.stdout != first.stdout
    bad = tool_runs.run(["validate", "-"], b"\0asm\2\0\0\0")
    assert bad.returncode != 0 and bad.stderr


def test_only_the_last_runs_are_kept(monkeypatch):
    monkeypatch.setattr(tool_runs, "KEPT", 2)
    monkeypatch.setattr(tool_runs, "_kept", type(tool_runs._kept)())
    for n in range(3):
        tool_runs.run(["validate", "-"], b"\0asm\1\0\0\0" + bytes(n))
    assert len(tool_runs._kept) == 2


def test_a_run_past_its_timeout_raises_and_is_not_kept(monkeypatch):
    monkeypatch.setattr(tool_runs, "_kept", type(tool_runs._kept)())
    slow = b"(module (func " + b"i32.const 1 drop " * 300_000 + b"))"  # 0.2 s of parsing
    with pytest.raises(subprocess.TimeoutExpired):
        tool_runs.run(["parse", "-"], slow, timeout=0.02)
    assert not tool_runs._kept
