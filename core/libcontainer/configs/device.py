"""Device nodes created in the container and cgroup device access rules.

runc keeps the type as a Go rune, so JSON carries its code point (99 for 'c'); here it is
a one-letter string, which is what every caller actually compares against.
"""

from __future__ import annotations

from ..record import record

#: Matches any major or minor number in a rule.
WILDCARD = -1

WILDCARD_DEVICE = "a"
BLOCK_DEVICE = "b"
CHAR_DEVICE = "c"
FIFO_DEVICE = "p"

DEVICE_TYPES = (WILDCARD_DEVICE, BLOCK_DEVICE, CHAR_DEVICE, FIFO_DEVICE)

#: Letters allowed in ``permissions`` (read, write, mknod).
PERMISSION_LETTERS = "rwm"


def _num(n: int) -> str:
    return "*" if n == WILDCARD else str(n)


@record
class DeviceRule:
    """One cgroup device rule (runc's ``devices.Rule``); -1 major/minor is a wildcard."""

    type: str = WILDCARD_DEVICE
    major: int = WILDCARD
    minor: int = WILDCARD
    permissions: str = ""
    allow: bool = False

    def cgroup_string(self) -> str:
        """The devices.allow/devices.deny line, e.g. ``c 1:3 rwm`` or ``a *:* rwm``."""
        if self.type == WILDCARD_DEVICE and self.major == WILDCARD and self.minor == WILDCARD:
            return f"a *:* {self.permissions}" if self.permissions else "a"
        return f"{self.type} {_num(self.major)}:{_num(self.minor)} {self.permissions}"

    def is_valid_permissions(self) -> bool:
        p = self.permissions
        return all(c in PERMISSION_LETTERS for c in p) and len(set(p)) == len(p)

    def is_valid_type(self) -> bool:
        return self.type in DEVICE_TYPES

    def is_wildcard(self) -> bool:
        return self.type == WILDCARD_DEVICE


@record
class Device(DeviceRule):
    """A node to mknod in the container (runc's ``devices.Device``: a Rule plus a path).

    ``file_mode`` holds permission bits only; the node type comes from ``type``.
    """

    path: str = ""
    file_mode: int = 0
    uid: int = 0
    gid: int = 0

    def rule(self) -> DeviceRule:
        return DeviceRule(self.type, self.major, self.minor, self.permissions, self.allow)

    def mkdev(self) -> int:
        """``dev_t`` for mknod(2); wildcards are meaningless for a node and map to 0."""
        import os

        return os.makedev(max(self.major, 0), max(self.minor, 0))
