"""Hand the created state over to a tiny native program instead of waiting in Python.

A Python interpreter blocked on the exec FIFO holds ~6 MB of PSS per created container;
native/finish.c (built to ``libcontainer/_finish``) holds a few kB. Once the init sent
"ready", it execs the finisher with the FIFO descriptor, the program, its argv and env; the
finisher opens the FIFO (blocking until `start`), writes the byte and execs the program.

The finisher is exec'd from a sealed memfd copy (``execveat(fd, "", AT_EMPTY_PATH)``, which
is what ``os.execve`` on a descriptor does), never from its file on the host: the waiting
process's ``/proc/PID/exe`` then names an anonymous file that nobody can write or resize
(CVE-2019-5736), not the installed ``_finish``. The copy is made before pivot_root, while the
host's files are reachable, and before the seccomp filter goes in.

When not to hand over (the init then waits in Python, as before):

* ``startContainer`` hooks: they run in the init after the FIFO byte, in Python.
* an AppArmor profile or SELinux label for the process: those apply at the *next* execve,
  which would be the finisher's, and an SELinux type transition could then differ from the
  one the program itself would get.
* a seccomp profile that does not plainly allow every system call the finisher makes
  (below): it is built without a libc, so that list is all of them. A rule with argument
  conditions or any action but ALLOW/LOG for one of them means "don't", decided from the
  config before the filter is loaded.
* no finisher binary (the build could not compile it), or no memfd support.
"""

from __future__ import annotations

import fcntl
import os

from ..configs.hooks import START_CONTAINER

#: the built finisher, next to this package's extension module
BINARY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "_finish")
#: what native/finish.c calls (plus execveat, used to run it)
SYSCALLS = ("execveat", "execve", "openat", "write", "close", "exit_group", "prctl", "capget", "capset",
            "getppid", "getpid", "kill")
_ALLOW = (4, 6)  # configs.seccomp.Action.ALLOW, LOG
F_SEAL_EXEC = 0x20  # Linux 6.3: the exec bits cannot be changed either


def seccomp_allows(seccomp, name: str) -> bool:
    """True only when ``name`` is allowed unconditionally by the profile."""
    rules = [s for s in seccomp.syscalls or () if s.name == name]
    if any(int(s.action) not in _ALLOW for s in rules):
        return False
    if any(not s.args for s in rules):
        return True
    return not rules and int(seccomp.default_action) in _ALLOW


def wanted(config, process) -> bool:
    hooks = getattr(config, "hooks", None)
    if hooks is not None and hooks.get(START_CONTAINER):
        return False
    if getattr(process, "apparmor_profile", "") or config.apparmor_profile:
        return False
    if getattr(process, "label", "") or config.process_label:
        return False
    if config.seccomp is not None and not all(seccomp_allows(config.seccomp, n) for n in SYSCALLS):
        return False
    return os.path.exists(BINARY)


def prepare(config, process) -> int | None:
    """The sealed memfd holding the finisher (close-on-exec), or None to wait in Python.

    Called in the host's mount namespace, before the seccomp filter.
    """
    if not wanted(config, process):
        return None
    try:
        with open(BINARY, "rb") as f:
            data = f.read()
        fd = os.memfd_create("libcontainer-finish", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    except OSError:
        return None
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        # execute-only: an execve of a file the caller cannot read leaves it non-dumpable
        # from the first instruction (a container user without CAP_DAC_OVERRIDE); the
        # finisher's first call makes sure of it for everyone else
        os.fchmod(fd, 0o111)
        seals = fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE
        try:
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals | F_SEAL_EXEC)
        except OSError:  # kernels before 6.3 know no F_SEAL_EXEC
            fcntl.fcntl(fd, fcntl.F_ADD_SEALS, seals)
    except BaseException:
        os.close(fd)
        raise
    return fd


def argv(fifo_fd: int, parent_death_signal: int, parent_pid: int, caps: str, sync_fd: int, ready: bytes,
         prepared) -> list[str]:
    """native/finish.c's argument layout."""
    return ["libcontainer-finish", str(fifo_fd), str(parent_death_signal or 0), str(parent_pid), caps,
            str(sync_fd), ready.decode(), prepared.path, *prepared.argv]


def ready_message(pid: int) -> bytes:
    from .sync import encode

    # "closing": the finisher closes its end right after this, and the runtime waits for
    # that end-of-file so that `create` returns with no runtime descriptor left in the init
    return encode("ready", pid=pid, closing=True)


def hand_over(sc, memfd: int, fifo_fd: int, chan, config, prepared, keep) -> None:
    """Exec the finisher, which sends "ready" itself; returns only if the exec failed (the
    caller then sends "ready" and waits in Python).

    "ready" comes from the finisher so that `create` returns once the created state is held
    by it, never while the interpreter is still on its way there.
    The capability sets are passed as they are now, because the finisher's own execve
    recomputes them (root's permitted set becomes inheritable | bounding) and it lowers
    them back, so the waiting process shows what the Python init showed.
    """
    from . import process_setup

    effective, permitted, _ = sc.capget(0)
    sync_fd = chan.fileno()
    args = argv(fifo_fd, config.parent_death_signal, prepared.parent_pid, f"{effective:x}:{permitted:x}",
                sync_fd, ready_message(os.getpid()), prepared)
    process_setup.close_fds_on_exec(set(keep) | {fifo_fd, sync_fd})
    os.set_inheritable(fifo_fd, True)
    os.set_inheritable(sync_fd, True)
    try:
        os.execve(memfd, args, prepared.env)  # fexecve: execveat(memfd, "", AT_EMPTY_PATH)
    except OSError:
        os.set_inheritable(fifo_fd, False)
        os.set_inheritable(sync_fd, False)
