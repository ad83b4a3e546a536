"""The created state is held by native/finish.c exec'd from a sealed memfd, not by Python.

Checked from outside: the waiting process's PSS (/proc/PID/smaps_rollup), what its
/proc/PID/exe is (a memfd nobody can open for writing, with its seals visible through
F_GET_SEALS), and from inside: stdio, env and the exit status still pass through, a missing
program still fails `create`, an execve failure after `start` is exit status 127.
"""

from __future__ import annotations

import errno
import fcntl
import os

import pytest

from libcontainer import Factory, Process
from libcontainer.configs import Config, Mount, Namespace, Seccomp, Syscall
from libcontainer.configs.seccomp import Action
from libcontainer.errors import ContainerStartError
from libcontainer.init import finisher

pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")
PSS_LIMIT_KB = 2048
SEALS = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE

if not os.path.exists(finisher.BINARY):
    pytest.skip(f"{finisher.BINARY} was not built (setup.py build_ext could not compile native/finish.c)",
                allow_module_level=True)


def config(rootfs, **kw) -> Config:
    return Config(rootfs=rootfs, namespaces=[Namespace(t) for t in NEW],
                  mounts=[Mount(source="proc", destination="/proc", device="proc", flags=0xE)], **kw)


def pss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise AssertionError("no Pss in smaps_rollup")


def test_created_state_is_a_small_sealed_memfd(rootfs, state_root, tmp_path, no_leaks):
    out = open(tmp_path / "out", "w+")
    c = Factory(state_root).create("fin1", config(rootfs))
    try:
        p = Process(args=["/bin/sh", "-c", "echo released; cat /proc/self/status | grep ^Name"], stdout=out, stderr=out)
        c.start(p)
        pid = c.init_pid
        assert str(c.status()) == "created"
        assert pss_kb(pid) <= PSS_LIMIT_KB, f"created-state PSS {pss_kb(pid)} kB"
        exe = os.readlink(f"/proc/{pid}/exe")
        assert exe.startswith("/memfd:libcontainer-finish"), exe
        with pytest.raises(OSError) as err:
            os.open(f"/proc/{pid}/exe", os.O_WRONLY)
        assert err.value.errno in (errno.ETXTBSY, errno.EACCES, errno.EPERM)
        fd = os.open(f"/proc/{pid}/exe", os.O_RDONLY | os.O_CLOEXEC)
        try:
            assert fcntl.fcntl(fd, fcntl.F_GET_SEALS) & SEALS == SEALS
            with pytest.raises(OSError):
                os.ftruncate(fd, 0)
            st, host = os.fstat(fd), os.stat(finisher.BINARY)
            assert st.st_size == host.st_size and (st.st_dev, st.st_ino) != (host.st_dev, host.st_ino)
            assert st.st_mode & 0o777 == 0o111  # execute-only: unreadable to a container user
        finally:
            os.close(fd)
        # no descriptor but stdio and the FIFO's reaches the waiting process
        fds = {int(n): os.readlink(f"/proc/{pid}/fd/{n}") for n in os.listdir(f"/proc/{pid}/fd")}
        assert set(fds) - {0, 1, 2} and all(t.endswith("exec.fifo") for n, t in fds.items() if n > 2), fds
        c.exec()
        status = p.wait()
        # the program replaced the finisher: same pid, a real exe
        assert status.code == 0
    finally:
        c.destroy()
    out.seek(0)
    text = out.read()
    assert "released" in text and "Name:\tcat" in text, text


def test_stdio_env_and_exit_status_pass_through(rootfs, state_root, tmp_path, no_leaks):
    (tmp_path / "in").write_text("from stdin\n")
    stdin, out, err = open(tmp_path / "in"), open(tmp_path / "out", "w+"), open(tmp_path / "err", "w+")
    c = Factory(state_root).create("fin2", config(rootfs))
    try:
        p = Process(args=["/bin/sh", "-c", 'read line; echo "$line $GREETING"; echo oops >&2; exit 7'],
                    env=["PATH=/bin", "GREETING=hello there"], stdin=stdin, stdout=out, stderr=err)
        c.run(p)
        status = p.wait()
    finally:
        c.destroy()
    out.seek(0)
    err.seek(0)
    assert status.code == 7
    assert out.read() == "from stdin hello there\n"
    assert err.read() == "oops\n"


def test_missing_program_still_fails_create(rootfs, state_root, no_leaks):
    c = Factory(state_root).create("fin3", config(rootfs))
    try:
        with pytest.raises(ContainerStartError, match=r'exec: "/no/such/program": stat /no/such/program: no such file'):
            c.start(Process(args=["/no/such/program"]))
    finally:
        c.destroy()


def test_exec_failure_after_start_is_127_on_stderr(rootfs, state_root, tmp_path, no_leaks):
    with open(os.path.join(rootfs, "not-executable"), "w") as f:
        f.write("#!/bin/sh\necho never\n")
    os.chmod(os.path.join(rootfs, "not-executable"), 0o644)
    err = open(tmp_path / "err", "w+")
    c = Factory(state_root).create("fin4", config(rootfs))
    try:
        p = Process(args=["/not-executable"], stdout=err, stderr=err)
        c.start(p)
        assert os.readlink(f"/proc/{c.init_pid}/exe").startswith("/memfd:")
        c.exec()
        status = p.wait()
    finally:
        c.destroy()
    err.seek(0)
    assert status.code == 127
    assert err.read() == 'exec "/not-executable": permission denied\n'


def test_exit_status_of_a_signal_passes_through(rootfs, state_root, no_leaks):
    c = Factory(state_root).create("fin5", config(rootfs))
    try:
        p = Process(args=["/bin/sleep", "60"])
        c.run(p)
        assert os.readlink(f"/proc/{c.init_pid}/exe") == os.path.join(os.path.realpath(rootfs), "bin/busybox") \
            or not os.readlink(f"/proc/{c.init_pid}/exe").startswith("/memfd:")
        os.kill(c.init_pid, 9)  # PID 1 of its namespace: only a signal from outside kills it
        status = p.wait()
    finally:
        c.destroy()
    assert status.signal == 9 and status.code is None


@pytest.mark.parametrize("rules, default, native", [
    ([Syscall("execveat", Action.ERRNO)], Action.ALLOW, False),  # the finisher could not run
    ([Syscall("mkdir", Action.ERRNO)], Action.ALLOW, True),  # unrelated rule
    ([Syscall(n, Action.ALLOW) for n in finisher.SYSCALLS], Action.ERRNO, True),  # allow-list that has them
])
def test_seccomp_profile_decides_where_the_init_waits(rootfs, state_root, tmp_path, no_leaks, rules, default, native):
    pytest.importorskip("pyseccomp")
    if default == Action.ERRNO:  # an allow-list must let Python get from "ready" to the wait too
        extra = ("read", "fstat", "newfstatat", "lseek", "mmap", "munmap", "brk", "rt_sigaction", "rt_sigprocmask",
                 "getdents64", "fcntl", "ioctl", "dup2", "dup3", "getcwd", "sendmsg", "sendto", "recvfrom", "recvmsg",
                 "mprotect", "futex", "getrandom", "madvise", "exit", "socket", "connect", "poll", "stat", "statx",
                 "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "uname", "readlink",
                 "getuid", "geteuid", "getgid", "getegid")  # and busybox's own start
        rules = rules + [Syscall(n, Action.ALLOW) for n in extra]
    cfg = config(rootfs, seccomp=Seccomp(default_action=default, syscalls=rules), no_new_privileges=True)
    assert finisher.wanted(cfg, Process(args=["/bin/true"])) is native
    out = open(tmp_path / "out", "w+")
    c = Factory(state_root).create("fin6", cfg)
    try:
        p = Process(args=["/bin/echo", "ran"], stdout=out, stderr=out)
        c.start(p)
        exe = os.readlink(f"/proc/{c.init_pid}/exe")
        assert exe.startswith("/memfd:libcontainer-finish") is native, exe
        c.exec()
        status = p.wait()
    finally:
        c.destroy()
    out.seek(0)
    text = out.read()
    assert status.code == 0 and text == "ran\n", text


def test_seccomp_allows_is_conservative():
    prof = Seccomp(default_action=Action.ALLOW, syscalls=[Syscall("write", Action.ERRNO)])
    assert not finisher.seccomp_allows(prof, "write") and finisher.seccomp_allows(prof, "openat")
    from libcontainer.configs import Arg

    cond = Seccomp(default_action=Action.ERRNO, syscalls=[Syscall("prctl", Action.ALLOW, args=[Arg(0, 4)])])
    assert not finisher.seccomp_allows(cond, "prctl")  # only with a condition
    assert not finisher.seccomp_allows(Seccomp(default_action=Action.KILL), "close")
    assert finisher.seccomp_allows(Seccomp(default_action=Action.LOG), "close")


def test_start_container_hooks_keep_the_python_wait(rootfs, state_root, no_leaks):
    from libcontainer.configs.hooks import Command, Hooks

    hooks = Hooks(start_container=[Command(path="/bin/sh", args=["sh", "-c", "echo ran > /hook-ran"])])
    cfg = config(rootfs, hooks=hooks)
    assert not finisher.wanted(cfg, Process(args=["/bin/true"]))
    assert finisher.wanted(config(rootfs), Process(args=["/bin/true"]))
    c = Factory(state_root).create("fin7", cfg)
    try:
        p = Process(args=["/bin/true"])
        c.start(p)
        assert not os.readlink(f"/proc/{c.init_pid}/exe").startswith("/memfd:")
        c.exec()
        assert p.wait().code == 0
    finally:
        c.destroy()
    with open(os.path.join(rootfs, "hook-ran")) as f:
        assert f.read() == "ran\n"  # the hook ran in the container, from the Python wait
