"""fs2 against a real pure cgroup v2 kernel: runs inside the QEMU guest (``make vm-test``).

Real containers go through the library API; the kernel's side is checked from outside (the
interface files, memory.events, pids.events, cgroup.events, /proc/PID/cgroup) and from
inside (what the container's processes experience). One boot runs this whole file, so it is
kept small: five containers, a few seconds of guest time each under TCG.

Outside the guest every test skips, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import uuid

import pytest

from libcontainer import Factory, Process, syscalls
from libcontainer.configs import Cgroup, Config, DeviceRule, Mount, Namespace, Resources

ROOT = "/sys/fs/cgroup"
pytestmark = pytest.mark.skipif(
    os.environ.get("LIBCONTAINER_VM") != "1", reason="needs the pure cgroup v2 guest (make vm-test)"
)
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")
MB = 1 << 20


def read(path: str) -> str:
    with open(path) as f:
        return f.read().strip()


def keyed(path: str) -> dict[str, int]:
    return {k: int(v) for k, v in (line.split() for line in read(path).splitlines())}


def rule(t, major, minor, perms, allow=True):
    return DeviceRule(type=t, major=major, minor=minor, permissions=perms, allow=allow)


RULES = [rule("a", -1, -1, "rwm", False), rule("c", 1, 3, "rwm"), rule("c", 1, 5, "rwm")]


@pytest.fixture
def cg():
    """An absolute cgroup path (for configs) whose directory is removed, tasks killed, at the end."""
    name = f"lc-vm-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    yield f"/{name}"
    base = os.path.join(ROOT, name)
    for root, dirs, _files in os.walk(base, topdown=False):
        for d in [*(os.path.join(root, x) for x in dirs)]:
            _remove(d)
    _remove(base)
    assert not os.path.exists(base)


def _remove(path):
    try:
        with open(os.path.join(path, "cgroup.kill"), "w") as f:
            f.write("1")
    except OSError:
        pass
    for _ in range(200):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def make_config(rootfs, path, **res) -> Config:
    for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("lcfull", 1, 7)):
        node = os.path.join(rootfs, "dev", name)
        if not os.path.exists(node):
            os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(major, minor))
    cfg = Config(
        rootfs=rootfs,
        hostname="v2",
        namespaces=[Namespace(t) for t in NEW],
        mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)],
    )
    cfg.cgroups = Cgroup(path=path, resources=Resources(devices=list(RULES), **res))
    cfg.cgroup_driver = "fs2"
    return cfg


def run_init(factory, cid, cfg, args, out):
    container = factory.create(cid, cfg)
    proc = Process(args=args, stdout=out, stderr=out)
    container.run(proc)
    return container, proc


def output(f):
    f.flush()
    f.seek(0)
    return f.read()


def stop(container, proc):
    try:
        container.signal(signal.SIGKILL, all=True)
    except Exception:  # noqa: BLE001 - stopped already
        pass
    proc.wait()
    container.destroy()


def test_guest_is_pure_v2():
    assert read("/proc/self/cgroup") == "0::/"
    assert {"cpu", "memory", "pids", "io"} <= set(read(f"{ROOT}/cgroup.controllers").split())
    from libcontainer import plugins

    assert plugins.pick_cgroup_driver() == "fs2"


def test_limits_written_and_updated_swap_max(rootfs, state_root, tmp_path, cg, no_leaks):
    cfg = make_config(rootfs, cg + "/c1", memory=64 * MB, memory_swap=128 * MB, memory_reservation=16 * MB,
                      pids_limit=50, cpu_quota=50000, cpu_period=100000, cpu_shares=1024, blkio_weight=500)
    with open(tmp_path / "out", "w+") as out:
        container, proc = run_init(Factory(state_root), "lim", cfg, ["/bin/sleep", "60"], out)
        try:
            d = container.cgroup_manager.path("")
            assert d == f"{ROOT}{cg}/c1"
            assert read(f"/proc/{container.init_pid}/cgroup") == f"0::{cg}/c1"
            assert {"memory", "pids", "cpu", "io"} <= set(read(f"{ROOT}{cg}/cgroup.subtree_control").split())
            assert read(f"{d}/memory.max") == str(64 * MB)
            assert read(f"{d}/memory.swap.max") == str(64 * MB)  # v1 memory+swap 128M -> 64M of swap
            assert read(f"{d}/memory.low") == str(16 * MB)
            assert read(f"{d}/pids.max") == "50"
            assert read(f"{d}/cpu.max") == "50000 100000"
            assert read(f"{d}/cpu.weight") == "39"  # runc's shares conversion of 1024
            if os.path.exists(f"{d}/io.weight"):
                assert read(f"{d}/io.weight") == "default 4950"
            # update: -1 means "max" everywhere, never a literal -1
            new = make_config(rootfs, cg + "/c1", memory=64 * MB, memory_swap=-1, pids_limit=-1, cpu_quota=-1)
            container.set(new)
            assert read(f"{d}/memory.swap.max") == "max"
            assert read(f"{d}/pids.max") == "max"
            assert read(f"{d}/cpu.max") == "max 100000"
            st = container.stats()
            assert st.memory_stats.usage.limit == 64 * MB and st.memory_stats.usage.usage > 0
            assert st.pids_stats.current == 1 and st.pids_stats.limit == 0
            assert st.cpu_stats.psi is not None and st.memory_stats.psi is not None
        finally:
            stop(container, proc)
    assert not os.path.exists(d)


class CloneSpy(syscalls.LinuxSyscalls):
    """The real syscall layer, noting in the parent which cgroup each clone was given."""

    def __init__(self):
        self.pid = os.getpid()
        self.clones: list[str] = []

    def clone(self, flags, cgroup_fd=-1):
        target = os.readlink(f"/proc/self/fd/{cgroup_fd}") if cgroup_fd >= 0 else ""
        pid = super().clone(flags, cgroup_fd)  # an error here would have meant a fallback
        if os.getpid() == self.pid:
            self.clones.append(target)
        return pid

    def clone_init(self, flags, cgroup_fd, plan, sync_fd, share_memory=False):
        """The native init's clone (init/plan.py): its child never returns here."""
        target = os.readlink(f"/proc/self/fd/{cgroup_fd}") if cgroup_fd >= 0 else ""
        pid = super().clone_init(flags, cgroup_fd, plan, sync_fd, share_memory)
        self.clones.append(target)
        return pid


def test_init_born_in_its_cgroup(rootfs, state_root, tmp_path, cg, no_leaks):
    """CLONE_INTO_CGROUP on a pure v2 kernel, into a leaf whose parent has controllers on."""
    cfg = make_config(rootfs, cg + "/born", pids_limit=20, memory=64 * MB)
    spy = CloneSpy()
    with open(tmp_path / "out", "w+") as out:
        with syscalls.use(spy):
            container, proc = run_init(Factory(state_root), "born", cfg,
                                       ["/bin/sh", "-c", "grep ^0:: /proc/self/cgroup; exec sleep 60"], out)
        try:
            d = container.cgroup_manager.path("")
            assert spy.clones == [d]  # one clone, given the leaf's fd, accepted by the kernel
            assert read(f"/proc/{container.init_pid}/cgroup") == f"0::{cg}/born"
            assert read(f"{d}/cgroup.procs") == str(container.init_pid)
            assert read(f"{d}/pids.max") == "20" and keyed(f"{d}/pids.events")["max"] == 0
            for _ in range(250):
                if output(out).endswith("\n"):
                    break
                time.sleep(0.02)
            assert output(out).strip() == f"0::{cg}/born"  # inside (no cgroup namespace)
        finally:
            stop(container, proc)
    assert not os.path.exists(d)


def test_oom_kill_counted_and_notified(rootfs, state_root, tmp_path, cg, no_leaks):
    cfg = make_config(rootfs, cg + "/oom", memory=32 * MB, memory_swap=32 * MB)
    factory = Factory(state_root)
    container = factory.create("oom", cfg)
    with open(tmp_path / "out", "w+") as out:
        proc = Process(args=["/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=96M", "count=1"], stdout=out, stderr=out)
        try:
            container.start(proc)
            d = container.cgroup_manager.path("")
            assert read(f"{d}/memory.swap.max") == "0"
            notifier = container.notify_oom()
            container.exec()
            status = proc.wait()
            assert status.signal == signal.SIGKILL, output(out)
            assert notifier.wait(10) >= 1
            notifier.close()
            assert keyed(f"{d}/memory.events")["oom_kill"] >= 1
            assert container.cgroup_manager.oom_kill_count() >= 1
        finally:
            stop(container, proc)


def test_pids_max_refuses_fork(rootfs, state_root, tmp_path, cg, no_leaks):
    cfg = make_config(rootfs, cg + "/pids", pids_limit=3)
    with open(tmp_path / "out", "w+") as out:
        script = "for i in 1 2 3 4 5; do sleep 2 & done; wait"
        container, proc = run_init(Factory(state_root), "pids", cfg, ["/bin/sh", "-c", script], out)
        try:
            d = container.cgroup_manager.path("")
            status = proc.wait()
            text = output(out)
            assert "can't fork" in text, text  # busybox sh gives up at the refused fork
            assert keyed(f"{d}/pids.events")["max"] >= 1
            assert status.code != 0
        finally:
            stop(container, proc)


def test_devices_freeze_and_kill(rootfs, state_root, tmp_path, cg, no_leaks):
    cfg = make_config(rootfs, cg + "/frz")
    with open(tmp_path / "out", "w+") as out:
        script = ("head -c1 /dev/lcfull >/dev/null || echo full-denied; head -c1 /dev/zero >/dev/null && echo zero-ok; "
                  "mknod /dev/x c 1 7 || echo mknod-denied; sleep 60 & wait")
        container, proc = run_init(Factory(state_root), "frz", cfg, ["/bin/sh", "-c", script], out)
        try:
            d = container.cgroup_manager.path("")
            for _ in range(500):
                text = output(out)
                if "mknod-denied" in text and len(container.cgroup_manager.get_all_pids()) == 2:
                    break
                time.sleep(0.02)
            assert "full-denied" in text and "zero-ok" in text and "mknod-denied" in text, text
            assert "Operation not permitted" in text and "Permission denied" not in text, text  # EPERM: the BPF program
            container.pause()
            assert keyed(f"{d}/cgroup.events")["frozen"] == 1 and read(f"{d}/cgroup.freeze") == "1"
            assert str(container.status()) == "paused"
            container.resume()
            assert keyed(f"{d}/cgroup.events")["frozen"] == 0
            container.signal(signal.SIGKILL, all=True)  # cgroup.kill
            assert proc.wait().signal == signal.SIGKILL
        finally:
            stop(container, proc)
        assert not os.path.exists(d)


def test_the_native_front_deletes_a_v2_container(rootfs, state_root, tmp_path, cg, no_leaks):
    """native/front_delete.c on a real v2 cgroup, run alone (no Python CLI beside it, so a
    hand-over would fail with 127): a created container killed, its cgroup removed with the
    one nested in it, its state gone."""
    front = os.path.join(os.path.dirname(sys.executable), "pyrunc")
    with open(front, "rb") as f:
        if f.read(4) != b"\x7fELF":
            pytest.skip("pyrunc is not the native front (setup.py could not build native/front.c)")
    shutil.copy2(front, tmp_path / "pyrunc")
    container = Factory(state_root).create("del", make_config(rootfs, cg + "/del"))
    with open(tmp_path / "out", "w+") as out:
        proc = Process(args=["/bin/sleep", "60"], stdout=out, stderr=out)
        container.start(proc)  # created: the init waits on its FIFO
        try:
            d = container.cgroup_manager.path("")
            facts = read(os.path.join(container.state_dir, "delete.native")).splitlines()
            assert facts[1:] == [f"{d}/cgroup.freeze\t0", d]
            os.mkdir(os.path.join(d, "inner"))  # a cgroup the container could have made
            res = subprocess.run([str(tmp_path / "pyrunc"), "--root", state_root, "delete", "del"],
                                 capture_output=True, text=True, timeout=60)
            assert res.returncode == 0, res
            assert proc.wait().signal == signal.SIGKILL
            assert not os.path.exists(d) and not os.path.exists(container.state_dir)
        finally:
            if os.path.exists(container.state_dir):  # the front did not finish: undo it all
                stop(container, proc)



def test_the_native_front_execs_into_a_v2_container(rootfs, state_root, tmp_path, cg, no_leaks):
    """native/front_exec.c on a real v2 cgroup, run alone (pyrunc and pyrunc-exec, no Python
    CLI beside them: a hand-over would fail with 127): the exec'd process moves itself into
    the container's cgroup by writing "0" to its cgroup.procs, and a paused container (its
    cgroup.freeze 1) is left to the Python CLI. native/front_state.c tells it paused."""
    here = os.path.dirname(sys.executable)
    for name in ("pyrunc", "pyrunc-exec"):
        with open(os.path.join(here, name), "rb") as f:
            if f.read(4) != b"\x7fELF":
                pytest.skip(f"{name} is not native (setup.py could not build it)")
        shutil.copy2(os.path.join(here, name), tmp_path / name)
    config_json = tmp_path / "config.json"  # what `exec` would read again: any bytes do here
    config_json.write_bytes(b'{"process": {"args": ["sh"]}}')
    container = Factory(state_root).create("ex", make_config(rootfs, cg + "/ex"))
    container.plain_exec = lambda: (Process(args=["sh"], env=["PATH=/bin"]), str(config_json),
                                    config_json.read_bytes())
    with open(tmp_path / "out", "w+") as out:
        proc = Process(args=["/bin/sleep", "60"], stdout=out, stderr=out)
        container.run(proc)
        try:
            d = container.cgroup_manager.path("")
            with open(os.path.join(container.state_dir, "exec.native"), "rb") as f:
                assert f"{d}/cgroup.procs\n".encode() in f.read()
            front = [str(tmp_path / "pyrunc"), "--root", state_root, "exec", "ex"]
            res = subprocess.run([*front, "sh", "-c", "cat /proc/self/cgroup; exit 5"], capture_output=True,
                                 text=True, timeout=60)
            assert res.returncode == 5, res
            assert res.stdout == f"0::{cg}/ex\n", res  # no cgroup namespace: the host's path
            state = [str(tmp_path / "pyrunc"), "--root", state_root, "state", "ex"]  # front_state.c
            assert json.loads(subprocess.run(state, capture_output=True, text=True, check=True).stdout)["status"] == "running"
            container.pause()
            res = subprocess.run([*front, "true"], capture_output=True, text=True, timeout=60)
            assert res.returncode == 127 and "pyrunc-py" in res.stderr, res
            # the native state reads cgroup.freeze as the Python CLI does
            assert json.loads(subprocess.run(state, capture_output=True, text=True, check=True).stdout)["status"] == "paused"
            container.resume()
        finally:
            stop(container, proc)
