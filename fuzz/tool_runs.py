"""``wasm-tools`` runs the generators make, remembered.

``wasm-tools smith``, ``mutate`` and ``validate`` are deterministic: the
same arguments and input give the same exit code and output. libFuzzer's
inputs repeat many of those runs (mutations that leave the bytes a
generator reads alone): in a 40-second differential campaign, 86% of the
validate runs and 84% of the mutate runs, and 9% of the smith runs, had
been made before. Each costs a process start of the 17 MB binary (4-5 ms,
most of a run), so the last ``KEPT`` distinct runs are kept in memory;
the others are forked from a loaded wasm-tools (``fork_server``) where
this machine can build one.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections import OrderedDict
from dataclasses import dataclass

from wasmfuzz.runtime.binary.wat import wasm_tools

from . import fork_server

KEPT = 512  # distinct runs; a kept output is a module of at most a few hundred KiB


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: bytes
    stderr: bytes


_kept: OrderedDict[tuple, Run] = OrderedDict()  # least recently used first


def run(args: list[str], data: bytes, timeout: float | None = None) -> Run:
    """``wasm-tools *args`` with ``data`` on its stdin, or what it gave the
    last time; subprocess.TimeoutExpired if it takes longer than ``timeout``
    (a run that timed out is not kept)."""
    key = (tuple(args), len(data), hashlib.blake2b(data, digest_size=16).digest())
    done = _kept.get(key)
    if done is not None:
        _kept.move_to_end(key)
        return done
    forked = fork_server.run(args, data, timeout)
    if forked is None:
        proc = subprocess.run([wasm_tools(), *args], input=data, capture_output=True, timeout=timeout)
        forked = proc.returncode, proc.stdout, proc.stderr
    done = _kept[key] = Run(*forked)
    if len(_kept) > KEPT:
        _kept.popitem(last=False)
    return done
