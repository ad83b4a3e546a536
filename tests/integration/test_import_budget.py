"""Which heavy modules each pyrunc command and the library's create/run import.

Not a timing test: an import-graph check. Importing marshmallow costs ~100 ms, pyroute2
~190 ms, stevedore + importlib.metadata ~40 ms -- each more than runc's whole lifecycle --
so a command that starts importing one it does not need fails here, whatever the
machine's speed. The commands run against a real container (checked from outside too:
its init is alive in /proc between the calls).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from test_cli import bundle, cli  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration

#: Never on a command's path for a config without veth networks, D-Bus or seccomp.
NEVER = {"marshmallow", "libcontainer.schemas", "pyroute2", "stevedore", "importlib.metadata",
         "pyseccomp", "dbus", "jeepney"}
#: Commands that need no backend at all also stay without pluggy.
NO_BACKEND = NEVER | {"pluggy"}
#: What the hot commands on a container without hooks do without (each costs a fresh
#: process 5-60 ms): logging (the CLI writes its own log lines), the spec conversion,
#: the config model (dataclasses, typing, inspect), the hooks runner, subprocess, ctypes.
#: `re` and `enum`: see test_hot_commands_parse_without_argparse_re_or_json_decoder.
LEAN = {"logging", "libcontainer.specconv", "libcontainer.configs", "libcontainer.hooks",
        "dataclasses", "subprocess", "ctypes"}
#: The CLI's own modules every command loads; any other is a command's, imported on dispatch.
CLI_CORE = {"libcontainer.cli", "libcontainer.cli.main", "libcontainer.cli.common", "libcontainer.cli.log",
            "libcontainer.cli.fastargs"}
#: What parsing argv and JSON costs when done with argparse and json (~25 ms): fastargs
#: and jsonfast do it for the hot commands without argparse (gettext, locale) and
#: without json's decoder, scanner and encoder (the re-based modules around _json).
PARSING = {"argparse", "gettext", "json.decoder", "json.scanner", "json.encoder"}
#: re and enum: neither the CLI's parsing nor its JSON needs them any more.
NO_RE_ENUM = {"re", "enum"}
#: create/run/exec without a terminal: no termios (cli/tty imports it for a terminal only),
#: no deepcopy of the spec's process for exec, no operator.py (record uses _operator).
NO_TTY_COPY = {"termios", "tty", "copy", "operator"}

#: Runs pyrunc and writes the names of the modules it imported, one a line (not JSON:
#: the wrapper must not import json itself).
_WRAPPER = r"""
import atexit, os, sys
def _report():
    with open(os.environ["IMPORT_REPORT"], "w") as f:
        f.write("\n".join(sorted(sys.modules)))
atexit.register(_report)
sys.argv = ["pyrunc"] + sys.argv[1:]
from libcontainer.cli.main import main
sys.exit(main())
"""


def _warm_entry_point_cache() -> None:
    """The entry-point cache is written once per sys.path; the first process may scan."""
    subprocess.run([sys.executable, "-c", "from libcontainer import plugins; plugins._groups()"], check=True)


def _imports(cli, tmp_path, *args) -> set[str]:  # noqa: F811 - a Cli, not the fixture
    report = tmp_path / "imports.json"
    if report.exists():
        report.unlink()
    out = tmp_path / "out.txt"
    with open(out, "w") as f:  # create/run leave the init holding stdio: files, not pipes
        res = subprocess.run([sys.executable, "-c", _WRAPPER, "--root", cli.root, *args],
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT,
                             env={**os.environ, "IMPORT_REPORT": str(report)}, timeout=60)
    assert res.returncode == 0, (args, out.read_text())
    return set(report.read_text().split())


def _heavy(mods: set[str], budget: set[str]) -> set[str]:
    return {m for m in mods if m in budget or m.split(".")[0] in budget
            or any(m.startswith(b + ".") for b in budget)}


def _commands(mods: set[str]) -> set[str]:
    """The CLI command modules a process imported."""
    return {m for m in mods if m.startswith("libcontainer.cli.") and m not in CLI_CORE}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_cli_commands_import_only_what_they_need(cli, bundle, tmp_path):  # noqa: F811
    _warm_entry_point_cache()
    bundle.write(["sleep", "30"])
    b = ["--bundle", bundle.dir]
    assert not _heavy(_imports(cli, tmp_path, "--version"), NO_BACKEND)
    assert not _heavy(_imports(cli, tmp_path, "create", *b, "budget"), NEVER | NO_TTY_COPY)
    state = json.loads(cli("state", "budget", check=0).stdout)
    assert _alive(state["pid"])  # a real container, seen from outside
    assert not _heavy(_imports(cli, tmp_path, "state", "budget"), NO_BACKEND)
    assert not _heavy(_imports(cli, tmp_path, "list"), NO_BACKEND)
    assert not _heavy(_imports(cli, tmp_path, "start", "budget"), NO_BACKEND)
    assert not _heavy(_imports(cli, tmp_path, "exec", "budget", "/bin/true"), NEVER | NO_TTY_COPY)
    assert not _heavy(_imports(cli, tmp_path, "ps", "budget"), NEVER)
    assert not _heavy(_imports(cli, tmp_path, "kill", "budget", "KILL"), NO_BACKEND)
    assert not _heavy(_imports(cli, tmp_path, "delete", "-f", "budget"), NEVER)
    assert not os.path.exists(f"/proc/{state['pid']}") or not _alive(state["pid"])
    bundle.write(["/bin/true"])
    assert not _heavy(_imports(cli, tmp_path, "run", *b, "budget2"), NEVER | NO_TTY_COPY)


def test_hot_commands_stay_lean(cli, bundle, tmp_path):  # noqa: F811
    """state/start/kill/list: no logging, specconv, configs or hooks; only their own module."""
    _warm_entry_point_cache()
    bundle.write(["sleep", "30"])
    b = ["--bundle", bundle.dir]
    version = _imports(cli, tmp_path, "--version")
    assert not _heavy(version, NO_BACKEND | LEAN)
    assert not _commands(version)  # no command module at all for --version
    assert not _heavy(_imports(cli, tmp_path, "create", *b, "lean"), NEVER)
    pid = cli.state("lean")["pid"]
    assert _alive(pid)
    state = _imports(cli, tmp_path, "state", "lean")
    assert not _heavy(state, NO_BACKEND | LEAN)
    assert _commands(state) <= {"libcontainer.cli.state_list", "libcontainer.cli.saved"}
    listed = _imports(cli, tmp_path, "list")
    assert not _heavy(listed, NO_BACKEND | LEAN)
    assert _commands(listed) <= {"libcontainer.cli.state_list", "libcontainer.cli.saved"}
    start = _imports(cli, tmp_path, "start", "lean")
    assert not _heavy(start, NO_BACKEND | LEAN)
    assert cli.state("lean")["status"] == "running" and _alive(pid)
    ps = _imports(cli, tmp_path, "ps", "lean")
    assert not _heavy(ps, NO_BACKEND | LEAN | NO_RE_ENUM)  # ps(1) through posix_spawnp
    kill = _imports(cli, tmp_path, "kill", "lean", "KILL")
    assert not _heavy(kill, NO_BACKEND | LEAN)
    assert "libcontainer.cli.events" not in kill and "libcontainer.cli.exec_cmd" not in kill
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _alive(pid)  # the kill reached the real init
    # delete needs the cgroup backend (pluggy) but not the config model nor logging
    assert not _heavy(_imports(cli, tmp_path, "delete", "lean"), NEVER | {
        "logging", "libcontainer.specconv", "libcontainer.configs", "libcontainer.hooks"})
    assert not os.path.exists(os.path.join(cli.root, "lean"))


def test_delete_force_waits_without_sleeping(cli, bundle, tmp_path):  # noqa: F811
    """delete -f waits for the init on a pidfd: no time.sleep call, and the init is gone."""
    bundle.write(["sleep", "30"])
    res, _ = cli.detached("run", "-d", "--bundle", bundle.dir, "df")
    assert res.returncode == 0, res.stderr
    pid = cli.state("df")["pid"]
    assert _alive(pid)
    code = ("import sys, time; slept = []; real = time.sleep\n"
            "time.sleep = lambda s: (slept.append(s), real(s))\n"
            "from libcontainer.cli.main import main\n"
            f"rc = main(['--root', {cli.root!r}, 'delete', '-f', 'df'])\n"
            "print(slept); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert not _alive(pid)
    assert not os.path.exists(os.path.join(cli.root, "df"))


def test_the_check_sees_an_import(cli, tmp_path):  # noqa: F811
    """The budget can fail: a command that loads a backend shows pluggy."""
    _warm_entry_point_cache()
    mods = _imports(cli, tmp_path, "features")
    assert "pluggy" in mods


_LIBRARY = r"""
import json, sys
from libcontainer import Factory, Process
from libcontainer.specconv import create_config, example_spec
spec = example_spec()
spec["root"] = {"path": sys.argv[2], "readonly": False}
spec["linux"]["cgroupsPath"] = sys.argv[3]
f = Factory(sys.argv[1])
c = f.create("lib", create_config(spec, container_id="lib"))
p = Process(args=["/bin/true"], env=["PATH=/bin"])
c.run(p)
status = p.wait().code
c.destroy()
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def test_library_create_and_run_import_budget(rootfs, state_root, no_leaks):
    _warm_entry_point_cache()
    cg = f"pyrunc-budget-{os.getpid()}"
    res = subprocess.run([sys.executable, "-c", _LIBRARY, state_root, rootfs, cg],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["status"] == 0
    assert not _heavy(set(out["modules"]), NEVER)
    # the cgroup backend was loaded, straight from its entry point: no pluggy for that
    assert {"libcontainer_cgroupfs", "libcontainer_fs2"} & set(out["modules"])
    assert "pluggy" not in out["modules"]
    assert not os.listdir(state_root)


def test_hot_commands_parse_without_argparse_re_or_json_decoder(cli, bundle, tmp_path):  # noqa: F811
    """--version, state, list, start, kill, delete: no argparse and no json.decoder.

    No re or enum either: not where only the CLI's own code runs (--version, an empty
    root, a missing container), nor on a real container (the status and freezer states are
    plain string constants, libcontainer.consts).
    """
    _warm_entry_point_cache()
    bundle.write(["sleep", "30"])
    assert not _heavy(_imports(cli, tmp_path, "--version"), PARSING | NO_RE_ENUM)
    os.makedirs(cli.root, exist_ok=True)
    assert not _heavy(_imports(cli, tmp_path, "list"), PARSING | NO_RE_ENUM)
    report = tmp_path / "missing.txt"
    missing = subprocess.run([sys.executable, "-c", _WRAPPER, "--root", cli.root, "state", "nope"],
                             capture_output=True, text=True, env={**os.environ, "IMPORT_REPORT": str(report)})
    assert missing.returncode == 1 and "container does not exist" in missing.stderr
    assert not _heavy(set(report.read_text().split()), PARSING | NO_RE_ENUM)

    assert not _heavy(_imports(cli, tmp_path, "create", "--bundle", bundle.dir, "hot"), {"argparse", "gettext"})
    pid = cli.state("hot")["pid"]
    seen = {}
    for args in (("state", "hot"), ("list",), ("start", "hot"), ("kill", "hot", "KILL")):
        seen[args] = _imports(cli, tmp_path, *args)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _alive(pid)
    seen[("delete", "hot")] = _imports(cli, tmp_path, "delete", "hot")
    assert not os.path.exists(os.path.join(cli.root, "hot"))
    for args, mods in seen.items():
        assert not _heavy(mods, PARSING | NO_RE_ENUM), args


#: create/run of the busybox spec never import these: logging (the CLI writes its own log
#: lines), traceback (the init reports a failure with the interpreter's own printer),
#: pluggy (a backend's hook is called straight from the cached entry-point table).
CREATE_LEAN = {"traceback", "logging", "pluggy"}
#: Nor these, with or without the spec's network namespace: the init asks the native module
#: for fstatfs's f_type (no ctypes), the sync channel's socketpair and descriptor passing
#: are the native module's (no _socket: ~0.4 ms), the native init brings the loopback up
#: itself, and setns is the native module's.
CREATE_LEAN_STRICT = CREATE_LEAN | {"subprocess", "socket", "_socket", "ctypes", "shutil"} | {
    # no terminal: no console module (nor the struct it packs a window size with)
    "libcontainer.console", "struct",
    # nor the stdlib's costlier generic modules, nor an LSM module the config does not ask for
    "argparse", "re", "enum", "signal", "threading", "dataclasses", "typing", "inspect",
    "json.decoder", "collections", "warnings", "importlib", "libcontainer.lsm.apparmor",
    "libcontainer.lsm.selinux"}


def test_create_run_kill_delete_import_no_pluggy_logging_or_traceback(cli, bundle, tmp_path):  # noqa: F811
    _warm_entry_point_cache()
    b = ["--bundle", bundle.dir]

    def without_network(spec):
        spec["linux"]["namespaces"] = [n for n in spec["linux"]["namespaces"] if n["type"] != "network"]

    bundle.write(["sleep", "30"], mutate=without_network)
    assert not _heavy(_imports(cli, tmp_path, "create", *b, "nopl"), CREATE_LEAN_STRICT)
    pid = cli.state("nopl")["pid"]
    assert _alive(pid)
    assert "pluggy" not in _imports(cli, tmp_path, "kill", "nopl", "KILL")
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _alive(pid)  # the kill reached the real init
    assert "pluggy" not in _imports(cli, tmp_path, "delete", "nopl")  # the cgroup backend, directly
    assert not os.path.exists(os.path.join(cli.root, "nopl"))

    bundle.write(["/bin/true"], mutate=without_network)
    assert not _heavy(_imports(cli, tmp_path, "run", *b, "nopl-run"), CREATE_LEAN_STRICT)

    bundle.write(["sleep", "30"])  # the busybox spec as it is, loopback network included
    assert not _heavy(_imports(cli, tmp_path, "create", *b, "nopl-net"), CREATE_LEAN_STRICT)
    pid = cli.state("nopl-net")["pid"]
    assert _alive(pid)
    assert "pluggy" not in _imports(cli, tmp_path, "delete", "-f", "nopl-net")
    assert not _alive(pid) and not os.path.exists(os.path.join(cli.root, "nopl-net"))
    bundle.write(["/bin/true"])
    assert not _heavy(_imports(cli, tmp_path, "run", *b, "nopl-net-run"), CREATE_LEAN_STRICT)


#: The parts of the config model, its checks and the spec conversion that the busybox spec
#: has no use for (no seccomp, scheduler, I/O priority, personality, Intel RDT, time
#: offsets, id mappings, rootless EUID); each module costs a fresh process ~0.3-0.5 ms.
CONFIG_ABSENT_PARTS = {
    "libcontainer.configs.seccomp", "libcontainer.configs.scheduler", "libcontainer.configs.intelrdt",
    "libcontainer.configs.iopriority", "libcontainer.configs.personality", "libcontainer.configs.timeoffset",
    "libcontainer.configs.idmap", "libcontainer.configs.validate.seccomp", "libcontainer.configs.validate.rootless",
    "libcontainer.specconv.seccomp", "libcontainer.specconv.example", "math",
}
#: What `exec` converts is the process alone: none of the rest of specconv.
EXEC_ABSENT = CONFIG_ABSENT_PARTS | {
    "libcontainer.specconv.devices", "libcontainer.specconv.mounts", "libcontainer.specconv.namespaces",
    "libcontainer.specconv.resources", "libcontainer.specconv.constants", "libcontainer.configs.validate"}


def test_create_run_exec_import_only_the_config_parts_the_spec_has(cli, bundle, tmp_path, monkeypatch):  # noqa: F811
    _warm_entry_point_cache()
    b = ["--bundle", bundle.dir]
    bundle.write(["/bin/true"])
    run = _imports(cli, tmp_path, "run", *b, "parts-run")
    assert not _heavy(run, CONFIG_ABSENT_PARTS)
    # what the config does have is converted, checked and saved as before
    assert {"libcontainer.configs.config", "libcontainer.configs.validate.core",
            "libcontainer.configs.fastpath", "libcontainer.specconv.resources"} <= run
    bundle.write(["sleep", "30"])
    assert not _heavy(_imports(cli, tmp_path, "create", *b, "parts"), CONFIG_ABSENT_PARTS)
    pid = cli.state("parts")["pid"]
    assert _alive(pid)
    ran = _imports(cli, tmp_path, "exec", "parts", "/bin/true")
    assert not _heavy(ran, EXEC_ABSENT)
    # exec's native child is compiled from state.json's fields (cli/saved.py's ExecConfig):
    # no Config records, no cgroup backend; the Python child takes the whole Config
    assert not _heavy(ran, {"libcontainer.configs.config", "libcontainer.configs.fastpath",
                            "libcontainer.configs.fast_tables", "libcontainer.plugins", "libcontainer_cgroupfs"})
    assert "_socket" not in ran  # the sync channel is the native module's
    assert "libcontainer.init.plan" in ran
    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "0")
    assert "libcontainer.configs.config" in _imports(cli, tmp_path, "exec", "parts", "/bin/true")
    monkeypatch.delenv("LIBCONTAINER_NATIVE_INIT")
    assert not _heavy(_imports(cli, tmp_path, "delete", "-f", "parts"), {"libcontainer.configs"})
    assert not _alive(pid) and not os.path.exists(os.path.join(cli.root, "parts"))


def test_a_seccomp_profile_is_compiled_once(cli, bundle, tmp_path):  # noqa: F811
    """Engines send a profile with every container. The first create compiles it (libseccomp's
    binding, ctypes); a second container with the same profile and an exec into either load
    the kept program: no binding, no ctypes -- and exec not even the profile's converter."""
    pytest.importorskip("pyseccomp")
    _warm_entry_point_cache()
    profile = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
    bundle.write(["sleep", "30"], mutate=lambda spec: spec["linux"].__setitem__("seccomp", profile))
    b = ["--bundle", bundle.dir]
    first = _imports(cli, tmp_path, "create", *b, "sc-first")
    assert "pyseccomp" in first
    cli("delete", "-f", "sc-first", check=0)  # the bundle's cgroup is one container's
    second = _imports(cli, tmp_path, "create", *b, "sc-second")
    assert not _heavy(second, {"pyseccomp", "ctypes"})
    assert "libcontainer.specconv.seccomp" in second  # the profile is still converted and checked
    ran = _imports(cli, tmp_path, "exec", "sc-second", "/bin/true")
    assert not _heavy(ran, {"pyseccomp", "ctypes", "libcontainer.specconv.seccomp", "libcontainer.configs.config"})
    assert "libcontainer.init.plan" in ran
    with open(f"/proc/{cli.state('sc-second')['pid']}/status") as f:
        assert "Seccomp:\t2" in f.read()  # the created init waits filtered
    cli("delete", "-f", "sc-second", check=0)
