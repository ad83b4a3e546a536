"""fs2 on this host's real unified hierarchy (hybrid mode: /sys/fs/cgroup/unified).

What the hybrid cgroup2 mount really offers is tested with real containers: placement
through cgroup.procs, the eBPF device filter (loaded, attached, enforced, replaced), freezing
through cgroup.freeze, killing through cgroup.kill, removal. Everything lives in a cgroup
below this process's own cgroup2 directory; no controller is enabled anywhere (memory, cpu,
pids and io belong to v1 here -- their kernel behaviour is tested in the QEMU guest).
"""

from __future__ import annotations

import errno
import os
import signal
import stat
import time
import uuid

import pytest

from libcontainer import Factory, Process, syscalls
from libcontainer.configs import Cgroup, Config, DeviceRule, Mount, Namespace, Resources
from libcontainer.errors import ConfigError
from libcontainer_fs2 import bpf, devices, paths

pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")


def _unified_dir() -> str | None:
    try:
        mountinfo, proc_cgroup = paths.read_system()
        mountpoint, root = paths.unified_mount(mountinfo)
    except OSError:
        return None
    own = paths.own_cgroup(proc_cgroup)
    if root != "/" and own.startswith(root):
        own = own[len(root):] or "/"
    return os.path.join(mountpoint, own.lstrip("/"))


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "needs root (bpf(2) and cgroup writes)"
    d = _unified_dir()
    if d is None or not os.path.isdir(d):
        return "no cgroup2 mount on this machine"
    if not os.access(os.path.join(d, "cgroup.procs"), os.W_OK):
        return f"own cgroup2 directory {d} is not writable"
    return None


pytestmark = [pytest.mark.integration, pytest.mark.skipif(_why_not() is not None, reason=str(_why_not()))]


def _kill_and_remove(directory: str) -> list[str]:
    left = []
    for root, dirs, _files in os.walk(directory, topdown=False):
        for d in dirs:
            left.append(os.path.join(root, d))
    for path in [*left, directory]:
        try:
            with open(os.path.join(path, "cgroup.freeze"), "w") as f:
                f.write("0")
            with open(os.path.join(path, "cgroup.kill"), "w") as f:
                f.write("1")
        except OSError:
            pass
        for _ in range(100):
            try:
                os.rmdir(path)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)
    return left


@pytest.fixture
def sandbox():
    """(absolute cgroup path for configs, directory) of a private cgroup below our own."""
    own_dir = _unified_dir()
    mountpoint = paths.unified_mount(paths.read_system()[0])[0]
    name = f"lc-fs2-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    directory = os.path.join(own_dir, name)
    os.mkdir(directory)
    try:
        yield "/" + os.path.relpath(directory, mountpoint), directory
    finally:
        leaked = _kill_and_remove(directory)
    assert not leaked, f"cgroups left behind: {leaked}"


def rule(t, major, minor, perms, allow=True):
    return DeviceRule(type=t, major=major, minor=minor, permissions=perms, allow=allow)


BASE_RULES = [rule("a", -1, -1, "rwm", False), rule("c", 1, 3, "rwm"), rule("c", 1, 5, "rwm")]


def make_config(rootfs, cgroup_path, rules) -> Config:
    cfg = Config(
        rootfs=rootfs,
        hostname="fs2",
        namespaces=[Namespace(t) for t in NEW],
        mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)],
    )
    cfg.cgroups = Cgroup(path=cgroup_path, resources=Resources(devices=list(rules)))
    cfg.cgroup_driver = "fs2"
    return cfg


def mknod(rootfs, name, major, minor):
    os.mknod(os.path.join(rootfs, "dev", name), stat.S_IFCHR | 0o666, os.makedev(major, minor))


def exec_in(container, tmp_path, script):
    out = tmp_path / f"exec-{uuid.uuid4().hex[:6]}.out"
    with open(out, "w+") as f:
        p = Process(args=["/bin/sh", "-c", script], stdout=f, stderr=f)
        container.start(p)
        status = p.wait()
        f.seek(0)
        return status, f.read()


def cgroup_fd_query(directory):
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return bpf.query(fd)
    finally:
        os.close(fd)


def test_device_filter_enforced_and_replaced(rootfs, state_root, tmp_path, sandbox, no_leaks):
    cg_path, sandbox_dir = sandbox
    for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("lcfull", 1, 7)):
        mknod(rootfs, name, major, minor)
    cfg = make_config(rootfs, cg_path + "/c1", BASE_RULES)
    container = Factory(state_root).create("fs2dev", cfg)
    init = Process(args=["/bin/sleep", "60"])
    try:
        container.run(init)
        directory = container.cgroup_manager.path("")
        assert directory == os.path.join(sandbox_dir, "c1")
        # from outside: the init is in the cgroup, and exactly one device program is attached
        with open(f"/proc/{container.init_pid}/cgroup") as f:
            line0 = next(line for line in f if line.startswith("0::"))
        assert line0.strip().endswith(cg_path + "/c1")
        assert container.init_pid in container.cgroup_manager.get_pids()
        first = cgroup_fd_query(directory)
        assert len(first) == 1
        # from inside: allowed devices work, the others are refused by the program
        status, out = exec_in(container, tmp_path, "head -c1 /dev/zero >/dev/null && echo zero-ok; "
                                                   "head -c1 /dev/lcfull >/dev/null || echo full-denied; "
                                                   "echo x > /dev/null && echo null-ok; mknod /dev/x c 1 7 || echo mknod-denied")
        assert "zero-ok" in out and "full-denied" in out and "null-ok" in out and "mknod-denied" in out, out
        assert "Operation not permitted" in out
        # update: the program is replaced (new id, still exactly one), and the new rules hold
        new_cfg = make_config(rootfs, cg_path + "/c1", [*BASE_RULES, rule("c", 1, 7, "r")])
        container.set(new_cfg)
        second = cgroup_fd_query(directory)
        assert len(second) == 1 and second != first
        status, out = exec_in(container, tmp_path, "head -c1 /dev/lcfull >/dev/null && echo full-read-ok; "
                                                   "echo x > /dev/lcfull || echo full-write-denied")
        assert "full-read-ok" in out and "full-write-denied" in out, out
        # bad rules are refused (the container's set then re-applies its saved rules)
        with pytest.raises(ConfigError, match="non-cgroup type"):
            container.set(make_config(rootfs, cg_path + "/c1", [rule("p", 1, 3, "rwm")]))
        assert len(cgroup_fd_query(directory)) == 1
        status, out = exec_in(container, tmp_path, "head -c1 /dev/lcfull >/dev/null && echo full-read-ok")
        assert "full-read-ok" in out, out
    finally:
        try:
            container.signal(signal.SIGKILL, all=True)
        except Exception:  # noqa: BLE001 - cleanup: it may be stopped already
            pass
        init.wait()
        container.destroy()
    assert not os.path.exists(os.path.join(sandbox_dir, "c1"))


def test_freeze_thaw_and_cgroup_kill(rootfs, state_root, tmp_path, sandbox, no_leaks):
    cg_path, sandbox_dir = sandbox
    mknod(rootfs, "null", 1, 3)
    container = Factory(state_root).create("fs2frz", make_config(rootfs, cg_path + "/c2", BASE_RULES))
    init = Process(args=["/bin/sh", "-c", "sleep 60 & sleep 60 & wait"])
    try:
        container.run(init)
        directory = container.cgroup_manager.path("")
        for _ in range(100):
            if len(container.cgroup_manager.get_all_pids()) == 3:
                break
            time.sleep(0.02)
        pids = container.cgroup_manager.get_all_pids()
        assert len(pids) == 3
        container.pause()
        with open(os.path.join(directory, "cgroup.events")) as f:
            assert "frozen 1" in f.read()
        assert str(container.status()) == "paused"
        for pid in pids:  # frozen tasks are parked asleep in the signal path (do_freezer_trap)
            with open(f"/proc/{pid}/stat") as f:
                assert f.read().rsplit(")", 1)[1].split()[0] in ("S", "D")
            with open(f"/proc/{pid}/wchan") as f:  # "0" when the kernel cannot tell
                assert f.read() in ("do_freezer_trap", "get_signal", "0")
        container.resume()
        with open(os.path.join(directory, "cgroup.events")) as f:
            assert "frozen 0" in f.read()
        assert str(container.status()) == "running"
        stats = container.stats()  # cpu.stat exists without the cpu controller
        assert stats.cpu_stats.cpu_usage.total_usage > 0
        assert stats.pids_stats.current == 3  # counted from cgroup.procs: no pids controller here
        # signal all with SIGKILL goes through cgroup.kill: every task dies at once
        container.signal(signal.SIGKILL, all=True)
        assert init.wait().signal == signal.SIGKILL
        for _ in range(200):
            if not container.cgroup_manager.get_all_pids():
                break
            time.sleep(0.01)
        assert container.cgroup_manager.get_all_pids() == []
        for pid in pids:
            assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
    finally:
        try:
            container.signal(signal.SIGKILL, all=True)
        except Exception:  # noqa: BLE001
            pass
        init.wait()
        container.destroy()
    assert not os.path.exists(directory)


def test_bpf_replace_keeps_a_filter_attached(sandbox):
    """The attach-then-detach replacement never leaves the cgroup without a program."""
    _cg_path, sandbox_dir = sandbox
    directory = os.path.join(sandbox_dir, "raw")
    os.mkdir(directory)
    from libcontainer_fs2.devicefilter import compile_rules

    try:
        first = devices.replace_filter(directory, compile_rules(BASE_RULES))
        assert cgroup_fd_query(directory) == [first]
        second = devices.replace_filter(directory, compile_rules([rule("a", -1, -1, "rwm", True)]))
        assert second != first and cgroup_fd_query(directory) == [second]
    finally:
        os.rmdir(directory)  # detaches the program too
    # a program id that is gone cannot be fetched any more: the old one was detached and freed
    for _ in range(50):
        try:
            os.close(bpf.prog_fd_by_id(first))
        except OSError as exc:
            assert exc.errno == errno.ENOENT
            break
        time.sleep(0.02)
    else:
        pytest.fail("the replaced program is still alive")


def test_missing_controller_refused_on_hybrid(sandbox, state_root, rootfs):
    """memory is bound to v1 here: asking fs2 for a memory limit names the missing controller."""
    cg_path, sandbox_dir = sandbox
    from libcontainer_fs2.manager import Fs2Manager

    if "memory" in paths.available(sandbox_dir):
        pytest.skip("memory is available on this cgroup2 mount")
    m = Fs2Manager(Cgroup(path=cg_path + "/c3", resources=Resources(memory=1 << 26)))
    with pytest.raises(ConfigError, match="controller 'memory' is not available"):
        m.apply(-1)
    assert not os.path.exists(os.path.join(sandbox_dir, "c3"))  # nothing half-made left


# -- CLONE_INTO_CGROUP: the init is born in its cgroup ------------------------------------------------

class CloneSpy(syscalls.LinuxSyscalls):
    """The real syscall layer, noting each clone's cgroup_fd (in the parent) and, when
    ``refuse`` is set, answering a clone into a cgroup the way a pre-5.7 kernel does."""

    def __init__(self, refuse: bool = False):
        self.pid = os.getpid()
        self.clones: list[tuple[int, str]] = []
        self.refuse = refuse

    def clone(self, flags, cgroup_fd=-1):
        target = os.readlink(f"/proc/self/fd/{cgroup_fd}") if cgroup_fd >= 0 else ""
        if self.refuse and cgroup_fd >= 0:
            self.clones.append((cgroup_fd, target))
            raise OSError(errno.ENOSYS, "clone3 refused by the test")
        pid = super().clone(flags, cgroup_fd)
        if os.getpid() == self.pid:
            self.clones.append((cgroup_fd, target))
        return pid

    def clone_init(self, flags, cgroup_fd, plan, sync_fd, share_memory=False):
        """The native init's clone (init/plan.py), refused and noted the same way."""
        target = os.readlink(f"/proc/self/fd/{cgroup_fd}") if cgroup_fd >= 0 else ""
        if self.refuse and cgroup_fd >= 0:
            self.clones.append((cgroup_fd, target))
            raise OSError(errno.ENOSYS, "clone3 refused by the test")
        pid = super().clone_init(flags, cgroup_fd, plan, sync_fd, share_memory)
        self.clones.append((cgroup_fd, target))  # the native child never returns here
        return pid


def fds_on(pid, directory) -> list[str]:
    out = []
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}") == directory:
                out.append(name)
        except FileNotFoundError:
            pass
    return out


@pytest.fixture
def placement_spy(monkeypatch):
    """Fs2Manager.apply, wrapped to note whether the pid was already in cgroup.procs."""
    from libcontainer_fs2.manager import Fs2Manager

    seen = []
    real_apply = Fs2Manager.apply

    def apply(self, pid):
        procs = open(os.path.join(self.path(""), "cgroup.procs")).read().split() if self.exists() else []
        seen.append((pid, str(pid) in procs))
        return real_apply(self, pid)

    monkeypatch.setattr(Fs2Manager, "apply", apply)
    return seen


def test_init_cloned_into_its_cgroup(rootfs, state_root, tmp_path, sandbox, placement_spy, no_leaks):
    cg_path, sandbox_dir = sandbox
    mknod(rootfs, "null", 1, 3)
    container = Factory(state_root).create("fs2into", make_config(rootfs, cg_path + "/c4", BASE_RULES))
    directory = os.path.join(sandbox_dir, "c4")
    spy = CloneSpy()
    out = open(tmp_path / "init.out", "w+")
    init = Process(args=["/bin/sh", "-c", "grep ^0:: /proc/self/cgroup; exec sleep 60"], stdout=out, stderr=out)
    try:
        with syscalls.use(spy):
            container.run(init)
        # the one clone of the init was given the leaf cgroup's fd, and it was taken
        assert len(spy.clones) == 1 and spy.clones[0][0] >= 0 and spy.clones[0][1] == directory, spy.clones
        # born there, so never moved by PID: even a no-op move through cgroup.procs takes
        # the kernel's global lock and an RCU grace period
        assert placement_spy == []
        assert read_cgroup2(container.init_pid) == cg_path + "/c4"
        # the init, and at most its own grep child (which may not have exited yet)
        pids = container.cgroup_manager.get_pids()
        assert container.init_pid in pids
        for pid in set(pids) - {container.init_pid}:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    assert int(f.read().rsplit(")", 1)[1].split()[1]) == container.init_pid
            except (FileNotFoundError, ProcessLookupError):
                pass  # it has exited meanwhile
        # the fd went nowhere: closed in the runtime, and never reached the container
        assert fds_on("self", directory) == [] and fds_on(container.init_pid, directory) == []
        # inside: its cgroup namespace (none here) shows the same path
        for _ in range(250):
            out.seek(0)
            text = out.read()
            if text.endswith("\n"):
                break
            time.sleep(0.02)
        assert text.strip() == "0::" + cg_path + "/c4", text
    finally:
        stop_and_destroy(container, init)
        out.close()
    assert not os.path.exists(directory)


def test_refused_clone_into_cgroup_falls_back_to_cgroup_procs(rootfs, state_root, sandbox, placement_spy, no_leaks):
    cg_path, sandbox_dir = sandbox
    mknod(rootfs, "null", 1, 3)
    container = Factory(state_root).create("fs2fallback", make_config(rootfs, cg_path + "/c5", BASE_RULES))
    directory = os.path.join(sandbox_dir, "c5")
    spy = CloneSpy(refuse=True)
    init = Process(args=["/bin/sleep", "60"])
    try:
        with syscalls.use(spy):
            container.run(init)
        assert [fd >= 0 for fd, _ in spy.clones] == [True, False]  # refused, then the classic clone
        assert placement_spy == [(container.init_pid, False)]  # so apply had to move it
        assert read_cgroup2(container.init_pid) == cg_path + "/c5"
        assert fds_on("self", directory) == []
    finally:
        stop_and_destroy(container, init)
    assert not os.path.exists(directory)


def test_staged_start_keeps_cgroup_procs(rootfs, state_root, sandbox, placement_spy, no_leaks):
    """Joining a namespace by path stages the start: no fd is offered, apply moves the init."""
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("kernel without time namespaces (CONFIG_TIME_NS): no staged start to test")
    cg_path, _sandbox_dir = sandbox
    mknod(rootfs, "null", 1, 3)
    cfg = make_config(rootfs, cg_path + "/c6", BASE_RULES)
    cfg.namespaces.append(Namespace("NEWTIME"))
    container = Factory(state_root).create("fs2staged", cfg)
    spy = CloneSpy()
    init = Process(args=["/bin/sleep", "60"])
    try:
        with syscalls.use(spy):
            container.run(init)
        assert spy.clones and all(fd == -1 for fd, _ in spy.clones), spy.clones
        assert placement_spy == [(container.init_pid, False)]
        assert read_cgroup2(container.init_pid) == cg_path + "/c6"
    finally:
        stop_and_destroy(container, init)


def read_cgroup2(pid) -> str:
    with open(f"/proc/{pid}/cgroup") as f:
        return next(line[3:].strip() for line in f if line.startswith("0::"))


def stop_and_destroy(container, init) -> None:
    try:
        container.signal(signal.SIGKILL, all=True)
    except Exception:  # noqa: BLE001 - cleanup: it may be stopped already
        pass
    init.wait()
    container.destroy()
