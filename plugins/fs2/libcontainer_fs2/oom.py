"""OOM notification on cgroup v2: inotify on ``memory.events`` (runc's notify_v2).

v2 has no event_control; instead the kernel raises a modify event on ``memory.events``
whenever one of its counters changes, and on ``cgroup.events`` when the cgroup empties.
This notifier counts *new* ``oom_kill`` events by comparing the counter across wake-ups, and
ends the stream (``closed``) once the cgroup is empty (``populated 0``) or removed -- the
same contract as the v1 eventfd notifier in ``libcontainer.cgroups.notify``.
"""

from __future__ import annotations

import ctypes
import os
import select
import struct

from . import fscommon as fs

IN_MODIFY = 0x00000002
IN_IGNORED = 0x00008000
IN_CLOEXEC = 0o2000000
IN_NONBLOCK = 0o4000
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len


class OomNotifier:
    """Wake-ups with the number of OOM kills since the previous one."""

    def __init__(self, cgroup_dir: str, counter: str = "oom_kill"):
        if not cgroup_dir:
            raise ValueError("memory controller missing")
        self.cgroup_dir = cgroup_dir
        self.counter = counter
        libc = ctypes.CDLL(None, use_errno=True)
        self._fd = libc.inotify_init1(IN_CLOEXEC | IN_NONBLOCK)
        if self._fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"inotify_init1: {os.strerror(err)}")
        self.closed = False
        self._ended = False
        try:
            self._last = fs.value_by_key(cgroup_dir, "memory.events", counter)
            self._wd_mem = self._watch(libc, "memory.events")
            self._wd_cg = self._watch(libc, "cgroup.events")
        except BaseException:
            self.close()
            raise

    def _watch(self, libc, name: str) -> int:
        path = os.path.join(self.cgroup_dir, name)
        wd = libc.inotify_add_watch(self._fd, os.fsencode(path), IN_MODIFY)
        if wd < 0:
            err = ctypes.get_errno()
            raise OSError(err, f"inotify_add_watch {path}: {os.strerror(err)}", path)
        return wd

    def fileno(self) -> int:
        return self._fd

    def _drain(self) -> set[int]:
        """Watch descriptors that fired; IN_IGNORED (watch gone) is reported as -1."""
        seen = set()
        while True:
            try:
                data = os.read(self._fd, 4096)
            except BlockingIOError:
                return seen
            off = 0
            while off + _EVENT.size <= len(data):
                wd, mask, _cookie, length = _EVENT.unpack_from(data, off)
                off += _EVENT.size + length
                seen.add(-1 if mask & IN_IGNORED else wd)

    def _count(self) -> int:
        try:
            now = fs.value_by_key(self.cgroup_dir, "memory.events", self.counter)
        except FileNotFoundError:
            return 0
        new, self._last = max(now - self._last, 0), now
        return new

    def _gone(self) -> bool:
        try:
            return fs.value_by_key(self.cgroup_dir, "cgroup.events", "populated") == 0
        except FileNotFoundError:
            return True

    def wait(self, timeout: float | None = None) -> int:
        """Block until OOM kills (-> how many), a timeout (-> 0) or the end of the cgroup (-> 0)."""
        if self.closed:
            return 0
        if self._ended:
            self.close()
            return 0
        while True:
            ready, _, _ = select.select([self._fd], [], [], timeout)
            if not ready:
                return 0
            fired = self._drain()
            self._ended = -1 in fired or (self._wd_cg in fired and self._gone())
            count = self._count()
            if count:
                return count  # the end, if it came with it, is reported by the next wait
            if self._ended:
                self.close()
                return 0

    def __iter__(self):
        while not self.closed:
            count = self.wait()
            if count:
                yield count

    def close(self) -> None:
        self.closed = True
        if getattr(self, "_fd", -1) >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
