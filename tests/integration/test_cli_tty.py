# ruff: noqa: F811 - pytest fixtures imported from test_cli are arguments here
"""pyrunc's terminals and passed descriptors: process.terminal, --console-socket, exec --tty,
a foreground terminal, --preserve-fds and socket activation (LISTEN_FDS).

Checked inside (the program's own view: `tty`, `stty size`, /proc/self/fd) and outside
(the process's controlling terminal in /proc/PID/stat, its fds in /proc/PID/fd, what came
over the console socket).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import socket
import struct
import subprocess
import tempfile
import termios
import time

import pytest
from test_cli import PYRUNC, _wait_stopped, bundle, cli  # noqa: F401 - the fixtures, shared

pytestmark = pytest.mark.integration

PTS_MAJORS = range(136, 144)  # Unix98 pty slaves


def _tty_nr(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[4])


def _is_pts(dev: int) -> bool:
    return os.major(dev) in PTS_MAJORS


class ConsoleServer:
    """What an engine (conmon, the containerd shim) does: listen, take the master over SCM_RIGHTS."""

    def __init__(self, path: str):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.sock.settimeout(20)

    def receive(self) -> tuple[bytes, int]:
        conn, _ = self.sock.accept()
        with conn:
            msg, fds, _flags, _addr = socket.recv_fds(conn, 4096, 1)
        assert len(fds) == 1
        return msg, fds[0]

    def close(self):
        self.sock.close()


def _read_until(fd: int, needle: bytes, timeout: float = 15) -> bytes:
    out = b""
    deadline = time.monotonic() + timeout
    while needle not in out and time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
    return out


def test_create_with_console_socket_sends_the_master(cli, bundle, tmp_path):
    bundle.write(["sh", "-c", "tty; stty size; read line; echo got:$line; exec sleep 100"],
                 mutate=lambda s: s["process"].update(terminal=True, consoleSize={"height": 30, "width": 90}))
    server = ConsoleServer(str(tmp_path / "console.sock"))
    master = None
    try:
        res, out = cli.detached("create", "--console-socket", server.path, "-b", bundle.dir, "c1")
        assert res.returncode == 0, res.stderr
        msg, master = server.receive()
        assert msg == b"/dev/ptmx"  # runc's payload: the name the master was opened by
        assert _is_pts(os.fstat(master).st_rdev) is False and os.isatty(master)
        pid = cli.state("c1")["pid"]
        # outside: the init already has the pty's slave as controlling terminal and stdio
        assert _is_pts(_tty_nr(pid))
        assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/pts/0"
        cli("start", "c1", check=0)
        os.write(master, b"hello\n")
        seen = _read_until(master, b"got:hello")
        assert b"/dev/pts/0" in seen and b"30 90" in seen and b"got:hello" in seen, seen
        assert out.read_text() == ""  # the terminal replaced pyrunc's stdio
    finally:
        server.close()
        if master is not None:
            os.close(master)


def test_exec_tty_with_console_socket_detached(cli, bundle, tmp_path):
    bundle.write(["sleep", "100"])
    cli.detached("run", "-d", "-b", bundle.dir, "x1")
    server = ConsoleServer(str(tmp_path / "exec.sock"))
    master = None
    try:
        pid_file = tmp_path / "exec.pid"
        res = cli("exec", "--tty", "--console-socket", server.path, "--detach", "--pid-file", str(pid_file),
                  "x1", "sh", "-c", "tty; exec sleep 100")
        assert res.returncode == 0, res.stderr
        _msg, master = server.receive()
        pid = int(pid_file.read_text())
        assert _is_pts(_tty_nr(pid))
        assert b"/dev/pts/" in _read_until(master, b"/dev/pts/")
        res = cli("exec", "--tty", "x1", "true", check=1)  # no terminal of ours, none given
        assert "open /dev/tty" in res.stderr or "console" in res.stderr
    finally:
        server.close()
        if master is not None:
            os.close(master)


def _under_pty(argv: list[str], rows=33, cols=101, extra_fds=None):
    """pyrunc with a terminal of its own (a pty we hold the master of), like a user's shell."""
    m, s = pty.openpty()
    fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def child_setup():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(argv, stdin=s, stdout=s, stderr=s, preexec_fn=child_setup)
    os.close(s)
    return proc, m


def test_foreground_run_and_exec_with_a_terminal(cli, bundle):
    bundle.write(["sh", "-c", "tty; stty size; read line; echo got:$line; exit 5"],
                 mutate=lambda s: s["process"].update(terminal=True))
    proc, m = _under_pty([*PYRUNC, "--root", cli.root, "run", "-b", bundle.dir, "f1"])
    try:
        seen = _read_until(m, b"33 101")
        assert b"/dev/pts/0" in seen and b"33 101" in seen, seen  # our size copied in
        pid = cli.state("f1")["pid"]
        assert _is_pts(_tty_nr(pid))
        os.write(m, b"typed\r")  # our side is raw: the container's pty does the line discipline
        seen = _read_until(m, b"got:typed")
        assert b"got:typed" in seen, seen
        assert proc.wait(timeout=20) == 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(m)
    assert not os.path.exists(os.path.join(cli.root, "f1"))

    bundle.write(["sleep", "100"])
    cli.detached("run", "-d", "-b", bundle.dir, "f2")
    proc, m = _under_pty([*PYRUNC, "--root", cli.root, "exec", "-t", "f2", "sh", "-c", "tty; exit 6"])
    try:
        assert b"/dev/pts/" in _read_until(m, b"/dev/pts/")
        assert proc.wait(timeout=20) == 6
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(m)


def test_foreground_terminal_needs_ours_and_creates_nothing(cli, bundle):
    bundle.write(["true"], mutate=lambda s: s["process"].update(terminal=True))
    res = subprocess.run([*PYRUNC, "--root", cli.root, "run", "-b", bundle.dir, "n1"], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, start_new_session=True, timeout=30)
    assert res.returncode == 1
    assert "open /dev/tty: no such device or address" in res.stderr
    assert not os.path.isdir(cli.root) or os.listdir(cli.root) == []


def _with_fds(argv: list[str], fds: dict[int, int]):
    """Run argv with our descriptors placed at the given numbers (as a shell's 3<file).

    Output through files: `create` hands its stdio to the container, a pipe would never end.
    """
    def place():
        for target, src in fds.items():
            os.dup2(src, target, inheritable=True)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        res = subprocess.run(argv, preexec_fn=place, close_fds=False, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err, text=True, timeout=60)
        out.seek(0)
        err.seek(0)
        res.stdout, res.stderr = out.read(), err.read()
    return res


def test_preserve_fds_in_run_create_and_exec(cli, bundle, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("from-fd-3\n")
    r, w = os.pipe()
    with open(secret) as f:
        bundle.write(["sh", "-c", "cat <&3; echo to-fd-4 >&4; ls /proc/self/fd"])
        res = _with_fds([*PYRUNC, "--root", cli.root, "run", "--preserve-fds", "2", "-b", bundle.dir, "p1"],
                        {3: f.fileno(), 4: w})
        assert res.returncode == 0, res.stderr
        lines = res.stdout.split()
        assert lines[0] == "from-fd-3"
        assert sorted(int(x) for x in lines[1:]) == [0, 1, 2, 3, 4, 5]  # 5: ls's own directory
        os.close(w)
        assert os.read(r, 100) == b"to-fd-4\n"
        os.close(r)

        # create: the waiting init holds the file at 3 already, seen from outside
        bundle.write(["sleep", "100"])
        res = _with_fds([*PYRUNC, "--root", cli.root, "create", "--preserve-fds", "1", "-b", bundle.dir, "p2"],
                        {3: f.fileno()})
        assert res.returncode == 0, res.stderr
        pid = cli.state("p2")["pid"]
        assert os.readlink(f"/proc/{pid}/fd/3") == str(secret)
        cli("start", "p2", check=0)
        deadline = time.monotonic() + 5
        while not os.readlink(f"/proc/{pid}/exe").endswith("busybox") and time.monotonic() < deadline:
            time.sleep(0.05)
        fds = sorted(int(x) for x in os.listdir(f"/proc/{pid}/fd"))
        assert fds == [0, 1, 2, 3] and os.readlink(f"/proc/{pid}/fd/3") == str(secret)

    with open(secret) as f:  # a fresh offset: the run above read the first one to its end
        res = _with_fds([*PYRUNC, "--root", cli.root, "exec", "--preserve-fds", "1", "p2", "sh", "-c", "cat <&3"],
                        {3: f.fileno()})
        assert res.returncode == 0 and res.stdout == "from-fd-3\n", res.stderr
    res = subprocess.run([*PYRUNC, "--root", cli.root, "exec", "--preserve-fds", "1", "p2", "true"],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert "unable to stat preserved-fd 0 (of 1)" in res.stderr
    cli("kill", "p2", "9", check=0)
    _wait_stopped(cli, "p2")


def test_socket_activation_listen_fds(cli, bundle):
    a, b = socket.socketpair()
    try:
        bundle.write(["sh", "-c", "echo $LISTEN_FDS $LISTEN_PID; echo via-socket >&3"])
        # LISTEN_PID must be pyrunc's own pid: the shell sets it and execs pyrunc
        res = _with_fds(["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"', "sh",
                         *PYRUNC, "--root", cli.root, "run", "-b", bundle.dir, "l1"], {3: b.fileno()})
        assert res.returncode == 0, res.stderr
        assert res.stdout.split() == ["1", "1"]
        a.settimeout(5)
        assert a.recv(100) == b"via-socket\n"
    finally:
        a.close()
        b.close()
