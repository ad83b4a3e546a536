"""Memory event notification for cgroup v1 (runc's ``notify_linux.go``), shared by the
cgroupfs driver and the systemd driver in v1 mode.

v1 signals OOM and memory pressure through ``cgroup.event_control``: register an eventfd
against ``memory.oom_control`` or ``memory.pressure_level`` and the kernel increments it on
every event. The kernel also signals the eventfd once when the cgroup is removed, which is
told apart from a real event by checking whether the cgroup still exists — the end of the
stream, like runc closing its channel.

Use: ``ev = manager.notify_oom()``; ``ev.wait(timeout)`` returns how many events arrived
(0 on timeout or once the cgroup is gone, then ``ev.closed`` is true); iterating yields once
per wake-up until the cgroup is removed; ``ev.fileno()`` plugs into select/poll/asyncio.
"""

from __future__ import annotations

import os
import select

#: v1 memory.pressure_level levels, in runc's order (PressureLevel 0, 1, 2).
PRESSURE_LEVELS = ("low", "medium", "critical")


class MemoryEventNotifier:
    """One registration of an eventfd on a v1 memory control file."""

    def __init__(self, cgroup_dir: str, event_file: str, arg: str = ""):
        if not cgroup_dir:
            raise ValueError("memory controller missing")
        self.cgroup_dir = cgroup_dir
        self._control = os.path.join(cgroup_dir, "cgroup.event_control")
        self._event_fd = os.open(os.path.join(cgroup_dir, event_file), os.O_RDONLY | os.O_CLOEXEC)
        self._efd = -1
        try:
            self._efd = os.eventfd(0, os.EFD_CLOEXEC)
            line = f"{self._efd} {self._event_fd} {arg}".rstrip()
            fd = os.open(self._control, os.O_WRONLY | os.O_CLOEXEC)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
        except BaseException:
            self.close()
            raise
        self.closed = False

    def fileno(self) -> int:
        return self._efd

    def wait(self, timeout: float | None = None) -> int:
        """Block until an event (-> count), a timeout or the cgroup's removal (-> 0)."""
        if self.closed:
            return 0
        ready, _, _ = select.select([self._efd], [], [], timeout)
        if not ready:
            return 0
        count = int.from_bytes(os.read(self._efd, 8), "little")
        if not os.path.exists(self._control):
            self.close()
            return 0
        return count

    def __iter__(self):
        while not self.closed:
            count = self.wait()
            if count:
                yield count

    def close(self) -> None:
        self.closed = True
        for name in ("_efd", "_event_fd"):
            fd = getattr(self, name, -1)
            if fd >= 0:
                os.close(fd)
                setattr(self, name, -1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def notify_on_oom(memory_dir: str) -> MemoryEventNotifier:
    return MemoryEventNotifier(memory_dir, "memory.oom_control")


def notify_memory_pressure(memory_dir: str, level) -> MemoryEventNotifier:
    """``level``: 0/1/2 or "low"/"medium"/"critical"."""
    if isinstance(level, int):
        if not 0 <= level < len(PRESSURE_LEVELS):
            raise ValueError(f"invalid pressure level {level}")
        level = PRESSURE_LEVELS[level]
    if level not in PRESSURE_LEVELS:
        raise ValueError(f"invalid pressure level {level}")
    return MemoryEventNotifier(memory_dir, "memory.pressure_level", level)
