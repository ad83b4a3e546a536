"""Run code inside another network namespace without forking.

Why a thread: ``setns(CLONE_NEWNET)`` changes only the calling *thread*, and a socket stays
in the namespace it was created in. So a short-lived thread that joins the target namespace
can create sockets (an ioctl socket, a pyroute2 netlink socket) and use them, and the rest of
the process - the runtime's main thread included - never changes namespace. This is both
faster than pyroute2's fork-a-helper approach and safe in a multithreaded process (joining a
network namespace, unlike a mount or user namespace, is allowed there).
"""

from __future__ import annotations

import _socket  # socket.py's C core: socket.py (enum conversions, selectors) costs ~5 ms
import _thread  # threading's C core: threading.py costs a fresh `pyrunc create` ~4 ms
import fcntl
import os
import struct

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def _setns(fd: int, nstype: int) -> None:
    if hasattr(os, "setns"):  # Python >= 3.12
        os.setns(fd, nstype)
        return
    # the native module's setns: ctypes.util.find_library would import subprocess, shutil,
    # tempfile and re into every `pyrunc create` with a loopback network
    from libcontainer import _nsenter

    _nsenter.setns(fd, nstype)


def netns_path(nspid_or_path) -> str:
    """``/proc/<pid>/ns/net`` for a pid, or the path itself (a bind-mounted netns)."""
    if isinstance(nspid_or_path, int):
        return f"/proc/{nspid_or_path}/ns/net"
    return os.fspath(nspid_or_path)


def run_in_netns(target, fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` in a fresh thread that joined ``target``'s netns.

    ``target`` is a pid or a namespace file path. Returns ``fn``'s result; its exception
    (or the ``setns`` failure) is re-raised in the caller.
    """
    path = netns_path(target)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    outcome: dict = {}
    done = _thread.allocate_lock()
    done.acquire()

    def body():
        try:
            _setns(fd, CLONE_NEWNET)
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc
        finally:
            done.release()  # the thread's last act: it ends in the container's netns

    try:
        _thread.start_new_thread(body, ())
        done.acquire()
    finally:
        os.close(fd)
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _ifreq(name: str, flags: int = 0) -> bytes:
    return struct.pack("16sH22x", name.encode(), flags)


def link_flags(name: str) -> int:
    """The interface flags of ``name`` in the calling thread's netns (SIOCGIFFLAGS)."""
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM | _socket.SOCK_CLOEXEC)
    try:
        out = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, _ifreq(name))
    finally:
        s.close()
    return struct.unpack("16sH22x", out)[1]


def set_link_up(name: str) -> None:
    """Bring ``name`` up in the calling thread's netns with two ioctls (no netlink needed)."""
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM | _socket.SOCK_CLOEXEC)
    try:
        out = fcntl.ioctl(s.fileno(), SIOCGIFFLAGS, _ifreq(name))
        flags = struct.unpack("16sH22x", out)[1]
        if not flags & IFF_UP:
            fcntl.ioctl(s.fileno(), SIOCSIFFLAGS, _ifreq(name, flags | IFF_UP))
    finally:
        s.close()
