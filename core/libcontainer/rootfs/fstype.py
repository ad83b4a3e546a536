"""Which filesystem an open descriptor is on (fstatfs's f_type).

A mount target under /proc or /sys is only safe if it really is procfs or sysfs: a path
that the container's author (or a racing container sharing mounts) redirected elsewhere
would turn "mask /proc/kcore" or "make /proc/sys read-only" into a mount somewhere else
(runc's CVE-2025-31133 / CVE-2025-52881 family). Python's os.statvfs drops f_type, so this
asks fstatfs directly, through the native module; fstatfs works on O_PATH descriptors,
which is what the resolver hands out.

Only a native module built without ``fstatfs_type`` falls back to libc through ctypes
(~2.5 ms to import in every init): :func:`load` imports it then, on the first question or
before the root changes (rootfs.pivot calls it: after pivot_root the host's standard
library is out of reach).
"""

from __future__ import annotations

import os

from .. import _nsenter

_native = getattr(_nsenter, "fstatfs_type", None)

PROC_SUPER_MAGIC = 0x9FA0
SYSFS_MAGIC = 0x62656572
TMPFS_MAGIC = 0x01021994
CGROUP_SUPER_MAGIC = 0x27E0EB
CGROUP2_SUPER_MAGIC = 0x63677270
DEVPTS_SUPER_MAGIC = 0x1CD1

#: the config mount types whose targets are checked, and the magic they must have
EXPECTED = {"proc": PROC_SUPER_MAGIC, "sysfs": SYSFS_MAGIC}

_libc = None


def load():
    """Import ctypes and find libc's fstatfs (once); returns the ctypes module, or None
    when the native module answers."""
    global _libc
    if _native is not None:
        return None
    import ctypes

    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return ctypes


def magic(fd: int) -> int:
    """f_type of the filesystem ``fd`` is on."""
    if _native is not None:
        return _native(fd)
    ctypes = load()
    buf = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes on 64-bit
    if _libc.fstatfs(fd, buf) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    # f_type is the first member, a native long (__fsword_t)
    return ctypes.c_long.from_buffer_copy(buf.raw[: ctypes.sizeof(ctypes.c_long)]).value & 0xFFFFFFFF


def magic_of_path(path: str) -> int | None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return magic(fd)
    finally:
        os.close(fd)


def cgroup2_unified() -> bool:
    """runc's IsCgroup2UnifiedMode: cgroup2 mounted at /sys/fs/cgroup itself."""
    return magic_of_path("/sys/fs/cgroup") == CGROUP2_SUPER_MAGIC
