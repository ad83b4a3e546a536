"""pyrunc as engines use it: a subprocess against real containers, checked from outside.

Every test uses a private --root, a bundle made from `runc spec`'s example with the
busybox rootfs, and a relative cgroupsPath unique to the test (so the cgroups nest under
this process's own cgroup); the `cli` fixture force-deletes whatever is left and fails
the test if a state dir or a cgroup directory survives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from libcontainer.specconv import example_spec

pytestmark = pytest.mark.integration

_SCRIPT = os.path.join(os.path.dirname(sys.executable), "pyrunc")
PYRUNC = [_SCRIPT] if os.path.exists(_SCRIPT) else [sys.executable, "-m", "libcontainer.cli.main"]


def own_cgroups() -> dict[str, str]:
    """controller (or hierarchy name) -> this process's cgroup path in that hierarchy."""
    out = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            for c in (ctrls.split(",") if ctrls else ["unified"]):
                out[c.replace("name=", "")] = path
    return out


def cgroup_dirs(name: str) -> list[str]:
    """Every directory called ``name`` under our own cgroup, in every mounted hierarchy."""
    found = []
    own = own_cgroups()
    for h in os.listdir("/sys/fs/cgroup"):
        base = os.path.join("/sys/fs/cgroup", h)
        if not os.path.isdir(base) or os.path.islink(base):
            continue
        key = next((c for c in h.split(",") if c in own), None)
        if key is None:
            continue
        path = os.path.join(base + own[key], name)
        if os.path.isdir(path):
            found.append(path)
    return found


class Cli:
    def __init__(self, root: str, tmp_path, cgroup: str):
        self.root = root
        self.tmp = tmp_path
        self.cgroup = cgroup

    def __call__(self, *args, check=None, input=None, timeout=60, glob=()):
        res = subprocess.run([*PYRUNC, *glob, "--root", self.root, *args], input=input,
                             stdin=None if input is not None else subprocess.DEVNULL,
                             capture_output=True, text=True, timeout=timeout)
        if check is not None:
            assert res.returncode == check, (args, res.returncode, res.stdout, res.stderr)
        return res

    def detached(self, *args, out_name="out.txt"):
        """create / run -d: the container keeps pyrunc's stdio, so hand it files, not pipes."""
        out = self.tmp / out_name
        err = self.tmp / (out_name + ".err")
        with open(out, "w") as f, open(err, "w+") as e:
            res = subprocess.run([*PYRUNC, "--root", self.root, *args], stdin=subprocess.DEVNULL,
                                 stdout=f, stderr=e, text=True, timeout=60)
            e.seek(0)
            res.stderr = e.read()
        return res, out

    def state(self, cid):
        res = self(*("state", cid), check=0)
        return json.loads(res.stdout)


def _containers(root: str) -> list[str]:
    """What the state root holds but the compiled seccomp filters kept for the next
    container (seccomp/compiled.py: a name no container ID can have)."""
    return [n for n in os.listdir(root) if n != "@seccomp"] if os.path.isdir(root) else []


@pytest.fixture
def cli(tmp_path, no_leaks):
    root = str(tmp_path / "root")
    cg = f"pyrunc-cli-{os.getpid()}-{time.monotonic_ns()}"
    c = Cli(root, tmp_path, cg)
    yield c
    left = _containers(root)
    for cid in left:
        c("delete", "-f", cid)
    still = _containers(root)
    leaked = cgroup_dirs(cg)
    for path in leaked:  # children first
        for dirpath, _dirs, _ in sorted(os.walk(path), reverse=True):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
    assert not still, f"state dirs left after delete -f: {still}"
    assert not leaked, f"cgroups leaked: {leaked}"


@pytest.fixture
def bundle(tmp_path, rootfs, cli):
    """A bundle dir; ``bundle.write(args, **changes)`` rewrites its config.json."""
    path = tmp_path / "bundle"
    path.mkdir()

    class B:
        dir = str(path)

        def write(self, args, annotations=None, mutate=None):
            spec = example_spec()
            spec["root"] = {"path": rootfs, "readonly": False}
            spec["process"]["terminal"] = False
            spec["process"]["args"] = args
            spec["linux"]["cgroupsPath"] = cli.cgroup
            if annotations:
                spec["annotations"] = annotations
            if mutate:
                mutate(spec)
            with open(path / "config.json", "w") as f:
                json.dump(spec, f)
            return self

    return B()


def _gone_or_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def _wait_stopped(cli, cid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cli.state(cid)["status"] == "stopped":
            return
        time.sleep(0.05)
    raise AssertionError(f"{cid} did not stop")


# --------------------------------------------------------------------------- run


def test_run_passes_output_and_exit_status(cli, bundle):
    bundle.write(["sh", "-c", "echo hello; hostname; echo pid $$; exit 3"])
    res = cli("run", "--bundle", bundle.dir, "r1")
    assert res.returncode == 3, res.stderr
    assert res.stdout.split() == ["hello", "runc", "pid", "1"]
    assert not os.path.exists(os.path.join(cli.root, "r1"))  # removed after the run
    assert cgroup_dirs(cli.cgroup) == []


@pytest.mark.parametrize("native", ["1", "0"], ids=["native init", "python init"])
def test_run_and_exec_under_an_engines_kind_of_seccomp_profile(cli, bundle, monkeypatch, native):
    """A fresh pyrunc process compiles the profile once, keeps the program in the state root
    and loads it in the init (and in an exec'd process) -- either init, which imports what
    it needs before pivot_root (the CLI, unlike a test process, has not imported it yet)."""
    pytest.importorskip("pyseccomp")
    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", native)
    profile = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18},
                            {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28,
                             "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]}]}

    def mutate(spec):
        spec["linux"]["seccomp"] = profile
        spec["root"]["readonly"] = True

    script = "grep ^Seccomp: /proc/self/status; mkdir /dev/x; echo mkdir=$?; kill -0 $$; echo k0=$?"
    bundle.write(["sh", "-c", script], mutate=mutate)
    for n in range(2):  # compiled by the first, loaded from the state root by the second
        res = cli("run", "--bundle", bundle.dir, f"sc{n}")
        assert res.returncode == 0, res.stderr
        assert "Seccomp:\t2" in res.stdout and "mkdir=1" in res.stdout and "k0=1" in res.stdout, res.stdout
        assert "cross-device" in res.stderr and "No space left" in res.stderr
    assert len(os.listdir(os.path.join(cli.root, "@seccomp"))) == 1
    bundle.write(["sleep", "100"], mutate=mutate)
    res, _ = cli.detached("run", "-d", "--bundle", bundle.dir, "sc-exec")
    assert res.returncode == 0, res.stderr
    res = cli("exec", "sc-exec", "sh", "-c", script)
    assert res.returncode == 0 and "Seccomp:\t2" in res.stdout and "mkdir=1" in res.stdout, res.stdout + res.stderr
    cli("delete", "-f", "sc-exec", check=0)
    err = cli("run", "--bundle", bundle.dir, "@seccomp")  # the cache's name is no container's
    assert err.returncode == 1 and "invalid container ID format" in err.stderr


def test_run_killed_from_outside_exits_128_plus_signal(cli, bundle):
    bundle.write(["sleep", "100"])
    proc = subprocess.Popen([*PYRUNC, "--root", cli.root, "run", "-b", bundle.dir, "r2"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            res = cli("state", "r2")
            if res.returncode == 0 and json.loads(res.stdout)["status"] == "running":
                break
            time.sleep(0.05)
        pid = cli.state("r2")["pid"]
        cli("kill", "r2", "9", check=0)
        assert proc.wait(timeout=20) == 137
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert _gone_or_zombie(pid)


def test_run_detached_and_relative_bundle(cli, bundle, tmp_path):
    bundle.write(["sleep", "100"])
    os.chdir(tmp_path)
    res, _ = cli.detached("run", "-d", "-b", "bundle", "r3")
    assert res.returncode == 0, res.stderr
    st = cli.state("r3")
    assert st["status"] == "running" and st["bundle"] == os.path.realpath(bundle.dir)
    cli("delete", "-f", "r3", check=0)
    assert _gone_or_zombie(st["pid"])


# --------------------------------------------------------------------------- lifecycle


def test_create_start_state_list_ps_kill_delete(cli, bundle, tmp_path):
    bundle.write(["sh", "-c", "echo started; exec sleep 100"], annotations={"org.example.k": "v"})
    pid_file = tmp_path / "init.pid"
    res, out = cli.detached("create", "-b", bundle.dir, "--pid-file", str(pid_file), "c1")
    assert res.returncode == 0, res.stderr
    pid = int(pid_file.read_text())
    st = cli.state("c1")
    assert list(st) == ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner"]
    assert st["id"] == "c1" and st["pid"] == pid and st["status"] == "created"
    assert st["bundle"] == os.path.realpath(bundle.dir)
    assert st["annotations"] == {"org.example.k": "v"}
    assert st["ociVersion"].startswith("1.")
    # from outside: a waiting init in its own namespaces and in the configured cgroup
    assert os.readlink(f"/proc/{pid}/ns/pid") != os.readlink("/proc/self/ns/pid")
    with open(f"/proc/{pid}/cgroup") as f:
        assert cli.cgroup in f.read()
    assert out.read_text() == ""  # not started yet

    table = cli("list", check=0).stdout.splitlines()
    assert table[0].split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    assert table[1].split()[:4] == ["c1", str(pid), "created", os.path.realpath(bundle.dir)]
    assert cli("list", "-q", check=0).stdout == "c1\n"

    cli("start", "c1", check=0)
    deadline = time.monotonic() + 5
    while "started" not in out.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert out.read_text() == "started\n"  # the init wrote to the stdio create was given
    assert cli.state("c1")["status"] == "running"
    listed = json.loads(cli("list", "--format", "json", check=0).stdout)
    assert [(c["id"], c["status"], c["pid"]) for c in listed] == [("c1", "running", pid)]
    res = cli("start", "c1", check=1)
    assert "cannot start an already running container" in res.stderr

    assert json.loads(cli("ps", "--format", "json", "c1", check=0).stdout) == [pid]
    lines = cli("ps", "c1", check=0).stdout.splitlines()
    assert "PID" in lines[0].split() and len(lines) == 2 and str(pid) in lines[1].split()
    lines = cli("ps", "c1", "-o", "pid,comm", check=0).stdout.splitlines()
    assert lines[1].split() == [str(pid), "sleep"]

    res = cli("delete", "c1", check=1)
    assert res.stderr.strip().endswith('msg="cannot delete container c1 that is not stopped: running"')
    cli("kill", "c1", "SIGKILL", check=0)
    _wait_stopped(cli, "c1")
    st = cli.state("c1")
    assert st["pid"] == 0 and st["status"] == "stopped"
    assert cli("kill", "c1", "KILL", check=1).stderr.count("container not running") == 1
    cli("delete", "c1", check=0)
    assert not os.path.exists(os.path.join(cli.root, "c1"))
    assert cgroup_dirs(cli.cgroup) == []
    assert cli("list", check=0).stdout.splitlines()[1:] == []
    assert cli("list", "-f", "json", check=0).stdout == "null\n"


def test_delete_created_and_force_delete_running(cli, bundle):
    bundle.write(["sleep", "100"])
    res, _ = cli.detached("create", "-b", bundle.dir, "d1")
    assert res.returncode == 0, res.stderr
    pid = cli.state("d1")["pid"]
    cli("delete", "d1", check=0)  # a created container is killed and removed, as runc
    assert _gone_or_zombie(pid)
    res, _ = cli.detached("run", "-d", "-b", bundle.dir, "d2")
    pid = cli.state("d2")["pid"]
    cli("delete", "--force", "d2", check=0)
    assert _gone_or_zombie(pid)
    assert not os.path.exists(os.path.join(cli.root, "d2"))
    assert cgroup_dirs(cli.cgroup) == []
    # paused: a frozen init cannot die until thawed, which delete -f does after the signal
    cli.detached("run", "-d", "-b", bundle.dir, "d3")
    pid = cli.state("d3")["pid"]
    cli("pause", "d3", check=0)
    assert cli.state("d3")["status"] == "paused"
    cli("delete", "-f", "d3", check=0)
    assert _gone_or_zombie(pid)
    assert not os.path.exists(os.path.join(cli.root, "d3"))
    assert cgroup_dirs(cli.cgroup) == []


def test_kill_all_and_signal_names(cli, bundle):
    bundle.write(["sh", "-c", "sleep 100 & sleep 100 & wait"])
    cli.detached("run", "-d", "-b", bundle.dir, "k1")
    deadline = time.monotonic() + 5
    while len(json.loads(cli("ps", "-f", "json", "k1", check=0).stdout) or []) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pids = json.loads(cli("ps", "-f", "json", "k1", check=0).stdout)
    res = cli("kill", "k1", "FOO", check=1, glob=("--log-format", "json"))
    assert json.loads(res.stderr)["msg"] == 'unknown signal "FOO"'
    cli("kill", "--all", "k1", "kill", check=0)
    _wait_stopped(cli, "k1")
    for p in pids:
        assert _gone_or_zombie(p)


def test_pause_resume_seen_in_the_freezer(cli, bundle):
    bundle.write(["sleep", "100"])
    cli.detached("run", "-d", "-b", bundle.dir, "p1")
    pid = cli.state("p1")["pid"]
    cli("pause", "p1", check=0)
    assert cli.state("p1")["status"] == "paused"
    with open(f"/proc/{pid}/stat") as f:
        assert f.read().rsplit(")", 1)[1].split()[0] in ("D", "S", "T")
    freezer = [p for p in cgroup_dirs(cli.cgroup) if "/freezer" in p]
    if freezer:
        with open(os.path.join(freezer[0], "freezer.state")) as f:
            assert f.read().strip() == "FROZEN"
    assert "cannot exec in a paused container" in cli("exec", "p1", "true", check=1).stderr
    # --ignore-paused: the process joins the frozen cgroup and runs once the container resumes
    late = subprocess.Popen([*PYRUNC, "--root", cli.root, "exec", "--ignore-paused", "p1",
                             "sh", "-c", "echo thawed > /tmp/late"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        assert late.poll() is None, late.communicate()  # frozen with the rest of the container
        cli("resume", "p1", check=0)
        _, err = late.communicate(timeout=30)
    finally:
        if late.poll() is None:
            late.kill()
            late.wait()
    assert late.returncode == 0, err
    assert cli("exec", "p1", "cat", "/tmp/late", check=0).stdout == "thawed\n"
    assert cli.state("p1")["status"] == "running"
    assert "container not paused" in cli("resume", "p1", check=1).stderr
    if freezer:
        with open(os.path.join(freezer[0], "freezer.state")) as f:
            assert f.read().strip() == "THAWED"


# --------------------------------------------------------------------------- exec


def test_exec_flags_and_process_json(cli, bundle, tmp_path):
    bundle.write(["sleep", "100"])
    cli.detached("run", "-d", "-b", bundle.dir, "e1")
    init = cli.state("e1")["pid"]
    res = cli("exec", "--env", "FOO=bar", "--cwd", "/tmp", "--user", "1000:1001", "e1",
              "sh", "-c", "echo $FOO; id -u; id -g; pwd; exit 4")
    assert res.returncode == 4, res.stderr
    assert res.stdout.split() == ["bar", "1000", "1001", "/tmp"]

    pid_file = tmp_path / "exec.pid"
    res, _ = cli.detached("exec", "--detach", "--pid-file", str(pid_file), "e1", "sleep", "50", out_name="e.txt")
    assert res.returncode == 0, res.stderr
    pid = int(pid_file.read_text())
    assert os.readlink(f"/proc/{pid}/ns/pid") == os.readlink(f"/proc/{init}/ns/pid")
    assert os.readlink(f"/proc/{pid}/ns/mnt") == os.readlink(f"/proc/{init}/ns/mnt")
    assert pid in json.loads(cli("ps", "-f", "json", "e1", check=0).stdout)

    proc = {"args": ["sh", "-c", "echo from-json $X"], "env": ["PATH=/bin:/usr/bin", "X=1"], "cwd": "/",
            "user": {"uid": 0, "gid": 0}}
    (tmp_path / "p.json").write_text(json.dumps(proc))
    res = cli("exec", "--process", str(tmp_path / "p.json"), "e1", check=0)
    assert res.stdout == "from-json 1\n"
    assert "args must not be empty" in cli("exec", "e1", check=1).stderr
    cli("kill", "e1", "9", check=0)
    _wait_stopped(cli, "e1")
    assert "cannot exec in a stopped container" in cli("exec", "e1", "true", check=1).stderr


def test_tty_checks_are_runcs_and_create_nothing(cli, bundle):
    bundle.write(["true"], mutate=lambda s: s["process"].update(terminal=True))
    res, _ = cli.detached("create", "-b", bundle.dir, "t1")
    assert res.returncode == 1
    assert "cannot allocate tty if runc will detach without setting console socket" in res.stderr
    bundle.write(["true"])
    res = cli("run", "-d", "--console-socket", "/nonexistent.sock", "-b", bundle.dir, "t1", check=1)
    assert "cannot use console socket if runc will not detach or allocate tty" in res.stderr
    assert os.listdir(cli.root) == [] if os.path.isdir(cli.root) else True


# --------------------------------------------------------------------------- update, events


def test_update_flags_and_json_reach_the_cgroup(cli, bundle):
    bundle.write(["sleep", "100"])
    cli.detached("run", "-d", "-b", bundle.dir, "u1")
    dirs = {os.path.basename(os.path.dirname(p)) if "," not in p else p: p for p in cgroup_dirs(cli.cgroup)}
    mem = next((p for p in cgroup_dirs(cli.cgroup) if "/memory/" in p), None)
    pids = next((p for p in cgroup_dirs(cli.cgroup) if "/pids/" in p), None)
    if mem is None or pids is None:
        pytest.skip(f"needs the v1 memory and pids controllers (found {sorted(dirs)})")
    cli("update", "--memory", "64m", "--pids-limit", "20", "u1", check=0)
    assert open(os.path.join(mem, "memory.limit_in_bytes")).read().strip() == str(64 << 20)
    assert open(os.path.join(pids, "pids.max")).read().strip() == "20"
    cli("update", "-r", "-", "u1", input=json.dumps({"memory": {"limit": 100 << 20}, "pids": {"limit": 30}}), check=0)
    assert open(os.path.join(mem, "memory.limit_in_bytes")).read().strip() == str(100 << 20)
    assert open(os.path.join(pids, "pids.max")).read().strip() == "30"
    if os.path.exists(os.path.join(mem, "memory.memsw.limit_in_bytes")):
        cli("update", "--memory-swap", "-1", "u1", check=0)
        assert int(open(os.path.join(mem, "memory.memsw.limit_in_bytes")).read()) > 1 << 60
    # the new limits are saved: a later stats call sees them
    ev = json.loads(cli("events", "--stats", "u1", check=0).stdout)
    assert ev["type"] == "stats" and ev["id"] == "u1"
    assert ev["data"]["memory"]["usage"]["limit"] == 100 << 20
    assert ev["data"]["pids"]["current"] >= 1
    res = cli("update", "--memory", "lots", "u1", check=1)
    assert "invalid value for memory" in res.stderr


def test_events_interval_stream_ends_when_the_container_stops(cli, bundle):
    bundle.write(["sleep", "100"])
    cli.detached("run", "-d", "-b", bundle.dir, "ev")
    proc = subprocess.Popen([*PYRUNC, "--root", cli.root, "events", "--interval", "100ms", "ev"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(proc.stdout.readline())
        assert first["type"] == "stats" and "cpu" in first["data"]
        cli("kill", "ev", "KILL", check=0)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- errors, logs


def test_runc_error_wording_and_nothing_created(cli, bundle, tmp_path):
    def err(res):
        assert res.returncode == 1, res
        return res.stderr

    assert 'level=error msg="container does not exist"' in err(cli("state", "nope"))
    assert "container does not exist" in err(cli("delete", "nope"))
    assert cli("delete", "-f", "nope").returncode == 0
    assert "container does not exist" in err(cli("kill", "nope"))
    assert "requires exactly" in err(cli("state")) or "container id cannot be empty" in err(cli("state"))
    assert "invalid container ID format" in err(cli("run", "-b", bundle.dir, "a/b"))
    assert "invalid container ID format" in err(cli("run", "-b", bundle.dir, ".."))
    assert "flag provided but not defined: -no-such-flag" in err(cli("run", "--no-such-flag", "x"))
    assert f"chdir {tmp_path}/missing: no such file or directory" in err(cli("create", "-b", str(tmp_path / "missing"), "x"))
    assert "JSON specification file config.json not found" in err(cli("create", "-b", bundle.dir, "x"))
    (tmp_path / "bundle" / "config.json").write_text("{not json")
    assert "invalid JSON" in err(cli("create", "-b", bundle.dir, "x"))
    bundle.write([])
    assert "args must not be empty" in err(cli("create", "-b", bundle.dir, "x"))
    bundle.write(["no-such-program"])
    assert "executable file not found" in err(cli("run", "-b", bundle.dir, "x"))
    assert not os.path.isdir(cli.root) or os.listdir(cli.root) == []

    bundle.write(["sleep", "100"])
    cli.detached("create", "-b", bundle.dir, "dup")
    res, _ = cli.detached("create", "-b", bundle.dir, "dup")
    assert res.returncode == 1 and "container with given ID already exists" in res.stderr
    assert cli.state("dup")["status"] == "created"  # the first one is untouched


def test_bundle_through_a_symlink_records_the_real_path(cli, bundle, tmp_path):
    bundle.write(["true"])
    os.symlink(bundle.dir, tmp_path / "link")
    res, _ = cli.detached("create", "-b", str(tmp_path / "link"), "s1")
    assert res.returncode == 0, res.stderr
    assert cli.state("s1")["bundle"] == os.path.realpath(bundle.dir)


def test_log_file_in_json_format(cli, tmp_path):
    log = tmp_path / "log.json"
    res = cli("state", "nope", glob=("--log", str(log), "--log-format", "json"))
    assert res.returncode == 1
    assert res.stderr == "container does not exist\n"  # plain on stderr when the log is a file
    line = json.loads(log.read_text().splitlines()[-1])
    assert set(line) == {"level", "msg", "time"}
    assert line["level"] == "error" and line["msg"] == "container does not exist"
    assert line["time"][:4].isdigit() and "T" in line["time"]
    res = cli("state", "nope", glob=("--log-format", "json"))
    assert json.loads(res.stderr)["msg"] == "container does not exist"
    assert "invalid log-format: xml" in cli("state", "x", glob=("--log-format", "xml")).stderr


# --------------------------------------------------------------------------- spec, features, checkpoint


def test_spec_writes_the_example_once(cli, tmp_path):
    d = tmp_path / "specdir"
    d.mkdir()
    cli("spec", "--bundle", str(d), check=0)
    assert json.loads((d / "config.json").read_text()) == example_spec()
    assert "File config.json exists. Remove it first" in cli("spec", "-b", str(d), check=1).stderr
    r = tmp_path / "rootless"
    r.mkdir()
    cli("spec", "--rootless", "-b", str(r), check=0)
    spec = json.loads((r / "config.json").read_text())
    assert {"type": "user"} in spec["linux"]["namespaces"] and spec["linux"]["uidMappings"]


def test_features_and_version(cli):
    feat = json.loads(cli("features", check=0).stdout)
    assert feat["ociVersionMin"] == "1.0.0" and feat["ociVersionMax"].startswith("1.")
    assert "poststop" in feat["hooks"] and "bind" in feat["mountOptions"]
    assert "pid" in feat["linux"]["namespaces"] and "CAP_SYS_ADMIN" in feat["linux"]["capabilities"]
    assert "cgroupfs" in feat["annotations"]["io.github.libcontainer.plugins.cgroups"].split(",")
    assert "criu" in feat["annotations"]["io.github.libcontainer.plugins.checkpoint"].split(",")
    out = cli("--version", check=0).stdout
    assert out.startswith("pyrunc version ") and "spec: 1." in out
    assert "create" in cli("--help", check=0).stdout


def test_checkpoint_and_restore_say_no_backend_is_built(cli, bundle, tmp_path):
    bundle.write(["sleep", "100"])
    cli.detached("run", "-d", "-b", bundle.dir, "ck")
    res = cli("checkpoint", "--image-path", str(tmp_path / "img"), "--leave-running", "--tcp-established", "ck", check=1)
    assert "checkpoint/restore is not available" in res.stderr and "not implemented" in res.stderr
    assert cli.state("ck")["status"] == "running"
    res = cli("restore", "-b", bundle.dir, "--image-path", str(tmp_path / "img"), "ck2", check=1)
    assert "not implemented" in res.stderr
    assert "ck2" not in os.listdir(cli.root)
    assert "Invalid manage cgroups mode" in cli("checkpoint", "--manage-cgroups-mode", "bad", "ck", check=1).stderr


# --------------------------------------------------------------------------- import budget

_PROBE = """
import sys
from libcontainer.cli.main import main
rc = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('marshmallow', 'pluggy', 'stevedore'))
sys.stderr.write('\\nHEAVY=' + ','.join(heavy) + '\\n')
sys.exit(rc)
"""


def _heavy(cli, *args):
    res = subprocess.run([sys.executable, "-c", _PROBE, "--root", cli.root, *args], stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return set(filter(None, res.stderr.rsplit("HEAVY=", 1)[1].strip().split(",")))


def test_hot_commands_do_not_import_marshmallow_pluggy_or_stevedore(cli, bundle):
    bundle.write(["sleep", "100"])
    res, _ = cli.detached("create", "-b", bundle.dir, "h1")
    assert res.returncode == 0, res.stderr
    for args in (("state", "h1"), ("list",), ("list", "-f", "json"), ("ps", "-f", "json", "h1"),
                 ("ps", "h1"), ("start", "h1"), ("kill", "h1", "0")):
        assert _heavy(cli, *args) == set(), args
    # pause/resume need the cgroup backend (pluggy, stevedore) but not the Config schemas
    for args in (("pause", "h1"), ("resume", "h1")):
        assert not {m for m in _heavy(cli, *args) if m.startswith("marshmallow")}, args
    assert _heavy(cli, "kill", "h1", "KILL") == set()
    _wait_stopped(cli, "h1")
    assert not {m for m in _heavy(cli, "delete", "h1") if m.startswith("marshmallow")}
    assert not os.path.exists(os.path.join(cli.root, "h1"))
