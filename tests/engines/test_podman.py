"""podman (through conmon) driving pyrunc: `--runtime <pyrunc> --rootfs <busybox dir>`.

Every case runs against pyrunc and, where Debian's runc is installed, against runc with the
same body, so a difference shows up as a failing pyrunc case. Checked from inside (the
container's output) and from outside (the sandbox's cgroup files, /proc of the container).
"""

from __future__ import annotations

import json
import os
import time

import pytest

pytestmark = pytest.mark.integration


def _inspect(podman, name) -> dict:
    return json.loads(podman("inspect", name, check=0).stdout)[0]


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _state_dirs(podman) -> list[str]:
    """The containers' state left in the runtime's root (not pyrunc's compiled seccomp
    filters, kept there for the next container: seccomp/compiled.py)."""
    res = podman.sandbox.run(["ls", "-A", podman.state_root])
    return [n for n in res.stdout.split() if n != "@seccomp"] if res.returncode == 0 else []


@pytest.fixture
def named(podman):
    """A container name for this test; removed (podman rm -f) whatever happens."""
    name = f"t{time.monotonic_ns() % 10**9}"
    yield name
    podman("rm", "-f", "-t", "0", name)


def test_run_output_and_exit_status(podman):
    res = podman(*podman.run_argv("--rm", cmd=["/bin/sh", "-c", "echo hello from $(hostname -s); exit 7"]))
    assert res.returncode == 7, res.stderr
    assert res.stdout.startswith("hello from ")
    assert _state_dirs(podman) == []  # --rm: create, start, delete --force


def test_memory_and_pids_limits_inside_and_outside(podman, named):
    cid = podman(*podman.run_argv("-d", "--name", named, "--memory", "64m", "--pids-limit", "50",
                                  cmd=["/bin/sleep", "1000"]), check=0).stdout.strip()
    inside = podman("exec", named, "/bin/sh", "-c",
                    "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max", check=0)
    assert inside.stdout.split() == [str(64 << 20), "50"]
    mem = podman.sandbox.host_path("memory", f"/libpod_parent/libpod-{cid}/memory.limit_in_bytes")
    pids = podman.sandbox.host_path("pids", f"/libpod_parent/libpod-{cid}/pids.max")
    assert open(mem).read().strip() == str(64 << 20)
    assert open(pids).read().strip() == "50"
    pid = _inspect(podman, named)["State"]["Pid"]
    with open(f"/proc/{pid}/cgroup") as f:
        assert f"{podman.sandbox.name}/libpod_parent/libpod-{cid}" in f.read()
    assert cid in _state_dirs(podman)


def test_exec_pause_unpause_stop_rm(podman, named):
    cid = podman(*podman.run_argv("-d", "--name", named, cmd=["/bin/sleep", "1000"]), check=0).stdout.strip()
    pid = _inspect(podman, named)["State"]["Pid"]
    res = podman("exec", named, "/bin/sh", "-c", "echo in $(cat /proc/1/comm); exit 4")
    assert res.returncode == 4 and res.stdout == "in sleep\n", res
    freezer = podman.sandbox.host_path("freezer", f"/libpod_parent/libpod-{cid}/freezer.state")
    podman("pause", named, check=0)
    assert _inspect(podman, named)["State"]["Status"] == "paused"
    if freezer:
        assert open(freezer).read().strip() == "FROZEN"
    podman("unpause", named, check=0)
    assert _inspect(podman, named)["State"]["Status"] == "running"
    if freezer:
        assert open(freezer).read().strip() == "THAWED"
    podman("stop", "-t", "1", named, check=0)  # sleep as pid 1 ignores SIGTERM: kill 15, then 9
    st = _inspect(podman, named)["State"]
    assert st["Status"] == "exited" and st["ExitCode"] == 137
    assert _gone(pid)
    podman("rm", named, check=0)
    assert podman("inspect", named).returncode != 0
    assert not os.path.exists(os.path.dirname(freezer or "/nonexistent/x"))
    assert cid not in _state_dirs(podman)


def test_kill_passes_the_signal(podman, named):
    podman(*podman.run_argv("-d", "--name", named, cmd=["/bin/sh", "-c", "trap 'exit 42' USR1; sleep 1000 & wait"]),
           check=0)
    time.sleep(0.3)  # let the shell install its trap
    podman("kill", "-s", "USR1", named, check=0)
    assert podman("wait", named, check=0).stdout.strip() == "42"
    podman("rm", named, check=0)


def test_detached_then_logs(podman, named):
    podman(*podman.run_argv("-d", "--name", named, cmd=["/bin/sh", "-c", "echo out-line; echo err-line >&2; exit 3"]),
           check=0)
    assert podman("wait", named, check=0).stdout.strip() == "3"
    logs = podman("logs", named, check=0)
    assert "out-line" in logs.stdout + logs.stderr and "err-line" in logs.stdout + logs.stderr


def test_terminal_through_the_console_socket(podman, named):
    res = podman(*podman.run_argv("--rm", "-t", cmd=["/bin/sh", "-c", "tty; stty size; exit 5"]))
    assert res.returncode == 5, res.stderr
    lines = res.stdout.replace("\r", "").split("\n")
    assert lines[0].startswith("/dev/pts/"), res.stdout
    # from outside: the init of a detached terminal container has a pty as controlling terminal
    podman(*podman.run_argv("-d", "-t", "--name", named, cmd=["/bin/sleep", "1000"]), check=0)
    pid = _inspect(podman, named)["State"]["Pid"]
    with open(f"/proc/{pid}/stat") as f:
        tty_nr = int(f.read().rsplit(")", 1)[1].split()[4])
    assert os.major(tty_nr) == 136 or (tty_nr >> 8) & 0xFFF == 136  # Unix98 pty slaves
    assert os.readlink(f"/proc/{pid}/fd/0").startswith("/dev/pts/")
    res = podman("exec", "-t", named, "/bin/sh", "-c", "tty")
    assert res.returncode == 0 and res.stdout.strip().startswith("/dev/pts/"), res
