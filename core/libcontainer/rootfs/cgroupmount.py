"""A ``cgroup`` mount: what the container sees at /sys/fs/cgroup.

On a cgroup v1 (or hybrid) host there is no single "cgroup" filesystem to mount -- asking
for one asks for every v1 controller in a new hierarchy, which the kernel refuses with EBUSY
because they are already bound elsewhere. runc therefore builds the view: a tmpfs at the
destination, and in it one entry per host hierarchy named like the host's mountpoint. Without
a cgroup namespace each entry is a bind of the container's *own* cgroup in that hierarchy
(so the container sees itself as the root, and nothing above); with one, the hierarchy is
mounted directly and the namespace does the confining. Co-mounted controllers (cpu,cpuacct)
get a symlink per controller. The flags (usually ro) apply to each hierarchy.

On a unified (v2) host the mount is a cgroup2 mount; where that is not allowed (a user
namespace without its own cgroup namespace) the container's cgroup directory is bound
instead.
"""

from __future__ import annotations

import errno
import os

from .. import syscalls
from ..configs.mount import Mount
from ..record import record
from ..syscalls import MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, MS_REC
from . import fstype, mountinfo, safepath
from .safepath import fd_path

DEFAULT_FLAGS = MS_NOEXEC | MS_NOSUID | MS_NODEV
UNIFIED_MOUNTPOINT = "/sys/fs/cgroup"
_NOT_CONTROLLERS = {"rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods"}


@record
class Hierarchy:
    mountpoint: str  # on the host, e.g. /sys/fs/cgroup/cpu,cpuacct
    subsystems: list[str]  # e.g. ["cpu", "cpuacct"] or ["name=systemd"]
    source: str  # the directory to bind: the container's own cgroup in it
    root: str = "/"  # the hierarchy's root in this mount (mountinfo's 4th field)

    @property
    def name(self) -> str:
        return os.path.basename(self.mountpoint)


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """/proc/self/cgroup -> {controller: path}; the v2 line is under ""."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for ctrl in parts[1].split(",") if parts[1] else [""]:
            paths[ctrl] = parts[2]
    return paths


def v1_hierarchies(mounts: list[mountinfo.MountInfo], own: dict[str, str]) -> list[Hierarchy]:
    """runc's getCgroupMounts: every v1 hierarchy (first mount of each), and where the
    calling process's cgroup is inside it."""
    found: list[Hierarchy] = []
    seen: set[str] = set()
    for m in mounts:
        if m.fstype != "cgroup":
            continue
        subs = [o for o in m.super_options.split(",")
                if o and o not in _NOT_CONTROLLERS and not o.startswith("release_agent=")]
        subs = [s for s in subs if s in own]
        if not subs or any(s in seen for s in subs):
            continue
        seen.update(subs)
        rel = os.path.relpath(own[subs[0]], m.root)
        found.append(Hierarchy(m.mountpoint, subs, os.path.normpath(os.path.join(m.mountpoint, rel)), m.root))
    return found


def _own_cgroups() -> dict[str, str]:
    with open("/proc/self/cgroup") as f:
        return parse_proc_cgroup(f.read())


def mount_v1(ctx, m) -> None:
    from . import mounts

    sc = syscalls.get()
    hierarchies = v1_hierarchies(mountinfo.read(), _own_cgroups())
    tmpfs = Mount(source="tmpfs", destination=m.destination, device="tmpfs", flags=DEFAULT_FLAGS,
                  data="mode=755", propagation_flags=list(m.propagation_flags or ()))
    mounts.mount_tmpfs(ctx, tmpfs)
    ctx.mounted.append(tmpfs)
    for h in hierarchies:
        dest = os.path.join(safepath.clean(m.destination), h.name)
        if ctx.cgroupns:
            fd = safepath.mkdir_all(ctx.root_fd, dest)
            try:
                flags = DEFAULT_FLAGS | ((m.flags or 0) & MS_RDONLY)
                data = ",".join(h.subsystems)
                source = "systemd" if h.subsystems == ["name=systemd"] else "cgroup"
                sc.mount(source, fd_path(fd), "cgroup", flags, data)
            finally:
                os.close(fd)
        else:
            bind = Mount(source=h.source, destination=dest, device="bind",
                         flags=MS_BIND | MS_REC | (m.flags or 0),
                         propagation_flags=list(m.propagation_flags or ()))
            mounts.mount_bind(ctx, bind, policy=False)
    root = safepath.open_in_root(ctx.root_fd, m.destination, os.O_PATH | os.O_DIRECTORY)
    try:
        for h in hierarchies:
            if "," not in h.name:
                continue
            for ss in h.name.split(","):
                try:
                    os.symlink(h.name, ss, dir_fd=root)
                except FileExistsError:
                    pass
    finally:
        os.close(root)


def mount_v2(ctx, m) -> None:
    from . import mounts

    sc = syscalls.get()
    fd = safepath.mkdir_all(ctx.root_fd, m.destination)
    try:
        mounts.checked_target(ctx, fd, None, proc_policy=False)
        try:
            sc.mount(m.source or "cgroup2", fd_path(fd), "cgroup2", m.flags or 0, m.data or None)
            mounted = True
        except OSError as e:
            if e.errno not in (errno.EPERM, errno.EBUSY):
                raise
            mounted = False
    finally:
        os.close(fd)
    if mounted:
        mounts.after_mount(ctx, m)
        return
    # a user namespace without a cgroup namespace may not mount cgroup2: bind instead
    source = UNIFIED_MOUNTPOINT
    own = _own_cgroups().get("")
    if not ctx.cgroupns and own:
        source = os.path.join(UNIFIED_MOUNTPOINT, own.lstrip("/"))
    bind = Mount(source=source, destination=m.destination, device="bind",
                 flags=MS_BIND | (m.flags or 0), propagation_flags=list(m.propagation_flags or ()))
    mounts.mount_bind(ctx, bind, policy=False)


def unified() -> bool:
    return fstype.cgroup2_unified()


def mount_cgroup(ctx, m) -> None:
    if unified():
        mount_v2(ctx, m)
    else:
        mount_v1(ctx, m)
