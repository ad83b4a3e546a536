"""Reading and writing cgroup v1 files (runc's ``cgroups/fscommon`` and ``cgroups.WriteFile``).

Kept apart from the subsystems so that every write error names the file and the value
(runc's wording: ``failed to write "500" to "/sys/.../cpu.shares"``), and every read parses
values the way runc does (``max`` is the largest uint64, a negative number reads as 0).
"""

from __future__ import annotations

import os

from libcontainer.cgroups.fs import MAX_UINT64, exists, parse_uint, read, read_uint  # noqa: F401 - shared


class CgroupWriteError(OSError):
    """A write to a cgroup file failed; keeps the errno so callers can branch on it."""


def write(directory: str, name: str, value) -> None:
    path = os.path.join(directory, name)
    data = str(value)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC | os.O_TRUNC)
    except OSError as exc:
        raise CgroupWriteError(exc.errno, f"failed to write {data!r}: {exc.strerror}", path) from None
    try:
        os.write(fd, data.encode())
    except OSError as exc:
        raise CgroupWriteError(exc.errno, f"failed to write {data!r}: {exc.strerror}", path) from None
    finally:
        os.close(fd)


def read_key_values(directory: str, name: str) -> dict[str, int]:
    """A flat ``key value`` file (memory.stat, cpu.stat, cpuacct.stat)."""
    out: dict[str, int] = {}
    for line in read(directory, name).splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0]] = parse_uint(parts[1])
    return out


def parse_list(text: str) -> list[int]:
    """A cpuset list (``0-3,7``) as the list of numbers it names."""
    out: list[int] = []
    for part in text.strip().split(","):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(part))
    return out
