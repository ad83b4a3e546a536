"""Filesystem helpers both cgroup backends (v1 cgroupfs, v2 fs2) need alike."""

from __future__ import annotations

import errno
import os
import time


def rmdir_tree(path: str, deadline: float) -> None:
    """Remove ``path`` and the cgroups nested in it, children first.

    A cgroup whose last task is still exiting refuses rmdir with EBUSY for a moment: retry
    with a growing delay until ``deadline`` (a time.monotonic() value), then give up loudly.
    """
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
