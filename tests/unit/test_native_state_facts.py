"""native_state.py: state.native's form, and the answer it is cut from."""

from __future__ import annotations

import json
import os

from libcontainer import native_state
from libcontainer import state as st
from libcontainer.cli.saved import SavedCgroupView


def _saved(**over) -> dict:
    saved = {"init_process_pid": 4242, "init_process_start": "987654", "created": "2026-12-02T10:00:00.000000000Z",
             "config": {"version": "1.2.0", "rootfs": "/r", "labels": ["bundle=/b", "a=1", "z=\"quoted\"\n"]},
             "cgroup_paths": {"freezer": "/sys/fs/cgroup/freezer/x", "cpu": "/sys/fs/cgroup/cpu/x"}}
    saved.update(over)
    return saved


def _write(tmp_path, saved: dict) -> str:
    st.write_state(str(tmp_path), saved)
    return native_state.facts(str(tmp_path), "c1", saved)


def _fill(text: str, pid: int, status: str) -> str:
    """What native/front_state.c prints from the facts."""
    lines = text.split("\n", 4)
    head_len, tail_len = map(int, lines[3].split())
    body = lines[4]
    assert len(body) == head_len + tail_len
    return body[:head_len] + str(pid) + ',\n  "status": "' + status + '"' + body[head_len:]


def test_the_front_prints_what_the_python_cli_prints(tmp_path):
    saved = _saved()
    text = _write(tmp_path, saved)
    first, written, freezer = text.split("\n")[:3]
    assert first == "4242 987654"
    stat = os.stat(tmp_path / st.STATE_FILE)
    assert written == f"{stat.st_mtime_ns} {stat.st_size}"
    assert freezer == "/sys/fs/cgroup/freezer/x/freezer.state\tFROZEN"
    for status in ("created", "running", "paused", "stopped"):
        pid = 0 if status == "stopped" else 4242
        expected = json.dumps(st.container_state(saved, "c1", status), indent=2, ensure_ascii=False)
        assert _fill(text, pid, status) == expected
    assert json.loads(_fill(text, 4242, "running"))["annotations"] == {"a": "1", "z": "\"quoted\"\n"}


def test_the_freezer_is_the_one_the_python_cli_reads():
    for paths, expected in (
        ({"freezer": "/f", "": "/u"}, ("/f/freezer.state", "FROZEN")),
        ({"": "/u", "cpu": "/c"}, ("/u/cgroup.freeze", "1")),
        ({"freezer": "", "": "/u"}, ("/u/cgroup.freeze", "1")),
        ({"cpu": "/c"}, None),
        (None, None),
    ):
        assert native_state.freezer(paths) == expected
        view = SavedCgroupView(paths or {})._paths  # what get_freezer_state looks at
        assert (expected is None) == (not view.get("freezer") and not view.get(""))


def test_no_facts_for_what_the_front_cannot_print(tmp_path):
    assert _write(tmp_path, _saved(config={"labels": ["note=caf\u00e9"]})) is None  # not ASCII
    assert _write(tmp_path, _saved(init_process_pid=0)) is None
    assert _write(tmp_path, _saved(init_process_start=None)) is None
    assert _write(tmp_path, _saved(cgroup_paths={"freezer": "/a\tb"})) is None
    assert _write(tmp_path, _saved(config={"version": "1\n  \"pid\": 7"})) is not None  # escaped: cut right
    text = _write(tmp_path, _saved(config={"version": "1\n  \"pid\": 7"}))
    assert json.loads(_fill(text, 9, "running"))["pid"] == 9
