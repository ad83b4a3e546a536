"""Time namespaces: offsets written before anyone is in the namespace, seen from outside in
/proc/<pid>/timens_offsets and from inside in /proc/uptime; and joining one by path."""

from __future__ import annotations

import os

import pytest
from test_namespaces import ALL_BUT_TIME, make_config, ns_link, running

from libcontainer import Factory
from libcontainer.configs import Namespace
from libcontainer.configs.timeoffset import TimeOffset
from libcontainer.errors import ConfigError

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.path.exists("/proc/self/ns/time"), reason="kernel without time namespaces"),
]
BOOT = 86400 * 500
MONO = 1_000_000


def offsets(pid) -> dict:
    with open(f"/proc/{pid}/timens_offsets") as f:
        return {clock: (int(s), int(ns)) for clock, s, ns in (line.split() for line in f)}


def uptime(text: str) -> float:
    return float(text.split()[0])


def test_time_namespace_with_offsets(rootfs, state_root, tmp_path, no_leaks):
    with open("/proc/uptime") as f:
        host_uptime = uptime(f.read())
    assert host_uptime < BOOT, "host up for longer than the offset: the test could not tell"
    config = make_config(rootfs, namespaces=ALL_BUT_TIME + ("NEWTIME",),
                         time_offsets={"monotonic": TimeOffset(secs=MONO, nanosecs=5),
                                       "boottime": TimeOffset(secs=BOOT)})
    with running(state_root, "timens", config, tmp_path, "echo $$; cat /proc/uptime") as (pid, out):
        assert ns_link(pid, "NEWTIME") != ns_link("self", "NEWTIME")
        assert os.readlink(f"/proc/{pid}/ns/time_for_children") == ns_link(pid, "NEWTIME")
        assert offsets(pid) == {"monotonic": (MONO, 5), "boottime": (BOOT, 0)}
        assert offsets("self") == {"monotonic": (0, 0), "boottime": (0, 0)}
        for t in ALL_BUT_TIME:  # the staged start still made every other namespace
            assert ns_link(pid, t) != ns_link("self", t), t
    pid_inside, up = out.split()[:2]
    assert pid_inside == "1"  # the init is PID 1 even though it was forked after unshare
    assert BOOT <= float(up) < BOOT + host_uptime + 60


def test_join_time_namespace_of_another_container(rootfs, state_root, tmp_path, no_leaks):
    config = make_config(rootfs, namespaces=ALL_BUT_TIME + ("NEWTIME",),
                         time_offsets={"boottime": TimeOffset(secs=BOOT)})
    with running(state_root, "tA", config, tmp_path) as (a, _):
        other = tmp_path / "other"
        os.mkdir(other)
        import shutil

        shutil.copytree(rootfs, other / "rootfs", symlinks=True)
        joined = make_config(str(other / "rootfs"), namespaces=[Namespace(t) for t in ALL_BUT_TIME]
                             + [Namespace("NEWTIME", f"/proc/{a}/ns/time")])
        with running(state_root, "tB", joined, tmp_path, "cat /proc/uptime") as (b, out):
            assert ns_link(b, "NEWTIME") == ns_link(a, "NEWTIME") != ns_link("self", "NEWTIME")
            assert offsets(b)["boottime"] == (BOOT, 0)
        assert uptime(out) >= BOOT


def test_offsets_refused_when_joining(rootfs, state_root, no_leaks):
    config = make_config(rootfs, namespaces=[Namespace(t) for t in ALL_BUT_TIME]
                         + [Namespace("NEWTIME", "/proc/self/ns/time")],
                         time_offsets={"boottime": TimeOffset(secs=BOOT)})
    with pytest.raises(ConfigError, match="time namespace offsets cannot be set when joining"):
        Factory(state_root).create("bad", config)
    assert os.listdir(state_root) == []
