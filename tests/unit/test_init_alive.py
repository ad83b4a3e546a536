"""Container.init_alive: one read of /proc/PID/stat tells a live init from a zombie and from
a PID recycled by another process (its start time differs)."""

from __future__ import annotations

import os
import time

from libcontainer import state as st
from libcontainer.container import Container


def _container(pid: int, start) -> Container:
    return Container("c", "/nonexistent", None, saved={"init_process_pid": pid, "init_process_start": start})


def test_live_zombie_and_recycled():
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    os.close(r)
    try:
        state, start = st.process_state_and_start(pid)
        assert state in ("S", "R") and start == st.process_start_time(pid)
        assert _container(pid, start).init_alive()
        assert not _container(pid, str(int(start) + 1)).init_alive()  # another process's PID
        os.close(w)  # the child exits; unreaped, it stays a zombie
        deadline = time.monotonic() + 5
        while st.process_state_and_start(pid)[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert not _container(pid, start).init_alive()
    finally:
        os.waitpid(pid, 0)
    assert st.process_state_and_start(pid) == (None, None)
    assert not _container(pid, start).init_alive()
    assert not _container(0, None).init_alive()
