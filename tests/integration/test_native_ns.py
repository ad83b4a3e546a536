"""libcontainer._nsenter unshare / setns / clone against the real kernel.

Child processes, mounts and the leak check come from ``native_helpers``.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import time

import pytest
from native_helpers import (
    in_child,
    in_clone,
    no_leaked_mounts,  # noqa: F401 - autouse fixture: importing activates it
    ns_ino,
    nse,
)

pytestmark = pytest.mark.integration

if os.geteuid() != 0:  # pragma: no cover - the suite is meant for a root VM
    pytest.skip("needs root", allow_module_level=True)


# -- unshare / setns --------------------------------------------------------------------------------

def test_unshare_rejects_unknown_flags():
    with pytest.raises(OSError) as ei:
        in_child(nse.unshare, 0x1)
    assert ei.value.errno == errno.EINVAL


def test_setns_back_into_parent_uts_namespace():
    parent_ino, parent_host = ns_ino("uts"), socket.gethostname()

    def child():
        nse.unshare(nse.CLONE_NEWUTS)
        nse.sethostname("lc-native-away")
        away = (ns_ino("uts"), socket.gethostname())
        with open(f"/proc/{os.getppid()}/ns/uts") as f:
            nse.setns(f, nse.CLONE_NEWUTS)  # an object with fileno() is accepted
        return away, (ns_ino("uts"), socket.gethostname())

    away, back = in_child(child)
    assert away[0] != parent_ino and away[1] == "lc-native-away"
    assert back == (parent_ino, parent_host)


def test_setns_checks_nstype():
    def child():
        fd = os.open(f"/proc/{os.getppid()}/ns/uts", os.O_RDONLY)
        nse.setns(fd, nse.CLONE_NEWNET)

    with pytest.raises(OSError) as ei:
        in_child(child)
    assert ei.value.errno == errno.EINVAL


def test_unshare_time_namespace():
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("kernel without time namespaces (CONFIG_TIME_NS)")

    def child():
        nse.unshare(nse.CLONE_NEWTIME)  # applies to children: see time_for_children
        return ns_ino("time"), ns_ino("time_for_children")

    mine, for_children = in_child(child)
    assert mine == ns_ino("time") and for_children != mine


# -- clone -------------------------------------------------------------------------------------------

_FORK_EVENTS: list[str] = []
os.register_at_fork(before=lambda: _FORK_EVENTS.append("before"),
                    after_in_parent=lambda: _FORK_EVENTS.append("parent"),
                    after_in_child=lambda: _FORK_EVENTS.append("child"))


def test_clone_newpid_child_is_pid_1():
    parent_pidns = ns_ino("pid")

    def child():
        return os.getpid(), os.getppid(), ns_ino("pid")

    pid, (cpid, cppid, cns) = in_clone(nse.CLONE_NEWPID | nse.CLONE_NEWNS, child)
    assert pid > 1
    assert cpid == 1 and cppid == 0  # the parent lives outside the child's pid namespace
    assert cns != parent_pidns


def test_clone_without_flags_is_a_fork_running_fork_hooks():
    _FORK_EVENTS.clear()

    def child():
        import json  # the import lock was re-initialised in the child

        return os.getpid(), os.getppid(), list(_FORK_EVENTS), json.dumps(1)

    pid, (cpid, cppid, events, _) = in_clone(0, child)
    assert cpid == pid and cppid == os.getpid()
    assert events == ["before", "child"]
    assert _FORK_EVENTS == ["before", "parent"]


def test_clone_exit_status_reaches_parent():
    pid = nse.clone(nse.CLONE_NEWUTS)
    if pid == 0:
        os._exit(7 if socket.gethostname() else 8)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 7


def test_clone_newuser_child_is_unmapped():
    with open("/proc/sys/kernel/overflowuid") as f:
        overflow = int(f.read())

    def child():
        return os.getuid(), ns_ino("user")

    try:
        _, (uid, userns) = in_clone(nse.CLONE_NEWUSER, child)
    except PermissionError:  # pragma: no cover - depends on host policy
        pytest.skip("user namespaces disabled on this host")
    assert uid == overflow and userns != ns_ino("user")


def test_clone_newtime_uses_clone3():
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("kernel without time namespaces (CONFIG_TIME_NS)")
    _, ino = in_clone(nse.CLONE_NEWTIME, ns_ino, "time")
    assert ino != ns_ino("time")


def test_clone_rejects_flags_breaking_fork_semantics():
    with pytest.raises(ValueError):
        nse.clone(0x100)  # CLONE_VM
    with pytest.raises(ValueError):
        nse.clone(signal.SIGUSR1)  # an exit signal
    with pytest.raises(OverflowError):
        nse.clone(-1)


def test_clone_failure_raises_and_leaves_parent_usable():
    with pytest.raises(OSError) as ei:
        nse.clone(nse.CLONE_NEWNS | 0x200)  # CLONE_FS with a new mount ns: EINVAL
    assert ei.value.errno == errno.EINVAL
    import colorsys  # noqa: F401 - the import lock was released by PyOS_AfterFork_Parent


# -- clone into a cgroup (clone3 + CLONE_INTO_CGROUP) -------------------------------------------------

def _own_cgroup2_dir() -> tuple[str, str] | None:
    """(mountpoint, this process's own directory) on the cgroup2 mount, or None."""
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split(" - ") for line in f]
    points = [(left.split()[4], left.split()[3]) for left, right in mounts if right.split()[0] == "cgroup2"]
    if not points:
        return None
    mountpoint, root = points[-1]
    with open("/proc/self/cgroup") as f:
        own = next((line[3:].strip() for line in f if line.startswith("0::")), "/")
    if root != "/" and own.startswith(root):
        own = own[len(root):] or "/"
    return mountpoint, os.path.join(mountpoint, own.lstrip("/"))


@pytest.fixture
def cgroup2_leaf():
    """(cgroup path as /proc/PID/cgroup shows it, directory) of a fresh cgroup below our own."""
    found = _own_cgroup2_dir()
    if found is None:
        pytest.skip("no cgroup2 mount on this machine")
    mountpoint, own_dir = found
    directory = os.path.join(own_dir, f"lc-native-clone-{os.getpid()}")
    try:
        os.mkdir(directory)
    except OSError as exc:
        pytest.skip(f"cannot create a cgroup below our own cgroup2 directory {own_dir}: {exc}")
    try:
        yield "/" + os.path.relpath(directory, mountpoint), directory
    finally:
        for _ in range(200):
            try:
                os.rmdir(directory)
                break
            except FileNotFoundError:
                break
            except OSError:  # EBUSY while the reaped child is still leaving
                time.sleep(0.01)
    assert not os.path.exists(directory), f"cgroup left behind: {directory}"


def _children() -> set[int]:
    with open(f"/proc/self/task/{os.getpid()}/children") as f:
        return {int(x) for x in f.read().split()}


def _proc_cgroup2(pid) -> str:
    with open(f"/proc/{pid}/cgroup") as f:
        return next(line[3:].strip() for line in f if line.startswith("0::"))


def test_clone_into_cgroup_creates_the_child_there(cgroup2_leaf):
    cg_path, directory = cgroup2_leaf
    own = _proc_cgroup2("self")
    fd = os.open(directory, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    report_r, report_w = os.pipe()
    go_r, go_w = os.pipe()
    try:
        try:
            pid = nse.clone(nse.CLONE_NEWUTS, cgroup_fd=fd)
        except OSError as exc:
            if exc.errno in (errno.ENOSYS, errno.E2BIG):
                pytest.skip(f"kernel without clone3/CLONE_INTO_CGROUP: {exc}")
            raise
        if pid == 0:  # the child: report its own view, then wait to be looked at from outside
            try:
                os.write(report_w, _proc_cgroup2("self").encode())
                os.read(go_r, 1)
            finally:
                os._exit(0)
        os.close(report_w)
        report_w = -1
        try:
            seen_inside = os.read(report_r, 4096).decode()
            seen_outside = _proc_cgroup2(pid)
            procs = open(os.path.join(directory, "cgroup.procs")).read().split()
        finally:
            os.write(go_w, b"x")
            _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
        for x in (report_r, report_w, go_r, go_w):
            if x >= 0:
                os.close(x)
    assert seen_inside == cg_path and seen_outside == cg_path
    assert procs == [str(pid)]
    assert _proc_cgroup2("self") == own  # the parent did not move
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_clone_into_cgroup_combines_with_newtime(cgroup2_leaf):
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("kernel without time namespaces (CONFIG_TIME_NS)")
    cg_path, directory = cgroup2_leaf
    fd = os.open(directory, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    r, w = os.pipe()
    try:
        pid = nse.clone(nse.CLONE_NEWTIME, fd)
        if pid == 0:
            try:
                os.write(w, f"{_proc_cgroup2('self')} {ns_ino('time')}".encode())
            finally:
                os._exit(0)
        os.close(w)
        w = -1
        seen, ino = os.read(r, 4096).decode().split()
        os.waitpid(pid, 0)
    finally:
        os.close(fd)
        os.close(r)
        if w >= 0:
            os.close(w)
    assert seen == cg_path and int(ino) != ns_ino("time")


def test_clone_into_cgroup_refusals_leave_no_child(cgroup2_leaf, tmp_path):
    _cg_path, directory = cgroup2_leaf
    with pytest.raises(ValueError, match="cgroup_fd"):
        nse.clone(0x200000000)  # CLONE_INTO_CGROUP belongs in cgroup_fd, not in flags
    # not a cgroup2 directory: EBADF from the kernel, no child (or ENOSYS on a pre-5.7 kernel)
    before = _children()
    fd = os.open(tmp_path, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        with pytest.raises(OSError) as ei:
            nse.clone(0, cgroup_fd=fd)
    finally:
        os.close(fd)
    assert ei.value.errno in (errno.EBADF, errno.ENOSYS, errno.E2BIG, errno.EINVAL)
    assert _children() == before
    assert open(os.path.join(directory, "cgroup.procs")).read() == ""
