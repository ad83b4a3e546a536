"""The v1 memory controller: limits, swap (memsw), kernel memory, swappiness, OOM killer.

The memory and memory+swap limits constrain each other (the kernel refuses a memory limit
above memsw, and memsw below memory), so which one is written first depends on whether the
update raises or lowers them: runc's ``setMemoryAndSwap`` ordering, kept exactly.
"""

from __future__ import annotations

import errno
import os

from libcontainer.errors import ConfigError

from . import fscommon as fs
from .subsystem import Subsystem, res

LIMIT = "memory.limit_in_bytes"
SWAP_LIMIT = "memory.memsw.limit_in_bytes"
KMEM_LIMIT = "memory.kmem.limit_in_bytes"
KMEM_TCP_LIMIT = "memory.kmem.tcp.limit_in_bytes"


def _set_memory(path: str, limit: int) -> None:
    if not limit:
        return
    try:
        fs.write(path, LIMIT, limit)
    except OSError as exc:
        if exc.errno != errno.EBUSY:
            raise
        usage = fs.read_uint(path, "memory.usage_in_bytes")
        peak = fs.read_uint(path, "memory.max_usage_in_bytes")
        raise OSError(
            errno.EBUSY,
            f"unable to set memory limit to {limit} (current usage: {usage}, peak usage: {peak})",
        ) from None


def _set_swap(path: str, limit: int) -> None:
    if limit:
        fs.write(path, SWAP_LIMIT, limit)


def set_memory_and_swap(path: str, memory: int, swap: int) -> None:
    # Unlimited memory with swap left unset means unlimited swap too (if the kernel has it).
    if memory == -1 and swap == 0 and fs.exists(path, SWAP_LIMIT):
        swap = -1
    if memory and swap:
        current = fs.read_uint(path, LIMIT)
        if swap == -1 or current < swap:
            # Raising: memsw first, else the new memory limit would exceed the old memsw.
            _set_swap(path, swap)
            _set_memory(path, memory)
            return
    _set_memory(path, memory)
    _set_swap(path, swap)


class MemoryGroup(Subsystem):
    name = "memory"

    def wants(self, r) -> bool:
        return bool(
            res(r, "memory", 0) or res(r, "memory_swap", 0) or res(r, "memory_reservation", 0)
            or res(r, "kernel_memory", 0) or res(r, "kernel_memory_tcp", 0)
            or res(r, "oom_kill_disable", False)
            or (res(r, "memory_swappiness") not in (None, -1))
        )

    def set(self, path: str, r) -> None:
        set_memory_and_swap(path, int(res(r, "memory", 0) or 0), int(res(r, "memory_swap", 0) or 0))
        # Kernel memory: only where the kernel still has the knob (5.16+ ignores writes,
        # 6.x removed kmem accounting limits); kernel TCP memory is still enforced.
        kmem = int(res(r, "kernel_memory", 0) or 0)
        if kmem and fs.exists(path, KMEM_LIMIT):
            fs.write(path, KMEM_LIMIT, kmem)
        kmem_tcp = int(res(r, "kernel_memory_tcp", 0) or 0)
        if kmem_tcp and fs.exists(path, KMEM_TCP_LIMIT):
            fs.write(path, KMEM_TCP_LIMIT, kmem_tcp)
        reservation = int(res(r, "memory_reservation", 0) or 0)
        if reservation:
            fs.write(path, "memory.soft_limit_in_bytes", reservation)
        if res(r, "oom_kill_disable", False):
            fs.write(path, "memory.oom_control", "1")
        swappiness = res(r, "memory_swappiness")
        if swappiness is None or int(swappiness) == -1:
            return
        if 0 <= int(swappiness) <= 100:
            fs.write(path, "memory.swappiness", int(swappiness))
        else:
            raise ConfigError(
                "cgroups.resources.memory_swappiness",
                f"invalid value:{swappiness}. valid memory swappiness range is 0-100",
                swappiness,
            )

    def get_stats(self, path: str, stats) -> None:
        ms = stats.memory_stats
        try:
            raw = fs.read_key_values(path, "memory.stat")
        except FileNotFoundError:
            return
        ms.stats = raw
        ms.cache = raw.get("cache", 0)
        ms.usage = memory_data(path, "")
        ms.swap_usage = memory_data(path, "memsw")
        ms.kernel_usage = memory_data(path, "kmem")
        ms.kernel_tcp_usage = memory_data(path, "kmem.tcp")
        try:
            ms.use_hierarchy = fs.read_uint(path, "memory.use_hierarchy") == 1
        except FileNotFoundError:
            pass
        try:
            _numa_stats(fs.read(path, "memory.numa_stat"), ms.page_usage_by_numa)
        except FileNotFoundError:
            pass


def memory_data(path: str, name: str):
    """usage/max_usage/failcnt/limit of ``memory.[<name>.]*``; absent optional files give zeros."""
    from libcontainer.cgroups.stats import MemoryData

    prefix = "memory." + (name + "." if name else "")
    data = MemoryData()
    try:
        data.usage = fs.read_uint(path, prefix + "usage_in_bytes")
    except FileNotFoundError:
        if name:
            return data  # swap and kmem accounting are optional in the kernel
        raise
    data.max_usage = fs.read_uint(path, prefix + "max_usage_in_bytes")
    data.failcnt = fs.read_uint(path, prefix + "failcnt")
    data.limit = fs.read_uint(path, prefix + "limit_in_bytes")
    return data


_NUMA_FIELDS = {"total": "total", "file": "file", "anon": "anon", "unevictable": "unevictable"}


def _numa_stats(text: str, target) -> None:
    """memory.numa_stat lines: ``total=N N0=a N1=b``, and ``hierarchical_total=...``."""
    for line in text.splitlines():
        parts = line.split()
        if not parts or "=" not in parts[0]:
            continue
        key, total = parts[0].split("=", 1)
        inner = target
        if key.startswith("hierarchical_"):
            key = key[len("hierarchical_"):]
            inner = target.hierarchical
        attr = _NUMA_FIELDS.get(key)
        if attr is None:
            continue
        page = getattr(inner, attr)
        page.total = int(total)
        for node in parts[1:]:
            name, _, value = node.partition("=")
            if name.startswith("N") and value:
                page.nodes[int(name[1:])] = int(value)


def oom_kill_count(path: str) -> int:
    try:
        for line in fs.read(path, "memory.oom_control").splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
    except FileNotFoundError:
        pass
    return 0


def under_oom(path: str) -> bool:
    return os.path.exists(path) and "under_oom 1" in fs.read(path, "memory.oom_control")
