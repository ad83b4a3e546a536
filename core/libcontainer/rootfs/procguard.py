"""Policy for mounts that touch /proc and /sys.

Two rules, both runc's:

* Nothing may be mounted inside /proc except the few files lxcfs emulates, and /proc
  itself only gets a procfs (runc's ``checkProcMount``): a bind over /proc/sys or
  /proc/sysrq-trigger would hand the container the host's knobs.
* A target that should be on the procfs or sysfs we mounted must really be on it when we
  mount over it (runc's 2025 hardening): the check is made on the descriptor that the
  mount then goes through, so a redirect cannot slip in between.
"""

from __future__ import annotations

import errno

from . import fstype
from .mountinfo import is_under
from .safepath import clean

#: files that may be bind-mounted over inside /proc (lxcfs and friends)
VALID_PROC_MOUNTS = (
    "/proc/cpuinfo",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/loadavg",
    "/proc/slabinfo",
    "/proc/net/dev",
    "/proc/sys/kernel/ns_last_pid",
)


def check_proc_mount(dest: str, source_fd: int | None) -> None:
    """``dest`` is the resolved destination inside the root; ``source_fd`` an fd on the
    mount's source (None for a filesystem that is not a bind)."""
    dest = clean(dest)
    if not is_under(dest, "/proc"):
        return
    if dest == "/proc":
        if source_fd is not None and fstype.magic(source_fd) == fstype.PROC_SUPER_MAGIC:
            return
        raise PermissionError(errno.EPERM, f"{dest!r} cannot be mounted because it is not of type proc")
    if dest in VALID_PROC_MOUNTS:
        return
    raise PermissionError(errno.EPERM, f"{dest!r} cannot be mounted because it is inside /proc")


def expected_magic(dest: str, mounted) -> int | None:
    """The f_type ``dest`` must have, judged by the mounts already made (``mounted``: the
    config mounts in order). The innermost mount covering ``dest`` decides; only procfs and
    sysfs are policed (what is under a tmpfs or a bind is whatever it is)."""
    dest = clean(dest)
    best = None
    for m in mounted:
        d = clean(m.destination)
        if is_under(dest, d) and (best is None or len(d) >= len(clean(best.destination))):
            best = m
    if best is None:
        return None
    return fstype.EXPECTED.get(best.device)


def verify_target(fd: int, dest: str, mounted) -> None:
    """Refuse to mount over ``fd`` unless it is on the filesystem ``dest`` must be on."""
    want = expected_magic(dest, mounted)
    if want is None:
        return
    got = fstype.magic(fd)
    if got != want:
        kind = "procfs" if want == fstype.PROC_SUPER_MAGIC else "sysfs"
        raise PermissionError(
            errno.EPERM, f"{dest!r} is not on the container's {kind} (f_type {got:#x}): refusing to mount over it")
