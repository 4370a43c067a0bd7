"""``Linker``: name-based import resolution, as in wasmtime-py."""

from __future__ import annotations

from .binary.module_info import EXTERN_FUNC
from .config import Engine
from .errors import LinkError, Trap, WasmtimeError
from .func import Func, host_funcref
from .globals import Global
from .instance import Instance, check_import, instantiate
from .memory import Memory, SharedMemory
from .table import Table
from .types import FuncType
from .value import default_value
from .wasi import define_wasi

_EXTERNS = (Func, Table, Memory, SharedMemory, Global)


class Linker:
    """Defines items by ``(module, name)`` and instantiates modules against them."""

    def __init__(self, engine: Engine):
        if not isinstance(engine, Engine):
            raise TypeError("expected an Engine")
        self.engine = engine
        self._items: dict[tuple[str, str], object] = {}
        self._host_funcs: dict[tuple[str, str], tuple] = {}
        self._shadowing = False
        self._unknown = None  # None | "traps" | "defaults"

    @property
    def allow_shadowing(self) -> bool:
        return self._shadowing

    @allow_shadowing.setter
    def allow_shadowing(self, allow: bool) -> None:
        if not isinstance(allow, bool):
            raise TypeError("expected a bool")
        self._shadowing = allow

    def _insert(self, module: str, name: str, item) -> None:
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
        """Define ``module::name`` as a Func, Table, Memory, SharedMemory or Global."""
        if not isinstance(item, _EXTERNS):
            raise TypeError("expected a Func, Table, Memory, SharedMemory or Global")
        self._insert(module, name, item)

    def define_func(self, module: str, name: str, ty: FuncType, func, access_caller: bool = False) -> None:
        """Define a host function usable from any store."""
        if not isinstance(ty, FuncType):
            raise TypeError("expected a FuncType")
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
        """Instantiate ``module`` and define its exports under ``name``."""
        self.define_instance(store, name, self.instantiate(store, module))

    def define_unknown_imports_as_traps(self, module) -> None:
        """Imports not defined otherwise become functions that trap when called."""
        self._unknown = "traps"

    def define_unknown_imports_as_default_values(self, module) -> None:
        """Imports not defined otherwise become functions returning zero values."""
        self._unknown = "defaults"

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
        item = self._items.get((name, ""))
        if isinstance(item, Func):
            return item
        raise WasmtimeError(f"no default export for `{name}`")

    def _resolve(self, store, module) -> list:
        out = []
        for imp in module._info.imports:
            key = (imp.module, imp.name)
            if key in self._host_funcs:
                ty, func, access_caller = self._host_funcs[key]
                out.append(Func(store, ty, func, access_caller))
            elif key in self._items:
                out.append(self._items[key])
            elif self._unknown is not None and imp.kind == EXTERN_FUNC:
                out.append(self._unknown_func(store, module._info.types[imp.desc], key))
            else:
                raise LinkError(f"unknown import: `{imp.module}::{imp.name}` has not been defined")
        return out

    def _unknown_func(self, store, sig, key) -> Func:
        f = Func.__new__(Func)
        f._store = store
        if self._unknown == "traps":
            def body(*args):
                raise Trap(f"unknown import `{key[0]}::{key[1]}` was called")
        else:
            defaults = [default_value(t) for t in sig.results]

            def body(*args):
                return defaults[0] if len(defaults) == 1 else (defaults or None)
        f._ref = host_funcref(store, sig, body, False)
        return f

    def instantiate(self, store, module) -> Instance:
        """Instantiate ``module`` with imports resolved by name."""
        imports = self._resolve(store, module)
        return Instance._from_vm(store, module, instantiate(store, module, imports))

    def instantiate_pre(self, module) -> "InstancePre":
        return InstancePre(self, module)


class InstancePre:
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
