"""WASI preview1 (``wasi_snapshot_preview1``) for wasmfuzz.runtime, as
wasmtime-py offers it: a ``WasiConfig`` given to ``Store.set_wasi``, and
``Linker.define_wasi`` defining every preview1 function.

Behaviour follows Wasmtime's preview1 implementation wherever a guest can
observe it (descriptor numbers, errnos, rights reported, how many bytes one
call reads or writes, which argument errors trap), because the point is to
run programs compiled for Wasmtime and compare the two runtimes. The guest
reaches the host only through what its config grants; see ``sandbox`` for
how paths are kept below the preopened directories and ``guest`` for how
pointers are checked.

Modules: ``config`` (WasiConfig), ``context`` (one store's state),
``fdtable`` (descriptors and their numbering), ``sandbox`` (path
resolution), ``filesystem`` (file and directory operations), ``streams``
(stdio), ``poll`` (poll_oneoff), ``guest`` (checked guest memory),
``abi`` and ``errno`` (the preview1 types), ``host`` (the functions).
"""

from .config import WasiConfig
from .context import context_for
from .host import define_wasi

__all__ = ["WasiConfig", "context_for", "define_wasi"]
