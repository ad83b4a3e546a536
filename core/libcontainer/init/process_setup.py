"""Process attributes the init applies last, just before the exec FIFO and execve.

The order is runc's (standard_init_linux.go / finalizeNamespace): limits and umask while
still root, then the user (groups, gid, uid), then what a change of credentials undoes
(the parent-death signal), then the working directory and no_new_privs, and the program is
looked up last, as the user that will run it.
"""

from __future__ import annotations

import fcntl
import os
import resource

from .. import user, userns
from ..configs.rlimit import rlimit_number
from ..record import field, record
from ..syscalls import PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG

#: runc's umask when neither the process nor the config sets one.
DEFAULT_UMASK = 0o022
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@record
class Prepared:
    path: str
    argv: list
    env: dict
    user: user.ExecUser
    parent_pid: int = 0
    env_list: list = field(default_factory=list)


def prepare(config, process) -> Prepared:
    """Resolve the user in the container's files (after pivot_root), so a typo fails `create`."""
    env = list(process.env or [])
    exec_user = user.resolve(process.user, process.additional_groups)
    if not any(e.startswith("HOME=") and len(e) > 5 for e in env):
        env = [e for e in env if not e.startswith("HOME=")] + [f"HOME={exec_user.home}"]
    check_mapped(exec_user)
    make_cwd(process.cwd)
    return Prepared(path="", argv=list(process.args), env=_env_dict(env), user=exec_user,
                    parent_pid=os.getppid(), env_list=env)


def apply(sc, config, process, prepared: Prepared, sec=None) -> None:
    """``sec`` (init.security.Security) adds LSM labels, seccomp and capabilities at
    runc's points around the user change."""
    default_signals_at_exec()
    for rl in list(config.rlimits or ()) + list(process.rlimits or ()):
        set_rlimit(rl)
    umask = process.umask if process.umask is not None else config.umask
    os.umask(DEFAULT_UMASK if umask is None else umask)
    install_stdio(process.stdio_fds())
    install_extra_files(extra_fds(process))
    if sec is not None:
        sec.before_user(sc)  # exec labels, seccomp without no_new_privs, bounding set, keepcaps
    set_user(prepared.user)
    if config.parent_death_signal:
        restore_parent_death_signal(sc, config.parent_death_signal, prepared.parent_pid)
    cwd = process.cwd or "/"
    try:
        os.chdir(cwd)
    except OSError as e:
        raise OSError(e.errno, f"chdir to cwd ({cwd!r}) set in config.json failed: {e.strerror}") from None
    if sec is not None:
        sec.after_user(sc)  # cwd inside the root (CVE-2024-21626), capset, ambient
    if process.no_new_privileges or (process.no_new_privileges is None and config.no_new_privileges):
        sc.prctl(PR_SET_NO_NEW_PRIVS, 1)
    prepared.path = lookup(process.args[0], prepared.env_list, cwd)


def _ignore(_signum, _frame) -> None:
    pass


def default_signals_at_exec() -> None:
    """Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across
    execve: the program would get EPIPE where it expects to die. A caught signal goes back
    to its default at execve, so catch them and do nothing -- until then a write to a closed
    pipe (a hook's stdin) is still EPIPE for us. Before the seccomp filter, which may refuse
    rt_sigaction (native/initplan.c's run_plan sets the defaults first for the native init)."""
    import _signal

    for sig in (_signal.SIGPIPE, _signal.SIGXFSZ):
        _signal.signal(sig, _ignore)


def _env_dict(env: list[str]) -> dict:
    out = {}
    for e in env:
        key, sep, value = e.partition("=")
        if sep:
            out[key] = value
    return out


def check_mapped(exec_user: user.ExecUser) -> None:
    """runc checks before setuid(2), which would only say EINVAL."""
    if not _id_mapped("/proc/self/uid_map", exec_user.uid):
        raise PermissionError("cannot set uid to unmapped user in user namespace")
    if not _id_mapped("/proc/self/gid_map", exec_user.gid):
        raise PermissionError("cannot set gid to unmapped user in user namespace")


def _id_mapped(map_path: str, value: int) -> bool:
    try:
        with open(map_path) as f:
            lines = [ln.split() for ln in f if ln.strip()]
    except OSError:
        return True
    return any(int(inside) <= value < int(inside) + int(count) for inside, _outside, count in lines)


def make_cwd(cwd: str) -> None:
    """runc creates a missing cwd (0755, as root) inside the new root."""
    if cwd and cwd != "/":
        try:
            os.makedirs(cwd, 0o755, exist_ok=True)
        except FileExistsError:
            pass  # a non-directory: chdir reports it


def set_user(u: user.ExecUser) -> None:
    """Supplementary groups (when setgroups is allowed here), then gid, then uid."""
    if userns.setgroups_allowed():
        os.setgroups(u.sgids)
    elif u.sgids:
        raise PermissionError("cannot set any additional groups in a rootless container")
    os.setresgid(u.gid, u.gid, u.gid)
    os.setresuid(u.uid, u.uid, u.uid)


def restore_parent_death_signal(sc, sig: int, parent_pid: int) -> None:
    """A change of credentials clears the parent-death signal: set it again.

    If the parent died in between, the signal was missed: die as runc does.
    """
    sc.prctl(PR_SET_PDEATHSIG, sig)
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), 9)  # SIGKILL: `signal` would import enum into every init


def install_stdio(fds: list[int | None]) -> None:
    """Put the process's stdio on 0, 1, 2, inheritable.

    Every source is first copied above 2, so that one source sitting on another target's
    number (stdout given as fd 0, say) is not overwritten before it is used.
    """
    copies = []
    for fd in fds:
        copies.append(None if fd is None else fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3))
    for target, copy in enumerate(copies):
        if copy is not None:
            os.dup2(copy, target, inheritable=True)
            os.close(copy)


def extra_fds(process) -> list[int]:
    """Process.extra_files as descriptors (ints or file objects), in order."""
    return [f if isinstance(f, int) else f.fileno() for f in (getattr(process, "extra_files", None) or ())]


def kept_fds(process) -> range:
    """What survives execve: stdio and the extra files at 3.. (runc's --preserve-fds)."""
    return range(3 + len(extra_fds(process)))


def _move_above(fd: int, floor: int) -> int:
    new = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor)
    os.close(fd)
    return new


def make_room(process, chan, *fds: int | None) -> list[int | None]:
    """Move the runtime's own descriptors out of 3..2+len(extra_files) before those are filled.

    The sync channel (it takes the moved descriptor, so an error after the
    extra files are installed still reaches the parent and never writes into one of them)
    and the given descriptors (the exec FIFO's O_PATH fd...) are dup'ed above the range and
    their old numbers closed. Returns ``fds`` with the moved numbers.
    """
    floor = 3 + len(extra_fds(process))
    if floor == 3:
        return list(fds)
    if chan is not None and chan.fd < floor:
        chan.fd = _move_above(chan.fd, floor)
    return [_move_above(fd, floor) if fd is not None and fd < floor else fd for fd in fds]


def install_extra_files(fds: list[int]) -> None:
    """Extra files become 3, 4, ... in order, inheritable (runc's ExtraFiles / LISTEN_FDS).

    Each source is first copied above the target range, so a source sitting on another
    one's target number is read before it is overwritten; whatever else held a target
    number must have been moved by :func:`make_room`.
    """
    if not fds:
        return
    floor = 3 + len(fds)
    copies = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, floor) for fd in fds]
    for i, copy in enumerate(copies):
        os.dup2(copy, 3 + i, inheritable=True)
        os.close(copy)


def set_rlimit(rl) -> None:
    try:
        resource.setrlimit(rlimit_number(rl.type), (rl.soft, rl.hard))
    except (OSError, ValueError) as e:
        raise OSError(getattr(e, "errno", None) or 1, f"error setting rlimit type {rl.type}: {e}") from None


def lookup(arg0: str, env: list[str], cwd: str) -> str:
    if "/" in arg0:
        target = arg0 if arg0.startswith("/") else os.path.join(cwd or "/", arg0)
        if not os.path.exists(target):
            raise FileNotFoundError(f'exec: "{arg0}": stat {arg0}: no such file or directory')
        return arg0
    path_env = next((e[5:] for e in env if e.startswith("PATH=")), DEFAULT_PATH)
    found = _which(arg0, path_env)
    if found is None:
        raise FileNotFoundError(f'exec: "{arg0}": executable file not found in $PATH')
    return found


def _which(cmd: str, path: str) -> str | None:
    """``shutil.which(cmd, path=path)`` for a name without "/": the first entry of ``path``
    (a repeated one is skipped) holding ``cmd`` as an executable non-directory.

    Here rather than shutil's because the lookup runs after pivot_root, where nothing can
    be imported any more, and importing shutil up front costs every runtime ~3 ms.
    """
    if not path:
        return None
    seen = set()
    for directory in os.fsdecode(path).split(os.pathsep):
        if directory in seen:
            continue
        seen.add(directory)
        name = os.path.join(directory, cmd)
        if os.path.exists(name) and os.access(name, os.F_OK | os.X_OK) and not os.path.isdir(name):
            return name
    return None


def close_fds_on_exec(keep=(0, 1, 2)) -> None:
    """Nothing of the runtime's may reach the container (CVE-2024-21626): close-on-exec all."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd in keep:
            continue
        try:
            os.set_inheritable(fd, False)
        except OSError:
            pass
