"""libcontainer._nsenter unshare / setns / clone against the real kernel.

Child processes, mounts and the leak check come from ``native_helpers``.
"""

from __future__ import annotations

import errno
import os
import signal
import socket

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
