"""``linux.cgroupsPath`` + ``linux.resources`` -> ``configs.Cgroup`` (runc's CreateCgroupConfig).

Values keep runc's conventions so the cgroup backends can be shared with state.json
written by runc: 0 means "leave alone", -1 means "unlimited" for memory, swap, cpu
quota and pids (the backends write ``max``), and Go pointer fields are ``None`` when
absent. Ranges are checked here (negative shares, swappiness over 100...) because the
kernel's answer to those, later, would not say which field was wrong.
"""

from __future__ import annotations

import posixpath

from libcontainer.errors import ConfigError

from . import _fields as F
from .devices import convert_rules, rule_of

_RESOURCES_KEYS = (
    "devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits", "network", "rdma", "unified",
)
_MEMORY_KEYS = (
    "limit", "reservation", "swap", "kernel", "kernelTCP", "swappiness",
    "disableOOMKiller", "useHierarchy", "checkBeforeUpdate",
)
_CPU_KEYS = (
    "shares", "quota", "burst", "period", "realtimeRuntime", "realtimePeriod", "cpus", "mems", "idle",
)
_BLKIO_KEYS = (
    "weight", "leafWeight", "weightDevice", "throttleReadBpsDevice", "throttleWriteBpsDevice",
    "throttleReadIOPSDevice", "throttleWriteIOPSDevice",
)
_THROTTLE = {
    "throttleReadBpsDevice": "blkio_throttle_read_bps_device",
    "throttleWriteBpsDevice": "blkio_throttle_write_bps_device",
    "throttleReadIOPSDevice": "blkio_throttle_read_iops_device",
    "throttleWriteIOPSDevice": "blkio_throttle_write_iops_device",
}
# memory-ish values: a byte count, or -1 for "unlimited"
_LIMIT = {"minimum": -1, "maximum": 2**63 - 1}

SYSTEMD_PROPERTY_PREFIX = "org.systemd.property."


def cpu_shares_to_weight(shares: int) -> int:
    """cgroup v1 cpu.shares [2, 262144] -> v2 cpu.weight [1, 10000].

    The curve current runc uses (opencontainers/cgroups, 2025): it maps the defaults onto
    each other (1024 -> 100), which the old linear formula did not.
    """
    if shares == 0:
        return 0
    if shares <= 2:
        return 1
    if shares >= 262144:
        return 10000
    import math  # here: only a spec with cpu shares needs it

    lg = math.log2(shares)
    exponent = (lg * lg + 125 * lg) / 612.0 - 7.0 / 34.0
    return math.ceil(10**exponent)


def parse_cgroups_path(path: str, *, systemd: bool, name: str):
    """-> dict(name=, parent=, path=, scope_prefix=) as runc fills configs.Cgroup.

    systemd: ``slice:prefix:name`` (e.g. ``system.slice:docker:1234``), or empty for the
    default ``runc-<id>.scope``. cgroupfs: a path cleaned lexically (``..`` cannot climb
    above the root), kept relative if it was relative; empty means "named after the id".
    """
    if systemd:
        if not path:
            return {"name": name, "parent": "", "path": "", "scope_prefix": "runc"}
        parts = path.split(":")
        if len(parts) != 3:
            raise ConfigError(
                "linux.cgroupsPath",
                'expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups',
                path,
            )
        for part in parts:
            if "/" in part:
                raise ConfigError("linux.cgroupsPath", "systemd unit names cannot contain '/'", path)
        return {"name": parts[2], "parent": parts[0], "path": "", "scope_prefix": parts[1]}
    if not path:
        return {"name": name, "parent": "", "path": "", "scope_prefix": ""}
    return {"name": "", "parent": "", "path": clean_path(path), "scope_prefix": ""}


def clean_path(path: str) -> str:
    """runc's utils.CleanPath: lexically clean, never escaping the root even when relative."""
    if not path:
        return ""
    cleaned = _go_clean(path)
    if not cleaned.startswith("/"):
        cleaned = posixpath.relpath(_go_clean("/" + cleaned), "/")
    return cleaned


def _go_clean(path: str) -> str:
    # Go's filepath.Clean, which (unlike normpath) folds a leading "//" too.
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


_GVARIANT_INTS = {
    "byte": (0, 2**8 - 1), "int16": (-(2**15), 2**15 - 1), "uint16": (0, 2**16 - 1),
    "int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1), "uint64": (0, 2**64 - 1),
}


def parse_property_value(text: str, field: str):
    """A small subset of GVariant text (what runc's dbus.ParseVariant accepts in practice).

    Numbers (optionally typed: ``uint64 100``), booleans, quoted strings and arrays of
    quoted strings. Anything else is refused rather than guessed.
    """
    s = text.strip()
    typ, _, rest = s.partition(" ")
    if typ in _GVARIANT_INTS:
        lo, hi = _GVARIANT_INTS[typ]
        try:
            n = int(rest.strip(), 0)
        except ValueError:
            raise ConfigError(field, f"not a valid {typ}", text)
        if not lo <= n <= hi:
            raise ConfigError(field, f"out of range for {typ}", text)
        return n
    if typ == "double":
        try:
            return float(rest)
        except ValueError:
            raise ConfigError(field, "not a valid double", text)
    if s in ("true", "false"):
        return s == "true"
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    if s.startswith("[") and s.endswith("]"):
        items = [i.strip() for i in s[1:-1].split(",") if i.strip()]
        out = []
        for item in items:
            value = parse_property_value(item, field)
            if not isinstance(value, str):
                raise ConfigError(field, "only arrays of strings are supported", text)
            out.append(value)
        return out
    try:
        return int(s, 0)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        raise ConfigError(field, "cannot parse as a D-Bus value", text)


def systemd_properties(annotations: dict | None):
    """``org.systemd.property.<Name>`` annotations -> [(Name, value)] for the systemd driver.

    Names ending in ``<lowercase>Sec`` are converted to ``USec`` with the value scaled, since
    systemd documents e.g. TimeoutStopSec but only takes TimeoutStopUSec over D-Bus.
    """
    props = []
    for key, raw in sorted((annotations or {}).items()):
        if not key.startswith(SYSTEMD_PROPERTY_PREFIX):
            continue
        field = f"annotations.{key}"
        name = key[len(SYSTEMD_PROPERTY_PREFIX):]
        if len(name) < 3 or not name.isascii() or not name.isalpha():
            raise ConfigError(field, "property name must be at least 3 latin letters", name)
        value = parse_property_value(raw, field)
        if name.endswith("Sec") and name[-4].islower():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(field, "a *Sec property must be a number", raw)
            name = name[:-3] + "USec"
            value = int(value * 1_000_000)
        props.append((name, value))
    return props


def _memory(mem: dict, r, where: str) -> None:
    F.warn_unknown(mem, _MEMORY_KEYS, where)
    r.memory = F.get_int(mem, "limit", where, 0, **_LIMIT)
    r.memory_reservation = F.get_int(mem, "reservation", where, 0, **_LIMIT)
    r.memory_swap = F.get_int(mem, "swap", where, 0, **_LIMIT)
    for key in ("kernel", "kernelTCP"):
        if mem.get(key) is not None:
            F.warn_ignored(F.join(where, key), "kernel memory limits are obsolete (kernel 5.4+)")
    if mem.get("useHierarchy") is not None:
        F.warn_ignored(F.join(where, "useHierarchy"), "hierarchical accounting is always on")
    r.memory_swappiness = F.get_int(mem, "swappiness", where, None, minimum=0, maximum=100)
    r.oom_kill_disable = F.get_bool(mem, "disableOOMKiller", where)
    r.memory_check_before_update = F.get_bool(mem, "checkBeforeUpdate", where)


def _cpu(cpu: dict, r, where: str) -> None:
    F.warn_unknown(cpu, _CPU_KEYS, where)
    shares = F.get_int(cpu, "shares", where, None, **F.U64)
    if shares is not None:
        r.cpu_shares = shares
        r.cpu_weight = cpu_shares_to_weight(shares)
    r.cpu_quota = F.get_int(cpu, "quota", where, 0, **_LIMIT)
    r.cpu_burst = F.get_int(cpu, "burst", where, None, **F.U64)
    r.cpu_period = F.get_int(cpu, "period", where, 0, **F.U64)
    r.cpu_rt_runtime = F.get_int(cpu, "realtimeRuntime", where, 0, **_LIMIT)
    r.cpu_rt_period = F.get_int(cpu, "realtimePeriod", where, 0, **F.U64)
    r.cpuset_cpus = F.get_str(cpu, "cpus", where)
    r.cpuset_mems = F.get_str(cpu, "mems", where)
    r.cpu_idle = F.get_int(cpu, "idle", where, None, minimum=0, maximum=1)


def _blkio(bio: dict, r, where: str) -> None:
    from libcontainer.configs.cgroup import ThrottleDevice, WeightDevice

    F.warn_unknown(bio, _BLKIO_KEYS, where)
    r.blkio_weight = F.get_int(bio, "weight", where, 0, **F.U16)
    r.blkio_leaf_weight = F.get_int(bio, "leafWeight", where, 0, **F.U16)
    wd_where = F.join(where, "weightDevice")
    for i, wd in enumerate(F.lst(bio.get("weightDevice"), wd_where)):
        at = F.join(wd_where, i)
        wd = F.obj(wd, at, required=True)
        F.warn_unknown(wd, ("major", "minor", "weight", "leafWeight"), at)
        r.blkio_weight_device.append(WeightDevice(
            major=F.get_int(wd, "major", at, 0, **F.I64),
            minor=F.get_int(wd, "minor", at, 0, **F.I64),
            weight=F.get_int(wd, "weight", at, 0, **F.U16),
            leaf_weight=F.get_int(wd, "leafWeight", at, 0, **F.U16),
        ))
    for key, attr in _THROTTLE.items():
        t_where = F.join(where, key)
        for i, td in enumerate(F.lst(bio.get(key), t_where)):
            at = F.join(t_where, i)
            td = F.obj(td, at, required=True)
            F.warn_unknown(td, ("major", "minor", "rate"), at)
            getattr(r, attr).append(ThrottleDevice(
                major=F.get_int(td, "major", at, 0, **F.I64),
                minor=F.get_int(td, "minor", at, 0, **F.I64),
                rate=F.get_int(td, "rate", at, 0, **F.U64),
            ))


def _misc(res: dict, r, where: str) -> None:
    from libcontainer.configs.cgroup import HugepageLimit, IfPrioMap, LinuxRdma

    pids = F.obj(res.get("pids"), F.join(where, "pids"))
    if pids is not None:
        at = F.join(where, "pids")
        F.warn_unknown(pids, ("limit",), at)
        r.pids_limit = F.get_int(pids, "limit", at, None, **_LIMIT)

    hp_where = F.join(where, "hugepageLimits")
    for i, hp in enumerate(F.lst(res.get("hugepageLimits"), hp_where)):
        at = F.join(hp_where, i)
        hp = F.obj(hp, at, required=True)
        F.warn_unknown(hp, ("pageSize", "limit"), at)
        size = F.get_str(hp, "pageSize", at)
        if not size:
            raise ConfigError(F.join(at, "pageSize"), "must be specified")
        r.hugetlb_limit.append(HugepageLimit(pagesize=size, limit=F.get_int(hp, "limit", at, 0, **F.U64)))

    net = F.obj(res.get("network"), F.join(where, "network"))
    if net is not None:
        at = F.join(where, "network")
        F.warn_unknown(net, ("classID", "priorities"), at)
        r.net_cls_classid = F.get_int(net, "classID", at, 0, **F.U32)
        p_where = F.join(at, "priorities")
        for i, p in enumerate(F.lst(net.get("priorities"), p_where)):
            pat = F.join(p_where, i)
            p = F.obj(p, pat, required=True)
            F.warn_unknown(p, ("name", "priority"), pat)
            r.net_prio_ifpriomap.append(IfPrioMap(
                interface=F.get_str(p, "name", pat), priority=F.get_int(p, "priority", pat, 0, **F.U32)
            ))

    rdma = F.obj(res.get("rdma"), F.join(where, "rdma"))
    for dev, lim in (rdma or {}).items():
        at = F.join(F.join(where, "rdma"), dev)
        lim = F.obj(lim, at, required=True)
        F.warn_unknown(lim, ("hcaHandles", "hcaObjects"), at)
        r.rdma[dev] = LinuxRdma(
            hca_handles=F.get_int(lim, "hcaHandles", at, None, **F.U32),
            hca_objects=F.get_int(lim, "hcaObjects", at, None, **F.U32),
        )

    unified = F.get_str_map(res, "unified", where)
    for key in unified or {}:
        if "/" in key or "." not in key:
            raise ConfigError(F.join(F.join(where, "unified"), key), "must name a cgroup file like memory.high", key)
    r.unified = dict(unified or {})


def create_cgroup_config(spec: dict, *, name: str, use_systemd: bool, rootless: bool, default_rules):
    """-> ``configs.Cgroup``: placement, then the spec's limits, then runc's default rules."""
    from libcontainer.configs.cgroup import Cgroup, Resources

    linux = spec.get("linux") or {}
    c = Cgroup(systemd=use_systemd, rootless=rootless, resources=Resources())
    if use_systemd:
        c.systemd_props = systemd_properties(spec.get("annotations"))
    path = F.get_str(linux, "cgroupsPath", "linux")
    for key, value in parse_cgroups_path(path, systemd=use_systemd, name=name).items():
        setattr(c, key, value)

    where = "linux.resources"
    res = F.obj(linux.get("resources"), where)
    r = c.resources
    if res is not None:
        F.warn_unknown(res, _RESOURCES_KEYS, where)
        r.devices = convert_rules(res.get("devices"), F.join(where, "devices"))
        mem = F.obj(res.get("memory"), F.join(where, "memory"))
        if mem is not None:
            _memory(mem, r, F.join(where, "memory"))
        cpu = F.obj(res.get("cpu"), F.join(where, "cpu"))
        if cpu is not None:
            _cpu(cpu, r, F.join(where, "cpu"))
        bio = F.obj(res.get("blockIO"), F.join(where, "blockIO"))
        if bio is not None:
            _blkio(bio, r, F.join(where, "blockIO"))
        _misc(res, r, where)
    r.devices.extend(rule_of(d) for d in default_rules)
    return c
