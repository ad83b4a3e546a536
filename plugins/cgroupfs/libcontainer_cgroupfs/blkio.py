"""The v1 blkio controller: weights (CFQ's ``blkio.weight`` or BFQ's ``blkio.bfq.weight``),
per-device weights, throttling, and the per-device I/O counters.

Which weight file exists depends on the I/O schedulers the kernel has (CFQ is gone since
5.0; BFQ adds ``blkio.bfq.*``), so it is detected per cgroup as runc does. Stats come from
the richest family of files present: BFQ debug, BFQ, CFQ, throttle recursive, throttle.
"""

from __future__ import annotations

from . import fscommon as fs
from .subsystem import Subsystem, res

_THROTTLE = (
    ("blkio_throttle_read_bps_device", "blkio.throttle.read_bps_device"),
    ("blkio_throttle_write_bps_device", "blkio.throttle.write_bps_device"),
    ("blkio_throttle_read_iops_device", "blkio.throttle.read_iops_device"),
    ("blkio_throttle_write_iops_device", "blkio.throttle.write_iops_device"),
)

_BFQ_DEBUG = (
    ("blkio.bfq.sectors_recursive", "sectors_recursive"),
    ("blkio.bfq.io_service_time_recursive", "io_service_time_recursive"),
    ("blkio.bfq.io_wait_time_recursive", "io_wait_time_recursive"),
    ("blkio.bfq.io_merged_recursive", "io_merged_recursive"),
    ("blkio.bfq.io_queued_recursive", "io_queued_recursive"),
    ("blkio.bfq.time_recursive", "io_time_recursive"),
    ("blkio.bfq.io_serviced_recursive", "io_serviced_recursive"),
    ("blkio.bfq.io_service_bytes_recursive", "io_service_bytes_recursive"),
)
_BFQ = (
    ("blkio.bfq.io_serviced_recursive", "io_serviced_recursive"),
    ("blkio.bfq.io_service_bytes_recursive", "io_service_bytes_recursive"),
)
_CFQ = tuple((name.replace("blkio.bfq.", "blkio."), attr) for name, attr in _BFQ_DEBUG)
_THROTTLE_RECURSIVE = (
    ("blkio.throttle.io_serviced_recursive", "io_serviced_recursive"),
    ("blkio.throttle.io_service_bytes_recursive", "io_service_bytes_recursive"),
)
_THROTTLE_BASE = (
    ("blkio.throttle.io_serviced", "io_serviced_recursive"),
    ("blkio.throttle.io_service_bytes", "io_service_bytes_recursive"),
)
STAT_GROUPS = (_BFQ_DEBUG, _BFQ, _CFQ, _THROTTLE_RECURSIVE, _THROTTLE_BASE)


def weight_filenames(path: str) -> tuple[str, str]:
    if fs.exists(path, "blkio.weight"):
        return "blkio.weight", "blkio.weight_device"
    return "blkio.bfq.weight", "blkio.bfq.weight_device"


def parse_stat_file(path: str, name: str):
    """``maj:min [op] value`` lines; ``None`` if the file is missing or empty."""
    from libcontainer.cgroups.stats import BlkioStatEntry

    try:
        text = fs.read(path, name)
    except FileNotFoundError:
        return None
    entries = []
    for line in text.splitlines():
        fields = [f for f in line.replace(":", " ").split(" ") if f]  # re.split("[ :]") without re
        if len(fields) < 3:
            if len(fields) == 2 and fields[0] == "Total":
                continue
            raise ValueError(f"invalid line found while parsing {path}/{name}: {line}")
        op, value = ("", fields[2]) if len(fields) == 3 else (fields[2], fields[3])
        entries.append(BlkioStatEntry(int(fields[0]), int(fields[1]), op, int(value)))
    return entries or None


class BlkioGroup(Subsystem):
    name = "blkio"

    def wants(self, r) -> bool:
        return bool(
            res(r, "blkio_weight", 0) or res(r, "blkio_leaf_weight", 0)
            or res(r, "blkio_weight_device", None)
            or any(res(r, field, None) for field, _ in _THROTTLE)
        )

    def set(self, path: str, r) -> None:
        weight_file, weight_device_file = weight_filenames(path)
        weight = int(res(r, "blkio_weight", 0) or 0)
        if weight:
            fs.write(path, weight_file, weight)
        leaf = int(res(r, "blkio_leaf_weight", 0) or 0)
        if leaf:
            fs.write(path, "blkio.leaf_weight", leaf)
        for wd in res(r, "blkio_weight_device", None) or ():
            if wd.weight:
                fs.write(path, weight_device_file, wd.weight_string())
            if wd.leaf_weight:
                fs.write(path, "blkio.leaf_weight_device", wd.leaf_weight_string())
        for field, filename in _THROTTLE:
            for td in res(r, field, None) or ():
                fs.write(path, filename, td.cgroup_string())

    def get_stats(self, path: str, stats) -> None:
        target = stats.blkio_stats
        for group in STAT_GROUPS:
            for i, (filename, attr) in enumerate(group):
                entries = parse_stat_file(path, filename)
                if entries is None:
                    if i == 0:
                        break  # this family is absent (or idle): try the next one
                    return
                setattr(target, attr, entries)
                if i == len(group) - 1:
                    return
