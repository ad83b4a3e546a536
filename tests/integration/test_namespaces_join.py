"""Joining namespaces by path: a helper's (`unshare ... sleep`) and another container's.

Joins take the staged start (setns, unshare what is new, fork the init); from outside the
container's /proc/<pid>/ns links must equal the joined ones and differ for the new ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest
from test_namespaces import ALL_BUT_TIME, NS_FILES, make_config, ns_link, nsenter, running

from libcontainer import Factory, Process
from libcontainer.configs import Namespace
from libcontainer.errors import ContainerStartError

pytestmark = pytest.mark.integration
JOINED = ("NEWNET", "NEWUTS", "NEWIPC", "NEWCGROUP", "NEWNS")


@pytest.fixture
def helper():
    """`unshare` holding new net, uts, ipc, cgroup and mount namespaces."""
    proc = subprocess.Popen(["unshare", "--net", "--uts", "--ipc", "--cgroup", "--mount",
                             "--propagation", "private", "sleep", "60"])
    try:
        deadline = time.monotonic() + 5
        while any(ns_link(proc.pid, t) == ns_link("self", t) for t in JOINED):
            assert time.monotonic() < deadline, "unshare never got its namespaces"
            time.sleep(0.01)
        yield proc.pid
    finally:
        proc.kill()
        proc.wait()


def test_join_helper_namespaces_by_path(rootfs, state_root, tmp_path, no_leaks, helper):
    namespaces = [Namespace(t, f"/proc/{helper}/ns/{NS_FILES[t]}") for t in JOINED] + [Namespace("NEWPID")]
    config = make_config(rootfs, namespaces=namespaces, hostname="joined-host")
    with running(state_root, "join", config, tmp_path, "echo $$; hostname") as (pid, out):
        for t in JOINED:
            assert ns_link(pid, t) == ns_link(helper, t), t
        assert ns_link(pid, "NEWPID") not in (ns_link("self", "NEWPID"), ns_link(helper, "NEWPID"))
        # the hostname was set in the joined UTS namespace: the helper sees it too
        assert nsenter(helper, "hostname", kinds=("uts",)).strip() == "joined-host"
    assert out.split()[:2] == ["1", "joined-host"]
    assert os.uname().nodename != "joined-host"


def test_join_pid_namespace_of_another_container(rootfs, state_root, tmp_path, no_leaks):
    with running(state_root, "pA", make_config(rootfs), tmp_path) as (a, _):
        other = tmp_path / "other"
        os.mkdir(other)
        shutil.copytree(rootfs, other / "rootfs", symlinks=True)
        namespaces = [Namespace("NEWPID", f"/proc/{a}/ns/pid")] + [Namespace(t) for t in ALL_BUT_TIME if t != "NEWPID"]
        with running(state_root, "pB", make_config(str(other / "rootfs"), namespaces=namespaces), tmp_path,
                     "echo $$; ps -o pid,args") as (b, out):
            assert ns_link(b, "NEWPID") == ns_link(a, "NEWPID")
            assert ns_link(b, "NEWNET") != ns_link(a, "NEWNET")
            with open(f"/proc/{b}/status") as f:
                nspid = next(line for line in f if line.startswith("NSpid:")).split()[1:]
            assert len(nspid) == 2 and nspid[-1] not in ("0", "1")
        lines = out.splitlines()
        assert lines[0] == nspid[-1]
        # B's /proc shows the PID namespace it joined: A's init (PID 1) is there
        assert any(line.split()[:2] == ["1", "sleep"] for line in lines[1:])


def test_join_missing_path_fails_and_leaves_nothing(rootfs, state_root, no_leaks):
    namespaces = [Namespace("NEWNET", "/proc/self/ns/no-such-ns")] + [Namespace(t) for t in ("NEWNS", "NEWPID")]
    try:
        c = Factory(state_root).create("badjoin", make_config(rootfs, namespaces=namespaces))
    except Exception as e:  # a validator may refuse it up front; that is fine too
        assert "no-such-ns" in str(e) or "netns" in str(e)
        assert os.listdir(state_root) == []
        return
    try:
        with pytest.raises(ContainerStartError, match="no-such-ns"):
            c.start(Process(args=["/bin/true"]))
        assert str(c.status()) == "stopped"
    finally:
        c.destroy()
    assert os.listdir(state_root) == []
