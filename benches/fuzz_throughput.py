"""Fuzzing throughput: executions a second per target, and where the time goes.

    python benches/fuzz_throughput.py [--seconds S] [--targets NAME,...] [--no-coverage]
                                      [--baseline DIR] [--rounds N] [--json FILE] [--smoke]

Each target runs alone in a fresh process for ``--seconds`` (default 20),
starting from its checked-in seeds (``corpus/TARGET``): under atheris as
``wasmfuzz fuzz`` runs it (runtime instrumented, libFuzzer mutating), or
with ``--no-coverage`` plainly in process (the seeds, then random byte
mutations of them, nothing instrumented). Printed per target: executions
a second, and the share of the wall time spent in generation (making the
test case: input draws, smith, wat2wasm), compilation (``Module``
construction on both engines, and wasmfuzz compiling a function on its
first call), instantiation (engines, stores, instances), execution
(exported calls, minus the compiling they trigger), comparison (reading
and comparing state; for ``validate``, the ``wasm-tools validate`` run it
is judged against) and other (libFuzzer, atheris, the oracles' glue).

``--baseline DIR`` runs a second checkout (a ``git worktree`` of an older
commit) in the same way, alternating with this one target by target and
round by round, so both see the same load on a shared machine: compare the
ratio, not the absolute figures.

Time shares come from timers this script wraps around a dozen entry points
of the harness and the two engines (exclusive time: a compile inside a call
counts as compilation, not execution), not from timers built into the
harness and not from cProfile: the wrappers cost a few microseconds per
execution where cProfile would double its time, and they measure an older
checkout that has no timers of its own exactly as they measure this one.
An entry point missing from a checkout is simply not timed there.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import importlib.util
import inspect
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ("generation", "compilation", "instantiation", "execution", "comparison", "other")
# (module, attribute path, phase): what is timed. Both engines' Module and
# Instance constructors; the harness's adapter and comparison steps, under the
# names every checkout measured here has used.
PROBES = (
    ("wasmfuzz.fuzz.targets", "make_case", "generation"),
    ("wasmfuzz.runtime.compile.python.backend", "PythonCompiler.compile_function", "compilation"),
    ("wasmfuzz.runtime", "Module.__init__", "compilation"),
    ("wasmtime", "Module.__init__", "compilation"),
    ("wasmfuzz.oracles.execution", "ApiExecution.__init__", "instantiation"),
    ("wasmfuzz.oracles.execution", "ApiExecution.instantiate", "instantiation"),
    ("wasmfuzz.oracles.execution", "ApiExecution.call", "execution"),
    ("wasmfuzz.oracles.compare", "_check_exports", "comparison"),
    ("wasmfuzz.oracles.compare", "_check_state", "comparison"),
    ("wasmfuzz.oracles.compare", "_check_tables", "comparison"),
    ("wasmfuzz.runtime", "Module.validate", "compilation"),
    ("wasmfuzz.fuzz.case", "check_validation", "comparison"),
    # The WASI oracle runs a program on each engine in a fresh scratch tree
    # (made: instantiation; walked afterwards: comparison).
    ("wasmfuzz.oracles.wasi", "run", "execution"),
    ("wasmfuzz.oracles.wasi", "populate", "instantiation"),
    ("wasmfuzz.oracles.wasi", "snapshot", "comparison"),
)


# ----- the child: one target, one checkout, one process -----

class Timers:
    """Exclusive wall time per phase across nested, wrapped calls."""

    def __init__(self):
        self.totals: dict[str, float] = defaultdict(float)
        self._stack: list[float] = []

    def wrap(self, fn, phase: str):
        clock, stack, totals = time.perf_counter, self._stack, self.totals

        def timed(*args, **kwargs):
            start = clock()
            stack.append(0.0)
            try:
                return fn(*args, **kwargs)
            finally:
                spent = clock() - start
                totals[phase] += spent - stack.pop()
                if stack:
                    stack[-1] += spent
        timed.__wrapped__ = fn
        return timed

    def install(self) -> list[str]:
        """Wrap every probe this checkout has; return the ones it lacks."""
        missing = []
        for module_name, path, phase in PROBES:
            try:
                owner = importlib.import_module(module_name)
                *parents, attr = path.split(".")
                for p in parents:
                    owner = getattr(owner, p)
                fn = getattr(owner, attr)
            except (ImportError, AttributeError):
                missing.append(f"{module_name}.{path}")
                continue
            timed = self.wrap(fn, phase)
            static = isinstance(inspect.getattr_static(owner, attr), staticmethod)
            setattr(owner, attr, staticmethod(timed) if static else timed)
        return missing


def _instrument(root: str, target: str) -> None:
    """Import checkout ``root``'s runtime instrumented as ``wasmfuzz fuzz`` does
    there: its launcher's ``instrument_runtime``, or for a checkout older than
    that function, the whole runtime. The launcher module is loaded from its
    file: importing it as ``wasmfuzz.fuzz.atheris_main`` would import the
    runtime before atheris can instrument it."""
    path = Path(root, "fuzz", "atheris_main.py")
    spec = importlib.util.spec_from_file_location("_checkout_atheris_main", path)
    launcher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launcher)
    if hasattr(launcher, "instrument_runtime"):
        if inspect.signature(launcher.instrument_runtime).parameters:  # per target, as its campaign does
            launcher.instrument_runtime(target)
        else:
            launcher.instrument_runtime()
        return
    import atheris
    with atheris.instrument_imports(include=["wasmfuzz.runtime"]):
        import wasmfuzz.runtime  # noqa: F401 - imported for its instrumentation
        from wasmfuzz.runtime.binary import decode, validate  # noqa: F401
        from wasmfuzz.runtime.compile import compiler  # noqa: F401
        from wasmfuzz.runtime.compile.python import codegen  # noqa: F401
        from wasmfuzz.runtime.vm import libcalls  # noqa: F401


def child(args: argparse.Namespace) -> None:
    args.target = args.child
    sys.path.insert(0, str(args.root))  # this checkout's wasmfuzz, not the installed one
    corpus = Path(args.root) / "corpus" / args.target
    seeds = sorted(p for p in corpus.iterdir() if p.is_file()) if corpus.is_dir() else []
    work = Path(tempfile.mkdtemp(prefix="fuzz-throughput-"))
    os.environ["WASMFUZZ_FINDINGS"] = str(work / "findings")  # divergences saved, as in a campaign
    if not args.no_coverage:
        _instrument(args.root, args.target)
    import wasmfuzz
    from wasmfuzz.fuzz import targets
    assert Path(wasmfuzz.__file__).resolve().parent.parent == Path(args.root).resolve(), wasmfuzz.__file__
    if args.target not in targets.NAMES:  # an older checkout may lack a newer target
        Path(args.child_json).write_text(json.dumps({"target": args.target, "absent": True}))
        return
    targets.load(args.target)
    if hasattr(targets, "campaign"):  # as a campaign runs (an older checkout keeps less, or nothing)
        # Entered for the rest of this child process, and held by a name: a context manager nobody
        # refers to is collected at once, and a generator's is closed then (with what it set up).
        campaign = targets.campaign()
        campaign.__enter__()
    elif hasattr(targets, "KEPT_FUNCTIONS"):
        from wasmfuzz.runtime.compile.python import twins
        twins.keep(targets.KEPT_FUNCTIONS)
    timers = Timers()
    missing = timers.install()
    state = {"execs": 0, "errors": 0, "start": None, "written": 0.0}

    def write(partial: bool) -> None:
        """The figures so far; written once a second too, so a child that dies
        (libFuzzer stops at an out-of-memory or a timeout) still leaves them."""
        now = time.perf_counter()
        state["written"] = now
        Path(args.child_json).write_text(json.dumps({
            "target": args.target, "execs": state["execs"], "seconds": now - state["start"],
            "errors": state["errors"], "phases": dict(timers.totals), "untimed": missing,
            "partial": partial, "work": str(work), "gc_threshold": gc.get_threshold()}))

    def report_and_exit() -> None:
        write(partial=False)
        shutil.rmtree(work, ignore_errors=True)
        os._exit(0)  # libFuzzer would go on; this run is over

    def one(data: bytes) -> None:
        if state["start"] is None:
            state["start"] = time.perf_counter()
        try:
            targets.run_input(args.target, data)
        except Exception:  # a crash is the campaign's business, not this measurement's: counted, then on
            state["errors"] += 1
        state["execs"] += 1
        now = time.perf_counter()
        if now - state["start"] >= args.seconds:
            report_and_exit()
        if now - state["written"] >= 1:
            write(partial=True)

    if args.no_coverage:
        rng = random.Random(0)
        pool = [p.read_bytes() for p in seeds] or [b""]
        for data in pool:
            one(data)
        while True:
            data = bytearray(rng.choice(pool))
            for _ in range(rng.randint(1, 8)):
                if data and rng.random() < 0.7:
                    data[rng.randrange(len(data))] = rng.randrange(256)
                else:
                    data.insert(rng.randint(0, len(data)), rng.randrange(256))
            one(bytes(data))
    import atheris
    live = work / "corpus"
    live.mkdir()
    # -timeout as a campaign sets it: an input that hangs is stopped and left in ``work``.
    atheris.Setup([sys.argv[0], "-max_len=4096", "-len_control=0", f"-artifact_prefix={work}/", "-timeout=60",
                   f"-max_total_time={int(args.seconds * 3) + 60}", str(live), *(map(str, [corpus] if seeds else []))],
                  one)
    atheris.Fuzz()


# ----- the parent: every target, alternating checkouts -----

def measure(root: Path, target: str, seconds: float, no_coverage: bool) -> dict | None:
    """One run of ``target`` at checkout ``root``; None if that checkout has no such target."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "child.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", target, "--root", str(root),
               "--seconds", str(seconds), "--child-json", str(out)] + (["--no-coverage"] if no_coverage else [])
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, timeout=seconds * 4 + 300)
            output, ending = done.stdout + done.stderr, f"exit {done.returncode}"
        except subprocess.TimeoutExpired as stuck:  # stuck where libFuzzer's -timeout cannot reach
            output = "".join(b.decode(errors="replace") for b in (stuck.stdout, stuck.stderr) if b)
            output, ending = output + "\nhung: killed", f"killed after {stuck.timeout:g} s"
        if not out.exists():
            tail = "\n".join(output.splitlines()[-15:])
            raise SystemExit(f"fuzz_throughput: {target} at {root} produced no figures ({ending}):\n{tail}")
        result = json.loads(out.read_text())
    if result.get("absent"):
        return None
    if result.get("partial"):  # the child died: its figures up to its last second, and why
        lines = output.splitlines()
        why = next((ln.strip() for ln in reversed(lines) if "ERROR: libFuzzer" in ln or "SUMMARY:" in ln),
                   lines[-1].strip() if lines else "no output")
        result["died"] = [f"{why} ({ending}; the input is in {result['work']})"]
    timed = sum(result["phases"].values())
    result["phases"]["other"] = max(0.0, result["seconds"] - timed)
    result["rate"] = result["execs"] / result["seconds"] if result["seconds"] else 0.0
    result["shares"] = {p: result["phases"].get(p, 0.0) / result["seconds"] for p in PHASES}
    return result


def merge(runs: list[dict]) -> dict:
    """Rounds of one target and checkout summed into one figure."""
    execs, seconds = sum(r["execs"] for r in runs), sum(r["seconds"] for r in runs)
    phases = {p: sum(r["phases"].get(p, 0.0) for r in runs) for p in PHASES}
    return {"execs": execs, "seconds": seconds, "rate": execs / seconds if seconds else 0.0,
            "errors": sum(r["errors"] for r in runs), "shares": {p: phases[p] / seconds for p in PHASES},
            "died": [d for r in runs for d in r.get("died", [])],
            "untimed": runs[0]["untimed"], "gc_threshold": runs[0].get("gc_threshold")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per target and round (default 20)")
    parser.add_argument("--targets", default="", help="comma-separated (default: every target)")
    parser.add_argument("--no-coverage", action="store_true", help="plain in-process loop, no atheris")
    parser.add_argument("--baseline", type=Path, default=None, metavar="DIR",
                        help="another checkout (git worktree) to measure alternately with this one")
    parser.add_argument("--rounds", type=int, default=1, help="repeat everything N times, interleaved")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here as JSON")
    parser.add_argument("--smoke", action="store_true", help="1 second per target: does it run at all")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-json", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return 0
    sys.path.insert(0, str(ROOT))
    from wasmfuzz.fuzz.targets import NAMES
    names = [n for n in args.targets.split(",") if n] or list(NAMES)
    unknown = [n for n in names if n not in NAMES]
    if unknown:
        print(f"fuzz_throughput: unknown targets {unknown} (targets: {', '.join(NAMES)})", file=sys.stderr)
        return 2
    if args.baseline is not None and not (args.baseline / "fuzz").is_dir():
        print(f"fuzz_throughput: {args.baseline} is not a wasmfuzz checkout", file=sys.stderr)
        return 2
    if args.smoke:
        args.seconds = 1.0
    if not args.no_coverage:
        try:
            import atheris  # noqa: F401 - only its presence is checked here
        except ImportError:
            print("fuzz_throughput: atheris is not installed; use --no-coverage", file=sys.stderr)
            return 2
    checkouts = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    runs: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for rnd in range(args.rounds):
        for target in names:
            order = list(checkouts.items())
            if rnd % 2:
                order.reverse()  # neither checkout always goes first
            for label, root in order:
                result = measure(root, target, args.seconds, args.no_coverage)
                if result is not None:
                    runs[(label, target)].append(result)
    mode = "in process, no coverage" if args.no_coverage else "under atheris"
    print(f"fuzz throughput, {mode}, {args.seconds:g} s x {args.rounds} per target and checkout")
    header = f"{'target':13} {'checkout':9} {'execs/s':>8}  " + "  ".join(f"{p[:6]:>6}" for p in PHASES)
    print(header)
    report = {"mode": mode, "seconds": args.seconds, "rounds": args.rounds, "targets": {}}
    for target in names:
        for label in checkouts:
            if not runs[(label, target)]:
                print(f"{target:13} {label:9} {'absent':>8}")
                continue
            m = merge(runs[(label, target)])
            report["targets"].setdefault(target, {})[label] = m
            shares = "  ".join(f"{m['shares'][p]:6.0%}" for p in PHASES)
            errors = f"  ({m['errors']} crashed)" if m["errors"] else ""
            print(f"{target:13} {label:9} {m['rate']:8.1f}  {shares}{errors}")
            for why in m["died"]:
                print(f"{'':13} {label:9} died: {why}")
        if args.baseline and all(runs[(label, target)] for label in checkouts):
            ratio = report["targets"][target]["this"]["rate"] / max(report["targets"][target]["baseline"]["rate"], 1e-9)
            print(f"{target:13} {'ratio':9} {ratio:8.2f}x")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
