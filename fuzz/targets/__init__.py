"""The fuzz targets, and the glue every one of them shares.

A target module holds one function, ``generate(src) -> TestCase``: which
generator makes the module, which configuration is drawn, which pairs are
compared. Everything else is here, once: turning fuzz bytes into a test
case (``run_input``), saving a divergence as a finding instead of raising
it when a campaign asked for that, and starting a target under atheris.

Each target runs three ways: under atheris (``wasmfuzz fuzz TARGET``, or
``python -m wasmfuzz.fuzz.targets.NAME`` with libFuzzer flags), in pytest
through Hypothesis (``strategies.cases``), and on one saved input
(``wasmfuzz repro``).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import linecache
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from wasmfuzz.oracles.execution import Engines

from ..case import TestCase
from ..smith import SmithFailed
from ..source import Unstructured

NAMES = ("differential", "lazy_init", "table_ops", "fuel", "epoch", "memory", "validate", "instantiate", "instructions",
         "wasi", "mutate")
# Set by ``wasmfuzz fuzz``: save divergences there and keep fuzzing. Unset (as
# under OSS-Fuzz), a divergence is an uncaught exception: libFuzzer's crash.
FINDINGS_ENV = "WASMFUZZ_FINDINGS"
# The Engines and the Modules of this many distinct modules are kept from one
# input to the next (``Engines``, within ``KEPT_MODULE_BYTES`` of module bytes):
# libFuzzer comes back to the module of a corpus entry far apart. At 32, a
# 90-second mutate campaign compiled 1,097 modules on Wasmtime again (766 new
# ones); at 256, 303, for 92 MB more (RSS 428 MB, within libFuzzer's 2 GB).
KEPT_MODULES = 256
_ENGINES = Engines(keep=KEPT_MODULES)
atexit.register(_ENGINES.forget)
# A campaign keeps the generated code of this many functions for the same function in other
# modules (``runtime.compile.python.twins``, turned on by the campaign's entry points, never on
# import: a test planting a bug in the code generator must not be handed code generated before):
# a mutated input mostly remakes functions an earlier input compiled, and compiling was the
# largest share of the mutate and differential targets' time. A function's code is filed under
# each option set it does not depend on, a dozen at most, one unit each time: at 4096, a 90-second
# mutate campaign generated 1,361 functions again that it had generated and then let go (for the
# count of keys; 16 MB of source were held), where 16384 keep them all within 10 MB more.
KEPT_FUNCTIONS = 16384


# Python's collector of reference cycles during a campaign: its youngest generation collected
# after 10,000 allocations instead of 700. Every input leaves thousands of objects behind in what
# the campaign keeps (Modules, code, recordings), which each young collection went through again:
# 5% of a lazy_init or differential campaign's time, and 3.4-3.8% after.
GC_THRESHOLD = (10_000, 10, 10)


@contextmanager
def campaign():
    """What a campaign's inputs run with (the atheris entry point, ``wasmfuzz fuzz``'s
    own loop, the throughput bench): the code of ``KEPT_FUNCTIONS`` functions kept
    across modules, and ``GC_THRESHOLD``; both as before after the block."""
    from wasmfuzz.runtime.compile.python import twins

    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        with twins.kept(KEPT_FUNCTIONS):
            yield
    finally:
        gc.set_threshold(*before)


def load(name: str) -> ModuleType:
    if name not in NAMES:
        raise ValueError(f"unknown fuzz target {name!r} (targets: {', '.join(NAMES)})")
    return importlib.import_module(f"{__name__}.{name}")


def make_case(name: str, data: bytes) -> TestCase | None:
    """The test case target ``name`` makes of ``data``; None if smith made no module."""
    try:
        return load(name).generate(Unstructured(data))
    except SmithFailed:
        return None


def run_input(name: str, data: bytes) -> None:
    """One execution of target ``name``: raise Divergence, or save it when
    ``WASMFUZZ_FINDINGS`` names a directory."""
    case = make_case(name, data)
    if case is None:
        return
    from wasmfuzz.oracles import Divergence
    try:
        case.check(_ENGINES)
    except Divergence as d:
        root = os.environ.get(FINDINGS_ENV)
        if not root:
            raise
        from ..findings import save
        save(Path(root), name, case, d, data)
    finally:
        _forget_generated_source()


def _forget_generated_source() -> None:
    """Drop the runtime's generated source from ``linecache`` once a case is done.

    The runtime registers every compiled function's source there for
    tracebacks until the module is freed (about 50 KB per module), and a
    freed module waits for the cycle collector, so a campaign of millions of
    modules would grow until libFuzzer's RSS limit stopped it. The source of
    a module kept for later inputs goes too: only a traceback through its
    code, which no comparison reads, would have shown it."""
    for filename in [f for f in linecache.cache if isinstance(f, str) and f.startswith("wasm://")]:
        del linecache.cache[filename]


def fuzz_main(name: str) -> None:
    """``python -m wasmfuzz.fuzz.targets.NAME [libFuzzer flags]``: restart through
    ``atheris_main``, which imports the runtime with coverage instrumentation.
    One process only: ``-fork``/``-jobs`` need the executable launcher that
    ``wasmfuzz fuzz`` writes."""
    os.execv(sys.executable, [sys.executable, "-m", "wasmfuzz.fuzz.atheris_main", name, *sys.argv[1:]])
