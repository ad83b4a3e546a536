"""The pids controller: pids.max and pids.current.

``pids_limit``: ``None`` or 0 leave the limit alone (runc's "unset"), a negative value is
``max``, a positive one is the limit.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import fscommon as fs

CONTROLLER = "pids"


def wanted(r) -> dict[str, str]:
    limit = getattr(r, "pids_limit", None)
    return {CONTROLLER: "cgroups.resources.pids_limit"} if limit else {}


def set(path: str, r) -> None:  # noqa: A001
    limit = getattr(r, "pids_limit", None)
    if not limit:
        return
    if not isinstance(limit, int):
        raise ConfigError("cgroups.resources.pids_limit", "must be an integer", limit)
    fs.write(path, "pids.max", "max" if limit < 0 else str(limit))


def stats(path: str, st) -> None:
    try:
        current = fs.read_uint(path, "pids.current")
    except FileNotFoundError:
        # controller not enabled: count the members, limit unknown (runc does the same)
        st.pids_stats.current = len(fs.read(path, "cgroup.procs").split())
        st.pids_stats.limit = 0
        return
    limit = fs.read_uint(path, "pids.max")
    st.pids_stats.current = current
    st.pids_stats.limit = 0 if limit == fs.MAX_UINT64 else limit
