"""Cgroup placement and resource sanity, so that limits the kernel would refuse are
reported before any cgroup is created."""

from __future__ import annotations

from libcontainer.errors import ConfigError

from ..cgroup import FREEZER_STATES


def _is_list(value: str) -> bool:
    """The kernel's cpu/node list syntax, "0-3,5,7-8" (without re: ~7 ms a fresh process)."""
    for item in value.split(","):
        bounds = item.split("-")
        if len(bounds) > 2 or not all(b.isdecimal() for b in bounds):
            return False
    return True


def check(cfg, host):
    c = cfg.cgroups
    if c is None:
        return
    if (c.name or c.parent) and c.path:
        yield ConfigError(
            "cgroups.path", "cgroup: either path or name and parent should be used", c.path
        )
    systemd = c.systemd or cfg.cgroup_driver == "systemd"
    if systemd and c.path and c.path.count(":") != 2:
        yield ConfigError(
            "cgroups.path",
            'expected cgroups path to be of format "slice:prefix:name" for systemd cgroups',
            c.path,
        )
    if cfg.cgroup_driver is not None and (not cfg.cgroup_driver or "/" in cfg.cgroup_driver):
        yield ConfigError("cgroup_driver", "invalid cgroup driver name", cfg.cgroup_driver)
    if c.owner_uid is not None and c.owner_uid < 0:
        yield ConfigError("cgroups.owner_uid", "must not be negative", c.owner_uid)
    if c.resources is not None:
        yield from resources(c.resources, host, "cgroups.resources")


def memory_swap_v2(memory_swap: int, memory: int) -> int:
    """cgroup v2 ``memory.swap.max`` for runc's memory+swap total (runc's conversion).

    Raises ValueError with runc's wording for combinations that have no v2 meaning.
    """
    if memory == -1 and memory_swap == 0:
        return -1
    if memory_swap in (-1, 0):
        return memory_swap
    if memory in (0, -1):
        raise ValueError("unable to set swap limit without memory limit")
    if memory < 0:
        raise ValueError(f"invalid memory value: {memory}")
    if memory_swap < memory:
        raise ValueError("memory+swap limit should be >= memory limit")
    return memory_swap - memory


def _range(field, value, lo, hi, what=""):
    if value and not lo <= value <= hi:
        yield ConfigError(field, what or f"must be between {lo} and {hi}", value)


def resources(r, host, p):
    if r.unified and not host.cgroup2_unified():
        yield ConfigError(f"{p}.unified", "invalid configuration: cannot use unified on cgroup v1")
    for key in r.unified:
        if "/" in key or "." not in key.strip("."):
            yield ConfigError(
                f"{p}.unified[{key!r}]",
                "must be a file name of the form CONTROLLER.PARAMETER",
                key,
            )
    try:
        memory_swap_v2(r.memory_swap, r.memory)
    except ValueError as err:
        yield ConfigError(f"{p}.memory_swap", str(err), r.memory_swap)
    for attr in ("memory", "memory_reservation", "kernel_memory", "kernel_memory_tcp"):
        if getattr(r, attr) < -1:
            yield ConfigError(
                f"{p}.{attr}", "must be -1 (unlimited), 0 (unset) or positive", getattr(r, attr)
            )
    if r.memory_swappiness is not None and r.memory_swappiness > 100:
        yield ConfigError(
            f"{p}.memory_swappiness",
            "valid memory swappiness range is 0-100",
            r.memory_swappiness,
        )
    if r.cpu_quota < -1:
        yield ConfigError(
            f"{p}.cpu_quota", "must be -1 (unlimited), 0 (unset) or positive", r.cpu_quota
        )
    yield from _range(f"{p}.cpu_weight", r.cpu_weight, 1, 10000)
    yield from _range(f"{p}.blkio_weight", r.blkio_weight, 10, 1000)
    yield from _range(f"{p}.blkio_leaf_weight", r.blkio_leaf_weight, 10, 1000)
    if r.cpu_idle is not None and r.cpu_idle not in (0, 1):
        yield ConfigError(f"{p}.cpu_idle", "must be 0 or 1", r.cpu_idle)
    for attr in ("cpuset_cpus", "cpuset_mems"):
        value = getattr(r, attr)
        if value and not _is_list(value.replace(" ", "")):
            yield ConfigError(f"{p}.{attr}", "not a valid list (e.g. 0-3,5)", value)
    if r.freezer not in FREEZER_STATES:
        yield ConfigError(f"{p}.freezer", "must be FROZEN, THAWED or empty", r.freezer)
    for i, wd in enumerate(r.blkio_weight_device):
        yield from _range(f"{p}.blkio_weight_device[{i}].weight", wd.weight, 10, 1000)
        yield from _range(f"{p}.blkio_weight_device[{i}].leaf_weight", wd.leaf_weight, 10, 1000)
    for i, hl in enumerate(r.hugetlb_limit):
        if not hl.pagesize:
            yield ConfigError(f"{p}.hugetlb_limit[{i}].pagesize", "page size must be set")
    for i, rule in enumerate(r.devices):
        f = f"{p}.devices[{i}]"
        if not rule.is_valid_type():
            yield ConfigError(f"{f}.type", "device rule type must be a, b, c or p", rule.type)
        if not rule.is_valid_permissions():
            yield ConfigError(
                f"{f}.permissions", "permissions must be a subset of rwm", rule.permissions
            )
        for attr in ("major", "minor"):
            if getattr(rule, attr) < -1:
                yield ConfigError(
                    f"{f}.{attr}", "must be -1 (wildcard) or a device number", getattr(rule, attr)
                )
    if r.skip_devices and r.devices:
        yield ConfigError(f"{p}.skip_devices", "device rules given but skip_devices is set")
