"""`pyrunc kill` in the native front (native/front_kill.c), checked from outside.

As in test_front.py, a copy of the front with no Python CLI beside it tells the paths apart:
what it does alone is native, and whatever it hands over fails with status 127 having sent
no signal, which the container's processes (still there) then show.
"""

from __future__ import annotations

import os
import time

import pytest
from test_cli import bundle, cli  # noqa: F401 - fixtures
from test_front import _created, _handed_over, lone, poststop_hook  # noqa: F401 - fixtures
from test_front_delete import _gone

pytestmark = pytest.mark.integration

#: a container init that says which signal reached it (PID 1 of its namespace gets only
#: the signals it has a handler for)
TRAPS = ("sh", "-c", "trap 'echo got TERM; exit 3' TERM; trap 'echo got USR1' USR1; "
         "echo ready; while :; do sleep 0.05; done")


def _wait_for(path, text: str, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text():
            return True
        time.sleep(0.02)
    return False


def _running(cli, bundle, cid):  # noqa: F811
    pid = _created(cli, bundle, cid, args=TRAPS)
    cli("start", cid, check=0)
    out = cli.tmp / f"{cid}.out"
    assert _wait_for(out, "ready")
    return pid, out


def test_signals_reach_the_init_without_python(cli, bundle, lone):  # noqa: F811
    pid, out = _running(cli, bundle, "k1")
    for form in ("USR1", "sigusr1", "SIGUSR1", "10", "010"):
        before = out.read_text().count("got USR1")
        res = lone("kill", "k1", form)
        assert res.returncode == 0 and res.stderr == "", (form, res)
        deadline = time.monotonic() + 10
        while out.read_text().count("got USR1") == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert out.read_text().count("got USR1") == before + 1, form
    assert lone("kill", "k1").returncode == 0  # SIGTERM by default
    assert _wait_for(out, "got TERM") and _gone(pid)
    assert cli.state("k1")["status"] == "stopped"
    res = lone("kill", "k1", "KILL")  # stopped: runc's refusal, in the Python CLI's words
    assert _handed_over(res)
    assert "container not running" in cli("kill", "k1", "KILL", check=1).stderr
    cli("delete", "k1", check=0)


def test_what_the_front_leaves_to_the_python_cli(cli, bundle, lone):  # noqa: F811
    pid, out = _running(cli, bundle, "k2")
    for argv in (("kill", "--all", "k2", "USR1"), ("kill", "-a", "k2"), ("kill", "k2", "-9"),
                 ("kill", "k2", "65"), ("kill", "k2", "RTMIN+1"), ("kill", "k2", "FOO"), ("kill", "k2", ""),
                 ("kill", "k2", "USR1", "x"), ("kill",), ("--debug", "kill", "k2", "USR1"), ("kill", "nosuch")):
        assert _handed_over(lone(*argv)), argv
    assert "got USR1" not in out.read_text() and not _gone(pid, 0.1)  # nothing was sent
    # a pid that is not the init create recorded (as if recycled): never signalled
    facts = os.path.join(cli.root, "k2", "state.native")
    with open(facts) as f:
        text = f.read()
    first, rest = text.split("\n", 1)
    p, start = first.split()
    with open(facts, "w") as f:
        f.write(f"{p} {int(start) + 1}\n{rest}")
    assert _handed_over(lone("kill", "k2", "KILL")) and not _gone(pid, 0.1)
    cli("delete", "-f", "k2", check=0)

    _created(cli, bundle, "k3", args=TRAPS, mutate=poststop_hook(cli.tmp / "poststop"))
    assert not os.path.exists(os.path.join(cli.root, "k3", "state.native"))
    assert _handed_over(lone("kill", "k3", "KILL"))  # no facts: hooks
    cli("delete", "-f", "k3", check=0)


def test_a_created_container_is_signalled_as_python_signals_it(cli, bundle, lone):  # noqa: F811
    pid = _created(cli, bundle, "k4", args=TRAPS)
    assert lone("kill", "k4", "KILL").returncode == 0
    assert _gone(pid)
    assert cli.state("k4")["status"] == "stopped"
    cli("delete", "k4", check=0)
