"""``wasmfuzz fuzz TARGET``: run a fuzz campaign and keep what it finds.

With atheris installed, the target runs under libFuzzer in a child process
(``atheris_main``): coverage-guided, writing new inputs to the working
corpus as it goes. ``--jobs N`` (N > 1) runs N such children on the same
working corpus, each restarted after a crashing input; libFuzzer's own flags
follow the target as libFuzzer spells them (``-dict=FILE``, ``-workers=N``;
a ``--`` before them is optional). Without
atheris the campaign falls back to random inputs in this process, with no
coverage guidance.

Divergences are saved as findings by the target itself (``findings``),
so they are on disk the moment they are found: Ctrl-C or a crash of the
child loses neither them nor the corpus. An input that crashes the child
(an exception the oracles could not classify, a timeout, running out of
memory) is turned into a finding too, and the child is restarted on the
same corpus until the time or run budget is spent.

The progress line shows elapsed time, executions and their rate, coverage
and corpus size as libFuzzer reports them, and findings saved so far. The
same figures go, once a second at most, to ``FINDINGS/TARGET/stats.jsonl``
as JSON lines (``campaign`` is the wall-clock start that tells campaigns in
one file apart, ``time`` the seconds since it), appended as they come so a
campaign that dies still leaves its curve; ``wasmfuzz report`` draws them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from wasmfuzz.oracles.capabilities import supported

from . import findings, targets
from .atheris_main import launcher_source

CHECKOUT_CORPUS = Path(__file__).resolve().parent.parent / "corpus"  # seeds and regressions, when run from source

EXECS = re.compile(r"^#(\d+)")
COVERAGE = re.compile(r"cov: (\d+)")
CORPUS = re.compile(r"corp: (\d+)")
RATE = re.compile(r"exec/s:? (\d+)")
ARTIFACTS = ("crash-", "timeout-", "oom-", "leak-")  # not slow-unit-: slow is not wrong
STATS_FILE = "stats.jsonl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", help=f"one of: {', '.join(targets.NAMES)}")
    _add_options(parser)
    parser.add_argument("libfuzzer_flags", nargs=argparse.REMAINDER, metavar="-FLAG=VALUE",
                        help="libFuzzer flags (-dict=FILE, -workers=N, ...), passed through unchanged")


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-time", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument("--runs", type=int, default=None, metavar="N", help="stop after N executions")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="fuzz in N independent processes sharing the working corpus")
    parser.add_argument("--corpus", type=Path, default=None, metavar="DIR",
                        help="working corpus, written as coverage grows (default: FINDINGS/corpus/TARGET); "
                             "the checked-in seeds in corpus/TARGET are read as well")
    parser.add_argument("--findings", type=Path, default=Path("findings"), metavar="DIR",
                        help="where findings are saved (default: ./findings)")
    parser.add_argument("--timeout", type=int, default=60, metavar="S",
                        help="an execution slower than S seconds is a finding")


def _split_flags(args: argparse.Namespace) -> None:
    """Options written after TARGET land among the libFuzzer flags: parse them
    out, leaving only what libFuzzer should see (its flags are ``-name=value``)."""
    options = argparse.ArgumentParser(prog="wasmfuzz fuzz", add_help=False, allow_abbrev=False)
    _add_options(options)
    _, rest = options.parse_known_args(args.libfuzzer_flags, namespace=args)
    args.libfuzzer_flags = [flag for flag in rest if flag != "--"]


def _stray_flag(flags: list[str]) -> str | None:
    """What is wrong with the first flag libFuzzer would misread, if any. libFuzzer
    ignores a ``--name`` it does not know and takes any other word for a corpus
    directory, stopping at startup when there is none: ``--out DIR`` would
    become a campaign that ends at once with no word of why."""
    for flag in flags:
        if flag.startswith("--"):
            return f"unknown option {flag.split('=')[0]} (libFuzzer's own flags take one dash: -name=value)"
        if not flag.startswith("-") and not Path(flag).is_dir():
            return f"{flag}: no such directory (a word after TARGET is an extra corpus directory for libFuzzer)"
    return None


def run(args: argparse.Namespace) -> int:
    _split_flags(args)
    if args.target not in targets.NAMES:
        print(f"wasmfuzz fuzz: unknown target {args.target!r} (targets: {', '.join(targets.NAMES)})", file=sys.stderr)
        return 2
    stray = _stray_flag(args.libfuzzer_flags)
    if stray:
        print(f"wasmfuzz fuzz: {stray}", file=sys.stderr)
        return 2
    if args.jobs < 1 or (args.runs is not None and args.runs < 0) or (args.max_time is not None and args.max_time < 0):
        print("wasmfuzz fuzz: --jobs must be at least 1, --runs and --max-time not negative", file=sys.stderr)
        return 2
    root = args.findings.resolve()
    corpus = (args.corpus or root / "corpus" / args.target).resolve()
    corpus.mkdir(parents=True, exist_ok=True)
    seeds = seed_dir(args.target)
    progress = Progress(args.target, findings.count(root, args.target), stats=root / args.target / STATS_FILE)
    print(f"wasmfuzz fuzz {args.target}: runtime features fuzzed: {', '.join(supported()) or 'Wasm 2.0 only'}",
          file=sys.stderr)
    try:
        if _have_atheris():
            _libfuzzer(args, root, corpus, [seeds] if seeds is not None else [], progress)
        else:
            print("wasmfuzz fuzz: atheris is not installed (pip install -e '.[fuzz]'): "
                  "random inputs, no coverage guidance", file=sys.stderr)
            _random_inputs(args, root, progress)
    except KeyboardInterrupt:
        progress.finish(root, interrupted=True)
        return 130
    return progress.finish(root)


def _have_atheris() -> bool:
    try:
        import atheris  # noqa: F401 - only its presence is checked here
    except ImportError:
        return False
    return True


@dataclass
class Progress:
    target: str
    findings_before: int
    stats: Path | None = None  # where the figures are appended (JSON lines), if anywhere
    execs: int = 0
    cov: int = 0
    corpus: int = 0
    rate: int = 0
    started: float = 0.0
    shown: float = 0.0
    recorded: float = float("-inf")

    def __post_init__(self):
        self.started = time.monotonic()
        self.wall_start = round(time.time(), 3)
        if self.stats is not None:
            self.stats.parent.mkdir(parents=True, exist_ok=True)

    def total(self, workers: list) -> None:
        """The campaign's figures from its jobs': executions and rates add up;
        coverage and corpus size are the largest any job reports (they share
        one corpus, and each counts the coverage of what it loaded)."""
        self.execs = sum(w.execs for w in workers)
        self.rate = sum(w.rate for w in workers)
        self.cov = max(w.cov for w in workers)
        self.corpus = max(w.corpus for w in workers)

    def update(self, root: Path, force: bool = False) -> None:
        now = time.monotonic()
        if self.stats is not None and (force or now - self.recorded >= 1):
            self.recorded = now
            self._record(root, now)
        interactive = sys.stderr.isatty()
        if not force and now - self.shown < (1 if interactive else 30):
            return
        self.shown = now
        found = findings.count(root, self.target) - self.findings_before
        line = (f"{self.target}: {now - self.started:7.0f}s  {self.execs} execs  {self.rate}/s  "
                f"cov {self.cov}  corpus {self.corpus}  findings {found}")
        print(f"\r{line}\033[K" if interactive else line, end="" if interactive else "\n", file=sys.stderr, flush=True)

    def _record(self, root: Path, now: float) -> None:
        line = {"campaign": self.wall_start, "time": round(now - self.started, 3), "execs": self.execs,
                "rate": self.rate, "coverage": self.cov, "corpus": self.corpus,
                "findings": findings.count(root, self.target) - self.findings_before}
        with self.stats.open("a") as f:
            f.write(json.dumps(line) + "\n")

    def finish(self, root: Path, interrupted: bool = False) -> int:
        self.update(root, force=True)
        found = findings.count(root, self.target) - self.findings_before
        print(f"\n{'interrupted; ' if interrupted else ''}{found} new finding(s) under {root}/{self.target}"
              if found else f"\n{'interrupted; ' if interrupted else ''}no new findings", file=sys.stderr)
        return 1 if found else 0


@dataclass
class _Worker:
    """One libFuzzer process of a campaign (restarted after a crash), and its figures."""

    crashes: Path
    log: Path
    execs: int = 0
    cov: int = 0
    corpus: int = 0
    rate: int = 0
    child: subprocess.Popen | None = None


def seed_dir(target: str) -> Path | None:
    """The checked-in seeds of ``target``: ``corpus/TARGET`` in the working
    directory if there is one, else this checkout's. (Looked up in the working
    directory alone, a campaign started anywhere else ran without them, on
    inputs a tenth as long, and its rate told nothing of the seeded one's.)"""
    for corpus in (Path("corpus"), CHECKOUT_CORPUS):
        if (corpus / target).is_dir():
            return corpus / target
    return None


def _libfuzzer(args, root: Path, corpus: Path, seeds: list[Path], progress: Progress) -> None:
    """``--jobs`` independent libFuzzer processes on one working corpus, each
    in a thread of its own here. libFuzzer reloads the corpus directory every
    second (``-reload``), so what one finds the others fuzz from; each keeps
    its own crash artifacts and log (``campaign.log``, ``campaign-N.log``).
    Independent processes rather than libFuzzer's fork mode: its jobs last
    1, 2, 3 ... seconds, and every one pays the interpreter's start and
    atheris's instrumentation (two jobs made 1.2 times one job's executions
    over 90 s; independent ones make twice)."""
    target_dir = root / args.target
    launcher = target_dir / "fuzzer"
    launcher.parent.mkdir(parents=True, exist_ok=True)
    launcher.write_text(launcher_source(args.target, sys.executable))
    launcher.chmod(0o755)
    workers = [_Worker(target_dir / "crashes" / (f"job-{i}" if args.jobs > 1 else ""),
                       target_dir / (f"campaign-{i}.log" if i else "campaign.log")) for i in range(args.jobs)]
    deadline = None if args.max_time is None else time.monotonic() + args.max_time
    runs = None if args.runs is None else -(-args.runs // args.jobs)  # each job's share, rounded up
    stop = threading.Event()
    lock = threading.Lock()

    def fuzz(worker: _Worker) -> None:
        _fuzz_worker(args, root, corpus, seeds, progress, workers, worker, deadline, runs, stop, lock)

    if args.jobs == 1:
        fuzz(workers[0])
        return
    threads = [threading.Thread(target=fuzz, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
    except KeyboardInterrupt:
        with lock:
            stop.set()
            children = [w.child for w in workers]
        for child in children:
            _stop(child)
        raise


def _fuzz_worker(args, root: Path, corpus: Path, seeds: list[Path], progress: Progress, workers: list[_Worker],
                 worker: _Worker, deadline: float | None, runs_left: int | None, stop: threading.Event,
                 lock: threading.Lock) -> None:
    """One job: libFuzzer until the budget is spent, started again after an
    input crashed it (that input saved as a finding first)."""
    crashes = worker.crashes
    crashes.mkdir(parents=True, exist_ok=True)
    launcher = root / args.target / "fuzzer"
    env = dict(os.environ, **{targets.FINDINGS_ENV: str(root)})
    while not stop.is_set():
        # -len_control=0: wasm-smith needs a few hundred bytes of seed to make a
        # module worth running, so inputs may be long from the start.
        flags = [f"-artifact_prefix={crashes}/", "-max_len=4096", "-len_control=0", f"-timeout={args.timeout}",
                 "-print_final_stats=1"]
        if deadline is not None:
            flags.append(f"-max_total_time={max(1, int(deadline - time.monotonic()))}")
        if runs_left is not None:
            flags.append(f"-runs={runs_left}")
        before = set(crashes.iterdir())
        cmd = [str(launcher), *flags, *args.libfuzzer_flags, str(corpus), *map(str, seeds)]
        started_execs = worker.execs
        with worker.log.open("a") as log, \
                subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                                 env=env) as child:
            with lock:
                worker.child = child
                if stop.is_set():  # Ctrl-C came as this child started: the main thread may have missed it
                    _stop(child)
            try:
                for line in child.stdout:
                    log.write(line)
                    with lock:
                        _parse_status(line, worker, started_execs)
                        progress.total(workers)
                        progress.update(root)
            except KeyboardInterrupt:  # one job: this is the main thread
                _stop(child)
                raise
        for artifact in sorted(set(crashes.iterdir()) - before):
            if artifact.name.startswith(ARTIFACTS):
                data, kind = artifact.read_bytes(), artifact.name.split("-")[0]
                details = f"libFuzzer artifact {artifact}\n\n" + _tail(worker.log)
                # Outside the lock: the other jobs' output is read under it, and this takes seconds.
                alone = _replay_alone(args.target, data, details) if kind == "oom" else ""
                with lock:
                    _save_crash(root, args.target, data, kind, details, alone)
        if runs_left is not None:
            runs_left -= worker.execs - started_execs
        out_of_budget = (deadline is not None and time.monotonic() >= deadline - 1) or \
            (runs_left is not None and runs_left <= 0)
        if child.returncode == 0 or out_of_budget or child.returncode < 0:
            return
        if worker.execs == started_execs:  # it crashed before fuzzing anything: a corpus input crashes
            print(f"\nwasmfuzz fuzz: libFuzzer stopped at startup (see {worker.log})", file=sys.stderr)
            return


def _save_crash(root: Path, target: str, data: bytes, kind: str, details: str, alone: str | None = None) -> Path:
    """Save a crashing, hanging or out-of-memory input as a finding, with its
    test case when the target can still make one. A crash is replayed here for
    its traceback; a hang is not replayed (it would do the same to this
    process), an out-of-memory input only in a process of its own
    (``_replay_alone``, unless ``alone`` says what that showed)."""
    case, replay = None, ""
    try:
        case = targets.make_case(target, data)
        if case is not None and kind == "crash":
            case.check()
    except Exception:  # the input may crash the generator or the oracles: that is the report
        replay = "\n\nreplayed here:\n" + traceback.format_exc()
    if kind == "oom":
        replay += _replay_alone(target, data, details) if alone is None else alone
    return findings.save_crash(root, target, data, kind, details, case, replay)


OOM_LINE = re.compile(r"out-of-memory \(used: (\d+)Mb; limit: (\d+)Mb\)")
OOM_REPLAY_SECONDS = 120
_PEAK_OF_ONE_INPUT = """import resource, sys
from wasmfuzz.fuzz import targets
try:
    targets.run_input(sys.argv[1], sys.stdin.buffer.read())
except Exception:
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _replay_alone(target: str, data: bytes, details: str) -> str:
    """What an out-of-memory input takes when it runs alone, in a fresh
    process. libFuzzer looks at its process's peak memory once a second and
    blames whichever input is running then: of the three inputs a 20-minute
    campaign blamed, one took 45 MB alone, the memory having gone to an input
    run shortly before it. The report says which case this is."""
    env = {k: v for k, v in os.environ.items() if k != targets.FINDINGS_ENV}  # a replay saves nothing
    try:
        done = subprocess.run([sys.executable, "-c", _PEAK_OF_ONE_INPUT, target], input=data, capture_output=True,
                              timeout=OOM_REPLAY_SECONDS, env=env)
        peak = int(done.stdout.split()[-1])
    except subprocess.TimeoutExpired:
        return f"\n\nreplayed alone in a fresh process: still running after {OOM_REPLAY_SECONDS} s, stopped"
    except (ValueError, IndexError):
        return f"\n\nreplayed alone in a fresh process: it ended without a figure (exit {done.returncode}):\n" \
               + done.stderr.decode(errors="replace")[-2000:]
    said = OOM_LINE.search(details)
    limit = int(said.group(2)) if said else None
    text = f"\n\nreplayed alone in a fresh process: peak memory {peak} MB"
    if limit is None:
        return text
    if peak < limit:
        return text + (f", under libFuzzer's {limit} MB: not this input alone. libFuzzer measures its process's"
                       " peak once a second, so an input run shortly before this one took the memory")
    return text + f", over libFuzzer's {limit} MB: this input exhausts memory by itself"


def _stop(child: subprocess.Popen | None) -> None:
    """Let libFuzzer finish on Ctrl-C (it writes its final stats); kill it if it hangs."""
    if child is None or child.poll() is not None:
        return
    child.send_signal(signal.SIGINT)
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()


def _tail(path: Path, lines: int = 60) -> str:
    return "".join(path.read_text(errors="replace").splitlines(True)[-lines:])


def _parse_status(line: str, worker: _Worker, base: int) -> None:
    for pattern, field in ((EXECS, "execs"), (COVERAGE, "cov"), (CORPUS, "corpus"), (RATE, "rate")):
        m = pattern.search(line)
        if m:
            setattr(worker, field, int(m.group(1)) + (base if field == "execs" else 0))


def _random_inputs(args, root: Path, progress: Progress) -> None:
    """No atheris: random inputs of random length, in this process."""
    os.environ[targets.FINDINGS_ENV] = str(root)
    deadline = None if args.max_time is None else time.monotonic() + args.max_time
    rng = random.Random()
    window = (time.monotonic(), 0)
    with targets.campaign():
        while (args.runs is None or progress.execs < args.runs) and (deadline is None or time.monotonic() < deadline):
            data = rng.randbytes(rng.randint(0, 4096))
            try:
                targets.run_input(args.target, data)
            except Exception:  # a harness or runtime crash: kept as a finding, then onwards
                _save_crash(root, args.target, data, "crash", traceback.format_exc())
            progress.execs += 1
            if time.monotonic() - window[0] >= 5:
                progress.rate = int((progress.execs - window[1]) / (time.monotonic() - window[0]))
                window = (time.monotonic(), progress.execs)
            progress.update(root)
