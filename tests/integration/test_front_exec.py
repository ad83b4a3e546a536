"""A plain `pyrunc exec` without Python (native/front_exec.c, in pyrunc-exec), from outside.

As in test_front.py, a copy of the front -- here with pyrunc-exec beside it, and no Python
CLI -- tells the paths apart: what it does alone is native, and whatever it hands over
fails with status 127 before any process ran in the container, which the real `pyrunc`
then shows.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time

import pytest
from test_cli import _SCRIPT, bundle, cli  # noqa: F401 - fixtures
from test_front import _created, _handed_over, _is_native

pytestmark = pytest.mark.integration

_EXEC = os.path.join(os.path.dirname(_SCRIPT), "pyrunc-exec")
_PYTHON_CLI = os.path.join(os.path.dirname(_SCRIPT), "pyrunc-py")
#: what a process shows of itself: every line tells the exec paths apart if they differ
_SELF = ("grep -E '^(Cap|NoNewPrivs|Seccomp|SigIgn|SigBlk|Uid|Gid|Groups)' /proc/self/status;"
         " cat /proc/self/cgroup; ls -l /proc/self/ns | sed 's/.* -> //'; pwd; env | sort; umask;"
         " ulimit -n; cat /proc/self/oom_score_adj; set -- $(cat /proc/$$/stat);"
         " [ \"$6\" = $$ ] && echo a session of its own")


@pytest.fixture
def lone(tmp_path, cli):  # noqa: F811
    """A copy of the front and of pyrunc-exec, with no Python CLI to hand over to."""
    if not (_is_native(_SCRIPT) and _is_native(_EXEC)):
        pytest.skip("pyrunc or pyrunc-exec is not native (setup.py could not build them)")
    d = tmp_path / "lone"
    d.mkdir()
    shutil.copy2(_SCRIPT, d / "pyrunc")
    shutil.copy2(_EXEC, d / "pyrunc-exec")

    def run(*args, glob=("--root", cli.root), env=None, timeout=30, input=None):
        return subprocess.run([str(d / "pyrunc"), *glob, *args], capture_output=True, text=True, input=input,
                              stdin=None if input is not None else subprocess.DEVNULL, env=env, timeout=timeout)

    run.dir = d
    return run


def _running(cli, bundle, cid, mutate=None):  # noqa: F811
    pid = _created(cli, bundle, cid, mutate=mutate)
    cli("start", cid, check=0)
    return pid


def _exec_processes(init_pid: int) -> list[int]:
    """The container's processes but its init (an exec that left one behind shows here)."""
    theirs = os.readlink(f"/proc/{init_pid}/ns/pid")
    assert theirs != os.readlink("/proc/self/ns/pid")
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == init_pid:
            continue
        try:
            if os.readlink(f"/proc/{name}/ns/pid") == theirs:
                found.append(int(name))
        except OSError:
            continue
    return found


def test_a_plain_exec_needs_no_python(cli, bundle, lone):  # noqa: F811
    init = _running(cli, bundle, "x1")
    res = lone("exec", "x1", "sh", "-c", "echo out; echo err >&2; cat /proc/self/stat | cut -d' ' -f1")
    assert res.returncode == 0, res
    out = res.stdout.splitlines()
    assert out[0] == "out" and res.stderr == "err\n"
    assert out[1] != "1"  # a process of its own in the container's PID namespace, not its init
    assert lone("exec", "x1", "sh", "-c", "exit 3").returncode == 3
    assert lone("exec", "x1", "sh", "-c", "kill -TERM $$").returncode == 128 + signal.SIGTERM
    assert lone("exec", "x1", "cat", input="through stdin").stdout == "through stdin"
    assert _exec_processes(init) == []


def test_both_paths_make_the_same_process(cli, bundle, lone):  # noqa: F811
    """Credentials, capabilities, seccomp, signals, cgroups, namespaces, cwd, environment,
    umask, rlimits, session: the native exec's process and the Python CLI's agree."""

    def tight(spec):
        spec["process"]["env"] = ["PATH=/bin:/usr/bin", "FOO=bar baz", "EMPTY="]
        spec["process"]["cwd"] = "/tmp/made/here"
        spec["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 7]}
        spec["process"]["noNewPrivileges"] = True
        spec["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 512}]
        spec["process"]["capabilities"] = {k: ["CAP_CHOWN", "CAP_KILL"] for k in
                                           ("bounding", "effective", "permitted", "ambient", "inheritable")}

    _running(cli, bundle, "p1", mutate=tight)
    native = lone("exec", "p1", "sh", "-c", _SELF)
    assert native.returncode == 0, native
    python = subprocess.run([_PYTHON_CLI, "--root", cli.root, "exec", "p1", "sh", "-c", _SELF],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert python.returncode == 0, python
    assert native.stdout == python.stdout
    assert "FOO=bar baz" in native.stdout and "HOME=/" in native.stdout and "/tmp/made/here" in native.stdout
    assert "Uid:\t1000\t1000\t1000\t1000" in native.stdout and "NoNewPrivs:\t1" in native.stdout
    assert "a session of its own" in native.stdout


def test_the_exec_is_in_the_containers_cgroups_and_namespaces(cli, bundle, lone):  # noqa: F811
    init = _running(cli, bundle, "g1")
    proc = subprocess.Popen([str(lone.dir / "pyrunc"), "--root", cli.root, "exec", "g1", "sleep", "30"],
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not (found := _exec_processes(init)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(found) == 1
        pid = found[0]
        for ns in ("ipc", "uts", "net", "pid", "mnt", "cgroup"):
            assert os.readlink(f"/proc/{pid}/ns/{ns}") == os.readlink(f"/proc/{init}/ns/{ns}")
        with open(f"/proc/{pid}/cgroup") as f, open(f"/proc/{init}/cgroup") as g:
            assert f.read() == g.read()
        with open(f"/proc/{pid}/status") as f:
            assert f"\nPPid:\t{proc.pid}\n" in f.read()  # the front's child, as runc's exec is runc's
        # the waiting front forwards signals and reports the process's death as runc does
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=10) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert _exec_processes(init) == []


def test_signals_reach_the_process(cli, bundle, lone):  # noqa: F811
    _running(cli, bundle, "s1")
    script = "trap 'echo got USR1; exit 7' USR1; echo ready; while :; do sleep 0.05; done"
    proc = subprocess.Popen([str(lone.dir / "pyrunc"), "--root", cli.root, "exec", "s1", "sh", "-c", script],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "ready\n"
        os.kill(proc.pid, signal.SIGUSR1)
        assert proc.wait(timeout=10) == 7
        assert proc.stdout.read() == "got USR1\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_created_container_takes_an_exec_too(cli, bundle, lone):  # noqa: F811
    _created(cli, bundle, "c1")
    res = lone("exec", "c1", "echo", "in a created one")
    assert res.returncode == 0 and res.stdout == "in a created one\n", res
    assert cli.state("c1")["status"] == "created"


@pytest.mark.parametrize("argv", [
    ("exec", "-e", "X=1", "f1", "true"),  # a flag of exec's own
    ("exec", "--cwd", "/", "f1", "true"),
    ("exec", "-t", "f1", "true"),
    ("exec", "f1", "sh", "--c", "true"),  # argparse may read it as an abbreviation
    ("exec", "f1", "sh", "--", "true"),
    ("exec", "f1", "-c", "true"),
    ("exec", "f1", ""),
    ("exec", "f1"),
    ("exec", "nosuch", "true"),
    ("exec", "bad/id", "true"),
])
def test_argv_forms_left_to_the_python_cli(cli, bundle, lone, argv):  # noqa: F811
    init = _running(cli, bundle, "f1")
    assert _handed_over(lone(*argv)), argv
    assert _exec_processes(init) == []


def _stopped(cli, cid, pid):  # noqa: F811
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while cli.state(cid)["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.02)


def test_what_the_python_cli_refuses_is_handed_over(cli, bundle, lone):  # noqa: F811
    _running(cli, bundle, "q1")
    cli("pause", "q1", check=0)
    assert _handed_over(lone("exec", "q1", "true"))
    assert "cannot exec in a paused container" in cli("exec", "q1", "true", check=1).stderr
    cli("resume", "q1", check=0)
    assert lone("exec", "q1", "true").returncode == 0
    cli("delete", "-f", "q1", check=0)  # one container at a time in the test's cgroup

    pid = _running(cli, bundle, "q2")
    _stopped(cli, "q2", pid)
    assert _handed_over(lone("exec", "q2", "true"))
    assert "cannot exec in a stopped container" in cli("exec", "q2", "true", check=1).stderr
    cli("delete", "q2", check=0)

    init = _running(cli, bundle, "q3")
    assert _handed_over(lone("exec", "q3", "no-such-program"))  # after its child said why
    assert "executable file not found" in cli("exec", "q3", "no-such-program", check=1).stderr
    assert _exec_processes(init) == []


def test_a_changed_config_is_read_again(cli, bundle, lone):  # noqa: F811
    """runc reads the bundle's config.json at every exec: a changed one is the Python CLI's."""
    _running(cli, bundle, "k1")
    path = os.path.join(bundle.dir, "config.json")
    with open(path) as f:
        spec = json.load(f)
    spec["process"]["env"].append("CHANGED=yes")
    with open(path, "w") as f:
        json.dump(spec, f)
    assert _handed_over(lone("exec", "k1", "env"))
    assert "CHANGED=yes" in cli("exec", "k1", "env", check=0).stdout


def test_a_changed_user_database_is_read_again(cli, bundle, lone, rootfs):  # noqa: F811
    def as_4242(spec):
        spec["process"]["user"] = {"uid": 4242, "gid": 4242}

    _running(cli, bundle, "u1", mutate=as_4242)  # the rootfs fixture is this test's own copy
    assert lone("exec", "u1", "sh", "-c", "echo $HOME").stdout == "/\n"
    with open(os.path.join(rootfs, "etc", "passwd"), "a") as f:
        f.write("someone:x:4242:4242::/home/someone:/bin/sh\n")
    assert _handed_over(lone("exec", "u1", "sh", "-c", "echo $HOME"))
    assert cli("exec", "u1", "sh", "-c", "echo $HOME", check=0).stdout == "/home/someone\n"


def test_facts_that_do_not_hold_are_not_trusted(cli, bundle, lone):  # noqa: F811
    pid = _running(cli, bundle, "r1")
    path = os.path.join(cli.root, "r1", "exec.native")
    with open(path, "rb") as f:
        facts = f.read()
    start = facts.split(b"\n", 2)[1].split()[1].decode()
    other = start[:-1] + str((int(start[-1]) + 1) % 10)  # as long: only the start time is wrong
    for bad in (facts[:-4],  # no "end": half written
                facts.replace(f"{pid} {start}\n".encode(), f"{pid} {other}\n".encode(), 1),
                facts.replace(b"freezer.state\tTHAWED", b"freezer.state\tFROZEN", 1)):
        assert bad != facts
        with open(path, "wb") as f:
            f.write(bad)
        assert _handed_over(lone("exec", "r1", "true"))
    with open(path, "wb") as f:
        f.write(facts)
    assert lone("exec", "r1", "true").returncode == 0
    env = dict(os.environ, LIBCONTAINER_NATIVE_INIT="0")  # the Python child, as plan.enabled() says
    assert _handed_over(lone("exec", "r1", "true", env=env))


def test_without_pyrunc_exec_the_python_cli_runs_it(cli, bundle, lone):  # noqa: F811
    _running(cli, bundle, "w1")
    os.unlink(lone.dir / "pyrunc-exec")
    assert _handed_over(lone("exec", "w1", "true"))


def test_the_facts_are_what_the_python_exec_would_use(cli, bundle):  # noqa: F811
    pid = _running(cli, bundle, "v1")
    with open(os.path.join(cli.root, "v1", "state.json")) as f:
        saved = json.load(f)
    with open(os.path.join(cli.root, "v1", "exec.native"), "rb") as f:
        facts = f.read()
    sections = {}
    while facts:
        head, facts = facts.split(b"\n", 1)
        name, length, *arg = head.decode().split(" ", 2)
        data, facts = (facts[: int(length)], facts[int(length) + 1:]) if int(length) >= 0 else (None, facts)
        sections.setdefault(name, []).append((arg[0] if arg else None, data))
    assert list(sections) == ["init", "freezer", "ns", "join", "file", "root", "steps", "env", "end"]
    assert sections["init"][0][1].decode() == f"{pid} {saved['init_process_start']}"
    paths = {k: v for k, v in saved["cgroup_paths"].items() if v}
    assert sorted(sections["join"][0][1].decode().split()) == sorted(p + "/tasks" for p in paths.values())
    config, data = sections["file"][0]
    assert config == os.path.join(bundle.dir, "config.json")
    with open(config, "rb") as f:
        assert f.read() == data
    assert [a for a, _ in sections["root"]] == ["/etc/passwd", "/etc/group"]
    assert [line.split()[0] for line in sections["ns"][0][1].decode().splitlines()] == \
        ["ipc", "uts", "net", "pid", "mnt"]


def test_no_facts_for_what_needs_python(cli, bundle, lone):  # noqa: F811
    """A time namespace is joined by exec_process.py's two-step way, which the front does
    not take: no exec.native, and the Python CLI runs the exec."""
    if not os.path.exists("/proc/self/ns/time"):
        pytest.skip("this kernel has no time namespaces")

    def with_time(spec):
        spec["linux"]["namespaces"].append({"type": "time"})

    _running(cli, bundle, "n1", mutate=with_time)
    assert not os.path.exists(os.path.join(cli.root, "n1", "exec.native"))
    assert _handed_over(lone("exec", "n1", "true"))
    assert cli("exec", "n1", "echo", "by python", check=0).stdout == "by python\n"


@pytest.mark.parametrize("native_init", ["1", "0"])
def test_pythons_ignored_signals_are_not_the_programs(cli, bundle, lone, monkeypatch, native_init):  # noqa: F811
    """Python ignores SIGPIPE and SIGXFSZ, and an ignored signal stays ignored across
    execve; the container's processes get the defaults (as runc's do), whichever init and
    whichever exec path ran them. Our caller (subprocess) hands pyrunc the defaults."""
    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", native_init)  # the native init and exec, or Python's
    ignored = "grep SigIgn /proc/self/status"
    bundle.write(["sh", "-c", f"{ignored}; sleep 100"])
    res, out = cli.detached("run", "-d", "--bundle", bundle.dir, "i1")
    assert res.returncode == 0, res.stderr
    deadline = time.monotonic() + 10
    while not out.read_text() and time.monotonic() < deadline:
        time.sleep(0.02)
    masks = [out.read_text(), cli("exec", "i1", "sh", "-c", ignored, check=0).stdout]
    native = lone("exec", "i1", "sh", "-c", ignored)
    if native_init == "0":
        assert _handed_over(native)
    else:
        masks.append(native.stdout)
    for text in masks:
        mask = int(text.split()[1], 16)
        assert not mask & (1 << (signal.SIGPIPE - 1)) and not mask & (1 << (signal.SIGXFSZ - 1)), masks


def test_a_foreground_runs_container_gets_its_facts_once_it_runs_on(cli, bundle, lone):  # noqa: F811
    """A foreground `run` writes exec.native only after its container outlived a first
    moment (a container that exits at once needs none, and run's exit would wait for them):
    then the native exec works into it as into any other."""
    bundle.write(["sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.05; done"])  # PID 1: a handler or nothing
    proc = subprocess.Popen([_SCRIPT, "--root", cli.root, "run", "--bundle", bundle.dir, "fg1"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    facts = os.path.join(cli.root, "fg1", "exec.native")
    try:
        deadline = time.monotonic() + 20
        while not os.path.exists(facts) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert os.path.exists(facts)
        res = lone("exec", "fg1", "echo", "into a foreground run")
        assert res.returncode == 0 and res.stdout == "into a foreground run\n", res
        proc.send_signal(signal.SIGTERM)  # forwarded to the container's init
        assert proc.wait(timeout=20) == 7, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not os.path.exists(os.path.join(cli.root, "fg1"))


@pytest.mark.parametrize("native_init", ["1", "0"])
def test_the_signals_are_reset_before_a_filter_that_forbids_it(cli, bundle, monkeypatch, native_init):  # noqa: F811
    """Both inits reset SIGPIPE and SIGXFSZ before any seccomp filter: a profile loaded
    before the process steps (no no_new_privs) that kills rt_sigaction must not kill the
    init. (The program, busybox's `true`, makes no rt_sigaction of its own.)"""
    pytest.importorskip("pyseccomp")
    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", native_init)

    def strict(spec):
        spec["process"]["noNewPrivileges"] = False
        spec["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                                    "syscalls": [{"names": ["rt_sigaction"], "action": "SCMP_ACT_KILL"}]}

    bundle.write(["true"], mutate=strict)
    res = cli("run", "--bundle", bundle.dir, "z1")
    assert res.returncode == 0, res
