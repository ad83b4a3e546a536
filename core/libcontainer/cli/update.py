"""`update`: change a running container's resource limits, as runc's flags or JSON.

runc's conventions are kept: 0 (or an absent JSON field) leaves a limit alone, -1 means
unlimited for memory and swap, sizes take docker's units ("512m", "1g"), and with
`--resources` (a file, or - for stdin) every other flag is ignored. Device rules are never
touched by an update (runc's SkipDevices).
"""

from __future__ import annotations

import copy
import json
import re
import sys

from . import rdt_update
from .common import CliError, full_container

_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
_SIZE = re.compile(r"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")


def ram_in_bytes(text: str) -> int:
    """docker/go-units RAMInBytes: binary multiples, case-insensitive suffix."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"invalid size: '{text}'")
    return int(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])


def register(sub) -> None:
    p = sub.add_parser("update", help="update container resource constraints")
    p.add_argument("container_id", nargs="?", metavar="container-id")
    p.add_argument("-r", "--resources", default="",
                   help="path to the file containing the resources to update or '-' to read from the standard input")
    p.add_argument("--blkio-weight", type=int, default=0, help="Specifies per cgroup weight, range is from 10 to 1000")
    p.add_argument("--cpu-period", default="", help="CPU CFS period to be used for hardcapping (in usecs). 0 to use system default")
    p.add_argument("--cpu-quota", default="", help="CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period")
    p.add_argument("--cpu-burst", default="", help="CPU CFS hardcap burst limit (in usecs)")
    p.add_argument("--cpu-share", default="", help="CPU shares (relative weight vs. other containers)")
    p.add_argument("--cpu-rt-period", default="", help="CPU realtime period to be used for hardcapping (in usecs). 0 to use system default")
    p.add_argument("--cpu-rt-runtime", default="", help="CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period")
    p.add_argument("--cpu-idle", default="", help="set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE")
    p.add_argument("--cpuset-cpus", default="", help="CPU(s) to use")
    p.add_argument("--cpuset-mems", default="", help="Memory node(s) to use")
    p.add_argument("--kernel-memory", default="", help="(obsoleted; do not use)")
    p.add_argument("--kernel-memory-tcp", default="", help="(obsoleted; do not use)")
    p.add_argument("--memory", default="", help="Memory limit (in bytes)")
    p.add_argument("--memory-reservation", default="", help="Memory reservation or soft_limit (in bytes)")
    p.add_argument("--memory-swap", default="", help="Total memory usage (memory + swap); set '-1' to enable unlimited swap")
    p.add_argument("--pids-limit", type=int, default=0, help="Maximum number of pids allowed in the container")
    p.add_argument("--l3-cache-schema", default="", help="The string of Intel RDT/CAT L3 cache schema")
    p.add_argument("--mem-bw-schema", default="", help="The string of Intel RDT/MBA memory bandwidth schema")
    p.set_defaults(func=cmd_update)


def _uint(opt: str, text: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        raise CliError(f'invalid value for {opt}: strconv.ParseUint: parsing "{text}": invalid syntax') from None
    if value < 0:
        raise CliError(f'invalid value for {opt}: strconv.ParseUint: parsing "{text}": invalid syntax')
    return value


def _int(opt: str, text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise CliError(f'invalid value for {opt}: strconv.ParseInt: parsing "{text}": invalid syntax') from None


def _mem(opt: str, text: str) -> int:
    if text == "-1":
        return -1
    try:
        return ram_in_bytes(text)
    except ValueError as e:
        raise CliError(f"invalid value for {opt}: {e}") from None


def from_flags(args, r) -> None:
    """Apply the flags to Resources ``r`` (a copy of the current limits)."""
    from libcontainer.specconv.resources import cpu_shares_to_weight

    if args.blkio_weight:
        r.blkio_weight = args.blkio_weight
    if args.cpuset_cpus:
        r.cpuset_cpus = args.cpuset_cpus
    if args.cpuset_mems:
        r.cpuset_mems = args.cpuset_mems
    period = _uint("cpu-period", args.cpu_period) if args.cpu_period else 0
    quota = _int("cpu-quota", args.cpu_quota) if args.cpu_quota else 0
    # runc: one of period/quota alone leaves the other at its old value
    if period:
        r.cpu_period = period
    if quota:
        r.cpu_quota = quota
    if args.cpu_burst:
        r.cpu_burst = _uint("cpu-burst", args.cpu_burst)
    if args.cpu_share:
        r.cpu_shares = _uint("cpu-share", args.cpu_share)
        r.cpu_weight = cpu_shares_to_weight(r.cpu_shares)
    if args.cpu_rt_period:
        r.cpu_rt_period = _uint("cpu-rt-period", args.cpu_rt_period)
    if args.cpu_rt_runtime:
        r.cpu_rt_runtime = _int("cpu-rt-runtime", args.cpu_rt_runtime)
    if args.cpu_idle:
        r.cpu_idle = _int("cpu-idle", args.cpu_idle)
    for opt, attr in (("memory", "memory"), ("memory-swap", "memory_swap"),
                      ("memory-reservation", "memory_reservation")):
        text = getattr(args, opt.replace("-", "_"))
        if text:
            setattr(r, attr, _mem(opt, text))
    if args.kernel_memory or args.kernel_memory_tcp:
        import logging

        logging.getLogger("pyrunc").warning("Kernel memory settings are ignored and will be removed")
    if args.pids_limit:
        r.pids_limit = args.pids_limit


_JSON_FIELDS = (
    "memory", "memory_reservation", "memory_swap", "memory_swappiness", "cpu_shares", "cpu_weight",
    "cpu_quota", "cpu_burst", "cpu_period", "cpu_rt_runtime", "cpu_rt_period", "cpuset_cpus",
    "cpuset_mems", "cpu_idle", "pids_limit", "blkio_weight", "blkio_leaf_weight",
    "blkio_weight_device", "blkio_throttle_read_bps_device", "blkio_throttle_write_bps_device",
    "blkio_throttle_read_iops_device", "blkio_throttle_write_iops_device", "hugetlb_limit",
    "net_prio_ifpriomap", "net_cls_classid", "rdma", "unified",
)


def from_json(source: str, r) -> None:
    """runc's ``--resources``: an OCI LinuxResources object; omitted values stay."""
    from libcontainer.configs.cgroup import Resources
    from libcontainer.specconv.resources import create_cgroup_config

    try:
        if source == "-":
            data = json.load(sys.stdin)
        else:
            with open(source, "rb") as f:
                data = json.load(f)
    except FileNotFoundError:
        raise CliError(f"open {source}: no such file or directory") from None
    except ValueError as e:
        raise CliError(f"invalid JSON in --resources: {e}") from None
    if not isinstance(data, dict):
        raise CliError("invalid JSON in --resources: not an object")
    data = dict(data)
    data.pop("devices", None)  # runc's update never changes device rules
    parsed = create_cgroup_config({"linux": {"resources": data}}, name="update", use_systemd=False,
                                  rootless=False, default_rules=[]).resources
    empty = Resources()
    for attr in _JSON_FIELDS:
        value = getattr(parsed, attr)
        if value != getattr(empty, attr):
            setattr(r, attr, value)


def cmd_update(args) -> int:
    container = full_container(args)
    config = container.config
    if config.cgroups is None:
        raise CliError(f"update: container {container.id} has no cgroup configured")
    resources = copy.deepcopy(config.cgroups.resources)
    if args.resources:
        from_json(args.resources, resources)
    else:
        from_flags(args, resources)
    new = copy.copy(config)
    new.cgroups = copy.copy(config.cgroups)
    new.cgroups.resources = resources
    rdt = rdt_update.prepare(container, new, args.l3_cache_schema, args.mem_bw_schema)
    resources.skip_devices = True
    rdt_update.set_with(rdt, container, config, new)
    return 0
