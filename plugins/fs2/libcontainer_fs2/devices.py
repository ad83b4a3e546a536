"""Device access on cgroup v2: the compiled filter attached to the container's cgroup.

Replacement is atomic from the container's point of view: the new program is attached next
to the old one (``BPF_F_ALLOW_MULTI``; with several programs a device must pass all of
them), and only then are the old ones detached. At no moment does the cgroup run without a
filter, and at no moment does it allow more than either rule set allows.

Errors are fatal unless ignoring them cannot widen access: in a user namespace bpf(2) is not
available at all, and a rule set that only allows rwm is what no filter would do anyway
(runc's canSkipEBPFError, from crun).
"""

from __future__ import annotations

import os
import resource

from libcontainer.userns import running_in_user_ns as running_in_userns

from .devicefilter import compile_rules


def _can_skip_error(r) -> bool:
    if running_in_userns():
        return True
    return all(d.allow and set(d.permissions) >= set("rwm") for d in r.devices or ())


def _raise_memlock() -> None:
    """Kernels before 5.11 charge BPF programs to RLIMIT_MEMLOCK; best effort, as runc."""
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
        resource.setrlimit(resource.RLIMIT_MEMLOCK, (hard, hard))
    except (OSError, ValueError):
        pass


def attached(path: str) -> list[int]:
    from . import bpf  # ctypes and platform: only when a filter is read or replaced

    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        return bpf.query(fd)
    finally:
        os.close(fd)


def replace_filter(path: str, insns: bytes) -> int:
    """Attach ``insns`` to ``path`` and detach whatever device programs were there; returns the
    new program's id (its fd is closed: the attachment keeps the program alive)."""
    from . import bpf  # ctypes and platform: only when a filter is read or replaced

    _raise_memlock()
    cg_fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        old_ids = bpf.query(cg_fd)
        old_fds = []
        try:
            for prog_id in old_ids:
                try:
                    old_fds.append(bpf.prog_fd_by_id(prog_id))
                except FileNotFoundError:
                    pass  # detached meanwhile
            prog_fd = bpf.load_device_program(insns)
            try:
                bpf.attach(cg_fd, prog_fd)
                new_ids = [i for i in bpf.query(cg_fd) if i not in old_ids]
                for fd in old_fds:
                    bpf.detach(cg_fd, fd)
            finally:
                os.close(prog_fd)
        finally:
            for fd in old_fds:
                os.close(fd)
        return new_ids[0] if new_ids else 0
    finally:
        os.close(cg_fd)


def set(path: str, r) -> None:  # noqa: A001
    if getattr(r, "skip_devices", False):
        return
    insns = compile_rules(r.devices)  # bad rules are refused before bpf(2) is called
    try:
        replace_filter(path, insns)
    except OSError:
        if not _can_skip_error(r):
            raise
