"""The v1 cpu controller: shares, CFS quota/period/burst, RT runtime/period, idle.

Quota, period and burst are validated against each other (and the parent's quota) on every
write, so a write that the kernel refuses with EINVAL is retried once the companion value
is in place — runc's order. RT bandwidth is written *before* the first task joins: a task
already running SCHED_RR cannot enter a group without RT runtime.
"""

from __future__ import annotations

import errno

from libcontainer.errors import ConfigError

from . import fscommon as fs
from .subsystem import Subsystem, res


def _write_deferrable(path: str, name: str, value: int, can_defer: bool) -> bool:
    """Write; on EINVAL with a companion still to come, report "retry later" instead."""
    try:
        fs.write(path, name, value)
        return False
    except OSError as exc:
        if exc.errno == errno.EINVAL and can_defer:
            return True
        raise


def set_rt_sched(path: str, r) -> None:
    period = int(res(r, "cpu_rt_period", 0) or 0)
    runtime = int(res(r, "cpu_rt_runtime", 0) or 0)
    retry = bool(period) and _write_deferrable(path, "cpu.rt_period_us", period, bool(runtime))
    if runtime:
        fs.write(path, "cpu.rt_runtime_us", runtime)
        if retry:
            fs.write(path, "cpu.rt_period_us", period)


class CpuGroup(Subsystem):
    name = "cpu"

    def wants(self, r) -> bool:
        return bool(
            res(r, "cpu_shares", 0) or res(r, "cpu_quota", 0) or res(r, "cpu_period", 0)
            or res(r, "cpu_rt_runtime", 0) or res(r, "cpu_rt_period", 0)
            or res(r, "cpu_burst") is not None or res(r, "cpu_idle") is not None
        )

    def prepare(self, path: str, r) -> None:
        set_rt_sched(path, r)

    def set(self, path: str, r) -> None:
        shares = int(res(r, "cpu_shares", 0) or 0)
        if shares:
            fs.write(path, "cpu.shares", shares)
            got = fs.read_uint(path, "cpu.shares")
            if shares > got:  # the kernel clamps silently; runc reports it
                raise ConfigError("cgroups.resources.cpu_shares", f"the maximum allowed cpu-shares is {got}", shares)
            if shares < got:
                raise ConfigError("cgroups.resources.cpu_shares", f"the minimum allowed cpu-shares is {got}", shares)
        quota = int(res(r, "cpu_quota", 0) or 0)
        period = int(res(r, "cpu_period", 0) or 0)
        retry_period = bool(period) and _write_deferrable(path, "cpu.cfs_period_us", period, bool(quota))
        burst = res(r, "cpu_burst")
        retry_burst = False
        if burst is not None:
            if fs.exists(path, "cpu.cfs_burst_us"):  # older kernels lack the knob: ignored
                retry_burst = _write_deferrable(path, "cpu.cfs_burst_us", int(burst), bool(quota))
        if quota:
            fs.write(path, "cpu.cfs_quota_us", quota)
            if retry_period:
                fs.write(path, "cpu.cfs_period_us", period)
            if retry_burst:
                fs.write(path, "cpu.cfs_burst_us", int(burst))
        idle = res(r, "cpu_idle")
        if idle is not None:
            fs.write(path, "cpu.idle", int(idle))
        set_rt_sched(path, r)

    def get_stats(self, path: str, stats) -> None:
        try:
            values = fs.read_key_values(path, "cpu.stat")
        except FileNotFoundError:
            return
        td = stats.cpu_stats.throttling_data
        td.periods = values.get("nr_periods", 0)
        td.throttled_periods = values.get("nr_throttled", 0)
        td.throttled_time = values.get("throttled_time", 0)
        bd = stats.cpu_stats.burst_data
        bd.bursts_periods = values.get("nr_bursts", 0)
        bd.burst_time = values.get("burst_time", 0)
