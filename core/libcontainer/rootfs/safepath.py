"""Resolving container paths without ever leaving the rootfs.

Every path taken from a config is relative to the container's root and may cross symlinks
that the container's author controls. Resolving it with a string join (like
``os.path.join(rootfs, dest)``) lets ``/proc -> /`` or ``../../etc`` escape to the host
(CVE-2021-30465 and its family). Here each path is resolved by the kernel with openat2's
RESOLVE_IN_ROOT, which treats the rootfs as "/" for absolute symlinks and ".." alike, and
the caller receives an O_PATH descriptor: the thing that was checked is the thing that
gets mounted on (through /proc/self/fd/N), so a swap after the check changes nothing.
"""

from __future__ import annotations

import errno
import os

from .. import syscalls

RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_IN_ROOT = 0x10
O_PATH = os.O_PATH
_RESOLVE = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS


def _components(path: str) -> list[str]:
    return [c for c in path.split("/") if c not in ("", ".")]


def open_in_root(root_fd: int, path: str, flags: int = O_PATH, mode: int = 0) -> int:
    """Open ``path`` as seen from inside the root; symlinks and '..' stay inside."""
    rel = "/".join(_components(path)) or "."
    return syscalls.get().openat2(root_fd, rel, flags | os.O_CLOEXEC, mode, _RESOLVE)


def mkdir_all(root_fd: int, path: str, mode: int = 0o755) -> int:
    """Create every missing directory of ``path`` inside the root; return an O_PATH fd to it."""
    parts = _components(path)
    fd = os.open(".", O_PATH | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=root_fd)
    done: list[str] = []
    try:
        for name in parts:
            done.append(name)
            try:
                nfd = open_in_root(root_fd, "/".join(done), O_PATH | os.O_DIRECTORY)
            except FileNotFoundError:
                try:
                    os.mkdir(name, mode, dir_fd=fd)
                except FileExistsError:
                    pass  # raced with another creator, or a dangling symlink: reopen decides
                nfd = open_in_root(root_fd, "/".join(done), O_PATH | os.O_DIRECTORY)
            os.close(fd)
            fd = nfd
        return fd
    except BaseException:
        os.close(fd)
        raise


def create_file(root_fd: int, path: str, mode: int = 0o644) -> int:
    """Make sure ``path`` exists as a non-directory inside the root (a bind-mount target)."""
    parts = _components(path)
    if not parts:
        raise IsADirectoryError(errno.EISDIR, "cannot create the root as a file", path)
    try:
        return open_in_root(root_fd, path)
    except FileNotFoundError:
        pass
    parent = mkdir_all(root_fd, "/".join(parts[:-1]))
    try:
        try:
            fd = os.open(parts[-1], os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW,
                         mode, dir_fd=parent)
            os.close(fd)
        except FileExistsError:
            pass
    finally:
        os.close(parent)
    return open_in_root(root_fd, path)


def fd_path(fd: int) -> str:
    """The magic link through which mount(2) and friends act on exactly this open file."""
    return f"/proc/self/fd/{fd}"
