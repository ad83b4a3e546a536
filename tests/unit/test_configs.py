"""The dataclass model itself: defaults, runc-style helpers, and cheap import."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from libcontainer import configs
from libcontainer.configs import namespace as nsmod
from libcontainer.errors import ConfigError

CORE = os.path.join(os.path.dirname(__file__), "..", "..", "core")


def test_import_does_not_load_marshmallow():
    code = (
        "import sys, libcontainer.configs as c; c.Config();"
        "assert 'marshmallow' not in sys.modules, 'marshmallow imported';"
        "assert 'libcontainer.schemas' not in sys.modules"
    )
    env = {**os.environ, "PYTHONPATH": os.path.abspath(CORE)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_lazy_top_level_config_name():
    import libcontainer

    assert libcontainer.Config is configs.Config


def test_defaults_are_independent():
    a, b = configs.Config(), configs.Config()
    a.mounts.append(configs.Mount(destination="/x"))
    a.cgroups = configs.Cgroup()
    assert b.mounts == [] and b.cgroups is None
    assert configs.Cgroup().resources is not configs.Cgroup().resources


def test_namespaces_helpers_and_plain_list_coercion():
    cfg = configs.Config(namespaces=[configs.Namespace(configs.NEWNS)])
    assert isinstance(cfg.namespaces, configs.Namespaces)
    assert cfg.namespaces.contains("NEWNS") and not cfg.namespaces.contains("NEWNET")
    cfg.namespaces.add(configs.NEWNET, "/run/netns/x")
    cfg.namespaces.add(configs.NEWNET, "/run/netns/y")
    assert cfg.namespaces.path_of(configs.NEWNET) == "/run/netns/y"
    assert len(cfg.namespaces) == 2
    assert cfg.namespaces.clone_flags() == nsmod.CLONE_FLAGS[configs.NEWNS]
    assert cfg.namespaces.remove_type(configs.NEWNET)
    assert not cfg.namespaces.remove_type(configs.NEWNET)
    plain = [configs.Namespace("NEWPID", "/proc/1/ns/pid")]
    assert nsmod.contains(plain, "NEWPID") and nsmod.path_of(plain, "NEWPID") == "/proc/1/ns/pid"
    assert nsmod.path_of(plain, "NEWUTS") == ""


def test_namespace_names_and_order():
    assert configs.ns_name(configs.NEWNS) == "mnt" and configs.ns_name("bogus") == ""
    assert configs.NAMESPACE_TYPES[0] == configs.NEWUSER
    assert configs.Namespace(configs.NEWNET).get_path(42) == "/proc/42/ns/net"
    assert set(nsmod.CLONE_FLAGS) == set(configs.NAMESPACE_TYPES)


@pytest.mark.parametrize(
    "rule, text",
    [
        (configs.DeviceRule("a", -1, -1, "rwm", True), "a *:* rwm"),
        (configs.DeviceRule("c", 1, -1, "rw", True), "c 1:* rw"),
        (configs.DeviceRule("b", 8, 0, "r", False), "b 8:0 r"),
    ],
)
def test_device_rule_cgroup_string(rule, text):
    assert rule.cgroup_string() == text


def test_device_rule_checks_and_device_rule_extraction():
    assert configs.DeviceRule(permissions="rwm").is_valid_permissions()
    assert not configs.DeviceRule(permissions="rwx").is_valid_permissions()
    assert not configs.DeviceRule(permissions="rr").is_valid_permissions()
    assert not configs.DeviceRule(type="x").is_valid_type()
    dev = configs.Device("c", 1, 3, "rwm", True, "/dev/null", 0o666, 0, 0)
    assert dev.rule() == configs.DeviceRule("c", 1, 3, "rwm", True)
    assert dev.mkdev() == os.makedev(1, 3)


def test_host_ids_without_and_with_userns():
    cfg = configs.Config()
    assert cfg.host_uid(5) == 5 and cfg.host_root_gid() == 0
    cfg.namespaces.add(configs.NEWUSER)
    cfg.uid_mappings = [configs.IDMap(0, 100000, 1000)]
    cfg.gid_mappings = [configs.IDMap(0, 200000, 10)]
    assert cfg.host_root_uid() == 100000 and cfg.host_uid(999) == 100999
    assert cfg.host_gid(9) == 200009
    with pytest.raises(ConfigError) as exc:
        cfg.host_gid(10)
    assert exc.value.field == "gid_mappings"
    cfg.uid_mappings = []
    with pytest.raises(ConfigError):
        cfg.host_root_uid()


def test_bundle_label():
    assert configs.Config(labels=["a=b", "bundle=/x/y"]).bundle() == "/x/y"
    assert configs.Config(labels=["bundle"]).bundle() == ""


def test_mount_helpers():
    m = configs.Mount(flags=0x1000 | 0x4000)
    assert m.is_bind() and not m.is_id_mapped()
    assert configs.Mount(id_mapping=configs.MountIDMapping()).is_id_mapped()


def test_hooks_helpers():
    h = configs.Hooks()
    assert h.is_empty()
    h.create_runtime.append(configs.Command("/bin/true"))
    assert h.get("createRuntime") is h.create_runtime and h.get("create_runtime")
    assert not h.is_empty()


def test_scheduler_and_io_priority_numbers():
    s = configs.Scheduler(
        policy="SCHED_RR", flags=["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM"]
    )
    assert s.policy_number() == 2 and s.flag_bits() == 3
    assert configs.IOPriority("IOPRIO_CLASS_BE", 4).ioprio_value() == (2 << 13) | 4


def test_seccomp_enums_are_runc_numbers():
    assert configs.Action.KILL == 1 and configs.Action.KILL_PROCESS == 9
    assert configs.Operator.EQUAL_TO == 1 and configs.Operator.MASK_EQUAL_TO == 7


def test_cgroup_value_strings():
    assert configs.WeightDevice(8, 0, 500, 100).weight_string() == "8:0 500"
    assert configs.WeightDevice(8, 0, 500, 100).leaf_weight_string() == "8:0 100"
    assert configs.ThrottleDevice(8, 16, 10).cgroup_string() == "8:16 10"
    assert configs.IfPrioMap("eth0", 5).cgroup_string() == "eth0 5"
