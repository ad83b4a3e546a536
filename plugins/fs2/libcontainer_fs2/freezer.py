"""Freezing through ``cgroup.freeze``, confirmed by ``frozen 1`` in ``cgroup.events``.

Writing 1 only *requests* the freeze: tasks stop at their next return to user space, so the
call waits until the kernel reports the whole cgroup frozen. The wait polls cgroup.events
(which wakes POLLPRI on change) with a short timeout, so a missed wake-up costs 10 ms.
"""

from __future__ import annotations

import errno
import os
import select
import time

from libcontainer.cgroups.manager import FreezerState

from . import fscommon as fs

TIMEOUT = 10.0


def get_state(path: str) -> FreezerState:
    try:
        text = fs.read(path, "cgroup.freeze").strip()
    except FileNotFoundError:
        return FreezerState.UNDEFINED  # no freezer (the root cgroup, or a pre-5.2 kernel)
    if text == "0":
        return FreezerState.THAWED
    if text == "1":
        return FreezerState.FROZEN if _frozen(path) else FreezerState.THAWED
    raise OSError(errno.EINVAL, f"unknown cgroup.freeze state: {text!r}")


def _frozen(path: str) -> bool:
    return fs.value_by_key(path, "cgroup.events", "frozen") == 1


def wait_frozen(path: str, want: bool, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    fd = os.open(os.path.join(path, "cgroup.events"), os.O_RDONLY | os.O_CLOEXEC)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLPRI | select.POLLERR)
        while True:
            os.lseek(fd, 0, os.SEEK_SET)
            events = fs.parse_flat_keyed(os.read(fd, 4096).decode())
            if bool(events.get("frozen", 0)) == want:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"timeout of {timeout:g}s reached waiting for {path} to {'freeze' if want else 'thaw'}"
                )
            poller.poll(min(10, left * 1000))
    finally:
        os.close(fd)


def set_state(path: str, state) -> None:
    state = FreezerState(getattr(state, "value", state))
    if state == FreezerState.UNDEFINED:
        return
    if not fs.exists(path, "cgroup.freeze"):
        if state == FreezerState.THAWED:
            return  # nothing can be frozen without the freezer
        raise OSError(errno.ENOENT, f"freezer not supported: no cgroup.freeze in {path}")
    fs.write(path, "cgroup.freeze", "1" if state == FreezerState.FROZEN else "0")
    if state == FreezerState.FROZEN:
        wait_frozen(path, True)
    # a thaw is not waited for: under a frozen ancestor the cgroup stays frozen by design
