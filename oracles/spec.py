"""``ExecutionSpec``: which engine runs a module, and with which switches.

A spec is plain data so it can be saved beside a finding (``as_dict`` /
``from_dict``) and replayed later. ``settings`` turns it into the
``Config`` attributes for the engine at hand: the switches wasmtime-py does
not have (``table_lazy_init``, ``allocation_strategy``) are set on wasmfuzz
only, and a switch left at None is not set at all, so a runtime that lacks
the feature never sees it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

ENGINES = ("wasmfuzz", "wasmtime")
# Proposals beyond Wasm 2.0 a module may need, as Config switch names.
FEATURE_SWITCHES = {"memory64": "wasm_memory64", "multi_memory": "wasm_multi_memory", "threads": "wasm_threads",
                    "simd": "wasm_simd", "relaxed_simd": "wasm_relaxed_simd",
                    "wide_arithmetic": "wasm_wide_arithmetic", "custom_page_sizes": "wasm_custom_page_sizes",
                    "tail_call": "wasm_tail_call", "function_references": "wasm_function_references",
                    "exceptions": "wasm_exceptions", "gc": "wasm_gc"}


@dataclass(frozen=True)
class ExecutionSpec:
    engine: str = "wasmfuzz"
    features: frozenset[str] = field(default_factory=frozenset)
    lazy_init: bool | None = None  # wasmfuzz Config.table_lazy_init; None: not set
    pooling: bool = False  # wasmfuzz Config.allocation_strategy = "pooling"
    fuel: int | None = None  # fuel given before every call; None: fuel off
    epoch_deadline: int | None = None  # set_epoch_deadline before every call; None: epochs off
    epoch_mode: str = "trap"  # at the deadline: "trap", "callback" (continue 1 tick later) or
    #                           "yield" (async call yields to the event loop, then continues); wasmfuzz only
    nan_canonicalization: bool = False  # Config.cranelift_nan_canonicalization, on both engines

    @property
    def name(self) -> str:
        """Short and unique per configuration, e.g. ``wasmfuzz[eager,fuel=500]``."""
        parts = sorted(self.features)
        if self.lazy_init is not None:
            parts.append("lazy" if self.lazy_init else "eager")
        if self.pooling:
            parts.append("pooling")
        if self.fuel is not None:
            parts.append(f"fuel={self.fuel}")
        if self.epoch_deadline is not None:
            parts.append(f"epoch={self.epoch_deadline}" + ("" if self.epoch_mode == "trap" else f"/{self.epoch_mode}"))
        if self.nan_canonicalization:
            parts.append("canonical-nans")
        return f"{self.engine}[{','.join(parts)}]" if parts else self.engine

    def settings(self) -> dict[str, object]:
        """Config attribute -> value for this spec's engine."""
        out: dict[str, object] = {FEATURE_SWITCHES[f]: True for f in sorted(self.features)}
        if "threads" in self.features:
            out["shared_memory"] = True  # Wasmtime refuses shared memories without it
        if "relaxed_simd" in self.features:
            # Native relaxed results depend on the host CPU (FMA or not); the
            # deterministic ones are the same everywhere, so findings replay.
            out["wasm_relaxed_simd_deterministic"] = True
        if self.fuel is not None:
            out["consume_fuel"] = True
        if self.epoch_deadline is not None:
            out["epoch_interruption"] = True
        if self.nan_canonicalization:
            out["cranelift_nan_canonicalization"] = True
        if self.engine == "wasmfuzz":
            if self.lazy_init is not None:
                out["table_lazy_init"] = self.lazy_init
            if self.pooling:
                out["allocation_strategy"] = "pooling"
        return out

    def with_(self, **changes) -> "ExecutionSpec":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["features"] = sorted(self.features)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ExecutionSpec":
        d = dict(d)
        d["features"] = frozenset(d.get("features", ()))
        return cls(**d)
