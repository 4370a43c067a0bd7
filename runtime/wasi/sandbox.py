"""Path resolution that cannot leave a directory.

Every path a guest names is relative to a directory descriptor it holds
(a preopen, or a directory it opened under one). The host kernel is never
given such a path whole: it is walked one component at a time from the
directory's host descriptor, opening each intermediate directory with
``O_NOFOLLOW``, so that

- ``..`` is handled here, on our own stack of opened directories: going
  above the starting directory fails with EPERM instead of reaching the
  host's parent directory;
- a symlink is read here and its target spliced into the walk, so it is
  subject to the same rules: an absolute target, or one climbing out, fails
  with EPERM (Wasmtime's cap-std answers these cases the same way);
- an absolute path fails with EPERM.

What comes out is a host descriptor of the directory that holds the last
component, and that component's name, which is never a symlink the kernel
would follow (unless the caller asked not to follow it): the caller applies
the final operation with the ``*at`` system calls and ``follow_symlinks=False``.

A NUL byte is refused (EINVAL) in the component about to reach a system
call, as Wasmtime refuses it when it makes that call's C string: here for
the directories walked through, and by the caller (``c_names``) for the
last component, after every path of the call has been walked.
"""

from __future__ import annotations

import errno
import os
from collections import deque
from contextlib import contextmanager
from typing import Iterator

from .errno import Errno, WasiError

MAX_SYMLINKS = 40  # as Linux's path walk: more than this is ELOOP
_O_PATH = getattr(os, "O_PATH", os.O_RDONLY)
_WALK_FLAGS = _O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

# What a trailing slash on the last component does (``beneath``'s ``slash``):
FOLLOW = "follow"  # a symlink there is followed here, and the slash kept on what it names
KEEP = "keep"      # the name goes to the kernel with its slash, the symlink not followed
STRIP = "strip"    # the slash is dropped, as if the path had none


@contextmanager
def beneath(root_fd: int, path: str, follow: bool, slash: str = FOLLOW) -> Iterator[tuple[int, str]]:
    """Resolve ``path`` below the directory ``root_fd``: yields ``(dir_fd, name)``.

    ``follow`` says whether a symlink in the last component is followed.
    A trailing slash makes a lookup follow it (the kernel then insists on a
    directory); the calls Wasmtime's cap-std treats otherwise choose ``KEEP``
    (a rename's two paths, a creating open: the kernel answers ENOTDIR or
    EISDIR) or ``STRIP`` (mkdir)."""
    stack = [root_fd]
    try:
        yield _walk(stack, path, follow, slash)
    finally:
        for fd in stack[1:]:
            os.close(fd)


def c_names(*names: str) -> None:
    """EINVAL if a name about to be given to a system call holds a NUL byte."""
    if any("\0" in name for name in names):
        raise WasiError(Errno.INVAL)


def _walk(stack: list[int], path: str, follow: bool, slash: str) -> tuple[int, str]:
    if not path:
        raise WasiError(Errno.NOENT)
    if path.startswith("/"):
        raise WasiError(Errno.PERM)
    parts = deque(path.split("/"))
    links = 0
    while parts:
        name = parts.popleft()
        trailing = bool(parts) and not any(parts)  # only empty parts left: "name/"
        last = not parts or trailing
        if trailing and slash != FOLLOW and name not in ("", ".", ".."):
            if slash == KEEP:
                c_names(name)
                return stack[-1], name + "/"
            trailing = False
        if name in ("", "."):
            if not parts:
                return stack[-1], "."
            continue
        if name == "..":
            if len(stack) == 1:
                raise WasiError(Errno.PERM)
            os.close(stack.pop())
            if last:
                return stack[-1], "."
            continue
        if last and not (follow or trailing):
            return stack[-1], name
        c_names(name)
        if not last:
            try:
                stack.append(os.open(name, _WALK_FLAGS, dir_fd=stack[-1]))
                continue
            except OSError as e:
                if e.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise
                target = _readlink(stack[-1], name)
                if target is None:
                    raise
        else:
            target = _readlink(stack[-1], name)
            if target is None:
                return stack[-1], name + "/" if trailing else name
        links += 1
        if links > MAX_SYMLINKS:
            raise WasiError(Errno.LOOP)
        if target.startswith("/"):
            raise WasiError(Errno.PERM)
        parts.extendleft(reversed(target.split("/")))
    raise WasiError(Errno.NOENT)  # a symlink whose target is empty


def _readlink(dir_fd: int, name: str) -> str | None:
    """The target of ``name`` if it is a symlink, else None."""
    try:
        return os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return None
