"""``Linker``: name-based import resolution, as in wasmtime-py."""

from __future__ import annotations

from .arguments import expect, expect_store
from .binary.module_info import EXTERN_FUNC
from .config import Engine
from .errors import LinkError, WasmtimeError
from .func import Func
from .globals import Global
from .instance import EXTERN_TYPES, EXTERN_WHAT, Instance, check_import, instantiate
from .managed import Managed
from .memory import Memory, SharedMemory
from .module import Module
from .table import Table
from .types import FuncType, GlobalType, MemoryType, TableType
from .value import default_value
from .wasi import define_wasi



class Linker(Managed):
    """Defines items by ``(module, name)`` and instantiates modules against them."""

    def __init__(self, engine: Engine):
        self.engine = expect(engine, Engine, "an Engine")
        self._items: dict[tuple[str, str], object] = {}
        self._host_funcs: dict[tuple[str, str], tuple] = {}
        self._shadowing = False

    @property
    def allow_shadowing(self) -> bool:
        return self._shadowing

    @allow_shadowing.setter
    def allow_shadowing(self, allow: bool) -> None:
        if not isinstance(allow, bool):
            raise TypeError("expected a bool")
        self._shadowing = allow

    def _insert(self, module: str, name: str, item) -> None:
        self._check_open()
        expect(module, str, "a str module name")
        expect(name, str, "a str item name")
        key = (module, name)
        if not self._shadowing and (key in self._items or key in self._host_funcs):
            raise WasmtimeError(f"import of `{module}::{name}` defined twice")
        self._items.pop(key, None)
        self._host_funcs.pop(key, None)
        if isinstance(item, tuple):
            self._host_funcs[key] = item
        else:
            self._items[key] = item

    def define(self, store, module: str, name: str, item) -> None:
        """Define ``module::name`` as a Func, Table, Memory, SharedMemory, Global or Tag."""
        expect(item, EXTERN_TYPES, EXTERN_WHAT)
        self._insert(module, name, item)

    def define_func(self, module: str, name: str, ty: FuncType, func, access_caller: bool = False) -> None:
        """Define a host function usable from any store."""
        expect(ty, FuncType, "a FuncType")
        self._insert(module, name, (ty, func, access_caller))

    def define_instance(self, store, name: str, instance: Instance) -> None:
        """Define every export of ``instance`` under module name ``name``."""
        for export_name, item in instance.exports(store).items():
            self._insert(name, export_name, item)

    def define_wasi(self) -> None:
        """Define every ``wasi_snapshot_preview1`` function; each acts on the
        WASI context of the store it is called in (``Store.set_wasi``)."""
        define_wasi(self)

    def define_module(self, store, name: str, module) -> None:
        """Define ``module``'s exports under ``name``, as WASI's conventions
        (and Wasmtime) say: a command (it exports ``_start``) gets a fresh
        instance for every call of one of its functions, so each call starts
        from the module's initial state; any other module (a reactor) is
        instantiated once here, its ``_initialize`` run if it has one."""
        expect(module, Module, "a Module")
        names = {e.name: e.type for e in module.exports}
        if "_start" in names and "_initialize" in names:
            raise WasmtimeError("Program cannot be both a Command and a Reactor")
        if "_start" not in names:
            instance = self.instantiate(store, module)
            exports = instance.exports(store)
            if isinstance(exports.get("_initialize"), Func):
                exports["_initialize"](store)
            self.define_instance(store, name, instance)
            return
        for export, ty in names.items():
            if not isinstance(ty, FuncType):
                raise WasmtimeError(f"command export '{export}' is not a function")
        for export, ty in names.items():
            def run(caller, *args, _export=export):
                fresh = self.instantiate(caller, module)
                return fresh.exports(caller)[_export](caller, *args)
            self._insert(name, export, (ty, run, True))

    def define_unknown_imports_as_traps(self, module: Module) -> None:
        """Define each function import of ``module`` not yet defined as a
        function that fails when called (other kinds stay undefined)."""
        for imp in self._unknown_imports(module):
            if isinstance(imp.type, FuncType):
                def fail(*args, _key=(imp.module, imp.name)):
                    raise WasmtimeError(f"unknown import: `{_key[0]}::{_key[1]}` has not been defined")
                self._insert(imp.module, imp.name, (imp.type, fail, False))

    def define_unknown_imports_as_default_values(self, store, module: Module) -> None:
        """Define each import of ``module`` not yet defined as its type's
        default: a function returning zeros, a global holding zero, a fresh
        memory or table of the imported type (null elements)."""
        store = expect_store(store)
        for imp in self._unknown_imports(module):
            ty = imp.type
            if isinstance(ty, FuncType):
                zeros = [default_value(t) for t in ty._sig.results]
                item = (ty, lambda *args, _z=tuple(zeros): _z[0] if len(_z) == 1 else (list(_z) or None), False)
            elif isinstance(ty, GlobalType):
                item = Global(store, ty, default_value(ty._sig.type))
            elif isinstance(ty, MemoryType):
                item = SharedMemory(self.engine, ty) if ty.is_shared else Memory(store, ty)
            elif isinstance(ty, TableType):
                item = Table(store, ty, None)
            else:
                continue
            self._insert(imp.module, imp.name, item)

    def _unknown_imports(self, module: Module) -> list:
        expect(module, Module, "a Module")
        return [imp for imp in module.imports
                if (imp.module, imp.name) not in self._items and (imp.module, imp.name) not in self._host_funcs]

    def get(self, store, module: str, name: str):
        key = (module, name)
        if key in self._host_funcs:
            ty, func, access_caller = self._host_funcs[key]
            return Func(store, ty, func, access_caller)
        item = self._items.get(key)
        if item is None:
            raise WasmtimeError(f"no item named `{module}::{name}` in linker")
        return item

    def get_default(self, store, name: str) -> Func:
        """The default function of module ``name``: ``name::""``, else
        ``name::_start``, else (as in Wasmtime) a function doing nothing."""
        for key in ((name, ""), (name, "_start")):
            if key in self._host_funcs or isinstance(self._items.get(key), Func):
                return self.get(store, *key)
        return Func(store, FuncType([], []), lambda: None)

    def _resolve(self, store, module) -> list:
        out = []
        for imp in module._info.imports:
            key = (imp.module, imp.name)
            if key in self._host_funcs:
                ty, func, access_caller = self._host_funcs[key]
                out.append(Func(store, ty, func, access_caller))
            elif key in self._items:
                out.append(self._items[key])
            else:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
        return out

    def instantiate(self, store, module) -> Instance:
        """Instantiate ``module`` with imports resolved by name."""
        self._check_open()
        store = expect_store(store)
        expect(module, Module, "a Module")
        imports = self._resolve(store, module)
        return Instance._from_vm(store, module, instantiate(store, module, imports))

    def instantiate_pre(self, module) -> "InstancePre":
        self._check_open()
        return InstancePre(self, expect(module, Module, "a Module"))


class InstancePre(Managed):
    """A module whose imports were resolved and type-checked once, for
    instantiating it repeatedly: ``instantiate(store)`` only builds.

    Items the linker defined as host functions are made per store; other
    items are the linker's objects. Later redefinitions in the linker do not
    affect an existing InstancePre."""

    def __init__(self, linker: Linker, module):
        self._module = module
        info = module._info
        self._items = []
        for imp in info.imports:
            key = (imp.module, imp.name)
            if key in linker._host_funcs:
                ty, func, access_caller = linker._host_funcs[key]
                if ty._sig != info.types[imp.desc] or imp.kind != EXTERN_FUNC:
                    raise LinkError(f"incompatible import type for `{imp.module}::{imp.name}`")
                self._items.append((ty, func, access_caller))
            elif key in linker._items:
                check_import(info, imp, linker._items[key])
                self._items.append(linker._items[key])
            else:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")

    def module(self):
        return self._module

    def instantiate(self, store) -> Instance:
        imports = [Func(store, *item) if isinstance(item, tuple) else item for item in self._items]
        return Instance._from_vm(store, self._module, instantiate(store, self._module, imports, checked=True))
