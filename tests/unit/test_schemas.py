"""JSON shape of the config: runc's state.json keys, round-trips, and error naming."""

from __future__ import annotations

import copy
import json

import pytest

from libcontainer import configs
from libcontainer.configs.load import (
    config_from_dict,
    config_from_json,
    config_to_dict,
    config_to_json,
)
from libcontainer.errors import ConfigError


def full_config_dict() -> dict:
    """Every key runc (and our extension) knows, each set to a non-empty value."""
    return {
        "no_pivot_root": True,
        "parent_death_signal": 9,
        "rootfs": "/var/lib/c1/rootfs",
        "umask": 18,
        "readonlyfs": True,
        "rootPropagation": 0x44000,
        "mounts": [
            {
                "source": "/src",
                "destination": "/dst",
                "device": "bind",
                "flags": 0x5000,
                "cleared_flags": 1,
                "propagation_flags": [0x44000],
                "data": "mode=755",
                "relabel": "Z",
                "rec_attr": {"Attr_set": 8, "Attr_clr": 1, "Propagation": 0, "Userns_fd": 0},
                "extensions": 1,
                "id_mapping": {
                    "recursive": True,
                    "userns_path": "/proc/1/ns/user",
                    "uid_mappings": [{"container_id": 0, "host_id": 1000, "size": 1}],
                    "gid_mappings": [{"container_id": 0, "host_id": 1000, "size": 1}],
                },
            }
        ],
        "devices": [
            {
                "type": 99,
                "major": 1,
                "minor": 3,
                "permissions": "rwm",
                "allow": True,
                "path": "/dev/null",
                "file_mode": 0o666,
                "uid": 0,
                "gid": 0,
            }
        ],
        "mount_label": "system_u:object_r:container_file_t:s0",
        "hostname": "box",
        "domainname": "example.org",
        "namespaces": [{"type": "NEWNS"}, {"type": "NEWNET", "path": "/run/netns/n1"}],
        "capabilities": {
            "Bounding": ["CAP_KILL"],
            "Effective": ["CAP_KILL"],
            "Inheritable": ["CAP_KILL"],
            "Permitted": ["CAP_KILL"],
            "Ambient": ["CAP_KILL"],
        },
        "networks": [
            {
                "type": "veth",
                "name": "eth0",
                "bridge": "br0",
                "mac_address": "02:42:ac:11:00:02",
                "address": "10.0.0.2/24",
                "gateway": "10.0.0.1",
                "ipv6_address": "fd00::2/64",
                "ipv6_gateway": "fd00::1",
                "mtu": 1500,
                "txqueuelen": 1000,
                "host_interface_name": "veth1",
                "hairpin_mode": True,
            }
        ],
        "routes": [
            {
                "destination": "0.0.0.0/0",
                "source": "10.0.0.2",
                "gateway": "10.0.0.1",
                "interface_name": "eth0",
            }
        ],
        "cgroups": {
            "name": "c1",
            "parent": "system.slice",
            "path": "/machine/c1",
            "scope_prefix": "runc",
            "Systemd": True,
            "Rootless": True,
            "owner_uid": 1000,
            "Paths": {"memory": "/sys/fs/cgroup/memory/c1"},
            "devices": [
                {"type": 97, "major": -1, "minor": -1, "permissions": "rwm", "allow": False},
                {"type": 99, "major": 1, "minor": 3, "permissions": "rwm", "allow": True},
            ],
            "memory": 1 << 30,
            "memory_reservation": 1 << 29,
            "memory_swap": 2 << 30,
            "kernel_memory": 1 << 20,
            "kernel_memory_tcp": 1 << 19,
            "memory_swappiness": 60,
            "oom_kill_disable": True,
            "memory_check_before_update": True,
            "cpu_shares": 1024,
            "cpu_quota": 50000,
            "cpu_burst": 1000,
            "cpu_period": 100000,
            "cpu_rt_quota": 950000,
            "cpu_rt_period": 1000000,
            "cpuset_cpus": "0-3",
            "cpuset_mems": "0",
            "cpu_idle": 1,
            "cpu_weight": 100,
            "pids_limit": 100,
            "blkio_weight": 500,
            "blkio_leaf_weight": 300,
            "blkio_weight_device": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 100}],
            "blkio_throttle_read_bps_device": [{"major": 8, "minor": 0, "rate": 1}],
            "blkio_throttle_write_bps_device": [{"major": 8, "minor": 0, "rate": 2}],
            "blkio_throttle_read_iops_device": [{"major": 8, "minor": 0, "rate": 3}],
            "blkio_throttle_write_iops_device": [{"major": 8, "minor": 0, "rate": 4}],
            "freezer": "THAWED",
            "hugetlb_limit": [{"page_size": "2MB", "limit": 1 << 21}],
            "net_prio_ifpriomap": [{"interface": "eth0", "priority": 5}],
            "net_cls_classid_u": 0x100001,
            "rdma": {"mlx5_1": {"hca_handles": 3, "hca_objects": 10000}},
            "unified": {"memory.high": "1G"},
        },
        "apparmor_profile": "runc-default",
        "process_label": "system_u:system_r:container_t:s0",
        "rlimits": [{"type": 7, "hard": 1024, "soft": 1024}],
        "oom_score_adj": -500,
        "uid_mappings": [{"container_id": 0, "host_id": 100000, "size": 65536}],
        "gid_mappings": [{"container_id": 0, "host_id": 100000, "size": 65536}],
        "mask_paths": ["/proc/kcore"],
        "readonly_paths": ["/proc/sys"],
        "sysctl": {"net.ipv4.ip_forward": "1"},
        "seccomp": {
            "default_action": 2,
            "architectures": ["amd64"],
            "flags": ["SECCOMP_FILTER_FLAG_LOG"],
            "syscalls": [
                {
                    "name": "personality",
                    "action": 4,
                    "errnoRet": 1,
                    "args": [{"index": 0, "value": 8, "value_two": 0, "op": 1}],
                }
            ],
            "default_errno_ret": 38,
            "listener_path": "/run/seccomp.sock",
            "listener_metadata": "meta",
        },
        "no_new_privileges": True,
        "Hooks": {
            name: [
                {
                    "path": "/usr/bin/hook",
                    "args": ["hook", name],
                    "env": ["A=1"],
                    "dir": "/",
                    "timeout": 5_000_000_000,
                }
            ]
            for name in (
                "prestart",
                "createRuntime",
                "createContainer",
                "startContainer",
                "poststart",
                "poststop",
            )
        },
        "version": "1.2.0",
        "labels": ["bundle=/bundles/c1"],
        "no_new_keyring": True,
        "intel_rdt": {
            "closID": "grp",
            "schemata": ["L3:0=ff"],
            "l3_cache_schema": "L3:0=ff",
            "memBwSchema": "MB:0=50",
            "enableMonitoring": True,
        },
        "rootless_euid": True,
        "rootless_cgroups": True,
        "time_offsets": {"monotonic": {"secs": 10, "nanosecs": 5}},
        "scheduler": {
            "policy": "SCHED_DEADLINE",
            "nice": 1,
            "priority": 2,
            "flags": ["SCHED_FLAG_RESET_ON_FORK"],
            "runtime": 10,
            "deadline": 20,
            "period": 30,
        },
        "personality": {"domain": 8},
        "io_priority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
        "cgroup_driver": "systemd",
    }


def test_full_round_trip_dict_config_dict():
    d = full_config_dict()
    cfg = config_from_dict(copy.deepcopy(d))
    assert config_to_dict(cfg) == d


def test_full_round_trip_fields_land_where_expected():
    cfg = config_from_dict(full_config_dict())
    r = cfg.cgroups.resources
    assert r.memory == 1 << 30 and r.cpu_rt_runtime == 950000 and r.net_cls_classid == 0x100001
    assert r.devices[0] == configs.DeviceRule("a", -1, -1, "rwm", False)
    assert r.rdma["mlx5_1"] == configs.LinuxRdma(3, 10000)
    assert cfg.cgroups.systemd and cfg.cgroups.rootless and cfg.cgroups.owner_uid == 1000
    assert cfg.devices[0].type == "c" and cfg.devices[0].path == "/dev/null"
    assert cfg.mounts[0].rec_attr == configs.MountAttr(8, 1, 0, 0)
    assert cfg.seccomp.default_action is configs.Action.ERRNO
    assert cfg.seccomp.syscalls[0].args[0].op is configs.Operator.EQUAL_TO
    assert cfg.seccomp.syscalls[0].errno_ret == 1
    assert cfg.hooks.create_runtime[0].timeout == 5.0
    assert cfg.hooks.get("startContainer")[0].args == ["hook", "startContainer"]
    assert cfg.io_priority.class_ == "IOPRIO_CLASS_BE"
    assert cfg.time_offsets["monotonic"] == configs.TimeOffset(10, 5)
    assert cfg.intel_rdt.clos_id == "grp" and cfg.intel_rdt.mem_bw_schema == "MB:0=50"
    assert cfg.cgroup_driver == "systemd"
    assert cfg.namespaces.path_of(configs.NEWNET) == "/run/netns/n1"


def test_object_round_trip_config_dict_config():
    cfg = config_from_dict(full_config_dict())
    assert config_from_dict(config_to_dict(cfg)) == cfg
    assert config_from_json(config_to_json(cfg)) == cfg


def test_json_functions_produce_plain_json():
    cfg = config_from_dict(full_config_dict())
    text = config_to_json(cfg, indent=2)
    assert json.loads(text) == full_config_dict()


# A config object as runc 1.1/1.2 writes it into state.json: flat cgroup resources,
# null slices, all six hook names (mostly null), devices with rune types.
RUNC_STATE_CONFIG = """
{
  "no_pivot_root": false,
  "parent_death_signal": 0,
  "rootfs": "/run/bundle/rootfs",
  "umask": null,
  "readonlyfs": true,
  "rootPropagation": 0,
  "mounts": [
    {"source": "proc", "destination": "/proc", "device": "proc", "flags": 14,
     "propagation_flags": null, "data": "", "relabel": "", "extensions": 0,
     "premount_cmds": null, "postmount_cmds": null},
    {"source": "tmpfs", "destination": "/dev", "device": "tmpfs", "flags": 16777218,
     "propagation_flags": null, "data": "mode=755,size=65536k", "relabel": "",
     "extensions": 0, "premount_cmds": null, "postmount_cmds": null}
  ],
  "devices": [
    {"type": 99, "major": 1, "minor": 3, "permissions": "rwm", "allow": true,
     "path": "/dev/null", "file_mode": 438, "uid": 0, "gid": 0}
  ],
  "mount_label": "",
  "hostname": "runc",
  "namespaces": [
    {"type": "NEWPID", "path": ""}, {"type": "NEWNET", "path": ""},
    {"type": "NEWIPC", "path": ""}, {"type": "NEWUTS", "path": ""},
    {"type": "NEWNS", "path": ""}, {"type": "NEWCGROUP", "path": ""}
  ],
  "capabilities": {
    "Bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "Effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "Inheritable": null,
    "Permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
    "Ambient": null
  },
  "networks": [{"type": "loopback", "name": "", "bridge": "", "mac_address": "",
                "address": "", "gateway": "", "ipv6_address": "", "ipv6_gateway": "",
                "mtu": 0, "txqueuelen": 0, "host_interface_name": "",
                "hairpin_mode": false}],
  "routes": null,
  "cgroups": {
    "path": "/mycontainer",
    "scope_prefix": "",
    "Paths": null,
    "devices": [
      {"type": 97, "major": -1, "minor": -1, "permissions": "rwm", "allow": false},
      {"type": 99, "major": 1, "minor": 3, "permissions": "rwm", "allow": true}
    ],
    "memory": 0, "memory_reservation": 0, "memory_swap": 0, "kernel_memory": 0,
    "kernel_memory_tcp": 0, "cpu_shares": 0, "cpu_quota": 0, "cpu_period": 0,
    "cpu_rt_quota": 0, "cpu_rt_period": 0, "cpuset_cpus": "", "cpuset_mems": "",
    "pids_limit": 0, "blkio_weight": 0, "blkio_leaf_weight": 0,
    "blkio_weight_device": null, "blkio_throttle_read_bps_device": null,
    "blkio_throttle_write_bps_device": null, "blkio_throttle_read_iops_device": null,
    "blkio_throttle_write_iops_device": null, "freezer": "", "hugetlb_limit": null,
    "oom_kill_disable": false, "memory_swappiness": null, "net_prio_ifpriomap": null,
    "net_cls_classid_u": 0, "rdma": null, "cpu_weight": 0, "unified": null,
    "skip_devices": false, "Systemd": false, "Rootless": false
  },
  "oom_score_adj": 0,
  "uid_mappings": null,
  "gid_mappings": null,
  "mask_paths": ["/proc/acpi", "/proc/kcore"],
  "readonly_paths": ["/proc/bus", "/proc/sys"],
  "sysctl": null,
  "seccomp": null,
  "no_new_privileges": true,
  "Hooks": {"createContainer": null, "createRuntime": null, "poststart": null,
            "poststop": null, "prestart": null, "startContainer": null},
  "version": "1.0.2-dev",
  "labels": ["bundle=/run/bundle"],
  "no_new_keyring": false,
  "rootless_euid": false,
  "rootless_cgroups": false
}
"""


def test_loads_runc_state_json_config():
    cfg = config_from_json(RUNC_STATE_CONFIG)
    assert cfg.rootfs == "/run/bundle/rootfs"
    assert cfg.umask is None
    assert [m.destination for m in cfg.mounts] == ["/proc", "/dev"]
    assert cfg.mounts[0].propagation_flags == []
    assert cfg.devices == [configs.Device("c", 1, 3, "rwm", True, "/dev/null", 0o666, 0, 0)]
    assert [ns.type for ns in cfg.namespaces][:2] == ["NEWPID", "NEWNET"]
    assert cfg.namespaces.contains(configs.NEWCGROUP)
    assert cfg.capabilities.inheritable == [] and "CAP_KILL" in cfg.capabilities.bounding
    assert cfg.networks == [configs.Network(type="loopback")]
    assert cfg.routes == [] and cfg.sysctl == {} and cfg.seccomp is None
    assert cfg.cgroups.path == "/mycontainer"
    r = cfg.cgroups.resources
    assert r.devices[0].cgroup_string() == "a *:* rwm"
    assert r.memory_swappiness is None and r.pids_limit == 0 and r.unified == {}
    assert cfg.cgroups.paths is None
    assert cfg.oom_score_adj == 0
    assert cfg.hooks.is_empty()
    assert cfg.bundle() == "/run/bundle"


def test_runc_state_config_dump_reloads_identically():
    cfg = config_from_json(RUNC_STATE_CONFIG)
    out = config_to_dict(cfg)
    assert "Hooks" not in out  # all empty
    assert "memory" not in out["cgroups"]  # zero resources omitted like runc's omitzero
    assert config_from_dict(out) == cfg


def test_nested_resources_object_is_accepted():
    cfg = config_from_dict({"cgroups": {"path": "/x", "resources": {"memory": 5}, "cpu_shares": 2}})
    assert cfg.cgroups.resources.memory == 5 and cfg.cgroups.resources.cpu_shares == 2
    assert config_to_dict(cfg)["cgroups"] == {"path": "/x", "memory": 5, "cpu_shares": 2}


def test_unknown_keys_are_ignored():
    cfg = config_from_dict({"rootfs": "/r", "some_future_key": {"a": 1}, "cgroups": {"x": 1}})
    assert cfg.rootfs == "/r" and cfg.cgroups == configs.Cgroup()


def test_null_for_non_pointer_fields_means_zero_value():
    cfg = config_from_dict({"hostname": None, "mounts": None, "readonlyfs": None, "Hooks": None})
    assert cfg.hostname == "" and cfg.mounts == [] and cfg.readonlyfs is False
    assert cfg.hooks == configs.Hooks()


def test_device_type_accepts_letter():
    cfg = config_from_dict({"devices": [{"type": "b", "major": 8, "minor": 0, "path": "/dev/sda"}]})
    assert cfg.devices[0].type == "b"
    assert config_to_dict(cfg)["devices"][0]["type"] == ord("b")


def test_unknown_seccomp_action_kept_as_int_for_validation():
    cfg = config_from_dict(
        {"seccomp": {"default_action": 42, "syscalls": [{"name": "x", "action": 4}]}}
    )
    assert cfg.seccomp.default_action == 42 and not isinstance(
        cfg.seccomp.default_action, configs.Action
    )
    assert cfg.seccomp.syscalls[0].action is configs.Action.ALLOW


def test_dump_skips_function_hooks_but_keeps_commands():
    cfg = configs.Config(
        hooks=configs.Hooks(prestart=[lambda state: None, configs.Command("/bin/true")])
    )
    assert config_to_dict(cfg)["Hooks"] == {
        "prestart": [{"path": "/bin/true", "args": [], "env": [], "dir": ""}]
    }


def test_dump_omits_runc_omitempty_fields():
    out = config_to_dict(configs.Config(rootfs="/r"))
    for key in (
        "apparmor_profile",
        "process_label",
        "rlimits",
        "oom_score_adj",
        "intel_rdt",
        "rootless_euid",
        "time_offsets",
        "scheduler",
        "io_priority",
        "cgroup_driver",
        "cgroups",
        "capabilities",
        "seccomp",
        "umask",
    ):
        assert key not in out
    for key in ("rootfs", "mounts", "namespaces", "hostname", "version", "no_new_keyring"):
        assert key in out


def test_oom_score_adj_zero_is_kept_distinct_from_unset():
    assert config_to_dict(configs.Config(oom_score_adj=0))["oom_score_adj"] == 0


@pytest.mark.parametrize(
    "patch, field, value",
    [
        ({"cgroups": {"memory": "lots"}}, "cgroups.resources.memory", "lots"),
        ({"cgroups": {"resources": {"cpu_shares": -1}}}, "cgroups.resources.cpu_shares", -1),
        ({"cgroups": {"pids_limit": 1.5}}, "cgroups.resources.pids_limit", 1.5),
        (
            {"cgroups": {"devices": [{"type": 99}, {"major": "x"}]}},
            "cgroups.resources.devices[1].major",
            "x",
        ),
        (
            {"cgroups": {"rdma": {"mlx": {"hca_handles": "3"}}}},
            "cgroups.resources.rdma['mlx'].hca_handles",
            "3",
        ),
        (
            {"cgroups": {"unified": {"memory.high": 5}}},
            "cgroups.resources.unified['memory.high']",
            5,
        ),
        ({"cgroups": {"Systemd": "yes"}}, "cgroups.systemd", "yes"),
        ({"cgroups": 5}, "cgroups", 5),
        ({"mounts": [{"destination": 7}]}, "mounts[0].destination", 7),
        ({"mounts": {"a": 1}}, "mounts", {"a": 1}),
        (
            {"mounts": [{"id_mapping": {"uid_mappings": [{"size": True}]}}]},
            "mounts[0].id_mapping.uid_mappings[0].size",
            True,
        ),
        ({"namespaces": [{"type": ["NEWNS"]}]}, "namespaces[0].type", ["NEWNS"]),
        ({"devices": [{"type": "chr"}]}, "devices[0].type", "chr"),
        ({"readonlyfs": "true"}, "readonlyfs", "true"),
        ({"umask": -1}, "umask", -1),
        ({"sysctl": {"net.x": 1}}, "sysctl['net.x']", 1),
        (
            {"seccomp": {"syscalls": [{"name": "read", "args": [{"op": "eq"}]}]}},
            "seccomp.syscalls[0].args[0].op",
            "eq",
        ),
        (
            {"Hooks": {"poststop": [{"path": "/x", "timeout": "5s"}]}},
            "hooks.poststop[0].timeout",
            "5s",
        ),
        ({"capabilities": {"Bounding": "CAP_KILL"}}, "capabilities.bounding", "CAP_KILL"),
        ({"time_offsets": {"boottime": {"secs": "1"}}}, "time_offsets['boottime'].secs", "1"),
        ({"io_priority": {"class": 2}}, "io_priority.class_", 2),
        ({"rlimits": [{"type": 7, "hard": -1}]}, "rlimits[0].hard", -1),
    ],
)
def test_shape_errors_name_the_attribute_path(patch, field, value):
    d = {"rootfs": "/r", **patch}
    with pytest.raises(ConfigError) as exc:
        config_from_dict(d)
    assert exc.value.field == field
    assert exc.value.value == value
    assert field in str(exc.value)


def test_all_errors_are_collected():
    with pytest.raises(ConfigError) as exc:
        config_from_dict({"hostname": 1, "cgroups": {"memory": "x"}})
    fields = {f for f, _, _ in exc.value.errors}
    assert fields == {"hostname", "cgroups.resources.memory"}


@pytest.mark.parametrize("bad", [[], "x", None, 3])
def test_top_level_must_be_object(bad):
    with pytest.raises(ConfigError) as exc:
        config_from_dict(bad)
    assert exc.value.field == "config"


def test_invalid_json_is_config_error():
    with pytest.raises(ConfigError) as exc:
        config_from_json("{not json")
    assert exc.value.field == "config" and "invalid JSON" in exc.value.message


def test_to_dict_rejects_non_config():
    with pytest.raises(ConfigError):
        config_to_dict({"rootfs": "/"})
