"""Statistics and memory notifications of a real container on the cgroupfs driver.

Each counter is checked against what the workload must have caused (CPU burnt under a
small CFS quota shows throttling, written-and-synced data shows in blkio, the processes
show in pids) and against the cgroup files read independently.
"""

from __future__ import annotations

import os
import time

import pytest
from cgroup_sandbox import (
    container_config,
    default_device_rules,
    make_node,
    read,
    running,
    v1_sandbox,
)

from libcontainer.cgroups.stats import Stats
from libcontainer.configs import Cgroup, Resources

pytestmark = pytest.mark.integration


@pytest.fixture
def sandbox():
    with v1_sandbox("lc-stat") as sb:
        yield sb


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _root_device_of(path: str) -> tuple[int, int]:
    dev = os.stat(path).st_dev
    return os.major(dev), os.minor(dev)


def test_stats_of_a_busy_container(sandbox, rootfs, state_root, tmp_path, no_leaks):
    make_node(rootfs, "zero", 1, 5)
    make_node(rootfs, "null", 1, 3)
    res = Resources(devices=default_device_rules(), memory=64 << 20, memory_swap=128 << 20,
                    kernel_memory_tcp=8 << 20, pids_limit=20, cpu_quota=10000, cpu_period=100000)
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("busy"), resources=res))
    script = ("i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done;"
              " dd if=/dev/zero of=/tmp/f bs=1M count=8 conv=fsync 2>/dev/null; sleep 30 & echo done; wait")
    out = tmp_path / "out"
    with running(state_root, "cgfs-stats", cfg, ["/bin/sh", "-c", script], out) as (c, _p):
        assert wait_for(lambda: "done" in out.read_text()), out.read_text()
        m = c.cgroup_manager
        stats = m.get_stats()
        assert isinstance(stats, Stats)
        cpu = stats.cpu_stats
        ncpu = len(read(m.path("cpuacct"), "cpuacct.usage_percpu").split())
        assert cpu.cpu_usage.total_usage > 0
        assert cpu.cpu_usage.total_usage <= int(read(m.path("cpuacct"), "cpuacct.usage"))
        assert len(cpu.cpu_usage.percpu_usage) == ncpu and sum(cpu.cpu_usage.percpu_usage) > 0
        assert len(cpu.cpu_usage.percpu_usage_in_usermode) == len(cpu.cpu_usage.percpu_usage_in_kernelmode) == ncpu
        assert cpu.cpu_usage.usage_in_usermode + cpu.cpu_usage.usage_in_kernelmode > 0
        # 100000 shell iterations under a 10% quota: throttled
        assert cpu.throttling_data.periods > 0 and cpu.throttling_data.throttled_periods > 0
        assert cpu.throttling_data.throttled_time > 0
        mem = stats.memory_stats
        assert mem.usage.limit == 64 << 20 and 0 < mem.usage.usage <= mem.usage.max_usage
        assert mem.swap_usage.limit == 128 << 20 and mem.swap_usage.usage >= mem.usage.usage
        assert mem.kernel_tcp_usage.limit == 8 << 20
        assert mem.kernel_usage.usage > 0  # kernel memory is accounted (no limit knob)
        assert {"cache", "rss", "total_rss", "hierarchical_memory_limit"} <= set(mem.stats)
        assert mem.stats["hierarchical_memory_limit"] == 64 << 20 and mem.cache == mem.stats["cache"]
        assert mem.use_hierarchy is True
        assert mem.page_usage_by_numa.total.total > 0 and 0 in mem.page_usage_by_numa.total.nodes
        assert mem.page_usage_by_numa.hierarchical.total.total > 0
        assert stats.pids_stats.limit == 20 and stats.pids_stats.current == 2  # sh and sleep
        assert stats.cpuset_stats.cpus == sorted(stats.cpuset_stats.cpus) and stats.cpuset_stats.cpus
        assert stats.cpuset_stats.mems
        # 8 MiB written and synced to the disk under the rootfs
        major, minor = _root_device_of(str(tmp_path))
        written = [e for e in stats.blkio_stats.io_service_bytes_recursive
                   if (e.major, e.minor, e.op) == (major, minor, "Write")]
        # v1 charges what the flusher writes back to the root cgroup, not ours: of the 8 MiB,
        # a busy machine may leave part to the flusher before the fsync
        assert written and written[0].value >= 1 << 20, stats.blkio_stats
        assert any(e.op == "Write" for e in stats.blkio_stats.io_serviced_recursive)
        assert stats.hugetlb_stats == {}  # hugetlb is not mounted on this machine
        as_dict = stats.to_dict()
        assert as_dict["memory_stats"]["usage"]["limit"] == 64 << 20


def test_memory_pressure_notification(sandbox, rootfs, state_root, tmp_path, no_leaks):
    make_node(rootfs, "zero", 1, 5)
    res = Resources(devices=default_device_rules(), memory=16 << 20)
    cfg = container_config(rootfs, Cgroup(path=sandbox.relative("press"), resources=res))
    # page cache far beyond the limit forces reclaim inside the cgroup
    script = ("while [ ! -e /tmp/go ]; do sleep 0.01; done;"
              " dd if=/dev/zero of=/tmp/big bs=1M count=96 2>/dev/null; rm /tmp/big; echo done; sleep 30")
    out = tmp_path / "out"
    with running(state_root, "cgfs-press", cfg, ["/bin/sh", "-c", script], out) as (c, _p):
        m = c.cgroup_manager
        with pytest.raises(ValueError, match="invalid pressure level"):
            m.notify_memory_pressure(3)
        with m.notify_memory_pressure("low") as low:
            assert low.wait(0.05) == 0
            (tmp_path / "rootfs" / "tmp" / "go").write_text("")
            assert low.wait(20) >= 1
        assert wait_for(lambda: "done" in out.read_text())
