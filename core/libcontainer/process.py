"""Process: what to run in a container, and the handle to wait for it.

Mirrors runc's ``libcontainer.Process``. The stdio fields take file descriptors or file
objects; when left as None the process inherits the caller's, as runc does.
"""

from __future__ import annotations

import os

from .record import field, record

SIGKILL, SIGTERM = 9, 15  # the same on every Linux architecture; `signal` imports enum

@record
class ExitStatus:
    """How a process ended: ``code`` for a normal exit, ``signal`` when it was killed."""

    code: int | None = None
    signal: int | None = None

    @classmethod
    def from_wait_status(cls, status: int) -> ExitStatus:
        if os.WIFSIGNALED(status):
            return cls(signal=os.WTERMSIG(status))
        return cls(code=os.WEXITSTATUS(status))

    @property
    def exit_code(self) -> int:
        """The shell's convention, as runc reports it: 128+signal for a killed process."""
        return 128 + self.signal if self.signal is not None else self.code


@record
class Process:
    args: list[str]
    env: list[str] = field(default_factory=lambda: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
    cwd: str = "/"
    user: str = "0:0"
    additional_groups: list[str] = field(default_factory=list)
    umask: int | None = None
    stdin: object = None
    stdout: object = None
    stderr: object = None
    extra_files: list = field(default_factory=list)
    no_new_privileges: bool | None = None
    rlimits: list = field(default_factory=list)
    capabilities: object = None
    apparmor_profile: str = ""
    label: str = ""
    oom_score_adj: int | None = None
    console_socket: object = None
    console_width: int = 0
    console_height: int = 0
    #: Allocate a pty in the container (OCI process.terminal); the master goes to
    #: ``console_socket`` or, without one, to ``console_master`` (see libcontainer.console).
    terminal: bool = False
    init: bool = False

    # filled in once started
    pid: int | None = field(default=None, init=False)
    _status: ExitStatus | None = field(default=None, init=False, repr=False)
    _reaped: bool = field(default=False, init=False, repr=False)
    #: The pty master when ``terminal`` is set and there is no console socket; the caller closes it.
    console_master: int | None = field(default=None, init=False)

    def stdio_fds(self) -> list[int | None]:
        """The three descriptors to install as 0, 1, 2 (None: keep the inherited one)."""
        if self.terminal:
            return [None, None, None]  # the pty is the stdio, as in runc
        out = []
        for f in (self.stdin, self.stdout, self.stderr):
            if f is None:
                out.append(None)
            elif isinstance(f, int):
                out.append(f)
            else:
                out.append(f.fileno())
        return out

    def wait(self) -> ExitStatus:
        """Wait for the process to end and return its exit status (reaps it once)."""
        if self._status is not None:
            return self._status
        if self.pid is None:
            raise RuntimeError("process was not started")
        while True:
            try:
                _, status = os.waitpid(self.pid, 0)
                break
            except InterruptedError:
                continue
        self._reaped = True
        self._status = ExitStatus.from_wait_status(status)
        return self._status

    def signal(self, sig: int = SIGTERM) -> None:
        if self.pid is None:
            raise RuntimeError("process was not started")
        os.kill(self.pid, sig)


def connect_console(process) -> tuple[object, bool]:
    """console.connect (runc's --console-socket) for the init or an exec'd process: the
    socket to send the pty master on and whether it is ours to close. console.py (and
    struct with it) is imported only for a process with a terminal."""
    if not getattr(process, "terminal", False):
        return None, False
    from . import console

    return console.connect(process)


def kill_and_reap(pid: int) -> None:
    """SIGKILL a child of ours and collect it: what every failed start does to its init."""
    try:
        os.kill(pid, SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
