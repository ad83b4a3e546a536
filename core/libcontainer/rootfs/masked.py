"""Masked and read-only paths (OCI ``maskedPaths`` / ``readonlyPaths``), after sysctls.

Masking hides host information that procfs and sysfs do not namespace (/proc/kcore,
/proc/keys, /sys/firmware): a file is covered by a bind of /dev/null, a directory by an
empty read-only tmpfs. Read-only paths are bound onto themselves and remounted read-only
(keeping nosuid/nodev/noexec), so /proc/sys stays readable but not writable.

Both run inside the new root. The /dev/null used as the mask must really be the null
device: a container that made its /dev/null a symlink to, say, /proc/sys/kernel/core_pattern
would otherwise get *that* bound over the masked path, writable (CVE-2025-31133). And the
target must really be on the procfs or sysfs we mounted (procguard).
"""

from __future__ import annotations

import errno
import os
import stat

from .. import syscalls
from ..syscalls import MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT
from . import procguard, safepath
from .safepath import fd_path

_ABSENT = (errno.ENOENT, errno.ENOTDIR)


def _open_target(root_fd: int, path: str) -> int | None:
    try:
        return safepath.open_in_root(root_fd, path)
    except OSError as e:
        if e.errno in _ABSENT:
            return None
        raise


def open_dev_null(root_fd: int) -> int:
    fd = safepath.open_in_root(root_fd, "/dev/null", os.O_PATH | os.O_NOFOLLOW,
                               resolve=safepath.RESOLVE_NO_SYMLINKS)
    st = os.fstat(fd)
    if not stat.S_ISCHR(st.st_mode) or st.st_rdev != os.makedev(1, 3):
        os.close(fd)
        raise PermissionError(errno.EPERM, "/dev/null in the container is not the null device (1:3)")
    return fd


def mask_paths(root_fd: int, paths, mounts, mount_label: str = "") -> None:
    if not paths:
        return
    sc = syscalls.get()
    null = None
    try:
        for path in paths:
            fd = _open_target(root_fd, path)
            if fd is None:
                continue
            try:
                procguard.verify_target(fd, path, mounts)
                if stat.S_ISDIR(os.fstat(fd).st_mode):
                    data = f'context="{mount_label}"' if mount_label else None
                    sc.mount("tmpfs", fd_path(fd), "tmpfs", MS_RDONLY, data)
                else:
                    if null is None:
                        null = open_dev_null(root_fd)
                    sc.mount(fd_path(null), fd_path(fd), None, MS_BIND, None)
            except OSError as e:
                raise OSError(e.errno, f"can't mask path {path}: {e.strerror or e}") from None
            finally:
                os.close(fd)
    finally:
        if null is not None:
            os.close(null)


def readonly_paths(root_fd: int, paths, mounts) -> None:
    sc = syscalls.get()
    for path in paths or ():
        fd = _open_target(root_fd, path)
        if fd is None:
            continue
        try:
            procguard.verify_target(fd, path, mounts)
            sc.mount(fd_path(fd), fd_path(fd), None, MS_BIND | MS_REC, None)
        except OSError as e:
            raise OSError(e.errno, f"can't make {path!r} read-only: {e.strerror or e}") from None
        finally:
            os.close(fd)
        fd = safepath.open_in_root(root_fd, path)  # now the new bind mount
        try:
            keep = os.statvfs(fd).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)  # same bits as ST_*
            sc.mount(fd_path(fd), fd_path(fd), None, keep | MS_BIND | MS_REMOUNT | MS_RDONLY, None)
        except OSError as e:
            raise OSError(e.errno, f"can't make {path!r} read-only: {e.strerror or e}") from None
        finally:
            os.close(fd)
