"""Mounting the config's mounts into the rootfs, each through a verified descriptor.

One function per kind of mount, as runc's ``mountToRootfs`` distinguishes them: procfs and
sysfs (only ever on an ordinary directory, never through a symlink), tmpfs (keeps the mode
of the directory it covers, read-only only at the end so /dev can still be filled), bind
(needs a remount for its flags), cgroup (see cgroupmount.py) and everything else.

Each destination is created and opened with openat2(RESOLVE_IN_ROOT) and mounted on through
/proc/self/fd/N; the new mount is reopened for the steps that act on the mount itself
(propagation, mount_setattr), because the first descriptor still names the directory
underneath it.
"""

from __future__ import annotations

import errno
import os
import stat

from .. import syscalls
from ..configs.mount import EXT_COPYUP
from ..record import field, record
from ..syscalls import (
    MS_BIND,
    MS_MANDLOCK,
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_NOSYMFOLLOW,
    MS_RDONLY,
    MS_REC,
    MS_RELATIME,
    MS_REMOUNT,
    MS_STRICTATIME,
    MS_SYNCHRONOUS,
)
from . import copyup, fstype, procguard, safepath
from .safepath import clean, fd_path

TYPE_CHECKING = False  # collections.abc is not imported at run time: annotations stay strings
if TYPE_CHECKING:
    from collections.abc import Callable

_ATIME_ENUM = MS_NOATIME | MS_RELATIME | MS_STRICTATIME
_ATIME = _ATIME_ENUM | MS_NODIRATIME
# flags the kernel locks when a mount is inherited into a less privileged user namespace
_LOCKED = MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | _ATIME

# statvfs f_flag bit -> MS_* flag (calculate_f_flags() in fs/statfs.c)
_ST_TO_MS = (
    (0x0001, MS_RDONLY), (0x0002, MS_NOSUID), (0x0004, MS_NODEV), (0x0008, MS_NOEXEC),
    (0x0010, MS_SYNCHRONOUS), (0x0040, MS_MANDLOCK), (0x0400, MS_NOATIME),
    (0x0800, MS_NODIRATIME), (0x1000, MS_RELATIME), (0x2000, MS_NOSYMFOLLOW),
)


@record
class MountContext:
    """What every mount of one container shares: the root and the mounts made so far."""

    root_fd: int
    cgroupns: bool = False
    #: config mounts (and internal ones such as the cgroup tmpfs) already mounted, in order
    mounted: list = field(default_factory=list)
    #: run once before the first mount that needs the init in its cgroups (see need_cgroups)
    enter_cgroups: Callable[[], None] | None = None

    def need_cgroups(self) -> None:
        """Wait until the init is in its cgroups (and in its cgroup namespace), once.

        The init builds its mounts while the parent still moves it into its cgroups (an
        RCU grace period per v1 hierarchy); only what reads /proc/self/cgroup or mounts a
        cgroup filesystem, or charges memory to the container, has to wait for that.
        """
        fn, self.enter_cgroups = self.enter_cgroups, None
        if fn is not None:
            fn()


def is_bind(m) -> bool:
    return m.device == "bind" or bool((m.flags or 0) & MS_BIND)


def statfs_flags(fd_or_path) -> int:
    """The MS_* flags a mount currently has, as statfs reports them."""
    f_flag = os.statvfs(fd_or_path).f_flag
    flags = 0
    for st, ms in _ST_TO_MS:
        if f_flag & st:
            flags |= ms
    if not flags & _ATIME_ENUM:
        flags |= MS_STRICTATIME  # not reported: it is what "none of the others" means
    return flags


def precheck(m, source_fd: int | None = None) -> None:
    """The /proc rule on the path as written, before anything is created for it (the
    resolved path is checked again once it exists)."""
    procguard.check_proc_mount(m.destination, source_fd)


def checked_target(ctx: MountContext, fd: int, source_fd: int | None, *, proc_policy: bool) -> str:
    dest = safepath.path_in_root(ctx.root_fd, fd)
    if proc_policy:
        procguard.check_proc_mount(dest, source_fd)
    procguard.verify_target(fd, dest, ctx.mounted)
    return dest


def after_mount(ctx: MountContext, m) -> None:
    """Propagation and recursive attributes act on the new mount: reopen to reach it."""
    if not m.propagation_flags and m.rec_attr is None:
        return
    sc = syscalls.get()
    fd = safepath.open_in_root(ctx.root_fd, m.destination)
    try:
        for prop in m.propagation_flags or ():
            sc.mount(None, fd_path(fd), None, prop, None)
        if m.rec_attr is not None:
            a = m.rec_attr
            sc.mount_setattr(fd, "", syscalls.AT_EMPTY_PATH | syscalls.AT_RECURSIVE,
                             a.attr_set, a.attr_clr, a.propagation)
    finally:
        os.close(fd)


def mount_special(ctx: MountContext, m) -> None:
    """procfs and sysfs: on an ordinary directory only, and checked to have landed."""
    sc = syscalls.get()
    try:
        fd = safepath.mkdir_all(ctx.root_fd, m.destination, resolve=safepath.RESOLVE_NO_SYMLINKS)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOTDIR):  # a symlink or a file on the way
            raise OSError(e.errno, f"filesystem {m.device!r} must be mounted on ordinary directory") from None
        raise
    try:
        checked_target(ctx, fd, None, proc_policy=False)
        sc.mount(m.source or m.device, fd_path(fd), m.device, m.flags or 0, m.data or None)
    finally:
        os.close(fd)
    fd = safepath.open_in_root(ctx.root_fd, m.destination, resolve=safepath.RESOLVE_NO_SYMLINKS)
    try:
        want = fstype.EXPECTED[m.device]
        if fstype.magic(fd) != want:
            raise OSError(1, f"{m.destination!r} is not a {m.device} mount after mounting it")
    finally:
        os.close(fd)
    after_mount(ctx, m)


def mount_tmpfs(ctx: MountContext, m) -> None:
    sc = syscalls.get()
    data = m.data or ""
    try:
        fd = safepath.open_in_root(ctx.root_fd, m.destination, os.O_PATH | os.O_DIRECTORY)
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        data = f"mode={mode:04o}" + ("," + data if data else "")
    except FileNotFoundError:
        fd = safepath.mkdir_all(ctx.root_fd, m.destination)
    try:
        checked_target(ctx, fd, None, proc_policy=False)
        flags = (m.flags or 0) & ~MS_RDONLY  # made read-only in finalize, after /dev is filled
        if (m.extensions or 0) & EXT_COPYUP:
            copyup.mount_tmpfs_copyup(fd, flags, data)
        else:
            sc.mount(m.source or "tmpfs", fd_path(fd), "tmpfs", flags, data or None)
    finally:
        os.close(fd)
    after_mount(ctx, m)


def _remount_bind(m, target_fd: int, source: str) -> None:
    """Apply a bind mount's flags (the first MS_BIND ignores them), as runc does: set exactly
    the requested flags, and if the kernel refuses because some are locked, keep the locked
    ones the source has -- unless the user asked for one of them to be cleared."""
    sc = syscalls.get()
    flags = (m.flags or 0) | MS_BIND | MS_REMOUNT
    try:
        sc.mount(None, fd_path(target_fd), None, flags, None)
        return
    except OSError as first:
        src_flags = statfs_flags(source)
        if src_flags & (m.cleared_flags or 0) & _LOCKED:
            raise first from None
        if (m.flags or 0) & _ATIME and (m.flags or 0) & _ATIME != src_flags & _ATIME:
            raise first from None
        sc.mount(None, fd_path(target_fd), None, flags | (src_flags & _LOCKED), None)


def mount_bind(ctx: MountContext, m, *, policy: bool = True) -> None:
    sc = syscalls.get()
    src_fd = os.open(m.source, os.O_PATH | os.O_CLOEXEC)  # FileNotFoundError: nothing to bind
    try:
        is_dir = stat.S_ISDIR(os.fstat(src_fd).st_mode)
        if policy:
            precheck(m, src_fd)
        fd = safepath.mkdir_all(ctx.root_fd, m.destination) if is_dir else safepath.create_file(ctx.root_fd, m.destination)
        try:
            if policy:
                checked_target(ctx, fd, src_fd, proc_policy=True)
            sc.mount(fd_path(src_fd), fd_path(fd), None, MS_BIND | ((m.flags or 0) & MS_REC), None)
        finally:
            os.close(fd)
        if (m.flags or 0) & ~(MS_BIND | MS_REC | MS_REMOUNT) or m.cleared_flags:
            fd = safepath.open_in_root(ctx.root_fd, m.destination)
            try:
                _remount_bind(m, fd, fd_path(src_fd))
            finally:
                os.close(fd)
    finally:
        os.close(src_fd)
    after_mount(ctx, m)


def mount_other(ctx: MountContext, m) -> None:
    """mqueue, devpts, overlay and any other filesystem: mounted as given."""
    sc = syscalls.get()
    flags = m.flags or 0
    if clean(m.destination) == "/dev":
        flags &= ~MS_RDONLY  # devices are created in it first; finalize makes it read-only
    if m.device != "mqueue":
        precheck(m)
    fd = safepath.mkdir_all(ctx.root_fd, m.destination)
    try:
        checked_target(ctx, fd, None, proc_policy=m.device != "mqueue")
        sc.mount(m.source or m.device, fd_path(fd), m.device, flags, m.data or None)
    finally:
        os.close(fd)
    after_mount(ctx, m)


def mount_one(ctx: MountContext, m) -> None:
    """Mount one configs.Mount at its destination inside the root."""
    from . import cgroupmount

    if m.device in ("cgroup", "cgroup2") or (m.device == "tmpfs" and (m.extensions or 0) & EXT_COPYUP):
        ctx.need_cgroups()  # reads /proc/self/cgroup or the cgroupns; copy-up fills memory
    if m.device in ("proc", "sysfs"):
        mount_special(ctx, m)
    elif m.device == "cgroup":
        cgroupmount.mount_cgroup(ctx, m)
    elif is_bind(m):
        mount_bind(ctx, m)
    elif m.device == "tmpfs":
        mount_tmpfs(ctx, m)
    else:
        mount_other(ctx, m)


def mount_all(ctx: MountContext, mounts) -> None:
    for m in mounts or ():
        try:
            mount_one(ctx, m)
        except OSError as e:
            why = e.strerror or str(e)
            raise OSError(e.errno, f"error mounting {m.source!r} to rootfs at {m.destination!r}: {why}") from None
        ctx.mounted.append(m)
