"""Mount propagation before the first mount (runc's prepareRoot).

The new mount namespace starts as a copy of the host's, with the host's propagation: a
mount made under a shared mount would appear on the host. So first "/" gets the configured
propagation (default rslave: host mounts still reach us, ours never reach the host). Then
the mount the rootfs lives on is made private if it is shared, for two reasons: the bind of
the rootfs onto itself must not propagate anywhere, and pivot_root(2) refuses a new root
whose parent mount is shared (EINVAL). Finally the rootfs is bound onto itself, making it a
mount point pivot_root can use.
"""

from __future__ import annotations

import os

from ..syscalls import MS_BIND, MS_PRIVATE, MS_REC, MS_SLAVE
from . import mountinfo


def rootfs_parent_mount_private(sc, rootfs: str) -> None:
    parent = mountinfo.parent_mount(os.path.realpath(rootfs), mountinfo.read())
    if parent is None:
        raise OSError(2, f"could not find parent mount of {rootfs}")
    if parent.is_shared():
        sc.mount(None, parent.mountpoint, None, MS_PRIVATE, None)


def prepare_root(sc, config) -> None:
    sc.mount(None, "/", None, config.root_propagation or (MS_SLAVE | MS_REC), None)
    rootfs_parent_mount_private(sc, config.rootfs)
    sc.mount(config.rootfs, config.rootfs, None, MS_BIND | MS_REC, None)
