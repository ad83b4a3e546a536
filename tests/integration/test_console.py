"""A container with a terminal: the pty comes from the container's own devpts instance, its
master reaches the caller over a console socket (runc's --console-socket) or back through the
library, and the process sees it as its stdio, controlling terminal and /dev/console.

Checked from outside (what /proc/<pid>/fd/0 is, which devpts its inode lives on, the
process's session and controlling tty, the container's mountinfo) and from inside (what
`tty` and `stty size` print through the master we were given).
"""

from __future__ import annotations

import array
import fcntl
import os
import select
import socket
import stat
import struct
import termios
import time

import pytest

from libcontainer import Factory, Process
from libcontainer.configs import Config, Mount, Namespace

pytestmark = pytest.mark.integration
NEW = ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")
MS_NOSUID, MS_NOEXEC, MS_STRICTATIME = 0x2, 0x8, 1 << 24
TIOCGPTN = 0x80045430
PTY_SLAVE_MAJOR = 136


def make_config(rootfs) -> Config:
    return Config(
        rootfs=rootfs,
        hostname="tty-test",
        namespaces=[Namespace(t) for t in NEW],
        mounts=[
            Mount(source="proc", destination="/proc", device="proc", flags=0xE),
            Mount(source="tmpfs", destination="/dev", device="tmpfs", flags=MS_NOSUID | MS_STRICTATIME,
                  data="mode=755,size=65536k"),
            Mount(source="devpts", destination="/dev/pts", device="devpts", flags=MS_NOSUID | MS_NOEXEC,
                  data="newinstance,ptmxmode=0666,mode=0620"),
        ],
    )


def pty_number(master: int) -> int:
    return struct.unpack("I", fcntl.ioctl(master, TIOCGPTN, b"\0" * 4))[0]


def talk(master: int, text: bytes, timeout: float = 10.0) -> str:
    """Type ``text`` into the terminal and read everything until the shell hangs up (EIO)."""
    os.write(master, text)
    out = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the last slave holder is gone
            break
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace").replace("\r", "")


def recv_master(server: socket.socket) -> tuple[int, bytes]:
    conn, _ = server.accept()
    with conn:
        fds = array.array("i")
        msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
        # exactly one message: nothing else follows on the connection
        assert conn.recv(16) == b""
    assert len(fds) == 1
    return fds[0], msg


def devpts_dev_of(pid: int, mountpoint: str) -> int:
    with open(f"/proc/{pid}/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == mountpoint:
                major, minor = fields[2].split(":")
                dev = os.makedev(int(major), int(minor))
    return dev


def check_from_outside(pid: int, n: int) -> None:
    # stdio is /dev/pts/N of the container's own devpts instance
    for fd in (0, 1, 2):
        assert os.readlink(f"/proc/{pid}/fd/{fd}") == f"/dev/pts/{n}"
    st = os.stat(f"/proc/{pid}/fd/0")
    assert stat.S_ISCHR(st.st_mode)
    assert (os.major(st.st_rdev), os.minor(st.st_rdev)) == (PTY_SLAVE_MAJOR, n)
    assert st.st_dev == devpts_dev_of(pid, "/dev/pts")
    assert st.st_dev != os.stat("/dev/pts").st_dev  # not the host's instance
    # it is the controlling terminal of a session the init leads
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    session, tty_nr = int(fields[3]), int(fields[4])
    assert session == pid
    assert tty_nr == st.st_rdev
    # /dev/console inside is a bind of that pty
    with open(f"/proc/{pid}/mountinfo") as f:
        console = [line.split() for line in f if line.split()[4] == "/dev/console"]
    assert console and console[0][3] == f"/{n}"


def test_console_socket_receives_master(rootfs, state_root, tmp_path, no_leaks):
    path = str(tmp_path / "console.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    container = Factory(state_root).create("tty1", make_config(rootfs))
    proc = Process(args=["/bin/sh"], terminal=True, console_socket=path, console_width=123, console_height=45)
    master = None
    try:
        container.start(proc)
        master, payload = recv_master(server)
        assert payload == b"/dev/ptmx"  # runc sends the master's name
        assert proc.console_master is None  # it went to the socket, not to us
        n = pty_number(master)
        check_from_outside(container.init_pid, n)
        container.exec()
        out = talk(master, b"tty; stty size; echo h''i; exit 7\n")
        status = proc.wait()
    finally:
        server.close()
        if master is not None:
            os.close(master)
        container.destroy()
    lines = out.splitlines()
    assert f"/dev/pts/{n}" in lines
    assert "45 123" in lines
    assert "hi" in lines
    assert status.code == 7


def test_master_returned_to_library_caller(rootfs, state_root, no_leaks):
    container = Factory(state_root).create("tty2", make_config(rootfs))
    proc = Process(args=["/bin/sh", "-c", "tty; test -t 0 && test -t 2 && echo interactive"], terminal=True)
    try:
        container.run(proc)
        master = proc.console_master
        assert isinstance(master, int)
        try:
            n = pty_number(master)
            # no size asked: none set (the kernel's 0x0)
            assert struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))[:2] == (0, 0)
            out = talk(master, b"")
        finally:
            os.close(master)
        status = proc.wait()
    finally:
        container.destroy()
    lines = out.splitlines()
    assert lines[0] == f"/dev/pts/{n}"
    assert lines[1] == "interactive"
    assert status.code == 0


def test_without_terminal_stdio_is_inherited_pipes(rootfs, state_root, no_leaks):
    r, w = os.pipe()
    container = Factory(state_root).create("tty3", make_config(rootfs))
    proc = Process(args=["/bin/sh", "-c", "tty"], stdout=w, stderr=w)
    try:
        container.run(proc)
        os.close(w)
        status = proc.wait()
        out = os.read(r, 4096).decode()
    finally:
        os.close(r)
        container.destroy()
    assert status.code == 1 and out.strip() == "not a tty"
    assert proc.console_master is None
