"""Clock offsets for a new time namespace (written to /proc/self/timens_offsets)."""

from __future__ import annotations

from ..record import record

#: Clocks a time namespace can offset (keys of ``Config.time_offsets``).
CLOCKS = ("monotonic", "boottime")


@record
class TimeOffset:
    secs: int = 0
    nanosecs: int = 0
