"""Switching the process's root to the container's rootfs."""

from __future__ import annotations

import errno
import os

from .. import syscalls
from ..syscalls import MNT_DETACH, MS_MOVE, MS_REC, MS_SLAVE
from . import fstype, mountinfo


def _before_leaving_host() -> None:
    """What later steps import lazily must be imported while the host's files are in view:
    ctypes for fstype (the console and masked paths check their targets after this)."""
    fstype.load()


def pivot_root(rootfs: str) -> None:
    """pivot_root without a temporary directory: stack the old root under the new one.

    ``pivot_root(".", ".")`` puts the old root on top of the new root at the same place;
    making it a slave first keeps the detach below from propagating unmounts back to the host.
    """
    _before_leaving_host()
    sc = syscalls.get()
    old_root = os.open("/", os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    new_root = os.open(rootfs, os.O_DIRECTORY | os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fchdir(new_root)
        sc.pivot_root(".", ".")
        os.fchdir(old_root)
        sc.mount(None, ".", None, MS_SLAVE | MS_REC, None)
        sc.umount2(".", MNT_DETACH)
        os.chdir("/")
    finally:
        os.close(old_root)
        os.close(new_root)


def hide_host_proc_and_sys(sc, rootfs: str) -> None:
    """Before a chroot the host's full procfs and sysfs mounts stay reachable in the mount
    namespace, and the kernel allows mounting a new procfs only if a full one is visible:
    unmount them (or cover them with a tmpfs where unmounting is refused), as runc does."""
    rootfs = os.path.realpath(rootfs)
    for m in mountinfo.read():
        if m.root != "/" or m.fstype not in ("proc", "sysfs") or mountinfo.is_under(m.mountpoint, rootfs):
            continue
        try:
            sc.mount(None, m.mountpoint, None, MS_SLAVE | MS_REC, None)
        except OSError as e:
            if e.errno == errno.ENOENT:
                continue  # under something already unmounted
            raise
        try:
            sc.umount2(m.mountpoint, MNT_DETACH)
        except OSError as e:
            if e.errno not in (errno.EINVAL, errno.EPERM):
                raise
            sc.mount("tmpfs", m.mountpoint, "tmpfs", 0, None)


def move_root(rootfs: str) -> None:
    """The no-pivot path (for a ramdisk root where pivot_root is refused): MS_MOVE + chroot."""
    _before_leaving_host()
    sc = syscalls.get()
    hide_host_proc_and_sys(sc, rootfs)
    os.chdir(rootfs)
    sc.mount(rootfs, "/", None, MS_MOVE, None)
    chroot()


def chroot() -> None:
    """Without a mount namespace there is nothing to pivot: chroot into the cwd."""
    _before_leaving_host()
    os.chroot(".")
    os.chdir("/")
