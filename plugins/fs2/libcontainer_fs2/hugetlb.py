"""The hugetlb controller: hugetlb.<size>.max (and .rsvd.max where the kernel has it).

Page sizes are the kernel's names ("2MB", "1GB"), derived from /sys/kernel/mm/hugepages;
a size the machine lacks is refused before anything is written.
"""

from __future__ import annotations

import os

from libcontainer.errors import ConfigError

from . import fscommon as fs

CONTROLLER = "hugetlb"
HUGEPAGES_DIR = "/sys/kernel/mm/hugepages"


def _name(kib: int) -> str:
    for unit, size in (("GB", 1 << 20), ("MB", 1 << 10)):
        if kib >= size and kib % size == 0:
            return f"{kib // size}{unit}"
    return f"{kib}KB"


def page_sizes(directory: str = HUGEPAGES_DIR) -> list[str]:
    """The machine's huge page sizes in the kernel's cgroup naming ("2MB", "1GB")."""
    try:
        entries = os.listdir(directory)
    except FileNotFoundError:
        return []
    sizes = []
    for e in entries:
        if e.startswith("hugepages-") and e.endswith("kB"):
            sizes.append((int(e[len("hugepages-"):-2]), e))
    return [_name(kib) for kib, _e in sorted(sizes)]


def wanted(r) -> dict[str, str]:
    return {CONTROLLER: "cgroups.resources.hugetlb_limit"} if getattr(r, "hugetlb_limit", None) else {}


def set(path: str, r, sizes: list[str] | None = None) -> None:  # noqa: A001
    if not wanted(r):
        return
    known = page_sizes() if sizes is None else sizes
    for h in r.hugetlb_limit:
        if h.pagesize not in known:
            raise ConfigError(
                "cgroups.resources.hugetlb_limit", f"huge page size not supported here (have {', '.join(known) or 'none'})", h.pagesize
            )
        if h.limit < 0:
            raise ConfigError("cgroups.resources.hugetlb_limit", "limit cannot be negative", h.limit)
    skip_rsvd = False
    for h in r.hugetlb_limit:
        prefix = f"hugetlb.{h.pagesize}"
        fs.write(path, f"{prefix}.max", h.limit)
        if skip_rsvd:
            continue
        try:
            fs.write(path, f"{prefix}.rsvd.max", h.limit)
        except FileNotFoundError:
            skip_rsvd = True  # kernels before 5.7 have no reservation accounting


def stats(path: str, st, sizes: list[str] | None = None) -> None:
    from libcontainer.cgroups.stats import HugetlbStats

    for size in page_sizes() if sizes is None else sizes:
        prefix = f"hugetlb.{size}"
        try:
            try:
                usage = fs.read_uint(path, f"{prefix}.rsvd.current")
            except FileNotFoundError:
                usage = fs.read_uint(path, f"{prefix}.current")
        except FileNotFoundError:
            continue  # controller not enabled here
        failcnt = 0
        try:
            failcnt = fs.value_by_key(path, f"{prefix}.events", "max")
        except FileNotFoundError:
            pass
        st.hugetlb_stats[size] = HugetlbStats(usage=usage, failcnt=failcnt)
