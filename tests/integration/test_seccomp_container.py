"""Seccomp in real containers: actions, errnos, argument conditions, flags, and the
user-notification agent at listenerPath, for run and exec.

Checked inside (what the program sees) and outside (/proc/PID/status of the init, what
reached the rootfs, what the agent received).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import struct
import threading

import pytest

from libcontainer import Factory, Process
from libcontainer.configs import Arg, Config, Mount, Namespace, Seccomp, Syscall
from libcontainer.configs.seccomp import Action, Operator
from libcontainer.errors import ContainerStartError

pytest.importorskip("pyseccomp")
pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")
SIGSYS_EXIT = 128 + 31


@pytest.fixture(autouse=True, params=["native init", "python init"])
def init_kind(request, monkeypatch):
    """Every test both ways: the native init loads the program the runtime compiled (for a
    profile without notify); the Python init loads the same program through seccomp.kernel."""
    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "1" if request.param == "native init" else "0")
    return request.param


def config(rootfs, seccomp, **kw) -> Config:
    return Config(rootfs=rootfs, namespaces=[Namespace(t) for t in NEW], seccomp=seccomp,
                  mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)], **kw)


def run(factory, cid, cfg, script, tmp_path, check_outside=None, **pkw):
    out = open(tmp_path / f"{cid}.out", "w+")
    c = factory.create(cid, cfg)
    try:
        p = Process(args=["/bin/sh", "-c", script], stdout=out, stderr=out, **pkw)
        c.start(p)
        if check_outside:
            check_outside(c.init_pid)
        c.exec()
        status = p.wait()
    finally:
        c.destroy()
    out.seek(0)
    return status, out.read()


def seccomp_status(pid: int) -> dict:
    with open(f"/proc/{pid}/status") as f:
        return dict(line.split(":\t", 1) for line in f.read().splitlines() if line.startswith(("Seccomp", "NoNewPrivs")))


def test_actions_errnos_and_argument_conditions(rootfs, state_root, tmp_path, no_leaks):
    rules = [
        Syscall("chmod", Action.ERRNO), Syscall("fchmodat", Action.ERRNO),  # EPERM by default
        Syscall("sethostname", Action.KILL_PROCESS),
        Syscall("sync", Action.TRAP),
        Syscall("getpid", Action.LOG),
        # kill(pid, sig): signal 0 -> ENOSPC; (sig & 0xff) == 28 -> ENOTTY; others go through
        Syscall("kill", Action.ERRNO, errno.ENOSPC, [Arg(1, 0, 0, Operator.EQUAL_TO)]),
        Syscall("kill", Action.ERRNO, errno.ENOTTY, [Arg(1, 0xFF, 28, Operator.MASK_EQUAL_TO)]),
        Syscall("rmdir", Action.ERRNO, errno.EROFS),
        Syscall("not_in_this_libseccomp_but_real", Action.ERRNO) if False else Syscall("statmount", Action.ERRNO),
    ]
    sec = Seccomp(default_action=Action.ALLOW, architectures=["amd64", "x86", "x32"], syscalls=rules)
    seen = {}
    script = ("chmod 777 /tmp; echo chmod=$?; (hostname evil); echo uname=$?; (sync); echo sync=$?; "
              "echo pid $$; kill -0 $$; echo k0=$?; kill -28 $$; echo k28=$?; kill -CONT $$; echo kcont=$?; "
              "rmdir /b; echo rmdir=$?")
    os.mkdir(os.path.join(rootfs, "b"))
    status, out = run(Factory(state_root), "sc1", config(rootfs, sec), script, tmp_path,
                      check_outside=lambda pid: seen.update(seccomp_status(pid)))
    assert status.code == 0, out
    assert seen["Seccomp"] == "2" and seen["Seccomp_filters"] == "1"  # the init waits filtered
    assert "Operation not permitted" in out and "chmod=1" in out
    assert f"uname={SIGSYS_EXIT}" in out and f"sync={SIGSYS_EXIT}" in out
    assert "pid 1" in out  # LOG allows
    assert "No space left on device" in out and "k0=1" in out
    assert "k28=1" in out and "kcont=0" in out
    assert "Read-only file system" in out and "rmdir=1" in out
    assert os.path.isdir(os.path.join(rootfs, "b"))  # refused for real


def test_default_errno_and_flags(rootfs, state_root, tmp_path, no_leaks):
    from libcontainer.seccomp import kernel

    flags = [n for n, b in kernel.FLAGS.items() if n != "SECCOMP_FILTER_FLAG_TSYNC" and kernel.flag_supported(b)]
    sec = Seccomp(default_action=Action.ALLOW, flags=flags,
                  syscalls=[Syscall("chmod", Action.ERRNO, errno.EXDEV), Syscall("fchmodat", Action.ERRNO, errno.EXDEV)])
    status, out = run(Factory(state_root), "sc2", config(rootfs, sec), "chmod 1 /tmp; echo rc=$?", tmp_path)
    assert "rc=1" in out and "cross-device" in out, out


def test_bad_profile_fails_create_with_the_names(rootfs, state_root, tmp_path, no_leaks):
    sec = Seccomp(default_action=Action.ALLOW, syscalls=[Syscall("mkdri", Action.ERRNO), Syscall("chmdo", Action.ERRNO)])
    c = Factory(state_root).create("sc4", config(rootfs, sec))
    try:
        with pytest.raises(ContainerStartError, match="unknown syscall name.*mkdri, chmdo"):
            c.run(Process(args=["/bin/true"]))
    finally:
        c.destroy()


# -- user notification ------------------------------------------------------------------------
NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif)     (80 bytes)
NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp) (24 bytes)


class Agent(threading.Thread):
    """A seccomp agent: receives the state and the fd, answers ``answers`` in turn."""

    def __init__(self, path, answers):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.sock.settimeout(20)
        self.answers = list(answers)
        self.states = []
        self.syscalls = []
        self.error = None

    def run(self):
        try:
            while self.answers:
                conn, _ = self.sock.accept()
                with conn:
                    msg, fds, _, _ = socket.recv_fds(conn, 65536, 4)
                self.states.append(json.loads(msg))
                fd = fds[0]
                try:
                    self.states[-1]["_fd_is_listener"] = os.readlink(f"/proc/self/fd/{fd}")
                    self._serve(fd)
                finally:
                    os.close(fd)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def _serve(self, fd):
        while self.answers:
            buf = bytearray(80)
            try:
                fcntl.ioctl(fd, NOTIF_RECV, buf)
            except OSError as e:
                if e.errno == errno.ENOENT:  # the target died
                    return
                raise
            nid, pid, _flags, nr = struct.unpack_from("=QIIi", buf)
            self.syscalls.append(nr)
            err = self.answers.pop(0)
            fcntl.ioctl(fd, NOTIF_SEND, bytearray(struct.pack("=QqiI", nid, 0, -err if err else 0, 0)))
            if getattr(self, "per_connection", 0) and len(self.syscalls) % self.per_connection == 0:
                return


def notify_profile(path, **kw):
    return Seccomp(default_action=Action.ALLOW, listener_path=path, listener_metadata="meta-42",
                   syscalls=[Syscall("mkdir", Action.NOTIFY), Syscall("mkdirat", Action.NOTIFY)], **kw)


def test_notify_agent_answers_for_run_and_exec(rootfs, state_root, tmp_path, no_leaks):
    path = str(tmp_path / "agent.sock")
    agent = Agent(path, [errno.EXDEV, 0, errno.ENOTSUP])
    agent.per_connection = 2
    agent.start()
    flags = ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"]
    cfg = config(rootfs, notify_profile(path, flags=flags), no_new_privileges=True,
                 labels=["bundle=/some/bundle", "org.example=yes"])
    out = open(tmp_path / "n.out", "w+")
    c = Factory(state_root).create("sn1", cfg)
    try:
        init = Process(args=["/bin/sh", "-c", "mkdir /x; echo x=$?; mkdir /y; echo y=$?; exec sleep 30"],
                       stdout=out, stderr=out)
        c.run(init)
        init_pid = init.pid
        ex = Process(args=["/bin/sh", "-c", "mkdir /z; echo z=$?"], stdout=out, stderr=out,
                     no_new_privileges=False)
        c.start(ex)
        assert ex.wait().code == 0
        agent.join(20)
        init.signal(9)
        init.wait()
    finally:
        c.destroy()
        agent.sock.close()
    out.seek(0)
    text = out.read()
    assert agent.error is None, agent.error
    assert "Invalid cross-device link" in text and "x=1" in text  # the agent's errno
    assert "y=0" in text  # the agent's fake success ...
    assert not os.path.exists(os.path.join(rootfs, "y"))  # ... and nothing was made
    assert "z=1" in text and "Operation not supported" in text  # the exec'd process has its own listener
    first, second = agent.states
    assert first["fds"] == ["seccompFd"] and first["metadata"] == "meta-42" and first["ociVersion"]
    assert first["pid"] == init_pid
    assert first["state"]["id"] == "sn1" and first["state"]["status"] == "creating"
    assert first["state"]["pid"] == init_pid and first["state"]["bundle"] == "/some/bundle"
    assert first["state"]["annotations"] == {"org.example": "yes"}
    assert first["_fd_is_listener"] == "anon_inode:seccomp notify"
    assert second["pid"] == ex.pid and second["state"]["pid"] == init_pid
    assert second["state"]["status"] == "running"


def test_notify_without_agent_fails_start(rootfs, state_root, tmp_path, no_leaks):
    cfg = config(rootfs, notify_profile(str(tmp_path / "nobody.sock")))
    c = Factory(state_root).create("sn2", cfg)
    try:
        with pytest.raises(ContainerStartError, match="nobody.sock"):
            c.run(Process(args=["/bin/true"]))
    finally:
        c.destroy()


def test_a_profile_that_forbids_exit_fails_start_instead_of_hanging(rootfs, state_root, no_leaks):
    """Only execve allowed, no no_new_privs: the filter goes in early and the init cannot
    even exit. Start must fail promptly (the init dies by a fault), not spin forever."""
    import time

    sec = Seccomp(default_action=Action.ERRNO, syscalls=[Syscall(name="execve", action=Action.ALLOW)])
    container = Factory(state_root).create("strict", config(rootfs, sec))
    t0 = time.monotonic()
    try:
        with pytest.raises(ContainerStartError):
            container.start(Process(args=["/bin/true"]))
    finally:
        container.destroy()
    assert time.monotonic() - t0 < 30
