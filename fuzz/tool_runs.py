"""``wasm-tools`` runs the generators make, remembered.

``wasm-tools smith``, ``mutate`` and ``validate`` are deterministic: the
same arguments and input give the same exit code and output. libFuzzer's
inputs repeat many of those runs (mutations that leave the bytes a
generator reads alone): in a 40-second differential campaign, 86% of the
validate runs and 84% of the mutate runs, and 9% of the smith runs, had
been made before. Each costs a process start of the 17 MB binary (4-5 ms,
most of a run), so the last distinct runs are kept in memory, as many as
``KEPT_BYTES`` of outputs hold; the others are forked from a loaded
wasm-tools (``fork_server``) where this machine can build one.

The budgets are in bytes, not runs: a mutate campaign repeats runs from
far back (in a 90-second one, 1,731 of 4,139 runs started had been made
before, and had left a cache of the last 512 runs). Its outputs are
modules of a few KiB, but one in forty is a rewrite of megabytes (a data
segment grown: 55 ms a run), so those are kept apart, within a budget of
their own, where they cannot push out thousands of small runs. Of a large
run, its output's size is remembered even after the output is let go
(``LARGE_SIZES_KEPT`` of them): a caller that would throw a large output
away (``max_output``) is told so without the run being made again: replaying
a 90-second mutate campaign, 148 of the 339 large rewrites of small modules
were runs made before whose output the input would throw away (2.5% of the
replay's time).
"""

from __future__ import annotations

import hashlib
import subprocess
from collections import OrderedDict
from dataclasses import dataclass

from wasmfuzz.runtime.binary.wat import wasm_tools

from . import fork_server

KEPT_BYTES = 64 << 20  # of outputs (stdout and stderr) and arguments: small runs, and again large ones
LARGE_OUTPUT = 1 << 20  # bytes of stdout from which a run is kept among the large ones
LARGE_SIZES_KEPT = 4096  # the stdout lengths of that many large runs, by key, kept or not


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: bytes
    stderr: bytes


class _Kept:
    """Runs by key, least recently used first, within ``budget`` bytes (``_size``)."""

    def __init__(self, budget: int):
        self.budget, self.held = budget, 0
        self.runs: OrderedDict[tuple, Run] = OrderedDict()

    def get(self, key: tuple) -> Run | None:
        done = self.runs.get(key)
        if done is not None:
            self.runs.move_to_end(key)
        return done

    def put(self, key: tuple, done: Run) -> None:
        self.runs[key] = done
        self.held += _size(key, done)
        while self.held > self.budget and self.runs:
            self.held -= _size(*self.runs.popitem(last=False))


_small, _large = _Kept(KEPT_BYTES), _Kept(KEPT_BYTES)
_large_sizes: OrderedDict[tuple, int] = OrderedDict()


def run(args: list[str], data: bytes, timeout: float | None = None, max_output: int | None = None) -> Run | None:
    """``wasm-tools *args`` with ``data`` on its stdin, or what it gave the
    last time; subprocess.TimeoutExpired if it takes longer than ``timeout``
    (a run that timed out is not kept). With ``max_output``: None, without
    running it, if this run was made before and printed more than that."""
    key = (tuple(args), len(data), hashlib.blake2b(data, digest_size=16).digest())
    done = _small.get(key) or _large.get(key)
    if done is not None:
        return done
    if max_output is not None and _large_sizes.get(key, 0) > max_output:
        _large_sizes.move_to_end(key)
        return None
    forked = fork_server.run(args, data, timeout)
    if forked is None:
        proc = subprocess.run([wasm_tools(), *args], input=data, capture_output=True, timeout=timeout)
        forked = proc.returncode, proc.stdout, proc.stderr
    done = Run(*forked)
    if len(done.stdout) >= LARGE_OUTPUT:
        _large.put(key, done)
        _large_sizes[key] = len(done.stdout)
        if len(_large_sizes) > LARGE_SIZES_KEPT:
            _large_sizes.popitem(last=False)
    else:
        _small.put(key, done)
    return done


def _size(key: tuple, run: Run) -> int:
    """What a kept run counts against its budget: its outputs, its arguments and a little for the entry."""
    return len(run.stdout) + len(run.stderr) + sum(map(len, key[0])) + 256
