"""Process attributes the init applies last, just before the exec FIFO and execve."""

from __future__ import annotations

import os
import resource
import shutil
from dataclasses import dataclass

from .. import user
from ..syscalls import PR_SET_NO_NEW_PRIVS

_RLIMITS = {
    "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
    "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
    "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
    "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
}


@dataclass
class Prepared:
    path: str
    argv: list
    env: dict
    user: user.ExecUser


def prepare(config, process) -> Prepared:
    """Resolve the user and the program inside the container (so a typo fails `create`)."""
    env = list(process.env or [])
    exec_user = user.resolve(process.user, process.additional_groups)
    if not any(e.startswith("HOME=") for e in env):
        env.append(f"HOME={exec_user.home}")
    path = lookup(process.args[0], env, process.cwd)
    return Prepared(path, list(process.args), dict(e.split("=", 1) for e in env if "=" in e), exec_user)


def apply(sc, config, process, prepared: Prepared) -> None:
    for rl in list(config.rlimits or ()) + list(process.rlimits or ()):
        resource.setrlimit(rlimit_number(rl.type), (rl.soft, rl.hard))
    oom = process.oom_score_adj if process.oom_score_adj is not None else config.oom_score_adj
    if oom is not None:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(str(oom))
    if process.umask is not None:
        os.umask(process.umask)
    for target, fd in enumerate(process.stdio_fds()):
        if fd is not None and fd != target:
            os.dup2(fd, target, inheritable=True)
    u = prepared.user
    os.setgroups(u.sgids)
    os.setresgid(u.gid, u.gid, u.gid)
    os.setresuid(u.uid, u.uid, u.uid)
    os.chdir(process.cwd or "/")
    if process.no_new_privileges or (process.no_new_privileges is None and config.no_new_privileges):
        sc.prctl(PR_SET_NO_NEW_PRIVS, 1)


def lookup(arg0: str, env: list[str], cwd: str) -> str:
    if "/" in arg0:
        target = arg0 if arg0.startswith("/") else os.path.join(cwd or "/", arg0)
        if not os.path.exists(target):
            raise FileNotFoundError(f'exec: "{arg0}": stat {arg0}: no such file or directory')
        return arg0
    path_env = next((e[5:] for e in env if e.startswith("PATH=")), "/usr/local/bin:/usr/bin:/bin")
    found = shutil.which(arg0, path=path_env)
    if found is None:
        raise FileNotFoundError(f'exec: "{arg0}": executable file not found in $PATH')
    return found


def rlimit_number(name) -> int:
    if isinstance(name, int):
        return name
    try:
        return _RLIMITS[name]
    except KeyError:
        raise ValueError(f"unknown rlimit type {name!r}") from None


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
