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
from libcontainer.errors import ConfigError, NotBuiltError

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
            "brk", "mmap", "munmap", "futex")] + [rule("not_a_syscall_xyz", "SCMP_ACT_ALLOW")],
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
    with pytest.raises(NotBuiltError, match="notify"):
        plugins.seccomp_filter(profile(rule("chdir", "SCMP_ACT_NOTIFY")))
