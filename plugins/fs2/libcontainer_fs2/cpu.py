"""The cpu controller (cpu.weight, cpu.max, cpu.max.burst, cpu.idle) and cpu.stat.

``cpu.weight`` comes from ``cpu_weight`` if given, else from v1 ``cpu_shares`` through runc's
formula. ``cpu.max`` is "QUOTA PERIOD" with a non-positive quota written as ``max`` and a
missing period defaulting to the kernel's 100000 us, as runc writes it.
"""

from __future__ import annotations

import errno

from libcontainer.errors import ConfigError

from . import fscommon as fs
from .convert import WEIGHT_MAX, WEIGHT_MIN, cpu_shares_to_weight

CONTROLLER = "cpu"
DEFAULT_PERIOD = 100000
#: The kernel's bounds for the cpu.max period (1 ms .. 1 s).
PERIOD_MIN, PERIOD_MAX = 1000, 1000000


def weight(r) -> int:
    if getattr(r, "cpu_weight", 0):
        return r.cpu_weight
    return cpu_shares_to_weight(getattr(r, "cpu_shares", 0) or 0)


def wanted(r) -> dict[str, str]:
    for name in ("cpu_weight", "cpu_shares", "cpu_quota", "cpu_period"):
        if getattr(r, name, 0):
            return {CONTROLLER: f"cgroups.resources.{name}"}
    for name in ("cpu_idle", "cpu_burst"):
        if getattr(r, name, None) is not None:
            return {CONTROLLER: f"cgroups.resources.{name}"}
    return {}


def validate(r) -> None:
    if getattr(r, "cpu_rt_runtime", 0) or getattr(r, "cpu_rt_period", 0):
        field = "cpu_rt_runtime" if r.cpu_rt_runtime else "cpu_rt_period"
        raise ConfigError(
            f"cgroups.resources.{field}", "real-time cpu limits are not supported on cgroup v2", getattr(r, field)
        )
    w = weight(r)
    if w and not WEIGHT_MIN <= w <= WEIGHT_MAX:
        raise ConfigError("cgroups.resources.cpu_weight", f"cpu.weight must be in [{WEIGHT_MIN}, {WEIGHT_MAX}]", w)
    period = getattr(r, "cpu_period", 0) or 0
    if period and not PERIOD_MIN <= period <= PERIOD_MAX:
        raise ConfigError(
            "cgroups.resources.cpu_period", f"cpu period must be in [{PERIOD_MIN}, {PERIOD_MAX}] us", period
        )
    quota = getattr(r, "cpu_quota", 0) or 0
    if 0 < quota < PERIOD_MIN:
        raise ConfigError("cgroups.resources.cpu_quota", f"cpu quota must be at least {PERIOD_MIN} us", quota)
    burst = getattr(r, "cpu_burst", None)
    if burst is not None and burst < 0:
        raise ConfigError("cgroups.resources.cpu_burst", "cpu burst cannot be negative", burst)
    idle = getattr(r, "cpu_idle", None)
    if idle is not None and idle not in (0, 1):
        raise ConfigError("cgroups.resources.cpu_idle", "cpu.idle must be 0 or 1", idle)


def max_string(r) -> str:
    """The cpu.max line, or "" when neither quota nor period is set."""
    quota, period = getattr(r, "cpu_quota", 0) or 0, getattr(r, "cpu_period", 0) or 0
    if not quota and not period:
        return ""
    return f"{quota if quota > 0 else 'max'} {period or DEFAULT_PERIOD}"


def set(path: str, r) -> None:  # noqa: A001
    if not wanted(r):
        return
    validate(r)
    if getattr(r, "cpu_idle", None) is not None:
        fs.write(path, "cpu.idle", r.cpu_idle)
    w = weight(r)
    if w:
        fs.write(path, "cpu.weight", w)
    burst = getattr(r, "cpu_burst", None)
    pending_burst = None
    if burst is not None:
        try:
            fs.write(path, "cpu.max.burst", burst)
        except OSError as exc:
            # a burst above the current quota is refused; retried after cpu.max is written
            if exc.errno != errno.EINVAL or not r.cpu_quota:
                raise
            pending_burst = burst
    line = max_string(r)
    if line:
        fs.write(path, "cpu.max", line)
        if pending_burst is not None:
            fs.write(path, "cpu.max.burst", pending_burst)


def stats(path: str, st) -> None:
    """cpu.stat (usec) -> runc's CpuStats (nsec); cpu.stat exists without the controller too."""
    values = fs.read_flat_keyed(path, "cpu.stat")
    c = st.cpu_stats
    c.cpu_usage.total_usage = values.get("usage_usec", 0) * 1000
    c.cpu_usage.usage_in_usermode = values.get("user_usec", 0) * 1000
    c.cpu_usage.usage_in_kernelmode = values.get("system_usec", 0) * 1000
    c.throttling_data.periods = values.get("nr_periods", 0)
    c.throttling_data.throttled_periods = values.get("nr_throttled", 0)
    c.throttling_data.throttled_time = values.get("throttled_usec", 0) * 1000
    c.burst_data.bursts_periods = values.get("nr_bursts", 0)
    c.burst_data.burst_time = values.get("burst_usec", 0) * 1000
