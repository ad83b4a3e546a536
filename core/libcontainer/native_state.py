"""state.native: what the native `pyrunc state` (native/front_state.c) prints, and from what.

`pyrunc state ID` is what engines ask most often (CRI-O for every status update, podman
before many of its commands), and in Python it costs an interpreter's start, ~13-20 ms here,
where runc's whole `state` takes ~6-8. Its answer is runc's containerState JSON, which is
fixed once the container is created but for its pid and status; and the status is the
init's liveness, the exec FIFO and the freezer -- a few system calls. So create renders the
JSON once around those two, and the front fills them in:

    PID STARTTIME\\n          the init, as in start.native
    MTIME_NS SIZE\\n          state.json as these were written from it
    FILE\\tFROZEN\\n           the freezer file and what it reads when paused ("\\t\\n": none)
    HEADLEN TAILLEN\\n        then the JSON up to the pid, and from after the status on

The front prints ``HEAD + PID + ',\\n  "status": "' + STATUS + '"' + TAIL``, the pid 0 once
stopped: byte for byte what cmd_state prints (tests/integration/test_front_state.py). It
hands over to the Python CLI when state.json is not the file these came from (an update
rewrote it), when they are missing or half-written, and for any form it does not parse.
Only for containers without hooks (whose `state` reads state.json alone, cli/saved.py) and
an answer in ASCII (no encoding of stdout to agree on).
"""

from __future__ import annotations

import os

from . import jsonfast
from . import state as st

#: the two keys around which the JSON is cut: both come before any string a user chose but
#: ociVersion and the id, and a newline inside a JSON string is escaped
_PID_KEY = '\n  "pid": '
_STATUS = ',\n  "status": "running"'


def freezer(cgroup_paths: dict | None) -> tuple[str, str] | None:
    """(file, what it reads when frozen), as cli/saved.py's SavedCgroupView.get_freezer_state
    asks: v1's freezer.state, else the unified hierarchy's cgroup.freeze; None without either."""
    paths = {k: v for k, v in (cgroup_paths or {}).items() if v}
    if paths.get("freezer"):
        return os.path.join(paths["freezer"], "freezer.state"), "FROZEN"
    if paths.get(""):
        return os.path.join(paths[""], "cgroup.freeze"), "1"
    return None


def facts(state_dir: str, container_id: str, saved: dict) -> str | None:
    """state.native's text for a container whose state.json holds ``saved``; None when the
    front cannot print it (the Python CLI's `state` then answers)."""
    pid, start = saved.get("init_process_pid"), saved.get("init_process_start")
    if not pid or not str(start).isdigit():
        return None
    text = jsonfast.dumps(st.container_state(saved, container_id, "running"), indent=2, ensure_ascii=False)
    at = text.find(_PID_KEY)
    end = text.find(_STATUS, at)
    if not text.isascii() or at < 0 or end < 0 or text[at + len(_PID_KEY):end] != str(pid):
        return None
    head, tail = text[:at + len(_PID_KEY)], text[end + len(_STATUS):]
    found = freezer(saved.get("cgroup_paths"))
    file, frozen = found if found else ("", "")
    if any(c in file for c in "\t\n"):
        return None
    written = os.stat(os.path.join(state_dir, st.STATE_FILE))
    return (f"{pid} {start}\n{written.st_mtime_ns} {written.st_size}\n{file}\t{frozen}\n"
            f"{len(head)} {len(tail)}\n{head}{tail}")
