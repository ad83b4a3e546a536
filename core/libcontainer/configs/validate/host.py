"""What the running host supports, asked by the validation rules.

Kept behind one small class so tests can substitute a fake host and so that each probe
touches /proc or /sys at most once per validation.
"""

from __future__ import annotations

import os

from ..namespace import CLONE_FLAGS, ns_name

#: ioctl(2) on an nsfs file: returns the CLONE_NEW* type of the namespace (Linux 4.11+).
NS_GET_NSTYPE = 0xB703

_TYPE_BY_FLAG = {flag: ns_type for ns_type, flag in CLONE_FLAGS.items()}


class NotANamespace(Exception):
    """The path opens, but is not a namespace file (nsfs)."""


class HostProbe:
    """Real host answers; fixed host facts are cached for the probe's lifetime."""

    def __init__(self):
        self._cache: dict = {}

    def _cached(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def namespace_supported(self, ns_type: str) -> bool:
        name = ns_name(ns_type)
        return bool(name) and self._cached(
            ("ns", name), lambda: os.path.exists(f"/proc/self/ns/{name}")
        )

    def time_namespace_supported(self) -> bool:
        return self._cached("timens", lambda: os.path.exists("/proc/self/timens_offsets"))

    def namespace_type_of(self, path: str) -> str:
        """runc type of the namespace at ``path``.

        Raises OSError if it cannot be opened and NotANamespace if it is some other file;
        the ioctl answers for bind-mounted namespace files too, unlike readlink.
        """
        import errno  # here: only a config that joins a namespace by path asks
        import fcntl

        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            try:
                flag = fcntl.ioctl(fd, NS_GET_NSTYPE)
            except OSError as err:
                if err.errno in (errno.ENOTTY, errno.EINVAL):
                    raise NotANamespace(path) from None
                raise
        finally:
            os.close(fd)
        ns_type = _TYPE_BY_FLAG.get(flag)
        if ns_type is None:
            raise NotANamespace(path)
        return ns_type

    def is_host_netns(self, path: str) -> bool:
        """Same inode as our own netns ("host" meaning "current", as in runc)."""
        ours = os.stat("/proc/self/ns/net")
        theirs = os.stat(path)
        return (ours.st_dev, ours.st_ino) == (theirs.st_dev, theirs.st_ino)

    def selinux_enabled(self) -> bool:
        return self._cached("selinux", lambda: os.path.exists("/sys/fs/selinux/enforce"))

    def cgroup2_unified(self) -> bool:
        return self._cached("cgroup2", lambda: os.path.exists("/sys/fs/cgroup/cgroup.controllers"))

    def _resctrl_info(self) -> frozenset[str]:
        def probe():
            try:
                return frozenset(os.listdir("/sys/fs/resctrl/info"))
            except OSError:
                return frozenset()

        return self._cached("resctrl", probe)

    def intel_rdt_enabled(self) -> bool:
        return bool(self._resctrl_info())

    def intel_rdt_cat_enabled(self) -> bool:
        return any(name.startswith("L3") for name in self._resctrl_info())

    def intel_rdt_mba_enabled(self) -> bool:
        return "MB" in self._resctrl_info()
