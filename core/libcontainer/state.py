"""state.json: what one CLI call leaves for the next (runc's libcontainer State).

Written atomically (temp file, then rename) so that a reader never sees half a file; no
fsync, as runc: the state root lives on tmpfs (/run) and dies with the machine anyway;
a corrupt file is reported as such instead of being mistaken for "no container".
Reading needs only the standard library: `pyrunc state/kill/start` must stay cheap (and
through jsonfast, json's C accelerator without the re-based modules around it).
"""

from __future__ import annotations

import fcntl
import os

from . import jsonfast
from .errors import ContainerError, ContainerNotExists

STATE_FILE = "state.json"
LOCK_FILE = ".lock"
#: What the native `pyrunc` front (native/front.c) needs to start a container without Python:
#: "PID STARTTIME\n". Written beside state.json only when releasing the init is all a start
#: does (no hooks); gone once the container was started, whichever way.
NATIVE_START_FILE = "start.native"
#: The same for `pyrunc delete` (native/front_delete.c): the init, the freezer file with what
#: it reads when not paused, and the cgroup directories to remove, a line each; written only
#: for a container whose delete is no more than that (Container._native_delete_facts).
NATIVE_DELETE_FILE = "delete.native"
#: The same for a plain `pyrunc exec` (native/front_exec.c): sections, see native_exec.py.
NATIVE_EXEC_FILE = "exec.native"
#: The same for `pyrunc state` (native/front_state.c): see native_state.py.
NATIVE_STATE_FILE = "state.native"


class StateCorrupt(ContainerError):
    pass


def write_state(state_dir: str, state: dict) -> None:
    tmp = os.path.join(state_dir, f".{STATE_FILE}.{os.getpid()}.tmp")
    data = jsonfast.dumps(state, separators=(",", ":")).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.rename(tmp, os.path.join(state_dir, STATE_FILE))


def write_native_facts(state_dir: str, name: str, text: str | bytes) -> None:
    """No temp file and rename: the front accepts only the complete form (each line ends in
    a newline, the first is digits, one space, digits; exec.native's last section is "end"),
    so a half-written file only sends the command to the Python CLI."""
    data = memoryview(text.encode() if isinstance(text, str) else text)
    fd = os.open(os.path.join(state_dir, name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


def remove_native_facts(state_dir: str, *names: str) -> None:
    for name in names:
        try:
            os.unlink(os.path.join(state_dir, name))
        except FileNotFoundError:
            pass


def read_state(state_dir: str, container_id: str = "") -> dict:
    path = os.path.join(state_dir, STATE_FILE)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise ContainerNotExists(container_id) from None
    try:
        state = jsonfast.loads(raw)
    except ValueError as e:
        raise StateCorrupt(f"container {container_id}: corrupt state file {path}: {e}") from None
    if not isinstance(state, dict) or "id" not in state:
        raise StateCorrupt(f"container {container_id}: corrupt state file {path}: no id")
    return state


class locked:  # noqa: N801 - used as the function-style context manager it was
    """An exclusive flock on the container's lock file: serializes CLI calls on one container.

    A class, not contextlib.contextmanager: contextlib brings collections and functools,
    ~4 ms of a fresh `pyrunc state`.
    """

    def __init__(self, state_dir: str):
        self._path = os.path.join(state_dir, LOCK_FILE)
        self._fd = -1

    def __enter__(self) -> None:
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def __exit__(self, *exc) -> None:
        os.close(self._fd)


def _stat_fields(pid: int) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # the command name may contain spaces and parentheses: split after the last ')'
    return data[data.rindex(b")") + 2 :].split()


def process_start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat: tells a live init from a recycled PID."""
    fields = _stat_fields(pid)
    return None if fields is None else fields[19].decode()


def process_state_and_start(pid: int) -> tuple[str | None, str | None]:
    """The one-letter state (Z for a zombie) and the start time, from one read."""
    fields = _stat_fields(pid)
    return (None, None) if fields is None else (fields[0].decode(), fields[19].decode())


def annotations(labels: list[str]) -> tuple[str, dict[str, str]]:
    """runc's utils.Annotations: the ``bundle`` label apart, the rest as annotations."""
    bundle, out = "", {}
    for label in labels or []:
        key, sep, value = label.partition("=")
        if not sep:
            continue
        if key == "bundle":
            bundle = value
        else:
            out[key] = value
    return bundle, out


def container_state(saved: dict, container_id: str, status: str, *, owner: str | None = None) -> dict:
    """runc's containerState (`runc state`, a row of `runc list`) from state.json's dict,
    keys in runc's order; pid 0 once stopped."""
    cfg = saved.get("config") or {}
    bundle, ann = annotations(cfg.get("labels") or [])
    out = {
        "ociVersion": cfg.get("version", ""),
        "id": container_id,
        "pid": 0 if status == "stopped" else (saved.get("init_process_pid") or 0),
        "status": status,
        "bundle": bundle,
        "rootfs": cfg.get("rootfs", ""),
        "created": saved.get("created", "0001-01-01T00:00:00Z"),
    }
    if ann:
        out["annotations"] = ann
    out["owner"] = owner if owner is not None else ""
    return out
