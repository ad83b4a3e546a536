"""SELinux: the process label for the next execve and the label of new mounts.

As runc (go-selinux): the exec label is written to the process's attr/exec, so the program
starts in its domain while the runtime keeps its own; a mount label becomes a
``context="..."`` option of the filesystems the runtime mounts.
"""

from __future__ import annotations

import os

from .. import procfs

SELINUXFS = "/sys/fs/selinux"
SELINUX_MAGIC = 0xF97CFF8C
EXEC_ATTR = "thread-self/attr/exec"


class SELinuxError(OSError):
    pass


def is_enabled() -> bool:
    """A selinuxfs is mounted and the process has a real context (not "kernel")."""
    try:
        from ..rootfs import fstype

        fd = os.open(SELINUXFS, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if fstype.magic(fd) != SELINUX_MAGIC:
            return False
    finally:
        os.close(fd)
    try:
        with open("/proc/self/attr/current") as f:
            current = f.read().strip("\0\n ")
    except OSError:
        return False
    return bool(current) and current != "kernel"


def set_exec_label(label: str, *, proc: str = "/proc", writer=None) -> None:
    """Label the next execve. ``writer(rel, data)`` is for tests."""
    if not label:
        return
    write = writer or (lambda r, d: procfs.write_file(r, d, proc))
    try:
        write(EXEC_ATTR, label)
    except OSError as e:
        raise SELinuxError(e.errno, f"selinux: setting exec label {label!r}: {e.strerror or e}") from None


def format_mount_label(data: str | None, label: str) -> str | None:
    """Mount data with the SELinux context option added (go-selinux FormatMountLabel)."""
    if not label:
        return data
    ctx = f'context="{label}"'
    return f"{data},{ctx}" if data else ctx
