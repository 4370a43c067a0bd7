"""File and directory operations on the guest's descriptors, below its
preopened directories.

Each function takes descriptors from ``fdtable`` and plain values, resolves
paths with ``sandbox.beneath`` and lets host ``OSError``\\ s propagate (the
host-function layer turns them into errnos). Permission checks come first,
as in Wasmtime: in a directory preopened with ``fs_mutable=False`` a guest
can look and read but every change fails with EPERM.
"""

from __future__ import annotations

import os
import stat
import time

from .abi import (FDFLAGS_APPEND, FDFLAGS_DSYNC, FDFLAGS_NONBLOCK, FDFLAGS_RSYNC, FDFLAGS_SYNC,
                  FILETYPE_BLOCK_DEVICE, FILETYPE_CHARACTER_DEVICE, FILETYPE_DIRECTORY,
                  FILETYPE_REGULAR_FILE, FILETYPE_SYMBOLIC_LINK, FILETYPE_UNKNOWN, FSTFLAGS_ATIM,
                  FSTFLAGS_ATIM_NOW, FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW, OFLAGS_CREAT, OFLAGS_DIRECTORY,
                  OFLAGS_EXCL, OFLAGS_TRUNC)
from .errno import Errno, WasiError
from .fdtable import Directory, File
from .inode import inode
from .sandbox import FOLLOW, KEEP, STRIP, beneath, c_names

_FILETYPES = {stat.S_IFREG: FILETYPE_REGULAR_FILE, stat.S_IFDIR: FILETYPE_DIRECTORY,
              stat.S_IFLNK: FILETYPE_SYMBOLIC_LINK, stat.S_IFCHR: FILETYPE_CHARACTER_DEVICE,
              stat.S_IFBLK: FILETYPE_BLOCK_DEVICE}


def filetype(mode: int) -> int:
    """The WASI file type; anything else (a FIFO, a socket file) is unknown, as in Wasmtime."""
    return _FILETYPES.get(stat.S_IFMT(mode), FILETYPE_UNKNOWN)


def filestat(st: os.stat_result) -> tuple:
    """The ``filestat`` fields of a host stat as Wasmtime gives them: ``dev``
    is 1, ``ino`` a hash (``inode``), and a time before 1970 is 0."""
    return (1, inode(st), filetype(st.st_mode), st.st_nlink, st.st_size,
            max(st.st_atime_ns, 0), max(st.st_mtime_ns, 0), max(st.st_ctime_ns, 0))


# Wasmtime's cap-std hands the whole path of an open or a stat to the kernel
# (openat2): a NUL anywhere in it is EINVAL (making its C string), then one of
# PATH_MAX bytes or more is refused, NUL included. The other calls split off
# the last component first, and this walk always does.
PATH_MAX = 4096


def _whole_path(path: str) -> str:
    c_names(path)
    if len(path.encode("utf-8")) >= PATH_MAX:
        raise WasiError(Errno.NAMETOOLONG)
    return path


def _mutable(directory: Directory) -> Directory:
    if not directory.mutable:
        raise WasiError(Errno.PERM)
    return directory


def open_at(directory: Directory, follow: bool, path: str, oflags: int, read: bool, write: bool,
            fdflags: int):
    """``path_open``: a new ``File`` or ``Directory`` below ``directory``.

    ``read`` and ``write`` say whether the rights asked for include
    ``fd_read`` and ``fd_write``. As in Wasmtime, what is opened can be read
    unless only writing was asked for, and written when creating or
    truncating too (found by the wasi target)."""
    if fdflags & (FDFLAGS_SYNC | FDFLAGS_DSYNC | FDFLAGS_RSYNC):
        raise WasiError(Errno.NOTSUP)  # Wasmtime does not open files for synchronous I/O
    if oflags & OFLAGS_DIRECTORY and oflags & (OFLAGS_CREAT | OFLAGS_EXCL | OFLAGS_TRUNC):
        raise WasiError(Errno.INVAL)  # before permissions (found by the wasi target)
    creates = oflags & (OFLAGS_CREAT | OFLAGS_TRUNC)
    read = read or not write
    if oflags & OFLAGS_CREAT and oflags & OFLAGS_EXCL:
        follow = False  # as the kernel: an exclusive create fails on any symlink (EEXIST), never follows it
    if (creates or write) and not directory.mutable:
        raise WasiError(Errno.PERM)
    if write and not directory.files_writable:
        raise WasiError(Errno.PERM)
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    if oflags & OFLAGS_DIRECTORY:
        flags |= os.O_DIRECTORY
    if oflags & OFLAGS_CREAT:
        flags |= os.O_CREAT | (os.O_EXCL if oflags & OFLAGS_EXCL else 0)
    if oflags & OFLAGS_TRUNC:
        flags |= os.O_TRUNC
    host_write = write or bool(creates)
    if host_write:
        flags |= os.O_RDWR if read else os.O_WRONLY
    with beneath(directory.fd, _whole_path(path), follow, KEEP if oflags & OFLAGS_CREAT else FOLLOW) \
            as (dir_fd, name):
        try:
            fd = os.open(name, flags, 0o666, dir_fd=dir_fd)
        except NotADirectoryError:
            # Linux checks O_DIRECTORY before O_NOFOLLOW; Wasmtime's cap-std
            # finds the symlink first: ELOOP (found by the wasi target).
            if flags & os.O_DIRECTORY and stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
                raise WasiError(Errno.LOOP) from None
            raise
    try:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            return directory.child(fd, read)
    except BaseException:
        os.close(fd)
        raise
    return File(fd, readable=read, writable=host_write, may_write=directory.files_writable,
                append=bool(fdflags & FDFLAGS_APPEND), nonblocking=bool(fdflags & FDFLAGS_NONBLOCK))


def stat_at(directory: Directory, follow: bool, path: str) -> os.stat_result:
    with beneath(directory.fd, _whole_path(path), follow) as (dir_fd, name):
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)


def create_directory_at(directory: Directory, path: str) -> None:
    with beneath(_mutable(directory).fd, path, False, STRIP) as (dir_fd, name):
        c_names(name)
        os.mkdir(name, 0o777, dir_fd=dir_fd)


def remove_directory_at(directory: Directory, path: str) -> None:
    with beneath(_mutable(directory).fd, path, False) as (dir_fd, name):
        # "dir/" is removed as "dir/." would be (EINVAL), as with Wasmtime's cap-std.
        c_names(name)
        os.rmdir(name + "." if name.endswith("/") else name, dir_fd=dir_fd)


def unlink_file_at(directory: Directory, path: str) -> None:
    with beneath(_mutable(directory).fd, path, False) as (dir_fd, name):
        c_names(name)
        os.unlink(name, dir_fd=dir_fd)


def readlink_at(directory: Directory, path: str) -> bytes:
    with beneath(directory.fd, path, False) as (dir_fd, name):
        c_names(name)
        target = os.fsencode(os.readlink(name, dir_fd=dir_fd))
    if target.startswith(b"/"):  # a host path the guest may not see (Wasmtime's cap-std: EPERM)
        raise WasiError(Errno.PERM)
    return target


def symlink_at(directory: Directory, target: str, path: str) -> None:
    if target.startswith("/"):  # a link that could only ever point outside the sandbox
        raise WasiError(Errno.PERM)
    with beneath(_mutable(directory).fd, path, False) as (dir_fd, name):
        _directory_named(dir_fd, name)  # before the target reaches a system call (found by the wasi target)
        c_names(target, name)
        if name.endswith("/"):  # only a directory can be named so, and it exists
            raise WasiError(Errno.EXIST)
        os.symlink(target, name, dir_fd=dir_fd)


def link_at(src: Directory, follow: bool, src_path: str, dst: Directory, dst_path: str) -> None:
    _mutable(src)
    _mutable(dst)
    if follow:  # Wasmtime never links what a symlink points to: EINVAL, once permissions pass
        raise WasiError(Errno.INVAL)
    with beneath(src.fd, src_path, False) as (src_fd, src_name):
        _directory_named(src_fd, src_name)
        with beneath(dst.fd, dst_path, False) as (dst_fd, dst_name):
            _directory_named(dst_fd, dst_name)
            c_names(src_name, dst_name)
            os.link(src_name, dst_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)


def _directory_named(dir_fd: int, name: str) -> None:
    """For a name with a trailing slash, cap-std opens it as a directory before
    anything else (ENOENT, ENOTDIR, ELOOP); the kernel, given it whole, would not."""
    if name.endswith("/"):
        c_names(name)
        os.stat(name, dir_fd=dir_fd)


def rename_at(src: Directory, src_path: str, dst: Directory, dst_path: str) -> None:
    _mutable(src)
    with beneath(src.fd, src_path, False, KEEP) as (src_fd, src_name), \
            beneath(_mutable(dst).fd, dst_path, False, KEEP) as (dst_fd, dst_name):
        c_names(src_name, dst_name)
        os.rename(src_name, dst_name, src_dir_fd=src_fd, dst_dir_fd=dst_fd)


def check_fst_flags(fst_flags: int) -> None:
    """A time both given and "now" is EINVAL, checked before anything else
    (Wasmtime: before the descriptor is looked up)."""
    if (fst_flags & FSTFLAGS_ATIM and fst_flags & FSTFLAGS_ATIM_NOW) or \
            (fst_flags & FSTFLAGS_MTIM and fst_flags & FSTFLAGS_MTIM_NOW):
        raise WasiError(Errno.INVAL)


def new_times(current: os.stat_result, atim: int, mtim: int, fst_flags: int) -> tuple[int, int] | None:
    """The (atime, mtime) in ns that ``fst_flags`` asks for (``check_fst_flags`` passed)."""
    now = time.time_ns()

    def pick(value, set_flag, now_flag, old):
        return value if fst_flags & set_flag else now if fst_flags & now_flag else old
    return (pick(atim, FSTFLAGS_ATIM, FSTFLAGS_ATIM_NOW, current.st_atime_ns),
            pick(mtim, FSTFLAGS_MTIM, FSTFLAGS_MTIM_NOW, current.st_mtime_ns))


def set_times_at(directory: Directory, follow: bool, path: str, atim: int, mtim: int,
                 fst_flags: int) -> None:
    with beneath(_mutable(directory).fd, path, follow) as (dir_fd, name):
        c_names(name)
        _directory_named(dir_fd, name)
        if not (follow or fst_flags & (FSTFLAGS_ATIM | FSTFLAGS_ATIM_NOW | FSTFLAGS_MTIM | FSTFLAGS_MTIM_NOW)):
            return  # the kernel's utimensat changes nothing without looking the name up (found by the wasi target)
        current = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        os.utime(name, ns=new_times(current, atim, mtim, fst_flags), dir_fd=dir_fd,
                 follow_symlinks=False)


def set_times(desc, atim: int, mtim: int, fst_flags: int) -> None:
    """``fd_filestat_set_times`` on an open file or directory."""
    if isinstance(desc, Directory):
        _mutable(desc)
    elif not desc.may_write:
        raise WasiError(Errno.PERM)
    os.utime(desc.fd, ns=new_times(os.fstat(desc.fd), atim, mtim, fst_flags))


def directory_entries(directory: Directory) -> list[tuple[bytes, int, int]]:
    """``fd_readdir``'s listing: ``.`` and ``..`` first (both with the
    directory's own inode, as Wasmtime), then the entries in the order the
    host lists them, each as (name, inode, filetype) of the entry itself."""
    own = inode(os.fstat(directory.fd))
    entries = [(b".", own, FILETYPE_DIRECTORY), (b"..", own, FILETYPE_DIRECTORY)]
    with os.scandir(directory.fd) as listing:
        for entry in listing:
            try:
                name = entry.name.encode("utf-8")
            except UnicodeEncodeError:  # a host name that is not UTF-8
                raise WasiError(Errno.ILSEQ) from None
            st = entry.stat(follow_symlinks=False)
            entries.append((name, inode(st), filetype(st.st_mode)))
    return entries
