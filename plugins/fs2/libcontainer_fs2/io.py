"""The io controller: weights and throttles, and io.stat mapped onto the v1 blkio tables.

``blkio_weight`` goes to ``io.bfq.weight`` verbatim when the BFQ scheduler exposes it (same
10..1000 scale), else to ``io.weight`` through runc's linear conversion. Per-device weights
need a BFQ that accepts "MAJ:MIN WEIGHT" lines (kernel 5.4+): an older one reads back a bare
number and the per-device weights are skipped, as runc does.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import fscommon as fs
from .convert import blkio_weight_to_io_weight

CONTROLLER = "io"
THROTTLES = (
    ("blkio_throttle_read_bps_device", "rbps"),
    ("blkio_throttle_write_bps_device", "wbps"),
    ("blkio_throttle_read_iops_device", "riops"),
    ("blkio_throttle_write_iops_device", "wiops"),
)


def wanted(r) -> dict[str, str]:
    if getattr(r, "blkio_weight", 0):
        return {CONTROLLER: "cgroups.resources.blkio_weight"}
    for name in ("blkio_weight_device", *(t[0] for t in THROTTLES)):
        if getattr(r, name, None):
            return {CONTROLLER: f"cgroups.resources.{name}"}
    return {}


def validate(r) -> None:
    if r.blkio_weight:
        blkio_weight_to_io_weight(r.blkio_weight)  # raises on a value out of range
    for wd in r.blkio_weight_device:
        if wd.weight and not 1 <= wd.weight <= 1000:
            raise ConfigError("cgroups.resources.blkio_weight_device", "weight must be in [1, 1000]", wd.weight_string())
    for name, _key in THROTTLES:
        for td in getattr(r, name):
            if td.rate < 0 or td.major < 0 or td.minor < 0:
                raise ConfigError(f"cgroups.resources.{name}", "rates and device numbers cannot be negative", td.cgroup_string())


def _bfq_per_device(path: str) -> bool:
    """An io.bfq.weight reading back more than a bare number takes per-device lines."""
    try:
        text = fs.read(path, "io.bfq.weight").strip()
    except OSError:
        return False
    try:
        int(text)
        return False
    except ValueError:
        return True


def set(path: str, r) -> None:  # noqa: A001
    if not wanted(r):
        return
    validate(r)
    has_bfq = fs.exists(path, "io.bfq.weight")
    if r.blkio_weight:
        if has_bfq:
            fs.write(path, "io.bfq.weight", r.blkio_weight)
        else:
            fs.write(path, "io.weight", blkio_weight_to_io_weight(r.blkio_weight))
    if has_bfq and r.blkio_weight_device and _bfq_per_device(path):
        for wd in r.blkio_weight_device:
            fs.write(path, "io.bfq.weight", wd.weight_string())
    for name, key in THROTTLES:
        for td in getattr(r, name):
            fs.write(path, "io.max", f"{td.major}:{td.minor} {key}={td.rate}")


#: io.stat key -> (runc's op name, BlkioStats table).
_OPS = {
    "rbytes": ("Read", "io_service_bytes_recursive"),
    "wbytes": ("Write", "io_service_bytes_recursive"),
    "dbytes": ("Discard", "io_service_bytes_recursive"),
    "rios": ("Read", "io_serviced_recursive"),
    "wios": ("Write", "io_serviced_recursive"),
    "dios": ("Discard", "io_serviced_recursive"),
}


def stats(path: str, st) -> None:
    from libcontainer.cgroups.stats import BlkioStatEntry

    for dev, fields in fs.parse_nested_keyed(fs.read(path, "io.stat")).items():
        major, sep, minor = dev.partition(":")
        if not sep:
            continue
        for key, value in fields.items():
            if key not in _OPS:
                continue  # no v1 table for it
            op, table = _OPS[key]
            getattr(st.blkio_stats, table).append(
                BlkioStatEntry(major=int(major), minor=int(minor), op=op, value=int(value))
            )
