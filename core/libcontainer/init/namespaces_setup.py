"""Namespace work the init does on its own side: joins by path, cgroup ns, UTS names, sysctls."""

from __future__ import annotations

import os

from .. import namespaces as ns


def enter(sc, config) -> None:
    """Called right after the parent said "go" (id maps written, cgroups applied)."""
    if ns.find(config.namespaces, "NEWUSER") is not None:
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    join_by_path(sc, config.namespaces)
    cg = ns.find(config.namespaces, "NEWCGROUP")
    if cg is not None and not cg.path:
        sc.unshare(ns.CLONE_FLAGS["NEWCGROUP"])
    if config.hostname:
        sc.sethostname(config.hostname)
    if config.domainname:
        sc.setdomainname(config.domainname)


def join_by_path(sc, namespaces) -> None:
    for ns_type in ns.JOIN_ORDER:
        entry = ns.find(namespaces, ns_type)
        if entry is None or not entry.path:
            continue
        fd = os.open(entry.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            sc.setns(fd, ns.CLONE_FLAGS[ns_type])
        except OSError as e:
            raise OSError(e.errno, f"joining namespace {entry.path}: {e.strerror}") from None
        finally:
            os.close(fd)


def apply_sysctls(config) -> None:
    """After pivot_root: /proc/sys is the container's own (its net, ipc, uts namespaces)."""
    for key, value in (config.sysctl or {}).items():
        with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
            f.write(value)
