"""The v1 freezer: freeze until the kernel says FROZEN, thaw, and read the state back.

A v1 cgroup can stay in FREEZING while new tasks keep arriving (a fork bomb, a parallel
exec): the kernel documents that userspace must retry or thaw. So freezing rewrites FROZEN
in a loop, now and then thaws and pauses to let forks settle, and thaws again if it gives
up — a container is never left half-frozen (runc's ``FreezerGroup.Set``).
"""

from __future__ import annotations

import errno
import time

from libcontainer.cgroups.manager import FreezerState

from . import fscommon as fs
from .subsystem import Subsystem, res

ATTEMPTS = 1000


def freeze(path: str) -> None:
    try:
        for i in range(ATTEMPTS):
            if i % 50 == 49:
                fs.write(path, "freezer.state", "THAWED")
                time.sleep(0.01)
            fs.write(path, "freezer.state", "FROZEN")
            if i % 25 == 24:
                time.sleep(0.00001)
            state = fs.read(path, "freezer.state").strip()
            if state == "FREEZING":
                continue
            if state == "FROZEN":
                return
            raise OSError(errno.EIO, f"unexpected state {state} while freezing")
        raise OSError(errno.EBUSY, "unable to freeze")
    except BaseException:
        try:
            fs.write(path, "freezer.state", "THAWED")
        except OSError:
            pass
        raise


def set_state(path: str, state) -> None:
    value = getattr(state, "value", state) or ""
    if value == "FROZEN":
        freeze(path)
    elif value == "THAWED":
        fs.write(path, "freezer.state", "THAWED")
    elif value != "":
        raise ValueError(f"Invalid argument '{value}' to freezer.state")


def get_state(path: str) -> FreezerState:
    while True:
        try:
            state = fs.read(path, "freezer.state").strip()
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENODEV):
                return FreezerState.UNDEFINED
            raise
        if state == "THAWED":
            return FreezerState.THAWED
        if state == "FROZEN":
            # Frozen by us, or only because an ancestor is frozen?
            try:
                own = fs.read(path, "freezer.self_freezing")
            except OSError as exc:
                if exc.errno in (errno.ENOENT, errno.ENODEV):
                    return FreezerState.FROZEN
                raise
            if own == "0\n":
                return FreezerState.THAWED
            if own == "1\n":
                return FreezerState.FROZEN
            raise ValueError(f'unknown "freezer.self_freezing" state: {own!r}')
        if state == "FREEZING":
            time.sleep(0.001)  # wait for a stable answer
            continue
        raise ValueError(f"unknown freezer.state {state!r}")


class FreezerGroup(Subsystem):
    name = "freezer"

    def wants(self, r) -> bool:
        return bool(getattr(res(r, "freezer", ""), "value", res(r, "freezer", "")))

    def set(self, path: str, r) -> None:
        set_state(path, res(r, "freezer", ""))
