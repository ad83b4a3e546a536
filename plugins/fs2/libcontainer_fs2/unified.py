"""The ``unified`` map: raw "<controller>.<file>" -> value writes, after every typed field.

Why the collision check: a key naming a file that a typed field also writes (``memory.max``
with ``memory`` set) would make the result depend on write order -- runc silently lets the
map win. Here it is an error naming both, so the configuration says one thing only.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import fscommon as fs

#: a unified key (compiled by ``re`` on first use: importing the manager stays cheap)
_KEY = r"^[a-z_]+\.[A-Za-z0-9_.\-]+$"
#: Files the manager owns for itself: never written from the map.
RESERVED = {"cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "cgroup.type", "cgroup.kill"}


def _typed(r) -> dict[str, str]:
    """interface file -> the typed field that writes it, for this configuration."""
    out = {}

    def mark(files, field):
        for f in files:
            out[f] = field

    if r.memory:
        mark(["memory.max"], "memory")
    if r.memory_swap or r.memory == -1:
        mark(["memory.swap.max"], "memory_swap")
    if r.memory_reservation:
        mark(["memory.low"], "memory_reservation")
    if r.cpu_weight or r.cpu_shares:
        mark(["cpu.weight"], "cpu_weight" if r.cpu_weight else "cpu_shares")
    if r.cpu_quota or r.cpu_period:
        mark(["cpu.max"], "cpu_quota" if r.cpu_quota else "cpu_period")
    if r.cpu_burst is not None:
        mark(["cpu.max.burst"], "cpu_burst")
    if r.cpu_idle is not None:
        mark(["cpu.idle"], "cpu_idle")
    if r.cpuset_cpus:
        mark(["cpuset.cpus"], "cpuset_cpus")
    if r.cpuset_mems:
        mark(["cpuset.mems"], "cpuset_mems")
    if r.pids_limit:
        mark(["pids.max"], "pids_limit")
    if r.blkio_weight:
        mark(["io.weight", "io.bfq.weight"], "blkio_weight")
    if r.blkio_weight_device:
        mark(["io.bfq.weight"], "blkio_weight_device")
    for name in ("blkio_throttle_read_bps_device", "blkio_throttle_write_bps_device",
                 "blkio_throttle_read_iops_device", "blkio_throttle_write_iops_device"):
        if getattr(r, name):
            mark(["io.max"], name)
    for h in r.hugetlb_limit:
        mark([f"hugetlb.{h.pagesize}.max", f"hugetlb.{h.pagesize}.rsvd.max"], "hugetlb_limit")
    if r.rdma:
        mark(["rdma.max"], "rdma")
    if r.freezer:
        mark(["cgroup.freeze"], "freezer")
    return out


def validate(r) -> None:
    typed = _typed(r)
    for key, value in (r.unified or {}).items():
        field = f"cgroups.resources.unified[{key!r}]"
        import re

        if "/" in key or not re.match(_KEY, key):
            raise ConfigError(field, "unified resource must be a file name of the form CONTROLLER.PARAMETER", key)
        if key in RESERVED:
            raise ConfigError(field, "this file is managed by the runtime and cannot be set", key)
        if key in typed:
            raise ConfigError(
                field,
                f"collides with the typed field cgroups.resources.{typed[key]} which also writes {key}; set one of them",
                value,
            )
        if not isinstance(value, str):
            raise ConfigError(field, "value must be a string", value)


def wanted(r) -> dict[str, str]:
    out = {}
    for key in r.unified or {}:
        ctrl = key.split(".", 1)[0]
        if ctrl not in ("cgroup",):
            out.setdefault(ctrl, f"cgroups.resources.unified[{key!r}]")
    return out


def set(path: str, r, controllers: set[str]) -> None:  # noqa: A001
    for key, value in (r.unified or {}).items():
        try:
            fs.write_lines(path, key, value)
        except (FileNotFoundError, PermissionError) as exc:
            ctrl = key.split(".", 1)[0]
            if ctrl != "cgroup" and ctrl not in controllers:
                raise ConfigError(
                    f"cgroups.resources.unified[{key!r}]",
                    f"unified resource {key!r} can't be set: controller {ctrl!r} not available",
                    value,
                ) from exc
            raise
