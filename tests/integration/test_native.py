"""libcontainer._nsenter against the real kernel.

Everything that changes process state (namespaces, mounts, capabilities, prctl, fds) runs in a
forked child (``in_child``) whose result or exception comes back over a pipe; the child always
leaves with ``os._exit``. Mounts are only made inside a child's *private* mount namespace, so they
vanish with the child and never propagate to the host; ``_no_leaked_mounts`` checks that.
"""

from __future__ import annotations

import errno
import os
import pickle
import select
import signal
import socket
import stat
import time
import traceback

import pytest

nse = pytest.importorskip("libcontainer._nsenter", reason="C extension not built (setup.py build_ext --inplace)")

pytestmark = pytest.mark.integration

if os.geteuid() != 0:  # pragma: no cover - the suite is meant for a root VM
    pytest.skip("needs root", allow_module_level=True)


# -- helpers ---------------------------------------------------------------------------------------

def _report(w: int, fn, args) -> None:
    """Child side: run fn, pickle ("ok", value) or ("err", exc, traceback) into w, never return."""
    try:
        try:
            payload = ("ok", fn(*args))
        except BaseException as e:  # noqa: B036 - everything must travel back to the parent
            payload = ("err", e, traceback.format_exc())
        try:
            data = pickle.dumps(payload)
        except Exception:
            data = pickle.dumps(("err", RuntimeError(repr(payload)), ""))
        os.write(w, data)  # a few KiB at most: fits in the pipe buffer in one write
    finally:
        os._exit(0)


def _collect(pid: int, r: int, timeout: float = 30.0):
    """Parent side: read the child's report, reap it, return its value or re-raise its error."""
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([r], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                pytest.fail(f"child {pid} did not report within {timeout}s")
            chunk = os.read(r, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    if not chunks:
        pytest.fail(f"child {pid} died without reporting (wait status {status:#x})")
    payload = pickle.loads(b"".join(chunks))
    if payload[0] == "ok":
        return payload[1]
    exc = payload[1]
    exc.add_note("--- in the child ---\n" + payload[2])
    raise exc


def in_child(fn, *args):
    """Run fn(*args) in an os.fork()ed child; return its result or raise its exception."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        _report(w, fn, args)
    os.close(w)
    return _collect(pid, r)


def in_clone(flags: int, fn, *args):
    """Like in_child but the child is created by _nsenter.clone(flags); returns (pid, result)."""
    r, w = os.pipe()
    pid = nse.clone(flags)
    if pid == 0:
        os.close(r)
        _report(w, fn, args)
    os.close(w)
    return pid, _collect(pid, r)


def private_mount_ns() -> None:
    """Child only: new mount namespace whose mounts never propagate back to the host."""
    nse.unshare(nse.CLONE_NEWNS)
    nse.mount(None, "/", None, nse.MS_REC | nse.MS_PRIVATE)


def _unescape(field: str) -> str:
    return field.encode().decode("unicode_escape") if "\\" in field else field


def mountinfo() -> list[dict]:
    """/proc/self/mountinfo as dicts: target, opts, optional, fstype, source, super."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.rstrip("\n").split(" - ", 1)
            lf, rf = left.split(), right.split()
            out.append({"target": _unescape(lf[4]), "opts": lf[5].split(","), "optional": lf[6:],
                        "fstype": rf[0], "source": rf[1], "super": rf[2].split(",")})
    return out


def mount_at(path) -> dict | None:
    found = [m for m in mountinfo() if m["target"] == str(path)]
    return found[-1] if found else None


def status_field(name: str, pid="self") -> str:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    raise KeyError(name)


def ns_ino(kind: str, pid="self") -> int:
    return os.stat(f"/proc/{pid}/ns/{kind}").st_ino


def tmpfs_at(path, data="size=1m") -> None:
    nse.mount("tmpfs", path, "tmpfs", 0, data)


@pytest.fixture(autouse=True)
def _no_leaked_mounts(tmp_path):
    yield
    leaked = [m["target"] for m in mountinfo() if m["target"].startswith(str(tmp_path))]
    assert not leaked, f"mounts leaked to the host: {leaked}"


# -- module surface --------------------------------------------------------------------------------

FUNCTIONS = ["setns", "unshare", "clone", "mount", "umount2", "pivot_root", "capget", "capset",
             "prctl", "sethostname", "setdomainname", "openat2", "open_tree", "move_mount",
             "fsopen", "fsconfig", "fsmount", "mount_setattr", "pidfd_open", "pidfd_send_signal",
             "close_range", "cap_last_cap"]


def test_functions_exist_with_docstring_and_signature():
    for name in FUNCTIONS:
        fn = getattr(nse, name)
        assert fn.__doc__ and len(fn.__doc__) > 30, name
        assert fn.__text_signature__, name


def test_constants_have_kernel_abi_values():
    expected = {
        "CLONE_NEWNS": 0x20000, "CLONE_NEWUTS": 0x04000000, "CLONE_NEWIPC": 0x08000000,
        "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000, "CLONE_NEWNET": 0x40000000,
        "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWTIME": 0x80,
        "MS_RDONLY": 1, "MS_NOSUID": 2, "MS_NODEV": 4, "MS_NOEXEC": 8, "MS_REMOUNT": 32,
        "MS_NOSYMFOLLOW": 256, "MS_BIND": 4096, "MS_MOVE": 8192, "MS_REC": 16384,
        "MS_UNBINDABLE": 1 << 17, "MS_PRIVATE": 1 << 18, "MS_SLAVE": 1 << 19,
        "MS_SHARED": 1 << 20, "MS_RELATIME": 1 << 21, "MS_STRICTATIME": 1 << 24,
        "MS_LAZYTIME": 1 << 25,
        "MNT_FORCE": 1, "MNT_DETACH": 2, "MNT_EXPIRE": 4, "UMOUNT_NOFOLLOW": 8,
        "PR_SET_PDEATHSIG": 1, "PR_GET_DUMPABLE": 3, "PR_SET_DUMPABLE": 4, "PR_SET_KEEPCAPS": 8,
        "PR_SET_NAME": 15, "PR_SET_SECCOMP": 22, "PR_CAPBSET_READ": 23, "PR_CAPBSET_DROP": 24,
        "PR_SET_SECUREBITS": 28, "PR_SET_CHILD_SUBREAPER": 36, "PR_SET_NO_NEW_PRIVS": 38,
        "PR_GET_NO_NEW_PRIVS": 39, "PR_CAP_AMBIENT": 47, "PR_CAP_AMBIENT_IS_SET": 1,
        "PR_CAP_AMBIENT_RAISE": 2, "PR_CAP_AMBIENT_LOWER": 3, "PR_CAP_AMBIENT_CLEAR_ALL": 4,
        "RESOLVE_NO_XDEV": 1, "RESOLVE_NO_MAGICLINKS": 2, "RESOLVE_NO_SYMLINKS": 4,
        "RESOLVE_BENEATH": 8, "RESOLVE_IN_ROOT": 0x10, "RESOLVE_CACHED": 0x20,
        "OPEN_TREE_CLONE": 1, "OPEN_TREE_CLOEXEC": os.O_CLOEXEC,
        "MOVE_MOUNT_F_EMPTY_PATH": 4, "MOVE_MOUNT_T_EMPTY_PATH": 0x40, "MOVE_MOUNT_BENEATH": 0x200,
        "FSOPEN_CLOEXEC": 1, "FSCONFIG_SET_FLAG": 0, "FSCONFIG_SET_STRING": 1,
        "FSCONFIG_SET_FD": 5, "FSCONFIG_CMD_CREATE": 6, "FSCONFIG_CMD_CREATE_EXCL": 8,
        "FSMOUNT_CLOEXEC": 1, "MOUNT_ATTR_RDONLY": 1, "MOUNT_ATTR_NODEV": 4,
        "MOUNT_ATTR_IDMAP": 0x100000, "MOUNT_ATTR_NOSYMFOLLOW": 0x200000,
        "AT_FDCWD": -100, "AT_SYMLINK_NOFOLLOW": 0x100, "AT_EMPTY_PATH": 0x1000,
        "AT_RECURSIVE": 0x8000, "CLOSE_RANGE_CLOEXEC": 4, "CAP_SYS_ADMIN": 21,
        "_LINUX_CAPABILITY_VERSION_3": 0x20080522,
    }
    assert {k: getattr(nse, k, None) for k in expected} == expected


def test_cap_last_cap_matches_proc():
    with open("/proc/sys/kernel/cap_last_cap") as f:
        assert nse.cap_last_cap() == int(f.read())


# -- unshare / sethostname / setdomainname / setns --------------------------------------------------

def test_unshare_uts_then_sethostname_and_setdomainname():
    parent_ino, parent_host = ns_ino("uts"), socket.gethostname()
    with open("/proc/sys/kernel/domainname") as f:
        parent_domain = f.read()

    def child():
        nse.unshare(nse.CLONE_NEWUTS)
        nse.sethostname("lc-native-test")
        nse.setdomainname(b"lc-native-domain")
        with open("/proc/sys/kernel/domainname") as f:
            return ns_ino("uts"), os.uname().nodename, f.read().strip()

    ino, host, domain = in_child(child)
    assert ino != parent_ino
    assert (host, domain) == ("lc-native-test", "lc-native-domain")
    assert socket.gethostname() == parent_host  # the host is untouched
    with open("/proc/sys/kernel/domainname") as f:
        assert f.read() == parent_domain


def test_sethostname_too_long_is_einval():
    def child():
        nse.unshare(nse.CLONE_NEWUTS)
        nse.sethostname("x" * 65)

    with pytest.raises(OSError) as ei:
        in_child(child)
    assert ei.value.errno == errno.EINVAL


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


# -- mount / umount2 ------------------------------------------------------------------------------

def test_mount_tmpfs_in_private_namespace(tmp_path):
    target = tmp_path / "mnt"
    target.mkdir()

    def child():
        private_mount_ns()
        nse.mount(b"lc-tmpfs", target, "tmpfs", nse.MS_NOSUID | nse.MS_NODEV, "size=1m,mode=0710")
        (target / "file").write_text("data")
        info, mode = mount_at(target), stat.S_IMODE(os.stat(target).st_mode)
        nse.umount2(str(target))
        return info, mode, mount_at(target), os.listdir(target)

    info, mode, after, listing = in_child(child)
    assert info["fstype"] == "tmpfs" and info["source"] == "lc-tmpfs"
    assert {"nosuid", "nodev"} <= set(info["opts"]) and "size=1024k" in info["super"]
    assert mode == 0o710
    assert after is None and listing == []
    assert mount_at(target) is None and not (target / "file").exists()


def test_mount_bind_and_remount_readonly_with_none_arguments(tmp_path):
    (tmp_path / "f").write_text("x")

    def child():
        private_mount_ns()
        nse.mount(str(tmp_path), tmp_path, None, nse.MS_BIND)
        nse.mount(None, tmp_path, None, nse.MS_BIND | nse.MS_REMOUNT | nse.MS_RDONLY, None)
        try:
            (tmp_path / "f").write_text("y")
        except OSError as e:
            return e.errno, "ro" in mount_at(tmp_path)["opts"]
        return None, False

    assert in_child(child) == (errno.EROFS, True)
    assert (tmp_path / "f").read_text() == "x"


def test_mount_error_carries_filename(tmp_path):
    missing = str(tmp_path / "missing")

    def child():
        private_mount_ns()
        tmpfs_at(missing)

    with pytest.raises(FileNotFoundError) as ei:
        in_child(child)
    assert ei.value.filename == missing
    with pytest.raises(ValueError):
        nse.mount("tmpfs", "/no\0pe", "tmpfs")  # rejected before any syscall


def test_umount2_errors_detach_and_nofollow(tmp_path):
    target, link = tmp_path / "mnt", tmp_path / "link"
    target.mkdir()
    link.symlink_to(target)

    def child():
        private_mount_ns()
        results = {}
        try:
            nse.umount2(target)
        except OSError as e:
            results["not_mounted"] = (e.errno, e.filename)
        tmpfs_at(target)
        try:
            nse.umount2(link, nse.UMOUNT_NOFOLLOW)
        except OSError as e:
            results["nofollow"] = e.errno
        fd = os.open(target / "busy", os.O_CREAT | os.O_WRONLY)
        os.chdir(target)
        try:
            nse.umount2(target)
        except OSError as e:
            results["busy"] = e.errno
        nse.umount2(target, nse.MNT_DETACH)
        os.chdir("/")
        os.close(fd)
        results["after"] = mount_at(target)
        return results

    res = in_child(child)
    assert res["not_mounted"] == (errno.EINVAL, target)
    assert res["nofollow"] == errno.EINVAL  # the symlink itself is not a mount point
    assert res["busy"] == errno.EBUSY
    assert res["after"] is None


# -- pivot_root ------------------------------------------------------------------------------------

def test_pivot_root_into_tmpfs(tmp_path):
    def child():
        private_mount_ns()
        tmpfs_at(tmp_path)
        (tmp_path / "old").mkdir()
        (tmp_path / "marker").write_text("new root")
        host_has_proc = os.path.isdir("/proc/self")
        nse.pivot_root(tmp_path, tmp_path / "old")
        os.chdir("/")
        with open("/marker") as f:
            marker = f.read()
        listing = sorted(os.listdir("/"))
        old_root_visible = os.path.isdir("/old/proc/self") == host_has_proc
        nse.umount2("/old", nse.MNT_DETACH)
        return marker, listing, old_root_visible, os.listdir("/old")

    marker, listing, old_visible, old_after = in_child(child)
    assert marker == "new root" and listing == ["marker", "old"]
    assert old_visible and old_after == []


def test_pivot_root_dot_dot_idiom(tmp_path):
    def child():
        private_mount_ns()
        tmpfs_at(tmp_path)
        (tmp_path / "marker").touch()
        os.chdir(tmp_path)
        nse.pivot_root(".", ".")
        nse.umount2(".", nse.MNT_DETACH)  # the old root, stacked on top
        os.chdir("/")
        return sorted(os.listdir("/"))

    assert in_child(child) == ["marker"]


def test_pivot_root_requires_a_mount_point(tmp_path):
    new_root, put_old = tmp_path / "sub", tmp_path / "sub" / "old"

    def child():
        private_mount_ns()
        tmpfs_at(tmp_path)  # so new_root is off the root mount (that would be EBUSY)
        put_old.mkdir(parents=True)
        nse.pivot_root(new_root, put_old)

    with pytest.raises(OSError) as ei:
        in_child(child)
    assert ei.value.errno == errno.EINVAL  # new_root is not a mount point
    assert (ei.value.filename, ei.value.filename2) == (new_root, put_old)


# -- capabilities ----------------------------------------------------------------------------------

def _proc_caps(pid="self"):
    return tuple(int(status_field(k, pid), 16) for k in ("CapEff", "CapPrm", "CapInh"))


def test_capget_matches_proc_status():
    assert nse.capget() == _proc_caps()
    assert nse.capget(os.getpid()) == _proc_caps()
    assert nse.capget(1) == _proc_caps(1)


def test_capget_unknown_pid_is_esrch():
    with pytest.raises(ProcessLookupError):
        nse.capget(2**22 + 12345)  # above the maximum pid_max


def test_capset_drops_and_restores_effective_caps():
    admin = 1 << nse.CAP_SYS_ADMIN

    def child():
        eff, prm, inh = nse.capget()
        nse.capset(eff & ~admin, prm, inh)
        dropped = int(status_field("CapEff"), 16)
        try:
            nse.unshare(nse.CLONE_NEWUTS)
            denied = None
        except OSError as e:
            denied = e.errno
        nse.capset(eff, prm, inh)  # still permitted: can come back
        restored = int(status_field("CapEff"), 16)
        nse.capset(eff & ~admin, prm & ~admin, inh)
        try:
            nse.capset(eff, prm & ~admin, inh)  # effective must be a subset of permitted
            regain = None
        except OSError as e:
            regain = e.errno
        return eff, dropped, denied, restored, regain, int(status_field("CapPrm"), 16)

    eff, dropped, denied, restored, regain, prm_after = in_child(child)
    assert eff & admin, "test needs CAP_SYS_ADMIN"
    assert dropped == eff & ~admin and denied == errno.EPERM
    assert restored == eff
    assert regain == errno.EPERM and not prm_after & admin


# -- prctl -----------------------------------------------------------------------------------------

def test_prctl_no_new_privs():
    def child():
        before = nse.prctl(nse.PR_GET_NO_NEW_PRIVS)
        assert nse.prctl(nse.PR_SET_NO_NEW_PRIVS, 1) == 0
        return before, nse.prctl(nse.PR_GET_NO_NEW_PRIVS), status_field("NoNewPrivs")

    assert in_child(child) == (0, 1, "1")
    assert status_field("NoNewPrivs") == "0"


def test_prctl_string_and_buffer_arguments():
    def child():
        nse.prctl(nse.PR_SET_NAME, "lc-native")
        buf = bytearray(16)
        nse.prctl(nse.PR_GET_NAME, buf)
        with open("/proc/self/comm") as f:
            comm = f.read().strip()
        nse.prctl(nse.PR_SET_CHILD_SUBREAPER, 1)
        out = bytearray(4)
        nse.prctl(nse.PR_GET_CHILD_SUBREAPER, out)
        nse.prctl(nse.PR_SET_PDEATHSIG, signal.SIGKILL)
        sig = bytearray(4)
        nse.prctl(nse.PR_GET_PDEATHSIG, sig)
        return comm, bytes(buf).rstrip(b"\0"), int.from_bytes(out, "little"), int.from_bytes(sig, "little")

    assert in_child(child) == ("lc-native", b"lc-native", 1, signal.SIGKILL)


def test_prctl_bounding_set_ambient_dumpable_securebits():
    net_bind = nse.CAP_NET_BIND_SERVICE

    def child():
        r = {"bnd_before": nse.prctl(nse.PR_CAPBSET_READ, nse.CAP_SYS_ADMIN)}
        nse.prctl(nse.PR_CAPBSET_DROP, nse.CAP_SYS_ADMIN)
        r["bnd_after"] = nse.prctl(nse.PR_CAPBSET_READ, nse.CAP_SYS_ADMIN)
        r["capbnd"] = int(status_field("CapBnd"), 16)
        eff, prm, inh = nse.capget()
        nse.capset(eff, prm, inh | (1 << net_bind))  # ambient needs permitted & inheritable
        nse.prctl(nse.PR_CAP_AMBIENT, nse.PR_CAP_AMBIENT_RAISE, net_bind)
        r["amb"] = nse.prctl(nse.PR_CAP_AMBIENT, nse.PR_CAP_AMBIENT_IS_SET, net_bind)
        r["capamb"] = int(status_field("CapAmb"), 16)
        nse.prctl(nse.PR_CAP_AMBIENT, nse.PR_CAP_AMBIENT_CLEAR_ALL)
        r["amb_cleared"] = nse.prctl(nse.PR_CAP_AMBIENT, nse.PR_CAP_AMBIENT_IS_SET, net_bind)
        nse.prctl(nse.PR_SET_DUMPABLE, 0)
        r["dumpable"] = nse.prctl(nse.PR_GET_DUMPABLE)
        nse.prctl(nse.PR_SET_SECUREBITS, nse.SECBIT_KEEP_CAPS)
        r["securebits"] = nse.prctl(nse.PR_GET_SECUREBITS)
        return r

    r = in_child(child)
    assert (r["bnd_before"], r["bnd_after"]) == (1, 0)
    assert not r["capbnd"] & (1 << nse.CAP_SYS_ADMIN)
    assert r["amb"] == 1 and r["capamb"] == 1 << net_bind and r["amb_cleared"] == 0
    assert r["dumpable"] == 0 and r["securebits"] == nse.SECBIT_KEEP_CAPS


def test_prctl_invalid_option_is_einval():
    with pytest.raises(OSError) as ei:
        nse.prctl(0x7FFF_FFFF)
    assert ei.value.errno == errno.EINVAL


# -- openat2 ---------------------------------------------------------------------------------------

@pytest.fixture
def rootfs(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("inside\n")
    (root / "abs").symlink_to("/etc/passwd")
    (root / "rel").symlink_to("../../../../../../etc/passwd")
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY)
    yield fd
    os.close(fd)


def _read(fd: int) -> str:
    with os.fdopen(fd) as f:
        return f.read()


def test_openat2_in_root_does_not_escape(rootfs):
    for path in ("abs", "rel", "/etc/passwd", "../../etc/passwd"):
        fd = nse.openat2(rootfs, path, os.O_RDONLY, resolve=nse.RESOLVE_IN_ROOT)
        assert not os.get_inheritable(fd)
        assert _read(fd) == "inside\n", path
    # without RESOLVE_IN_ROOT the absolute symlink leaves the tree: the host's file
    assert _read(nse.openat2(rootfs, "abs")) != "inside\n"


def test_openat2_resolve_restrictions(rootfs):
    with pytest.raises(OSError) as ei:
        nse.openat2(rootfs, "abs", os.O_RDONLY, 0, nse.RESOLVE_BENEATH)
    assert ei.value.errno == errno.EXDEV and ei.value.filename == "abs"
    with pytest.raises(OSError) as ei:
        nse.openat2(rootfs, "abs", resolve=nse.RESOLVE_NO_SYMLINKS)
    assert ei.value.errno == errno.ELOOP
    with pytest.raises(FileNotFoundError):
        nse.openat2(rootfs, "etc/missing", resolve=nse.RESOLVE_IN_ROOT)
    with pytest.raises(OSError) as ei:  # openat2 is strict: a mode without O_CREAT
        nse.openat2(rootfs, "etc/passwd", os.O_RDONLY, 0o644)
    assert ei.value.errno == errno.EINVAL


def test_openat2_create_with_mode(rootfs, tmp_path):
    dirfd = os.open(tmp_path / "root" / "etc", os.O_RDONLY | os.O_DIRECTORY)
    try:
        old = os.umask(0o022)
        try:
            fd = nse.openat2(dirfd, "new", os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o664,
                             nse.RESOLVE_BENEATH)
        finally:
            os.umask(old)
        os.write(fd, b"hi")
        os.close(fd)
    finally:
        os.close(dirfd)
    st = os.stat(tmp_path / "root" / "etc" / "new")
    assert stat.S_IMODE(st.st_mode) == 0o644 and st.st_size == 2


# -- new mount API ---------------------------------------------------------------------------------

def test_open_tree_and_move_mount(tmp_path):
    src, dst, moved = tmp_path / "src", tmp_path / "dst", tmp_path / "moved"
    for d in (src, dst, moved):
        d.mkdir()

    def child():
        private_mount_ns()
        tmpfs_at(src)
        (src / "file").write_text("tree")
        fd = nse.open_tree(nse.AT_FDCWD, src, nse.OPEN_TREE_CLONE | nse.AT_RECURSIVE)
        inheritable = os.get_inheritable(fd)
        nse.move_mount(fd, "", nse.AT_FDCWD, dst, nse.MOVE_MOUNT_F_EMPTY_PATH)
        os.close(fd)
        cloned = ((dst / "file").read_text(), mount_at(dst)["fstype"], mount_at(src) is not None)
        # moving an attached mount (no clone): src stops being a mount point
        nse.move_mount(nse.AT_FDCWD, src, nse.AT_FDCWD, moved)
        return inheritable, cloned, mount_at(src), (moved / "file").read_text()

    inheritable, cloned, src_after, moved_file = in_child(child)
    assert not inheritable
    assert cloned == ("tree", "tmpfs", True)
    assert src_after is None and moved_file == "tree"


def test_move_mount_error_names_both_paths(tmp_path):
    def child():
        private_mount_ns()
        nse.move_mount(nse.AT_FDCWD, tmp_path / "nope", nse.AT_FDCWD, tmp_path)

    with pytest.raises(FileNotFoundError) as ei:
        in_child(child)
    assert (ei.value.filename, ei.value.filename2) == (tmp_path / "nope", tmp_path)


def test_fsopen_fsconfig_fsmount_and_mount_setattr(tmp_path):
    dst = tmp_path / "dst"
    dst.mkdir()

    def child():
        private_mount_ns()
        fsfd = nse.fsopen("tmpfs")
        nse.fsconfig(fsfd, nse.FSCONFIG_SET_STRING, "size", "1m")
        nse.fsconfig(fsfd, nse.FSCONFIG_SET_STRING, "mode", "0750")
        nse.fsconfig(fsfd, nse.FSCONFIG_CMD_CREATE)
        mfd = nse.fsmount(fsfd, 0, nse.MOUNT_ATTR_NODEV | nse.MOUNT_ATTR_NOSUID)
        fds_inheritable = os.get_inheritable(fsfd) or os.get_inheritable(mfd)
        nse.move_mount(mfd, "", nse.AT_FDCWD, dst, nse.MOVE_MOUNT_F_EMPTY_PATH)
        os.close(mfd)
        os.close(fsfd)
        info, mode = mount_at(dst), stat.S_IMODE(os.stat(dst).st_mode)
        nse.mount_setattr(nse.AT_FDCWD, dst, 0, nse.MOUNT_ATTR_RDONLY, propagation=nse.MS_SHARED)
        ro_info = mount_at(dst)
        try:
            (dst / "f").write_text("x")
            ro_errno = None
        except OSError as e:
            ro_errno = e.errno
        nse.mount_setattr(nse.AT_FDCWD, dst, 0, 0, nse.MOUNT_ATTR_RDONLY)
        (dst / "f").write_text("x")
        return fds_inheritable, info, mode, ro_info, ro_errno, "rw" in mount_at(dst)["opts"]

    inheritable, info, mode, ro_info, ro_errno, rw_again = in_child(child)
    assert not inheritable
    assert info["fstype"] == "tmpfs" and "size=1024k" in info["super"]
    assert {"nodev", "nosuid"} <= set(info["opts"]) and mode == 0o750
    assert "ro" in ro_info["opts"] and any(o.startswith("shared:") for o in ro_info["optional"])
    assert ro_errno == errno.EROFS and rw_again


def test_fsopen_and_fsconfig_errors():
    with pytest.raises(OSError) as ei:
        nse.fsopen("no-such-filesystem")
    assert ei.value.errno == errno.ENODEV
    fsfd = nse.fsopen("tmpfs")
    try:
        with pytest.raises(OSError) as ei:
            nse.fsconfig(fsfd, nse.FSCONFIG_SET_STRING, "no_such_option", "1")
        assert ei.value.errno == errno.EINVAL and ei.value.filename == "no_such_option"
    finally:
        os.close(fsfd)


# -- pidfd -----------------------------------------------------------------------------------------

def test_pidfd_open_and_send_signal():
    pid = os.fork()
    if pid == 0:
        try:
            time.sleep(60)
        finally:
            os._exit(0)
    pidfd = None
    try:
        pidfd = nse.pidfd_open(pid)
        assert not os.get_inheritable(pidfd)
        assert select.select([pidfd], [], [], 0)[0] == []  # alive: not readable
        nse.pidfd_send_signal(pidfd, signal.SIGTERM)
        assert select.select([pidfd], [], [], 10)[0] == [pidfd]  # exited: readable
        _, status = os.waitpid(pid, 0)
        pid = None
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
        with pytest.raises(ProcessLookupError):
            nse.pidfd_send_signal(pidfd, signal.SIGTERM)  # reaped
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        if pidfd is not None:
            os.close(pidfd)


def test_pidfd_open_invalid():
    with pytest.raises(OSError) as ei:
        nse.pidfd_open(-1)
    assert ei.value.errno == errno.EINVAL


# -- close_range -----------------------------------------------------------------------------------

def _open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def test_close_range():
    def child():
        base = 500
        r, w = os.pipe()
        for i in range(4):
            os.dup2(r, base + i)  # dup2 makes them inheritable
        nse.close_range(base, base + 1)
        closed = [_open(base + i) for i in range(4)]
        nse.close_range(base + 2, base + 3, nse.CLOSE_RANGE_CLOEXEC)
        cloexec = [os.get_inheritable(base + i) for i in (2, 3)]
        nse.close_range(base + 2, 0xFFFFFFFF)
        return closed, cloexec, [_open(base + i) for i in range(4)], _open(r)

    closed, cloexec, after, low_still_open = in_child(child)
    assert closed == [False, False, True, True]
    assert cloexec == [False, False]
    assert after == [False] * 4 and low_still_open


def test_close_range_argument_errors():
    with pytest.raises(OverflowError):
        nse.close_range(0, 2**32)
    with pytest.raises(OSError) as ei:
        nse.close_range(10, 5)
    assert ei.value.errno == errno.EINVAL
