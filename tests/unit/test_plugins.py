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
