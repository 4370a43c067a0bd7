"""mutate: modules of real C programs rewritten by wasm-mutate, on wasmfuzz and on real Wasmtime.

The seeds are C programs built with clang (``fuzz.seeds``): a shadow
stack under ``__stack_pointer``, data above 1 MiB, a function table,
``br_table`` switches, 64-bit and float arithmetic, bulk memory. The input
picks a seed, ``wasm-tools mutate``'s own seed and how many mutations to
apply in a row (Wasmtime fuzzes with wasm-mutate the same way: shapes
smith would not draw, bent a little). The result is compared as the
differential target compares (its pairs, swarm and call plan).

In ``PRESERVE_PERCENT`` of inputs only semantics-preserving mutations are
applied (``--preserve-semantics``), and the case also checks the rewrite
against the seed on wasmfuzz (``oracles.semantics``): every call must give
what the unmutated program gives. Other mutations may make a loop endless,
so those inputs always meter fuel. Preserved ones, whose seeds end by
themselves, run without fuel, as the semantics check does, so both checks
share one compilation of the rewrite (compilation is most of an execution's
cost); fuel off against ample fuel is one of their swarm's pairs.

wasm-mutate picks one mutator per run and gives up when it does not apply
(exit 3) or runs out of its own fuel (exit 4); it also knows nothing of
which proposals the case's configuration enables and adds SIMD at times,
so a rewrite that Wasmtime's validator refuses under that configuration
counts as not applied (in process: 0.3 ms a rewrite, where a ``wasm-tools
validate --features`` run of wasmfuzz's features took 4 ms, and the two
agreed on 1,198 of 1,198 rewrites). Then the next seed is tried, up to
``ATTEMPTS`` runs of at most ``MUTATE_TIMEOUT`` seconds, after which the
input makes no case.
Without clang the seeds are wasm-smith modules (said once on stderr).
"""

from __future__ import annotations

import functools
import subprocess
import sys

import wasmtime

from wasmfuzz.oracles.execution import Engines
from wasmfuzz.oracles.pairs import FUEL_ON_VS_OFF, PAIRS, WASMTIME, swarm
from wasmfuzz.oracles.semantics import PAIR as SEMANTICS
from wasmfuzz.oracles.spec import ExecutionSpec

from .. import seeds, smith, toggles, tool_runs
from ..case import TestCase
from ..source import Source, boolean, choice
from ..toggles import FUEL_BUDGETS
from .differential import ALWAYS, OTHERS_SHARE

PRESERVE_PERCENT = 40
MAX_MUTATIONS = 3  # applied one after another
ATTEMPTS = 10  # runs of wasm-tools mutate per input, failed ones included
MUTATE_TIMEOUT = 2.0  # seconds per run; a run usually takes 10 ms
MUTATE_FUEL = 1000  # wasm-mutate's own budget per run, as in its libFuzzer example
# Of metered inputs, those given a budget no seed exhausts (no call of a seed took over 113 000 in 60 runs
# of every export with edge arguments: sort-O0), about twice the most; the others draw from
# toggles.FUEL_BUDGETS, to run out at interesting points. A rewrite whose loop no longer ends spends the
# whole budget in each of its executions: with 400 000 to 1 000 000 such inputs were a tenth of the
# target's time.
AMPLE_FUEL_PERCENT = 80
AMPLE_FUEL = (250_000, 500_000)
# wasm-mutate's data mutators can grow a segment to megabytes: a rewrite that big (2% of inputs that took
# a seventh of the time, 63 ms each against a median of 8) is kept in LARGE_PERCENT of inputs, and in the
# others counts as a mutation that did not apply.
LARGE_REWRITE = 1 << 20
LARGE_PERCENT = 10


class MutateFailed(smith.SmithFailed):
    """wasm-tools mutate made no module for this input (no case, as when smith declines)."""


def generate(src: Source) -> TestCase:
    preserve = boolean(src, PRESERVE_PERCENT)
    spec = toggles.draw_spec(src, fuel_percent=0, proposal_percent=0)
    if not preserve:
        ample = boolean(src, AMPLE_FUEL_PERCENT)
        spec = spec.with_(fuel=src.int_in(*(AMPLE_FUEL if ample else choice(src, FUEL_BUDGETS))))
    count = src.int_in(1, MAX_MUTATIONS)
    mutate_seed = int.from_bytes(src.bytes(4), "little")
    invocations = src.int_in(1, 3)
    args = src.bytes(64)
    c_seeds = _c_seeds()
    original = choice(src, c_seeds) if c_seeds else smith.module(src, spec)
    large = boolean(src, LARGE_PERCENT)
    wasm = mutate(original, mutate_seed, count, preserve, spec.features, large)
    others = [p for p in PAIRS.values() if p not in ALWAYS and (preserve or p is not FUEL_ON_VS_OFF)]
    checks = swarm(args, ALWAYS, others, OTHERS_SHARE) + ((SEMANTICS.name,) if preserve else ())
    # Neither clang nor wasm-mutate canonicalises NaNs: a difference only NaN bits explain is checked again
    # with canonicalisation on both engines (TestCase.check). The seeds store no NaN; a mutation may.
    return TestCase(wasm, spec, checks, args, invocations, original if preserve else b"", nans_canonical=False)


def mutate(wasm: bytes, seed: int, count: int, preserve: bool, proposals: frozenset[str],
           large: bool = False) -> bytes:
    """``count`` mutations of ``wasm`` in a row, from ``seed`` on (a seed whose
    mutator does not apply, changes nothing, makes a module not valid with
    ``proposals`` on, as ``ExecutionSpec.features`` names them, or, unless
    ``large``, one over ``LARGE_REWRITE`` bytes, is followed by the next);
    MutateFailed when ``ATTEMPTS`` runs were not enough, a run took too long or failed."""
    options = [f"--fuel={MUTATE_FUEL}", *(["--preserve-semantics"] if preserve else [])]
    start, done = wasm, 0
    limit = None if large else LARGE_REWRITE  # bytes of a rewrite this input keeps
    for attempt in range(ATTEMPTS):
        if done == count:
            break
        try:
            proc = tool_runs.run(["mutate", f"--seed={seed + attempt}", *options], wasm, MUTATE_TIMEOUT, limit)
        except subprocess.TimeoutExpired:
            raise MutateFailed(f"wasm-tools mutate took over {MUTATE_TIMEOUT}s") from None
        if proc is None:  # made before, and over the limit: not applied, as below
            continue
        if proc.returncode == 0:
            fits = limit is None or len(proc.stdout) <= limit
            if proc.stdout != wasm and fits and _valid(proc.stdout, proposals):  # unchanged (it happens): not applied
                wasm, done = proc.stdout, done + 1
        elif proc.returncode not in (3, 4):  # 3: the mutator chosen does not apply; 4: out of fuel
            raise MutateFailed(f"wasm-tools mutate exit {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    if done < count or wasm == start:
        raise MutateFailed(f"{done} of {count} mutations applied in {ATTEMPTS} runs" if done < count
                           else "the mutations cancelled out")
    return wasm


def _valid(wasm: bytes, proposals: frozenset[str]) -> bool:
    try:
        wasmtime.Module.validate(_validator(proposals), wasm)
    except wasmtime.WasmtimeError:
        return False
    return True


@functools.cache
def _validator(proposals: frozenset[str]) -> wasmtime.Engine:
    """The Wasmtime Engine a case with ``proposals`` on compares against (its
    configuration is that of the case's runs, so are the proposals it accepts)."""
    return Engines().engine(WASMTIME.reference(ExecutionSpec(features=proposals)))


@functools.cache
def _c_seeds() -> tuple[bytes, ...]:
    """The C seeds' modules; none (said once on stderr) when they cannot be built here."""
    try:
        return tuple(wasm for _, wasm in seeds.build_all())
    except seeds.ToolchainMissing as e:
        print(f"wasmfuzz mutate: no C seeds ({e}); mutating wasm-smith modules instead", file=sys.stderr)
        return ()


if __name__ == "__main__":
    from . import fuzz_main
    fuzz_main("mutate")
