"""libcontainer.syscalls: the seam, its switching (get/use) and the RecordingSyscalls double."""

from __future__ import annotations

import errno
import inspect
import os
import subprocess
import sys
import types

import pytest

from libcontainer import syscalls
from libcontainer.syscalls import LinuxSyscalls, RecordingSyscalls

NATIVE = ["setns", "unshare", "clone", "mount", "umount2", "pivot_root", "capget", "capset",
          "prctl", "sethostname", "setdomainname", "openat2", "open_tree", "move_mount", "fsopen",
          "fsconfig", "fsmount", "mount_setattr", "pidfd_open", "pidfd_send_signal",
          "close_range", "cap_last_cap"]


@pytest.fixture(autouse=True)
def _restore_active_layer():
    saved = syscalls._active
    yield
    syscalls._active = saved


# -- get / use -------------------------------------------------------------------------------------

def test_get_defaults_to_the_real_layer_and_is_stable():
    syscalls._active = None
    first = syscalls.get()
    assert type(first) is LinuxSyscalls
    assert syscalls.get() is first


def test_use_as_context_manager_restores_previous_layer():
    outer, inner = RecordingSyscalls(), RecordingSyscalls()
    with syscalls.use(outer) as got:
        assert got is outer and syscalls.get() is outer
        with syscalls.use(inner):
            assert syscalls.get() is inner
        assert syscalls.get() is outer
    assert type(syscalls.get()) is LinuxSyscalls


def test_use_restores_even_when_the_block_raises():
    before = syscalls.get()
    with pytest.raises(RuntimeError), syscalls.use(RecordingSyscalls()):
        raise RuntimeError("boom")
    assert syscalls.get() is before


def test_use_as_plain_call_installs_until_replaced():
    double = RecordingSyscalls()
    syscalls.use(double)
    assert syscalls.get() is double
    syscalls.use(None)
    assert type(syscalls.get()) is LinuxSyscalls


# -- recording -------------------------------------------------------------------------------------

def test_records_calls_with_defaults_applied_in_order():
    sc = RecordingSyscalls()
    sc.mount(None, "/rootfs", None, flags=0x4000 | 0x40000)
    sc.mount("proc", "/rootfs/proc", "proc")
    sc.umount2("/old", 2)
    sc.sethostname("box")
    assert sc.calls == [
        ("mount", (None, "/rootfs", None, 0x44000, None)),
        ("mount", ("proc", "/rootfs/proc", "proc", 0, None)),
        ("umount2", ("/old", 2)),
        ("sethostname", ("box",)),
    ]
    assert sc.names() == ["mount", "mount", "umount2", "sethostname"]
    assert sc.calls_to("umount2") == [("/old", 2)]
    sc.reset()
    assert sc.calls == []


def test_positional_and_keyword_calls_record_the_same():
    a, b = RecordingSyscalls(), RecordingSyscalls()
    a.openat2(3, "etc/passwd", os.O_RDONLY, 0, 0x10)
    b.openat2(3, path="etc/passwd", resolve=0x10, flags=os.O_RDONLY)
    assert a.calls == b.calls == [("openat2", (3, "etc/passwd", os.O_RDONLY, 0, 0x10))]


def test_keyword_only_arguments_are_recorded():
    sc = RecordingSyscalls()
    sc.mknod("null", 0o20666, os.makedev(1, 3), dir_fd=7)
    assert sc.calls == [("mknod", ("null", 0o20666, os.makedev(1, 3), 7))]


def test_wrong_signature_raises_and_is_not_recorded():
    sc = RecordingSyscalls()
    with pytest.raises(TypeError):
        sc.mount("/only-one-arg")
    with pytest.raises(TypeError):
        sc.setns(3, 0, nstype=0)
    assert sc.calls == []


def test_unknown_syscalls_are_attribute_errors():
    sc = RecordingSyscalls()
    with pytest.raises(AttributeError):
        sc.mountt(None, "/", None)
    with pytest.raises(AttributeError):
        RecordingSyscalls(results={"nope": 1})
    assert not hasattr(sc, "_private")


# -- results ---------------------------------------------------------------------------------------

def test_defaults_keep_callers_on_the_normal_path():
    sc = RecordingSyscalls()
    assert sc.clone(0x20000) not in (0, None)  # the parent branch
    fds = [sc.openat2(3, "x"), sc.open_tree(-100, "/a"), sc.fsopen("tmpfs"), sc.pidfd_open(1)]
    assert len(set(fds)) == 4 and all(isinstance(fd, int) and fd > 2 for fd in fds)
    eff, prm, inh = sc.capget()
    assert eff == prm and eff >> 21 & 1  # CAP_SYS_ADMIN held
    assert sc.prctl(38, 1) == 0
    assert sc.mount(None, "/", None) is None


def test_configured_values_exceptions_and_callables():
    seen = []
    sc = RecordingSyscalls(results={
        "clone": 0,
        "setns": PermissionError(errno.EPERM, "Operation not permitted"),
        "unshare": OSError,
        "prctl": lambda option, *rest: seen.append((option, rest)) or 1,
    })
    assert sc.clone(0) == 0
    with pytest.raises(PermissionError):
        sc.setns(5, 0x04000000)
    with pytest.raises(OSError):
        sc.unshare(0x20000)
    assert sc.prctl(39) == 1
    assert seen == [(39, (0, 0, 0, 0))]
    # failing calls are recorded too: the runtime did attempt them
    assert sc.names() == ["clone", "setns", "unshare", "prctl"]


def test_sequences_via_a_callable_and_set_result():
    sc = RecordingSyscalls()
    pids = iter([0, 42])
    sc.set_result("clone", lambda flags, cgroup_fd: next(pids))
    assert (sc.clone(0), sc.clone(0)) == (0, 42)
    with pytest.raises(AttributeError):
        sc.set_result("not_a_syscall", 1)


# -- the real layer's shape --------------------------------------------------------------------------

def test_api_covers_the_contract_and_the_os_helpers():
    expected = set(NATIVE) | {"setresuid", "setresgid", "setgroups", "chdir", "fchdir", "chroot",
                              "mknod", "symlink"}
    assert expected <= set(syscalls.API)
    for name in syscalls.API:
        assert callable(getattr(RecordingSyscalls(), name))


def test_linux_layer_forwards_to_native_positionally(monkeypatch):
    seen = []

    def fake(name):
        return lambda *args, **kw: seen.append((name, args, kw)) or name

    fake_mod = types.SimpleNamespace(**{n: fake(n) for n in NATIVE})
    monkeypatch.setattr(syscalls, "_native", lambda: fake_mod)
    real = LinuxSyscalls()
    assert real.mount(None, "/x", None, flags=1) == "mount"
    assert real.mount_setattr(3, "", 0x1000, 1) == "mount_setattr"
    assert real.capget() == "capget"
    assert seen == [("mount", (None, "/x", None, 1, None), {}),
                    ("mount_setattr", (3, "", 0x1000, 1, 0, 0, 0), {}),
                    ("capget", (0,), {})]


def test_linux_layer_os_helpers_forward_to_os(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(syscalls.os, "setresuid", lambda *a: seen.append(("setresuid", a)))
    monkeypatch.setattr(syscalls.os, "setgroups", lambda g: seen.append(("setgroups", g)))
    monkeypatch.chdir(tmp_path)
    real = LinuxSyscalls()
    real.setresuid(1, 2, 3)
    real.setgroups([4])
    real.symlink("target", "link", dir_fd=None)
    real.mkdir("d", 0o700)
    real.chdir("d")
    assert seen == [("setresuid", (1, 2, 3)), ("setgroups", [4])]
    assert os.readlink(tmp_path / "link") == "target"
    assert os.getcwd() == str(tmp_path / "d")


def test_signatures_match_the_native_module():
    nse = pytest.importorskip("libcontainer._nsenter", reason="C extension not built")
    for name in NATIVE:
        native = list(inspect.signature(getattr(nse, name)).parameters)
        ours = list(inspect.signature(getattr(LinuxSyscalls, name)).parameters)[1:]
        assert ours == native, name


def test_constants_are_forwarded_lazily():
    pytest.importorskip("libcontainer._nsenter", reason="C extension not built")
    assert syscalls.MS_BIND == 0x1000 and syscalls.CLONE_NEWPID == 0x20000000
    with pytest.raises(AttributeError):
        getattr(syscalls, "NOT_A_CONSTANT")  # noqa: B009
    with pytest.raises(AttributeError):
        getattr(syscalls, "lowercase_thing")  # noqa: B009


def test_importing_the_seam_is_cheap():
    code = ("import sys, libcontainer.syscalls;"
            "print(sorted({'libcontainer._nsenter', 'typing', 'inspect'} & set(sys.modules)))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-S", "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"
