"""cgroupsPath parsing (cgroupfs and systemd), device rules and resource conversion details."""

from __future__ import annotations

import pytest

from libcontainer import configs
from libcontainer.errors import ConfigError
from libcontainer.specconv import create_config, example_spec, parse_cgroups_path
from libcontainer.specconv.resources import (
    clean_path,
    cpu_shares_to_weight,
    parse_property_value,
    systemd_properties,
)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("", {"name": "ctr", "parent": "", "path": "", "scope_prefix": ""}),
        ("/a/b", {"name": "", "parent": "", "path": "/a/b", "scope_prefix": ""}),
        ("/a/../../b/", {"name": "", "parent": "", "path": "/b", "scope_prefix": ""}),
        ("a/b", {"name": "", "parent": "", "path": "a/b", "scope_prefix": ""}),
        ("../../a", {"name": "", "parent": "", "path": "a", "scope_prefix": ""}),
        ("//a//b", {"name": "", "parent": "", "path": "/a/b", "scope_prefix": ""}),
    ],
)
def test_cgroupfs_paths(path, expected):
    assert parse_cgroups_path(path, systemd=False, name="ctr") == expected


@pytest.mark.parametrize(
    "path, expected",
    [
        ("", {"name": "ctr", "parent": "", "path": "", "scope_prefix": "runc"}),
        ("system.slice:docker:1234", {"name": "1234", "parent": "system.slice", "path": "", "scope_prefix": "docker"}),
        (":cri-containerd:abc", {"name": "abc", "parent": "", "path": "", "scope_prefix": "cri-containerd"}),
    ],
)
def test_systemd_paths(path, expected):
    assert parse_cgroups_path(path, systemd=True, name="ctr") == expected


@pytest.mark.parametrize("path", ["/a/b", "a:b", "a:b:c:d", "sys/x.slice:p:n"])
def test_bad_systemd_paths(path):
    with pytest.raises(ConfigError) as e:
        parse_cgroups_path(path, systemd=True, name="ctr")
    assert e.value.field == "linux.cgroupsPath"


def test_clean_path():
    assert clean_path("") == ""
    assert clean_path(".") == "."
    assert clean_path("/") == "/"
    assert clean_path("a/./b/../c") == "a/c"


def test_systemd_config():
    spec = example_spec(cgroup2=False)
    spec["linux"]["cgroupsPath"] = "machine.slice:libpod:abc"
    spec["annotations"] = {
        "org.systemd.property.TimeoutStopSec": "uint64 30",
        "org.systemd.property.CollectMode": "'inactive-or-failed'",
        "other": "x",
    }
    cfg = create_config(spec, container_id="abc", bundle="/b", use_systemd_cgroup=True)
    c = cfg.cgroups
    assert (c.systemd, c.parent, c.scope_prefix, c.name, c.path) == (True, "machine.slice", "libpod", "abc", "")
    assert c.systemd_props == [("CollectMode", "inactive-or-failed"), ("TimeoutStopUSec", 30_000_000)]
    assert cfg.cgroup_driver == "systemd"


def test_systemd_property_errors():
    with pytest.raises(ConfigError) as e:
        systemd_properties({"org.systemd.property.X1": "1"})
    assert e.value.field == "annotations.org.systemd.property.X1"
    with pytest.raises(ConfigError):
        parse_property_value("uint32 -1", "f")
    assert parse_property_value("true", "f") is True
    assert parse_property_value("['a', 'b']", "f") == ["a", "b"]


def test_cpu_weight_conversion():
    assert [cpu_shares_to_weight(s) for s in (0, 2, 1024, 262144, 10**9)] == [0, 1, 100, 10000, 10000]


def rules(spec_rules):
    spec = example_spec(cgroup2=False)
    spec["linux"]["resources"] = {"devices": spec_rules}
    return create_config(spec, container_id="x", bundle="/b").cgroups.resources.devices


def test_device_rules_default_deny_then_defaults():
    got = rules([{"allow": False, "access": "rwm"}])
    assert got[0] == configs.DeviceRule("a", -1, -1, "rwm", False)
    # runc's allow-list follows, in runc's order
    assert [(r.type, r.major, r.minor, r.permissions) for r in got[1:]] == [
        ("c", -1, -1, "m"), ("b", -1, -1, "m"), ("c", 1, 3, "rwm"), ("c", 1, 8, "rwm"),
        ("c", 1, 7, "rwm"), ("c", 5, 0, "rwm"), ("c", 1, 5, "rwm"), ("c", 1, 9, "rwm"),
        ("c", 136, -1, "rwm"), ("c", 5, 2, "rwm"), ("c", 10, 200, "rwm"),
    ]
    assert all(r.allow for r in got[1:])


def test_device_rules_without_resources_still_get_defaults():
    spec = example_spec(cgroup2=False)
    del spec["linux"]["resources"]
    got = create_config(spec, container_id="x", bundle="/b").cgroups.resources.devices
    assert len(got) == 11 and all(r.allow for r in got)


def test_device_rule_wildcards():
    got = rules([{"allow": True, "type": "b", "major": 8, "access": "r"}])
    assert got[0] == configs.DeviceRule("b", 8, -1, "r", True)


@pytest.mark.parametrize(
    "rule, field",
    [
        ({"allow": True, "access": ""}, "linux.resources.devices[0].access"),
        ({"allow": True}, "linux.resources.devices[0].access"),
        ({"allow": True, "access": "rwx"}, "linux.resources.devices[0].access"),
        ({"allow": True, "type": "p", "access": "r"}, "linux.resources.devices[0].type"),
        ({"access": "r"}, "linux.resources.devices[0].allow"),
        ({"allow": True, "access": "r", "major": -2}, "linux.resources.devices[0].major"),
    ],
)
def test_bad_device_rules(rule, field):
    with pytest.raises(ConfigError) as e:
        rules([rule])
    assert e.value.field == field


def test_unset_resources_keep_runc_zero_values():
    spec = example_spec(cgroup2=False)
    spec["linux"]["resources"]["memory"] = {}
    spec["linux"]["resources"]["cpu"] = {}
    r = create_config(spec, container_id="x", bundle="/b").cgroups.resources
    assert (r.memory, r.memory_swap, r.cpu_shares, r.cpu_weight, r.cpu_quota) == (0, 0, 0, 0, 0)
    assert (r.memory_swappiness, r.cpu_burst, r.cpu_idle, r.pids_limit) == (None, None, None, None)


def test_unified_keys_are_checked():
    spec = example_spec(cgroup2=False)
    spec["linux"]["resources"]["unified"] = {"../escape": "1"}
    with pytest.raises(ConfigError) as e:
        create_config(spec, container_id="x", bundle="/b")
    assert e.value.field == "linux.resources.unified.../escape"
