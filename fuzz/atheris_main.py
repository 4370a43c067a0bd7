"""``python -m wasmfuzz.fuzz.atheris_main TARGET [libFuzzer flags]``: one
target under atheris, coverage-guided.

The runtime is imported inside ``atheris.instrument_imports`` before
anything else touches it, so libFuzzer sees coverage of the runtime's own
code (decoder, validator, code generator, libcalls), the code the fuzz
input should steer. The harness around it is not instrumented: coverage of
the oracles would only reward inputs for exercising the comparison, and
neither are the runtime's per-instruction helpers (``UNINSTRUMENTED``: the
validator's inline path, float helpers, value conversions). (If
something imported the runtime first, everything loaded is instrumented
instead, which is slower but still guides.) Everything after TARGET goes to
libFuzzer (``-runs``, ``-max_total_time``, ``-dict``, corpus directories ...).

libFuzzer's ``-fork``/``-jobs`` modes start more fuzzers by executing the
program named in ``argv[0]`` with flags only, so that program must be an
executable that knows its target: ``launcher_source`` writes one (``wasmfuzz
fuzz`` runs every campaign through it, and the OSS-Fuzz build bundles it).
"""

from __future__ import annotations

import sys
from pathlib import Path


# Runtime modules left uninstrumented: the validator's inline path, a loop run
# for every instruction whose tests repeat what the (instrumented) handlers test
# (``runtime/binary/body_check``); the float helpers generated code calls for
# every float instruction (``runtime/vm/float_ops``) and the value conversions
# (``runtime/binary/values``), whose branches only tell which special values
# went through, which the comparisons check bit for bit: traced, they took
# a third of the mutate target's time. And the host's ``Table``, which the
# oracles call once per element to read every exported table after a run
# (a lazy element is resolved in ``vm.context``, which stays traced): a
# sixth of the lines the lazy_init target ran were there. The code generator's
# scans over a whole body (``compile.python.body_scan``), whose branches say again
# which instructions a body holds, as the emitter's do. And the epoch's and the
# store's bookkeeping (``vm.interrupts``, ``managed``, ``config``), run at every
# tick: the epoch target's imports tick it hundreds of times a call, and its
# branches tell only which stores were due (untraced: epoch campaigns 1.07x,
# differential 1.05x, mutate unchanged, in two alternating rounds).
UNINSTRUMENTED = ["wasmfuzz.runtime.binary.body_check", "wasmfuzz.runtime.vm.float_ops",
                  "wasmfuzz.runtime.binary.values", "wasmfuzz.runtime.table",
                  "wasmfuzz.runtime.compile.python.body_scan", "wasmfuzz.runtime.vm.interrupts",
                  "wasmfuzz.runtime.managed", "wasmfuzz.runtime.config"]
# The binary format layer, traced only for the targets that test decoding and
# validation (``DECODING_TARGETS``): every other target runs modules that smith,
# wasm-tools or the WAT text made valid, whose reading only says again which
# instructions a module holds, and the code generator's coverage says that
# too. Traced, it was most of the instrumentation's cost: replaying a
# 939-input differential corpus took 9.2 s plain, 11.1 s instrumented, 9.6 s
# instrumented but for this layer.
BINARY_LAYER = ["wasmfuzz.runtime.binary.reader", "wasmfuzz.runtime.binary.decode",
                "wasmfuzz.runtime.binary.validate", "wasmfuzz.runtime.binary.validate_gc",
                "wasmfuzz.runtime.binary.module_info"]
DECODING_TARGETS = ("validate",)


def instrument_runtime(target: str | None = None) -> None:
    """Import the runtime under atheris's coverage instrumentation, all of it
    but ``UNINSTRUMENTED``, and but ``BINARY_LAYER`` when ``target`` is given
    and does not test decoding; everything loaded if the runtime is in already."""
    import atheris

    if "wasmfuzz.runtime" in sys.modules:
        atheris.instrument_all()
        return
    skipped = UNINSTRUMENTED + (BINARY_LAYER if target is not None and target not in DECODING_TARGETS else [])
    with atheris.instrument_imports(include=["wasmfuzz.runtime"], exclude=skipped):
        import wasmfuzz.runtime  # noqa: F401 - imported for its instrumentation
        from wasmfuzz.runtime.binary import body_check, decode, validate  # noqa: F401
        from wasmfuzz.runtime.compile import compiler  # noqa: F401
        from wasmfuzz.runtime.compile.python import codegen  # noqa: F401
        from wasmfuzz.runtime.vm import libcalls  # noqa: F401


def main(argv: list[str]) -> None:
    import atheris

    name, *flags = argv
    instrument_runtime(name)
    from wasmfuzz.fuzz import targets

    targets.load(name)
    atheris.Setup([sys.argv[0], *flags], lambda data: targets.run_input(name, data))
    with targets.campaign():
        atheris.Fuzz()


def launcher_source(name: str, interpreter: str | None = None) -> str:
    """A script that runs target ``name`` under atheris with the flags it is given;
    with ``interpreter``, a ``#!`` line so it can be executed directly."""
    import wasmfuzz
    root = Path(wasmfuzz.__file__).resolve().parent.parent  # a source checkout works without installing
    shebang = f"#!{interpreter}\n" if interpreter else ""
    return (f"{shebang}import sys\nsys.path.append({str(root)!r})\n"
            f"from wasmfuzz.fuzz.atheris_main import main\nmain([{name!r}, *sys.argv[1:]])\n")


if __name__ == "__main__":
    main(sys.argv[1:])
