"""The data types of ``wasi_snapshot_preview1``: enum values, flag bits and
the byte layout of every struct a call reads from or writes to guest memory.

All of it is fixed by the witx definition of preview1 (little-endian, C
layout on wasm32); keeping it in one module lets the host functions speak
in names (``FILETYPE_DIRECTORY``, ``FILESTAT``) rather than offsets.
"""

from __future__ import annotations

import struct

MODULE = "wasi_snapshot_preview1"

# filetype (u8)
FILETYPE_UNKNOWN = 0
FILETYPE_BLOCK_DEVICE = 1
FILETYPE_CHARACTER_DEVICE = 2
FILETYPE_DIRECTORY = 3
FILETYPE_REGULAR_FILE = 4
FILETYPE_SOCKET_DGRAM = 5
FILETYPE_SOCKET_STREAM = 6
FILETYPE_SYMBOLIC_LINK = 7

# rights (u64): one bit per operation, in witx order.
RIGHT_NAMES = (
    "fd_datasync", "fd_read", "fd_seek", "fd_fdstat_set_flags", "fd_sync", "fd_tell", "fd_write",
    "fd_advise", "fd_allocate", "path_create_directory", "path_create_file", "path_link_source",
    "path_link_target", "path_open", "fd_readdir", "path_readlink", "path_rename_source",
    "path_rename_target", "path_filestat_get", "path_filestat_set_size", "path_filestat_set_times",
    "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "path_symlink",
    "path_remove_directory", "path_unlink_file", "poll_fd_readwrite", "sock_shutdown", "sock_accept",
)
RIGHTS = {name: 1 << bit for bit, name in enumerate(RIGHT_NAMES)}
RIGHTS_ALL = (1 << len(RIGHT_NAMES)) - 1


def rights(*names: str) -> int:
    """The rights bitmask with the named bits set."""
    mask = 0
    for name in names:
        mask |= RIGHTS[name]
    return mask


# fdflags (u16)
FDFLAGS_APPEND = 1
FDFLAGS_DSYNC = 2
FDFLAGS_NONBLOCK = 4
FDFLAGS_RSYNC = 8
FDFLAGS_SYNC = 16
FDFLAGS_ALL = 31

# oflags (u16)
OFLAGS_CREAT = 1
OFLAGS_DIRECTORY = 2
OFLAGS_EXCL = 4
OFLAGS_TRUNC = 8
OFLAGS_ALL = 15

# lookupflags (u32)
LOOKUPFLAGS_SYMLINK_FOLLOW = 1

# fstflags (u16)
FSTFLAGS_ATIM = 1
FSTFLAGS_ATIM_NOW = 2
FSTFLAGS_MTIM = 4
FSTFLAGS_MTIM_NOW = 8
FSTFLAGS_ALL = 15

# whence (u8)
WHENCE_SET = 0
WHENCE_CUR = 1
WHENCE_END = 2

# clockid (u32)
CLOCK_REALTIME = 0
CLOCK_MONOTONIC = 1
CLOCK_PROCESS_CPUTIME = 2
CLOCK_THREAD_CPUTIME = 3
CLOCK_COUNT = 4

# advice (u8): normal, sequential, random, willneed, dontneed, noreuse
ADVICE_COUNT = 6

# eventtype (u8)
EVENTTYPE_CLOCK = 0
EVENTTYPE_FD_READ = 1
EVENTTYPE_FD_WRITE = 2

# eventrwflags (u16)
EVENTRWFLAGS_HANGUP = 1

# subclockflags (u16)
SUBCLOCKFLAGS_ABSTIME = 1

# preopentype (u8)
PREOPENTYPE_DIR = 0

# signal (u8): 0 (none) .. 30 (sys)
SIGNAL_COUNT = 31
# sdflags (u8): rd, wr
SDFLAGS_ALL = 3
# riflags (u16): recv_peek, recv_waitall
RIFLAGS_ALL = 3

# Struct layouts. Written field by field as Wasmtime does (``GuestMemory.pack``:
# each field aligned to its size, padding bytes left as they were); a dirent is
# written whole, zeros in its padding. A struct read with a 64-bit field must
# be 8-aligned in guest memory, the others 4-aligned.
IOVEC = struct.Struct("<II")                  # buf, buf_len
FDSTAT = struct.Struct("<BxHxxxxQQ")          # filetype, flags, rights_base, rights_inheriting
FILESTAT = struct.Struct("<QQBxxxxxxxQQQQQ")  # dev, ino, filetype, nlink, size, atim, mtim, ctim
DIRENT = struct.Struct("<QQIBxxx")            # d_next, d_ino, d_namlen, d_type
PRESTAT = struct.Struct("<BxxxI")             # tag, pr_name_len
SUBSCRIPTION_HEAD = struct.Struct("<QB")      # userdata, tag (the union follows at +8)
SUBSCRIPTION_CLOCK = struct.Struct("<IxxxxQQH")  # id, timeout, precision, flags (at +16)
SUBSCRIPTION_FD = struct.Struct("<I")         # file_descriptor (at +16)
EVENT = struct.Struct("<QHBxxxxxQHxxxxxx")    # userdata, error, type, nbytes, flags
SUBSCRIPTION_SIZE = 48
