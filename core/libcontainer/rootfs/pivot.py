"""Switching the process's root to the container's rootfs."""

from __future__ import annotations

import os

from .. import syscalls
from ..syscalls import MNT_DETACH, MS_MOVE, MS_REC, MS_SLAVE


def pivot_root(rootfs: str) -> None:
    """pivot_root without a temporary directory: stack the old root under the new one.

    ``pivot_root(".", ".")`` puts the old root on top of the new root at the same place;
    making it a slave first keeps the detach below from propagating unmounts back to the host.
    """
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


def move_root(rootfs: str) -> None:
    """The no-pivot path (for a ramdisk root where pivot_root is refused): MS_MOVE + chroot."""
    sc = syscalls.get()
    os.chdir(rootfs)
    sc.mount(rootfs, "/", None, MS_MOVE, None)
    os.chroot(".")
    os.chdir("/")
