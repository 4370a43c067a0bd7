"""``WasiConfig``: what a WASI guest sees of the world, as in wasmtime-py.

The API is wasmtime-py's, write-only properties included: ``argv``,
``env``, ``stdin_file``/``stdout_file``/``stderr_file``,
``stdout_custom``/``stderr_custom``, the ``inherit_*`` methods and
``preopen_dir(path, guest_path, fs_mutable=True)``. As there, files and
directories are opened when configured (a bad path raises
``WasmtimeError`` from that call), and ``Store.set_wasi`` consumes the
config: using it again raises ``ValueError("already closed")``.
"""

from __future__ import annotations

import os
import sys
from os import PathLike
from typing import Callable, Iterable, Union

from ..errors import WasmtimeError
from .fdtable import Directory
from .streams import CustomOutput, FdInput, FdOutput, NullInput, NullOutput

Path = Union[str, bytes, PathLike]


def _setter(fset: Callable) -> property:
    """A write-only property, as wasmtime-py's ``setter_property``."""
    return property(fset=fset, doc=fset.__doc__)


class WasiConfig:
    """Arguments, environment, stdio and preopened directories for one store."""

    def __init__(self) -> None:
        self._state: _Settings | None = _Settings()

    def _settings(self) -> "_Settings":
        if self._state is None:
            raise ValueError("already closed")
        return self._state

    @_setter
    def argv(self, argv: list[str]) -> None:
        """The guest's arguments (``argv[0]`` is conventionally the program name)."""
        self._settings().argv = [arg.encode("utf-8") for arg in argv]

    def inherit_argv(self) -> None:
        """Use this process's own command line as the guest's arguments."""
        self._settings().argv = [os.fsencode(arg) for arg in sys.orig_argv]

    @_setter
    def env(self, pairs: Iterable[Iterable]) -> None:
        """The guest's environment, as ``(name, value)`` pairs."""
        encoded = []
        for name, value in pairs:
            encoded.append((name.encode("utf-8"), value.encode("utf-8")))
        self._settings().env = encoded

    def inherit_env(self) -> None:
        """Give the guest this process's environment variables."""
        self._settings().env = list(os.environb.items())

    @_setter
    def stdin_file(self, path: Path) -> None:
        """Read the guest's stdin from ``path``, which must exist."""
        self._settings().replace("stdin", FdInput.open(path))

    def inherit_stdin(self) -> None:
        """The guest reads this process's stdin."""
        self._settings().replace("stdin", FdInput(0, owned=False))

    @_setter
    def stdout_file(self, path: Path) -> None:
        """Write the guest's stdout to ``path``, created or truncated now."""
        self._settings().replace("stdout", FdOutput.open(path, "stdout"))

    @_setter
    def stdout_custom(self, callback: Callable[[bytes], Union[int, None]]) -> None:
        """Call ``callback(bytes)`` for each write to stdout; it returns the
        number of bytes it took, or None for all of them."""
        self._settings().replace("stdout", CustomOutput(callback))

    def inherit_stdout(self) -> None:
        """The guest writes to this process's stdout."""
        self._settings().replace("stdout", FdOutput.inherit("stdout"))

    @_setter
    def stderr_file(self, path: Path) -> None:
        """Write the guest's stderr to ``path``, created or truncated now."""
        self._settings().replace("stderr", FdOutput.open(path, "stderr"))

    @_setter
    def stderr_custom(self, callback: Callable[[bytes], Union[int, None]]) -> None:
        """Call ``callback(bytes)`` for each write to stderr, as ``stdout_custom``."""
        self._settings().replace("stderr", CustomOutput(callback))

    def inherit_stderr(self) -> None:
        """The guest writes to this process's stderr."""
        self._settings().replace("stderr", FdOutput.inherit("stderr"))

    def preopen_dir(self, path: str, guest_path: str, fs_mutable: bool = True) -> None:
        """Let the guest reach the host directory ``path`` (and only what is
        below it) under the name ``guest_path``. With ``fs_mutable=False`` the
        guest can read there but not create, change or remove anything."""
        settings = self._settings()
        try:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except (OSError, TypeError, ValueError):
            raise WasmtimeError("failed to add preopen dir") from None
        settings.preopens.append(Directory(fd, fs_mutable, fs_mutable, preopen=guest_path))

    def close(self) -> None:
        """Release what this config opened; it cannot be used afterwards."""
        if self._state is not None:
            self._state.close()
            self._state = None

    def _consume(self) -> "_Settings":
        settings = self._settings()
        self._state = None
        return settings

    def __enter__(self) -> "WasiConfig":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Settings:
    """A config's contents; handed over whole to the store's WASI context."""

    def __init__(self) -> None:
        self.argv: list[bytes] = []
        self.env: list[tuple[bytes, bytes]] = []
        self.stdin = NullInput()
        self.stdout = NullOutput()
        self.stderr = NullOutput()
        self.preopens: list[Directory] = []

    def replace(self, which: str, stream) -> None:
        getattr(self, which).close()
        setattr(self, which, stream)

    def close(self) -> None:
        for stream in (self.stdin, self.stdout, self.stderr, *self.preopens):
            stream.close()
