"""Opening files on the real procfs before writing to them.

The runtime writes security-relevant files under /proc from inside the container's mount
namespace: LSM exec labels (/proc/thread-self/attr/...), sysctls (/proc/sys/...). That /proc
was mounted from a config the container's author may control, on a rootfs the author
controls: if it were a plain directory from the image, or if a file under it were
bind-mounted over by a decoy, the write would silently land in the wrong place and the label
or the knob would never apply (CVE-2019-16884: AppArmor bypassed through a fake /proc;
CVE-2025-52881: writes redirected through racing shared mounts, even to the host's
/proc/sys/kernel/core_pattern).

So every such write goes through :func:`open_file`: /proc is opened without following a
symlink, must be the *root* of a procfs mount (f_type PROC_SUPER_MAGIC, inode 1), and the
file is resolved beneath it with openat2(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS |
RESOLVE_BENEATH), so no mount crossing (a bind-mounted decoy is a mount) and no magic link
may be on the way; the descriptor that was checked is the one written to.
"""

from __future__ import annotations

import errno
import os

from . import syscalls

PROC_SUPER_MAGIC = 0x9FA0
PROC_ROOT_INO = 1
RESOLVE_NO_XDEV = 0x01
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_BENEATH = 0x08


class ProcfsError(PermissionError):
    """A /proc path did not lead to the real procfs: the write was refused."""


def _fstype(fd: int) -> int:
    from .rootfs import fstype

    return fstype.magic(fd)


def open_root(proc: str = "/proc") -> int:
    """An O_PATH descriptor on the root of a real procfs mount at ``proc``."""
    fd = os.open(proc, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if _fstype(fd) != PROC_SUPER_MAGIC or st.st_ino != PROC_ROOT_INO:
            raise ProcfsError(errno.EPERM, f"{proc} is not the root of a procfs mount: refusing to use it")
        return fd
    except BaseException:
        os.close(fd)
        raise


def open_file(rel: str, flags: int, proc: str = "/proc") -> int:
    """Open ``rel`` (relative to /proc, e.g. "thread-self/attr/exec") on the real procfs."""
    root = open_root(proc)
    try:
        try:
            fd = syscalls.get().openat2(root, rel.lstrip("/"), flags | os.O_CLOEXEC | os.O_NOCTTY, 0,
                                        RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH)
        except OSError as e:
            if e.errno == errno.EXDEV:
                raise ProcfsError(errno.EXDEV, f"{proc}/{rel} is covered by another mount: refusing to write it") from None
            raise
    finally:
        os.close(root)
    try:
        if _fstype(fd) != PROC_SUPER_MAGIC:
            raise ProcfsError(errno.EPERM, f"{proc}/{rel} is not on procfs: refusing to write it")
    except BaseException:
        os.close(fd)
        raise
    return fd


def sysctl_path(key: str) -> str:
    """The file of sysctl ``key`` relative to /proc: dots are separators, unless the key is
    in sysctl(8)'s slash form, which keeps dots inside components (eth0.100)."""
    slashed = key.find("/") != -1 and (key.find(".") == -1 or key.find("/") < key.find("."))
    return "sys/" + (key if slashed else key.replace(".", "/"))


def write_file(rel: str, data: str | bytes, proc: str = "/proc") -> None:
    """One write(2) of ``data`` to a verified procfs file (procfs parses each write whole)."""
    if isinstance(data, str):
        data = data.encode()
    fd = open_file(rel, os.O_WRONLY, proc)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
