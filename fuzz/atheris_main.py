"""``python -m wasmfuzz.fuzz.atheris_main TARGET [libFuzzer flags]``: one
target under atheris, coverage-guided.

The runtime is imported inside ``atheris.instrument_imports`` before
anything else touches it, so libFuzzer sees coverage of the runtime's own
code (decoder, validator, code generator, libcalls), the code the fuzz
input should steer. The harness around it is not instrumented: coverage of
the oracles would only reward inputs for exercising the comparison.
Everything after TARGET goes to libFuzzer (``-runs``, ``-max_total_time``,
``-fork``, ``-jobs``, ``-dict``, corpus directories ...).
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    import atheris

    name, *flags = argv
    if "wasmfuzz.runtime" in sys.modules:  # imported already (a sitecustomize, a wrapper): instrument it now
        for module in [m for n, m in sys.modules.items() if n.startswith("wasmfuzz.runtime")]:
            for value in vars(module).values():
                if callable(value) and getattr(value, "__module__", None) == module.__name__:
                    atheris.instrument_func(value)
    else:
        with atheris.instrument_imports(include=["wasmfuzz.runtime"]):
            import wasmfuzz.runtime  # noqa: F401 - imported for its instrumentation
            from wasmfuzz.runtime import codegen, compiler, decode, libcalls, validate  # noqa: F401
    from . import targets

    targets.load(name)
    atheris.Setup([sys.argv[0], *flags], lambda data: targets.run_input(name, data))
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv[1:])
