"""New namespaces of every kind, UTS names, sysctls in their namespace, the loopback network.

Checked from outside: /proc/<pid>/ns/* links against ours, and the kernel's view through
nsenter(1) into the container's namespaces; and from inside, by what the program prints.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import pytest

from libcontainer import Factory, Process
from libcontainer.configs import Config, Mount, Namespace
from libcontainer.configs.network import Network

pytestmark = pytest.mark.integration
ALL_BUT_TIME = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET", "NEWCGROUP")
NS_FILES = {"NEWNS": "mnt", "NEWUTS": "uts", "NEWIPC": "ipc", "NEWPID": "pid", "NEWNET": "net",
            "NEWCGROUP": "cgroup", "NEWUSER": "user", "NEWTIME": "time"}


def make_config(rootfs, namespaces=ALL_BUT_TIME, **kw) -> Config:
    return Config(
        rootfs=rootfs,
        namespaces=[n if isinstance(n, Namespace) else Namespace(n) for n in namespaces],
        mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)],
        **kw,
    )


def wait_for(path, text, timeout=5.0):
    deadline = time.monotonic() + timeout
    data = ""
    while time.monotonic() < deadline:
        with open(path) as f:
            data = f.read()
        if text in data:
            return data
        time.sleep(0.01)
    raise AssertionError(f"{text!r} never appeared in {path}: {data!r}")


@contextlib.contextmanager
def running(state_root, cid, config, tmp_path, script="true", **pkw):
    """The container prints what ``script`` prints, then READY, then sleeps to be looked at."""
    out_path = tmp_path / f"{cid}.out"
    out = open(out_path, "w+")
    container = Factory(state_root).create(cid, config)
    proc = Process(args=["/bin/sh", "-c", script + "; echo READY; exec sleep 100"], stdout=out, stderr=out, **pkw)
    try:
        container.run(proc)
        yield container.init_pid, wait_for(out_path, "READY")
    finally:
        try:
            if proc.pid is not None and not proc._reaped:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        finally:
            container.destroy()
            out.close()


def ns_link(pid, ns_type) -> str:
    return os.readlink(f"/proc/{pid}/ns/{NS_FILES[ns_type]}")


def nsenter(pid, *args, kinds=("net",)) -> str:
    opts = [f"--{k}=/proc/{pid}/ns/{k}" for k in kinds]
    return subprocess.run(["nsenter", *opts, *args], check=True, capture_output=True, text=True).stdout


def test_every_namespace_created_new(rootfs, state_root, tmp_path, no_leaks):
    script = "echo pid=$$; cat /proc/self/cgroup"
    with running(state_root, "allns", make_config(rootfs), tmp_path, script) as (pid, out):
        for t in ALL_BUT_TIME:
            assert ns_link(pid, t) != ns_link("self", t), t
        assert ns_link(pid, "NEWUSER") == ns_link("self", "NEWUSER")  # not asked for
        with open(f"/proc/{pid}/status") as f:
            nspid = next(line for line in f if line.startswith("NSpid:")).split()[1:]
        assert nspid[-1] == "1" and len(nspid) == 2
    lines = out.splitlines()
    assert lines[0] == "pid=1"
    # the cgroup namespace was unshared once the init sat in its cgroup: its root is "/"
    assert all(line.rsplit(":", 1)[1] == "/" for line in lines[1:-1] if line)


def test_namespaces_left_out_are_shared(rootfs, state_root, tmp_path, no_leaks):
    with running(state_root, "fewns", make_config(rootfs, namespaces=("NEWNS", "NEWPID")), tmp_path) as (pid, _):
        assert ns_link(pid, "NEWNS") != ns_link("self", "NEWNS")
        for t in ("NEWNET", "NEWUTS", "NEWIPC", "NEWCGROUP"):
            assert ns_link(pid, t) == ns_link("self", t), t


def test_hostname_and_domainname(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs, hostname="box1", domainname="example.test")
    script = "hostname; cat /proc/sys/kernel/domainname"
    with running(state_root, "uts", config, tmp_path, script) as (pid, out):
        assert nsenter(pid, "hostname", kinds=("uts",)).strip() == "box1"
        assert nsenter(pid, "cat", "/proc/sys/kernel/domainname", kinds=("uts",)).strip() == "example.test"
    assert out.split()[:2] == ["box1", "example.test"]
    assert os.uname().nodename != "box1"


def test_sysctls_land_in_the_containers_namespaces(rootfs, state_root, tmp_path, no_leaks):
    with open("/proc/sys/kernel/msgmax") as f:
        host_msgmax = f.read().strip()
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host_forward = f.read().strip()
    want_forward = "0" if host_forward == "1" else "1"
    config = make_config(rootfs, sysctl={"net.ipv4.ip_forward": want_forward, "kernel.msgmax": "4321",
                                         "net/ipv4/conf/lo/forwarding": want_forward})
    script = "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax"
    with running(state_root, "sysctl", config, tmp_path, script) as (pid, out):
        assert nsenter(pid, "cat", "/proc/sys/net/ipv4/ip_forward", kinds=("net",)).strip() == want_forward
        assert nsenter(pid, "cat", "/proc/sys/net/ipv4/conf/lo/forwarding", kinds=("net",)).strip() == want_forward
        assert nsenter(pid, "cat", "/proc/sys/kernel/msgmax", kinds=("ipc",)).strip() == "4321"
    assert out.split()[:2] == [want_forward, "4321"]
    with open("/proc/sys/kernel/msgmax") as f:
        assert f.read().strip() == host_msgmax  # the host's values are untouched
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        assert f.read().strip() == host_forward


def _lo_flags(pid) -> str:
    text = nsenter(pid, "ip", "-o", "link", "show", "lo", kinds=("net",))
    return text.split("<", 1)[1].split(">", 1)[0]


def test_loopback_network_brings_lo_up(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs, networks=[Network(type="loopback")])
    with running(state_root, "lo", config, tmp_path, "ping -c 1 -W 1 127.0.0.1 >/dev/null && echo PING-OK") as (pid, out):
        assert "UP" in _lo_flags(pid).split(",")
    assert "PING-OK" in out
    # without the network, lo stays down in a new network namespace
    with running(state_root, "nolo", make_config(rootfs), tmp_path) as (pid, _):
        assert "UP" not in _lo_flags(pid).split(",")
