"""exec.native: what the `pyrunc` front needs to run a plain `pyrunc exec` without Python.

Why: `exec` is a process an engine or a user starts in a running container over and over
(probes, shells), and in Python each pays an interpreter's start and ~8 ms of imports on
top of a few system calls -- more than runc's whole exec. A plain ``pyrunc exec ID CMD
[ARG...]`` runs the bundle's config.json process with other args (cli/exec_cmd.py's
process_spec without flags), so every step of it but the namespaces' descriptors and the
args is known once the container is created: create compiles those steps
(init/plan.exec_template) and records what they were built from, and native/front_exec.c
runs them only while all of it still holds, handing the exec to the Python CLI otherwise:

- the init is the one create recorded (its start time), and it is not paused;
- the bundle's config.json has the bytes the steps were compiled from (runc reads it at
  every exec);
- the container's /etc/passwd and /etc/group, seen through /proc/PID/root, have the bytes
  the user was looked up in (or are still missing).

Sections, each ``NAME LEN[ ARG]\\n`` + LEN bytes + ``\\n`` (LEN -1: no bytes -- ARG names a
file that must not exist), in this order: ``init`` "PID STARTTIME"; ``freezer``
"FILE\\tUNPAUSED"; ``ns`` a "NAME FLAG" line per namespace to join (state order; "pid" is
entered by the front itself, as exec_process.py does); ``join`` a line per cgroup file the
exec'd process writes "0" to (v1 ``tasks``, init/cgroupjoin.py; v2 ``cgroup.procs``); ``file`` (ARG: a host
path) and ``root`` (ARG: a path in the container) whose bytes must be the same; ``steps``
the plan's process steps; ``env`` the EXEC step's environment strings (ARG: the parent-death
signal); ``end`` -- without which a half-written file is not read.
"""

from __future__ import annotations

import os

from . import namespaces as ns

#: The largest exec.native the front reads (native/front.h's EXEC_FACTS_MAX).
MAX_SIZE = 1 << 20


def _section(name: str, data: bytes | None, arg: str = "") -> bytes:
    head = f"{name} {-1 if data is None else len(data)}{' ' + arg if arg else ''}\n".encode()
    return head + (b"" if data is None else data + b"\n")


def _join_files(paths: dict[str, str]) -> list[str] | None:
    """The files the exec'd process writes "0" to, to be where a Python `exec` puts it: on
    v1 the ``tasks`` files it moves its process through (cli/saved.py's
    SavedCgroupView.join_files, from the same cgroup_paths); on v2 the one cgroup's
    ``cgroup.procs``, where the Python `exec` writes its PID (fs2's apply) and "0" moves
    the writer. None for a mix of the two."""
    paths = {k: v for k, v in (paths or {}).items() if v}
    if list(paths) == [""]:
        return [os.path.join(paths[""], "cgroup.procs")]
    if not paths or "" in paths:
        return None
    return [os.path.join(p, "tasks") for p in paths.values()]


def facts(config, plain, cgroup_manager, seccomp_filter, pid: int, start_time: str) -> bytes | None:
    """exec.native's bytes, or None when a plain exec of this container needs Python.

    ``plain``: (the Process a plain exec runs, the config.json path, the bytes it was built
    from): Container.plain_exec, set by the CLI's create.
    """
    from .configs.namespace import NS_FILE_NAMES
    from .init import plan

    process, config_path, config_bytes = plain
    removal = cgroup_manager.native_removal() if cgroup_manager is not None else None
    join = _join_files(cgroup_manager.get_paths()) if removal is not None else None
    if not join or not start_time or any("\n" in p or not p.startswith("/") for p in [config_path, *join]):
        return None
    freeze_file, unpaused, _ = removal
    if "\n" in freeze_file + unpaused or "\t" in freeze_file + unpaused:
        return None
    template = plan.exec_template(config, process, seccomp_filter)
    if template is None:
        return None
    steps, env, user_files = template
    joined = [n for n in ns.JOIN_ORDER if ns.find(config.namespaces, n) is not None]
    parts = [
        _section("init", f"{pid} {start_time}".encode()),
        _section("freezer", f"{freeze_file}\t{unpaused}".encode()),
        _section("ns", "".join(f"{NS_FILE_NAMES[n]} {ns.CLONE_FLAGS[n]}\n" for n in joined).encode()),
        _section("join", "".join(f"{p}\n" for p in join).encode()),
        _section("file", config_bytes, config_path),
        *(_section("root", b, name) for name, b in zip(plan.USER_FILES, user_files, strict=True)),
        _section("steps", steps),
        _section("env", env, str(config.parent_death_signal or 0)),
        _section("end", b""),
    ]
    out = b"".join(parts)
    return out if len(out) < MAX_SIZE else None
