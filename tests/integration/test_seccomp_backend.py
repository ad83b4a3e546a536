"""The default seccomp backend (libseccomp via pyseccomp), compiled and loaded for real.

Loading is irreversible, so every load happens in a forked child that reports back through
its exit status.
"""

from __future__ import annotations

import errno
import os
import types

import pytest

from libcontainer import plugins
from libcontainer.errors import ConfigError

pytest.importorskip("pyseccomp")


def rule(name, action, errno_ret=None, args=()):
    return types.SimpleNamespace(name=name, action=action, errno_ret=errno_ret, args=list(args))


def arg(index, value, op, value_two=0):
    return types.SimpleNamespace(index=index, value=value, value_two=value_two, op=op)


def profile(*syscalls, default="SCMP_ACT_ALLOW", arches=("SCMP_ARCH_X86_64", "x86")):
    return types.SimpleNamespace(default_action=default, default_errno_ret=None,
                                 architectures=list(arches), flags=[], syscalls=list(syscalls))


def in_child(fn) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(fn())
        except BaseException:
            os._exit(99)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_export_bpf_is_a_program():
    flt = plugins.seccomp_filter(profile(rule("chdir", "SCMP_ACT_ERRNO", 13)))
    bpf = flt.export_bpf()
    assert bpf and len(bpf) % 8 == 0  # struct sock_filter is 8 bytes


def test_load_errno_and_arg_conditions():
    denied, allowed = os.open("/", os.O_RDONLY), os.open("/", os.O_RDONLY)
    flt = plugins.seccomp_filter(profile(
        rule("chdir", 2, errno_ret=errno.EACCES),  # runc's enum: 2 == errno
        rule("fchdir", "errno", errno_ret=errno.EBADF, args=[arg(0, denied, "SCMP_CMP_EQ")]),
    ))

    def child():
        flt.load()
        try:
            os.chdir("/")
            return 1
        except PermissionError:
            pass
        try:
            os.fchdir(denied)
            return 2
        except OSError as exc:
            if exc.errno != errno.EBADF:
                return 3
        os.fchdir(allowed)  # another fd: the condition does not match
        return 0

    try:
        assert in_child(child) == 0
    finally:
        os.close(denied)
        os.close(allowed)


def test_default_action_errno_with_allow_list():
    flt = plugins.seccomp_filter(types.SimpleNamespace(
        default_action="SCMP_ACT_ERRNO", default_errno_ret=errno.ENOSYS, architectures=[],
        flags=[], syscalls=[rule(n, "SCMP_ACT_ALLOW") for n in (
            "exit_group", "exit", "write", "getpid", "rt_sigreturn", "rt_sigprocmask",
            "brk", "mmap", "munmap", "futex")] + [rule("statmount", "SCMP_ACT_ALLOW")],  # newer than libseccomp: ignored
    ))
    # a filter whose default is ERRNO(ENOSYS) rejects getppid but keeps getpid
    def child():
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        flt.load()
        if libc.syscall(39) <= 0:  # getpid (x86_64)
            return 1
        return 0 if libc.syscall(110) == -1 and ctypes.get_errno() == errno.ENOSYS else 2

    if os.uname().machine != "x86_64":
        pytest.skip("raw syscall numbers are x86_64's")
    assert in_child(child) == 0


def test_bad_values_are_config_errors():
    with pytest.raises(ConfigError, match="default_action"):
        plugins.seccomp_filter(profile(default="SCMP_ACT_BOGUS"))
    with pytest.raises(ConfigError, match=r"architectures\[0\]"):
        plugins.seccomp_filter(profile(arches=["vax"]))
    with pytest.raises(ConfigError, match="listener_path"):
        plugins.seccomp_filter(profile(rule("chdir", "SCMP_ACT_NOTIFY")))
    with pytest.raises(ConfigError, match="write syscall"):
        plugins.seccomp_filter(profile(rule("write", "SCMP_ACT_NOTIFY")))
    with pytest.raises(ConfigError, match="not_a_syscall_xyz, mkdir_typo"):
        plugins.seccomp_filter(profile(rule("not_a_syscall_xyz", "SCMP_ACT_ERRNO"),
                                       rule("mkdir_typo", "SCMP_ACT_ERRNO"), rule("mkdir", "SCMP_ACT_ERRNO")))
    with pytest.raises(ConfigError, match=r"flags\[0\]"):
        p = profile()
        p.flags = ["SECCOMP_FILTER_FLAG_BOGUS"]
        plugins.seccomp_filter(p)
    with pytest.raises(ConfigError, match="operator"):
        plugins.seccomp_filter(profile(rule("mkdir", "SCMP_ACT_ERRNO", args=[arg(0, 1, "SCMP_CMP_WHAT")])))


@pytest.mark.parametrize("op,value,value_two,matching,other", [
    ("SCMP_CMP_EQ", 10**7 + 5, 0, 10**7 + 5, 10**7 + 6),
    ("SCMP_CMP_NE", 10**7 + 5, 0, 10**7 + 6, 10**7 + 5),
    ("SCMP_CMP_GT", 10**7 + 5, 0, 10**7 + 6, 10**7 + 5),
    ("SCMP_CMP_GE", 10**7 + 5, 0, 10**7 + 5, 10**7 + 4),
    ("SCMP_CMP_LT", 10**7 + 5, 0, 10**7 + 4, 10**7 + 5),
    ("SCMP_CMP_LE", 10**7 + 5, 0, 10**7 + 5, 10**7 + 6),
    ("SCMP_CMP_MASKED_EQ", 0xFF, 0x42, 10**7 * 256 + 0x42, 10**7 * 256 + 0x43),
])
def test_every_operator(op, value, value_two, matching, other):
    """kill(pid, 0) with pids above pid_max: a match says ENOTTY, the real kill says ESRCH."""
    import ctypes

    flt = plugins.seccomp_filter(profile(rule("kill", "SCMP_ACT_ERRNO", errno.ENOTTY,
                                              [arg(0, value, op, value_two)])))

    def child():
        libc = ctypes.CDLL(None, use_errno=True)
        flt.load()
        got = []
        for pid in (matching, other):
            libc.kill(ctypes.c_int(pid & 0x7FFFFFFF), 0)
            got.append(ctypes.get_errno())
        return 0 if got == [errno.ENOTTY, errno.ESRCH] else 1

    assert in_child(child) == 0


def test_two_conditions_on_one_argument_are_or():
    import ctypes

    flt = plugins.seccomp_filter(profile(rule("kill", "SCMP_ACT_ERRNO", errno.ENOTTY,
                                              [arg(0, 10**7 + 1, "SCMP_CMP_EQ"), arg(0, 10**7 + 2, "SCMP_CMP_EQ")])))

    def child():
        libc = ctypes.CDLL(None, use_errno=True)
        flt.load()
        got = []
        for pid in (10**7 + 1, 10**7 + 2, 10**7 + 3):
            libc.kill(pid, 0)
            got.append(ctypes.get_errno())
        return 0 if got == [errno.ENOTTY, errno.ENOTTY, errno.ESRCH] else 1

    assert in_child(child) == 0


def test_syscalls_of_other_architectures_are_accepted():
    """Engines send one profile for every architecture (podman's lists chown32, _llseek...)."""
    from libcontainer.configs.seccomp import Seccomp, Syscall
    from libcontainer.seccomp.libseccomp import LibseccompFilter

    cfg = Seccomp(default_action="SCMP_ACT_ERRNO",
                  syscalls=[Syscall(name=n, action="SCMP_ACT_ALLOW")
                            for n in ("chown32", "_llseek", "socketcall", "read", "write")])
    assert len(LibseccompFilter(cfg).export_bpf()) > 0
    with pytest.raises(ConfigError, match="no_such_syscall_xyz"):
        LibseccompFilter(Seccomp(default_action="SCMP_ACT_ERRNO",
                                 syscalls=[Syscall(name="no_such_syscall_xyz", action="SCMP_ACT_ALLOW")]))
