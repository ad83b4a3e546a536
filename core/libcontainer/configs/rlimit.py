"""Resource limits applied with setrlimit(2) in the container's init."""

from __future__ import annotations

from ..record import record

#: Linux RLIMIT_* numbers, keyed by the OCI spelling (specconv maps names through this).
RLIMIT_TYPES: dict[str, int] = {
    "RLIMIT_CPU": 0,
    "RLIMIT_FSIZE": 1,
    "RLIMIT_DATA": 2,
    "RLIMIT_STACK": 3,
    "RLIMIT_CORE": 4,
    "RLIMIT_RSS": 5,
    "RLIMIT_NPROC": 6,
    "RLIMIT_NOFILE": 7,
    "RLIMIT_MEMLOCK": 8,
    "RLIMIT_AS": 9,
    "RLIMIT_LOCKS": 10,
    "RLIMIT_SIGPENDING": 11,
    "RLIMIT_MSGQUEUE": 12,
    "RLIMIT_NICE": 13,
    "RLIMIT_RTPRIO": 14,
    "RLIMIT_RTTIME": 15,
}

#: ``RLIM_INFINITY`` as the kernel (and runc's uint64 fields) spell it.
RLIM_INFINITY = 0xFFFFFFFFFFFFFFFF


@record
class Rlimit:
    """``type`` is the kernel's numeric RLIMIT_* (runc stores the number, not the name)."""

    type: int = 0
    hard: int = 0
    soft: int = 0


def rlimit_number(name) -> int:
    """An Rlimit's type as setrlimit(2) takes it: a number, or a name like RLIMIT_NOFILE."""
    if isinstance(name, int):
        return name
    try:
        return RLIMIT_TYPES[name]
    except KeyError:
        raise ValueError(f"unknown rlimit type {name!r}") from None
