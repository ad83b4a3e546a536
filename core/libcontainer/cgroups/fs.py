"""Filesystem helpers both cgroup backends (v1 cgroupfs, v2 fs2) need alike: reading cgroup
files the way runc parses them, moving a process in, and removing cgroup trees."""

from __future__ import annotations

import errno
import os
import time

#: runc's ``math.MaxUint64``: what ``max`` (no limit) reads as.
MAX_UINT64 = (1 << 64) - 1


def read(directory: str, name: str) -> str:
    """The file's text. Three system calls where open() takes nine (fstat, an ioctl and
    two lseeks for the buffered text layer): a container's creation reads a dozen."""
    fd = os.open(os.path.join(directory, name), os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks).decode()
            chunks.append(chunk)
    finally:
        os.close(fd)


def exists(directory: str, name: str) -> bool:
    return os.path.exists(os.path.join(directory, name))


def parse_uint(text: str) -> int:
    """runc's ``fscommon.ParseUint``: ``max`` and overflow clamp; a negative counter (seen on
    some kernels) reads as 0."""
    text = text.strip()
    if text == "max":
        return MAX_UINT64
    value = int(text)
    if value < 0:
        return 0
    return min(value, MAX_UINT64)


def read_uint(directory: str, name: str) -> int:
    text = read(directory, name).strip()
    try:
        return parse_uint(text)
    except ValueError:
        raise ValueError(f"unable to parse {text!r} as a uint from Cgroup file {os.path.join(directory, name)}") from None


def enter(path: str, pid: int, write) -> None:
    """Write ``pid`` to ``path``/cgroup.procs with the backend's ``write``; EINVAL can be
    transient while the task is mid-exit or still being forked: a few retries."""
    for attempt in range(5):
        try:
            write(path, "cgroup.procs", pid)
            return
        except OSError as exc:
            if exc.errno != errno.EINVAL or attempt == 4:
                raise
            time.sleep(0.03)


def rmdir_tree(path: str, deadline: float) -> None:
    """Remove ``path`` and the cgroups nested in it, children first.

    A cgroup whose last task is still exiting refuses rmdir with EBUSY for a moment: retry
    with a growing delay until ``deadline`` (a time.monotonic() value), then give up loudly.
    """
    try:
        os.rmdir(path)  # the common case: a leaf, its tasks gone
        return
    except FileNotFoundError:
        return
    except OSError as exc:
        if exc.errno not in (errno.EBUSY, errno.ENOTEMPTY):
            raise
    try:
        entries = [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return
    for sub in entries:
        rmdir_tree(sub, deadline)
    delay = 0.01
    while True:
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
