"""Intel RDT (resctrl) group settings."""

from __future__ import annotations

from ..record import field, record


@record
class IntelRdt:
    #: resctrl group name; "" means a group named after the container.
    clos_id: str = ""
    #: Raw lines for the group's ``schemata`` file.
    schemata: list[str] = field(default_factory=list)
    l3_cache_schema: str = ""
    mem_bw_schema: str = ""
    enable_monitoring: bool = False
