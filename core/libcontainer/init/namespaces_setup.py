"""Namespace work the init does on its own side: joins by path, time and cgroup namespaces,
UTS names, sysctls.

``stage`` runs first, and only does something for a staged start (see libcontainer.namespaces):
there the cloned child is an intermediate that builds the namespaces and forks the real init.
"""

from __future__ import annotations

import os

from .. import namespaces as ns
from .. import procfs
from ..configs.hooks import CREATE_CONTAINER, START_CONTAINER
from ..configs.mount import EXT_COPYUP
from ..syscalls import PR_SET_DUMPABLE, PR_SET_PDEATHSIG

CLOCK_NAMES = {"monotonic": "monotonic", "boottime": "boottime"}


def preload(config) -> None:
    """Import what this config's later steps import lazily, while we still can.

    The runtime leaves to the init the modules only some configs need (ctypes for the
    filesystem checks where the native module lacks fstatfs_type, shutil for a copy-up, subprocess and json for hooks run inside),
    so that ``pyrunc create`` itself does not pay for them. In the init they must be loaded
    first thing: a join by path may change the mount namespace, the user change of a new
    user namespace may leave the host's Python files unreadable, and after pivot_root an
    import would search the container's files.
    """
    from ..rootfs import fstype

    fstype.load()  # /proc and /sys mounts, masked paths, /dev/console: nearly every config
    mounts = config.mounts or ()
    if any((m.extensions or 0) & EXT_COPYUP for m in mounts):
        import shutil  # noqa: F401 - rootfs.copyup
    if mounts:
        from ..rootfs import cgroupmount  # noqa: F401 - rootfs.mounts.mount_one imports it
    hooks = getattr(config, "hooks", None)
    if hooks is not None and (hooks.get(CREATE_CONTAINER) or hooks.get(START_CONTAINER)):
        import json  # noqa: F401 - hooks.run_command
        import subprocess  # noqa: F401


def stage(sc, config, chan) -> None:
    """Staged start, in the intermediate child; returns only in the real init.

    runc's order: join by path (user first), unshare a new user namespace and have the
    parent write its maps, become root in it, unshare the other new namespaces, write the
    time offsets while nobody is in the time namespace yet, then fork the init into the
    PID and time namespaces, which apply to children only.

    The init's first step (staged or not), so it is where :func:`preload` runs.
    """
    preload(config)
    if not ns.needs_staging(config.namespaces):
        return
    join_by_path(sc, config.namespaces)
    user = ns.find(config.namespaces, "NEWUSER")
    if user is not None and not user.path:
        sc.unshare(ns.CLONE_FLAGS["NEWUSER"])
        chan.send("usermap")
        chan.expect("usermap-done")
    flags = ns.new_flags(config.namespaces, exclude=("NEWUSER", "NEWCGROUP"))
    if flags:
        sc.unshare(flags)
    time_ns = ns.find(config.namespaces, "NEWTIME")
    if time_ns is not None and not time_ns.path:
        # Still the host's uid here: being non-dumpable, our /proc/self files belong to the
        # host's root, so a mapped root could not open timens_offsets for writing.
        write_time_offsets(config.time_offsets)
    if user is not None and not user.path:
        become_root()
    pid = sc.clone(ns.CLONE_PARENT)
    if pid == 0:
        # flags that fork clears (pdeathsig) or that must hold in the init from its start
        sc.prctl(PR_SET_DUMPABLE, 0)
        if config.parent_death_signal:
            sc.prctl(PR_SET_PDEATHSIG, config.parent_death_signal)
        return
    try:
        chan.send("pid", pid=pid)
    except BaseException:
        os.kill(pid, 9)  # SIGKILL; `signal` would import enum into every init
        raise
    os._exit(0)


def enter(sc, config) -> None:
    """Runs after "go" (id maps written) and before the rootfs is built, while the parent
    may still be writing our cgroups: nothing here depends on them, so the kernel's cgroup
    migration overlaps the mounts. The cgroup namespace is left to ``enter_cgroupns``.
    """
    if ns.find(config.namespaces, "NEWUSER") is not None:
        become_root()
    if not ns.needs_staging(config.namespaces):
        join_by_path(sc, config.namespaces)
    if config.hostname:
        sc.sethostname(config.hostname)
    if config.domainname:
        sc.setdomainname(config.domainname)


def enter_cgroupns(sc, config) -> None:
    """Unshare a new cgroup namespace; only once the parent said "join" (we are in the
    container's cgroups), or its root would be the runtime's cgroup. The init calls it
    right before the first mount that needs it (rootfs.setup's ``enter_cgroups``).
    """
    cg = ns.find(config.namespaces, "NEWCGROUP")
    if cg is not None and not cg.path:
        sc.unshare(ns.CLONE_FLAGS["NEWCGROUP"])


def become_root() -> None:
    """Root of the user namespace; fails clearly when the maps leave no root."""
    try:
        os.setresgid(0, 0, 0)
        os.setresuid(0, 0, 0)
    except OSError as e:
        raise OSError(e.errno, f"setresuid to root in the user namespace: {e.strerror}") from None


def join_by_path(sc, namespaces) -> None:
    """setns(2) into every namespace given by path.

    All files are opened first: once the mount namespace (or the user namespace) changed,
    the host's /proc/PID/ns paths may no longer resolve or be allowed.
    """
    opened = []
    try:
        for ns_type in ns.JOIN_ORDER:
            entry = ns.find(namespaces, ns_type)
            if entry is None or not entry.path:
                continue
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_CLOEXEC)
            except OSError as e:
                raise OSError(e.errno, f"failed to open {entry.path}: {e.strerror}") from None
            opened.append((ns_type, entry.path, fd))
        for ns_type, path, fd in opened:
            try:
                sc.setns(fd, ns.CLONE_FLAGS[ns_type])
            except OSError as e:
                raise OSError(e.errno, f"failed to setns to {path}: {e.strerror}") from None
    finally:
        for _, _, fd in opened:
            os.close(fd)


def write_time_offsets(offsets) -> None:
    """The offsets of the time namespace we just unshared (it applies to our children)."""
    lines = []
    for clock, off in (offsets or {}).items():
        name = CLOCK_NAMES.get(clock)
        if name is None:
            raise ValueError(f"unknown clock {clock!r} in time offsets")
        lines.append(f"{name} {int(off.secs)} {int(off.nanosecs)}\n")
    if not lines:
        return
    # one write, every clock on its own line: the kernel parses them together
    fd = os.open("/proc/self/timens_offsets", os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, "".join(lines).encode())
    except OSError as e:
        raise OSError(e.errno, f"failed to write time offsets: {e.strerror}") from None
    finally:
        os.close(fd)


def apply_sysctls(config) -> None:
    """After pivot_root: /proc/sys is the container's own (its net, ipc, uts namespaces)."""
    for key, value in (config.sysctl or {}).items():
        path = procfs.sysctl_path(key)
        try:
            # on the real procfs only: no decoy file or bind mount under /proc (CVE-2025-52881)
            procfs.write_file(path, value)
        except OSError as e:
            raise OSError(e.errno, f"write sysctl key {key}: {e.strerror}") from None
