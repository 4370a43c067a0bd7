"""wasm-tools runs forked from a wasm-tools process that is already loaded.

Every smith and mutate run used to start the 17 MB executable anew: the
kernel maps it, the dynamic loader applies 37,000 relocations, and the
first touch of each page faults. From a fuzzing process that was 3.5 ms of
a 3.5 ms smith run, most of it before smith began; forked from a process
that is past all that (``fork_server.c``, an LD_PRELOAD shim in the manner
of AFL's fork server), 2.3 ms. A third of the runs' cost, and smith and
mutate runs are a sixth to a fifth of the smith-based targets' time.

The shim is compiled with the machine's C compiler on first use and kept
in the user's cache directory. Where that cannot be done (no compiler, not
Linux, a server that does not answer), ``run`` returns None and the caller
starts the executable as before: the server changes how fast, never what.
Each process has its own server (a forked Python process starts another),
which exits when its request pipe closes, with the process that started it.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import select
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from pathlib import Path

from wasmfuzz.runtime.binary.wat import wasm_tools

SOURCE = Path(__file__).with_name("fork_server.c")
PLACEHOLDERS = 256  # the most arguments a request may carry
HELLO = b"WFS1"
REPLY_TIMEOUT = 10.0  # seconds the server may take to say hello or to answer (its child's run aside)
FILES_PREFIX = "wasmfuzz-tools-"  # then the pid of the process whose server reads and writes there


class Server:
    """One running fork server and the files its children read and write."""

    def __init__(self, shim: Path):
        self.pid = os.getpid()
        memory = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()  # never reach a disk
        _remove_orphans(Path(memory))
        self.dir = tempfile.mkdtemp(prefix=f"{FILES_PREFIX}{self.pid}-", dir=memory)
        self.stdin, self.stdout, self.stderr = (os.path.join(self.dir, n) for n in ("stdin", "stdout", "stderr"))
        req_r, self.req = os.pipe()
        self.resp, resp_w = os.pipe()
        preload = " ".join(filter(None, [str(shim), os.environ.get("LD_PRELOAD")]))
        env = dict(os.environ, LD_PRELOAD=preload, WASMFUZZ_FORK_SERVER=f"{req_r},{resp_w}")
        try:
            self.proc = subprocess.Popen([wasm_tools(), *["-"] * PLACEHOLDERS], env=env, pass_fds=(req_r, resp_w),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        except OSError:
            os.close(self.req)
            os.close(self.resp)
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        finally:
            os.close(req_r)
            os.close(resp_w)
        atexit.register(self.close)
        if self._read(len(HELLO), REPLY_TIMEOUT) != HELLO:
            self.close()
            raise OSError("the wasm-tools fork server did not start")

    def run(self, args: list[str], data: bytes, timeout: float | None) -> tuple[int, bytes, bytes]:
        """Exit code, stdout and stderr of ``wasm-tools *args`` on ``data``;
        OSError if the server failed, TimeoutExpired past ``timeout``."""
        if len(args) >= PLACEHOLDERS:
            raise OSError("more arguments than the fork server has room for")
        deadline = None if timeout is None else time.monotonic() + timeout
        with open(self.stdin, "wb") as f:
            f.write(data)
        msg = b"\0".join(os.fsencode(a) for a in (self.stdin, self.stdout, self.stderr, *args))
        os.write(self.req, struct.pack("<I", len(msg)) + msg)
        (child,) = struct.unpack("<i", self._read(4, REPLY_TIMEOUT))
        if child <= 0:
            self._read(4, REPLY_TIMEOUT)
            raise OSError("the wasm-tools fork server could not fork")
        try:
            reply = self._read(4, None if deadline is None else max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            os.kill(child, signal.SIGKILL)
            self._read(4, REPLY_TIMEOUT)  # the killed child's status: the server is ready again
            raise subprocess.TimeoutExpired([wasm_tools(), *args], timeout) from None
        (status,) = struct.unpack("<i", reply)
        if status == -1:
            raise OSError("the wasm-tools fork server lost its child")
        return os.waitstatus_to_exitcode(status), Path(self.stdout).read_bytes(), Path(self.stderr).read_bytes()

    def _read(self, n: int, timeout: float | None) -> bytes:
        """``n`` bytes of the server's answer; TimeoutError if they take longer
        than ``timeout``, OSError if the server is gone."""
        got = b""
        while len(got) < n:
            if timeout is not None and not select.select([self.resp], [], [], timeout)[0]:
                raise TimeoutError
            part = os.read(self.resp, n - len(got))
            if not part:
                raise OSError("the wasm-tools fork server exited")
            got += part
        return got

    def close(self) -> None:
        """Stop the server and remove its files, once (its file descriptors'
        numbers may be another object's after); never from a forked copy."""
        if os.getpid() != self.pid or self.req < 0:
            return
        atexit.unregister(self.close)
        os.close(self.req)
        os.close(self.resp)
        self.req = self.resp = -1
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def _remove_orphans(parent: Path) -> None:
    """Remove the files of servers whose process is gone: a fuzzing process
    killed, or ended by a crash it was looking for, runs no atexit handler."""
    for old in parent.glob(f"{FILES_PREFIX}*-*"):
        pid = old.name[len(FILES_PREFIX):].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)


_lock = threading.Lock()
_server: Server | None = None
_unavailable = False  # this process gave up on a server: the executable is started for each run


def run(args: list[str], data: bytes, timeout: float | None = None) -> tuple[int, bytes, bytes] | None:
    """``wasm-tools *args`` with ``data`` on its stdin, forked from this
    process's server: (exit code, stdout, stderr), or None when no server
    can run here (start the executable instead). TimeoutExpired past ``timeout``."""
    global _server, _unavailable
    with _lock:
        if _server is not None and _server.pid != os.getpid():
            _server = None  # a forked copy of another process's server: not ours to use or close
        if _server is None and not _unavailable:
            shim = compiled_shim()
            try:
                _server = Server(shim) if shim is not None else None
            except OSError:
                _server = None
            _unavailable = _server is None
        if _server is None:
            return None
        try:
            return _server.run(args, data, timeout)
        except OSError:
            _server.close()
            _server, _unavailable = None, True
            return None


def compiled_shim() -> Path | None:
    """The shim compiled for this machine (once, kept in the cache directory
    under its source's digest); None if it cannot be."""
    if not sys.platform.startswith("linux"):
        return None
    source = SOURCE.read_bytes()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "wasmfuzz"
    shim = cache / f"fork_server-{hashlib.blake2b(source, digest_size=8).hexdigest()}.so"
    if shim.exists():
        return shim
    cc = shlex.split(sysconfig.get_config_var("CC") or "") or [shutil.which("cc") or "cc"]
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            built = Path(tmp) / shim.name
            subprocess.run([*cc, "-O2", "-shared", "-fPIC", "-o", str(built), str(SOURCE)],
                           check=True, capture_output=True, timeout=120)
            os.replace(built, shim)
    except (OSError, subprocess.SubprocessError):
        return None
    return shim
