"""Building the container's root filesystem, from inside its new mount namespace."""

from __future__ import annotations

import os

from ..syscalls import MS_BIND, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SLAVE
from . import mounts, pivot


def setup(sc, config) -> None:
    """Everything from the first mount to being inside the new root."""
    # Nothing we mount may propagate back to the host: make the whole tree a slave (or
    # what the config asks) before the first mount.
    sc.mount(None, "/", None, config.root_propagation or (MS_SLAVE | MS_REC), None)
    rootfs = config.rootfs
    sc.mount(rootfs, rootfs, None, MS_BIND | MS_REC, None)
    root_fd = os.open(rootfs, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        mounts.mount_all(root_fd, config.mounts)
    finally:
        os.close(root_fd)
    if config.no_pivot_root:
        pivot.move_root(rootfs)
    else:
        pivot.pivot_root(rootfs)


def finalize(sc, config) -> None:
    """After pivot_root and sysctls: the steps that make things read-only."""
    if config.readonlyfs:
        sc.mount(None, "/", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, None)
