"""runc's cgroup v1 -> v2 value conversions, plus the "negative means max" rule.

The OCI runtime spec (and therefore every engine's input) was designed around cgroup v1:
``cpu.shares``, ``blkio.weight`` and memory+swap totals. The v2 kernel interface takes
different quantities, so a runtime has to convert them -- and engines compare the results
with what runc writes, so the formulas are runc's exactly, integer division included.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

#: v1 cpu.shares range (kernel MIN_SHARES .. MAX_SHARES = 1 << 18).
SHARES_MIN, SHARES_MAX = 2, 262144
#: v1 blkio.weight range.
BLKIO_WEIGHT_MIN, BLKIO_WEIGHT_MAX = 10, 1000
#: v2 cpu.weight / io.weight range.
WEIGHT_MIN, WEIGHT_MAX = 1, 10000


def cpu_shares_to_weight(shares: int) -> int:
    """``1 + ((shares - 2) * 9999) / 262142``: maps [2, 262144] onto [1, 10000]; 0 stays unset."""
    if shares == 0:
        return 0
    if not SHARES_MIN <= shares <= SHARES_MAX:
        raise ConfigError(
            "cgroups.resources.cpu_shares",
            f"cpu shares must be in [{SHARES_MIN}, {SHARES_MAX}] to convert to a cgroup v2 cpu.weight",
            shares,
        )
    return 1 + ((shares - 2) * 9999) // 262142


def blkio_weight_to_io_weight(weight: int) -> int:
    """``1 + (weight - 10) * 9999 / 990``: maps [10, 1000] onto [1, 10000]; 0 stays unset."""
    if weight == 0:
        return 0
    if not BLKIO_WEIGHT_MIN <= weight <= BLKIO_WEIGHT_MAX:
        raise ConfigError(
            "cgroups.resources.blkio_weight",
            f"blkio weight must be in [{BLKIO_WEIGHT_MIN}, {BLKIO_WEIGHT_MAX}]",
            weight,
        )
    return 1 + (weight - 10) * 9999 // 990


def memory_swap_to_v2(memory_swap: int, memory: int) -> int:
    """v1's memory+swap total -> v2's swap-only value (runc's ConvertMemorySwapToCgroupV2Value).

    Returns -1 for "max" and 0 for "unset"; raises with runc's wording on impossible input.
    """
    field = "cgroups.resources.memory_swap"
    if memory == -1 and memory_swap == 0:
        # v1 compatibility: unlimited memory with swap unset means unlimited swap too
        return -1
    if memory_swap in (-1, 0):
        return memory_swap  # -1 is "max", 0 is "unset": passed through as they are
    if memory in (0, -1):
        raise ConfigError(field, "unable to set swap limit without memory limit", memory_swap)
    if memory < 0:
        raise ConfigError("cgroups.resources.memory", f"invalid memory value: {memory}", memory)
    if memory_swap < memory:
        raise ConfigError(field, "memory+swap limit should be >= memory limit", memory_swap)
    return memory_swap - memory


def limit_to_str(value: int) -> str:
    """0 -> "" (leave alone), negative -> ``max``, else the number.

    runc writes only -1 as ``max`` (numToStr) and passes other negatives to the kernel, which
    rejects them; every negative is a request for "no limit", so all of them become ``max``.
    """
    if value == 0:
        return ""
    if value < 0:
        return "max"
    return str(value)
