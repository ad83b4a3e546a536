"""sched_setattr(2) attributes for the container process (OCI ``process.scheduler``)."""

from __future__ import annotations

from ..record import field, record

SCHED_OTHER = "SCHED_OTHER"
SCHED_FIFO = "SCHED_FIFO"
SCHED_RR = "SCHED_RR"
SCHED_BATCH = "SCHED_BATCH"
SCHED_ISO = "SCHED_ISO"
SCHED_IDLE = "SCHED_IDLE"
SCHED_DEADLINE = "SCHED_DEADLINE"

#: Policy name -> kernel policy number.
POLICIES: dict[str, int] = {
    SCHED_OTHER: 0,
    SCHED_FIFO: 1,
    SCHED_RR: 2,
    SCHED_BATCH: 3,
    SCHED_ISO: 4,
    SCHED_IDLE: 5,
    SCHED_DEADLINE: 6,
}

#: Flag name -> sched_attr.sched_flags bit.
FLAGS: dict[str, int] = {
    "SCHED_FLAG_RESET_ON_FORK": 0x01,
    "SCHED_FLAG_RECLAIM": 0x02,
    "SCHED_FLAG_DL_OVERRUN": 0x04,
    "SCHED_FLAG_KEEP_POLICY": 0x08,
    "SCHED_FLAG_KEEP_PARAMS": 0x10,
    "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20,
    "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40,
}


@record
class Scheduler:
    policy: str = ""
    nice: int = 0
    priority: int = 0
    flags: list[str] = field(default_factory=list)
    #: SCHED_DEADLINE parameters, nanoseconds.
    runtime: int = 0
    deadline: int = 0
    period: int = 0

    def policy_number(self) -> int:
        """Kernel policy number; KeyError for a name validation should have refused."""
        return POLICIES[self.policy]

    def flag_bits(self) -> int:
        bits = 0
        for name in self.flags:
            bits |= FLAGS[name]
        return bits
