"""The container's terminal: a pty from the container's own devpts, handed to the caller.

runc's model, step by step, and why:

- The pty is allocated by the init *after* pivot_root, through the container's /dev/ptmx
  (or /dev/pts/ptmx): the pair then lives in the devpts instance the config mounted
  (``newinstance``), so the container sees /dev/pts/0 and never the host's terminals.
- The slave is reached with TIOCGPTPEER, not by path, so nothing in the rootfs can swap
  the /dev/pts/N the init opens; it is bind-mounted on /dev/console, becomes the init's
  stdio and, after setsid, its controlling terminal (TIOCSCTTY).
- The master goes to whoever drives the terminal: over the ``console_socket`` (a unix socket
  path, connected by the runtime like runc's ``--console-socket``, or an already connected
  socket) as one SCM_RIGHTS message whose payload is the master's name, exactly what runc
  sends; or, without a socket, back over the sync channel to the library caller, who finds
  it in ``Process.console_master`` (the caller then owns and closes that descriptor).
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import struct

from . import syscalls
from .syscalls import MS_BIND

# <asm-generic/ioctls.h>; Python's termios lacks the pty ones, and importing it for the two it
# has would cost every create ~0.5 ms (tests/unit/test_console_ioctls.py checks they agree)
TIOCSPTLCK = 0x40045431
TIOCGPTN = 0x80045430
TIOCGPTPEER = 0x5441
TIOCSWINSZ = 0x5414
TIOCSCTTY = 0x540E

#: What runc sends as the payload: the name the master was opened by.
PTMX = "/dev/ptmx"


# ---- the runtime's side ---------------------------------------------------------------------
def connect(process):
    """Before the clone: the socket the init sends the master on (None: back to the caller).

    A path is connected here, in the runtime's mount namespace, as runc does; the returned
    socket is inherited by the init through the clone. The second value says whether it is
    ours to close after start.
    """
    target = getattr(process, "console_socket", None)
    if not getattr(process, "terminal", False) or target is None:
        return None, False
    import socket  # only a terminal handed over a socket needs it (then so does the init)

    if isinstance(target, socket.socket):
        return target, False
    if isinstance(target, int):
        return socket.socket(fileno=os.dup(target)), True
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | socket.SOCK_CLOEXEC)
    try:
        sock.connect(os.fspath(target))
    except OSError as e:
        sock.close()
        raise OSError(e.errno, f"failed to connect to the console socket {target}: {e.strerror}") from None
    return sock, True


def receive_master(chan, process) -> None:
    """Once the init is ready: the master that came with its "console" message, if any.

    Taken only on success: on a failed start the channel closes it with the rest.
    """
    fd = chan.take_fd()
    if fd is not None:
        process.console_master = fd


# ---- the init's side ------------------------------------------------------------------------
def setup(process, chan, conn, *, mount: bool = True) -> None:
    """Allocate the pty, mount the slave on /dev/console, hand the master over, take stdio.

    Runs after pivot_root, so every path here is the container's.
    """
    master = os.open(_ptmx(), os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    try:
        fcntl.ioctl(master, TIOCSPTLCK, struct.pack("i", 0))  # unlockpt
        slave = fcntl.ioctl(master, TIOCGPTPEER, os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
        try:
            if process.console_height and process.console_width:
                fcntl.ioctl(master, TIOCSWINSZ, struct.pack("HHHH", process.console_height,
                                                            process.console_width, 0, 0))
            if mount:
                mount_console(slave)
            if conn is not None:  # connect() imported socket before the clone
                import socket

                socket.send_fds(conn, [PTMX.encode()], [master])
                conn.close()
            else:
                chan.send_fd("console", master, name=pty_name(master))
            for target in (0, 1, 2):
                os.dup2(slave, target, inheritable=True)
        finally:
            os.close(slave)
    finally:
        os.close(master)
    fcntl.ioctl(0, TIOCSCTTY, 0)


def pty_name(master: int) -> str:
    """/dev/pts/N of a master (TIOCGPTN): the name the slave has inside the container."""
    (n,) = struct.unpack("I", fcntl.ioctl(master, TIOCGPTN, b"\0" * 4))
    return f"/dev/pts/{n}"


def _ptmx() -> str:
    # runc makes /dev/ptmx a symlink to pts/ptmx; where the rootfs has none, the devpts
    # instance's own ptmx is the same device of the same instance
    return PTMX if os.path.exists(PTMX) else "/dev/pts/ptmx"


def mount_console(slave: int) -> None:
    """Bind the slave over /dev/console (created if missing, never through a symlink)."""
    # already loaded by the init (rootfs imports it before pivot_root): no file is searched
    # here, after it. The runtime's own process, which imports this module to pass the
    # console along, need not load the rootfs code before the clone.
    from .rootfs import fstype

    fd = os.open("/dev/console", os.O_NOFOLLOW | os.O_CREAT | os.O_CLOEXEC | os.O_NOCTTY | os.O_RDONLY,
                 0o666)
    try:
        # /dev itself may be a symlink into /proc or /sys (CVE-2025-52565): what was opened
        # must be an ordinary file or device node outside those, or nothing is mounted
        st = os.fstat(fd)
        if fstype.magic(fd) in (fstype.PROC_SUPER_MAGIC, fstype.SYSFS_MAGIC) or not (
                stat.S_ISREG(st.st_mode) or stat.S_ISCHR(st.st_mode)):
            raise OSError(errno.EPERM, "/dev/console is not a file or device of the container's /dev")
        if os.path.isdir("/proc/self/fd"):
            src, dst = f"/proc/self/fd/{slave}", f"/proc/self/fd/{fd}"
        else:  # no /proc in this container: fall back to names
            src, dst = pty_name_of_slave(slave), "/dev/console"
        syscalls.get().mount(src, dst, None, MS_BIND, None)
    except OSError as e:
        raise OSError(e.errno, f"mounting the console on /dev/console: {e.strerror}") from None
    finally:
        os.close(fd)


def pty_name_of_slave(slave: int) -> str:
    return f"/dev/pts/{os.minor(os.fstat(slave).st_rdev)}"


def give_to(uid: int) -> None:
    """Let the process's user drive its terminal (runc's fixStdioPermissions, for the pty)."""
    for fd in (0, 1, 2):
        st = os.fstat(fd)
        if st.st_uid != uid:
            os.fchown(fd, uid, st.st_gid)
