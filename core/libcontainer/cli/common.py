"""Helpers every command shares: the container id argument, loading, bundles, pid files.

Only the standard library and the cheap parts of the core are imported at module level;
anything heavier is imported by the function that needs it.
"""

from __future__ import annotations

import os
import sys

SPEC_CONFIG = "config.json"


class CliError(Exception):
    """An error to print (runc's wording) and exit with ``code``."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def container_id(args) -> str:
    """runc's getContainer: the first argument, which must not be empty."""
    cid = getattr(args, "container_id", None)
    if not cid:
        raise CliError("container id cannot be empty")
    return cid


def full_container(args):
    """The container through Factory.load: the whole Config and the real cgroup manager."""
    from libcontainer.factory import Factory

    return Factory(args.root).load(container_id(args))


def light_container(args, *, backend: bool = False):
    """From state.json only (see saved.py); falls back to the full load when hooks exist."""
    from . import saved

    cid = container_id(args)
    loaded = saved.read(args.root, cid)
    if saved.has_hooks(loaded[1]):
        return full_container(args)
    return saved.container(args.root, cid, backend=backend, loaded=loaded)


def load_spec(bundle: str | None) -> tuple[str, dict]:
    """runc's setupSpec + loadSpec: chdir to the bundle, read config.json, check process.

    Returns (absolute bundle path as the kernel resolves it, spec). runc records the
    resolved directory (os.Getwd after chdir), so a bundle given through a symlink or
    a relative path is stored as the real path.
    """
    bundle, spec, _ = read_spec(bundle)
    return bundle, spec


def read_spec(bundle: str | None) -> tuple[str, dict, bytes]:
    """:func:`load_spec`, and config.json's bytes."""
    if bundle:
        try:
            os.chdir(bundle)
        except OSError as e:
            raise CliError(f"chdir {bundle}: {_strerror(e)}") from None
    try:
        with open(SPEC_CONFIG, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise CliError(f"JSON specification file {SPEC_CONFIG} not found") from None
    except OSError as e:
        raise CliError(f"open {SPEC_CONFIG}: {_strerror(e)}") from None
    try:
        from libcontainer import jsonfast  # json without re: see jsonfast

        spec = jsonfast.loads(raw)
    except ValueError as e:
        raise CliError(f"invalid JSON in {SPEC_CONFIG}: {e}") from None
    if not isinstance(spec, dict):
        raise CliError(f"invalid JSON in {SPEC_CONFIG}: not an object")
    validate_process(spec.get("process"))
    return os.getcwd(), spec, raw


def validate_process(process) -> None:
    """runc's validateProcessSpec, with its wording."""
    if not process:
        raise CliError("process property must not be empty")
    if not isinstance(process, dict):
        raise CliError("process property must be an object")
    cwd = process.get("cwd")
    if not cwd:
        raise CliError("Cwd property must not be empty")
    if not isinstance(cwd, str) or not cwd.startswith("/"):
        raise CliError("Cwd must be an absolute path")
    if not process.get("args"):
        raise CliError("args must not be empty")
    if process.get("selinuxLabel") and not os.path.exists("/sys/fs/selinux/enforce"):
        raise CliError("selinux label is specified in config, but selinux is disabled or not supported")


def process_kwargs(proc: dict) -> dict:
    """specconv.process_from_spec's dict -> keyword arguments of libcontainer.Process."""
    return {
        "args": proc["args"],
        "env": proc["env"],
        "cwd": proc["cwd"],
        "user": proc["user"],
        "additional_groups": proc["additional_groups"],
        "umask": proc["umask"],
        "rlimits": proc["rlimits"],
        "capabilities": proc["capabilities"],
        "no_new_privileges": proc["no_new_privileges"],
        "apparmor_profile": proc["apparmor_profile"],
        "label": proc["label"],
        "oom_score_adj": proc["oom_score_adj"],
        "console_width": proc["console_width"],
        "console_height": proc["console_height"],
        "terminal": proc["terminal"],
    }


def absolute(path: str | None) -> str | None:
    """Made absolute before the bundle chdir (runc's revisePidFile)."""
    return os.path.abspath(path) if path else path


def write_pid_file(path: str | None, pid: int) -> None:
    """Atomically, as runc: engines poll for this file and must never read half of it."""
    if not path:
        return
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, f".{name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, str(pid).encode())
    finally:
        os.close(fd)
    os.rename(tmp, path)


def print_json(obj, indent=None) -> None:
    """Go's json.Encoder (compact, one line) or, with ``indent``, MarshalIndent (no newline)."""
    from libcontainer import jsonfast  # json without re: see jsonfast

    if indent is None:
        sys.stdout.write(jsonfast.dumps(obj, separators=(",", ":"), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(jsonfast.dumps(obj, indent=indent, ensure_ascii=False))
    sys.stdout.flush()


def rootless_cgroups(args) -> bool:
    """runc's --rootless: true/false, or auto (= not running as root)."""
    value = (args.rootless or "auto").lower()
    if value == "auto":
        return os.geteuid() != 0
    if value in ("1", "t", "true"):
        return True
    if value in ("0", "f", "false"):
        return False
    raise CliError(f'strconv.ParseBool: parsing "{args.rootless}": invalid syntax')


def _strerror(e: OSError) -> str:
    return (e.strerror or str(e)).lower()


def forward_signals(pid: int) -> None:
    """runc forwards every named signal but a few to the container's init (run, exec, restore).

    Through ``_signal``, the C core of ``signal``: that module builds its enums at import
    (~5 ms a fresh `pyrunc run`). The named signals are those ``signal.Signals`` lists.
    """
    import _signal
    import os

    not_forwarded = {_signal.SIGCHLD, _signal.SIGURG, _signal.SIGWINCH, _signal.SIGKILL, _signal.SIGSTOP}
    named = {v for k, v in vars(_signal).items() if k.startswith("SIG") and not k.startswith("SIG_")}

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in _signal.valid_signals():
        if sig in not_forwarded or sig not in named:
            continue
        try:
            _signal.signal(sig, forward)
        except (OSError, ValueError):
            continue
