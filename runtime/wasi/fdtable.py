"""The guest's file descriptors: what each number refers to, and how numbers
are handed out.

Numbering follows Wasmtime's preview1 adapter, because guests can observe
it: 0-2 are stdin/stdout/stderr, preopened directories follow from 3 in the
order they were configured, a new descriptor takes the highest number that
was freed (by ``fd_close`` or ``fd_renumber``), else one above the highest
in use.

A ``File`` keeps its own position (reads and writes are positioned, as in
Wasmtime), its append and non-blocking flags, and whether it was opened for
reading and writing: ``fd_fdstat_get`` reports those rather than what the
host descriptor allows. A ``Directory`` remembers its preopen name, if any,
and the permissions every path below it gets (``fs_mutable``).
"""

from __future__ import annotations

from .errno import Errno, WasiError
from .hostfd import HostFd


class Stdin:
    def __init__(self, stream):
        self.stream = stream

    def close(self) -> None:
        self.stream.close()


class Output:
    """stdout or stderr."""

    def __init__(self, stream):
        self.stream = stream

    def close(self) -> None:
        self.stream.close()


class File(HostFd):
    def __init__(self, fd: int, readable: bool, writable: bool, may_write: bool, append: bool,
                 nonblocking: bool):
        super().__init__(fd)
        self.position = 0
        self.readable = readable    # opened with the right to read
        self.writable = writable    # opened with the right to write
        self.may_write = may_write  # below a mutable preopen: may be resized or touched
        self.append = append
        self.nonblocking = nonblocking


class Directory(HostFd):
    def __init__(self, fd: int, mutable: bool, files_writable: bool, preopen: str | None = None,
                 readable: bool = True):
        super().__init__(fd)
        self.mutable = mutable                # may create, remove, rename, link below it
        self.files_writable = files_writable  # files below it may be opened for writing
        self.preopen = preopen
        self.readable = readable              # opened with the right to read

    def child(self, fd: int, readable: bool) -> "Directory":
        """A directory opened below this one: same permissions, no preopen name."""
        return Directory(fd, self.mutable, self.files_writable, readable=readable)


class FdTable:
    """Descriptor numbers to descriptors."""

    def __init__(self, initial: list):
        self.used: dict[int, object] = dict(enumerate(initial))
        self.free: set[int] = set()

    def get(self, fd: int):
        desc = self.used.get(fd)
        if desc is None:
            raise WasiError(Errno.BADF)
        return desc

    def get_as(self, fd: int, kind: type):
        """The descriptor if it is a ``kind``; EBADF otherwise."""
        desc = self.used.get(fd)
        if not isinstance(desc, kind):
            raise WasiError(Errno.BADF)
        return desc

    def push(self, desc) -> int:
        if self.free:
            fd = max(self.free)
            self.free.discard(fd)
        else:
            fd = max(self.used, default=-1) + 1
            if fd > 0xFFFFFFFF:
                raise WasiError(Errno.LOOP)  # Wasmtime's answer when numbers run out at the top
        self.used[fd] = desc
        return fd

    def close(self, fd: int) -> None:
        self.get(fd).close()
        del self.used[fd]
        self.free.add(fd)

    def renumber(self, src: int, dst: int) -> None:
        """Move ``src`` onto ``dst``, closing what ``dst`` was; both must be open."""
        desc, replaced = self.get(src), self.get(dst)
        if src != dst:
            replaced.close()
            del self.used[src]
            self.free.add(src)
            self.used[dst] = desc
