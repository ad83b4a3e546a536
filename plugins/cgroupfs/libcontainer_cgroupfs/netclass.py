"""The v1 net_cls (packet class id) and net_prio (per-interface priority) controllers."""

from __future__ import annotations

from . import fscommon as fs
from .subsystem import Subsystem, res


class NetClsGroup(Subsystem):
    name = "net_cls"

    def wants(self, r) -> bool:
        return bool(res(r, "net_cls_classid", 0))

    def set(self, path: str, r) -> None:
        classid = int(res(r, "net_cls_classid", 0) or 0)
        if classid:
            fs.write(path, "net_cls.classid", classid)


class NetPrioGroup(Subsystem):
    name = "net_prio"

    def wants(self, r) -> bool:
        return bool(res(r, "net_prio_ifpriomap", None))

    def set(self, path: str, r) -> None:
        for prio in res(r, "net_prio_ifpriomap", None) or ():
            fs.write(path, "net_prio.ifpriomap", prio.cgroup_string())
