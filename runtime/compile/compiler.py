"""The compiler interface, and the module's table of compiled functions.

A backend turns one validated function into a Python callable with the
calling convention ``fn(vm, *params)``; it writes code against the run-time
contract (the ``vm`` argument's fields and the named libcalls) without
importing the run-time itself, which is why it receives the libcall table
from whoever builds the module. ``ModuleCode`` is what a ``Module`` owns: the
namespace every generated function of the module shares as its globals,
where function ``j`` is bound as ``f<j>``. Functions are compiled on first
use: until then ``f<j>`` is a small stub that compiles and replaces itself,
so a large module costs nothing for functions that never run, and
instantiation never compiles. With the code cache on, the backend loads
what an earlier process compiled instead (``code_cache``).
"""

from __future__ import annotations

import threading
import weakref
from collections import ChainMap
from typing import Callable, Mapping, Protocol

from ..binary.module_info import ModuleInfo
from .code_cache import ModuleRecords
from .init_plan import InitPlan


class Compiler(Protocol):
    """A backend: compile one defined function of a validated module, binding
    the libcalls it uses from ``code.libcalls``."""

    name: str

    def compile_function(self, code: "ModuleCode", funcidx: int) -> Callable: ...

    def forget(self, filenames: list[str]) -> None:
        """Release what the backend registered under ``filenames`` (called
        when the module is freed)."""


class Registration:
    """Keeps a ModuleCode's registered file names (``filenames``) taken: they
    are forgotten (``Compiler.forget``) when nothing holds this any more, its
    ModuleCode nor code lent from it to another (``shared``). Apart from the
    ModuleCode so that lending makes no reference cycle, which would keep the
    names taken until a garbage collection."""

    __slots__ = ("__weakref__",)

    def __init__(self, compiler: Compiler, filenames: list[str]):
        weakref.finalize(self, compiler.forget, filenames)


class ModuleCode:
    """Compiled code of one module, shared by all its instances."""

    def __init__(self, info: ModuleInfo, name: str, compiler: Compiler, options, libcalls: Mapping[str, Callable],
                 plan: InitPlan, cache: ModuleRecords | None = None, shared: dict | None = None):
        self.info = info
        self.name = name
        self.compiler = compiler
        self.options = options  # the backend's code-generation options
        # The libcalls, and each type's canonical id as ``_T<index>`` (what
        # call_indirect compares with; ids are per process, so never baked into
        # code the code cache keeps).
        self.libcalls = ChainMap({f"_T{i}": t for i, t in enumerate(info.type_ids)}, libcalls)
        self.cache = cache  # this module's records in the code cache (Config.cache), if on
        # What the backend compiled for every ModuleCode of this ``info`` (one per set of
        # code-generation options), by its own key: a function whose code the options in
        # which they differ do not change is compiled once for all of them (``shared``
        # of ``Module``). The backend keeps there whatever the code it lends needs alive.
        self.shared: dict = shared if shared is not None else {}
        # Whether tables of this module's instances may hold UNINIT elements, so
        # generated reads must check for them (Config.table_lazy_init).
        self.lazy_tables = options.lazy_tables
        self.exports = {e.name: (e.kind, e.index) for e in info.exports}
        type_indices = info.func_type_indices()
        self.func_sigs = [info.types[t] for t in type_indices]
        self.func_type_ids = [info.type_ids[t] for t in type_indices]
        self.plan = plan  # what instantiation need not do (init_plan.compute_plan)
        self.namespace: dict = {"__name__": f"wasm:{name}", "__builtins__": __builtins__}
        self.num_imported = info.num_imported_funcs
        self._compiled: dict[int, Callable] = {}
        # References made before their function was compiled hold its stub; they
        # are pointed at the compiled code when it exists.
        self._waiting: dict[int, weakref.WeakSet] = {}
        self._lock = threading.Lock()
        self.filenames: list[str] = []  # what the backend registered (generated source in linecache)
        self.registration = Registration(compiler, self.filenames)
        for j in range(self.num_imported, self.num_imported + len(info.funcs)):
            self.namespace[f"f{j}"] = self._stub(j)

    def _stub(self, j: int) -> Callable:
        def stub(vm, *args):
            return self.function(j)(vm, *args)
        stub.__qualname__ = f"stub_f{j}"
        return stub

    def function(self, j: int) -> Callable:
        """The compiled code of defined function ``j`` (compiling it now if needed)."""
        fn = self._compiled.get(j)
        if fn is None:
            with self._lock:
                fn = self._compiled.get(j)
                if fn is None:
                    fn = self.compiler.compile_function(self, j)
                    self._compiled[j] = fn
                    self.namespace[f"f{j}"] = fn
                    for ref in self._waiting.pop(j, ()):
                        ref.code = fn
        return fn

    def bind_ref(self, j: int, ref) -> None:
        """Give FuncRef ``ref`` the code of function ``j`` without compiling it:
        the stub until the first call, the compiled code after."""
        fn = self._compiled.get(j)
        if fn is not None:
            ref.code = fn
            return
        with self._lock:
            if j in self._compiled:
                ref.code = self._compiled[j]
                return
            ref.code = self.namespace[f"f{j}"]
            waiting = self._waiting.get(j)
            if waiting is None:
                waiting = self._waiting[j] = weakref.WeakSet()
            waiting.add(ref)
