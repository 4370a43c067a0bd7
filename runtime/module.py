"""``Module``: a decoded, validated module and its (lazily) compiled code."""

from __future__ import annotations

import hashlib
from collections import ChainMap

from .binary.decode import decode_module
from .binary.module_info import EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_MEMORY, EXTERN_TABLE, EXTERN_TAG, ModuleInfo
from .binary.validate import validate
from .binary.wat import to_wasm
from .compile import CodegenOptions, ModuleCode, PythonCompiler, compute_plan, default_layout
from .config import Engine
from .arguments import expect
from .errors import WasmtimeError
from .managed import Managed
from .types import ExportType, ImportType, extern_type
from .vm.libcalls import LIBCALLS
from .vm.exceptions import LIBCALLS as EXCEPTION_LIBCALLS
from .vm.gc import LIBCALLS as GC_LIBCALLS
from .vm.simd import LIBCALLS as SIMD_LIBCALLS
from .vm.membuf import MemoryImage

_SERIALIZE_MAGIC = b"wasmfuzz-module-v1\n"
# Every libcall generated code may name, scalar and SIMD, as one live view:
# a test that plants a bug by replacing an entry of either table is seen.
_LIBCALLS = ChainMap(LIBCALLS, SIMD_LIBCALLS, EXCEPTION_LIBCALLS, GC_LIBCALLS)


class Module(Managed):
    """A compiled WebAssembly module, shareable by any number of instances."""

    def __init__(self, engine: Engine, wasm: str | bytes, *, shared_with: "Module | None" = None):
        """Decode, validate and prepare ``wasm`` for ``engine``; raises
        WasmtimeError if it is malformed or invalid.

        ``shared_with`` (not in wasmtime-py) is a Module of the same bytes made
        for another engine: whatever depends only on what both engines'
        configurations agree on is taken from it instead of being done again,
        the decoded and validated module (same proposals), the initialisation
        plan and memory images (same image settings) and the compiled code
        (same code-generation options too; with other options, each function
        they do not change: the backend's ``share_key``), as a Wasmtime Module is shared by
        every Store of its Engine. The fuzzing oracles, which run one module
        under several configurations, compile it once per distinct
        code-generation options this way."""
        expect(engine, Engine, "an Engine")._check_open()
        binary = to_wasm(wasm)
        if shared_with is not None and shared_with._wasm != binary:
            raise ValueError("shared_with must be a Module of the same bytes")
        self.engine = engine
        self._wasm = binary
        other = shared_with if shared_with is not None and shared_with.engine.features == engine.features else None
        options = CodegenOptions(lazy_tables=engine._table_lazy_init, fuel=engine._consume_fuel,
                                 epochs=engine._epoch_interruption, layout=default_layout(),
                                 nan_canonicalization=engine._nan_canonicalization,
                                 relaxed_simd_deterministic=engine._relaxed_simd_deterministic)
        compiler = PythonCompiler()
        cache = engine._code_cache.module(binary, options, compiler.name) if engine._code_cache else None
        if other is not None:
            self._info: ModuleInfo = other._info
        else:
            # A module the cache says validated is not validated again, nor its bodies decoded before use.
            declared_refs = cache.validated(engine.features) if cache is not None else None
            self._info = decode_module(binary, engine.features, lazy_bodies=declared_refs is not None)
            if declared_refs is None:
                validate(self._info, engine.features)
                if cache is not None:
                    cache.note_validated(engine.features, self._info.declared_refs)
            else:
                self._info.declared_refs = declared_refs
        self._image_limit = engine._dense_image_size if engine._memory_init_cow else None
        if other is not None and other._image_limit == self._image_limit:
            plan, self._memory_images = other._code.plan, other._memory_images
            if other._code.options == options:
                self._code = other._code
                return
        else:
            plan = compute_plan(self._info, self._image_limit)
            sigs = self._info.memory_sigs()
            # The copy-on-write images of the memories the init plan folded, by memory index.
            self._memory_images = {i: MemoryImage(image.offset, image.data, sigs[i].min << sigs[i].page_size_log2)
                                   for i, image in plan.images.items()}
        name = other._code.name if other is not None else self._info.name or hashlib.sha1(binary).hexdigest()[:8]
        self._code = ModuleCode(self._info, name, compiler, options, _LIBCALLS, plan, cache,
                                shared=other._code.shared if other is not None else None)

    @classmethod
    def from_file(cls, engine: Engine, path) -> "Module":
        """Read a .wasm or .wat file; raises WasmtimeError if it cannot be read."""
        try:
            with open(path, "rb") as f:
                contents = f.read()
        except OSError as e:
            raise WasmtimeError(f"failed to read {path}: {e.strerror}") from None
        return cls(engine, contents)

    @staticmethod
    def validate(engine: Engine, wasm: bytes) -> None:
        """Raise WasmtimeError if ``wasm`` is not a valid module for ``engine``."""
        if not isinstance(wasm, (bytes, bytearray)):
            raise TypeError("expected wasm bytes")
        validate(decode_module(bytes(wasm), engine.features), engine.features)

    @property
    def imports(self) -> list[ImportType]:
        info = self._info
        return [ImportType(i.module, i.name, extern_type(i.kind, i.desc, info.types)) for i in info.imports]

    @property
    def exports(self) -> list[ExportType]:
        info = self._info
        out = []
        for e in info.exports:
            out.append(ExportType(e.name, extern_type(e.kind, _export_desc(info, e.kind, e.index), info.types)))
        return out

    def serialize(self) -> bytes:
        """Bytes that ``Module.deserialize`` turns back into this module."""
        return _SERIALIZE_MAGIC + self._wasm

    @classmethod
    def deserialize(cls, engine: Engine, encoded: bytes) -> "Module":
        if not isinstance(encoded, (bytes, bytearray)) or not bytes(encoded).startswith(_SERIALIZE_MAGIC):
            raise WasmtimeError("not a serialized wasmfuzz module")
        return cls(engine, bytes(encoded)[len(_SERIALIZE_MAGIC):])

    @classmethod
    def deserialize_file(cls, engine: Engine, path: str) -> "Module":
        with open(path, "rb") as f:
            return cls.deserialize(engine, f.read())


def _export_desc(info: ModuleInfo, kind: int, index: int):
    if kind == EXTERN_FUNC:
        return info.func_sig(index)
    if kind == EXTERN_TABLE:
        return info.table_sigs()[index]
    if kind == EXTERN_MEMORY:
        return info.memory_sigs()[index]
    if kind == EXTERN_GLOBAL:
        return info.global_sigs()[index]
    if kind == EXTERN_TAG:
        return info.types[info.tag_type_indices()[index]]
    raise WasmtimeError(f"unsupported export kind {kind}")
