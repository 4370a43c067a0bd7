"""wasmfuzz.runtime: a WebAssembly runtime that compiles Wasm to Python.

The public names and their behaviour follow wasmtime-py, so a program
written for ``wasmtime`` runs when its import is switched to
``wasmfuzz.runtime``. ``PoolingAllocationConfig`` is Wasmtime's pooling
allocator's configuration (``Config.allocation_strategy = "pooling"``), which
wasmtime-py does not expose.
"""

from .binary.wat import wat2wasm
from .config import Config, Engine
from .errors import ExitTrap, Frame, Trap, TrapCode, WasmtimeError
from .func import Caller, Func
from .globals import Global
from .instance import Instance
from .linker import InstancePre, Linker
from .memory import Memory, SharedMemory
from .module import Module
from .store import Store
from .table import Table
from .tag import Tag
from .types import ExportType, FuncType, GlobalType, ImportType, Limits, MemoryType, TableType, TagType, ValType
from .value import Val
from .vm.allocator import PoolingAllocationConfig
from .wasi import WasiConfig

__all__ = [
    "Caller", "Config", "Engine", "ExitTrap", "ExportType", "Frame", "Func", "FuncType", "Global",
    "GlobalType", "ImportType", "Instance", "InstancePre", "Limits", "Linker", "Memory", "MemoryType",
    "Module", "PoolingAllocationConfig", "SharedMemory", "Store", "Table", "TableType", "Tag", "TagType", "Trap",
    "TrapCode", "Val", "ValType",
    "WasiConfig",
    "WasmtimeError", "wat2wasm",
]
