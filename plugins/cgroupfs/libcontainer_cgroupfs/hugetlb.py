"""The v1 hugetlb controller: a limit and usage counters per huge page size.

Page sizes are named as the kernel names the files (``hugetlb.2MB.limit_in_bytes``); the
sizes this machine supports come from /sys/kernel/mm/hugepages.
"""

from __future__ import annotations

import os

from . import fscommon as fs
from .subsystem import Subsystem, res

HUGEPAGES_DIR = "/sys/kernel/mm/hugepages"


def _size_name(kib: int) -> str:
    units = ("KB", "MB", "GB", "TB", "PB")
    size, unit = kib, 0
    while size >= 1024 and size % 1024 == 0 and unit < len(units) - 1:
        size //= 1024
        unit += 1
    return f"{size}{units[unit]}"


def page_sizes() -> list[str]:
    """runc's ``cgroups.HugePageSizes``: "hugepages-2048kB" -> "2MB"."""
    try:
        names = os.listdir(HUGEPAGES_DIR)
    except FileNotFoundError:
        return []
    sizes = []
    for name in sorted(names):
        if name.startswith("hugepages-") and name.endswith("kB"):
            sizes.append(_size_name(int(name[len("hugepages-"):-2])))
    return sizes


class HugetlbGroup(Subsystem):
    name = "hugetlb"

    def wants(self, r) -> bool:
        return bool(res(r, "hugetlb_limit", None))

    def set(self, path: str, r) -> None:
        for limit in res(r, "hugetlb_limit", None) or ():
            fs.write(path, f"hugetlb.{limit.pagesize}.limit_in_bytes", limit.limit)
            rsvd = f"hugetlb.{limit.pagesize}.rsvd.limit_in_bytes"
            if fs.exists(path, rsvd):  # reservations: same limit, where the kernel has them
                fs.write(path, rsvd, limit.limit)

    def get_stats(self, path: str, stats) -> None:
        from libcontainer.cgroups.stats import HugetlbStats

        for size in page_sizes():
            prefix = f"hugetlb.{size}."
            if not fs.exists(path, prefix + "usage_in_bytes"):
                continue
            stats.hugetlb_stats[size] = HugetlbStats(
                usage=fs.read_uint(path, prefix + "usage_in_bytes"),
                max_usage=fs.read_uint(path, prefix + "max_usage_in_bytes"),
                failcnt=fs.read_uint(path, prefix + "failcnt"),
            )
