"""Execution speed of wasmfuzz against wasmtime-py and pywasm, side by side.

Why this exists: wasmfuzz compiles Wasm to Python so that fuzz campaigns run
many more executions a second than a pure-Python interpreter allows. The
project's target is a geometric mean of at least 25 times pywasm's speed over
the workloads below; wasmtime (native code) shows how far off the ceiling is.
The machines here are noisy, so every engine is measured in the same run,
with repeats interleaved between engines, and the figures that matter are the
ratios.

    python benches/execution.py [--quick | --smoke] [--engines wasmfuzz,wasmtime,pywasm] [--json OUT]

How the figures are made:

- Workloads are WAT files in ``benches/workloads``; each exports
  ``run(n: i32) -> i64 | f64`` where ``n`` sets the amount of work. Each
  stresses one thing: recursive calls, an i64 loop, memory loads and stores,
  ``call_indirect``, f64 arithmetic. The geomean is over these five.
- SIMD pays for itself or not: ``mix_scalar`` and ``mix_simd`` do the same
  work (equal results at equal ``n``), one i32 lane at a time and with v128
  operations; the summary gives scalar time / vector time per engine (above 1:
  vectors are faster). pywasm has no SIMD and runs the scalar one only.
- GC: ``binary_trees`` allocates binary trees of structs and walks them, every
  tree garbage once counted (so Python's collector's work is in the figure);
  pywasm has no GC, so it is outside the geomean and the summary gives
  wasmtime/wasmfuzz only.
- Work is counted in Wasm instructions, measured once per workload and size by
  wasmtime's fuel, which costs 0 for nop, drop, block, loop, end, else, return
  and unreachable and 1 for every other instruction. "instructions" below means
  these fuel units; every engine running a size is credited the same count.
- pywasm is over a hundred times slower than wasmfuzz, so each engine runs at
  the size of its speed tier, chosen for roughly one second a run on an idle
  machine (wasmtime shares wasmfuzz's sizes and takes milliseconds).
- Every run's result must equal wasmtime's at the same size: a wrong answer
  replaces the engine's figure with an error and the script exits with 1.
- Only the call of ``run`` is timed (``time.perf_counter``); best and median of
  the repeats are kept. Compiling, instantiating and one warm-up call at the
  smoke size (which also catches lazy compilation) are timed apart as "setup".
- An engine that cannot be imported, such as a wasmfuzz runtime not written
  yet, is reported as skipped and the others still run.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import math
import platform
import statistics
import struct
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable, TypeVar

import wasmtime

BENCHES = Path(__file__).resolve().parent
WORKLOAD_DIR = BENCHES / "workloads"
ENGINE_NAMES = ("wasmfuzz", "wasmtime", "pywasm")
REPEATS = {"full": 5, "quick": 2, "smoke": 1}
PYWASM_TARGET = 25.0  # the project's goal for the wasmfuzz/pywasm geomean
FUEL = 1 << 62  # more than any workload here consumes
MASK64 = (1 << 64) - 1

Run = Callable[[int], object]
T = TypeVar("T")


@dataclass(frozen=True)
class Workload:
    """One WAT program and its sizes: ``fast`` for wasmfuzz and wasmtime,
    ``slow`` for pywasm, ``smoke`` for warm-up and the test suite."""

    name: str
    exercises: str
    fast: int
    slow: int
    smoke: int
    simd: bool = False  # needs v128: engines without SIMD skip it
    gc: bool = False  # needs GC: engines without it skip it

    def wasm(self) -> bytes:
        return wasmtime.wat2wasm((WORKLOAD_DIR / f"{self.name}.wat").read_text())

    def size(self, tier: str) -> int:
        return getattr(self, tier)


WORKLOADS = (
    Workload("fib", "recursive calls", fast=31, slow=21, smoke=10),
    Workload("xorshift", "i64 loop", fast=2_000_000, slow=15_000, smoke=200),
    Workload("sieve", "memory loads/stores", fast=2_000_000, slow=12_000, smoke=300),
    Workload("dispatch", "call_indirect", fast=1_600_000, slow=20_000, smoke=200),
    Workload("mandelbrot", "f64 math", fast=500, slow=28, smoke=6),
)
SIMD_PAIR = (
    Workload("mix_scalar", "i32 lanes one at a time", fast=1000, slow=6, smoke=2),
    Workload("mix_simd", "the same work in v128", fast=1000, slow=6, smoke=2, simd=True),
)
GC_WORKLOADS = (Workload("binary_trees", "GC structs: allocate and walk", fast=14, slow=4, smoke=4, gc=True),)


@dataclass(frozen=True)
class Engine:
    """A way to instantiate a workload module and get its ``run`` export."""

    name: str
    version: str
    tier: str
    load: Callable[[bytes], Run]
    simd: bool = True
    gc: bool = True


def wasmtime_api_loader(api) -> Callable[[bytes], Run]:
    """Loader for any module with wasmtime-py's API: wasmtime and wasmfuzz."""

    def load(wasm: bytes) -> Run:
        engine = api.Engine()
        store = api.Store(engine)
        instance = api.Instance(store, api.Module(engine, wasm), [])
        run = instance.exports(store)["run"]
        return lambda n: run(store, n)

    return load


def git_commit() -> str:
    """The checkout's commit, so figures can be traced to the code measured."""
    done = subprocess.run(["git", "-C", str(BENCHES), "describe", "--always", "--dirty"],
                          capture_output=True, text=True)
    return done.stdout.strip() or "unknown commit"


def wasmfuzz_engine() -> Engine:
    # Benchmark the checkout this script lives in, installed or not.
    sys.path.insert(0, str(BENCHES.parent))
    import wasmfuzz.runtime as api

    import wasmfuzz

    missing = [n for n in ("Engine", "Store", "Module", "Instance") if not hasattr(api, n)]
    if missing:
        raise ImportError(f"wasmfuzz.runtime has no {', '.join(missing)} yet")
    return Engine("wasmfuzz", f"{wasmfuzz.__version__} ({git_commit()})", "fast", wasmtime_api_loader(api))


def wasmtime_engine() -> Engine:
    return Engine("wasmtime", metadata.version("wasmtime"), "fast", wasmtime_api_loader(wasmtime))


def pywasm_engine() -> Engine:
    import pywasm

    def load(wasm: bytes) -> Run:
        runtime = pywasm.core.Runtime()
        instance = runtime.instance(pywasm.core.ModuleDesc.from_reader(io.BytesIO(wasm)))
        return lambda n: runtime.invocate(instance, "run", [n])[0]

    return Engine("pywasm", metadata.version("pywasm"), "slow", load, simd=False, gc=False)


ENGINE_FACTORIES = {"wasmfuzz": wasmfuzz_engine, "wasmtime": wasmtime_engine, "pywasm": pywasm_engine}


def available_engines(names: list[str]) -> tuple[list[Engine], dict[str, str]]:
    """The engines that import, and for the others why they are skipped."""
    engines, skipped = [], {}
    for name in names:
        try:
            engines.append(ENGINE_FACTORIES[name]())
        # A runtime under development may fail to import in any way; that
        # must skip one engine, not lose the other engines' figures.
        except Exception as exc:
            skipped[name] = f"{type(exc).__name__}: {exc}"
    return engines, skipped


@dataclass(frozen=True)
class Reference:
    """What wasmtime computes for ``run(n)`` and how much fuel that takes."""

    result: object
    instructions: int


def reference(wasm: bytes, n: int) -> Reference:
    config = wasmtime.Config()
    config.consume_fuel = True
    engine = wasmtime.Engine(config)
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, wasm), [])
    store.set_fuel(FUEL)
    result = instance.exports(store)["run"](store, n)
    return Reference(result, FUEL - store.get_fuel())


def same_result(got: object, expected: object) -> bool:
    """Floats compare bit for bit; integers modulo 2**64, since engines may
    return i64 results signed or unsigned."""
    if isinstance(expected, float):
        return isinstance(got, float) and struct.pack("<d", got) == struct.pack("<d", expected)
    return isinstance(got, int) and got & MASK64 == expected & MASK64


class WrongResult(Exception):
    pass


@dataclass
class Measurement:
    """One engine on one workload: times in seconds, or the error that stopped it."""

    workload: str
    engine: str
    size: int
    instructions: int
    setup: float | None = None
    times: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def best(self) -> float:
        return min(self.times)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def mips(self) -> float | None:
        """Million instructions a second over the best run, if it ran cleanly."""
        if self.error or not self.times:
            return None
        return self.instructions / self.best / 1e6


def checked_call(run: Run, n: int, expected: Reference, what: str) -> float:
    """Time one ``run(n)``; raise WrongResult if it disagrees with wasmtime."""
    gc.collect()
    start = time.perf_counter()
    got = run(n)
    elapsed = time.perf_counter() - start
    if not same_result(got, expected.result):
        raise WrongResult(f"{what}({n}) returned {got!r}, wasmtime returned {expected.result!r}")
    return elapsed


def attempt(m: Measurement, step: Callable[[], T]) -> T | None:
    """Do one step of measuring an engine. Whatever the engine raises (a trap,
    a missing feature, a wrong result) is its failure on this workload: it
    becomes the measurement's error instead of stopping the benchmark."""
    try:
        return step()
    except Exception as exc:
        m.error = f"{type(exc).__name__}: {exc}"
        return None


def load_and_warm_up(engine: Engine, wasm: bytes, n: int, expected: Reference, what: str) -> tuple[Run, float]:
    """Compile, instantiate and make one checked ``run(n)``; return the run
    function and the time all that took."""
    start = time.perf_counter()
    run = engine.load(wasm)
    checked_call(run, n, expected, what)
    return run, time.perf_counter() - start


def bench_workload(workload: Workload, engines: list[Engine], mode: str) -> list[Measurement]:
    """Measure every engine on one workload, interleaving their repeats so a
    slow patch of the machine hits all engines alike."""
    wasm = workload.wasm()
    engines = [e for e in engines if (e.simd or not workload.simd) and (e.gc or not workload.gc)]
    sizes = {e.name: workload.size("smoke" if mode == "smoke" else e.tier) for e in engines}
    refs = {n: reference(wasm, n) for n in {workload.smoke, *sizes.values()}}
    measurements, runs = [], {}
    for engine in engines:
        n = sizes[engine.name]
        m = Measurement(workload.name, engine.name, n, refs[n].instructions)
        measurements.append(m)
        what = f"{engine.name} {workload.name}"
        loaded = attempt(m, lambda: load_and_warm_up(engine, wasm, workload.smoke, refs[workload.smoke], what))
        if loaded:
            runs[engine.name], m.setup = loaded
    for _ in range(REPEATS[mode]):
        for m in measurements:
            if m.error:
                continue
            what = f"{m.engine} {m.workload}"
            elapsed = attempt(m, lambda: checked_call(runs[m.engine], m.size, refs[m.size], what))
            if elapsed is not None:
                m.times.append(elapsed)
    return measurements


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    return numerator / denominator if numerator and denominator else None


def geomean(values: list[float]) -> float | None:
    return math.exp(statistics.fmean(map(math.log, values))) if values else None


def fmt(value: float | None, width: int, suffix: str = "") -> str:
    text = "-" if value is None else f"{value:.{1 if suffix else 2}f}{suffix}"
    return f"{text:>{width}}"


def print_details(measurements: list[Measurement]) -> None:
    print(f"{'workload':<11} {'engine':<9} {'size':>8} {'instructions':>13} "
          f"{'best s':>8} {'median s':>9} {'M instr/s':>10} {'setup ms':>9}")
    for m in measurements:
        head = f"{m.workload:<11} {m.engine:<9} {m.size:>8} {m.instructions:>13,}"
        if m.error:
            print(f"{head}  ERROR: {m.error}")
        else:
            print(f"{head} {m.best:>8.3f} {m.median:>9.3f} {m.mips:>10.2f} {m.setup * 1e3:>9.1f}")


def summarise(measurements: list[Measurement], engines: list[str]) -> dict:
    """Per workload M instr/s for each engine and the two ratios; the geomean
    of wasmfuzz/pywasm over the workloads where both ran."""
    rows = {}
    for workload in WORKLOADS + GC_WORKLOADS:
        mips = {m.engine: m.mips for m in measurements if m.workload == workload.name}
        rows[workload.name] = {
            "exercises": workload.exercises,
            "mips": {e: mips.get(e) for e in engines},
            "wasmfuzz/pywasm": ratio(mips.get("wasmfuzz"), mips.get("pywasm")),
            "wasmtime/wasmfuzz": ratio(mips.get("wasmtime"), mips.get("wasmfuzz")),
        }
    speedups = [r["wasmfuzz/pywasm"] for r in rows.values() if r["wasmfuzz/pywasm"]]
    scalar, vector = (w.name for w in SIMD_PAIR)
    best = {(m.workload, m.engine): m.best for m in measurements if not m.error and m.times}
    simd = {e: ratio(best.get((scalar, e)), best.get((vector, e))) for e in engines}
    return {"workloads": rows, "geomean wasmfuzz/pywasm": geomean(speedups), "simd scalar/vector time": simd}


def print_summary(summary: dict, engines: list[str]) -> None:
    print(f"{'M instr/s':<11}" + "".join(f"{e:>10}" for e in engines)
          + f"{'wasmfuzz/pywasm':>17}{'wasmtime/wasmfuzz':>19}  exercises")
    for workload, row in summary["workloads"].items():
        print(f"{workload:<11}" + "".join(fmt(row["mips"][e], 10) for e in engines)
              + fmt(row["wasmfuzz/pywasm"], 17, "x") + fmt(row["wasmtime/wasmfuzz"], 19, "x")
              + f"  {row['exercises']}")
    simd = summary["simd scalar/vector time"]
    print("SIMD, the same work: scalar time / v128 time" + "".join(
        f"  {e} {fmt(simd[e], 0, 'x').strip()}" for e in engines if simd.get(e)))
    mean = summary["geomean wasmfuzz/pywasm"]
    if mean is None:
        print("geomean wasmfuzz/pywasm: - (needs both engines)")
    else:
        verdict = "met" if mean >= PYWASM_TARGET else "NOT met"
        print(f"geomean wasmfuzz/pywasm: {mean:.1f}x (target >= {PYWASM_TARGET:g}x: {verdict})")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_const", dest="mode", const="quick",
                       help=f"{REPEATS['quick']} repeats instead of {REPEATS['full']}")
    sizes.add_argument("--smoke", action="store_const", dest="mode", const="smoke",
                       help="tiny sizes and one repeat: checks results, the times mean nothing")
    parser.add_argument("--engines", default=",".join(ENGINE_NAMES),
                        help="comma-separated subset of %(default)s")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write all figures to OUT")
    parser.set_defaults(mode="full")
    args = parser.parse_args(argv)
    args.engines = args.engines.split(",")
    unknown = set(args.engines) - set(ENGINE_NAMES)
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    engines, skipped = available_engines(args.engines)
    for name, reason in skipped.items():
        print(f"skipping {name}: {reason}")
    versions = ", ".join(f"{e.name} {e.version}" for e in engines)
    print(f"mode {args.mode}, {REPEATS[args.mode]} repeat(s); Python {platform.python_version()}; {versions}\n")
    measurements = [m for w in WORKLOADS + SIMD_PAIR + GC_WORKLOADS for m in bench_workload(w, engines, args.mode)]
    print_details(measurements)
    print()
    names = [e.name for e in engines]
    summary = summarise(measurements, names)
    print_summary(summary, names)
    errors = [m for m in measurements if m.error]
    for m in errors:
        print(f"ERROR: {m.engine} on {m.workload}: {m.error}", file=sys.stderr)
    if args.json:
        report = {"mode": args.mode, "repeats": REPEATS[args.mode], "skipped": skipped,
                  "engines": {e.name: e.version for e in engines},
                  "python": platform.python_version(), "machine": platform.platform(),
                  "measurements": [asdict(m) for m in measurements], "summary": summary}
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
