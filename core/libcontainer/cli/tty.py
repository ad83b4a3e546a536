"""Terminals as runc's CLI handles them (runc's tty.go and setupIO).

Three cases, checked before anything is created (runc's checkTerminal, same words):

- no terminal: stdio is pyrunc's own (see create_run.py);
- a terminal and a detaching command (`create`, `run -d`, `exec -d`): the caller must give
  ``--console-socket``; the container's init connects to it and sends the pty master there
  (libcontainer.console), and pyrunc takes no part in the terminal afterwards;
- a terminal in the foreground (`run`, `exec -t`): pyrunc is the other end. It needs a
  terminal of its own (stderr, stdout or stdin, else /dev/tty, as runc), takes the master
  from the library, puts its own terminal in raw mode, copies stdin to the master and the
  master to stdout, follows SIGWINCH, and restores its terminal at the end.
"""

from __future__ import annotations

import os

from .common import CliError

# termios, struct and the stdlib's tty (~1 ms a fresh process) are imported by the methods
# of Foreground: `check` runs on every create, run and exec, a terminal on few of them.


def check(terminal: bool, console_socket: str | None, detach: bool) -> None:
    """runc's checkTerminal."""
    if detach and terminal and not console_socket:
        raise CliError("cannot allocate tty if runc will detach without setting console socket")
    if console_socket and not (detach and terminal):
        raise CliError("cannot use console socket if runc will not detach or allocate tty")


def host_console() -> int:
    """runc's initHostConsole: the first of stderr, stdout, stdin that is a terminal, else /dev/tty."""
    for fd in (2, 1, 0):
        if os.isatty(fd):
            return os.dup(fd)
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        raise CliError(f"open /dev/tty: {(e.strerror or str(e)).lower()}") from None
    if not os.isatty(fd):
        os.close(fd)
        raise CliError("provided file is not a console")
    return fd


class Foreground:
    """The foreground side of a container's terminal (runc's ``tty`` with recvtty)."""

    def __init__(self):
        self.host = host_console()
        self.master: int | None = None
        self._saved = None
        self._out = None  # the thread copying the master to our stdout

    def attach(self, master: int) -> None:
        """Take the master (ours to close), go raw, start copying both ways."""
        import termios
        import tty as _tty

        self.master = master
        attrs = termios.tcgetattr(master)
        attrs[1] &= ~termios.ONLCR  # runc's console.ClearONLCR: the host terminal does that
        termios.tcsetattr(master, termios.TCSANOW, attrs)
        self._saved = termios.tcgetattr(self.host)
        _tty.setraw(self.host, termios.TCSANOW)
        self.resize()
        import signal  # here: `signal` imports enum, and only a foreground terminal needs it

        signal.signal(signal.SIGWINCH, lambda *_: self.resize())
        import threading  # here: only a foreground terminal copies in threads

        threading.Thread(target=_copy, args=(0, master), daemon=True).start()
        self._out = threading.Thread(target=_copy, args=(master, 1), daemon=True)
        self._out.start()

    def size(self) -> tuple[int, int]:
        """(rows, columns) of our terminal; (0, 0) where it has none."""
        import fcntl
        import struct
        import termios

        try:
            ws = fcntl.ioctl(self.host, termios.TIOCGWINSZ, struct.pack("HHHH", 0, 0, 0, 0))
        except OSError:
            return 0, 0
        rows, cols = struct.unpack("HHHH", ws)[:2]
        return rows, cols

    def size_for(self, process) -> None:
        """Give the container's terminal our size from its start: its init sets it on the
        pty before the program runs, where a resize after the master arrives would race
        the program's first look at it (`stty size` printing nothing)."""
        if not (process.console_height and process.console_width):
            process.console_height, process.console_width = self.size()

    def resize(self) -> None:
        """The container's terminal takes the size of ours (runc's tty.resize)."""
        if self.master is None:
            return
        import fcntl
        import struct
        import termios

        rows, cols = self.size()
        if rows and cols:
            try:
                fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            except OSError:
                pass

    def close(self, timeout: float = 5.0) -> None:
        """After the process ended: let the output drain (EIO once every slave is closed)."""
        if self._out is not None:
            self._out.join(timeout)
        if self._saved is not None:
            import termios

            try:
                termios.tcsetattr(self.host, termios.TCSANOW, self._saved)
            except termios.error:
                pass
        if self.master is not None:
            os.close(self.master)
            self.master = None
        os.close(self.host)


def _copy(src: int, dst: int) -> None:
    while True:
        try:
            data = os.read(src, 65536)
        except OSError:  # EIO on the master: no slave is open any more
            return
        if not data:
            return
        try:
            while data:
                data = data[os.write(dst, data):]
        except OSError:
            return
