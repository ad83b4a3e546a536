"""The plugin machinery, proven through a real third-party distribution (tests/example_plugin).

The example plugin is pip-installed into the running interpreter if it is not there yet (the
Makefile installs it too), so these tests exercise exactly what an outside plugin gets:
its entry points discovered by stevedore, its module registered in pluggy, its hooks called.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from libcontainer import plugins
from libcontainer.errors import NotBuiltError, PluginError

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "example_plugin"
DIST = "libcontainer-example-plugin"


@pytest.fixture(scope="session", autouse=True)
def example_plugin():
    """Install the example distribution (no deps, no isolation) unless already installed."""
    try:
        importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps",
             "--no-build-isolation", str(EXAMPLE_DIR)],
            check=True,
        )
    plugins.reset()  # stevedore caches entry points in memory per sys.path
    yield
    plugins.reset()


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.delenv(plugins.ENV_BLOCK, raising=False)
    plugins.reset()
    import libcontainer_example

    libcontainer_example.CALLS.clear()
    yield libcontainer_example


def cgroup(**kw):
    base = {"name": "c1", "parent": "", "path": "", "systemd": False, "resources": None}
    return types.SimpleNamespace(**{**base, **kw})


def test_example_cgroup_driver_selected_by_name(fresh):
    manager = plugins.cgroup_manager(cgroup(), driver="example")
    assert type(manager).__name__ == "ExampleManager"
    assert manager.driver == "example"
    manager.apply(1234)
    assert manager.get_pids() == [1234]
    assert [c[0] for c in fresh.CALLS] == ["new", "apply"]
    # persisted paths come back to the plugin unchanged
    again = plugins.cgroup_manager(cgroup(), driver="example", paths={"": "/x"})
    assert again.get_paths() == {"": "/x"}


def test_example_network_and_shared_module(fresh):
    manager = plugins.cgroup_manager(cgroup(), driver="example")
    strategy = plugins.network_strategy("example")
    strategy.create(types.SimpleNamespace(name="eth0"), 42)
    assert ("network.create", ["eth0", 42]) in fresh.CALLS
    assert manager is not None  # one module in two namespaces is registered once


def test_example_log_file(fresh, tmp_path, monkeypatch):
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("LIBCONTAINER_EXAMPLE_LOG", str(log))
    plugins.cgroup_manager(cgroup(name="logged"), driver="example").destroy()
    text = log.read_text()
    assert '"call": "new"' in text and '"call": "destroy"' in text


def test_installed_lists_example_and_core():
    found = plugins.installed()
    assert set(found) == set(plugins.NAMESPACES)
    assert "example" in found[plugins.CGROUPS]
    assert "example" in found[plugins.NETWORK]
    assert {"loopback", "veth"} <= set(found[plugins.NETWORK])
    assert "libseccomp" in found[plugins.SECCOMP]


@pytest.mark.parametrize(
    "entry", ["example", "cgroups:example", "libcontainer.cgroups:example", " x , example "]
)
def test_blocked_by_env(monkeypatch, entry):
    monkeypatch.setenv(plugins.ENV_BLOCK, entry)
    with pytest.raises(PluginError, match=plugins.ENV_BLOCK) as info:
        plugins.cgroup_manager(cgroup(), driver="example")
    assert "'example'" in str(info.value) and "blocked" in str(info.value)


def test_block_is_per_namespace(monkeypatch):
    monkeypatch.setenv(plugins.ENV_BLOCK, "cgroups:example")
    assert plugins.blocked() == {"cgroups:example"}
    assert plugins.network_strategy("example") is not None
    with pytest.raises(PluginError, match="blocked"):
        plugins.cgroup_manager(cgroup(), driver="example")


def test_blocked_still_listed_as_installed(monkeypatch):
    monkeypatch.setenv(plugins.ENV_BLOCK, "example")
    assert "example" in plugins.installed()[plugins.CGROUPS]


def test_missing_name_lists_installed():
    with pytest.raises(PluginError) as info:
        plugins.cgroup_manager(cgroup(), driver="no-such-driver")
    text = str(info.value)
    assert "'no-such-driver'" in text and "libcontainer.cgroups" in text
    for name in plugins.installed()[plugins.CGROUPS]:
        assert name in text
    with pytest.raises(PluginError, match="installed: .*example"):
        plugins.network_strategy("nope")


def test_not_built_backends_say_so():
    found = plugins.installed()
    cases = [
        (plugins.CGROUPS, "systemd", lambda: plugins.cgroup_manager(cgroup(), driver="systemd")),
        (plugins.CHECKPOINT, "criu", lambda: plugins.checkpoint_backend("criu")),
        (plugins.INTELRDT, "resctrl", lambda: plugins.intelrdt_manager(None, "c1", None)),
    ]
    ran = 0
    for namespace, name, call in cases:
        if name not in found[namespace]:
            continue
        with pytest.raises(NotBuiltError, match=f"'{name}' is installed but not implemented"):
            call()
        ran += 1
    if not ran:
        pytest.skip("no plugins/<name> distribution installed")


MOUNTINFO_V2 = """\
24 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw
30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
"""
MOUNTINFO_HYBRID = """\
24 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
# A cgroup2 mount later covered by a tmpfs: the topmost mount decides.
MOUNTINFO_OVERMOUNTED = MOUNTINFO_V2 + "50 30 0:40 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"


@pytest.mark.parametrize(
    ("mountinfo", "systemd", "expected"),
    [
        (MOUNTINFO_V2, False, "fs2"),
        (MOUNTINFO_HYBRID, False, "cgroupfs"),
        (MOUNTINFO_OVERMOUNTED, False, "cgroupfs"),
        ("", False, "cgroupfs"),
        (MOUNTINFO_V2, True, "systemd"),
        (MOUNTINFO_HYBRID, True, "systemd"),
    ],
)
def test_pick_cgroup_driver(mountinfo, systemd, expected):
    assert plugins.pick_cgroup_driver(cgroup(systemd=systemd), mountinfo=mountinfo) == expected


def test_auto_pick_agrees_with_mountinfo():
    with open("/proc/self/mountinfo") as f:
        text = f.read()
    assert plugins.is_cgroup2_unified() == plugins.is_cgroup2_unified(text)


def test_auto_pick_used_when_driver_is_none(monkeypatch):
    seen = []
    monkeypatch.setattr(plugins, "pick_cgroup_driver", lambda cg: seen.append(cg) or "example")
    manager = plugins.cgroup_manager(cgroup(), driver=None)
    assert manager.driver == "example" and len(seen) == 1


def test_features_merges_plugins():
    merged = plugins.features()
    assert merged["annotations"]["org.example.libcontainer-plugin"] == "example"


def test_hook_answer_none_is_an_error():
    with pytest.raises(PluginError, match="returned nothing"):
        plugins._call(plugins.CGROUPS, "example", "libcontainer_cgroup_manager",
                      driver="other", cgroup=cgroup(), paths=None)


def test_imports_stay_cheap():
    code = (
        "import sys, libcontainer.plugins, libcontainer.network, libcontainer.seccomp\n"
        "bad = {'pluggy', 'stevedore', 'pyroute2', 'pyseccomp'} & set(sys.modules)\n"
        "assert not bad, bad\n"
        "import libcontainer.hookspecs\n"
        "bad = {'stevedore', 'pyroute2', 'pyseccomp'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# ---- selecting a backend without pluggy ------------------------------------------------------


def _run(code: str) -> None:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_selecting_a_backend_does_not_import_pluggy():
    """Plain marks are called directly; pluggy comes with the first hook that needs it."""
    _run("from libcontainer import plugins; plugins._groups()")  # a first scan may need stevedore
    _run(
        "import sys, types\n"
        "from libcontainer import plugins\n"
        "cg = types.SimpleNamespace(name='c1', parent='', path='', systemd=False, resources=None)\n"
        "m = plugins.cgroup_manager(cg, driver='example')\n"
        "assert type(m).__name__ == 'ExampleManager', m\n"
        "assert plugins.network_strategy('example') is not None\n"
        "assert plugins.network_strategy('loopback').name == 'loopback'\n"
        "bad = {'pluggy', 'stevedore', 'ctypes'} & set(sys.modules)\n"
        "assert not bad, bad\n"
        "plugins.is_cgroup2_unified()\n"
        "assert 'ctypes' not in sys.modules\n"
        "plugins.features()\n"
        "assert 'pluggy' in sys.modules\n"
    )


def test_direct_call_is_the_pluggy_call(fresh):
    kwargs = {"driver": "example", "cgroup": cgroup(name="same"), "paths": None}
    direct = plugins._call(plugins.CGROUPS, "example", "libcontainer_cgroup_manager", **kwargs)
    assert plugins._pm is None  # no PluginManager was needed
    through = plugins._call_pluggy(plugins.CGROUPS, "example", "libcontainer_cgroup_manager", kwargs)
    assert type(direct) is type(through) and direct.get_paths() == through.get_paths()
    assert [c[0] for c in fresh.CALLS] == ["new", "new"]


def _fake(namespace: str, name: str, **attrs) -> types.ModuleType:
    """A backend module served from the loaded-plugin table, as if an entry point named it."""
    module = types.ModuleType(f"fake_{name}")
    for key, value in attrs.items():
        setattr(module, key, value)
    plugins._loaded[f"{namespace}:{name}"] = module
    return module


def test_marks_only_pluggy_can_honour_go_through_pluggy():
    from libcontainer.hookspecs import hookimpl

    @hookimpl(specname="libcontainer_network_strategy")
    def inner(network_type):
        return f"inner:{network_type}"

    @hookimpl(wrapper=True)
    def libcontainer_network_strategy(network_type):
        result = yield
        return ("wrapped", result)

    _fake(plugins.NETWORK, "wrapping", inner=inner,
          libcontainer_network_strategy=libcontainer_network_strategy)
    assert plugins._call(plugins.NETWORK, "wrapping", "libcontainer_network_strategy",
                         network_type="x") == ("wrapped", "inner:x")
    assert plugins._pm is not None  # pluggy ran the wrapper


def test_pluggy_still_judges_a_bad_signature():
    from libcontainer.hookspecs import hookimpl

    @hookimpl
    def libcontainer_network_strategy(network_type, surprise):
        return object()

    _fake(plugins.NETWORK, "bad", libcontainer_network_strategy=libcontainer_network_strategy)
    with pytest.raises(PluginError, match="(?s)not a valid libcontainer plugin.*surprise"):
        plugins.network_strategy("bad")


def test_missing_hook_and_fewer_arguments():
    from libcontainer.hookspecs import hookimpl

    @hookimpl
    def libcontainer_network_strategy():  # pluggy passes only what an implementation takes
        return "none needed"

    _fake(plugins.NETWORK, "few", libcontainer_network_strategy=libcontainer_network_strategy)
    assert plugins.network_strategy("few") == "none needed"
    assert plugins._pm is None
    with pytest.raises(PluginError, match=r"'few' .* does not implement libcontainer_cgroup_manager\(\)"):
        plugins._call(plugins.NETWORK, "few", "libcontainer_cgroup_manager",
                      driver="few", cgroup=None, paths=None)


def test_markers_write_what_pluggys_write():
    import pluggy

    from libcontainer import hookspecs

    options = [{}, {"tryfirst": True, "specname": "x"}, {"wrapper": True}, {"hookwrapper": True, "trylast": True}]
    for opts in options:
        def a():
            pass

        def b():
            pass

        pluggy.HookimplMarker(hookspecs.PROJECT)(**opts)(a)
        hookspecs.hookimpl(**opts)(b)
        assert a.libcontainer_impl == b.libcontainer_impl
    for opts in [{}, {"firstresult": True}, {"historic": True}]:
        def c():
            pass

        def d():
            pass

        pluggy.HookspecMarker(hookspecs.PROJECT)(**opts)(c)
        hookspecs.hookspec(**opts)(d)
        assert c.libcontainer_spec == d.libcontainer_spec


@pytest.mark.parametrize("path", ["/sys/fs/cgroup", "/proc", "/", "/dev"])
def test_device_fstype_is_statfs(path):
    magic = plugins._statfs_type(path)
    name = plugins._device_fstype(path)
    known = {"cgroup2": plugins.CGROUP2_SUPER_MAGIC, "proc": 0x9FA0, "tmpfs": 0x01021994,
             "sysfs": 0x62656572, "cgroup": 0x27E0EB, "devtmpfs": 0x01021994}
    if name in known and magic is not None:
        assert known[name] == magic, (path, name, hex(magic))


def test_entry_point_files_are_globs():
    import glob

    for entry in ["", *sys.path, "/nonexistent", EXAMPLE_DIR.parent.as_posix()]:
        for suffix in (".dist-info", ".egg-info"):
            assert list(plugins._entry_point_files(entry, suffix)) == list(
                glob.iglob(os.path.join(entry, "*" + suffix, "entry_points.txt")))


def test_a_hook_that_is_not_firstresult_stays_pluggys():
    answer = plugins._call(plugins.CGROUPS, "example", "libcontainer_features")
    assert answer == [{"annotations": {"org.example.libcontainer-plugin": "example"}}]  # pluggy's list
    assert plugins._pm is not None
