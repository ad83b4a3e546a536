"""Mounting the config's mounts into the rootfs, each through a verified descriptor."""

from __future__ import annotations

import os
import stat

from .. import syscalls
from ..syscalls import (
    MS_BIND,
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_RDONLY,
    MS_REC,
    MS_RELATIME,
    MS_REMOUNT,
    MS_STRICTATIME,
)
from . import safepath

# the flags that change an existing mount's attributes rather than create one
_ATTR_FLAGS = (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME
               | MS_RELATIME | MS_STRICTATIME)


def _is_bind(m) -> bool:
    return m.device == "bind" or bool(m.flags & MS_BIND)


def _source_is_dir(m) -> bool:
    if not _is_bind(m):
        return True
    try:
        return stat.S_ISDIR(os.stat(m.source).st_mode)
    except FileNotFoundError:
        raise FileNotFoundError(f"mount source {m.source!r} for {m.destination!r} does not exist") from None


def mount_one(root_fd: int, m) -> None:
    """Mount one configs.Mount at its destination inside the root open at ``root_fd``."""
    sc = syscalls.get()
    if _source_is_dir(m):
        target = safepath.mkdir_all(root_fd, m.destination)
    else:
        target = safepath.create_file(root_fd, m.destination)
    try:
        where = safepath.fd_path(target)
        flags = m.flags or 0
        data = m.data or None
        if _is_bind(m):
            sc.mount(m.source, where, None, MS_BIND | (flags & MS_REC), None)
            if flags & _ATTR_FLAGS:
                # bind mounts ignore attribute flags on creation: a remount applies them
                sc.mount(None, where, None, flags | MS_BIND | MS_REMOUNT, None)
        else:
            sc.mount(m.source or m.device, where, m.device, flags, data)
        for prop in m.propagation_flags or ():
            sc.mount(None, where, None, prop, None)
    finally:
        os.close(target)


def mount_all(root_fd: int, mounts) -> None:
    for m in mounts or ():
        try:
            mount_one(root_fd, m)
        except OSError as e:
            raise OSError(e.errno, f"mounting {m.source!r} to rootfs at {m.destination!r}: {e.strerror}") from None
