"""A freshly cloned init, or a process entering with ``exec``, moves itself into its cgroups.

Why itself: a v1 move by PID (``cgroup.procs``) takes the kernel's global threadgroup lock,
and the first taker after a quiet moment waits an RCU grace period (6-10 ms here) -- on
every container start and every exec. A single-threaded process writing "0" to a v1
``tasks`` file moves only itself and skips that lock (Linux 6.0). The runtime opens the
files (CgroupManager.join_files) before it clones; the child writes through the inherited
descriptors, so the opener's credentials are the ones the kernel checks.
"""

from __future__ import annotations

import os


def join(fds) -> bool:
    """Move ourselves into our cgroups through the ``tasks`` descriptors the parent opened.

    Called first thing in a freshly cloned, so single-threaded, process (a "0" written by
    one of several threads would move that thread alone). False when there is nothing to do.
    """
    for fd in fds:
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)
    return bool(fds)


def open_files(cgroup_manager, create: bool) -> list[int]:
    """Descriptors of the backend's ``join_files`` (the runtime's side), close-on-exec.

    ``create``: make the directories first (``apply(-1)``: a new init's cgroups); an exec
    joins cgroups that exist. [] -- a backend without such files, or one that cannot be
    opened (a cgroup that is gone) -- leaves the move to ``apply(pid)``.
    """
    files = getattr(cgroup_manager, "join_files", None) if cgroup_manager is not None else None
    paths = files() if files is not None else None
    if not paths:
        return []
    if create:
        cgroup_manager.apply(-1)
    fds: list[int] = []
    try:
        for path in paths:
            fds.append(os.open(path, os.O_WRONLY | os.O_CLOEXEC))
    except OSError:
        for fd in fds:
            os.close(fd)
        return []
    return fds
