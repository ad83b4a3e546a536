"""AppArmor: change profile on exec (runc's libcontainer/apparmor).

The profile is not switched now but at execve ("exec <profile>" to the exec attribute),
so the runtime keeps working unconfined until it hands over to the container's program.
Newer kernels have a per-LSM directory (attr/apparmor/exec); the shared attr/exec is the
fallback, as in runc.
"""

from __future__ import annotations

import os

from .. import procfs

ENABLED_PARAM = "/sys/module/apparmor/parameters/enabled"
SECURITYFS_DIR = "/sys/kernel/security/apparmor"
ATTR_PATHS = ("thread-self/attr/apparmor/exec", "thread-self/attr/exec")


class AppArmorError(OSError):
    pass


def is_enabled() -> bool:
    """runc's IsEnabled: the securityfs directory exists and the module says "Y"."""
    if not os.path.isdir(SECURITYFS_DIR):
        return False
    try:
        with open(ENABLED_PARAM) as f:
            return f.read().startswith("Y")
    except OSError:
        return False


def exec_attr_path(proc: str = "/proc") -> str:
    """Which attribute file to write: the AppArmor-specific one when the kernel has it."""
    return ATTR_PATHS[0] if os.path.exists(os.path.join(proc, "thread-self/attr/apparmor")) else ATTR_PATHS[1]


def apply_profile(name: str, *, proc: str = "/proc", writer=None) -> None:
    """Make the next execve enter profile ``name``. ``writer(rel, data)`` is for tests."""
    if not name:
        return
    rel = exec_attr_path(proc)
    write = writer or (lambda r, d: procfs.write_file(r, d, proc))
    try:
        write(rel, f"exec {name}")
    except OSError as e:
        raise AppArmorError(e.errno, f"apparmor failed to apply profile: write {proc}/{rel}: {e.strerror or e}") from None
