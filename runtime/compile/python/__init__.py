"""The Python backend: Wasm function bodies to Python source to code objects.

``codegen`` writes the source (with ``meter`` placing fuel and epoch checks
as Wasmtime does), ``pycompile`` compiles and registers it, and ``backend``
is the ``Compiler`` the rest of the runtime sees.
"""

from .backend import PythonCompiler, default_layout
from .codegen import CodegenOptions

__all__ = ["CodegenOptions", "PythonCompiler", "default_layout"]
