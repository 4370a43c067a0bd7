"""``Config`` and ``Engine``, as in wasmtime-py.

Config's properties are write-only switches. A ``wasm_*`` switch for a
proposal this runtime does not implement yet raises ``WasmtimeError`` when
turned on, so a program never runs with a feature it asked for silently
missing. Knobs that only tune Wasmtime's native code generation
(``cranelift_*``, ``strategy``, ``parallel_compilation`` ...) are accepted
and have no effect here, since there is no native code. ``cache`` turns on
the code cache (``compile/code_cache``), configured as Wasmtime's is.
"""

from __future__ import annotations

import os
import platform
import tomllib

from .binary.features import DEFAULTS, Features
from .compile import CodeCache, default_directory
from .errors import WasmtimeError
from .managed import Managed
from .vm.allocator import OnDemandAllocator, PoolingAllocationConfig, PoolingAllocator
from .vm.interrupts import EpochCounter

# wasm_* switch -> Features field, for the proposals implemented.
_FEATURE_SWITCHES = {
    "wasm_bulk_memory": "bulk_memory",
    "wasm_reference_types": "reference_types",
    "wasm_multi_value": "multi_value",
    "wasm_memory64": "memory64",
    "wasm_multi_memory": "multi_memory",
    "wasm_threads": "threads",
    "wasm_extended_const": "extended_const",
    "wasm_simd": "simd",
    "wasm_relaxed_simd": "relaxed_simd",
    "wasm_wide_arithmetic": "wide_arithmetic",
    "wasm_tail_call": "tail_call",
    "wasm_custom_page_sizes": "custom_page_sizes",
    "wasm_function_references": "function_references",
    "wasm_exceptions": "exceptions",
    # Not in wasmtime-py: the instructions older toolchains emit for exceptions
    # (try, catch, catch_all, delegate, rethrow), off by default.
    "wasm_legacy_exceptions": "legacy_exceptions",
    "wasm_gc": "gc",
}
# Proposals not implemented yet: turning them on is an error.
_UNSUPPORTED = ("wasm_component_model",
                "wasm_component_model_map", "wasm_component_model_implements", "wasm_stack_switching")
DEFAULT_DENSE_IMAGE_SIZE = 16 << 20  # Wasmtime's memory_guaranteed_dense_image_size
# Native-code tuning with no meaning for a Python backend (values checked as
# wasmtime-py checks them, in _CHOICES, then kept unused).
_NO_EFFECT = ("cranelift_debug_verifier", "cranelift_opt_level",
              "strategy", "profiler", "debug_info", "parallel_compilation", "target",
              "memory_reservation", "memory_guard_size", "memory_reservation_for_growth",
              "memory_may_move", "native_unwind_info", "macos_use_mach_ports",
              "signals_based_traps", "gc_support")


_CHOICES = {"strategy": ("auto", "cranelift"), "cranelift_opt_level": ("none", "speed", "speed_and_size"),
            "profiler": ("none", "jitdump", "vtune", "perfmap")}
# What Wasmtime's cache configuration file may set (wasmtime 50 refuses any other key);
# only the directory means something here.
_CACHE_KEYS = ("directory", "worker-event-queue-size", "baseline-compression-level", "optimized-compression-level",
               "optimized-compression-usage-counter-threshold", "cleanup-interval",
               "optimizing-compression-task-timeout", "allowed-clock-drift-for-files-from-future",
               "file-count-soft-limit", "files-total-size-soft-limit", "file-count-limit-percent-if-deleting",
               "files-total-size-limit-percent-if-deleting")
# Architectures of the target triples Wasmtime can compile for.
_ARCHITECTURES = ("x86_64", "aarch64", "riscv64gc", "s390x", "pulley32", "pulley64", "pulley32be", "pulley64be")


class Config(Managed):
    """Engine-wide settings. Properties are write-only, as in wasmtime-py;
    an ``Engine`` made from a Config consumes it (a second one is refused).

    Beyond wasmtime-py's settings, four of Wasmtime's own (Rust API) are here:
    ``table_lazy_init`` (default True: function references and funcref table
    elements are built on first use; False is the eager reference semantics),
    ``allocation_strategy`` ("on-demand" or "pooling"),
    ``pooling_allocation_config`` (a ``PoolingAllocationConfig``) and
    ``memory_guaranteed_dense_image_size`` (bytes, default 16 MiB: a memory's
    data spanning less than this always becomes a static image, see
    ``compile/init_plan.py``). ``memory_init_cow`` (default True) is
    wasmtime-py's: off, no memory starts from a static image, and Wasmtime
    then charges fuel for every data segment at instantiation."""

    def __init__(self):
        self._features = DEFAULTS
        self._consume_fuel = False
        self._epoch_interruption = False
        self._shared_memory = False
        self._table_lazy_init = True
        self._memory_init_cow = True
        self._dense_image_size = DEFAULT_DENSE_IMAGE_SIZE
        self._nan_canonicalization = False
        self._relaxed_simd_deterministic = False
        self._allocation_strategy = "on-demand"
        self._pooling = PoolingAllocationConfig()
        self._code_cache: CodeCache | None = None
        self._tuning: dict[str, object] = {}

    def __setattr__(self, name: str, value) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        self._check_open()
        if name in _CHOICES and value not in _CHOICES[name]:
            raise WasmtimeError(f"unknown {name.replace('_', ' ')}: {value}")
        if name == "target":
            _check_target(value)
        if name in _FEATURE_SWITCHES:
            self._features = self._features.with_(**{_FEATURE_SWITCHES[name]: _bool(name, value)})
        elif name in _UNSUPPORTED:
            if _bool(name, value):
                raise WasmtimeError(f"Config.{name} is not supported by wasmfuzz yet")
        elif name == "cache":
            self._code_cache = CodeCache(_cache_directory(value))
        elif name == "consume_fuel":
            self._consume_fuel = _bool(name, value)
        elif name == "epoch_interruption":
            self._epoch_interruption = _bool(name, value)
        elif name == "shared_memory":
            self._shared_memory = _bool(name, value)
        elif name == "max_wasm_stack":
            # Checked like wasmtime-py's, but without effect: Wasm recursion runs on
            # Python frames and is bounded by store.WASM_RECURSION_LIMIT, a
            # process-wide setting that no one engine can change.
            if not isinstance(value, int) or value <= 0:
                raise WasmtimeError("max_wasm_stack must be a positive int")
        elif name == "cranelift_nan_canonicalization":
            self._nan_canonicalization = _bool(name, value)
        elif name == "wasm_relaxed_simd_deterministic":
            self._relaxed_simd_deterministic = _bool(name, value)
        elif name == "table_lazy_init":
            self._table_lazy_init = _bool(name, value)
        elif name == "memory_init_cow":
            self._memory_init_cow = _bool(name, value)
        elif name == "memory_guaranteed_dense_image_size":
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 64:
                raise WasmtimeError("memory_guaranteed_dense_image_size must be an int from 0 to 2**64-1")
            self._dense_image_size = value
        elif name == "allocation_strategy":
            if value not in ("on-demand", "pooling"):
                raise WasmtimeError("allocation_strategy must be 'on-demand' or 'pooling'")
            self._allocation_strategy = value
        elif name == "pooling_allocation_config":
            if not isinstance(value, PoolingAllocationConfig):
                raise TypeError("expected a PoolingAllocationConfig")
            self._pooling = value
        elif name in _NO_EFFECT:
            self._tuning[name] = value
        else:
            raise AttributeError(f"Config has no setting {name!r}")

    def __getattr__(self, name: str):
        raise AttributeError(f"Config.{name} is write-only")

    def cranelift_flag_enable(self, flag: str) -> None:
        """Accepted for wasmtime-py programs; Cranelift's flags tune native code."""
        self._check_open()
        if not isinstance(flag, str):
            raise TypeError("expected a str")

    def cranelift_flag_set(self, key: str, value: str) -> None:
        """Accepted for wasmtime-py programs; Cranelift's flags tune native code."""
        self._check_open()
        if not isinstance(key, str):
            raise TypeError("expected a str for key")
        if not isinstance(value, str):
            raise TypeError("expected a str for value")

    @property
    def features(self) -> Features:
        return self._features


def _cache_directory(value) -> str | os.PathLike:
    """The code cache's directory, from ``Config.cache``'s value as Wasmtime reads
    it: True for the default directory, or the path of a TOML file whose
    ``[cache]`` table may name an absolute ``directory``."""
    if isinstance(value, bool):
        if not value:
            raise WasmtimeError("caching cannot be explicitly disabled")
        return default_directory()
    if not isinstance(value, str):
        raise TypeError("expected a bool or a str")
    try:
        with open(value, "rb") as f:
            settings = tomllib.load(f)
    except OSError as e:
        raise WasmtimeError(f"failed to read config file: {value}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise WasmtimeError(f"failed to parse config file: {value}: {e}") from None
    table = settings.get("cache", {})
    if not isinstance(table, dict):
        raise WasmtimeError(f"failed to parse config file: {value}: invalid type for `cache`, expected a table")
    unknown = sorted(set(settings) - {"cache"}) + sorted(set(table) - set(_CACHE_KEYS))
    if unknown:
        raise WasmtimeError(f"failed to parse config file: {value}: unknown field `{unknown[0]}`")
    directory = table.get("directory")
    if directory is None:
        return default_directory()
    if not isinstance(directory, str) or not os.path.isabs(directory):
        raise WasmtimeError(f"Cache directory path has to be absolute, path: {directory}")
    return directory


def _check_target(triple) -> None:
    """A target triple Wasmtime knows (architecture-vendor-system[-environment]).
    Generated Python runs on any host, so any known target is as good as the host's."""
    if not isinstance(triple, str):
        raise TypeError("expected a str")
    parts = triple.split("-")
    if not 3 <= len(parts) <= 4 or parts[0] not in _ARCHITECTURES or not all(parts):
        raise WasmtimeError(f"unrecognized target triple: {triple} (host: {host_triple()})")


def host_triple() -> str:
    """This machine's triple, as Wasmtime names it."""
    system = platform.system().lower()
    vendor, system = ("apple", "darwin") if system == "darwin" else ("unknown", f"{system}-gnu"
                                                                     if system == "linux" else system)
    return f"{platform.machine().replace('arm64', 'aarch64')}-{vendor}-{system}"


def _bool(name: str, value) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"Config.{name} expects a bool")
    return value


class Engine(Managed):
    """Compilation settings shared by modules and stores, and the epoch counter."""

    def __init__(self, config: Config | None = None):
        if config is not None and not isinstance(config, Config):
            raise TypeError("expected a Config")
        config = config or Config()
        config._check_open()
        if config._features.relaxed_simd and not config._features.simd:
            # (wasmtime-py 50 aborts the process here)
            raise WasmtimeError("cannot disable the simd proposal but enable the relaxed simd proposal")
        config.close()  # consumed, as wasmtime-py's Engine takes ownership of it
        self._features = config._features
        self._consume_fuel = config._consume_fuel
        self._epoch_interruption = config._epoch_interruption
        # As in Wasmtime, shared memories (module-defined or SharedMemory)
        # need Config.shared_memory on top of wasm_threads.
        self._shared_memory = config._shared_memory
        self._table_lazy_init = config._table_lazy_init
        self._memory_init_cow = config._memory_init_cow
        self._dense_image_size = config._dense_image_size
        self._nan_canonicalization = config._nan_canonicalization  # a code-generation option
        self._relaxed_simd_deterministic = config._relaxed_simd_deterministic  # another
        self._code_cache = config._code_cache  # None: compile everything
        self._allocator = (PoolingAllocator(config._pooling) if config._allocation_strategy == "pooling"
                           else OnDemandAllocator())
        self._epoch = EpochCounter()

    @property
    def features(self) -> Features:
        return self._features

    def increment_epoch(self) -> None:
        """Advance the epoch by one. Safe to call from any thread."""
        self._check_open()
        self._epoch.increment()

    def is_pulley(self) -> bool:
        return False
