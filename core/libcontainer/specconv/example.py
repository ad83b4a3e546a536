"""The spec ``runc spec`` writes, and its ``--rootless`` variant.

Kept byte-for-byte equivalent to runc's (after JSON formatting) because people diff the
two and tools (and tutorials) start from it: args ``["sh"]``, a terminal, read-only
rootfs, the usual /proc /dev /sys mounts, masked and read-only /proc paths, and a
deny-all device cgroup rule that the runtime's default allow-list then opens up.
"""

from __future__ import annotations

import os
import posixpath

from .constants import OCI_VERSION

_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]


def _cgroup2_unified() -> bool:
    # The check runc's cgroups.IsCgroup2UnifiedMode makes: cgroup2fs mounted at the root.
    try:
        return os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    except OSError:
        return False


def example_spec(*, cgroup2: bool | None = None) -> dict:
    """A fresh example config.json as a dict. ``cgroup2`` None means: detect on this host.

    On a unified (v2) hierarchy the example also unshares the cgroup namespace, as runc's
    does, because there the container's /sys/fs/cgroup is then its own subtree.
    """
    spec = {
        "ociVersion": OCI_VERSION,
        "process": {
            "terminal": True,
            "user": {"uid": 0, "gid": 0},
            "args": ["sh"],
            "env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
            ],
            "cwd": "/",
            "capabilities": {
                "bounding": list(_CAPS),
                "effective": list(_CAPS),
                "permitted": list(_CAPS),
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "runc",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {
                "destination": "/dev",
                "type": "tmpfs",
                "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
            },
            {
                "destination": "/dev/pts",
                "type": "devpts",
                "source": "devpts",
                "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
            },
            {
                "destination": "/dev/shm",
                "type": "tmpfs",
                "source": "shm",
                "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
            },
            {
                "destination": "/dev/mqueue",
                "type": "mqueue",
                "source": "mqueue",
                "options": ["nosuid", "noexec", "nodev"],
            },
            {
                "destination": "/sys",
                "type": "sysfs",
                "source": "sysfs",
                "options": ["nosuid", "noexec", "nodev", "ro"],
            },
            {
                "destination": "/sys/fs/cgroup",
                "type": "cgroup",
                "source": "cgroup",
                "options": ["nosuid", "noexec", "nodev", "relatime", "ro"],
            },
        ],
        "linux": {
            "resources": {"devices": [{"allow": False, "access": "rwm"}]},
            "namespaces": [
                {"type": "pid"},
                {"type": "network"},
                {"type": "ipc"},
                {"type": "uts"},
                {"type": "mount"},
            ],
            "maskedPaths": [
                "/proc/acpi",
                "/proc/asound",
                "/proc/kcore",
                "/proc/keys",
                "/proc/latency_stats",
                "/proc/timer_list",
                "/proc/timer_stats",
                "/proc/sched_debug",
                "/sys/firmware",
                "/proc/scsi",
                "/sys/devices/virtual/tpm",
            ],
            "readonlyPaths": [
                "/proc/bus",
                "/proc/fs",
                "/proc/irq",
                "/proc/sys",
                "/proc/sysrq-trigger",
            ],
        },
    }
    if _cgroup2_unified() if cgroup2 is None else cgroup2:
        spec["linux"]["namespaces"].append({"type": "cgroup"})
    return spec


def to_rootless(spec: dict, *, euid: int | None = None, egid: int | None = None) -> dict:
    """Adapt ``spec`` in place (and return it) for a container run by a non-root user.

    A user namespace mapping only the caller's own ids onto root, no network namespace
    (an unprivileged user cannot configure one usefully), /sys bind-mounted since sysfs
    cannot be mounted without owning the network namespace, no uid=/gid= mount options
    (those ids would not be mapped) and no cgroup limits (usually not delegated).
    """
    euid = os.geteuid() if euid is None else euid
    egid = os.getegid() if egid is None else egid
    linux = spec.setdefault("linux", {})
    namespaces = [
        ns for ns in linux.get("namespaces") or [] if ns.get("type") not in ("network", "user")
    ]
    namespaces.append({"type": "user"})
    linux["namespaces"] = namespaces
    linux["uidMappings"] = [{"containerID": 0, "hostID": euid, "size": 1}]
    linux["gidMappings"] = [{"containerID": 0, "hostID": egid, "size": 1}]

    mounts = []
    for m in spec.get("mounts") or []:
        if posixpath.normpath(m.get("destination", "")) == "/sys":
            mounts.append({
                "destination": "/sys",
                "type": "none",
                "source": "/sys",
                "options": ["rbind", "nosuid", "noexec", "nodev", "ro"],
            })
            continue
        m = dict(m)
        if m.get("options") is not None:
            m["options"] = [
                o for o in m["options"] if not o.startswith("uid=") and not o.startswith("gid=")
            ]
        mounts.append(m)
    spec["mounts"] = mounts
    linux.pop("resources", None)
    return spec
