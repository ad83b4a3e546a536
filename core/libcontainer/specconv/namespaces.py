"""OCI ``linux.namespaces`` / ``uidMappings`` / ``gidMappings`` / ``timeOffsets``.

Namespace types become runc's strings (``NEWPID``...), because that is what state.json
holds and what ``libcontainer.namespaces`` keys its clone flags on.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import _fields as F
from .mounts import convert_id_mappings

NAMESPACE_TYPES = {
    "pid": "NEWPID",
    "network": "NEWNET",
    "mount": "NEWNS",
    "user": "NEWUSER",
    "ipc": "NEWIPC",
    "uts": "NEWUTS",
    "cgroup": "NEWCGROUP",
    "time": "NEWTIME",
}

# Clocks a time namespace can offset (timens(7)); others are refused, not dropped.
TIME_CLOCKS = ("monotonic", "boottime")


def known_namespaces() -> list[str]:
    return sorted(NAMESPACE_TYPES)


def convert_namespaces(value, where: str = "linux.namespaces"):
    """-> list of ``configs.Namespace``; refuses unknown types and duplicates like runc."""
    from libcontainer import configs

    out = []
    seen = set()
    for i, ns in enumerate(F.lst(value, where)):
        at = F.join(where, i)
        ns = F.obj(ns, at, required=True)
        F.warn_unknown(ns, ("type", "path"), at)
        oci_type = F.get_str(ns, "type", at)
        if oci_type not in NAMESPACE_TYPES:
            raise ConfigError(
                F.join(at, "type"),
                f"namespace type must be one of {', '.join(known_namespaces())}",
                oci_type,
            )
        ns_type = NAMESPACE_TYPES[oci_type]
        if ns_type in seen:
            raise ConfigError(F.join(at, "type"), "duplicated namespace", oci_type)
        seen.add(ns_type)
        path = F.no_nul(F.get_str(ns, "path", at), F.join(at, "path"))
        out.append(configs.Namespace(type=ns_type, path=path))
    return out


#: a joined user namespace whose maps are next door (compiled by ``re`` when one is joined)
_PROC_USERNS = r"^/proc/(\d+|self|thread-self)/ns/user$"


def _read_id_map(path: str):
    from libcontainer import configs

    out = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                c, h, s = (int(x) for x in parts)
                out.append(configs.IDMap(container_id=c, host_id=h, size=s))
    return out


def cached_userns_mappings(path: str):
    """The uid/gid maps of the user namespace at ``path`` (runc caches them in the config).

    For the common ``/proc/PID/ns/user`` form the maps are next door in ``/proc/PID``.
    Any other path (a bind-mounted namespace file) needs a forked helper that joins the
    namespace and reads its own maps, as runc does; that needs the native module, and
    without it (None, None) comes back and the caller keeps the spec's mappings.
    """
    import re

    m = re.match(_PROC_USERNS, path)
    try:
        if m:
            base = f"/proc/{m.group(1)}"
            return _read_id_map(f"{base}/uid_map"), _read_id_map(f"{base}/gid_map")
        return _read_via_helper(path)
    except OSError as e:
        raise ConfigError("linux.namespaces", f"cannot read the mappings of {path}: {e}", path)


def _read_via_helper(path: str):
    import json
    import os

    try:
        from libcontainer import _nsenter
    except ImportError:
        F.log.warning("linux.namespaces: cannot read the mappings of %s without the native "
                      "module; using the spec's uidMappings/gidMappings", path)
        return None, None
    from libcontainer.configs import IDMap

    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked helper
        code = 1
        try:
            os.close(r)
            _nsenter.setns(fd, _nsenter.CLONE_NEWUSER)
            maps = [open(f"/proc/self/{n}_map").read().split() for n in ("uid", "gid")]
            os.write(w, json.dumps(maps).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(fd)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        raise OSError(f"helper could not join the user namespace (status {status})")
    out = []
    for flat in json.loads(data):
        nums = [int(x) for x in flat]
        out.append([IDMap(*nums[i:i + 3]) for i in range(0, len(nums) - 2, 3)])
    return out[0], out[1]


def _same(a, b) -> bool:
    key = lambda maps: sorted((m.container_id, m.host_id, m.size) for m in maps or ())  # noqa: E731
    return key(a) == key(b)


def setup_user_namespace(linux: dict, config) -> None:
    """Set the config's id mappings when a user namespace is created or joined.

    Joining by path with mappings that differ from the namespace's is refused, as runc
    does; matching ones are accepted with a warning (containerd and CRI-O send both).
    """
    uid_maps = convert_id_mappings(linux.get("uidMappings"), "linux.uidMappings")
    gid_maps = convert_id_mappings(linux.get("gidMappings"), "linux.gidMappings")
    userns = next((ns for ns in config.namespaces if ns.type == "NEWUSER"), None)
    if userns is not None and userns.path:
        cur_uid, cur_gid = cached_userns_mappings(userns.path)
        if cur_uid is not None:
            if uid_maps is not None or gid_maps is not None:
                if not (_same(cur_uid, uid_maps) and _same(cur_gid, gid_maps)):
                    raise ConfigError(
                        "linux.uidMappings",
                        "user namespace joined by path, but non-matching mappings "
                        "specified -- you may only provide one",
                        userns.path,
                    )
                F.log.warning(
                    "linux.uidMappings: both a userns path to join and matching mappings "
                    "are specified -- you may only provide one")
            uid_maps, gid_maps = cur_uid, cur_gid
    config.uid_mappings = uid_maps or []
    config.gid_mappings = gid_maps or []


def host_id(maps, container_id: int, field: str) -> int:
    """The host id that ``container_id`` maps to (runc's HostUID/HostGID)."""
    if not maps:
        raise ConfigError(field, "user namespaces enabled, but no mappings found")
    for m in maps:
        if m.container_id <= container_id < m.container_id + m.size:
            return m.host_id + (container_id - m.container_id)
    raise ConfigError(field, "user namespaces enabled, but no mapping found for id", container_id)


def convert_time_offsets(value, where: str = "linux.timeOffsets"):
    """-> {clock: ``configs.TimeOffset``} (runc keeps specs.LinuxTimeOffset per clock)."""
    if value is None:
        return None
    from libcontainer.configs.timeoffset import TimeOffset

    offsets = {}
    for clock, off in F.obj(value, where).items():
        at = F.join(where, clock)
        if clock not in TIME_CLOCKS:
            raise ConfigError(at, f"clock must be one of {', '.join(TIME_CLOCKS)}", clock)
        off = F.obj(off, at, required=True)
        F.warn_unknown(off, ("secs", "nanosecs"), at)
        offsets[clock] = TimeOffset(
            secs=F.get_int(off, "secs", at, 0, **F.I64),
            nanosecs=F.get_int(off, "nanosecs", at, 0, minimum=0, maximum=999_999_999),
        )
    return offsets
