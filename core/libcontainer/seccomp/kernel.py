"""Installing a compiled filter with seccomp(2) directly, with the flags the config asks for.

libseccomp's own load cannot pass every filter flag (WAIT_KILLABLE_RECV needs libseccomp
2.6, and its notify fd handling assumes it owns the filter), so - as runc does with its
patched BPF - the program libseccomp compiled is exported and installed here with
SECCOMP_SET_MODE_FILTER and the exact flag word. With NEW_LISTENER the kernel returns the
user-notification descriptor, which the runtime hands to the seccomp agent.
"""

from __future__ import annotations

import ctypes
import errno
import os

SECCOMP_SET_MODE_FILTER = 1
SECCOMP_GET_ACTION_AVAIL = 2

FLAG_TSYNC = 1
FLAG_LOG = 2
FLAG_SPEC_ALLOW = 4
FLAG_NEW_LISTENER = 8
FLAG_TSYNC_ESRCH = 16
FLAG_WAIT_KILLABLE_RECV = 32

#: OCI flag names -> SECCOMP_FILTER_FLAG_* bits
FLAGS = {
    "SECCOMP_FILTER_FLAG_TSYNC": FLAG_TSYNC,
    "SECCOMP_FILTER_FLAG_LOG": FLAG_LOG,
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": FLAG_SPEC_ALLOW,
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": FLAG_WAIT_KILLABLE_RECV,
}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_libc = None


def _seccomp_nr() -> int:
    import pyseccomp

    nr = pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, "seccomp")
    if nr < 0:
        raise OSError(errno.ENOSYS, "seccomp(2) is unknown on this architecture")
    return nr


def _seccomp(op: int, flags: int, arg) -> int:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    _libc.syscall.restype = ctypes.c_long
    ret = _libc.syscall(ctypes.c_long(_seccomp_nr()), ctypes.c_uint(op), ctypes.c_uint(flags), arg)
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return ret


def flag_supported(bit: int) -> bool:
    """The kernel's answer for one flag: with a NULL program a known flag gives EFAULT."""
    if bit == FLAG_WAIT_KILLABLE_RECV:
        bit |= FLAG_NEW_LISTENER  # only valid together
    try:
        _seccomp(SECCOMP_SET_MODE_FILTER, bit, None)
    except OSError as e:
        return e.errno == errno.EFAULT
    return True  # cannot happen with a NULL program


def install(bpf: bytes, flags: int) -> int | None:
    """Install ``bpf`` (an array of struct sock_filter) on the calling thread.

    Returns the notify listener fd when FLAG_NEW_LISTENER was given, else None. The caller
    must hold no_new_privs or CAP_SYS_ADMIN (runc's order guarantees one of them).
    """
    if not bpf or len(bpf) % 8:
        raise ValueError("seccomp: not a BPF program")
    if not flags & FLAG_NEW_LISTENER:
        flags &= ~FLAG_WAIT_KILLABLE_RECV  # it qualifies notify waits; without a listener, nothing
    if flags & FLAG_NEW_LISTENER and flags & FLAG_TSYNC:
        flags |= FLAG_TSYNC_ESRCH  # the kernel refuses TSYNC + NEW_LISTENER otherwise
    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = _SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    ret = _seccomp(SECCOMP_SET_MODE_FILTER, flags, ctypes.byref(prog))
    # the kernel makes the listener close-on-exec; no further syscall here (the filter is on)
    return ret if flags & FLAG_NEW_LISTENER else None
