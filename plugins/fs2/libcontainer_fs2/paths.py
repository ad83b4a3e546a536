"""Where a container's cgroup lives on the unified hierarchy, and making it usable.

Why it works this way:

* The unified mount is ``/sys/fs/cgroup`` on a pure v2 host and ``/sys/fs/cgroup/unified`` on
  a hybrid one; it is found in mountinfo, so a cgroup namespace (mount root not ``/``) works.
* A relative ``cgroups.path`` is placed under the *parent* of this process's own cgroup, as
  runc does: the own cgroup normally holds processes, and v2's no-internal-processes rule
  forbids enabling controllers for children of a cgroup that has members.
* Controllers are enabled along the path only when a limit needs them, and only those not
  already enabled. runc enables every available one, but writing ``cgroup.subtree_control``
  of an ancestor that is not ours has effects outside the container (on a hybrid host, the
  unified root's +hugetlb binds the controller machine-wide); enabling what is needed keeps
  the footprint to what the configuration asked for. A controller the parent does not offer
  is refused with its name, the directory and the limit that needed it.
"""

from __future__ import annotations

import errno
import os
import posixpath

from libcontainer.errors import ConfigError

from . import fscommon as fs

DEFAULT_MOUNTPOINT = "/sys/fs/cgroup"


def read_system() -> tuple[str, str]:
    with open("/proc/self/mountinfo") as f:
        mountinfo = f.read()
    with open("/proc/self/cgroup") as f:
        proc_cgroup = f.read()
    return mountinfo, proc_cgroup


def unified_mount(mountinfo: str) -> tuple[str, str]:
    """(mountpoint, root) of the cgroup2 mount; ``/sys/fs/cgroup`` is preferred if it is one."""
    found = []
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep or not right.split() or right.split()[0] != "cgroup2":
            continue
        fields = left.split()
        found.append((fields[4], fields[3]))
    if not found:
        raise OSError(errno.ENOENT, "no cgroup2 (unified hierarchy) mount found in /proc/self/mountinfo")
    for mountpoint, root in reversed(found):  # the topmost mount at a point wins
        if mountpoint == DEFAULT_MOUNTPOINT:
            return mountpoint, root
    return found[-1]


def own_cgroup(proc_cgroup: str) -> str:
    """The ``0::`` line of /proc/self/cgroup (the unified hierarchy)."""
    for line in proc_cgroup.splitlines():
        if line.startswith("0::"):
            return line[3:].strip() or "/"
    return "/"


def _clean(path: str) -> str:
    """runc's utils.CleanPath: lexical cleanup that cannot climb above the root."""
    if not path:
        return ""
    cleaned = posixpath.normpath(posixpath.join("/", path))
    return cleaned if path.startswith("/") else posixpath.relpath(cleaned, "/")


def inner_path(cgroup) -> str:
    """The cgroup path from ``path`` or from the deprecated ``parent``/``name`` pair."""
    path = getattr(cgroup, "path", "") or ""
    name = getattr(cgroup, "name", "") or ""
    parent = getattr(cgroup, "parent", "") or ""
    if path and (name or parent):
        raise ConfigError("cgroups.path", "cgroup: either Path or Name and Parent should be used", path)
    inner = _clean(path)
    if not inner:
        inner = posixpath.join(_clean(parent), _clean(name)) if (parent or name) else ""
    return inner


def resolve(cgroup, mountinfo: str, proc_cgroup: str) -> tuple[str, str]:
    """(mountpoint, absolute directory) of the container's cgroup."""
    mountpoint, root = unified_mount(mountinfo)
    inner = inner_path(cgroup)
    if not inner or inner == ".":
        raise ConfigError("cgroups.path", "cgroup path is empty: set path or parent/name", inner)
    if posixpath.isabs(inner):
        return mountpoint, posixpath.normpath(posixpath.join(mountpoint, inner.lstrip("/")))
    own = own_cgroup(proc_cgroup)
    if root != "/" and (own == root or own.startswith(root.rstrip("/") + "/")):
        own = "/" + posixpath.relpath(own, root)  # the mount shows only a subtree
    base = posixpath.dirname(own.rstrip("/")) or "/"
    return mountpoint, posixpath.normpath(posixpath.join(mountpoint, base.lstrip("/"), inner))


def check_under(mountpoint: str, path: str) -> None:
    if path != mountpoint and not path.startswith(mountpoint.rstrip("/") + "/"):
        raise ConfigError("cgroups.path", f"invalid cgroup path: not under {mountpoint}", path)


def make(mountpoint: str, path: str) -> list[str]:
    """mkdir every missing directory from the mount down to ``path``; returns those made."""
    check_under(mountpoint, path)
    made = []
    rel = posixpath.relpath(path, mountpoint)
    current = mountpoint
    for part in ([] if rel == "." else rel.split("/")):
        current = posixpath.join(current, part)
        try:
            os.mkdir(current, 0o755)
            made.append(current)
        except FileExistsError:
            pass
        except OSError:
            for d in reversed(made):  # leave nothing half-made behind
                try:
                    os.rmdir(d)
                except OSError:
                    pass
            raise
    return made


def enabled(directory: str) -> set[str]:
    try:
        return set(fs.read(directory, "cgroup.subtree_control").split())
    except FileNotFoundError:
        return set()


def available(directory: str) -> set[str]:
    try:
        return set(fs.read(directory, "cgroup.controllers").split())
    except FileNotFoundError:
        return set()


def enable_controllers(mountpoint: str, path: str, needed: dict[str, str]) -> None:
    """Make each controller of ``needed`` (controller -> why) usable in ``path``.

    Walks from the mount's root to the parent of ``path`` and writes ``+ctrl`` into the
    ``cgroup.subtree_control`` of each ancestor that does not have it enabled yet.
    """
    if not needed:
        return
    check_under(mountpoint, path)
    ancestors = []
    p = path
    while p != mountpoint:
        p = posixpath.dirname(p)
        ancestors.append(p)
    ancestors.reverse()
    for ctrl, why in sorted(needed.items()):
        for d in ancestors:
            if ctrl in enabled(d):
                continue
            if ctrl not in available(d):
                offered = " ".join(sorted(available(d))) or "none"
                raise ConfigError(
                    why,
                    f"cgroup v2 controller {ctrl!r} is not available in {d} "
                    f"(cgroup.controllers: {offered}); cannot apply this limit",
                )
            try:
                fs.write(d, "cgroup.subtree_control", f"+{ctrl}")
            except OSError as exc:
                hint = ""
                if exc.errno == errno.EBUSY:
                    hint = " (the cgroup has processes of its own: no internal processes on v2)"
                raise OSError(exc.errno, f"cannot enable the {ctrl} controller in {d}: {exc.strerror}{hint}") from None
