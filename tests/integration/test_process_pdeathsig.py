"""config.parent_death_signal: the init gets the signal when the process that started it dies.

The container is started by a forked helper; the test kills the helper and, as a child
subreaper, collects the orphaned init to see how it ended (the kernel's word, from outside).
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from libcontainer import Factory, Process, syscalls
from libcontainer.configs import Config, Mount, Namespace

pytestmark = pytest.mark.integration
PR_SET_CHILD_SUBREAPER = 36


def make_config(rootfs, sig) -> Config:
    return Config(
        rootfs=rootfs,
        parent_death_signal=sig,
        namespaces=[Namespace(t) for t in ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")],
        mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)],
    )


def start_helper(state_root, rootfs, cid, sig, user) -> tuple[int, int]:
    """Fork a helper that runs the container and sleeps; returns (helper pid, init pid)."""
    r, w = os.pipe()
    helper = os.fork()
    if helper == 0:  # pragma: no cover - the helper
        try:
            os.close(r)
            c = Factory(state_root).create(cid, make_config(rootfs, sig))
            c.run(Process(args=["/bin/sleep", "100"], user=user))
            os.write(w, f"{c.init_pid}\n".encode())
            time.sleep(100)
        finally:
            os._exit(1)
    os.close(w)
    with os.fdopen(r) as f:
        line = f.readline()
    assert line, "helper failed to start the container"
    return helper, int(line)


def wait_status(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got, status = os.waitpid(pid, os.WNOHANG)
        if got == pid:
            return status
        time.sleep(0.01)
    return None


@pytest.mark.parametrize(
    "sig, user",
    [
        (signal.SIGKILL, "0:0"),
        # setuid(2) clears the parent-death signal: the init must set it again
        (signal.SIGKILL, "65534:65534"),
        (0, "0:0"),  # none asked for: the init outlives its parent
    ],
)
def test_parent_death_signal(rootfs, state_root, no_leaks, sig, user):
    sc = syscalls.get()
    sc.prctl(PR_SET_CHILD_SUBREAPER, 1)
    helper = init = None
    try:
        helper, init = start_helper(state_root, rootfs, "pdeath", sig, user)
        with open(f"/proc/{init}/status") as f:
            status = f.read()
        assert f"Uid:\t{user.split(':')[0]}\t" in status
        os.kill(helper, signal.SIGKILL)
        os.waitpid(helper, 0)
        helper = None
        status = wait_status(init, 0.5 if not sig else 5.0)
        if sig:
            assert status is not None, "the init outlived its parent"
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == sig
            init = None
        else:
            assert status is None, "the init died with its parent without a parent-death signal"
    finally:
        for pid in (helper, init):
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
        sc.prctl(PR_SET_CHILD_SUBREAPER, 0)
        Factory(state_root).load("pdeath").destroy()
