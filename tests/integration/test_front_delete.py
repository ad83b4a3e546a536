"""`pyrunc delete` in the native front (native/front_delete.c), checked from outside.

As in test_front.py, a copy of the front with no Python CLI beside it tells the paths apart:
what it does alone is native, and whatever it hands over fails with status 127 -- here
always before it killed or removed anything, which the real `pyrunc` then shows.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from test_cli import _gone_or_zombie, bundle, cgroup_dirs, cli  # noqa: F401 - fixtures
from test_front import _created, _handed_over, lone, poststop_hook  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration


def _gone(pid: int, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not _gone_or_zombie(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _started(cli, bundle, cid, args=("sleep", "100"), mutate=None):  # noqa: F811
    pid = _created(cli, bundle, cid, args, mutate)
    cli("start", cid, check=0)
    return pid


def test_the_facts_are_the_containers_cgroups(cli, bundle):  # noqa: F811
    pid = _created(cli, bundle, "x1")
    with open(os.path.join(cli.root, "x1", "state.json")) as f:
        saved = json.load(f)
    with open(os.path.join(cli.root, "x1", "delete.native")) as f:
        lines = f.read().splitlines()
    paths = {k: v for k, v in saved["cgroup_paths"].items() if k}
    assert lines[0] == f"{pid} {saved['init_process_start']}"
    assert lines[1] == paths["freezer"] + "/freezer.state\tTHAWED"
    assert sorted(lines[2:]) == sorted(set(paths.values()))
    assert set(lines[2:]) == set(cgroup_dirs(cli.cgroup))  # every directory it made, and only those


@pytest.mark.parametrize("argv", [("delete", "-f", "n1"), ("delete", "n1", "--force"), ("delete", "--force", "n1")])
def test_a_running_container_is_force_deleted_without_python(cli, bundle, lone, argv):  # noqa: F811
    pid = _started(cli, bundle, "n1")
    assert cgroup_dirs(cli.cgroup)
    res = lone(*argv)
    assert res.returncode == 0 and res.stderr == "", res
    # from outside: the init is gone, and so are its cgroups and its state
    assert _gone(pid)
    assert cgroup_dirs(cli.cgroup) == []
    assert not os.path.exists(os.path.join(cli.root, "n1"))
    assert "container does not exist" in cli("state", "n1", check=1).stderr


def test_created_and_stopped_containers_are_deleted_without_force(cli, bundle, lone):  # noqa: F811
    pid = _created(cli, bundle, "c1")
    assert lone("delete", "c1").returncode == 0  # runc's delete kills a created container
    assert _gone(pid) and cgroup_dirs(cli.cgroup) == [] and not os.path.exists(os.path.join(cli.root, "c1"))

    pid = _started(cli, bundle, "s1", args=("true",))
    assert _gone(pid)
    deadline = time.monotonic() + 10
    while cli.state("s1")["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.02)
    res = lone("delete", "s1")
    assert res.returncode == 0, res
    assert cgroup_dirs(cli.cgroup) == [] and not os.path.exists(os.path.join(cli.root, "s1"))


def test_nested_cgroups_go_first(cli, bundle, lone):  # noqa: F811
    """A container may make cgroups below its own (its cgroup namespace's root)."""
    _started(cli, bundle, "t1")
    for path in cgroup_dirs(cli.cgroup):
        if "/memory" in path or "/pids" in path:
            os.makedirs(os.path.join(path, "inner", "deeper"))
    assert lone("delete", "-f", "t1").returncode == 0
    assert cgroup_dirs(cli.cgroup) == []


def test_what_only_the_python_cli_does(cli, bundle, lone, tmp_path):  # noqa: F811
    # running, without --force: runc refuses, in the Python CLI's words
    pid = _started(cli, bundle, "r1")
    assert _handed_over(lone("delete", "r1"))
    assert "that is not stopped: running" in cli("delete", "r1", check=1).stderr
    # paused: the Python CLI signals every task and thaws
    cli("pause", "r1", check=0)
    assert _handed_over(lone("delete", "-f", "r1"))
    assert cli.state("r1")["status"] == "paused" and not _gone(pid, 0.1)
    cli("delete", "-f", "r1", check=0)
    assert _gone(pid) and cgroup_dirs(cli.cgroup) == []

    # anything but plain files in the state directory
    pid = _started(cli, bundle, "d1")
    os.mkdir(os.path.join(cli.root, "d1", "extra"))
    assert _handed_over(lone("delete", "-f", "d1"))
    assert cli.state("d1")["status"] == "running"
    cli("delete", "-f", "d1", check=0)
    assert _gone(pid)

    # argv forms argparse reads otherwise, or that are not a plain delete
    pid = _started(cli, bundle, "a1")
    for argv in (("delete", "-f", "-f", "a1"), ("delete", "-ff", "a1"), ("delete", "a1", "b1"), ("delete",),
                 ("delete", "--forc", "a1")):
        assert _handed_over(lone(*argv)), argv
    assert cli.state("a1")["status"] == "running"
    cli("delete", "-f", "a1", check=0)


def test_containers_create_leaves_no_facts_for(cli, bundle, lone, tmp_path):  # noqa: F811
    mark = tmp_path / "poststop"
    hooks = poststop_hook(mark)

    def host_pid_ns(spec):
        spec["linux"]["namespaces"] = [n for n in spec["linux"]["namespaces"] if n["type"] != "pid"]

    for cid, mutate in (("h1", hooks), ("p1", host_pid_ns)):
        _created(cli, bundle, cid, mutate=mutate)
        assert not os.path.exists(os.path.join(cli.root, cid, "delete.native")), cid
        assert _handed_over(lone("delete", cid))
        cli("delete", cid, check=0)
    assert json.loads(mark.read_text())["id"] == "h1"  # the poststop hook ran


def test_a_failed_create_leaves_nothing_for_the_front(cli, bundle, lone):  # noqa: F811
    """Facts without state.json (a create that failed half-way) are not acted on."""
    pid = _started(cli, bundle, "f1")
    sdir = os.path.join(cli.root, "f1")
    os.rename(os.path.join(sdir, "state.json"), os.path.join(sdir, "state.json.aside"))
    try:
        assert _handed_over(lone("delete", "-f", "f1"))
        assert not _gone(pid, 0.1)
    finally:
        os.rename(os.path.join(sdir, "state.json.aside"), os.path.join(sdir, "state.json"))
    cli("delete", "-f", "f1", check=0)
    assert _gone(pid)


def test_a_stopped_init_is_killed_all_the_same(cli, bundle, lone):  # noqa: F811
    """SIGKILL ends a SIGSTOPped init too: the front waits for that exit on the pidfd,
    then removes everything."""
    pid = _started(cli, bundle, "k1")
    os.kill(pid, signal.SIGSTOP)
    assert lone("delete", "-f", "k1").returncode == 0
    assert _gone(pid) and cgroup_dirs(cli.cgroup) == []
