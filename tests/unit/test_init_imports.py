"""What the runtime imports to clone an init, and the stand-ins that keep it that small.

The init's modules are imported by every ``pyrunc create``/``run`` (the parent clones the
child from itself). traceback, logging, subprocess, socket, ctypes and shutil cost such a
process 3-12 ms each, and the busybox spec needs none of them in the parent: each is
imported where and when a config needs it, or replaced by a few lines that behave as the
library function did (checked here against the library function itself).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import types

import pytest

#: Never imported by the runtime just to clone an init for the busybox spec (``re`` is:
#: json's decoder imports it, and the sync channel speaks JSON).
HEAVY = ("traceback", "logging", "subprocess", "socket", "ctypes", "shutil", "dataclasses", "pluggy")


def _modules_after(code: str) -> set[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         check=True, env=env, capture_output=True, text=True)
    return set(out.stdout.split())


def test_the_init_leaves_hooks_and_the_finisher_to_the_configs_using_them():
    """A run without hooks has no exec FIFO either: its init imports neither (standard.py
    imports them first thing when needed, before a join by path could change its view)."""
    mods = _modules_after("import libcontainer.init.standard")
    assert "libcontainer.init.standard" in mods
    assert not mods & {"libcontainer.hooks", "libcontainer.init.finisher"}


def test_init_modules_import_none_of_the_heavy_ones():
    mods = _modules_after(
        "import libcontainer.init.standard, libcontainer.init.setns_init, libcontainer.init.sync\n"
        "import libcontainer.console, libcontainer.hooks, libcontainer.rootfs.cgroupmount\n"
        "import libcontainer.capabilities, libcontainer.user, libcontainer.lsm")
    assert not {m for m in mods if m.split(".")[0] in HEAVY}


def test_converting_the_example_spec_imports_no_logging_or_re():
    mods = _modules_after(
        "from libcontainer.specconv import create_config, example_spec\n"
        "spec = example_spec()\n"
        "spec['linux']['cgroupsPath'] = 'lean'\n"
        "create_config(spec, container_id='lean')")
    assert not {m for m in mods if m.split(".")[0] in ("logging", "re", "traceback")}


def test_a_spec_warning_still_reaches_logging(caplog):
    from libcontainer.specconv import _fields as F

    with caplog.at_level("WARNING", logger="libcontainer.specconv"):
        F.warn_unknown({"bogus": 1}, (), "process")
        F.log.warning("direct")
    assert "process.bogus: unknown field, ignored" in caplog.text and "direct" in caplog.text


def test_mountinfo_unescape_is_the_regex():
    from libcontainer.rootfs.mountinfo import _unescape

    octal = re.compile(r"\\([0-7]{3})")
    rng = random.Random(8)
    alphabet = ["\\", "0", "1", "4", "7", "8", "a", " "]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert _unescape(text) == octal.sub(lambda m: chr(int(m.group(1), 8)), text), text
    assert _unescape(r"/mnt/a\040b\134c") == "/mnt/a b\\c"


@pytest.mark.parametrize("cmd", ["sh", "ls", "no-such-program", "tmp"])
@pytest.mark.parametrize("path", ["/usr/bin:/bin", "", "::", "/tmp:/usr/local/bin:/bin", "/bin:/bin", "rel:/bin"])
def test_which_is_shutils(cmd, path):
    from libcontainer.init.process_setup import _which

    assert _which(cmd, path) == shutil.which(cmd, path=path)


def test_channel_carries_descriptors_close_on_exec():
    from libcontainer.init.sync import Channel

    a, b = Channel.pair()
    r, w = os.pipe()
    try:
        assert not os.get_inheritable(a.fileno()) and not os.get_inheritable(b.fileno())
        a.send_fds("join", [r, w], n=2)
        a.send("go")
        assert b.recv() == {"n": 2, "type": "join"}
        got = b.take_fds()
        assert len(got) == 2 and not any(os.get_inheritable(fd) for fd in got)
        os.write(w, b"x")
        assert os.read(got[0], 1) == b"x"  # the same pipe, arrived as a new descriptor
        assert b.expect("go") == {"type": "go"}
        for fd in got:
            os.close(fd)
        a.close()
        assert b.recv() is None
    finally:
        os.close(r)
        os.close(w)
        b.close()


def test_capability_warning_without_logging_writes_what_logging_would(monkeypatch, capsys):
    from libcontainer import capabilities

    monkeypatch.delitem(sys.modules, "logging", raising=False)
    monkeypatch.delitem(sys.modules, "libcontainer.cli.log", raising=False)
    capabilities._warn("can't clear ambient capabilities: %s", "EINVAL")
    assert capsys.readouterr().err == "can't clear ambient capabilities: EINVAL\n"
    assert "logging" not in sys.modules  # nothing was imported for it


def test_capability_warning_goes_to_logging_when_it_is_there(caplog):
    import logging

    from libcontainer import capabilities

    with caplog.at_level(logging.WARNING, logger="libcontainer.capabilities"):
        capabilities._warn("ignoring %s", "CAP_X")
    assert "ignoring CAP_X" in caplog.text


def test_init_hooks_load_the_runner_only_for_hooks_after_pivot_root():
    code = (
        "import sys, types\n"
        "from libcontainer import hooks\n"
        "from libcontainer.configs.hooks import Command, Hooks\n"
        "proc = types.SimpleNamespace(env=[])\n"
        "plain = types.SimpleNamespace(hooks=None, labels=[])\n"
        "hooks.InitHooks(None, plain, proc, 'c')\n"
        "assert 'subprocess' not in sys.modules and 'json' not in sys.modules\n"
        "late = types.SimpleNamespace(hooks=Hooks(), labels=[])\n"
        "late.hooks.start_container = [Command(path='/bin/true')]\n"
        "hooks.InitHooks(None, late, proc, 'c')\n"
    )
    mods = _modules_after(code)
    assert {"subprocess", "json"} <= mods


def test_error_report_without_traceback_matches_traceback():
    code = (
        "import sys\n"
        "def fail():\n"
        "    raise ValueError('boom')\n"
        "try:\n"
        "    fail()\n"
        "except BaseException:\n"
        "    try:\n"
        "        raise OSError(32, 'Broken pipe')\n"
        "    except OSError:\n"
        "        if sys.argv[1] == 'hook':\n"
        "            sys.__excepthook__(*sys.exc_info())\n"
        "        else:\n"
        "            import traceback\n"
        "            traceback.print_exc()\n"
    )
    outs = [subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True).stderr
            for how in ("hook", "traceback")]
    assert outs[0] == outs[1] and "During handling of the above exception" in outs[0]


def test_fstype_asks_the_native_module_never_ctypes():
    mods = _modules_after("from libcontainer.rootfs import fstype, pivot\n"
                          "fstype.load()\n"
                          "assert fstype.magic_of_path('/proc') == fstype.PROC_SUPER_MAGIC\n"
                          "assert fstype.magic_of_path('/sys') == fstype.SYSFS_MAGIC\n")
    assert "ctypes" not in mods


def test_fstype_falls_back_to_ctypes_without_the_native_call(monkeypatch):
    from libcontainer.rootfs import fstype

    monkeypatch.setattr(fstype, "_native", None)
    assert isinstance(fstype.load(), types.ModuleType)
    assert fstype.magic_of_path("/proc") == fstype.PROC_SUPER_MAGIC


def test_the_init_preloads_what_its_config_needs_later():
    """namespaces_setup.preload, the init's first step: what this config will import lazily."""
    code = (
        "import sys, types\n"
        "from libcontainer.init import namespaces_setup\n"
        "from libcontainer.configs.hooks import Command, Hooks\n"
        "from libcontainer.configs.mount import EXT_COPYUP\n"
        "plain = types.SimpleNamespace(mounts=[], hooks=None)\n"
        "namespaces_setup.preload(plain)\n"
        "assert not {'ctypes', 'shutil', 'subprocess', 'json', 'libcontainer.rootfs.cgroupmount'} & set(sys.modules)\n"
        "hooks = Hooks()\n"
        "hooks.create_container = [Command(path='/bin/true')]\n"
        "full = types.SimpleNamespace(hooks=hooks, mounts=[\n"
        "    types.SimpleNamespace(device='tmpfs', extensions=EXT_COPYUP),\n"
        "    types.SimpleNamespace(device='cgroup', extensions=0)])\n"
        "namespaces_setup.preload(full)\n"
    )
    assert {"shutil", "subprocess", "json", "libcontainer.rootfs.cgroupmount"} <= _modules_after(code)


def test_the_runtime_clones_before_loading_the_rootfs_code():
    """init_process (and the console it passes along) import none of the init's own code
    (rootfs, process setup, users, the hooks runner): the init imports it itself, right after
    the clone, while the runtime sets up its cgroups."""
    mods = _modules_after("import libcontainer.init_process, libcontainer.console, libcontainer.container")
    assert not {m for m in mods if m == "libcontainer.rootfs" or m.startswith("libcontainer.rootfs.")}
    assert not {"libcontainer.init.standard", "libcontainer.init.process_setup", "libcontainer.hooks",
                "libcontainer.user", "libcontainer.userns"} & mods


def test_fs2_manager_imports_no_controller_until_it_sets_or_reads_one():
    """`pyrunc delete`/`kill`/`state` on a cgroup v2 host: the manager, the freezer, no limits."""
    mods = _modules_after("import libcontainer_fs2.manager")
    loaded = {m for m in mods if m.startswith("libcontainer_fs2.")}
    assert loaded <= {"libcontainer_fs2.manager", "libcontainer_fs2.freezer", "libcontainer_fs2.fscommon",
                      "libcontainer_fs2.paths"}, loaded
