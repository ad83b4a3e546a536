"""The `pyrunc` command's native front (native/front.c): a plain `start` without Python.

The front starts a created container itself only when create left start.native (no hooks),
the argv is one argparse reads the same way, and the init is still the process create
recorded; in every other case it execs the Python CLI beside it (pyrunc-py) with the same
argv, before anything is consumed. These tests tell the two apart by running a copy of the
front with no Python CLI beside it: what it does alone is native, and whatever it hands
over fails with "cannot run .../pyrunc-py" and exit status 127, leaving the container as
it was, which the real `pyrunc` then shows.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import time

import pytest
from test_cli import _SCRIPT, bundle, cli  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration


def _is_native(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


@pytest.fixture
def lone(tmp_path, cli):  # noqa: F811
    """Runs a copy of the front that has no Python CLI to hand over to."""
    if not _is_native(_SCRIPT):
        pytest.skip(f"{_SCRIPT} is not the native front (setup.py could not build native/front.c)")
    d = tmp_path / "lone"
    d.mkdir()
    shutil.copy2(_SCRIPT, d / "pyrunc")

    def run(*args, glob=("--root", cli.root), env=None, timeout=30):
        return subprocess.run([str(d / "pyrunc"), *glob, *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, env=env, timeout=timeout)

    run.dir = d
    return run


def _handed_over(res) -> bool:
    return res.returncode == 127 and "pyrunc-py" in res.stderr and "cannot run" in res.stderr


def _created(cli, bundle, cid, args=("sleep", "100"), mutate=None):  # noqa: F811
    bundle.write(list(args), mutate=mutate)
    res, _ = cli.detached("create", "--bundle", bundle.dir, cid, out_name=f"{cid}.out")
    assert res.returncode == 0, res.stderr
    return cli.state(cid)["pid"]


def poststop_hook(mark):
    """A config mutation: a poststop hook that writes its state (stdin) to ``mark``."""

    def hooks(spec):
        spec["hooks"] = {"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", f"cat > {mark}"]}]}

    return hooks


def _cmdline(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().decode().split("\0")[:-1]


def test_a_plain_start_needs_no_python(cli, bundle, lone):  # noqa: F811
    pid = _created(cli, bundle, "n1")
    sdir = os.path.join(cli.root, "n1")
    with open(os.path.join(sdir, "start.native")) as f:
        facts = f.read()
    with open(f"/proc/{pid}/stat") as f:
        assert facts == f"{pid} {f.read().rsplit(')', 1)[1].split()[19]}\n"  # field 22: the start time
    res = lone("start", "n1")
    assert res.returncode == 0 and res.stderr == "", res
    # from outside: the init exec'd the program, the FIFO and the start facts are gone
    assert _cmdline(pid) == ["sleep", "100"]
    assert sorted(os.listdir(sdir)) == [".lock", "delete.native", "exec.native", "state.json", "state.native"]
    assert cli.state("n1")["status"] == "running"
    res = cli("start", "n1", check=1)
    assert "cannot start an already running container" in res.stderr


def test_the_python_start_leaves_the_same_state(cli, bundle):  # noqa: F811
    """A start the Python CLI made removes start.native too: both leave one state."""
    _created(cli, bundle, "p1")
    res = subprocess.run([os.path.join(os.path.dirname(_SCRIPT), "pyrunc-py"), "--root", cli.root, "start", "p1"],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if res.returncode == 127 and not os.path.exists(os.path.join(os.path.dirname(_SCRIPT), "pyrunc-py")):
        pytest.skip("no pyrunc-py installed beside pyrunc")
    assert res.returncode == 0, res
    assert sorted(os.listdir(os.path.join(cli.root, "p1"))) == [".lock", "delete.native", "exec.native", "state.json", "state.native"]
    assert cli.state("p1")["status"] == "running"


def test_a_start_with_hooks_is_the_python_clis(cli, bundle, lone, tmp_path):  # noqa: F811
    mark = tmp_path / "poststart"

    def hooks(spec):
        spec["hooks"] = {"poststart": [{"path": "/bin/sh", "args": ["sh", "-c", f"cat > {mark}"]}]}

    _created(cli, bundle, "h1", mutate=hooks)
    assert not os.path.exists(os.path.join(cli.root, "h1", "start.native"))
    assert _handed_over(lone("start", "h1"))
    assert cli.state("h1")["status"] == "created"  # nothing was consumed
    cli("start", "h1", check=0)
    assert json.loads(mark.read_text())["id"] == "h1"  # the hook ran


@pytest.mark.parametrize("glob", [
    ("--root={root}",),
    ("--log", "{tmp}/log.json", "--log-format", "json", "--root", "{root}"),
    ("--systemd-cgroup", "--rootless=false", "--root", "{root}"),
])
def test_argv_forms_the_front_reads(cli, bundle, lone, tmp_path, glob):  # noqa: F811
    _created(cli, bundle, "f1")
    glob = [g.format(root=cli.root, tmp=tmp_path) for g in glob]
    res = lone("start", "f1", glob=glob)
    assert res.returncode == 0, res
    assert cli.state("f1")["status"] == "running"
    if "--log" in glob:  # the Python CLI creates the log file even when it writes nothing
        assert (tmp_path / "log.json").read_text() == ""


@pytest.mark.parametrize("argv", [
    ("--debug", "--root", "{root}", "start", "f2"),  # debug output is the Python CLI's
    ("--ro", "{root}", "start", "f2"),  # argparse's abbreviation
    ("--root", "{root}", "--criu", "x", "start", "f2"),  # a warning to print
    ("--root", "{root}", "--log-format", "yaml", "start", "f2"),  # an error to print
    ("--root", "{root}", "start", "--", "f2"),
    ("--root", "{root}", "start", "f2", "extra"),
    ("--root", "{root}", "start", "-h"),
    ("--root", "{root}/../root", "start", "f2"),  # abspath() would differ from the kernel's ".."
    ("--root", "{root}", "list"),
])
def test_argv_forms_left_to_the_python_cli(cli, bundle, lone, argv):  # noqa: F811
    _created(cli, bundle, "f2")
    res = lone(*[a.format(root=cli.root) for a in argv], glob=())
    assert _handed_over(res), res
    assert cli.state("f2")["status"] == "created"


def test_errors_are_the_python_clis(cli, bundle, lone):  # noqa: F811
    assert _handed_over(lone("start", "nosuch"))
    assert "container does not exist" in cli("start", "nosuch", check=1).stderr
    assert _handed_over(lone("start", "bad/id"))

    pid = _created(cli, bundle, "e1")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while cli.state("e1")["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _handed_over(lone("start", "e1"))
    assert "cannot start a container that has stopped" in cli("start", "e1", check=1).stderr


def test_a_recycled_pid_is_not_trusted(cli, bundle, lone):  # noqa: F811
    pid = _created(cli, bundle, "r1")
    path = os.path.join(cli.root, "r1", "start.native")
    with open(path) as f:
        start = f.read().split()[1]
    for facts in (f"{pid} {int(start) + 1}\n", f"{os.getpid()} {start}\n", f"{pid}\n", "x y\n"):
        with open(path, "w") as f:
            f.write(facts)
        assert _handed_over(lone("start", "r1")), facts
    assert cli.state("r1")["status"] == "created"


@pytest.mark.parametrize("which", ["front", "python"])
def test_an_init_that_dies_while_start_waits_is_seen(cli, bundle, lone, which):  # noqa: F811
    """The FIFO is opened without blocking and watched with a pidfd, by the front and by
    the Python CLI alike: with no writer ever coming (here a fresh FIFO in the old one's
    place), the init's death ends the wait instead of hanging it."""
    pid = _created(cli, bundle, "d1")
    fifo = os.path.join(cli.root, "d1", "exec.fifo")
    os.rename(fifo, fifo + ".orig")
    os.mkfifo(fifo, 0o622)
    program = str(lone.dir / "pyrunc") if which == "front" else os.path.join(os.path.dirname(_SCRIPT), "pyrunc-py")
    proc = subprocess.Popen([program, "--root", cli.root, "start", "d1"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3 if which == "front" else 1.0)  # the interpreter's start, under a loaded suite
        assert proc.poll() is None  # waiting for a writer
        os.kill(pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if which == "front":
        assert proc.returncode == 127 and "pyrunc-py" in err  # handed over, nothing consumed
    else:
        assert proc.returncode == 1 and "cannot start a container that has stopped" in err, err
    os.unlink(fifo + ".orig")


def test_everything_else_is_handed_over_unchanged(tmp_path):
    """argv and the environment pass as they are, no descriptor the front opened is left
    open (here it went as far as the state directory's lock), and a symlink to the front
    still finds the CLI beside the real file."""
    if not _is_native(_SCRIPT):
        pytest.skip(f"{_SCRIPT} is not the native front")
    real = tmp_path / "real"
    real.mkdir()
    shutil.copy2(_SCRIPT, real / "pyrunc")
    python_cli = real / "pyrunc-py"
    python_cli.write_text('#!/bin/sh\nprintf "%s\\n" "$0" "$@" "$MARK"\n'
                   'ls -l /proc/$$/fd\n')
    python_cli.chmod(python_cli.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "elsewhere" / "pyrunc"
    link.symlink_to(real / "pyrunc")
    (tmp_path / "root" / "c1").mkdir(parents=True)  # a state dir without start.native
    for front in (real / "pyrunc", link):
        for args in (["state", "a b", ""], ["start", "c1"]):
            argv = [str(front), "--root", str(tmp_path / "root"), *args]
            res = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                                 env={"MARK": "m=1", "PATH": "/usr/bin:/bin"})
            assert res.returncode == 0, res
            lines = res.stdout.splitlines()
            fds = [line.split()[-3::2] for line in lines if " -> " in line]  # "N -> target"
            assert lines[: len(argv) + 1] == [str(python_cli), *argv[1:], "m=1"]
            # the standard three, and the shell's own descriptor of the script it reads
            assert {"0", "1", "2"} <= {n for n, _ in fds}, lines
            assert [n for n, target in fds if n not in "012" and target != str(python_cli)] == [], fds
