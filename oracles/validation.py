"""The validation oracle: wasmfuzz's decoder and validator against wasm-tools.

Any bytes at all go in; ``wasm-tools validate`` with exactly the proposals
wasmfuzz has on is the reference (wasmparser is the validator Wasmtime
uses). Only the verdict is compared, valid or not: the texts of the errors
are each tool's own (see ``allowed.error_texts_differ_freely``).
"""

from __future__ import annotations

import subprocess

from .divergence import Divergence
from .spec import ExecutionSpec

PAIR = "wasmfuzz validator vs wasm-tools validate"


def check_validation(wasm: bytes, spec: ExecutionSpec) -> None:
    """Raise Divergence if wasmfuzz and wasm-tools disagree on whether ``wasm`` is valid."""
    from wasmfuzz.runtime.binary.wat import wasm_tools

    from wasmfuzz import runtime

    config = runtime.Config()
    for setting, value in spec.settings().items():
        setattr(config, setting, value)
    engine = runtime.Engine(config)
    try:
        runtime.Module.validate(engine, wasm)
        ours = "valid"
    except runtime.WasmtimeError as e:
        ours = f"invalid: {str(e).splitlines()[0] if str(e) else type(e).__name__}"
    proc = subprocess.run([wasm_tools(), "validate", f"--features={engine.features.wasm_tools_flags()}", "-"],
                          input=wasm, capture_output=True)
    theirs = "valid" if proc.returncode == 0 else \
        f"invalid: {proc.stderr.decode(errors='replace').strip().splitlines()[-1] if proc.stderr else ''}"
    if (ours == "valid") != (theirs == "valid"):
        raise Divergence(PAIR, "wasm-tools validate", "wasmfuzz", "validation", "verdict", theirs, ours,
                         kind=f"{theirs.split(':')[0]} vs {ours.split(':')[0]}")
