"""Stage two: a validated ``ModuleInfo`` to code, behind one ``Compiler`` interface.

``compiler`` holds the interface and ``ModuleCode`` (a module's functions,
compiled on first call), ``init_plan`` what instantiation can do once per
module (lazy table contents, static memory images), ``code_cache`` the
compiled code kept on disk between processes; ``python/`` is the first
backend. A second backend goes beside ``python/`` and is chosen where the
first is, in ``Module``. Imports only ``binary`` and ``errors``: generated code
reaches the run-time through the libcall table it is handed, not by import.
"""

from .code_cache import CodeCache, default_directory
from .compiler import Compiler, ModuleCode
from .init_plan import compute_plan
from .python import CodegenOptions, PythonCompiler, default_layout

__all__ = ["CodeCache", "CodegenOptions", "Compiler", "ModuleCode", "PythonCompiler", "compute_plan",
           "default_directory", "default_layout"]
