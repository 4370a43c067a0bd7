"""The generators' wasm-tools runs are remembered (fuzz.tool_runs)."""

from __future__ import annotations

import subprocess
from collections import OrderedDict

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
    monkeypatch.setattr(tool_runs, "_small", tool_runs._Kept(tool_runs.KEPT_BYTES))
    seed = bytes(range(200))
    first = tool_runs.run(["smith"], seed)
    again = tool_runs.run(["smith"], seed)
    other = tool_runs.run(["smith"], seed[::-1])
    assert first.returncode == 0 and first.stdout.startswith(b"\0asm")
    assert again == first and len(started) == 2  # the repeat started nothing
    assert other.stdout != first.stdout
    bad = tool_runs.run(["validate", "-"], b"\0asm\2\0\0\0")
    assert bad.returncode != 0 and bad.stderr


def test_only_the_last_runs_are_kept_within_the_byte_budget(monkeypatch):
    kept = tool_runs._Kept(1 << 20)
    monkeypatch.setattr(tool_runs, "_small", kept)
    runs = [tool_runs.run(["validate", "-"], b"\0asm\1\0\0\0" + bytes(n)) for n in range(3)]
    sizes = [tool_runs._size(key, run) for key, run in kept.runs.items()]
    assert len(sizes) == 3 and kept.held == sum(sizes)
    kept.budget = sum(sizes[1:])  # room for the last two
    tool_runs.run(["validate", "-"], b"\0asm\1\0\0\0" + bytes(3))
    assert list(kept.runs.values())[0] is runs[2] and len(kept.runs) == 2 and kept.held <= kept.budget


def test_large_outputs_are_kept_apart_and_push_out_no_small_run(monkeypatch):
    small, large = tool_runs._Kept(1 << 20), tool_runs._Kept(1 << 20)
    monkeypatch.setattr(tool_runs, "_small", small)
    monkeypatch.setattr(tool_runs, "_large", large)
    monkeypatch.setattr(tool_runs, "LARGE_OUTPUT", 100)
    tool_runs.run(["validate", "-"], b"\0asm\1\0\0\0")
    big = tool_runs.run(["smith"], bytes(range(200)))  # a module of more than LARGE_OUTPUT bytes
    assert len(big.stdout) >= 100 and list(large.runs.values()) == [big] and len(small.runs) == 1
    assert tool_runs.run(["smith"], bytes(range(200))) is big


def test_a_large_run_let_go_is_not_made_again_for_a_caller_that_would_throw_it_away(monkeypatch):
    monkeypatch.setattr(tool_runs, "_large", tool_runs._Kept(0))  # every large output let go at once
    monkeypatch.setattr(tool_runs, "_large_sizes", OrderedDict())
    monkeypatch.setattr(tool_runs, "LARGE_OUTPUT", 100)
    made = []
    real = tool_runs.fork_server.run
    monkeypatch.setattr(tool_runs.fork_server, "run", lambda *a: made.append(a) or real(*a))
    big = tool_runs.run(["smith"], bytes(range(200)))
    assert len(big.stdout) >= 100 and not tool_runs._large.runs and len(made) == 1
    assert tool_runs.run(["smith"], bytes(range(200)), max_output=len(big.stdout) - 1) is None and len(made) == 1
    fits = tool_runs.run(["smith"], bytes(range(200)), max_output=len(big.stdout))
    assert fits == big and len(made) == 2  # not over that limit: made again
    assert tool_runs.run(["smith"], bytes(range(200))) == big and len(made) == 3


def test_a_run_past_its_timeout_raises_and_is_not_kept(monkeypatch):
    monkeypatch.setattr(tool_runs, "_small", tool_runs._Kept(tool_runs.KEPT_BYTES))
    slow = b"(module (func " + b"i32.const 1 drop " * 300_000 + b"))"  # 0.2 s of parsing
    with pytest.raises(subprocess.TimeoutExpired):
        tool_runs.run(["parse", "-"], slow, timeout=0.02)
    assert not tool_runs._small.runs
