"""The WebAssembly proposals a module may use, as the validator sees them.

``Config`` turns its ``wasm_*`` switches into one ``Features`` value; the
decoder and validator only ever read this. Names follow wasmparser's
feature flags (and so ``wasm-tools validate --features``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True, slots=True)
class Features:
    mutable_global: bool = True
    sign_extension: bool = True
    saturating_float_to_int: bool = True
    multi_value: bool = True
    bulk_memory: bool = True
    reference_types: bool = True
    simd: bool = False
    relaxed_simd: bool = False
    memory64: bool = False
    multi_memory: bool = False
    threads: bool = False
    tail_call: bool = False
    extended_const: bool = False
    wide_arithmetic: bool = False
    custom_page_sizes: bool = False
    function_references: bool = False
    exceptions: bool = False
    legacy_exceptions: bool = False
    gc: bool = False

    def with_(self, **changes: bool) -> "Features":
        return replace(self, **changes)

    def wasm_tools_flags(self) -> str:
        """The same set as a ``wasm-tools validate --features`` list."""
        names = ["mvp"] + [f.name.replace("_", "-") for f in fields(self) if getattr(self, f.name)]
        return ",".join(names)


WASM2 = Features(simd=True)  # the WebAssembly 2.0 standard, its vector instructions included
# What a default Config (and so a default Engine) accepts: Wasmtime 50's defaults.
DEFAULTS = WASM2.with_(relaxed_simd=True, memory64=True, multi_memory=True, threads=True,
                       extended_const=True, wide_arithmetic=True, tail_call=True, function_references=True,
                       exceptions=True, gc=True)
ALL = DEFAULTS.with_(custom_page_sizes=True, legacy_exceptions=True)
