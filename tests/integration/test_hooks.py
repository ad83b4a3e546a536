"""OCI lifecycle hooks on a real container: when each kind runs, in whose namespaces, with
what on stdin, and what a failing or slow hook does to the operation.

Every hook is a shell script that records what it sees (the state JSON, its mount/pid
namespaces, its root, hostname, cwd) into a log directory the container also sees, bind
mounted at /hooklog; the test compares those records with what the kernel shows from outside.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import time

import pytest

from libcontainer import Factory, Process
from libcontainer.configs import Config, Mount, Namespace
from libcontainer.configs.hooks import Command, Hooks
from libcontainer.errors import ContainerStartError

pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")
MS_BIND, MS_REC = 0x1000, 0x4000
HOSTNAME = "hooked"

RECORD = """#!/bin/sh
d={d}
cat > $d/{name}.state
echo {name} >> $d/order
readlink /proc/self/ns/mnt > $d/{name}.mnt
readlink /proc/self/ns/pid > $d/{name}.pidns
readlink /proc/self/root > $d/{name}.root
hostname > $d/{name}.hostname
pwd > $d/{name}.cwd
id -u > $d/{name}.uid
pid=$(sed -n 's/.*"pid":\\([0-9]*\\).*/\\1/p' $d/{name}.state)
{extra}
"""


def write_hook(path, name, logdir, extra=""):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(RECORD.format(d=logdir, name=name, extra=extra))
    os.chmod(path, 0o755)
    return str(path)


def make_config(rootfs, logdir, hooks, **kw) -> Config:
    return Config(
        rootfs=rootfs,
        hostname=HOSTNAME,
        namespaces=[Namespace(t) for t in NEW],
        mounts=[
            Mount(source="proc", destination="/proc", device="proc", flags=0xE),
            Mount(source=str(logdir), destination="/hooklog", device="bind", flags=MS_BIND | MS_REC),
        ],
        hooks=hooks,
        labels=["bundle=/bundles/hk", "com.example.key=value"],
        **kw,
    )


def read(logdir, name):
    with open(os.path.join(logdir, name)) as f:
        return f.read().strip()


def state(logdir, name):
    return json.loads(read(logdir, f"{name}.state"))


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] not in "ZX"
    except FileNotFoundError:
        return False


@pytest.fixture
def logdir(tmp_path):
    d = tmp_path / "log"
    d.mkdir()
    return d


def test_hooks_run_in_order_in_their_namespaces(rootfs, state_root, logdir, tmp_path, no_leaks):
    host = tmp_path / "hooks"
    statedir = os.path.join(state_root, "hk")
    hooks = Hooks(
        prestart=[Command(path=write_hook(host / "prestart", "prestart", logdir,
                                          "readlink /proc/$pid/ns/mnt > $d/prestart.initmnt\n"
                                          "readlink /proc/$pid/root > $d/prestart.initroot"))],
        create_runtime=[Command(path=write_hook(host / "cr", "createRuntime", logdir))],
        # resolved on the host: the init has not pivoted yet
        create_container=[Command(path=write_hook(host / "cc", "createContainer", logdir,
                                                  "test -d proc/self && echo yes > $d/cc.procmounted"))],
        # resolved in the container: the script only exists inside the rootfs
        start_container=[Command(path="/hooks/start")],
        poststart=[Command(path=write_hook(host / "ps", "poststart", logdir,
                                           "tr '\\0' ' ' < /proc/$pid/cmdline > $d/ps.cmdline"))],
        poststop=[Command(path=write_hook(host / "pst", "poststop", logdir,
                                          f"test -e {statedir} && echo present > $d/pst.statedir "
                                          f"|| echo absent > $d/pst.statedir"))],
    )
    write_hook(os.path.join(rootfs, "hooks", "start"), "startContainer", "/hooklog")
    container = Factory(state_root).create("hk", make_config(rootfs, logdir, hooks))
    proc = Process(args=["/bin/sleep", "30"])
    host_mnt = os.readlink("/proc/self/ns/mnt")
    try:
        container.start(proc)
        pid = container.init_pid
        init_mnt = os.readlink(f"/proc/{pid}/ns/mnt")
        init_pidns = os.readlink(f"/proc/{pid}/ns/pid")
        assert read(logdir, "order").split() == ["prestart", "createRuntime", "createContainer"]

        # prestart / createRuntime: the runtime's namespaces, the init already in its own,
        # its mounts made but not pivoted yet (its root is still "/")
        for name in ("prestart", "createRuntime"):
            assert state(logdir, name) == {
                "ociVersion": state(logdir, name)["ociVersion"], "id": "hk", "status": "creating",
                "pid": pid, "bundle": "/bundles/hk", "annotations": {"com.example.key": "value"}}
            assert read(logdir, f"{name}.mnt") == host_mnt
            assert read(logdir, f"{name}.hostname") != HOSTNAME
        assert read(logdir, "prestart.initmnt") == init_mnt != host_mnt
        assert read(logdir, "prestart.initroot") == "/"

        # createContainer: in the container's namespaces, before pivot_root, cwd the rootfs
        cc = state(logdir, "createContainer")
        assert (cc["status"], cc["pid"], cc["bundle"]) == ("creating", 1, "/bundles/hk")
        assert read(logdir, "createContainer.mnt") == init_mnt
        assert read(logdir, "createContainer.pidns") == init_pidns
        assert read(logdir, "createContainer.hostname") == HOSTNAME
        assert read(logdir, "createContainer.cwd") == os.path.realpath(rootfs)
        assert read(logdir, "createContainer.root") == "/"
        assert read(logdir, "cc.procmounted") == "yes"
        assert not os.path.exists(logdir / "startContainer.state")

        container.exec()
        # startContainer: inside (its path only exists in the rootfs), after pivot_root, before execve
        sc = state(logdir, "startContainer")
        assert (sc["status"], sc["pid"], sc["id"]) == ("created", 1, "hk")
        assert read(logdir, "startContainer.mnt") == init_mnt
        assert read(logdir, "startContainer.uid") == "0"
        assert read(logdir, "startContainer.root") == "/" and read(logdir, "startContainer.cwd") == "/"
        assert read(logdir, "startContainer.hostname") == HOSTNAME
        # poststart: the runtime's namespaces, once the user's program runs
        ps = state(logdir, "poststart")
        assert (ps["status"], ps["pid"]) == ("running", pid)
        assert read(logdir, "poststart.mnt") == host_mnt
        assert read(logdir, "ps.cmdline") == "/bin/sleep 30"
        assert str(container.status()) == "running"
        container.signal(signal.SIGKILL)
        proc.wait()
    finally:
        container.destroy()
    ps = state(logdir, "poststop")
    assert ps["status"] == "stopped" and "pid" not in ps and ps["id"] == "hk"
    assert read(logdir, "poststop.mnt") == host_mnt
    assert read(logdir, "pst.statedir") == "absent"  # destroy removed everything first
    assert read(logdir, "order").split() == [
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]


def test_hook_args_env_and_argv0(rootfs, state_root, logdir, no_leaks):
    script = f'tr "\\0" " " < /proc/$$/cmdline > {logdir}/args; echo "$FOO" > {logdir}/env; cat > {logdir}/stdin'
    hooks = Hooks(prestart=[Command(path="/bin/sh", args=["custom-argv0", "-c", script, "x"], env=["FOO=bar"])])
    container = Factory(state_root).create("hkargs", make_config(rootfs, logdir, hooks))
    try:
        container.start(Process(args=["/bin/true"]))
    finally:
        container.destroy()
    assert read(logdir, "args").startswith("custom-argv0 -c ")
    assert read(logdir, "env") == "bar"
    assert json.loads(read(logdir, "stdin"))["id"] == "hkargs"


@pytest.mark.parametrize("kind", ["prestart", "create_runtime", "create_container"])
def test_failing_create_hook_fails_create_and_leaves_nothing(kind, rootfs, state_root, logdir, no_leaks):
    name = {"prestart": "prestart", "create_runtime": "createRuntime", "create_container": "createContainer"}[kind]
    hooks = Hooks(**{kind: [Command(path="/bin/true"),
                            Command(path="/bin/sh", args=["sh", "-c", "echo out; echo err >&2; exit 3"])]})
    container = Factory(state_root).create("hkfail", make_config(rootfs, logdir, hooks))
    proc = Process(args=["/bin/true"])
    try:
        with pytest.raises(ContainerStartError) as e:
            container.start(proc)
        assert str(e.value) == (f"error running {name} hook #1: error running hook: exit status 3, "
                                "stdout: out\n, stderr: err\n")
        assert not alive(proc.pid)  # the init is gone already, not only after destroy
        assert str(container.status()) == "stopped"
        assert not os.path.exists(os.path.join(state_root, "hkfail", "exec.fifo"))
    finally:
        container.destroy()
    assert os.listdir(state_root) == []


def test_failing_start_container_hook_fails_start(rootfs, state_root, logdir, no_leaks):
    hooks = Hooks(start_container=[Command(path="/bin/sh", args=["sh", "-c", "echo nope >&2; exit 2"])])
    container = Factory(state_root).create("hkstart", make_config(rootfs, logdir, hooks))
    proc = Process(args=["/bin/sh", "-c", "echo ran > /hooklog/ran"])
    try:
        container.start(proc)
        with pytest.raises(ContainerStartError, match="error running startContainer hook #0: error running hook: "
                                                      "exit status 2, stdout: , stderr: nope"):
            container.exec()
        assert proc.wait().code == 1 and not alive(proc.pid)
        assert str(container.status()) == "stopped"
    finally:
        container.destroy()
    assert not os.path.exists(logdir / "ran")  # the user's program never ran
    assert os.listdir(state_root) == []


def test_failing_poststart_hook_stops_the_container(rootfs, state_root, logdir, no_leaks):
    hooks = Hooks(poststart=[Command(path="/bin/false")])
    container = Factory(state_root).create("hkpost", make_config(rootfs, logdir, hooks))
    proc = Process(args=["/bin/sleep", "30"])
    try:
        with pytest.raises(ContainerStartError, match="error running poststart hook #0: error running hook: exit status 1"):
            container.run(proc)
        assert proc.wait().signal == signal.SIGKILL
        assert str(container.status()) == "stopped"
    finally:
        container.destroy()
    assert os.listdir(state_root) == []


def test_hook_timeout_kills_it(rootfs, state_root, logdir, no_leaks):
    hooks = Hooks(create_runtime=[Command(path="/bin/sh", args=["sh", "-c", "exec sleep 20"], timeout=1.0)])
    container = Factory(state_root).create("hktime", make_config(rootfs, logdir, hooks))
    t0 = time.monotonic()
    try:
        with pytest.raises(ContainerStartError) as e:
            container.start(Process(args=["/bin/true"]))
    finally:
        container.destroy()
    assert str(e.value) == "error running createRuntime hook #0: hook ran past specified timeout of 1.0s"
    assert time.monotonic() - t0 < 10
    assert os.listdir(state_root) == []


def test_missing_hook_binary(rootfs, state_root, logdir, no_leaks):
    hooks = Hooks(prestart=[Command(path="/no/such/hook")])
    container = Factory(state_root).create("hkmiss", make_config(rootfs, logdir, hooks))
    try:
        with pytest.raises(ContainerStartError, match="error running prestart hook #0: fork/exec /no/such/hook: "
                                                      "no such file or directory"):
            container.start(Process(args=["/bin/true"]))
    finally:
        container.destroy()


def test_failing_poststop_is_logged_and_destroy_goes_on(rootfs, state_root, logdir, caplog, no_leaks):
    hooks = Hooks(poststop=[Command(path="/bin/false"), Command(path="/bin/sh", args=["sh", "-c", f"touch {logdir}/second"])])
    container = Factory(state_root).create("hkstop", make_config(rootfs, logdir, hooks))
    proc = Process(args=["/bin/true"])
    container.run(proc)
    proc.wait()
    with caplog.at_level(logging.WARNING, logger="libcontainer.hooks"):
        container.destroy()  # does not raise
    assert "error running poststop hook #0: error running hook: exit status 1" in caplog.text
    assert not os.path.exists(logdir / "second")  # runc stops at the first failing hook
    assert os.listdir(state_root) == []
