"""Which optional runtime features wasmfuzz has today, found out by trying them.

The runtime gains lazy tables, pooling, fuel, epochs and new proposals over
time, and a switch it does not have yet raises ``WasmtimeError`` (or, for a
setting it has never heard of, ``AttributeError``). The harness asks
``supports(name)`` before it generates a module or builds a configuration
that needs the feature, so the same harness starts exercising a feature
the day it lands, without an edit. A probe that fails in any other way is
a runtime bug and is left to raise.

``WASMFUZZ_DISABLE=fuel,epoch`` turns features off by hand, for example to
keep a campaign on the parts of the runtime that are finished.
"""

from __future__ import annotations

import functools
import os

# feature -> (Config settings that must be accepted, Store call that must work)
PROBES: dict[str, tuple[dict[str, object], tuple[str, tuple]]] = {
    "table_lazy_init": ({"table_lazy_init": False}, ("", ())),
    "pooling": ({"allocation_strategy": "pooling"}, ("", ())),
    "fuel": ({"consume_fuel": True}, ("set_fuel", (1,))),
    "epoch": ({"epoch_interruption": True}, ("set_epoch_deadline", (1,))),
    "epoch_callback": ({"epoch_interruption": True}, ("epoch_deadline_callback", (lambda store: 1,))),
    "epoch_async": ({"epoch_interruption": True}, ("epoch_deadline_async_yield_and_update", (1,))),
    "memory64": ({"wasm_memory64": True}, ("", ())),
    "multi_memory": ({"wasm_multi_memory": True}, ("", ())),
    "threads": ({"wasm_threads": True}, ("", ())),
    "simd": ({"wasm_simd": True}, ("", ())),
    "relaxed_simd": ({"wasm_relaxed_simd": True}, ("", ())),
    "wide_arithmetic": ({"wasm_wide_arithmetic": True}, ("", ())),
    "custom_page_sizes": ({"wasm_custom_page_sizes": True}, ("", ())),
    "tail_call": ({"wasm_tail_call": True}, ("", ())),
    "function_references": ({"wasm_function_references": True}, ("", ())),
    "exceptions": ({"wasm_exceptions": True}, ("", ())),
    "gc": ({"wasm_gc": True}, ("", ())),
}


@functools.cache
def supports(feature: str) -> bool:
    """Whether wasmfuzz.runtime accepts ``feature`` (a key of ``PROBES``)."""
    if feature in _disabled():
        return False
    from wasmfuzz import runtime

    settings, (store_call, args) = PROBES[feature]
    try:
        config = runtime.Config()
        for name, value in settings.items():
            setattr(config, name, value)
        store = runtime.Store(runtime.Engine(config))
        if store_call:
            getattr(store, store_call)(*args)
    except (runtime.WasmtimeError, AttributeError):
        return False
    return True


def supported() -> list[str]:
    """The features ``supports`` says yes to, in ``PROBES`` order."""
    return [name for name in PROBES if supports(name)]


def _disabled() -> set[str]:
    return {name.strip() for name in os.environ.get("WASMFUZZ_DISABLE", "").split(",") if name.strip()}
