"""The v1 rdma controller: per-HCA-device handle and object limits in ``rdma.max``."""

from __future__ import annotations

from . import fscommon as fs
from .subsystem import Subsystem, res


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
