"""`pyrunc state` in the native front (native/front_state.c), against the Python CLI's.

As in test_front.py, a copy of the front with no Python CLI beside it tells the paths apart:
what it prints alone is native, and whatever it hands over fails with status 127 having
printed nothing. What it prints must be the Python CLI's output byte for byte, in every
state a container can be in.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest
from test_cli import _SCRIPT, _gone_or_zombie, bundle, cli  # noqa: F401 - fixtures
from test_front import _created, _handed_over, lone, poststop_hook  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration

_PYTHON_CLI = os.path.join(os.path.dirname(_SCRIPT), "pyrunc-py")


def _python_state(cli, cid):  # noqa: F811
    res = subprocess.run([_PYTHON_CLI, "--root", cli.root, "state", cid], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL)
    assert res.returncode == 0, res
    return res.stdout


def _both(cli, lone, cid):  # noqa: F811
    """The native answer, checked against the Python CLI's; parsed."""
    native = lone("state", cid)
    assert native.returncode == 0 and native.stderr == "", native
    assert native.stdout == _python_state(cli, cid)
    return json.loads(native.stdout)


def test_every_status_is_told_without_python_as_python_tells_it(cli, bundle, lone):  # noqa: F811
    ann = {"org.example/a": "1", "k8s.io/b": "two words"}
    pid = _created(cli, bundle, "s1", mutate=lambda spec: spec.update(annotations=ann))
    state = _both(cli, lone, "s1")
    assert state["status"] == "created" and state["pid"] == pid and state["annotations"] == ann
    assert state["bundle"] == bundle.dir and state["id"] == "s1"
    cli("start", "s1", check=0)
    assert _both(cli, lone, "s1")["status"] == "running"
    cli("pause", "s1", check=0)
    assert _both(cli, lone, "s1")["status"] == "paused"
    cli("resume", "s1", check=0)
    assert _both(cli, lone, "s1")["status"] == "running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _gone_or_zombie(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    state = _both(cli, lone, "s1")
    assert state["status"] == "stopped" and state["pid"] == 0
    cli("delete", "s1", check=0)


def test_a_recycled_pid_reads_as_stopped(cli, bundle, lone):  # noqa: F811
    """The init's start time is part of the facts: another process under its pid is not it."""
    _created(cli, bundle, "r1")
    facts = os.path.join(cli.root, "r1", "state.native")
    with open(facts) as f:
        first, rest = f.read().split("\n", 1)
    pid, start = first.split()
    with open(facts, "w") as f:  # as if the init had started at another time
        f.write(f"{pid} {int(start) + 1}\n{rest}")
    res = lone("state", "r1")
    assert res.returncode == 0, res
    state = json.loads(res.stdout)
    assert state["status"] == "stopped" and state["pid"] == 0
    cli("delete", "-f", "r1", check=0)


def test_what_the_front_leaves_to_the_python_cli(cli, bundle, lone):  # noqa: F811
    _created(cli, bundle, "h1")
    cli("start", "h1", check=0)
    facts = os.path.join(cli.root, "h1", "state.native")
    assert lone("state", "h1").returncode == 0
    # a state.json rewritten since (an update): the facts may no longer tell its contents
    cli("update", "--pids-limit", "100", "h1", check=0)
    assert _handed_over(lone("state", "h1"))
    assert cli.state("h1")["status"] == "running"
    os.unlink(facts)
    assert _handed_over(lone("state", "h1"))  # none
    cli("delete", "-f", "h1", check=0)

    _created(cli, bundle, "t1")
    facts = os.path.join(cli.root, "t1", "state.native")
    with open(facts) as f:
        text = f.read()
    for broken in (text[:-1], text + "x", text.replace("\t", " ", 1), ""):  # half-written, or not the form
        with open(facts, "w") as f:
            f.write(broken)
        res = lone("state", "t1")
        assert _handed_over(res) and res.stdout == "", broken[:40]
    with open(facts, "w") as f:
        f.write(text)
    assert lone("state", "t1").returncode == 0
    for argv in (("--debug", "state", "t1"), ("state", "t1", "extra"), ("state",), ("state", "--", "t1")):
        res = lone(*argv)
        assert _handed_over(res) and res.stdout == "", argv
    assert _handed_over(lone("state", "nosuch"))  # runc's error is the Python CLI's to word
    cli("delete", "-f", "t1", check=0)


def test_containers_create_leaves_no_state_facts_for(cli, bundle, lone, tmp_path):  # noqa: F811
    """Hooks (state is then read through the full config) and an answer that is not ASCII."""
    mark = tmp_path / "poststop"
    hooks = poststop_hook(mark)

    def utf8(spec):
        spec["annotations"] = {"note": "caf\u00e9"}

    for cid, mutate in (("k1", hooks), ("u1", utf8)):
        _created(cli, bundle, cid, mutate=mutate)
        assert not os.path.exists(os.path.join(cli.root, cid, "state.native")), cid
        assert _handed_over(lone("state", cid))
        assert _python_state(cli, cid) == cli("state", cid, check=0).stdout
        cli("delete", cid, check=0)
    assert json.loads(mark.read_text())["id"] == "k1"  # the poststop hook ran


def test_a_foreground_run_writes_its_state_facts_once_it_lasts(cli, bundle, lone):  # noqa: F811
    """As its exec facts: written after a first moment (~20 ms), for a container still running."""
    bundle.write(["sleep", "30"])
    proc = subprocess.Popen([_SCRIPT, "--root", cli.root, "run", "--bundle", bundle.dir, "fg1"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        facts = os.path.join(cli.root, "fg1", "state.native")
        deadline = time.monotonic() + 10
        while not os.path.exists(facts) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.05)  # written whole by now
        assert _both(cli, lone, "fg1")["status"] == "running"
    finally:
        cli("kill", "fg1", "KILL")
        proc.wait(timeout=30)
    assert not os.path.exists(os.path.join(cli.root, "fg1"))
