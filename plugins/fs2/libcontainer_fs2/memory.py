"""The memory controller: memory.max/low/swap.max, and the memory part of the stats.

v1 configurations give swap as memory+swap; v2 wants swap alone, so the value goes through
runc's conversion (:func:`.convert.memory_swap_to_v2`). ``memory.high`` and
``memory.oom.group`` have no typed field in runc's configuration: they come through the
``unified`` map, written verbatim.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import fscommon as fs
from .convert import limit_to_str, memory_swap_to_v2

CONTROLLER = "memory"


def wanted(r) -> dict[str, str]:
    for name in ("memory", "memory_swap", "memory_reservation"):
        if getattr(r, name, 0):
            return {CONTROLLER: f"cgroups.resources.{name}"}
    return {}


def validate(r) -> tuple[str, str, str]:
    """(memory.swap.max, memory.max, memory.low) strings, "" = leave; raises before writing."""
    for name in ("memory", "memory_reservation"):
        value = getattr(r, name, 0)
        if not isinstance(value, int):
            raise ConfigError(f"cgroups.resources.{name}", "must be an integer number of bytes", value)
    swap = memory_swap_to_v2(r.memory_swap, r.memory)
    swap_str = limit_to_str(swap)
    if swap_str == "" and swap == 0 and r.memory_swap > 0:
        swap_str = "0"  # memory == memory+swap: no swap at all
    return swap_str, limit_to_str(r.memory), limit_to_str(r.memory_reservation)


def check_usage(path: str, r) -> None:
    """``memory_check_before_update``: refuse a limit below what is already used."""
    if not getattr(r, "memory_check_before_update", False) or r.memory <= 0:
        return
    usage = fs.read_uint(path, "memory.current")
    if usage >= r.memory:
        raise ConfigError(
            "cgroups.resources.memory", f"rejecting memory limit {r.memory} below current usage {usage}", r.memory
        )


def set(path: str, r) -> None:  # noqa: A001 - the verb of the manager interface
    if not wanted(r):
        return
    swap_str, max_str, low_str = validate(r)
    check_usage(path, r)
    if swap_str:
        try:
            fs.write(path, "memory.swap.max", swap_str)
        except FileNotFoundError:
            if swap_str not in ("max", "0"):  # no swap accounting: "none" or "max" are moot
                raise
    if max_str:
        fs.write(path, "memory.max", max_str)
    if low_str:
        fs.write(path, "memory.low", low_str)


def _data(path: str, prefix: str, optional: bool):
    from libcontainer.cgroups.stats import MemoryData

    data = MemoryData()
    try:
        data.usage = fs.read_uint(path, f"{prefix}.current")
    except FileNotFoundError:
        if optional:
            return data
        raise
    data.limit = fs.read_uint(path, f"{prefix}.max")
    try:
        data.max_usage = fs.read_uint(path, f"{prefix}.peak")  # 5.19+ (swap: 6.5+)
    except FileNotFoundError:
        pass
    return data


def stats(path: str, st) -> None:
    """memory.stat verbatim, usage/limit/peak, swap alone and (v1-style) memory+swap."""
    m = st.memory_stats
    m.stats = fs.read_flat_keyed(path, "memory.stat")
    m.cache = m.stats.get("file", 0)
    m.use_hierarchy = True  # v2 is always hierarchical
    m.usage = _data(path, "memory", optional=False)
    try:
        m.usage.failcnt = fs.value_by_key(path, "memory.events", "max")
    except FileNotFoundError:
        pass
    m.swap_only_usage = _data(path, "memory.swap", optional=True)
    combined = _data(path, "memory.swap", optional=True)
    combined.usage += m.usage.usage
    if combined.limit != fs.MAX_UINT64:
        combined.limit = min(combined.limit + m.usage.limit, fs.MAX_UINT64)
    combined.max_usage = 0  # a peak of the sum cannot be computed from the two peaks
    m.swap_usage = combined


def oom_kill_count(path: str) -> int:
    try:
        return fs.value_by_key(path, "memory.events", "oom_kill")
    except FileNotFoundError:
        return 0
