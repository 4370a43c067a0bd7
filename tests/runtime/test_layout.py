"""The package layout keeps its promises: no import circles, stages import
only downwards, every module says what it holds.

The import graph is read from the source with ``ast`` (imports inside
functions count: a lazy import is still a dependency), so these tests fail
the day someone adds an import that goes the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import wasmfuzz.runtime
import wasmtime

ROOT = Path(__file__).resolve().parents[2]
# Folder of the checkout -> dotted package it installs as (pyproject's package-dir).
PACKAGES = {"runtime": "wasmfuzz.runtime", "fuzz": "wasmfuzz.fuzz", "oracles": "wasmfuzz.oracles",
            "wasmfuzz": "wasmfuzz"}

# The stages of the runtime in data-flow order. A module of a stage may import
# its own stage and the stages listed for it, never any other part of the
# runtime. ``errors`` (the exception types every stage raises and the user
# catches) is the one module of the API face that every stage may use.
STAGE_IMPORTS = {
    "binary": {"binary"},
    "compile": {"compile", "binary"},
    "vm": {"vm", "binary"},
    "wasi": {"wasi", "face"},
    "face": {"face", "binary", "compile", "vm", "wasi"},
}


def module_files() -> dict[str, Path]:
    out = {}
    for folder, dotted in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            parts = list(path.relative_to(ROOT / folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join([dotted, *parts])] = path
    return out


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports, anywhere in its body."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    files = module_files()
    known = set(files)
    return {name: imports_of(name, path, known) for name, path in files.items()}


def packages_of(name: str) -> set[str]:
    """A module's enclosing packages: importing ``a.b.c`` runs ``a`` and ``a.b`` first."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_circles():
    # A package's __init__ importing its own submodules is how a package
    # re-exports its names, not a circle; every other edge counts.
    edges = {name: {t for t in targets if name not in packages_of(t)} for name, targets in graph().items()}
    assert cycles(edges) == []


def stage(name: str) -> str | None:
    parts = name.split(".")
    if parts[:2] != ["wasmfuzz", "runtime"]:
        return None
    if len(parts) > 2 and parts[2] in STAGE_IMPORTS:
        return parts[2]
    return "face"


@pytest.mark.parametrize("folder", sorted(set(STAGE_IMPORTS) - {"face"}))
def test_stage_imports_only_downwards(folder):
    wrong = []
    for name, targets in graph().items():
        if stage(name) != folder:
            continue
        for target in targets:
            target_stage = stage(target)
            if target_stage is None:
                if target.startswith("wasmfuzz"):
                    wrong.append(f"{name} -> {target} (outside the runtime)")
            elif target_stage not in STAGE_IMPORTS[folder] and target != "wasmfuzz.runtime.errors":
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_runtime_imports_nothing_of_the_harness():
    wrong = [f"{name} -> {t}" for name, targets in graph().items() if stage(name)
             for t in targets if stage(t) is None and t.startswith("wasmfuzz")]
    assert wrong == []


def test_every_module_says_what_it_holds():
    missing = []
    for name, path in module_files().items():
        doc = ast.get_docstring(ast.parse(path.read_text()))
        if not doc or not doc.strip() or doc.strip().upper().startswith("TODO"):
            missing.append(name)
    assert missing == []


def test_public_names_are_all_and_wasmtime_pys():
    public = {n for n in dir(wasmfuzz.runtime) if not n.startswith("_") and n[0].isupper() or n == "wat2wasm"}
    assert set(wasmfuzz.runtime.__all__) == public
    missing = {"Engine", "Config", "Store", "Module", "Linker", "Instance", "Func", "FuncType", "ValType",
               "Val", "Memory", "MemoryType", "Table", "TableType", "Global", "GlobalType", "Limits", "Trap",
               "TrapCode", "WasmtimeError"} - set(wasmfuzz.runtime.__all__)
    assert not missing
    # Our additions, which wasmtime-py has no counterpart for: Trap.frames' element type, and
    # the pooling allocator's settings (Wasmtime's PoolingAllocationConfig, not bound in wasmtime-py).
    extensions = {"Frame", "PoolingAllocationConfig"}
    assert all(hasattr(wasmtime, n) for n in wasmfuzz.runtime.__all__ if n not in extensions)
