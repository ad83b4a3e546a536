"""Running OCI lifecycle hooks at runc's moments, in runc's namespaces, with runc's wording.

Where each kind runs, and why there:

- ``prestart`` and ``createRuntime``: in the runtime (this process's namespaces), after the
  init exists in its new namespaces and its mounts are made, before pivot_root. The init asks
  for them over the sync channel ("hooks") and waits for "hooks_done": a network hook can then
  configure the container's netns, a mount hook can still reach the host's tree.
- ``createContainer``: in the init itself, so in every namespace of the container, before
  pivot_root, with the rootfs as working directory; its path is looked up in the host's view
  (the init's mount namespace is still a copy of ours at that point).
- ``startContainer``: in the init after ``start`` opened the exec FIFO, as the container's
  user, just before execve; its path is the container's.
- ``poststart``: in the runtime once the user's program runs; ``poststop``: in the runtime
  at the end of ``destroy``, when everything else is gone.

A hook is given the OCI state JSON on stdin, its own env (the runtime's, or inside the
container the process's, when it has none, as runc's init does) and argv (args[0] is argv0).
Errors read like runc's (``error running prestart hook #1: error running hook: exit status 1,
stdout: ..., stderr: ...``) because engines and people grep for them.

json, subprocess and logging are imported when a hook runs (in the init, for a config
with createContainer/startContainer hooks, first thing: init.namespaces_setup.preload),
so a container without hooks never pays ~10 ms for them.
"""

from __future__ import annotations

import os

from .configs.hooks import (
    CREATE_CONTAINER,
    CREATE_RUNTIME,
    POSTSTART,
    POSTSTOP,
    PRESTART,
    START_CONTAINER,
    Command,
)
from .errors import ContainerStartError


class HookError(ContainerStartError):
    """A hook failed; the text is runc's ("error running <kind> hook #<i>: ...")."""


class _RunError(Exception):
    pass


def has(config, *names: str) -> bool:
    hooks = getattr(config, "hooks", None)
    return hooks is not None and any(hooks.get(n) for n in names)


def oci_state(config, container_id: str, status: str, pid: int | None = None) -> dict:
    """The runtime-spec ``State``: bundle and annotations come from the config's labels."""
    from .specconv.constants import OCI_VERSION  # only configs with hooks pay for it
    from .state import annotations as split_labels

    bundle, annotations = split_labels(getattr(config, "labels", None) or [])
    state = {"ociVersion": OCI_VERSION, "id": container_id, "status": status}
    if pid:
        state["pid"] = pid
    state["bundle"] = bundle
    if annotations:
        state["annotations"] = annotations
    return state


def run(config, name: str, state: dict, *, default_env=None) -> None:
    """Run every hook of one kind in order; the first failure stops the list (as in runc)."""
    for i, hook in enumerate(config.hooks.get(name)):
        try:
            if isinstance(hook, Command):
                run_command(hook, state, default_env=default_env)
            else:
                hook(dict(state))  # an in-process callable: never saved, run where it stands
        except Exception as e:  # noqa: BLE001 - every failure is the hook's failure
            raise HookError(f"error running {name} hook #{i}: {e}") from None


def run_command(cmd, state: dict, *, default_env=None) -> None:
    """One hook process: state JSON on stdin, stdout/stderr captured for the error text."""
    import json
    import subprocess

    data = json.dumps(state, separators=(",", ":")).encode()
    argv = list(cmd.args) or [cmd.path]
    env_list = list(cmd.env) if cmd.env else default_env
    env = None if env_list is None else dict(e.split("=", 1) for e in env_list if "=" in e)
    # Go's exec.Cmd runs Path as given, never looked up in $PATH
    path = cmd.path if "/" in cmd.path else "./" + cmd.path
    try:
        proc = subprocess.Popen(argv, executable=path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=cmd.dir or None, close_fds=True)
    except OSError as e:
        raise _RunError(f"fork/exec {cmd.path}: {_errno_text(e)}") from None
    try:
        out, err = proc.communicate(data, timeout=cmd.timeout or None)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        # leftovers of the hook may still hold its pipes: do not wait for their end-of-file
        for f in (proc.stdin, proc.stdout, proc.stderr):
            if f is not None:
                f.close()
        raise _RunError(f"hook ran past specified timeout of {cmd.timeout:.1f}s") from None
    if proc.returncode != 0:
        raise _RunError(f"error running hook: {_wait_text(proc.returncode)}, "
                        f"stdout: {out.decode(errors='replace')}, stderr: {err.decode(errors='replace')}")


def _errno_text(e: OSError) -> str:
    text = e.strerror or str(e)
    return text[:1].lower() + text[1:]


def _wait_text(returncode: int) -> str:
    """Go's ExitError text: "exit status N" or "signal: killed"."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        import signal  # here: it imports enum, and only a killed hook needs it

        name = signal.strsignal(-returncode) or f"signal {-returncode}"
    except ValueError:
        name = f"signal {-returncode}"
    return f"signal: {name[:1].lower() + name[1:]}"


# ---- the runtime's side ---------------------------------------------------------------------
def serve_prestart(chan, config, container_id: str, pid: int) -> None:
    """Answer the init's "hooks" request: prestart then createRuntime, in our namespaces."""
    state = oci_state(config, container_id, "creating", pid)
    run(config, PRESTART, state)
    run(config, CREATE_RUNTIME, state)
    chan.send("hooks_done")


def poststart(config, container_id: str, pid: int) -> None:
    if has(config, POSTSTART):
        run(config, POSTSTART, oci_state(config, container_id, "running", pid))


def poststop(config, container_id: str) -> None:
    """Run at the end of destroy; a failure is logged, never raised (runc's delete goes on)."""
    if not has(config, POSTSTOP):
        return
    try:
        run(config, POSTSTOP, oci_state(config, container_id, "stopped"))
    except HookError as e:
        import logging

        logging.getLogger("libcontainer.hooks").warning("%s", e)


# ---- the init's side ------------------------------------------------------------------------
class InitHooks:
    """What the init needs to run its hooks, prepared before pivot_root hides the host."""

    def __init__(self, chan, config, process, container_id: str):
        self.chan = chan
        self.config = config
        self.env = list(process.env or [])
        self.parent_hooks = has(config, PRESTART, CREATE_RUNTIME)
        self.container_hooks = has(config, CREATE_CONTAINER, START_CONTAINER)
        # computed now: after pivot_root the host's Python modules are out of reach
        self.state = oci_state(config, container_id, "creating") if self.container_hooks else None
        if self.container_hooks:  # run_command's modules (preloaded by the init: no search here)
            import json  # noqa: F401
            import subprocess  # noqa: F401

    def before_pivot(self) -> None:
        """Mounts are made, pivot_root is next: the runtime's hooks, then createContainer."""
        if self.parent_hooks:
            self.chan.send("hooks")
            self.chan.expect("hooks_done")
        if has(self.config, CREATE_CONTAINER):
            os.chdir(self.config.rootfs)
            state = dict(self.state, status="creating", pid=os.getpid())
            run(self.config, CREATE_CONTAINER, _ordered(state), default_env=self.env)

    def start_container(self, fifo_fd: int) -> None:
        """After the FIFO byte; a failure goes back to `start` through the FIFO, then exit."""
        if not has(self.config, START_CONTAINER):
            return
        state = dict(self.state, status="created", pid=os.getpid())
        try:
            run(self.config, START_CONTAINER, _ordered(state), default_env=self.env)
        except HookError as e:
            try:
                os.write(fifo_fd, str(e).encode() or b"startContainer hook failed")
            finally:
                os._exit(1)


def _ordered(state: dict) -> dict:
    """Keep the runtime-spec field order (pid before bundle) after a dict update."""
    keys = ("ociVersion", "id", "status", "pid", "bundle", "annotations")
    return {k: state[k] for k in keys if k in state}
