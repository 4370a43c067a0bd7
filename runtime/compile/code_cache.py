"""The code cache on disk: compiled functions kept between processes, as
Wasmtime's ``Config.cache`` keeps native code.

The store is backend-agnostic: a backend hands it one opaque payload per
function and gets it back in a later process. Every module (its bytes, the
code-generation options, the backend) has one record file, named by the
hash of all that, in a folder named after this runtime's version, its
source files' digest and the Python cache tag, so a runtime or Python that
generates other code never finds the file (a changed code generator with
an unchanged version number included). Functions are appended to the file
as they are compiled, one framed record per function, each written by a
single ``write`` on a file opened with ``O_APPEND``, so processes appending
at once never interleave their records. A record carries its function
index, its length and a digest over the module key and its contents; a
record that does not check (a torn write, a flipped bit, a record copied
from another module's file) is skipped, and the file is then rewritten
with the good records only (atomically: a new file renamed over the old).
One more record says that the module validated, and under which proposals:
a Module made from the cache skips validation and decodes function bodies
only when it compiles them.

What is loaded is code that will run, so the cache directory must belong
to this user and be writable by no one else (``WasmtimeError`` otherwise),
and a record file that does not pass the same check is not read.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import struct
import sys
import tempfile
from functools import cache, cached_property
from pathlib import Path

from ..errors import WasmtimeError

MAGIC = b"wfzcode1"
VALIDATED = 0xFFFFFFFF  # the record saying the module validated, in place of a function index
_HEADER = struct.Struct("<8sII16s")  # magic, function index, payload length, digest
_UNSAFE_MODE = 0o022  # group or other may write


def default_directory() -> Path:
    """Where ``Config.cache = True`` keeps code: ``wasmfuzz`` under the XDG cache
    folder, as Wasmtime keeps ``wasmtime`` there."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    return Path(base if os.path.isabs(base) else os.path.join(os.path.expanduser("~"), ".cache")) / "wasmfuzz"


@cache
def runtime_fingerprint() -> str:
    """This runtime's version, the digest of its source files and the Python
    cache tag: what generated code depends on besides its module and options."""
    # The enclosing package, always imported before this one (not imported here: the runtime
    # does not depend on the harness around it).
    version = getattr(sys.modules.get(__name__.split(".")[0]), "__version__", "0")
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return f"wasmfuzz-{version}-{sys.implementation.cache_tag}-{digest.hexdigest()[:16]}"


def _check_private(path: Path, st: os.stat_result) -> None:
    if st.st_uid != os.geteuid():
        raise WasmtimeError(f"cache directory {path} is not owned by the current user; refusing to use it")
    if st.st_mode & _UNSAFE_MODE:
        raise WasmtimeError(f"cache directory {path} is writable by other users; refusing to use it")


def _private_dir(path: Path) -> Path:
    """``path``, created (mode 0700) if missing, after checking that only this user can write it."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(path)
    except OSError as e:
        raise WasmtimeError(f"cannot use cache directory {path}: {e.strerror}") from None
    _check_private(path, st)
    return path


class CodeCache:
    """A checked cache directory (raises ``WasmtimeError`` if it is not private)."""

    def __init__(self, directory: str | os.PathLike):
        self.directory = _private_dir(Path(directory))

    @cached_property
    def folder(self) -> Path:
        """This runtime's folder of record files, made and checked on first use."""
        return _private_dir(self.directory / "modules" / runtime_fingerprint())

    def module(self, wasm: bytes, options, backend: str) -> "ModuleRecords":
        """The records of the module ``wasm`` compiled by ``backend`` with ``options``."""
        key = hashlib.sha256(hashlib.sha256(wasm).digest() + repr((backend, options)).encode()).hexdigest()
        return ModuleRecords(self.folder / key, key.encode())


class ModuleRecords:
    """One module's record file: read once when the module is made, appended to
    as its functions are compiled."""

    def __init__(self, path: Path, key: bytes):
        self.path = path
        self.key = key
        self.payloads: dict[int, bytes] = {}
        good, damaged = self._read()
        if damaged:
            self._rewrite(good)

    def _digest(self, funcidx: int, payload: bytes) -> bytes:
        return hashlib.blake2b(self.key + funcidx.to_bytes(4, "little") + payload, digest_size=16).digest()

    def _record(self, funcidx: int, payload: bytes) -> bytes:
        return _HEADER.pack(MAGIC, funcidx, len(payload), self._digest(funcidx, payload)) + payload

    def _read(self) -> tuple[list[bytes], bool]:
        """Load the file's good records; returns them and whether anything else was found."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return [], False
        except OSError:
            return [], True
        try:
            st = os.fstat(fd)
            if st.st_uid != os.geteuid() or st.st_mode & _UNSAFE_MODE:
                return [], True  # not trusted: replaced by a file of ours
            with os.fdopen(os.dup(fd), "rb") as f:
                data = f.read()
        finally:
            os.close(fd)
        good, damaged, pos, size = [], False, 0, len(data)
        while pos < size:
            if pos + _HEADER.size <= size:
                magic, funcidx, length, digest = _HEADER.unpack_from(data, pos)
                end = pos + _HEADER.size + length
                payload = data[pos + _HEADER.size:end]
                if magic == MAGIC and end <= size and self._digest(funcidx, payload) == digest:
                    self.payloads[funcidx] = payload  # the last record of a function wins
                    good.append(data[pos:end])
                    pos = end
                    continue
            damaged = True
            found = data.find(MAGIC, pos + 1)
            pos = size if found < 0 else found
        return good, damaged

    def _rewrite(self, records: list[bytes]) -> None:
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".rewrite-")
            with os.fdopen(fd, "wb") as f:
                f.write(b"".join(records))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written is only slower

    def validated(self, features) -> frozenset[int] | None:
        """The functions ``ref.func`` may name (``ModuleInfo.declared_refs``) if the
        module was validated under ``features`` by the process that wrote the record."""
        record = self.payloads.get(VALIDATED)
        try:
            named, refs = marshal.loads(record) if record is not None else (None, ())
        except (ValueError, EOFError, TypeError):
            return None
        return frozenset(refs) if named == repr(features) else None

    def note_validated(self, features, declared_refs: frozenset[int]) -> None:
        self.put(VALIDATED, marshal.dumps((repr(features), tuple(sorted(declared_refs)))))

    def get(self, funcidx: int) -> bytes | None:
        return self.payloads.get(funcidx)

    def put(self, funcidx: int, payload: bytes) -> None:
        """Append ``payload`` as function ``funcidx``'s record (one write, so it is whole or torn, never mixed)."""
        self.payloads[funcidx] = payload
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, self._record(funcidx, payload))
            finally:
                os.close(fd)
        except OSError:
            pass  # a cache that cannot be written is only slower
