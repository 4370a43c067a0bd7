"""WASI preview1 error numbers, and how host ``OSError``\\ s map onto them.

WASI numbers its errors itself (``errno`` in ``wasi_snapshot_preview1.witx``),
in alphabetical order, unlike any host's ``errno``. Every failed call
returns one of these to the guest; this module is the one place that
translates a host error into one, so the filesystem code can just let
``OSError`` propagate.
"""

from __future__ import annotations

import errno as host
from enum import IntEnum


class Errno(IntEnum):
    SUCCESS = 0
    TOOBIG = 1
    ACCES = 2
    ADDRINUSE = 3
    ADDRNOTAVAIL = 4
    AFNOSUPPORT = 5
    AGAIN = 6
    ALREADY = 7
    BADF = 8
    BADMSG = 9
    BUSY = 10
    CANCELED = 11
    CHILD = 12
    CONNABORTED = 13
    CONNREFUSED = 14
    CONNRESET = 15
    DEADLK = 16
    DESTADDRREQ = 17
    DOM = 18
    DQUOT = 19
    EXIST = 20
    FAULT = 21
    FBIG = 22
    HOSTUNREACH = 23
    IDRM = 24
    ILSEQ = 25
    INPROGRESS = 26
    INTR = 27
    INVAL = 28
    IO = 29
    ISCONN = 30
    ISDIR = 31
    LOOP = 32
    MFILE = 33
    MLINK = 34
    MSGSIZE = 35
    MULTIHOP = 36
    NAMETOOLONG = 37
    NETDOWN = 38
    NETRESET = 39
    NETUNREACH = 40
    NFILE = 41
    NOBUFS = 42
    NODEV = 43
    NOENT = 44
    NOEXEC = 45
    NOLCK = 46
    NOLINK = 47
    NOMEM = 48
    NOMSG = 49
    NOPROTOOPT = 50
    NOSPC = 51
    NOSYS = 52
    NOTCONN = 53
    NOTDIR = 54
    NOTEMPTY = 55
    NOTRECOVERABLE = 56
    NOTSOCK = 57
    NOTSUP = 58
    NOTTY = 59
    NXIO = 60
    OVERFLOW = 61
    OWNERDEAD = 62
    PERM = 63
    PIPE = 64
    PROTO = 65
    PROTONOSUPPORT = 66
    PROTOTYPE = 67
    RANGE = 68
    ROFS = 69
    SPIPE = 70
    SRCH = 71
    STALE = 72
    TIMEDOUT = 73
    TXTBSY = 74
    XDEV = 75
    NOTCAPABLE = 76


class WasiError(Exception):
    """A WASI call failing with ``errno``: returned to the guest, never seen by the host."""

    def __init__(self, errno: Errno):
        super().__init__(errno.name)
        self.errno = errno


# The host errors Wasmtime names (its ``from_raw_os_error``, on Unix); every
# other host error reaches the guest as EIO (ENXIO opening a socket file, EXDEV, ...).
_KNOWN = ("EPIPE", "EPERM", "ENOENT", "ENOMEM", "EIO", "EBADF", "EBUSY", "EACCES", "ENOTDIR", "EISDIR",
          "EINVAL", "EEXIST", "EFBIG", "ENOSPC", "ESPIPE", "EMLINK", "ENAMETOOLONG", "ENOTEMPTY", "ELOOP",
          "EOVERFLOW", "EILSEQ", "ENOTSUP", "EALREADY", "EINPROGRESS", "EINTR", "EOPNOTSUPP")
_FROM_HOST: dict[int, Errno] = {getattr(host, name): Errno.NOTSUP if name == "EOPNOTSUPP" else Errno[name[1:]]
                                for name in _KNOWN if hasattr(host, name)}


def from_oserror(error: OSError) -> Errno:
    """The WASI errno Wasmtime gives for a host error; EIO for one it does not name."""
    return _FROM_HOST.get(error.errno, Errno.IO)
