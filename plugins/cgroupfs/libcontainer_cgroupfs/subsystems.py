"""The v1 subsystems the manager drives, in runc's order (``fs.subsystems``).

Order matters: cpuset is filled before anything joins, devices are restricted before the
limits that a process could otherwise race, and the freezer comes last so that ``set`` with
``freezer: FROZEN`` freezes a fully configured cgroup.
"""

from __future__ import annotations

from . import fscommon as fs
from .blkio import BlkioGroup
from .cpu import CpuGroup
from .cpuacct import CpuacctGroup
from .cpuset import CpusetGroup
from .devices import DevicesGroup
from .freezer import FreezerGroup
from .hugetlb import HugetlbGroup
from .memory import MemoryGroup
from .netclass import NetClsGroup, NetPrioGroup
from .pids import PidsGroup
from .subsystem import Subsystem, res


class NamedGroup(Subsystem):
    """A hierarchy joined for bookkeeping only (perf_event, misc, name=systemd)."""

    def __init__(self, name: str):
        self.name = name


class RdmaGroup(Subsystem):
    name = "rdma"

    def wants(self, r) -> bool:
        return bool(res(r, "rdma", None))

    def set(self, path: str, r) -> None:
        for device, limits in sorted((res(r, "rdma", None) or {}).items()):
            line = device
            if limits.hca_handles is not None:
                line += f" hca_handle={limits.hca_handles}"
            if limits.hca_objects is not None:
                line += f" hca_object={limits.hca_objects}"
            fs.write(path, "rdma.max", line)


SUBSYSTEMS: tuple[Subsystem, ...] = (
    CpusetGroup(), DevicesGroup(), MemoryGroup(), CpuGroup(), CpuacctGroup(), PidsGroup(),
    BlkioGroup(), HugetlbGroup(), NetClsGroup(), NetPrioGroup(), NamedGroup("perf_event"),
    FreezerGroup(), RdmaGroup(), NamedGroup("misc"), NamedGroup("name=systemd"),
)
BY_NAME = {s.name: s for s in SUBSYSTEMS}
