"""Where a container's v1 cgroups live (runc's ``cgroups/fs/paths.go`` and ``v1_utils.go``).

Pure functions over the text of ``/proc/self/mountinfo`` and ``/proc/self/cgroup`` so that
tests can inject both and check the resolution without touching the machine.

Rules, as runc: ``cgroup.path`` (or ``parent``/``name`` joined) is cleaned like a rooted path
so ``..`` can never climb out. An absolute path goes under each hierarchy's mountpoint; a
relative one is nested under the *calling process's own* cgroup in each hierarchy (runc's
``GetOwnCgroupPath``, which is what makes nested runtimes without a cgroup namespace work).
"""

from __future__ import annotations

import os
import posixpath

from libcontainer.errors import ConfigError

#: runc's v1 subsystems (``fs.subsystems``), in its order; ``name=systemd`` is joined too.
SUBSYSTEMS = (
    "cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb",
    "net_cls", "net_prio", "perf_event", "freezer", "rdma", "misc", "name=systemd",
)


def _unescape(path: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as octal."""
    if "\\" not in path:
        return path
    return path.encode().decode("unicode_escape").encode("latin-1").decode()


def parse_mountinfo(text: str) -> dict[str, tuple[str, str]]:
    """subsystem -> (mountpoint, root within the hierarchy) for every v1 ``cgroup`` mount.

    ``cpu,cpuacct`` co-mounts give both names the same mountpoint. The first mount of a
    hierarchy wins (later ones are usually bind mounts into containers).
    """
    found: dict[str, tuple[str, str]] = {}
    for line in text.splitlines():
        fields = line.split()
        try:
            sep = fields.index("-", 6)
        except ValueError:
            continue
        if len(fields) < sep + 4 or fields[sep + 1] != "cgroup":
            continue
        root, mountpoint = _unescape(fields[3]), _unescape(fields[4])
        for opt in fields[sep + 3].split(","):
            if opt in SUBSYSTEMS and opt not in found:
                found[opt] = (mountpoint, root)
    return found


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """subsystem -> cgroup path of the process, from ``/proc/<pid>/cgroup`` text."""
    own: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3 or not parts[1]:
            continue  # the cgroup2 line "0::/path" is not a v1 hierarchy
        for name in parts[1].split(","):
            own[name] = parts[2]
    return own


def clean_path(path: str) -> str:
    """runc's ``utils.CleanPath``: lexically clean; a relative path cannot escape with ``..``."""
    if not path:
        return ""
    if posixpath.isabs(path):
        return posixpath.normpath(path)
    return posixpath.relpath(posixpath.normpath(posixpath.join("/", path)), "/")


def inner_path(cgroup) -> str:
    """The path from the config: ``path``, else ``parent``/``name`` (never both)."""
    path = getattr(cgroup, "path", "") or ""
    name = getattr(cgroup, "name", "") or ""
    parent = getattr(cgroup, "parent", "") or ""
    if (name or parent) and path:
        raise ConfigError("cgroups.path", "either path or name and parent should be used", path)
    if path:
        return clean_path(path)
    joined = posixpath.join(clean_path(parent), clean_path(name))
    return joined if joined else ""


def resolve(cgroup, mountinfo: str, proc_cgroup: str) -> dict[str, str]:
    """subsystem -> absolute cgroup directory, for each mounted v1 hierarchy."""
    inner = inner_path(cgroup)
    if not inner:
        raise ConfigError("cgroups.path", "no cgroup path, parent or name given", inner)
    mounts = parse_mountinfo(mountinfo)
    own = parse_proc_cgroup(proc_cgroup)
    paths: dict[str, str] = {}
    skip_devices = bool(getattr(getattr(cgroup, "resources", None), "skip_devices", False))
    for subsystem in SUBSYSTEMS:
        if subsystem not in mounts:
            if subsystem == "devices" and not skip_devices:
                # runc: a missing devices hierarchy is fatal, for security reasons.
                raise ConfigError("cgroups", "the devices cgroup hierarchy is not mounted")
            continue
        mountpoint, root = mounts[subsystem]
        if posixpath.isabs(inner):
            paths[subsystem] = posixpath.join(mountpoint, inner.lstrip("/"))
            continue
        mine = own.get(subsystem, "/")
        inside = root == "/" or mine == root or mine.startswith(root.rstrip("/") + "/")
        rel = posixpath.relpath(mine, root) if inside else mine.lstrip("/")
        base = posixpath.normpath(posixpath.join(mountpoint, rel))
        paths[subsystem] = posixpath.join(base, inner)
    return paths


def read_system() -> tuple[str, str]:
    """The real ``/proc/self/mountinfo`` and ``/proc/self/cgroup`` texts."""
    with open("/proc/self/mountinfo") as f:
        mountinfo = f.read()
    with open(f"/proc/{os.getpid()}/cgroup") as f:
        return mountinfo, f.read()
