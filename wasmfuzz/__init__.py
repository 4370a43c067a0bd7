"""wasmfuzz: a WebAssembly runtime compiling Wasm to Python, and its fuzzing harness.

The subpackages live in top-level folders of the repository (``runtime/``,
``fuzz/``, ``oracles/``) and are mapped under ``wasmfuzz`` by pyproject.toml.
When this package is imported straight from a source checkout (no install),
the checkout root is added to ``__path__`` so ``wasmfuzz.runtime`` still
resolves to ``runtime/``; an installed copy never needs it.
"""

import os as _os

_root = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_root, "runtime", "__init__.py")) and _root not in __path__:
    __path__.append(_root)

__version__ = "0.1.0"
