"""The v1 cpuset controller.

A new cpuset cgroup starts with empty ``cpus`` and ``mems`` and refuses tasks until both are
set, so before the first task joins each directory gets the configured values or, failing
those, its parent's (copied level by level from the first non-empty ancestor, as runc's
``ensureParent`` does — inheriting only where empty keeps ``cpu_exclusive`` siblings valid).
"""

from __future__ import annotations

import os

from . import fscommon as fs
from .subsystem import Subsystem, res

_INT_FILES = (
    ("cpu_exclusive", "cpuset.cpu_exclusive"),
    ("mem_hardwall", "cpuset.mem_hardwall"),
    ("mem_exclusive", "cpuset.mem_exclusive"),
    ("memory_migrate", "cpuset.memory_migrate"),
    ("memory_spread_page", "cpuset.memory_spread_page"),
    ("memory_spread_slab", "cpuset.memory_spread_slab"),
    ("memory_pressure", "cpuset.memory_pressure"),
    ("sched_load_balance", "cpuset.sched_load_balance"),
)


def copy_if_empty(path: str) -> None:
    """Fill empty cpus/mems of ``path`` from its parent, filling the parent first."""
    parent = os.path.dirname(path)
    for name in ("cpuset.cpus", "cpuset.mems"):
        if fs.read(path, name).strip():
            continue
        value = fs.read(parent, name).strip()
        if not value:
            copy_if_empty(parent)
            value = fs.read(parent, name).strip()
        fs.write(path, name, value)


class CpusetGroup(Subsystem):
    name = "cpuset"

    def wants(self, r) -> bool:
        return bool(res(r, "cpuset_cpus", "") or res(r, "cpuset_mems", ""))

    def prepare(self, path: str, r) -> None:
        # Ancestors first (a child's sets must be subsets of its parent's), then the
        # configured sets, then inherit whatever is still empty.
        parent = os.path.dirname(path)
        if os.path.exists(os.path.join(os.path.dirname(parent), "cpuset.cpus")):
            copy_if_empty(parent)
        self.set(path, r)
        copy_if_empty(path)

    def set(self, path: str, r) -> None:
        cpus = res(r, "cpuset_cpus", "")
        if cpus:
            fs.write(path, "cpuset.cpus", cpus)
        mems = res(r, "cpuset_mems", "")
        if mems:
            fs.write(path, "cpuset.mems", mems)

    def get_stats(self, path: str, stats) -> None:
        cs = stats.cpuset_stats
        try:
            cs.cpus = fs.parse_list(fs.read(path, "cpuset.cpus"))
        except FileNotFoundError:
            return
        cs.mems = fs.parse_list(fs.read(path, "cpuset.mems"))
        for attr, name in _INT_FILES:
            try:
                setattr(cs, attr, fs.read_uint(path, name))
            except FileNotFoundError:
                pass
        try:
            cs.sched_relax_domain_level = int(fs.read(path, "cpuset.sched_relax_domain_level"))
        except FileNotFoundError:
            pass
