"""Linux syscalls newer than the libseccomp a host may have.

runc ignores a syscall name libseccomp cannot resolve, so that one profile (Docker's, say)
works with an older libseccomp. We keep that for *real* syscalls only: a name that is in
neither libseccomp nor this list is a typo, and fails with a ConfigError naming it.
Extend the list as kernels add syscalls.
"""

from __future__ import annotations

NEWER_SYSCALLS = frozenset({
    # 6.5 - 6.7
    "cachestat", "fchmodat2", "map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue",
    # 6.8 - 6.10
    "statmount", "listmount", "lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules",
    "mseal",
    # 6.11 - 6.17
    "uretprobe", "uprobe", "setxattrat", "getxattrat", "listxattrat", "removexattrat",
    "open_tree_attr", "file_getattr", "file_setattr",
    # 5.x ones an old libseccomp (< 2.5.2) may lack
    "process_mrelease", "futex_waitv", "set_mempolicy_home_node", "memfd_secret",
    "landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "quotactl_fd",
    "epoll_pwait2", "mount_setattr", "process_madvise", "faccessat2", "close_range",
    "openat2", "pidfd_getfd", "clone3",
})
