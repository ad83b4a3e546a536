"""Applying a process's five capability sets, the way runc's finalizeNamespace does.

The order matters and is runc's:

1. the bounding set is cut first, while we still hold CAP_SETPCAP (dropping from the
   bounding set needs it, and the user change below may lose it);
2. PR_SET_KEEPCAPS is set around the change of uid, because setuid(2) from root to a
   non-root uid otherwise empties the permitted set, and the configured permitted set
   could no longer be granted;
3. after the user change keepcaps is cleared again and capset(2) installs exactly the
   effective, permitted and inheritable sets;
4. the ambient set is cleared and each configured capability raised (it must be in both
   permitted and inheritable, so this comes last); a kernel without ambient capabilities
   only earns a warning, as in runc.

Capability names that this kernel does not have (above /proc/sys/kernel/cap_last_cap) or
that nobody knows are ignored with one warning listing them, as runc does, so that one
config works across kernels.
"""

from __future__ import annotations

import errno
import sys

from . import syscalls
from .record import record  # dataclasses' API without its ~25 ms of imports
from .syscalls import (
    PR_CAP_AMBIENT,
    PR_CAP_AMBIENT_CLEAR_ALL,
    PR_CAP_AMBIENT_RAISE,
    PR_CAPBSET_DROP,
    PR_SET_KEEPCAPS,
)


def _warn(msg: str, *args) -> None:
    """``logging.getLogger(__name__).warning(msg, *args)`` without importing logging.

    These warnings come from the init, where an import could search a joined mount
    namespace or the container's files, and importing logging up front would cost every
    runtime ~10 ms. If logging was never imported, no handler was ever set up either: its
    last-resort handler would have written just the message to stderr, or, under the CLI,
    the CLI's log hook would have sent it to the CLI's log. That is what happens instead.
    """
    logging = sys.modules.get("logging")
    if logging is not None:
        logging.getLogger(__name__).warning(msg, *args)
        return
    text = msg % args
    cli_log = sys.modules.get("libcontainer.cli.log")
    if cli_log is not None:
        cli_log.warning(text)
    elif sys.stderr is not None:
        sys.stderr.write(text + "\n")


#: capability numbers (linux/capability.h); the kernel decides which of them exist
CAPABILITY_NUMBERS: dict[str, int] = {
    name: i for i, name in enumerate((
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"))
}
CAP_SETPCAP = CAPABILITY_NUMBERS["CAP_SETPCAP"]


def last_cap(sc=None) -> int:
    """The highest capability number the running kernel knows."""
    sc = sc or syscalls.get()
    try:
        return int(sc.cap_last_cap())
    except (OSError, AttributeError):
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())


def to_mask(names, last: int, unknown: set[str]) -> int:
    mask = 0
    for name in names or ():
        number = CAPABILITY_NUMBERS.get(name)
        if number is None or number > last:
            unknown.add(name)
            continue
        mask |= 1 << number
    return mask


@record
class CapSets:
    """The five sets as bit masks over capability numbers 0..last."""

    bounding: int = 0
    effective: int = 0
    permitted: int = 0
    inheritable: int = 0
    ambient: int = 0
    last: int = 40
    #: names that were ignored (unknown or unavailable here)
    unknown: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, caps, last: int | None = None) -> CapSets:
        last = last_cap() if last is None else last
        unknown: set[str] = set()
        out = cls(
            bounding=to_mask(caps.bounding, last, unknown),
            effective=to_mask(caps.effective, last, unknown),
            permitted=to_mask(caps.permitted, last, unknown),
            inheritable=to_mask(caps.inheritable, last, unknown),
            ambient=to_mask(caps.ambient, last, unknown),
            last=last,
            unknown=tuple(sorted(unknown)),
        )
        if out.unknown:
            _warn("ignoring unknown or unavailable capabilities: [%s]", " ".join(out.unknown))
        return out

    # -- steps, in runc's order ------------------------------------------------------------
    def apply_bounding(self, sc=None) -> None:
        """Drop every capability that is not in the bounding set.

        Without CAP_SETPCAP in the effective set the kernel refuses every drop, and runc
        then leaves the bounding set as it is; EINVAL (a number the kernel lacks) is skipped.
        """
        sc = sc or syscalls.get()
        effective, _, _ = sc.capget(0)
        if not effective & (1 << CAP_SETPCAP):
            return
        for number in range(self.last + 1):
            if self.bounding & (1 << number):
                continue
            try:
                sc.prctl(PR_CAPBSET_DROP, number)
            except OSError as e:
                if e.errno != errno.EINVAL:
                    raise OSError(e.errno, f"dropping capability {number} from the bounding set: {e.strerror}") from None

    def apply_caps(self, sc=None) -> None:
        """capset(2) the three process sets, then the ambient set."""
        sc = sc or syscalls.get()
        try:
            sc.capset(self.effective, self.permitted, self.inheritable)
        except OSError as e:
            raise OSError(e.errno, f"capset: {e.strerror}") from None
        self.apply_ambient(sc)

    def apply_ambient(self, sc) -> None:
        try:
            sc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0)
        except OSError as e:
            _warn("can't clear ambient capabilities: %s", e)
            return
        for number in range(self.last + 1):
            if self.ambient & (1 << number):
                try:
                    sc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, number)
                except OSError as e:
                    _warn("can't raise ambient capability %s: %s", name_of(number), e.strerror)


def name_of(number: int) -> str:
    for name, n in CAPABILITY_NUMBERS.items():
        if n == number:
            return name
    return str(number)


def for_process(config, process):
    """The capabilities to apply: the process's own, else the config's; ``None`` when
    neither sets any (then the process keeps what it has, as runc's nil Capabilities)."""
    caps = getattr(process, "capabilities", None) or config.capabilities
    if caps is None:
        return None
    if isinstance(caps, dict):  # a Process built from JSON-ish input
        from .configs.capabilities import Capabilities

        caps = Capabilities(**{k.lower(): list(v or ()) for k, v in caps.items()})
    return CapSets.from_config(caps)


def keep_caps(sc, on: bool) -> None:
    """PR_SET_KEEPCAPS around setuid(2): keep the permitted set across the user change."""
    sc.prctl(PR_SET_KEEPCAPS, 1 if on else 0)
