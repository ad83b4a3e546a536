"""tmpfs with copy-up (runc's ``tmpcopyup`` extension): the tmpfs starts with the content of
the directory it covers, e.g. a writable /etc on a read-only image.

runc mounts the tmpfs on a scratch directory of the host's /tmp, copies and moves it. The
new mount API needs no scratch directory: the tmpfs is created detached (fsopen/fsmount),
filled through its descriptor and then moved onto the target descriptor, so nothing ever
appears in the host's view.
"""

from __future__ import annotations

import os
import stat

from .. import syscalls
from ..syscalls import (
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_STRICTATIME,
)
from .safepath import fd_path

_MS_TO_ATTR = (
    (MS_RDONLY, 0x01), (MS_NOSUID, 0x02), (MS_NODEV, 0x04), (MS_NOEXEC, 0x08),
    (MS_NOATIME, 0x10), (MS_STRICTATIME, 0x20), (MS_NODIRATIME, 0x80),
)


def attr_flags(ms_flags: int) -> int:
    """MS_* flags -> MOUNT_ATTR_* for fsmount(2)."""
    return sum(attr for ms, attr in _MS_TO_ATTR if ms_flags & ms)


def copy_tree(src: str, dst: str) -> None:
    """Copy a directory's content keeping modes, owners and times (symlinks as symlinks).

    shutil is imported here, for the configs that have a copy-up (the init preloads it
    for them: init.namespaces_setup.preload), not by every runtime that clones an init.
    """
    import shutil

    for entry in os.scandir(src):
        s, d = entry.path, os.path.join(dst, entry.name)
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISDIR(st.st_mode):
            os.mkdir(d, stat.S_IMODE(st.st_mode))
            copy_tree(s, d)
        elif stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(s), d)
        elif stat.S_ISREG(st.st_mode):
            shutil.copyfile(s, d, follow_symlinks=False)
        else:
            os.mknod(d, st.st_mode, st.st_rdev)
        os.chown(d, st.st_uid, st.st_gid, follow_symlinks=False)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(d, stat.S_IMODE(st.st_mode))
        os.utime(d, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)


def mount_tmpfs_copyup(target_fd: int, flags: int, data: str) -> None:
    sc = syscalls.get()
    fs = sc.fsopen("tmpfs", syscalls.FSOPEN_CLOEXEC)
    try:
        for opt in (o for o in data.split(",") if o):
            key, eq, value = opt.partition("=")
            if eq:
                sc.fsconfig(fs, syscalls.FSCONFIG_SET_STRING, key, value)
            else:
                sc.fsconfig(fs, syscalls.FSCONFIG_SET_FLAG, key)
        sc.fsconfig(fs, syscalls.FSCONFIG_CMD_CREATE)
        mnt = sc.fsmount(fs, syscalls.FSMOUNT_CLOEXEC, attr_flags(flags & ~MS_RDONLY))
    finally:
        os.close(fs)
    try:
        copy_tree(fd_path(target_fd), fd_path(mnt))
        sc.move_mount(mnt, "", target_fd, "",
                      syscalls.MOVE_MOUNT_F_EMPTY_PATH | syscalls.MOVE_MOUNT_T_EMPTY_PATH)
    finally:
        os.close(mnt)
