"""Seccomp filter description (compiled into BPF by the seccomp plugin).

Actions and operators are runc's integer enums, because that is what state.json holds.
"""

from __future__ import annotations

from ..consts import IntConst
from ..record import field, record


class Action(IntConst):
    KILL = 1
    ERRNO = 2
    TRAP = 3
    ALLOW = 4
    TRACE = 5
    LOG = 6
    NOTIFY = 7
    KILL_THREAD = 8
    KILL_PROCESS = 9


class Operator(IntConst):
    EQUAL_TO = 1
    NOT_EQUAL_TO = 2
    GREATER_THAN = 3
    GREATER_THAN_OR_EQUAL_TO = 4
    LESS_THAN = 5
    LESS_THAN_OR_EQUAL_TO = 6
    MASK_EQUAL_TO = 7


#: OCI action names -> runc actions (used by specconv).
ACTIONS_BY_OCI_NAME: dict[str, Action] = {
    "SCMP_ACT_KILL": Action.KILL,
    "SCMP_ACT_ERRNO": Action.ERRNO,
    "SCMP_ACT_TRAP": Action.TRAP,
    "SCMP_ACT_ALLOW": Action.ALLOW,
    "SCMP_ACT_TRACE": Action.TRACE,
    "SCMP_ACT_LOG": Action.LOG,
    "SCMP_ACT_NOTIFY": Action.NOTIFY,
    "SCMP_ACT_KILL_THREAD": Action.KILL_THREAD,
    "SCMP_ACT_KILL_PROCESS": Action.KILL_PROCESS,
}

#: OCI operator names -> runc operators (used by specconv).
OPERATORS_BY_OCI_NAME: dict[str, Operator] = {
    "SCMP_CMP_EQ": Operator.EQUAL_TO,
    "SCMP_CMP_NE": Operator.NOT_EQUAL_TO,
    "SCMP_CMP_GT": Operator.GREATER_THAN,
    "SCMP_CMP_GE": Operator.GREATER_THAN_OR_EQUAL_TO,
    "SCMP_CMP_LT": Operator.LESS_THAN,
    "SCMP_CMP_LE": Operator.LESS_THAN_OR_EQUAL_TO,
    "SCMP_CMP_MASKED_EQ": Operator.MASK_EQUAL_TO,
}

#: Filter flags runc knows how to pass to seccomp(2).
KNOWN_FLAGS: tuple[str, ...] = (
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
)


@record
class Arg:
    index: int = 0
    value: int = 0
    value_two: int = 0
    op: int = Operator.EQUAL_TO


@record
class Syscall:
    name: str = ""
    action: int = Action.ALLOW
    #: errno for ERRNO/TRACE actions; ``None`` lets the filter pick EPERM.
    errno_ret: int | None = None
    args: list[Arg] = field(default_factory=list)


@record
class Seccomp:
    default_action: int = Action.ALLOW
    architectures: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    syscalls: list[Syscall] = field(default_factory=list)
    default_errno_ret: int | None = None
    #: Unix socket to send the notify fd to (SCMP_ACT_NOTIFY), and opaque data for it.
    listener_path: str = ""
    listener_metadata: str = ""
