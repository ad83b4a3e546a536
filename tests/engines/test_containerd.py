"""containerd (ctr -> containerd-shim-runc-v2) driving pyrunc via ``--runc-binary``.

The shim passes ``--root <runc-root>/<namespace> --log <bundle>/log.json --log-format json``
to every command and reports the last JSON error line of that log when one fails; exec
processes come as ``exec --process /tmp/runc-process<N> --detach --pid-file``. Each case runs
against pyrunc and, where installed, Debian's runc, with the same body.
"""

from __future__ import annotations

import os
import time

import pytest

pytestmark = pytest.mark.integration


def _cid(prefix: str) -> str:
    return f"{prefix}{time.monotonic_ns() % 10**9}"


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _task_pid(ctr, cid) -> int:
    for line in ctr("task", "ls", check=0).stdout.splitlines()[1:]:
        name, pid, _status = line.split()
        if name == cid:
            return int(pid)
    raise AssertionError(f"no task {cid}")


def _wait_status(ctr, cid, status, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in ctr("task", "ls", check=0).stdout.splitlines()[1:]:
            if line.split()[0] == cid and line.split()[2] == status:
                return
        time.sleep(0.05)
    raise AssertionError(f"task {cid} never {status}")


@pytest.fixture
def cleanup_ids(containerd):
    ids: list[str] = []
    yield ids
    for cid in ids:
        containerd("task", "kill", "-s", "SIGKILL", cid)
        containerd("task", "delete", "--force", cid)
        containerd("container", "delete", cid)


def test_run_output_and_exit_status(containerd, cleanup_ids):
    cid = _cid("r")
    cleanup_ids.append(cid)
    res = containerd(*containerd.run_argv("--rm", cid=cid, cmd=["/bin/sh", "-c", "echo hello; exit 7"]))
    assert res.returncode == 7, res.stderr
    assert res.stdout == "hello\n"
    assert not os.path.exists(os.path.join(containerd.runc_root, "default", cid))


def test_memory_limit_inside_and_outside_exec_kill_delete(containerd, cleanup_ids):
    cid = _cid("m")
    cleanup_ids.append(cid)
    containerd(*containerd.run_argv(
        "-d", "--memory-limit", str(64 << 20),
        "--mount", "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,options=rbind:ro",
        cid=cid, cmd=["/bin/sleep", "1000"]), check=0)
    pid = _task_pid(containerd, cid)
    # inside: the limit through the container's view of the sandbox's hierarchies
    res = containerd("task", "exec", "--exec-id", "e1", "--fifo-dir", os.path.join(containerd.runc_root, "..", "fifo"),
                     cid, "/bin/sh", "-c", f"cat /sys/fs/cgroup/memory/default/{cid}/memory.limit_in_bytes; "
                     "grep -c memory:/default/ /proc/self/cgroup; exit 3")
    assert res.returncode == 3, res.stderr
    assert res.stdout.split() == [str(64 << 20), "1"]
    # outside: the host's view of the same cgroup, and the init in it
    limit = containerd.sandbox.host_path("memory", f"/default/{cid}/memory.limit_in_bytes")
    assert open(limit).read().strip() == str(64 << 20)
    with open(f"/proc/{pid}/cgroup") as f:
        assert f"{containerd.sandbox.name}/default/{cid}" in f.read()
    assert os.path.isdir(os.path.join(containerd.runc_root, "default", cid))  # the runtime's state

    containerd("task", "kill", "-s", "SIGKILL", cid, check=0)
    _wait_status(containerd, cid, "STOPPED")
    assert _gone(pid)
    containerd("task", "delete", cid, check=0)
    containerd("container", "delete", cid, check=0)
    assert not os.path.exists(os.path.dirname(limit))
    assert not os.path.exists(os.path.join(containerd.runc_root, "default", cid))


def test_task_kill_delivers_the_signal(containerd, cleanup_ids):
    cid = _cid("k")
    cleanup_ids.append(cid)
    containerd(*containerd.run_argv("-d", cid=cid, cmd=["/bin/sh", "-c", "trap 'exit 42' USR1; sleep 1000 & wait"]),
               check=0)
    time.sleep(0.3)
    containerd("task", "kill", "-s", "SIGUSR1", cid, check=0)
    _wait_status(containerd, cid, "STOPPED")
    res = containerd("task", "delete", cid, check=0)
    assert "42" in res.stdout + res.stderr


def test_a_failed_create_reaches_ctr_through_the_json_log(containerd, cleanup_ids):
    cid = _cid("f")
    cleanup_ids.append(cid)
    res = containerd(*containerd.run_argv("--rm", cid=cid, cmd=["/no/such/binary"]))
    assert res.returncode != 0
    # the shim read the runtime's last JSON error line from log.json and passed its msg on
    assert "/no/such/binary" in res.stderr and "no such file or directory" in res.stderr, res.stderr
    assert not os.path.exists(os.path.join(containerd.runc_root, "default", cid))
