"""The ``wasi_snapshot_preview1`` functions, each with its Wasm signature,
and ``define_wasi`` which puts them all into a ``Linker``.

Every function here is written against the WASI types: ``@wasi(...)``
names each parameter's WASI type, and the wrapper converts the signed
Wasm values the runtime passes to host functions the way Wasmtime's
generated bindings (wiggle) do: handles, pointers, sizes and plain
integers are reinterpreted as unsigned; flags and enums are range-checked,
and a value out of range or with unknown bits fails the call with a
``WasmtimeError`` ("In func ... at convert Whence: Invalid enum value
Whence"), as it does in Wasmtime. Inside a function, ``WasiError`` and host
``OSError`` become the errno returned to the guest, and so does an
``OverflowError`` from a 64-bit offset the host cannot take (EINVAL).
"""

from __future__ import annotations

import os
import time
from typing import Callable, NamedTuple

from ..errors import ExitTrap, WasmtimeError
from ..types import FuncType, ValType
from . import filesystem as fs
from .abi import (ADVICE_COUNT, CLOCK_COUNT, CLOCK_MONOTONIC, CLOCK_REALTIME, DIRENT, FDFLAGS_ALL,
                  FDFLAGS_APPEND, FDFLAGS_NONBLOCK, FDSTAT, FILESTAT, FILETYPE_CHARACTER_DEVICE,
                  FILETYPE_DIRECTORY, FILETYPE_UNKNOWN, FSTFLAGS_ALL, LOOKUPFLAGS_SYMLINK_FOLLOW, MODULE,
                  OFLAGS_ALL, PREOPENTYPE_DIR, PRESTAT, RIFLAGS_ALL, RIGHTS, RIGHTS_ALL, SDFLAGS_ALL,
                  SIGNAL_COUNT, WHENCE_CUR, WHENCE_SET, rights)
from .context import WasiContext, context_of
from .errno import Errno, WasiError, from_oserror
from .fdtable import Directory, File, Output, Stdin
from .guest import GuestMemory
from .poll import poll_oneoff as _poll_oneoff


class WasiType(NamedTuple):
    """How one parameter converts: its Wasm type, bit width, and for flags
    the mask of defined bits or for enums the number of values."""

    name: str
    wasm: str          # "i32" or "i64"
    bits: int          # width of the WASI type
    signed: bool = False
    flags: int | None = None
    cases: int | None = None


U32 = WasiType("u32", "i32", 32)
U64 = WasiType("u64", "i64", 64)
S64 = WasiType("Filedelta", "i64", 64, signed=True)
FDFLAGS = WasiType("Fdflags", "i32", 16, flags=FDFLAGS_ALL)
OFLAGS = WasiType("Oflags", "i32", 16, flags=OFLAGS_ALL)
FSTFLAGS = WasiType("Fstflags", "i32", 16, flags=FSTFLAGS_ALL)
LOOKUPFLAGS = WasiType("Lookupflags", "i32", 32, flags=LOOKUPFLAGS_SYMLINK_FOLLOW)
RIGHTS_T = WasiType("Rights", "i64", 64, flags=RIGHTS_ALL)
RIFLAGS = WasiType("Riflags", "i32", 16, flags=RIFLAGS_ALL)
SIFLAGS = WasiType("Siflags", "i32", 16, flags=0xFFFF)  # no flags defined, and none checked
SDFLAGS = WasiType("Sdflags", "i32", 8, flags=SDFLAGS_ALL)
WHENCE = WasiType("Whence", "i32", 8, cases=3)
ADVICE = WasiType("Advice", "i32", 8, cases=ADVICE_COUNT)
CLOCKID = WasiType("Clockid", "i32", 32, cases=CLOCK_COUNT)
SIGNAL = WasiType("Signal", "i32", 8, cases=SIGNAL_COUNT)


def _converter(func: str, ty: WasiType) -> Callable[[int], int]:
    wasm_mask = (1 << (32 if ty.wasm == "i32" else 64)) - 1
    if ty.signed:
        return int
    if ty.flags is None and ty.cases is None:
        return lambda value: value & wasm_mask

    def fail(what: str):
        raise WasmtimeError(f"In func {MODULE}::{func} at convert {ty.name}: {what}")

    def convert(value: int) -> int:
        if value < 0:
            fail("Int conversion error: TryFromIntError(NegOverflow)")
        if value >> ty.bits:
            fail("Int conversion error: TryFromIntError(PosOverflow)")
        if ty.flags is not None and value & ~ty.flags:
            fail(f"Invalid flag value {ty.name}")
        if ty.cases is not None and value >= ty.cases:
            fail(f"Invalid enum value {ty.name}")
        return value
    return convert


class HostFunction(NamedTuple):
    type: FuncType
    call: Callable


FUNCTIONS: dict[str, HostFunction] = {}


def wasi(*params: WasiType, returns_errno: bool = True):
    """Register the decorated ``impl(ctx, mem, *args)`` as a WASI function.
    It returns None on success or raises WasiError/OSError for an errno."""
    def register(impl: Callable) -> Callable:
        name = impl.__name__
        converters = [_converter(name, p) for p in params]
        ty = FuncType([ValType.i32() if p.wasm == "i32" else ValType.i64() for p in params],
                      [ValType.i32()] if returns_errno else [])

        def call(caller, *args):
            ctx = context_of(caller)
            mem = ctx.memory(caller)
            values = [convert(a) for convert, a in zip(converters, args)]
            try:
                impl(ctx, mem, *values)
            except WasiError as e:
                return int(e.errno)
            except OSError as e:
                return int(from_oserror(e))
            except OverflowError:  # an offset or size beyond the host's off_t, as Wasmtime answers
                return int(Errno.INVAL)
            return 0 if returns_errno else None
        FUNCTIONS[name] = HostFunction(ty, call)
        return impl
    return register


def define_wasi(linker) -> None:
    """Define every ``wasi_snapshot_preview1`` function in ``linker``."""
    for name, function in FUNCTIONS.items():
        linker.define_func(MODULE, name, function.type, function.call, access_caller=True)


# --- arguments, environment, clocks, random, process ---------------------------------------

def _write_strings(mem: GuestMemory, items: list[tuple[bytes, ...]], pointers: int, buffer: int) -> None:
    """Pointer, each piece of the string, NUL, each written (or failing) on its
    own, as Wasmtime does: a buffer that ends inside a string keeps the pieces
    that fit (an environment variable's pieces are its name, "=" and its value:
    found by the wasi target)."""
    for i, pieces in enumerate(items):
        mem.put_u32(pointers + 4 * i, buffer)
        for piece in pieces:
            mem.write(buffer, piece)
            buffer += len(piece)
        mem.write(buffer, b"\0")
        buffer += 1


@wasi(U32, U32)
def args_get(ctx: WasiContext, mem: GuestMemory, argv: int, argv_buf: int):
    _write_strings(mem, [(arg,) for arg in ctx.argv], argv, argv_buf)


@wasi(U32, U32)
def args_sizes_get(ctx, mem, count_out, size_out):
    mem.put_u32(size_out, sum(len(a) + 1 for a in ctx.argv))  # size first, as Wasmtime writes them
    mem.put_u32(count_out, len(ctx.argv))


def _environ(ctx) -> list[tuple[bytes, bytes, bytes]]:
    """Each variable as the pieces Wasmtime writes: name, "=", value."""
    return [(name, b"=", value) for name, value in ctx.env]


@wasi(U32, U32)
def environ_get(ctx, mem, environ, environ_buf):
    _write_strings(mem, _environ(ctx), environ, environ_buf)


@wasi(U32, U32)
def environ_sizes_get(ctx, mem, count_out, size_out):
    env = _environ(ctx)
    mem.put_u32(size_out, sum(len(b"".join(e)) + 1 for e in env))  # size first, as Wasmtime writes them
    mem.put_u32(count_out, len(env))


def _clock(ctx: WasiContext, clock_id: int) -> int:
    if clock_id == CLOCK_REALTIME:
        return time.time_ns()
    if clock_id == CLOCK_MONOTONIC:
        return ctx.monotonic_now()
    raise WasiError(Errno.BADF)  # the CPU-time clocks, which Wasmtime does not provide


@wasi(CLOCKID, U32)
def clock_res_get(ctx, mem, clock_id, out):
    _clock(ctx, clock_id)
    mem.put_u64(out, 1)


@wasi(CLOCKID, U64, U32)
def clock_time_get(ctx, mem, clock_id, precision, out):
    mem.put_u64(out, _clock(ctx, clock_id))


@wasi(U32, U32)
def random_get(ctx, mem, buf, length):
    mem.check(buf, length)
    mem.write(buf, os.urandom(length))


@wasi(U32, returns_errno=False)
def proc_exit(ctx, mem, code):
    if code >= 126:
        raise WasmtimeError("exit with invalid exit status outside of [0..126)")
    raise ExitTrap(code)


@wasi(SIGNAL)
def proc_raise(ctx, mem, signal):
    raise WasiError(Errno.NOTSUP)


@wasi()
def sched_yield(ctx, mem):
    pass


@wasi(U32, U32, U32, U32)
def poll_oneoff(ctx, mem, subs, events, count, count_out):
    mem.put_u32(count_out, _poll_oneoff(ctx, mem, subs, events, count))


# --- descriptors -----------------------------------------------------------------------------

# What Wasmtime reports for a preopened directory (fixed, whatever fs_mutable says).
PREOPEN_RIGHTS = rights(
    "path_create_directory", "path_create_file", "path_link_source", "path_link_target", "path_open",
    "fd_readdir", "path_readlink", "path_rename_source", "path_rename_target", "path_symlink",
    "path_remove_directory", "path_unlink_file", "path_filestat_get", "path_filestat_set_times",
    "fd_filestat_get", "fd_filestat_set_times")
PREOPEN_INHERITING = PREOPEN_RIGHTS | rights(
    "fd_datasync", "fd_read", "fd_seek", "fd_fdstat_set_flags", "fd_sync", "fd_tell", "fd_write",
    "fd_advise", "fd_allocate", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times",
    "poll_fd_readwrite")


# Wasmtime reads stdin and fd_pread through streams, at most this much a call
# (fd_read of a file goes straight to the file, for all the buffer asks).
STREAM_READ_MAX = 64 * 1024


def _seekable(ctx, fd: int) -> File:
    desc = ctx.fds.get(fd)
    if isinstance(desc, File):
        return desc
    raise WasiError(Errno.SPIPE if isinstance(desc, (Stdin, Output)) else Errno.BADF)


def _stdio_type(desc) -> int:
    return FILETYPE_CHARACTER_DEVICE if desc.stream.isatty else FILETYPE_UNKNOWN


@wasi(U32, U32)
def fd_fdstat_get(ctx, mem, fd, out):
    desc = ctx.fds.get(fd)
    if isinstance(desc, (Stdin, Output)):
        base = RIGHTS["fd_read"] if isinstance(desc, Stdin) else RIGHTS["fd_write"]
        mem.pack(FDSTAT, out, _stdio_type(desc), 0, base, base)
        return
    if isinstance(desc, Directory) and desc.preopen is not None:
        mem.pack(FDSTAT, out, FILETYPE_DIRECTORY, 0, PREOPEN_RIGHTS, PREOPEN_INHERITING)
        return
    kind = fs.filetype(os.fstat(desc.fd).st_mode)
    base = RIGHTS_ALL
    flags = 0
    if not desc.readable:
        base &= ~(RIGHTS["fd_read"] | RIGHTS["fd_readdir"])
    if isinstance(desc, Directory):
        base &= ~rights("fd_seek", "fd_filestat_set_size", "path_filestat_set_size", "fd_write")
    else:
        if not desc.writable:
            base &= ~RIGHTS["fd_write"]
        flags = (FDFLAGS_APPEND if desc.append else 0) | (FDFLAGS_NONBLOCK if desc.nonblocking else 0)
    mem.pack(FDSTAT, out, kind, flags, base, base)


@wasi(U32, FDFLAGS)
def fd_fdstat_set_flags(ctx, mem, fd, flags):
    desc = ctx.fds.get_as(fd, File)
    if flags & ~(FDFLAGS_APPEND | FDFLAGS_NONBLOCK):
        raise WasiError(Errno.INVAL)  # only append and non-blocking can change
    desc.append = bool(flags & FDFLAGS_APPEND)
    desc.nonblocking = bool(flags & FDFLAGS_NONBLOCK)


@wasi(U32, RIGHTS_T, RIGHTS_T)
def fd_fdstat_set_rights(ctx, mem, fd, base, inheriting):
    ctx.fds.get_as(fd, (File, Directory))
    raise WasiError(Errno.NOTSUP)  # preview1 rights are not enforced, so they cannot be dropped


@wasi(U32, U32)
def fd_filestat_get(ctx, mem, fd, out):
    desc = ctx.fds.get(fd)
    if isinstance(desc, (Stdin, Output)):
        mem.pack(FILESTAT, out, 0, 0, _stdio_type(desc), 0, 0, 0, 0, 0)
    else:
        mem.pack(FILESTAT, out, *fs.filestat(os.fstat(desc.fd)))


@wasi(U32, U64)
def fd_filestat_set_size(ctx, mem, fd, size):
    desc = ctx.fds.get_as(fd, File)
    if not desc.may_write:
        raise WasiError(Errno.PERM)
    os.ftruncate(desc.fd, size)


@wasi(U32, U64, U64, FSTFLAGS)
def fd_filestat_set_times(ctx, mem, fd, atim, mtim, fst_flags):
    fs.check_fst_flags(fst_flags)
    fs.set_times(ctx.fds.get_as(fd, (File, Directory)), atim, mtim, fst_flags)


@wasi(U32, U64, U64, ADVICE)
def fd_advise(ctx, mem, fd, offset, length, advice):
    desc = ctx.fds.get_as(fd, File)
    if hasattr(os, "posix_fadvise"):
        # The kernel gets both as off_t, as from Wasmtime: a length past 2**63-1
        # is EINVAL, an offset past it is not (found by the wasi target).
        os.posix_fadvise(desc.fd, _off_t(offset), _off_t(length), advice)


def _off_t(value: int) -> int:
    """A u64 as the signed 64-bit off_t the host's system calls take."""
    return value - (1 << 64) if value >= 1 << 63 else value


@wasi(U32, U64, U64)
def fd_allocate(ctx, mem, fd, offset, length):
    ctx.fds.get_as(fd, File)
    raise WasiError(Errno.NOTSUP)


@wasi(U32)
def fd_close(ctx, mem, fd):
    ctx.fds.close(fd)


@wasi(U32, U32)
def fd_renumber(ctx, mem, fd, to):
    ctx.fds.renumber(fd, to)


@wasi(U32)
def fd_datasync(ctx, mem, fd):
    os.fdatasync(ctx.fds.get_as(fd, File).fd)


@wasi(U32)
def fd_sync(ctx, mem, fd):
    os.fsync(ctx.fds.get_as(fd, File).fd)


@wasi(U32, S64, WHENCE, U32)
def fd_seek(ctx, mem, fd, offset, whence, out):
    desc = _seekable(ctx, fd)
    if whence == WHENCE_SET:
        position = offset
    elif whence == WHENCE_CUR:
        position = desc.position + offset
    else:
        position = os.fstat(desc.fd).st_size + offset
    if not 0 <= position < 1 << 64:  # as Wasmtime's checked u64 arithmetic
        raise WasiError(Errno.INVAL)
    desc.position = position
    mem.put_u64(out, position)


@wasi(U32, U32)
def fd_tell(ctx, mem, fd, out):
    mem.put_u64(out, _seekable(ctx, fd).position)


@wasi(U32, U32, U32, U32)
def fd_read(ctx, mem, fd, iovs, iovs_len, out):
    buf, length = mem.first_buffer(iovs, iovs_len)  # before the descriptor, as in Wasmtime
    desc = ctx.fds.get(fd)
    if not isinstance(desc, (File, Stdin)):
        raise WasiError(Errno.BADF)
    if isinstance(desc, File):
        mem.check(buf, length)  # a file is read straight into the whole buffer
        data = os.pread(desc.fd, length, desc.position)
        desc.position += len(data)
    elif not length and desc.stream.file_has_more():
        raise WasiError(Errno.INTR)  # Wasmtime's answer to reading nothing from a stdin file with data left
    else:
        data = desc.stream.read(min(length, STREAM_READ_MAX)) if length else b""
    mem.write(buf, data)
    mem.put_u32(out, len(data))


@wasi(U32, U32, U32, U64, U32)
def fd_pread(ctx, mem, fd, iovs, iovs_len, offset, out):
    buf, length = mem.first_buffer(iovs, iovs_len)
    desc = ctx.fds.get(fd)
    if isinstance(desc, Stdin):
        raise WasiError(Errno.SPIPE)
    if not isinstance(desc, File):
        raise WasiError(Errno.BADF)
    data = os.pread(desc.fd, min(length, STREAM_READ_MAX), offset)
    mem.write(buf, data)
    mem.put_u32(out, len(data))


def _write(ctx, mem, fd: int, iovs: int, iovs_len: int, offset: int | None) -> int:
    """``fd_write`` (``offset`` None) and ``fd_pwrite``: bytes written."""
    buf, length = mem.first_buffer(iovs, iovs_len)
    desc = ctx.fds.get(fd)
    if isinstance(desc, Output):
        if offset is not None:
            raise WasiError(Errno.SPIPE)
        data = mem.read(buf, length)
        return desc.stream.write(data) if data else 0
    if not isinstance(desc, File):
        raise WasiError(Errno.BADF)
    data = mem.read(buf, length)
    if desc.append:
        written = _append(desc.fd, data)
        if offset is None:
            desc.position = os.fstat(desc.fd).st_size
        return written
    written = os.pwrite(desc.fd, data, desc.position if offset is None else offset)
    if offset is None:
        desc.position += written
    return written


def _append(fd: int, data: bytes) -> int:
    """Write at the end of the file whatever the descriptor's own mode."""
    if hasattr(os, "RWF_APPEND"):
        return os.pwritev(fd, [data], -1, os.RWF_APPEND)
    return os.pwrite(fd, data, os.fstat(fd).st_size)


@wasi(U32, U32, U32, U32)
def fd_write(ctx, mem, fd, iovs, iovs_len, out):
    mem.put_u32(out, _write(ctx, mem, fd, iovs, iovs_len, None))


@wasi(U32, U32, U32, U64, U32)
def fd_pwrite(ctx, mem, fd, iovs, iovs_len, offset, out):
    mem.put_u32(out, _write(ctx, mem, fd, iovs, iovs_len, offset))


@wasi(U32, U32)
def fd_prestat_get(ctx, mem, fd, out):
    desc = ctx.fds.get(fd)
    if not isinstance(desc, Directory) or desc.preopen is None:
        raise WasiError(Errno.BADF)
    mem.pack(PRESTAT, out, PREOPENTYPE_DIR, len(desc.preopen.encode("utf-8")))


@wasi(U32, U32, U32)
def fd_prestat_dir_name(ctx, mem, fd, path, path_len):
    desc = ctx.fds.get(fd)
    if not isinstance(desc, Directory) or desc.preopen is None:
        raise WasiError(Errno.NOTDIR)
    name = desc.preopen.encode("utf-8")
    if len(name) > path_len:
        raise WasiError(Errno.NAMETOOLONG)
    mem.write(path, name)


@wasi(U32, U32, U32, U64, U32)
def fd_readdir(ctx, mem, fd, buf, buf_len, cookie, out):
    entries = fs.directory_entries(ctx.fds.get_as(fd, Directory))
    room = buf_len
    for index, (name, inode, kind) in enumerate(entries[cookie:], start=cookie + 1):
        head = DIRENT.pack(index, inode, len(name), kind)[:room]
        mem.write(buf, head)
        buf += len(head)
        room -= len(head)
        if room == 0:
            break
        name = name[:room]
        mem.write(buf, name)
        buf += len(name)
        room -= len(name)
        if room == 0:
            break
    mem.put_u32(out, buf_len - room)


# --- paths -----------------------------------------------------------------------------------

def _dir(ctx, fd: int) -> Directory:
    return ctx.fds.get_as(fd, Directory)


@wasi(U32, U32, U32)
def path_create_directory(ctx, mem, fd, path, path_len):
    directory = _dir(ctx, fd)
    fs.create_directory_at(directory, mem.path(path, path_len))


@wasi(U32, LOOKUPFLAGS, U32, U32, U32)
def path_filestat_get(ctx, mem, fd, flags, path, path_len, out):
    directory = _dir(ctx, fd)
    st = fs.stat_at(directory, bool(flags), mem.path(path, path_len))
    mem.pack(FILESTAT, out, *fs.filestat(st))


@wasi(U32, LOOKUPFLAGS, U32, U32, U64, U64, FSTFLAGS)
def path_filestat_set_times(ctx, mem, fd, flags, path, path_len, atim, mtim, fst_flags):
    fs.check_fst_flags(fst_flags)
    directory = _dir(ctx, fd)
    fs.set_times_at(directory, bool(flags), mem.path(path, path_len), atim, mtim, fst_flags)


@wasi(U32, LOOKUPFLAGS, U32, U32, U32, U32, U32)
def path_link(ctx, mem, old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len):
    src, dst = _dir(ctx, old_fd), _dir(ctx, new_fd)
    fs.link_at(src, bool(old_flags), mem.path(old_path, old_len), dst, mem.path(new_path, new_len))


@wasi(U32, LOOKUPFLAGS, U32, U32, OFLAGS, RIGHTS_T, RIGHTS_T, FDFLAGS, U32)
def path_open(ctx, mem, fd, dirflags, path, path_len, oflags, base, inheriting, fdflags, out):
    name = mem.path(path, path_len)
    desc = ctx.fds.get(fd)
    if isinstance(desc, File):
        raise WasiError(Errno.NOTDIR)
    if not isinstance(desc, Directory):
        raise WasiError(Errno.BADF)
    opened = fs.open_at(desc, bool(dirflags & LOOKUPFLAGS_SYMLINK_FOLLOW), name, oflags,
                        bool(base & RIGHTS["fd_read"]), bool(base & RIGHTS["fd_write"]), fdflags)
    mem.put_u32(out, ctx.fds.push(opened))


@wasi(U32, U32, U32, U32, U32, U32)
def path_readlink(ctx, mem, fd, path, path_len, buf, buf_len, out):
    directory = _dir(ctx, fd)
    target = fs.readlink_at(directory, mem.path(path, path_len))[:buf_len]
    mem.write(buf, target)
    mem.put_u32(out, len(target))


@wasi(U32, U32, U32)
def path_remove_directory(ctx, mem, fd, path, path_len):
    directory = _dir(ctx, fd)
    fs.remove_directory_at(directory, mem.path(path, path_len))


@wasi(U32, U32, U32, U32, U32, U32)
def path_rename(ctx, mem, fd, old_path, old_len, new_fd, new_path, new_len):
    src, dst = _dir(ctx, fd), _dir(ctx, new_fd)
    fs.rename_at(src, mem.path(old_path, old_len), dst, mem.path(new_path, new_len))


@wasi(U32, U32, U32, U32, U32)
def path_symlink(ctx, mem, old_path, old_len, fd, new_path, new_len):
    directory = _dir(ctx, fd)
    fs.symlink_at(directory, mem.path(old_path, old_len), mem.path(new_path, new_len))


@wasi(U32, U32, U32)
def path_unlink_file(ctx, mem, fd, path, path_len):
    directory = _dir(ctx, fd)
    fs.unlink_file_at(directory, mem.read_str(path, path_len))  # the one path Wasmtime does not charge


# --- sockets: preview1 can only use sockets it was given, and Wasmtime gives none --------------

@wasi(U32, FDFLAGS, U32)
def sock_accept(ctx, mem, fd, flags, out):
    ctx.fds.get(fd)
    raise WasiError(Errno.NOTSOCK)


@wasi(U32, U32, U32, RIFLAGS, U32, U32)
def sock_recv(ctx, mem, fd, ri_data, ri_data_len, ri_flags, out_len, out_flags):
    ctx.fds.get(fd)
    raise WasiError(Errno.NOTSOCK)


@wasi(U32, U32, U32, SIFLAGS, U32)
def sock_send(ctx, mem, fd, si_data, si_data_len, si_flags, out):
    ctx.fds.get(fd)
    raise WasiError(Errno.NOTSOCK)


@wasi(U32, SDFLAGS)
def sock_shutdown(ctx, mem, fd, how):
    ctx.fds.get(fd)
    raise WasiError(Errno.NOTSOCK)
