"""Real containers on the cgroupfs driver: every v1 resource written, read back from the
cgroup files, and seen at work in the kernel (an OOM kill, a refused fork, a refused device,
CPU pinning), plus updates of a running container (memory up and down, -1 as unlimited,
device rules changed with no allow-all window).

Every cgroup lives in a ``cgroup_sandbox`` below this process's own cgroups.
"""

from __future__ import annotations

import os
import threading

import pytest
from cgroup_sandbox import (
    container_config,
    default_device_rules,
    make_node,
    proc_cgroups,
    read,
    running,
    v1_sandbox,
    wait_for,
)

from libcontainer.configs import Cgroup, DeviceRule, Resources, ThrottleDevice, WeightDevice

pytestmark = pytest.mark.integration
UNLIMITED = "9223372036854771712"  # what a v1 memory limit of -1 reads back as


@pytest.fixture
def sandbox():
    with v1_sandbox("lc-res") as sb:
        yield sb








def test_limits_written_and_seen_from_both_sides(sandbox, rootfs, state_root, tmp_path, no_leaks):
    with open(os.path.join(sandbox.dir("cpu"), "cpu.rt_runtime_us"), "w") as f:
        f.write("10000")  # our sandbox's RT budget, so the container can have a share
    resources = Resources(
        devices=default_device_rules(),
        memory=64 << 20, memory_reservation=32 << 20, memory_swap=128 << 20,
        kernel_memory_tcp=16 << 20, memory_swappiness=10,
        cpu_shares=512, cpu_quota=50000, cpu_period=100000, cpu_burst=1000, cpu_idle=0,
        cpu_rt_period=500000, cpu_rt_runtime=5000,
        cpuset_cpus="0", cpuset_mems="0",
        pids_limit=50,
        blkio_weight=300,
        blkio_throttle_read_bps_device=[ThrottleDevice(254, 0, 1 << 30)],
        blkio_throttle_write_bps_device=[ThrottleDevice(254, 0, 1 << 29)],
        blkio_throttle_read_iops_device=[ThrottleDevice(254, 0, 10000)],
        blkio_throttle_write_iops_device=[ThrottleDevice(254, 0, 5000)],
    )
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("limits"), resources=resources))
    script = "grep Cpus_allowed_list /proc/self/status; echo ready; sleep 30"
    with running(state_root, "cgfs-limits", cfg, ["/bin/sh", "-c", script], tmp_path / "out") as (c, _p):
        pid = c.init_pid
        assert wait_for(lambda: "ready" in (tmp_path / "out").read_text())
        m = c.cgroup_manager
        # outside: the init sits in the container's cgroup in every hierarchy
        seen = proc_cgroups(pid)
        for sub, (_mp, own) in sandbox.hierarchies.items():
            assert seen[sub] == os.path.join(own, sandbox.relative("limits")), sub
        mem, cpu, blk = m.path("memory"), m.path("cpu"), m.path("blkio")
        assert read(mem, "memory.limit_in_bytes") == str(64 << 20)
        assert read(mem, "memory.memsw.limit_in_bytes") == str(128 << 20)
        assert read(mem, "memory.soft_limit_in_bytes") == str(32 << 20)
        assert read(mem, "memory.kmem.tcp.limit_in_bytes") == str(16 << 20)
        assert read(mem, "memory.swappiness") == "10"
        assert read(cpu, "cpu.shares") == "512"
        assert read(cpu, "cpu.cfs_quota_us") == "50000" and read(cpu, "cpu.cfs_period_us") == "100000"
        assert read(cpu, "cpu.cfs_burst_us") == "1000" and read(cpu, "cpu.idle") == "0"
        assert read(cpu, "cpu.rt_period_us") == "500000" and read(cpu, "cpu.rt_runtime_us") == "5000"
        assert read(m.path("cpuset"), "cpuset.cpus") == "0" and read(m.path("cpuset"), "cpuset.mems") == "0"
        assert read(m.path("pids"), "pids.max") == "50"
        assert read(blk, "blkio.bfq.weight") == "300"  # this kernel has no CFQ blkio.weight
        assert read(blk, "blkio.throttle.read_bps_device") == f"254:0 {1 << 30}"
        assert read(blk, "blkio.throttle.write_bps_device") == f"254:0 {1 << 29}"
        assert read(blk, "blkio.throttle.read_iops_device") == "254:0 10000"
        assert read(blk, "blkio.throttle.write_iops_device") == "254:0 5000"
        assert {"c *:* m", "b *:* m", "c 1:3 rwm", "c 136:* rwm"} <= set(read(m.path("devices"), "devices.list").splitlines())
        # the kernel applies them: pinned to CPU 0, seen from inside and outside
        assert "Cpus_allowed_list:\t0" in (tmp_path / "out").read_text()
        with open(f"/proc/{pid}/status") as f:
            assert "Cpus_allowed_list:\t0\n" in f.read()


def test_absolute_and_parent_name_paths(sandbox, rootfs, state_root, tmp_path, no_leaks):
    absolute = sandbox.absolute("abs-c")
    if absolute is None:
        pytest.skip("own cgroups are not nested along one line: no absolute path below all of them")
    res = Resources(devices=default_device_rules(), pids_limit=20)
    for cid, group, expect in (
        ("cgfs-abs", Cgroup(path=absolute, resources=res), lambda own: absolute),
        ("cgfs-pn", Cgroup(parent=sandbox.relative("par"), name="kid", resources=res),
         lambda own: os.path.join(own, sandbox.relative("par", "kid"))),
    ):
        cfg = container_config(rootfs, group)
        with running(state_root, cid, cfg, ["/bin/sleep", "30"], tmp_path / f"{cid}.out") as (c, _p):
            seen = proc_cgroups(c.init_pid)
            for sub, (_mp, own) in sandbox.hierarchies.items():
                assert seen[sub] == expect(own), sub
            assert read(c.cgroup_manager.path("pids"), "pids.max") == "20"
            paths = c.cgroup_manager.get_paths()
        assert not any(os.path.exists(p) for p in paths.values())


def test_oom_kill_and_notification(sandbox, rootfs, state_root, tmp_path, no_leaks):
    make_node(rootfs, "zero", 1, 5)
    make_node(rootfs, "null", 1, 3)
    res = Resources(devices=default_device_rules(), memory=16 << 20, memory_swap=16 << 20)
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("oom"), resources=res))
    # the init waits for a go-ahead file, so the OOM notifier is registered before it eats
    script = "while [ ! -e /tmp/go ]; do sleep 0.01; done; dd if=/dev/zero of=/dev/null bs=64M count=1"
    with running(state_root, "cgfs-oom", cfg, ["/bin/sh", "-c", script], tmp_path / "out") as (c, p):
        m = c.cgroup_manager
        with m.notify_oom() as events:
            assert events.wait(0.05) == 0  # nothing yet
            (tmp_path / "rootfs" / "tmp" / "go").write_text("")
            assert events.wait(10) >= 1
        p.wait()
        assert m.oom_kill_count() >= 1
        assert "oom_kill 1" in read(m.path("memory"), "memory.oom_control")
        usage = m.get_stats().memory_stats
        assert usage.usage.max_usage == usage.usage.limit == 16 << 20  # it ran into the limit
    out = (tmp_path / "out").read_text()
    assert "Killed" in out or p.wait().exit_code in (137, 1), out


def test_oom_notifier_ends_when_the_cgroup_goes(sandbox, rootfs, state_root, tmp_path, no_leaks):
    res = Resources(devices=default_device_rules(), memory=32 << 20)
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("oomgone"), resources=res))
    with running(state_root, "cgfs-oomgone", cfg, ["/bin/sleep", "30"], tmp_path / "out") as (c, _p):
        events = c.cgroup_manager.notify_oom()
    try:
        assert events.wait(5) == 0 and events.closed  # removal wakes it, and ends the stream
        assert list(events) == []
    finally:
        events.close()


def test_pids_max_refuses_fork(sandbox, rootfs, state_root, tmp_path, no_leaks):
    res = Resources(devices=default_device_rules(), pids_limit=4)
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("pids"), resources=res))
    script = "for i in 1 2 3 4 5 6; do sleep 30 & done; echo spawned; sleep 30"
    with running(state_root, "cgfs-pids", cfg, ["/bin/sh", "-c", script], tmp_path / "out") as (c, _p):
        assert wait_for(lambda: "can't fork" in (tmp_path / "out").read_text()), (tmp_path / "out").read_text()
        path = c.cgroup_manager.path("pids")
        assert int(read(path, "pids.current")) <= 4
        assert int(read(path, "pids.events").split()[1]) >= 1  # "max N": forks refused
        stats = c.cgroup_manager.get_stats()
        assert stats.pids_stats.limit == 4 and 1 <= stats.pids_stats.current <= 4
    assert "can't fork" in (tmp_path / "out").read_text()


def test_device_refused(sandbox, rootfs, state_root, tmp_path, no_leaks):
    make_node(rootfs, "null", 1, 3)
    make_node(rootfs, "kmsg", 1, 11)  # openable by this host's root, not in the defaults
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("dev"), resources=Resources(devices=default_device_rules())))
    script = "echo x > /dev/null && echo null-ok; (: < /dev/kmsg); echo rc=$?"
    out = tmp_path / "out"
    with running(state_root, "cgfs-dev", cfg, ["/bin/sh", "-c", script], out) as (c, p):
        p.wait()
        listing = read(c.cgroup_manager.path("devices"), "devices.list").splitlines()
        assert "a *:* rwm" not in listing and "c 1:3 rwm" in listing
        assert not any(line.startswith("c 1:11") for line in listing)
    text = out.read_text()
    assert "null-ok" in text and "Operation not permitted" in text and "rc=1" in text


def test_device_update_has_no_allow_all_window(sandbox, rootfs, state_root, tmp_path, no_leaks):
    make_node(rootfs, "zero", 1, 5)
    make_node(rootfs, "null", 1, 3)
    make_node(rootfs, "kmsg", 1, 11)
    rules = default_device_rules()
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("devupd"), resources=Resources(devices=rules)))
    script = ("while [ ! -e /tmp/stop ]; do head -c1 /dev/zero >/dev/null 2>&1 || echo ZERO-DENIED;"
              " (: </dev/kmsg) 2>/dev/null && echo KMSG-ALLOWED; done")
    out = tmp_path / "out"
    with running(state_root, "cgfs-devupd", cfg, ["/bin/sh", "-c", script], out) as (c, p):
        path = c.cgroup_manager.path("devices")
        seen_lists, stop = set(), threading.Event()

        def watch():
            while not stop.is_set():
                seen_lists.add(read(path, "devices.list"))

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            wider = rules + [DeviceRule(type="c", major=1, minor=11, permissions="r", allow=True)]
            c.cgroup_manager.set(Resources(devices=wider))
            assert wait_for(lambda: "KMSG-ALLOWED" in out.read_text()), (read(path, "devices.list"), out.read_text()[-300:])
            assert "c 1:11 r" in read(path, "devices.list").splitlines()
            c.cgroup_manager.set(Resources(devices=rules))  # and narrow again
            assert "c 1:11 r" not in read(path, "devices.list").splitlines()
        finally:
            stop.set()
            watcher.join()
        (tmp_path / "rootfs" / "tmp" / "stop").write_text("")
        p.wait()
    assert not any("a *:* rwm" in lst for lst in seen_lists)
    assert "ZERO-DENIED" not in out.read_text()


def test_memory_updates_up_down_and_unlimited(sandbox, rootfs, state_root, tmp_path, no_leaks):
    res = Resources(devices=default_device_rules(), memory=64 << 20, memory_swap=96 << 20, pids_limit=30,
                    cpu_quota=20000, cpu_period=100000)
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("upd"), resources=res))
    with running(state_root, "cgfs-upd", cfg, ["/bin/sleep", "30"], tmp_path / "out") as (c, _p):
        m = c.cgroup_manager
        mem = m.path("memory")
        # raising both above the old memsw: memsw must be written first
        m.set(Resources(memory=256 << 20, memory_swap=512 << 20, skip_devices=True))
        assert read(mem, "memory.limit_in_bytes") == str(256 << 20)
        assert read(mem, "memory.memsw.limit_in_bytes") == str(512 << 20)
        # lowering both below the old memory: memory must be written first
        m.set(Resources(memory=32 << 20, memory_swap=48 << 20, skip_devices=True))
        assert read(mem, "memory.limit_in_bytes") == str(32 << 20)
        assert read(mem, "memory.memsw.limit_in_bytes") == str(48 << 20)
        # -1: unlimited, swap follows memory when not given
        m.set(Resources(memory=-1, pids_limit=-1, cpu_quota=-1, memory_reservation=-1, skip_devices=True))
        assert read(mem, "memory.limit_in_bytes") == UNLIMITED
        assert read(mem, "memory.memsw.limit_in_bytes") == UNLIMITED
        assert read(mem, "memory.soft_limit_in_bytes") == UNLIMITED
        assert read(m.path("pids"), "pids.max") == "max"
        assert read(m.path("cpu"), "cpu.cfs_quota_us") == "-1"
        # shorter period than the old quota allows is retried after the quota (EINVAL dance)
        m.set(Resources(cpu_period=10000, cpu_quota=5000, skip_devices=True))
        assert read(m.path("cpu"), "cpu.cfs_period_us") == "10000"
        # an invalid swappiness is refused before the kernel sees it
        with pytest.raises(ValueError, match="valid memory swappiness range is 0-100"):
            m.set(Resources(memory_swappiness=101, skip_devices=True))
        # memory above memsw is refused by the kernel, and the error names the file
        m.set(Resources(memory=64 << 20, memory_swap=64 << 20, skip_devices=True))
        with pytest.raises(OSError, match="memory.limit_in_bytes"):
            m.set(Resources(memory=128 << 20, skip_devices=True))


def test_blkio_weights_on_this_kernel(sandbox, rootfs, state_root, tmp_path, no_leaks):
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("blk"), resources=Resources(
        devices=default_device_rules(), blkio_weight=500)))
    with running(state_root, "cgfs-blk", cfg, ["/bin/sleep", "30"], tmp_path / "out") as (c, _p):
        m = c.cgroup_manager
        blk = m.path("blkio")
        assert read(blk, "blkio.bfq.weight") == "500"
        # no CFQ here: leaf weights do not exist and are refused, not dropped
        if not os.path.exists(os.path.join(blk, "blkio.leaf_weight")):
            with pytest.raises(OSError, match="blkio.leaf_weight"):
                m.set(Resources(blkio_leaf_weight=200, skip_devices=True))
        try:
            m.set(Resources(blkio_weight_device=[WeightDevice(254, 0, 200)], skip_devices=True))
        except OSError as exc:  # BFQ takes per-device weights only for devices it schedules
            assert "blkio.bfq.weight_device" in str(exc)
        else:
            assert "254:0 200" in read(blk, "blkio.bfq.weight_device")
