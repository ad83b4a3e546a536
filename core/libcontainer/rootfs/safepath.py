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
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_IN_ROOT = 0x10
O_PATH = os.O_PATH
_RESOLVE = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS


def _components(path: str) -> list[str]:
    return [c for c in path.split("/") if c not in ("", ".")]


def clean(path: str) -> str:
    """The lexical absolute form of a container path ("/dev/../dev/" -> "/dev"). A path that
    is that already (most are: a plan's compile cleans ~180 of them) is returned as it is."""
    if path[:1] == "/" and "//" not in path and "/." not in path and (path[-1] != "/" or path == "/"):
        return path
    return os.path.normpath("/" + path.lstrip("/"))


def open_in_root(root_fd: int, path: str, flags: int = O_PATH, mode: int = 0, resolve: int = 0) -> int:
    """Open ``path`` as seen from inside the root; symlinks and '..' stay inside.

    ``resolve`` adds RESOLVE_* bits, e.g. RESOLVE_NO_SYMLINKS where no symlink may be crossed.
    """
    rel = "/".join(_components(path)) or "."
    return syscalls.get().openat2(root_fd, rel, flags | os.O_CLOEXEC, mode, _RESOLVE | resolve)


_MAX_LINKS = 40  # as the kernel's MAXSYMLINKS


def _root_dir(root_fd: int) -> int:
    return os.open(".", O_PATH | os.O_DIRECTORY | os.O_CLOEXEC, dir_fd=root_fd)


def mkdir_all(root_fd: int, path: str, mode: int = 0o755, resolve: int = 0) -> int:
    """Create every missing directory of ``path`` inside the root; return an O_PATH fd to it.

    A dangling symlink on the way is followed the way the kernel would follow it from
    inside the root (an absolute target starts again at the root, ".." stops there), and
    the directories it names are created *in the rootfs*: ``/evil -> /tmp/x`` makes
    ``<rootfs>/tmp/x``, never the host's /tmp/x.
    """
    pending = _components(path)
    done: list[str] = []
    links = 0
    fd = _root_dir(root_fd)
    try:
        while pending:
            name = pending.pop(0)
            here = "/".join(done + [name])
            try:
                nfd = open_in_root(root_fd, here, O_PATH | os.O_DIRECTORY, resolve=resolve)
            except FileNotFoundError:
                try:
                    os.mkdir(name, mode, dir_fd=fd)
                except FileExistsError:
                    target = _dangling_link(fd, name, resolve)
                    if target is None:  # raced with another creator: reopen decides
                        nfd = open_in_root(root_fd, here, O_PATH | os.O_DIRECTORY, resolve=resolve)
                    else:
                        links += 1
                        if links > _MAX_LINKS:
                            raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path) from None
                        if target.startswith("/"):
                            done = []
                            os.close(fd)
                            fd = _root_dir(root_fd)
                        pending = _components(target) + pending
                        continue
                else:
                    nfd = open_in_root(root_fd, here, O_PATH | os.O_DIRECTORY, resolve=resolve)
            os.close(fd)
            fd = nfd
            done.append(name)
        return fd
    except BaseException:
        os.close(fd)
        raise


def _dangling_link(dir_fd: int, name: str, resolve: int) -> str | None:
    try:
        target = os.readlink(name, dir_fd=dir_fd)
    except OSError:
        return None
    if resolve & RESOLVE_NO_SYMLINKS:
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), name)
    return target


def create_file(root_fd: int, path: str, mode: int = 0o644, _links: int = 0) -> int:
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
            target = _dangling_link(parent, parts[-1], 0)
            if target is not None:
                if _links >= _MAX_LINKS:
                    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path) from None
                if not target.startswith("/"):
                    target = path_in_root(root_fd, parent).rstrip("/") + "/" + target
                return create_file(root_fd, target, mode, _links + 1)
    finally:
        os.close(parent)
    return open_in_root(root_fd, path)


def fd_path(fd: int) -> str:
    """The magic link through which mount(2) and friends act on exactly this open file."""
    return f"/proc/self/fd/{fd}"


def path_in_root(root_fd: int, fd: int) -> str:
    """Where the kernel says ``fd`` is, as a path inside the root ("/" if it is the root).

    This is the *resolved* destination: after symlinks inside the container were followed,
    which is what policy checks (no mounts inside /proc...) must look at.
    """
    root = os.readlink(fd_path(root_fd))
    where = os.readlink(fd_path(fd))
    if root == "/":
        return where
    if where == root:
        return "/"
    if where.startswith(root.rstrip("/") + "/"):
        return where[len(root.rstrip("/")):]
    raise PermissionError(f"{where!r} is outside the container root {root!r}")
