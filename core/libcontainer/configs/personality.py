"""personality(2) execution domain for the container process."""

from __future__ import annotations

from ..record import record

PER_LINUX = 0x0000
PER_LINUX32 = 0x0008

#: OCI domain names -> personality(2) values.
DOMAINS: dict[str, int] = {"LINUX": PER_LINUX, "LINUX32": PER_LINUX32}


@record
class LinuxPersonality:
    domain: int = PER_LINUX


#: Short alias used across this code base.
Personality = LinuxPersonality
