"""The v1 cpuacct controller: CPU time, total, per CPU, and split by user/kernel mode.

``cpuacct.stat`` counts in clock ticks (USER_HZ); runc converts them to nanoseconds, so
every CPU figure in ``Stats`` shares one unit.
"""

from __future__ import annotations

import os

from . import fscommon as fs
from .subsystem import Subsystem

NANOS_PER_SECOND = 1_000_000_000


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


class CpuacctGroup(Subsystem):
    name = "cpuacct"

    def get_stats(self, path: str, stats) -> None:
        if not fs.exists(path, "cpuacct.usage"):
            return
        usage = stats.cpu_stats.cpu_usage
        ticks = fs.read_key_values(path, "cpuacct.stat")
        hz = _clock_ticks()
        usage.usage_in_usermode = ticks.get("user", 0) * NANOS_PER_SECOND // hz
        usage.usage_in_kernelmode = ticks.get("system", 0) * NANOS_PER_SECOND // hz
        usage.total_usage = fs.read_uint(path, "cpuacct.usage")
        usage.percpu_usage = [fs.parse_uint(v) for v in fs.read(path, "cpuacct.usage_percpu").split()]
        try:
            text = fs.read(path, "cpuacct.usage_all")
        except FileNotFoundError:
            return  # older kernels: no per-CPU mode split
        user, kernel = [], []
        for line in text.splitlines()[1:]:  # header: "cpu user system"
            parts = line.split()
            if len(parts) == 3:
                user.append(fs.parse_uint(parts[1]))
                kernel.append(fs.parse_uint(parts[2]))
        usage.percpu_usage_in_usermode = user
        usage.percpu_usage_in_kernelmode = kernel
