"""Reading /proc/self/mountinfo: the kernel's own account of what is mounted where.

The rootfs code asks it three questions runc also asks it: which mount is the rootfs's
parent (and is it shared), where are the host's cgroup v1 hierarchies, and which full
procfs/sysfs mounts must be hidden before a no-pivot chroot.
"""

from __future__ import annotations

from ..record import record

_OCTAL_DIGITS = frozenset("01234567")


def _unescape(field: str) -> str:
    """Undo the kernel's escapes: space, tab, newline and backslash are written as \\ooo.

    What ``re.sub(r"\\\\([0-7]{3})", ...)`` did, without importing re (the init reads
    mountinfo, and the runtime that clones it need not load re for that).
    """
    if "\\" not in field:
        return field
    out = []
    start = 0
    i = field.find("\\")
    while i != -1:
        digits = field[i + 1:i + 4]
        if len(digits) == 3 and _OCTAL_DIGITS.issuperset(digits):
            out.append(field[start:i])
            out.append(chr(int(digits, 8)))
            start = i + 4
            i = field.find("\\", start)
        else:
            i = field.find("\\", i + 1)
    out.append(field[start:])
    return "".join(out)


@record
class MountInfo:
    mount_id: int
    parent_id: int
    root: str
    mountpoint: str
    options: str
    optional: list[str]
    fstype: str
    source: str
    super_options: str

    def is_shared(self) -> bool:
        return any(o.startswith("shared:") for o in self.optional)


def parse_line(line: str) -> MountInfo:
    fields = line.split()
    sep = fields.index("-", 6)
    return MountInfo(
        mount_id=int(fields[0]),
        parent_id=int(fields[1]),
        root=_unescape(fields[3]),
        mountpoint=_unescape(fields[4]),
        options=fields[5],
        optional=fields[6:sep],
        fstype=fields[sep + 1],
        source=_unescape(fields[sep + 2]) if len(fields) > sep + 2 else "",
        super_options=fields[sep + 3] if len(fields) > sep + 3 else "",
    )


def parse(text: str) -> list[MountInfo]:
    return [parse_line(line) for line in text.splitlines() if line.strip()]


def read(path: str = "/proc/self/mountinfo") -> list[MountInfo]:
    with open(path) as f:
        return parse(f.read())


def is_under(path: str, prefix: str) -> bool:
    """Path-wise prefix: /a/b is under /a, /ab is not."""
    prefix = prefix.rstrip("/") or "/"
    return prefix == "/" or path == prefix or path.startswith(prefix + "/")


def parent_mount(path: str, mounts: list[MountInfo]) -> MountInfo | None:
    """The mount whose mountpoint is the longest prefix of ``path`` (the last one wins ties:
    that is the one on top)."""
    best = None
    for m in mounts:
        if is_under(path, m.mountpoint) and (best is None or len(m.mountpoint) >= len(best.mountpoint)):
            best = m
    return best
