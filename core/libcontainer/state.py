"""state.json: what one CLI call leaves for the next (runc's libcontainer State).

Written atomically (temp file, then rename) so that a reader never sees half a file; no
fsync, as runc: the state root lives on tmpfs (/run) and dies with the machine anyway;
a corrupt file is reported as such instead of being mistaken for "no container".
Reading needs only the standard library: `pyrunc state/kill/start` must stay cheap.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os

from .errors import ContainerError, ContainerNotExists

STATE_FILE = "state.json"
LOCK_FILE = ".lock"


class StateCorrupt(ContainerError):
    pass


def write_state(state_dir: str, state: dict) -> None:
    tmp = os.path.join(state_dir, f".{STATE_FILE}.{os.getpid()}.tmp")
    data = json.dumps(state, separators=(",", ":")).encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.rename(tmp, os.path.join(state_dir, STATE_FILE))


def read_state(state_dir: str, container_id: str = "") -> dict:
    path = os.path.join(state_dir, STATE_FILE)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise ContainerNotExists(container_id) from None
    try:
        state = json.loads(raw)
    except ValueError as e:
        raise StateCorrupt(f"container {container_id}: corrupt state file {path}: {e}") from None
    if not isinstance(state, dict) or "id" not in state:
        raise StateCorrupt(f"container {container_id}: corrupt state file {path}: no id")
    return state


@contextlib.contextmanager
def locked(state_dir: str):
    """An exclusive flock on the container's lock file: serializes CLI calls on one container."""
    fd = os.open(os.path.join(state_dir, LOCK_FILE), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def process_start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat: tells a live init from a recycled PID."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # the command name may contain spaces and parentheses: split after the last ')'
    fields = data[data.rindex(b")") + 2 :].split()
    return fields[19].decode()


def process_state(pid: int) -> str | None:
    """The one-letter state of /proc/PID/stat (Z for a zombie), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return data[data.rindex(b")") + 2 :].split()[0].decode()
