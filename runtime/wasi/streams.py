"""Where the guest's stdin comes from and where its stdout/stderr go.

``WasiConfig`` chooses one of these per stream: the host process's own
descriptor (``inherit_*``), a file, a Python callback (``stdout_custom``), or
nothing (an empty stdin, output thrown away), which is the default as in
Wasmtime. Each is opened when configured, so a bad path fails in the
config call, as it does in wasmtime-py.
"""

from __future__ import annotations

import os
import stat
import select
import sys

from ..errors import WasmtimeError
from .errno import Errno, WasiError
from .hostfd import HostFd


class NullInput:
    """An empty stdin: every read is end-of-file."""

    isatty = False

    def read(self, size: int) -> bytes:
        return b""

    def file_has_more(self) -> bool:
        return False

    def ready(self, timeout: float = 0.0) -> bool:
        return True

    def close(self) -> None:
        pass


class FdInput(HostFd):
    """Reads from a host descriptor: the process's stdin, or a file opened for it."""

    def __init__(self, fd: int, owned: bool):
        super().__init__(fd, owned)
        self.isatty = os.isatty(fd)

    @classmethod
    def open(cls, path) -> "FdInput":
        try:
            return cls(os.open(path, os.O_RDONLY | os.O_CLOEXEC), owned=True)
        except (OSError, ValueError, TypeError):
            raise WasmtimeError("failed to set stdin file") from None

    def read(self, size: int) -> bytes:
        return os.read(self.fd, size)

    def file_has_more(self) -> bool:
        """A regular file read from before its end (what makes Wasmtime answer
        a read of 0 bytes with EINTR: its stream has data it was not asked for)."""
        try:
            st = os.fstat(self.fd)
            return stat.S_ISREG(st.st_mode) and os.lseek(self.fd, 0, os.SEEK_CUR) < st.st_size
        except OSError:
            return False

    def ready(self, timeout: float = 0.0) -> bool:
        try:
            return bool(select.select([self.fd], [], [], timeout)[0])
        except (OSError, ValueError):
            return True  # a descriptor select cannot watch (a regular file) never blocks


class NullOutput:
    """Output thrown away (the default for stdout and stderr)."""

    isatty = False

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        pass


class FdOutput(HostFd):
    """Writes to a host descriptor: the process's stdout/stderr, or a file."""

    def __init__(self, fd: int, owned: bool, python_stream: str | None = None):
        super().__init__(fd, owned)
        self.python_stream = python_stream  # sys.<name>, flushed first so output stays in order
        self.isatty = os.isatty(fd)

    @classmethod
    def open(cls, path, which: str) -> "FdOutput":
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        except (OSError, ValueError, TypeError):
            raise WasmtimeError(f"failed to set {which} file") from None
        return cls(fd, owned=True)

    @classmethod
    def inherit(cls, which: str) -> "FdOutput":
        return cls(1 if which == "stdout" else 2, owned=False, python_stream=which)

    def write(self, data: bytes) -> int:
        stream = getattr(sys, self.python_stream, None) if self.python_stream else None
        if stream is not None and not getattr(stream, "closed", False):
            stream.flush()
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        return len(data)


class CustomOutput:
    """Hands every write to a Python callable, as wasmtime-py's ``stdout_custom``:
    in pieces of at most 4 KiB (Wasmtime's), each offered again from where
    the callable stopped until it has taken all (it returns how many bytes
    it took, or None for all of them)."""

    isatty = False
    PIECE = 4096

    def __init__(self, callback):
        if not callable(callback):
            raise TypeError("expected a callable")
        self.callback = callback

    def write(self, data: bytes) -> int:
        for start in range(0, len(data), self.PIECE):
            rest = bytes(data[start:start + self.PIECE])
            while rest:
                try:
                    taken = self.callback(rest)
                except Exception as e:  # wasmtime-py reports it and the write fails with EIO
                    print("failed custom output, required to catch exception:", e)
                    raise WasiError(Errno.IO) from None
                if taken is None:
                    break
                if not isinstance(taken, int) or taken <= 0:
                    raise WasiError(Errno.IO)
                rest = rest[taken:]
        return len(data)

    def close(self) -> None:
        pass

