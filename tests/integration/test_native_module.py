"""libcontainer._nsenter's surface: every function documented, every constant the kernel's value.

Child processes, mounts and the leak check come from ``native_helpers``.
"""

from __future__ import annotations

import os

import pytest
from native_helpers import (
    no_leaked_mounts,  # noqa: F401 - autouse fixture: importing activates it
    nse,
)

pytestmark = pytest.mark.integration

if os.geteuid() != 0:  # pragma: no cover - the suite is meant for a root VM
    pytest.skip("needs root", allow_module_level=True)


# -- module surface --------------------------------------------------------------------------------

FUNCTIONS = ["setns", "unshare", "clone", "mount", "umount2", "pivot_root", "capget", "capset",
             "prctl", "sethostname", "setdomainname", "openat2", "open_tree", "move_mount",
             "fsopen", "fsconfig", "fsmount", "mount_setattr", "pidfd_open", "pidfd_send_signal",
             "close_range", "cap_last_cap", "hand_off_teardown"]


def test_functions_exist_with_docstring_and_signature():
    for name in FUNCTIONS:
        fn = getattr(nse, name)
        assert fn.__doc__ and len(fn.__doc__) > 30, name
        assert fn.__text_signature__, name


def test_constants_have_kernel_abi_values():
    expected = {
        "CLONE_NEWNS": 0x20000, "CLONE_NEWUTS": 0x04000000, "CLONE_NEWIPC": 0x08000000,
        "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000, "CLONE_NEWNET": 0x40000000,
        "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWTIME": 0x80,
        "MS_RDONLY": 1, "MS_NOSUID": 2, "MS_NODEV": 4, "MS_NOEXEC": 8, "MS_REMOUNT": 32,
        "MS_NOSYMFOLLOW": 256, "MS_BIND": 4096, "MS_MOVE": 8192, "MS_REC": 16384,
        "MS_UNBINDABLE": 1 << 17, "MS_PRIVATE": 1 << 18, "MS_SLAVE": 1 << 19,
        "MS_SHARED": 1 << 20, "MS_RELATIME": 1 << 21, "MS_STRICTATIME": 1 << 24,
        "MS_LAZYTIME": 1 << 25,
        "MNT_FORCE": 1, "MNT_DETACH": 2, "MNT_EXPIRE": 4, "UMOUNT_NOFOLLOW": 8,
        "PR_SET_PDEATHSIG": 1, "PR_GET_DUMPABLE": 3, "PR_SET_DUMPABLE": 4, "PR_SET_KEEPCAPS": 8,
        "PR_SET_NAME": 15, "PR_SET_SECCOMP": 22, "PR_CAPBSET_READ": 23, "PR_CAPBSET_DROP": 24,
        "PR_SET_SECUREBITS": 28, "PR_SET_CHILD_SUBREAPER": 36, "PR_SET_NO_NEW_PRIVS": 38,
        "PR_GET_NO_NEW_PRIVS": 39, "PR_CAP_AMBIENT": 47, "PR_CAP_AMBIENT_IS_SET": 1,
        "PR_CAP_AMBIENT_RAISE": 2, "PR_CAP_AMBIENT_LOWER": 3, "PR_CAP_AMBIENT_CLEAR_ALL": 4,
        "RESOLVE_NO_XDEV": 1, "RESOLVE_NO_MAGICLINKS": 2, "RESOLVE_NO_SYMLINKS": 4,
        "RESOLVE_BENEATH": 8, "RESOLVE_IN_ROOT": 0x10, "RESOLVE_CACHED": 0x20,
        "OPEN_TREE_CLONE": 1, "OPEN_TREE_CLOEXEC": os.O_CLOEXEC,
        "MOVE_MOUNT_F_EMPTY_PATH": 4, "MOVE_MOUNT_T_EMPTY_PATH": 0x40, "MOVE_MOUNT_BENEATH": 0x200,
        "FSOPEN_CLOEXEC": 1, "FSCONFIG_SET_FLAG": 0, "FSCONFIG_SET_STRING": 1,
        "FSCONFIG_SET_FD": 5, "FSCONFIG_CMD_CREATE": 6, "FSCONFIG_CMD_CREATE_EXCL": 8,
        "FSMOUNT_CLOEXEC": 1, "MOUNT_ATTR_RDONLY": 1, "MOUNT_ATTR_NODEV": 4,
        "MOUNT_ATTR_IDMAP": 0x100000, "MOUNT_ATTR_NOSYMFOLLOW": 0x200000,
        "AT_FDCWD": -100, "AT_SYMLINK_NOFOLLOW": 0x100, "AT_EMPTY_PATH": 0x1000,
        "AT_RECURSIVE": 0x8000, "CLOSE_RANGE_CLOEXEC": 4, "CAP_SYS_ADMIN": 21,
        "_LINUX_CAPABILITY_VERSION_3": 0x20080522,
    }
    assert {k: getattr(nse, k, None) for k in expected} == expected
