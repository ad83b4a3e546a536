"""Descriptors passed into the container: socket activation and ``--preserve-fds``.

As runc: when pyrunc itself was socket-activated (LISTEN_PID is our pid), the LISTEN_FDS
descriptors from 3 on go to the container first (create/run only), with LISTEN_FDS=N and
LISTEN_PID=1 in its environment; then ``--preserve-fds N`` passes the next N descriptors
of pyrunc unchanged. In the container they are 3, 4, ... in that order (the library's
Process.extra_files); everything else of the runtime is closed on exec.
"""

from __future__ import annotations

import os

from .common import CliError

LISTEN_FDS_START = 3


def listen_fds() -> list[int]:
    """go-systemd's activation.Files(false): our inherited sockets, marked close-on-exec."""
    if not os.environ.get("LISTEN_FDS"):
        return []
    try:
        if int(os.environ.get("LISTEN_PID", "")) != os.getpid():
            return []
        n = int(os.environ["LISTEN_FDS"])
    except ValueError:
        return []
    fds = list(range(LISTEN_FDS_START, LISTEN_FDS_START + max(n, 0)))
    for fd in fds:
        try:
            os.set_inheritable(fd, False)
        except OSError:
            pass
    return fds


def preserved(count: int, base: int) -> list[int]:
    """runc: each of base..base+count-1 must be open (stat'ed through /proc/self/fd)."""
    if count < 0:
        raise CliError("--preserve-fds must not be negative")
    from libcontainer.codecache import owned_fds

    ours = owned_fds()  # held above the range the caller uses; never passed as theirs
    out = []
    for fd in range(base, base + count):
        try:
            if fd in ours:
                raise OSError(9, "bad file descriptor")
            os.stat(f"/proc/self/fd/{fd}")
        except OSError as e:
            raise CliError(f"unable to stat preserved-fd {fd - base} (of {count}): "
                           f"stat /proc/self/fd/{fd}: {(e.strerror or str(e)).lower()}") from None
        out.append(fd)
    return out


def apply(process, preserve: int, *, listen: bool) -> None:
    """Fill Process.extra_files (and the LISTEN_* env) the way runc's runner does."""
    extra = listen_fds() if listen else []
    if extra:
        process.env = list(process.env or []) + [f"LISTEN_FDS={len(extra)}", "LISTEN_PID=1"]
    extra += preserved(preserve, LISTEN_FDS_START + len(extra))
    process.extra_files = extra
