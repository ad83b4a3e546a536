"""ioprio_set(2) class and level for the container process (OCI ``process.ioPriority``)."""

from __future__ import annotations

from ..record import record

IOPRIO_CLASS_RT = "IOPRIO_CLASS_RT"
IOPRIO_CLASS_BE = "IOPRIO_CLASS_BE"
IOPRIO_CLASS_IDLE = "IOPRIO_CLASS_IDLE"

#: Class name -> kernel IOPRIO_CLASS_* number.
CLASSES: dict[str, int] = {IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3}


@record
class IOPriority:
    class_: str = ""
    #: 0 (highest) .. 7 (lowest) within the class.
    priority: int = 0

    def ioprio_value(self) -> int:
        """The packed value ioprio_set(2) takes: class << 13 | level."""
        return (CLASSES[self.class_] << 13) | self.priority
