"""The v1 pids controller: ``pids.max`` (a negative limit means "max", no limit)."""

from __future__ import annotations

from . import fscommon as fs
from .subsystem import Subsystem, res


class PidsGroup(Subsystem):
    name = "pids"

    def wants(self, r) -> bool:
        return bool(res(r, "pids_limit"))

    def set(self, path: str, r) -> None:
        limit = res(r, "pids_limit")
        if not limit:  # None keeps the current limit; runc treats 0 the same way
            return
        fs.write(path, "pids.max", "max" if int(limit) < 0 else int(limit))

    def get_stats(self, path: str, stats) -> None:
        try:
            stats.pids_stats.current = fs.read_uint(path, "pids.current")
        except FileNotFoundError:
            return
        text = fs.read(path, "pids.max").strip()
        stats.pids_stats.limit = 0 if text == "max" else fs.parse_uint(text)
