"""`run` without hooks: the init execs the program itself as soon as it is ready.

Nothing happens between create and start then, so there is no created state to hold: no
exec FIFO is made and no native finisher runs. Checked from outside: the state directory
never holds exec.fifo, the running init's /proc/PID/exe is the program (not the finisher's
memfd), and an execve that fails after "ready" still fails `run` and leaves nothing.
"""

from __future__ import annotations

import os

import pytest
from test_rootfs_harness import make_config

from libcontainer import Factory, Process
from libcontainer.configs import Command, Hooks
from libcontainer.container import EXEC_FIFO, Status
from libcontainer.errors import ContainerStartError

pytestmark = pytest.mark.integration


def test_run_execs_without_fifo_or_finisher(rootfs, state_root, tmp_path, no_leaks):
    container = Factory(state_root).create("direct", make_config(rootfs))
    out = open(tmp_path / "out", "w+")
    try:
        container.run(Process(args=["/bin/sleep", "60"], stdout=out, stderr=out))
        pid = container.init_pid
        assert not os.path.exists(os.path.join(container.state_dir, EXEC_FIFO))
        assert os.path.realpath(f"/proc/{pid}/exe").endswith("/bin/busybox"), os.readlink(f"/proc/{pid}/exe")
        assert container.status() == Status.RUNNING
        assert Factory(state_root).load("direct").status() == Status.RUNNING  # as another CLI call sees it
        os.kill(pid, 9)
        assert container.init_process.wait().signal == 9
    finally:
        container.destroy()
        out.close()


def test_run_with_hooks_keeps_the_created_state(rootfs, state_root, tmp_path, no_leaks):
    """A hook is something to do between create and start: the FIFO path is taken."""
    marker = tmp_path / "poststart"
    config = make_config(rootfs)
    config.hooks = Hooks(poststart=[Command(path="/bin/sh", args=["sh", "-c", f"touch {marker}"])])
    container = Factory(state_root).create("hooked", config)
    try:
        proc = Process(args=["/bin/true"])
        container.run(proc)
        assert proc.wait().code == 0
        assert marker.exists()
    finally:
        container.destroy()


def test_failed_execve_after_ready_fails_run_and_leaves_nothing(rootfs, state_root, no_leaks):
    bad = os.path.join(rootfs, "notanelf")
    with open(bad, "w") as f:
        f.write("\x01\x02 not a program\n")
    os.chmod(bad, 0o755)
    container = Factory(state_root).create("badexec", make_config(rootfs))
    try:
        with pytest.raises(ContainerStartError, match="[Ee]xec format error"):
            container.run(Process(args=["/notanelf"]))
        assert container.status() == Status.STOPPED
        # recorded while the init exec'd, then taken back: no state of a start that failed
        assert not os.path.exists(os.path.join(container.state_dir, "state.json"))
        assert container.init_pid is None
    finally:
        container.destroy()
