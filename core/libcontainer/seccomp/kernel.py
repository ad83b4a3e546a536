"""Installing a compiled filter with seccomp(2) directly, with the flags the config asks for.

libseccomp's own load cannot pass every filter flag (WAIT_KILLABLE_RECV needs libseccomp
2.6, and its notify fd handling assumes it owns the filter), so - as runc does with its
patched BPF - the program libseccomp compiled is exported and installed here with
SECCOMP_SET_MODE_FILTER and the exact flag word, through the native module (ctypes and
libseccomp's binding, for the system call's number, cost an init ~30 ms to import). With
NEW_LISTENER the kernel returns the user-notification descriptor, which the runtime hands to
the seccomp agent.
"""

from __future__ import annotations

import errno

from .. import _nsenter

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


def flag_supported(bit: int) -> bool:
    """The kernel's answer for one flag: with a NULL program a known flag gives EFAULT."""
    if bit == FLAG_WAIT_KILLABLE_RECV:
        bit |= FLAG_NEW_LISTENER  # only valid together
    try:
        _nsenter.seccomp_filter(bit)
    except OSError as e:
        return e.errno == errno.EFAULT
    return True  # cannot happen with a NULL program


def effective_flags(flags: int) -> int:
    """The flag word as installed: what the config's flags imply for the kernel."""
    if not flags & FLAG_NEW_LISTENER:
        flags &= ~FLAG_WAIT_KILLABLE_RECV  # it qualifies notify waits; without a listener, nothing
    if flags & FLAG_NEW_LISTENER and flags & FLAG_TSYNC:
        flags |= FLAG_TSYNC_ESRCH  # the kernel refuses TSYNC + NEW_LISTENER otherwise
    return flags


def install(bpf: bytes, flags: int) -> int | None:
    """Install ``bpf`` (an array of struct sock_filter) on the calling thread.

    Returns the notify listener fd when FLAG_NEW_LISTENER was given, else None. The caller
    must hold no_new_privs or CAP_SYS_ADMIN (runc's order guarantees one of them).
    """
    if not bpf or len(bpf) % 8:
        raise ValueError("seccomp: not a BPF program")
    flags = effective_flags(flags)
    ret = _nsenter.seccomp_filter(flags, bpf)
    # the kernel makes the listener close-on-exec; no further syscall here (the filter is on)
    return ret if flags & FLAG_NEW_LISTENER else None
