"""Reading and writing cgroup v2 interface files.

Why a module of its own: every controller module needs the same three things -- a write that
names the file in its error (the kernel's bare EINVAL is useless to a user), a parser that
treats the token ``max`` as "no limit", and the two v2 file shapes (flat ``key value`` lines
and nested ``key k=v k=v`` lines such as io.stat).
"""

from __future__ import annotations

import errno
import os

from libcontainer.cgroups.fs import MAX_UINT64, exists, parse_uint, read, read_uint  # noqa: F401 - shared


def write(directory: str, name: str, value) -> None:
    """Write ``value`` to ``directory/name`` in one write(2); the error names file and value."""
    path = os.path.join(directory, name)
    data = str(value).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot open {path}: {exc.strerror}", path) from None
    try:
        os.write(fd, data)
    except OSError as exc:
        raise OSError(exc.errno, f"failed to write {str(value)!r} to {path}: {exc.strerror}", path) from None
    finally:
        os.close(fd)


def write_lines(directory: str, name: str, text: str) -> None:
    """Write a multi-line value one line per write(2) (the kernel parses one line per write)."""
    lines = [line for line in str(text).splitlines() if line.strip()] or [str(text)]
    for line in lines:
        write(directory, name, line)


def parse_flat_keyed(text: str) -> dict[str, int]:
    """``key value`` lines (memory.stat, cpu.stat, memory.events, cgroup.events)."""
    out: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            try:
                out[parts[0]] = parse_uint(parts[1])
            except ValueError:
                continue
    return out


def read_flat_keyed(directory: str, name: str) -> dict[str, int]:
    return parse_flat_keyed(read(directory, name))


def value_by_key(directory: str, name: str, key: str) -> int:
    """One field of a flat-keyed file, 0 if the file lacks it (runc's GetValueByKey)."""
    return read_flat_keyed(directory, name).get(key, 0)


def parse_nested_keyed(text: str) -> dict[str, dict[str, str]]:
    """``key k=v k=v`` lines (io.stat, rdma.current, io.max) -> key -> {k: v}."""
    out: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        fields = {}
        for item in parts[1:]:
            k, sep, v = item.partition("=")
            if sep:
                fields[k] = v
        out[parts[0]] = fields
    return out


def missing(exc: OSError) -> bool:
    return exc.errno == errno.ENOENT
