"""The container's process: args, env, cwd, user and groups, umask, rlimits, no_new_privs,
oom_score_adj, stdio, exit status, and a user that does not exist.

Each attribute is read from outside (the kernel's /proc/<pid>/status, limits, environ, cwd,
fd) while the container's program runs, and from inside (what the program prints).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest

from libcontainer import Factory, Process
from libcontainer.configs import Config, Mount, Namespace
from libcontainer.configs.rlimit import Rlimit
from libcontainer.errors import ContainerStartError

pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")
PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def make_config(rootfs, namespaces=NEW, **kw) -> Config:
    return Config(
        rootfs=rootfs,
        namespaces=[Namespace(t) for t in namespaces],
        mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)],
        **kw,
    )


def add_users(rootfs):
    with open(os.path.join(rootfs, "etc/passwd"), "a") as f:
        f.write("alice:x:1000:1000:Alice:/home/alice:/bin/sh\n")
    with open(os.path.join(rootfs, "etc/group"), "a") as f:
        f.write("wheel:x:10:alice\naudio:x:29:alice\nalice:x:1000:\nstaff:x:50:\n")


def wait_for(path, text, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path) as f:
            data = f.read()
        if text in data:
            return data
        time.sleep(0.01)
    raise AssertionError(f"{text!r} never appeared in {path}: {data!r}")


def proc_status(pid) -> dict:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


@contextlib.contextmanager
def running(state_root, cid, config, tmp_path, script, **pkw):
    """A container whose program prints, says READY, then becomes `sleep` (to be read from
    outside); killed and destroyed on the way out."""
    out_path = tmp_path / f"{cid}.out"
    out = open(out_path, "w+")
    container = Factory(state_root).create(cid, config)
    proc = Process(args=["/bin/sh", "-c", script + "; echo READY; exec sleep 100"], stdout=out, stderr=out, **pkw)
    try:
        container.run(proc)
        text = wait_for(out_path, "READY")
        yield container.init_pid, text
    finally:
        try:
            if proc.pid is not None and not proc._reaped:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        finally:
            container.destroy()
            out.close()


def test_args_env_cwd(rootfs, state_root, tmp_path, no_leaks):
    script = 'echo "arg1=[$1] arg2=[$2] foo=[$FOO] cwd=[$(pwd)] home=[$HOME]"'
    env = [PATH, "FOO=bar baz"]
    out = tmp_path / "o"
    with open(out, "w+") as f:
        container = Factory(state_root).create("args", make_config(rootfs))
        proc = Process(args=["/bin/sh", "-c", script, "sh", "a b", "c"], env=env, cwd="/work/dir", stdout=f)
        try:
            container.run(proc)
            assert proc.wait().code == 0
        finally:
            container.destroy()
    # cwd created by the runtime (runc does too); HOME from root's passwd entry
    assert out.read_text().strip() == "arg1=[a b] arg2=[c] foo=[bar baz] cwd=[/work/dir] home=[/root]"
    assert os.path.isdir(os.path.join(rootfs, "work/dir"))


def test_env_cwd_seen_from_outside(rootfs, state_root, tmp_path, no_leaks):
    env = [PATH, "FOO=bar", "HOME=/custom"]
    with running(state_root, "outside", make_config(rootfs), tmp_path, "true", env=env, cwd="/etc") as (pid, _):
        # READY is printed just before the shell execs sleep: read the rest once that is
        # done (an environ read in the middle of the execve comes back empty)
        for _ in range(250):
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")[:2]
            if cmdline == [b"sleep", b"100"]:
                break
            time.sleep(0.02)
        assert cmdline == [b"sleep", b"100"]
        with open(f"/proc/{pid}/environ", "rb") as f:
            environ = f.read().split(b"\0")
        assert b"FOO=bar" in environ and b"HOME=/custom" in environ  # an explicit HOME wins
        assert os.readlink(f"/proc/{pid}/cwd") == "/etc"


@pytest.mark.parametrize(
    "spec, extra, uid, gid, groups, home",
    [
        ("alice", [], 1000, 1000, {10, 29}, "/home/alice"),
        ("alice:staff", ["audio", "4242"], 1000, 50, {29, 4242}, "/home/alice"),
        ("1234:4321", [], 1234, 4321, set(), "/"),
        ("1000", [], 1000, 1000, {10, 29}, "/home/alice"),
    ],
)
def test_user_and_groups(rootfs, state_root, tmp_path, no_leaks, spec, extra, uid, gid, groups, home):
    add_users(rootfs)
    script = 'echo "uid=$(id -u) gid=$(id -g) groups=[$(id -G)] home=$HOME"'
    with running(state_root, "user", make_config(rootfs), tmp_path, script, user=spec, additional_groups=extra) as (pid, out):
        st = proc_status(pid)
        assert st["Uid"].split() == [str(uid)] * 4
        assert st["Gid"].split() == [str(gid)] * 4
        assert {int(g) for g in st["Groups"].split()} == groups
    line = out.splitlines()[0]
    assert line.startswith(f"uid={uid} gid={gid} ")
    assert set(line.split("[")[1].split("]")[0].split()) == {str(g) for g in groups | {gid}}
    assert line.endswith(f"home={home}")


@pytest.mark.parametrize(
    "spec, extra, message",
    [
        ("nosuch", [], "unable to find user nosuch: no matching entries in passwd file"),
        ("alice:nosuchgroup", [], "unable to find group nosuchgroup: no matching entries in group file"),
        ("alice", ["nosuchgroup"], "Unable to find group nosuchgroup"),
    ],
)
def test_unknown_user_fails_create_and_leaves_nothing(rootfs, state_root, no_leaks, spec, extra, message):
    add_users(rootfs)
    container = Factory(state_root).create("nouser", make_config(rootfs))
    proc = Process(args=["/bin/true"], user=spec, additional_groups=extra)
    try:
        with pytest.raises(ContainerStartError) as e:
            container.start(proc)
        assert str(e.value) == message
        assert str(container.status()) == "stopped"
        assert not os.path.exists(f"/proc/{proc.pid}")  # killed and reaped
        assert not os.path.exists(os.path.join(container.state_dir, "exec.fifo"))
    finally:
        container.destroy()
    assert os.listdir(state_root) == []


def test_umask(rootfs, state_root, tmp_path, no_leaks):
    with running(state_root, "um", make_config(rootfs), tmp_path, "umask; touch /tmp/f", umask=0o027) as (pid, out):
        assert proc_status(pid)["Umask"] == "0027"
    assert out.split()[0] == "0027"
    assert os.stat(os.path.join(rootfs, "tmp/f")).st_mode & 0o777 == 0o640
    with running(state_root, "um2", make_config(rootfs), tmp_path, "umask") as (pid, out):
        assert proc_status(pid)["Umask"] == "0022"  # runc's default
    assert out.split()[0] == "0022"


def test_rlimits(rootfs, state_root, tmp_path, no_leaks):
    hard_nofile = min(4321, resource_hard(7))
    config = make_config(rootfs, rlimits=[Rlimit(type=4, hard=2048, soft=1024)])  # core
    rl = [Rlimit(type=7, hard=hard_nofile, soft=1234)]  # nofile
    with running(state_root, "rl", config, tmp_path, "ulimit -n; ulimit -Hn", rlimits=rl) as (pid, out):
        with open(f"/proc/{pid}/limits") as f:
            limits = {line[:26].strip(): line[26:].split() for line in f}
        assert limits["Max open files"][:2] == ["1234", str(hard_nofile)]
        assert limits["Max core file size"][:2] == ["1024", "2048"]
    assert out.split()[:2] == ["1234", str(hard_nofile)]


def resource_hard(kind: int) -> int:
    import resource

    hard = resource.getrlimit(kind)[1]
    return hard if hard != resource.RLIM_INFINITY else 1 << 20


def test_no_new_privileges(rootfs, state_root, tmp_path, no_leaks):
    script = "grep NoNewPrivs /proc/self/status"
    with running(state_root, "nnp", make_config(rootfs), tmp_path, script, no_new_privileges=True) as (pid, out):
        assert proc_status(pid)["NoNewPrivs"] == "1"
    assert out.split()[:2] == ["NoNewPrivs:", "1"]
    with running(state_root, "nnp0", make_config(rootfs, no_new_privileges=True), tmp_path, script) as (pid, out):
        assert proc_status(pid)["NoNewPrivs"] == "1"  # from the config when the process says nothing
    with running(state_root, "nnp1", make_config(rootfs), tmp_path, script) as (pid, out):
        assert proc_status(pid)["NoNewPrivs"] == "0"


def test_oom_score_adj(rootfs, state_root, tmp_path, no_leaks):
    # raised only: lowering it needs CAP_SYS_RESOURCE, which this machine does not grant
    script = "cat /proc/self/oom_score_adj"
    with running(state_root, "oom", make_config(rootfs, oom_score_adj=300), tmp_path, script) as (pid, out):
        with open(f"/proc/{pid}/oom_score_adj") as f:
            assert f.read().strip() == "300"
    assert out.split()[0] == "300"
    with running(state_root, "oom2", make_config(rootfs, oom_score_adj=300), tmp_path, script, oom_score_adj=500) as (pid, out):
        with open(f"/proc/{pid}/oom_score_adj") as f:
            assert f.read().strip() == "500"  # the process's value wins


def test_stdio_fds_and_file_objects(rootfs, state_root, tmp_path, no_leaks):
    r, w = os.pipe()
    err_r, err_w = os.pipe()
    out = open(tmp_path / "out", "w+")
    container = Factory(state_root).create("stdio", make_config(rootfs))
    # stdin: a raw fd; stdout: a file object; stderr: a raw fd. The program reads, waits for
    # us to look at its descriptors from outside, then writes to both.
    proc = Process(args=["/bin/sh", "-c", "read x; read y; echo out:$x; echo err:$x >&2"],
                   stdin=r, stdout=out, stderr=err_w)
    try:
        container.run(proc)
        pid = container.init_pid
        os.write(w, b"hello\n")
        ino = os.fstat(r).st_ino
        assert os.readlink(f"/proc/{pid}/fd/0") == f"pipe:[{ino}]"
        assert os.readlink(f"/proc/{pid}/fd/1") == str(tmp_path / "out")
        assert os.readlink(f"/proc/{pid}/fd/2") == f"pipe:[{os.fstat(err_w).st_ino}]"
        # nothing else of the runtime's reached the program (CVE-2024-21626)
        assert sorted(os.listdir(f"/proc/{pid}/fd")) == ["0", "1", "2"]
        os.write(w, b"\n")
        os.close(w)
        w = None
        assert proc.wait().code == 0
    finally:
        if w is not None:
            os.close(w)
        if not proc._reaped and proc.pid:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        container.destroy()
        os.close(r)
        os.close(err_w)
    out.seek(0)
    assert out.read() == "out:hello\n"
    assert os.read(err_r, 100) == b"err:hello\n"
    os.close(err_r)
    out.close()


def test_stdio_swapped_descriptors(rootfs, state_root, tmp_path, no_leaks):
    """stdout given as our fd 2 and stderr as our fd 1: both land where they were asked."""
    a = open(tmp_path / "a", "w+")
    b = open(tmp_path / "b", "w+")
    saved1, saved2 = os.dup(1), os.dup(2)
    container = Factory(state_root).create("swap", make_config(rootfs))
    try:
        os.dup2(a.fileno(), 1)
        os.dup2(b.fileno(), 2)
        proc = Process(args=["/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2"], stdout=2, stderr=1)
        container.run(proc)
    finally:
        os.dup2(saved1, 1)
        os.dup2(saved2, 2)
        os.close(saved1)
        os.close(saved2)
    try:
        assert proc.wait().code == 0
    finally:
        container.destroy()
    assert (tmp_path / "b").read_text() == "to-stdout\n"
    assert (tmp_path / "a").read_text() == "to-stderr\n"
    a.close()
    b.close()


def test_wait_returns_exit_code_and_signal(rootfs, state_root, tmp_path, no_leaks):
    factory = Factory(state_root)
    c = factory.create("ex", make_config(rootfs))
    try:
        proc = Process(args=["/bin/sh", "-c", "exit 42"])
        c.run(proc)
        st = proc.wait()
        assert (st.code, st.signal, st.exit_code) == (42, None, 42)
        assert proc.wait() is st  # reaped once, the status is kept
    finally:
        c.destroy()
    # without a PID namespace the program is no namespace init: SIGTERM kills it
    c = factory.create("sig", make_config(rootfs, namespaces=("NEWNS", "NEWUTS", "NEWIPC", "NEWNET")))
    try:
        proc = Process(args=["/bin/sleep", "100"])
        c.run(proc)
        c.signal(signal.SIGTERM)
        st = proc.wait()
        assert (st.code, st.signal, st.exit_code) == (None, signal.SIGTERM, 128 + signal.SIGTERM)
    finally:
        c.destroy()


def test_init_process_semantics(rootfs, state_root, tmp_path, no_leaks):
    """The first process is PID 1 of the container; when it exits the kernel kills the rest
    of its PID namespace, and the container is stopped."""
    r, w = os.pipe()
    out = open(tmp_path / "o", "w+")
    c = Factory(state_root).create("init", make_config(rootfs))
    proc = Process(args=["/bin/sh", "-c", "sleep 100 & echo $$ $!; read x; exit 5"], stdin=r, stdout=out)
    try:
        c.start(proc)
        assert proc.init is True and str(c.status()) == "created"
        c.exec()
        assert str(c.status()) == "running"
        text = wait_for(tmp_path / "o", "\n")
        assert text.split()[0] == "1"
        pid = c.init_pid
        children = []
        for _ in range(200):  # the list is the kernel's snapshot: read it until the child shows
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                children = [int(x) for x in f.read().split()]
            if children:
                break
            time.sleep(0.01)
        (child,) = children
        assert proc_status(child)["NSpid"].split()[-1] == text.split()[1]
        os.close(w)
        w = None
        assert proc.wait().code == 5
        assert not os.path.exists(f"/proc/{child}")  # killed with its namespace
        assert str(c.status()) == "stopped"
    finally:
        if w is not None:
            os.close(w)
        if not proc._reaped and proc.pid:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        c.destroy()
        os.close(r)
        out.close()
