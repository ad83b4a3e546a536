"""create_config on a config.json that sets every runtime-spec Linux field, checked one by one."""

from __future__ import annotations

import copy
import json
import logging

import pytest

from libcontainer import configs
from libcontainer.errors import ConfigError
from libcontainer.specconv import constants as C
from libcontainer.specconv import create_config, example_spec, to_rootless

BUNDLE = "/run/bundles/ctr1"


def full_spec() -> dict:
    return {
        "ociVersion": "1.2.0",
        "process": {
            "terminal": True,
            "consoleSize": {"height": 25, "width": 80},
            "user": {"uid": 1000, "gid": 1000, "umask": 0o022, "additionalGids": [5, 6]},
            "args": ["/bin/app", "--flag"],
            "env": ["PATH=/usr/bin:/bin", "TERM=xterm"],
            "cwd": "/work",
            "capabilities": {
                "bounding": ["CAP_KILL", "CAP_CHOWN"],
                "effective": ["CAP_KILL"],
                "inheritable": ["CAP_KILL"],
                "permitted": ["CAP_KILL", "CAP_CHOWN"],
                "ambient": ["CAP_KILL"],
            },
            "rlimits": [
                {"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024},
                {"type": "RLIMIT_CORE", "hard": 0, "soft": 0},
            ],
            "noNewPrivileges": True,
            "apparmorProfile": "runc-default",
            "oomScoreAdj": 100,
            "scheduler": {"policy": "SCHED_RR", "priority": 10, "flags": ["SCHED_FLAG_RESET_ON_FORK"]},
            "selinuxLabel": "system_u:system_r:container_t:s0:c1,c2",
            "ioPriority": {"class": "IOPRIO_CLASS_BE", "priority": 4},
        },
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "box",
        "domainname": "example.org",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {
                "destination": "/data",
                "type": "none",
                "source": "./data",
                "options": ["rbind", "rprivate", "ro", "rnoexec"],
            },
            {
                "destination": "/sys/fs/cgroup",
                "type": "cgroup",
                "source": "cgroup",
                "options": ["nosuid", "noexec", "nodev", "relatime", "rw"],
            },
            {
                "destination": "/idmapped",
                "type": "bind",
                "source": "/srv/share",
                "options": ["bind", "idmap"],
            },
            {
                "destination": "/tmp",
                "type": "tmpfs",
                "source": "tmpfs",
                "options": ["nosuid", "tmpcopyup", "size=1m"],
                "uidMappings": [{"containerID": 0, "hostID": 2000, "size": 10}],
                "gidMappings": [{"containerID": 0, "hostID": 3000, "size": 10}],
            },
        ],
        "hooks": {
            "prestart": [{"path": "/usr/bin/pre"}],
            "createRuntime": [{"path": "/usr/bin/cr", "args": ["cr", "-x"], "env": ["A=1"], "timeout": 5}],
            "createContainer": [{"path": "/usr/bin/cc"}],
            "startContainer": [{"path": "/usr/bin/sc"}],
            "poststart": [{"path": "/usr/bin/ps", "timeout": 2}],
            "poststop": [{"path": "/usr/bin/pst"}, {"path": "/usr/bin/pst2"}],
        },
        "annotations": {"com.example.key": "value", "org.opencontainers.image.os": "linux"},
        "linux": {
            "namespaces": [
                {"type": "pid"},
                {"type": "network"},
                {"type": "ipc", "path": "/proc/1/ns/ipc"},
                {"type": "uts"},
                {"type": "mount"},
                {"type": "user"},
                {"type": "cgroup"},
                {"type": "time"},
            ],
            "uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
            "gidMappings": [{"containerID": 0, "hostID": 200000, "size": 65536}],
            "timeOffsets": {"monotonic": {"secs": 3600, "nanosecs": 5}, "boottime": {"secs": -10}},
            "devices": [
                {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o20666, "uid": 0, "gid": 0},
                {"path": "/dev/null", "type": "c", "major": 1, "minor": 3, "fileMode": 0o600},
                {"path": "/dev/fifo", "type": "p"},
            ],
            "cgroupsPath": "/mygroup/../ctr1",
            "resources": {
                "devices": [
                    {"allow": False, "access": "rwm"},
                    {"allow": True, "type": "c", "major": 10, "minor": 229, "access": "rw"},
                ],
                "memory": {
                    "limit": 536870912,
                    "reservation": 268435456,
                    "swap": -1,
                    "swappiness": 60,
                    "disableOOMKiller": True,
                    "checkBeforeUpdate": True,
                },
                "cpu": {
                    "shares": 1024,
                    "quota": -1,
                    "burst": 1000,
                    "period": 100000,
                    "realtimeRuntime": 950000,
                    "realtimePeriod": 1000000,
                    "cpus": "0-3",
                    "mems": "0",
                    "idle": 1,
                },
                "pids": {"limit": -1},
                "blockIO": {
                    "weight": 500,
                    "leafWeight": 300,
                    "weightDevice": [{"major": 8, "minor": 0, "weight": 600, "leafWeight": 100}],
                    "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 1048576}],
                    "throttleWriteBpsDevice": [{"major": 8, "minor": 16, "rate": 2097152}],
                    "throttleReadIOPSDevice": [{"major": 8, "minor": 0, "rate": 100}],
                    "throttleWriteIOPSDevice": [{"major": 8, "minor": 16, "rate": 200}],
                },
                "hugepageLimits": [{"pageSize": "2MB", "limit": 209715200}],
                "network": {"classID": 1048577, "priorities": [{"name": "eth0", "priority": 500}]},
                "rdma": {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}},
                "unified": {"memory.high": "400M", "io.max": "8:0 rbps=1048576"},
            },
            "intelRdt": {
                "closID": "guaranteed_group",
                "l3CacheSchema": "L3:0=7f0;1=1f",
                "memBwSchema": "MB:0=20;1=70",
                "enableCMT": True,
            },
            "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "4294967295"},
            "seccomp": {
                "defaultAction": "SCMP_ACT_ERRNO",
                "defaultErrnoRet": 1,
                "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
                "flags": ["SECCOMP_FILTER_FLAG_LOG"],
                "listenerPath": "/run/seccomp-agent.sock",
                "listenerMetadata": "meta",
                "syscalls": [
                    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                    {
                        "names": ["personality"],
                        "action": "SCMP_ACT_ALLOW",
                        "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}],
                    },
                    {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"},
                    {"names": ["chmod"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                ],
            },
            "rootfsPropagation": "rslave",
            "maskedPaths": ["/proc/kcore", "/proc/keys"],
            "readonlyPaths": ["/proc/sys", "/proc/bus"],
            "mountLabel": "system_u:object_r:container_file_t:s0:c1,c2",
            "personality": {"domain": "LINUX32"},
        },
    }


@pytest.fixture
def cfg():
    return create_config(full_spec(), container_id="ctr1", bundle=BUNDLE)


def test_top_level_fields(cfg):
    assert isinstance(cfg, configs.Config)
    assert cfg.rootfs == BUNDLE + "/rootfs"
    assert cfg.readonlyfs is True
    assert cfg.hostname == "box"
    assert cfg.domainname == "example.org"
    assert cfg.labels == [
        "com.example.key=value",
        "org.opencontainers.image.os=linux",
        f"bundle={BUNDLE}",
    ]
    assert cfg.version == C.OCI_VERSION
    assert cfg.no_pivot_root is False and cfg.no_new_keyring is False
    assert cfg.rootless_euid is False and cfg.rootless_cgroups is False


def test_process_fields_land_in_config(cfg):
    assert cfg.oom_score_adj == 100
    assert cfg.no_new_privileges is True
    assert cfg.umask == 0o022
    assert cfg.process_label == "system_u:system_r:container_t:s0:c1,c2"
    assert cfg.apparmor_profile == "runc-default"
    assert cfg.capabilities == configs.Capabilities(
        bounding=["CAP_KILL", "CAP_CHOWN"],
        effective=["CAP_KILL"],
        inheritable=["CAP_KILL"],
        permitted=["CAP_KILL", "CAP_CHOWN"],
        ambient=["CAP_KILL"],
    )
    assert cfg.rlimits == [configs.Rlimit(type=7, hard=4096, soft=1024), configs.Rlimit(type=4, hard=0, soft=0)]
    assert cfg.scheduler == configs.Scheduler(policy="SCHED_RR", priority=10, flags=["SCHED_FLAG_RESET_ON_FORK"])
    assert cfg.io_priority == configs.IOPriority(class_="IOPRIO_CLASS_BE", priority=4)


def test_mounts(cfg):
    proc, data, cgroup, idm, tmp = cfg.mounts
    assert (proc.source, proc.destination, proc.device, proc.flags) == ("proc", "/proc", "proc", 0)

    assert data.device == "bind"
    assert data.source == BUNDLE + "/data"
    assert data.flags == C.MS_BIND | C.MS_REC | C.MS_RDONLY
    assert data.propagation_flags == [C.MS_PRIVATE | C.MS_REC]
    assert data.rec_attr == configs.MountAttr(attr_set=C.MOUNT_ATTR_NOEXEC, attr_clr=0)
    assert data.data == ""

    assert cgroup.device == "cgroup"
    assert cgroup.flags == C.MS_NOSUID | C.MS_NOEXEC | C.MS_NODEV | C.MS_RELATIME
    assert cgroup.cleared_flags == C.MS_RDONLY

    # "idmap" without explicit mappings takes the container's user namespace mappings.
    assert idm.device == "bind"
    assert idm.id_mapping.recursive is False
    assert idm.id_mapping.uid_mappings == [configs.IDMap(0, 100000, 65536)]
    assert idm.id_mapping.gid_mappings == [configs.IDMap(0, 200000, 65536)]

    assert tmp.extensions == configs.EXT_COPYUP
    assert tmp.data == "size=1m"
    assert tmp.id_mapping.uid_mappings == [configs.IDMap(0, 2000, 10)]
    assert tmp.id_mapping.gid_mappings == [configs.IDMap(0, 3000, 10)]


def test_namespaces_and_mappings(cfg):
    assert [(ns.type, ns.path) for ns in cfg.namespaces] == [
        ("NEWPID", ""), ("NEWNET", ""), ("NEWIPC", "/proc/1/ns/ipc"), ("NEWUTS", ""),
        ("NEWNS", ""), ("NEWUSER", ""), ("NEWCGROUP", ""), ("NEWTIME", ""),
    ]
    assert cfg.networks == [configs.Network(type="loopback")]
    assert cfg.uid_mappings == [configs.IDMap(container_id=0, host_id=100000, size=65536)]
    assert cfg.gid_mappings == [configs.IDMap(container_id=0, host_id=200000, size=65536)]
    assert cfg.time_offsets == {
        "monotonic": configs.TimeOffset(secs=3600, nanosecs=5),
        "boottime": configs.TimeOffset(secs=-10, nanosecs=0),
    }


def test_devices(cfg):
    by_path = {d.path: d for d in cfg.devices}
    # the spec's /dev/null replaces the default one; all nodes belong to the host root ids
    assert set(by_path) == {
        "/dev/random", "/dev/full", "/dev/tty", "/dev/zero", "/dev/urandom",
        "/dev/fuse", "/dev/null", "/dev/fifo",
    }
    assert by_path["/dev/null"].file_mode == 0o600
    assert by_path["/dev/fuse"].file_mode == 0o666  # S_IFCHR bits stripped
    assert (by_path["/dev/fuse"].type, by_path["/dev/fuse"].major, by_path["/dev/fuse"].minor) == ("c", 10, 229)
    assert by_path["/dev/fifo"].type == "p"
    assert all((d.uid, d.gid) == (100000, 200000) for d in cfg.devices)


def test_cgroup_and_resources(cfg):
    c = cfg.cgroups
    assert (c.path, c.name, c.parent, c.systemd) == ("/ctr1", "", "", False)
    # cgroupns + rw cgroupfs: delegated to the process's host uid
    assert c.owner_uid == 100000 + 1000
    r = c.resources
    assert (r.memory, r.memory_reservation, r.memory_swap) == (536870912, 268435456, -1)
    assert (r.memory_swappiness, r.oom_kill_disable, r.memory_check_before_update) == (60, True, True)
    assert (r.cpu_shares, r.cpu_weight, r.cpu_quota, r.cpu_burst, r.cpu_period) == (1024, 100, -1, 1000, 100000)
    assert (r.cpu_rt_runtime, r.cpu_rt_period, r.cpuset_cpus, r.cpuset_mems, r.cpu_idle) == (
        950000, 1000000, "0-3", "0", 1)
    assert r.pids_limit == -1
    assert (r.blkio_weight, r.blkio_leaf_weight) == (500, 300)
    assert r.blkio_weight_device == [configs.WeightDevice(8, 0, 600, 100)]
    assert r.blkio_throttle_read_bps_device == [configs.ThrottleDevice(8, 0, 1048576)]
    assert r.blkio_throttle_write_bps_device == [configs.ThrottleDevice(8, 16, 2097152)]
    assert r.blkio_throttle_read_iops_device == [configs.ThrottleDevice(8, 0, 100)]
    assert r.blkio_throttle_write_iops_device == [configs.ThrottleDevice(8, 16, 200)]
    assert r.hugetlb_limit == [configs.HugepageLimit(pagesize="2MB", limit=209715200)]
    assert r.net_cls_classid == 1048577
    assert r.net_prio_ifpriomap == [configs.IfPrioMap(interface="eth0", priority=500)]
    assert r.rdma == {"mlx5_1": configs.LinuxRdma(hca_handles=3, hca_objects=10000)}
    assert r.unified == {"memory.high": "400M", "io.max": "8:0 rbps=1048576"}
    # spec rules first, then runc's defaults minus the one shadowed by the spec's /dev/null
    assert r.devices[:2] == [
        configs.DeviceRule("a", -1, -1, "rwm", False),
        configs.DeviceRule("c", 10, 229, "rw", True),
    ]
    assert configs.DeviceRule("c", 1, 3, "rwm", True) not in r.devices
    assert configs.DeviceRule("c", 10, 200, "rwm", True) in r.devices


def test_linux_misc(cfg):
    assert cfg.root_propagation == C.MS_SLAVE | C.MS_REC
    assert cfg.mask_paths == ["/proc/kcore", "/proc/keys"]
    assert cfg.readonly_paths == ["/proc/sys", "/proc/bus"]
    assert cfg.mount_label == "system_u:object_r:container_file_t:s0:c1,c2"
    assert cfg.sysctl == {"net.ipv4.ip_forward": "1", "kernel.shmmax": "4294967295"}
    assert cfg.intel_rdt == configs.IntelRdt(
        clos_id="guaranteed_group", l3_cache_schema="L3:0=7f0;1=1f",
        mem_bw_schema="MB:0=20;1=70", enable_monitoring=True,
    )
    assert cfg.personality == configs.LinuxPersonality(domain=C.PER_LINUX32)


def test_seccomp(cfg):
    s = cfg.seccomp
    assert s.default_action == configs.Action.ERRNO
    assert s.default_errno_ret == 1
    assert s.architectures == ["amd64", "x86", "arm64"]
    assert s.flags == ["SECCOMP_FILTER_FLAG_LOG"]
    assert (s.listener_path, s.listener_metadata) == ("/run/seccomp-agent.sock", "meta")
    assert [(c.name, c.action, c.errno_ret) for c in s.syscalls] == [
        ("read", configs.Action.ALLOW, None),
        ("write", configs.Action.ALLOW, None),
        ("personality", configs.Action.ALLOW, None),
        ("mkdir", configs.Action.NOTIFY, None),
        ("chmod", configs.Action.ERRNO, 13),
    ]
    assert s.syscalls[2].args == [configs.Arg(index=0, value=8, value_two=0, op=configs.Operator.EQUAL_TO)]


def test_hooks(cfg):
    h = cfg.hooks
    assert [c.path for c in h.prestart] == ["/usr/bin/pre"]
    assert h.create_runtime == [configs.Command(path="/usr/bin/cr", args=["cr", "-x"], env=["A=1"], timeout=5.0)]
    assert [c.path for c in h.create_container] == ["/usr/bin/cc"]
    assert [c.path for c in h.start_container] == ["/usr/bin/sc"]
    assert h.poststart[0].timeout == 2.0
    assert [c.path for c in h.poststop] == ["/usr/bin/pst", "/usr/bin/pst2"]
    assert h.prestart[0].timeout is None


def test_does_not_modify_the_spec():
    spec = full_spec()
    before = copy.deepcopy(spec)
    create_config(spec, container_id="x", bundle=BUNDLE)
    assert spec == before


def test_spec_survives_a_json_round_trip():
    spec = json.loads(json.dumps(full_spec()))
    assert create_config(spec, container_id="x", bundle=BUNDLE).hostname == "box"


def test_flags_passed_through():
    spec = full_spec()
    spec["linux"]["rootfsPropagation"] = "rshared"
    cfg = create_config(
        spec, container_id="x", bundle=BUNDLE, no_pivot_root=True, no_new_keyring=True,
        rootless_euid=True, rootless_cgroups=True,
    )
    assert cfg.no_pivot_root and cfg.no_new_keyring and cfg.rootless_euid and cfg.rootless_cgroups
    assert cfg.cgroups.rootless is True


def test_private_propagation_without_pivot_root_is_refused():
    spec = full_spec()
    spec["linux"]["rootfsPropagation"] = "rprivate"
    with pytest.raises(ConfigError) as e:
        create_config(spec, container_id="x", bundle=BUNDLE, no_pivot_root=True)
    assert e.value.field == "linux.rootfsPropagation"


def test_relative_and_absolute_root(tmp_path, monkeypatch):
    spec = example_spec(cgroup2=False)
    assert create_config(spec, container_id="x", bundle="/b").rootfs == "/b/rootfs"
    spec["root"]["path"] = "../other/./rootfs"
    assert create_config(spec, container_id="x", bundle="/b/c").rootfs == "/b/other/rootfs"
    spec["root"]["path"] = "/abs/rootfs"
    assert create_config(spec, container_id="x", bundle="/b").rootfs == "/abs/rootfs"
    # the bundle defaults to the current directory, as runc (which runs from the bundle)
    monkeypatch.chdir(tmp_path)
    spec["root"]["path"] = "rootfs"
    cfg = create_config(spec, container_id="x")
    assert cfg.rootfs == str(tmp_path / "rootfs")
    assert cfg.labels[-1] == f"bundle={tmp_path}"


def test_root_is_required():
    spec = example_spec(cgroup2=False)
    del spec["root"]
    with pytest.raises(ConfigError) as e:
        create_config(spec, container_id="x", bundle="/b")
    assert e.value.field == "root"


@pytest.mark.parametrize("cgroup2", [False, True])
def test_example_spec_converts(cgroup2):
    spec = example_spec(cgroup2=cgroup2)
    assert spec["process"]["args"] == ["sh"] and spec["process"]["terminal"] is True
    cfg = create_config(spec, container_id="demo", bundle="/b")
    types = [ns.type for ns in cfg.namespaces]
    assert types[:5] == ["NEWPID", "NEWNET", "NEWIPC", "NEWUTS", "NEWNS"]
    assert ("NEWCGROUP" in types) is cgroup2
    assert cfg.cgroups.name == "demo" and cfg.cgroups.path == ""
    assert cfg.rlimits == [configs.Rlimit(type=7, hard=1024, soft=1024)]
    assert cfg.seccomp is None


def test_example_spec_is_fresh_each_time():
    a = example_spec(cgroup2=False)
    a["process"]["args"].append("x")
    assert example_spec(cgroup2=False)["process"]["args"] == ["sh"]


def test_rootless_spec_converts():
    spec = to_rootless(example_spec(cgroup2=False), euid=1000, egid=1001)
    types = [ns["type"] for ns in spec["linux"]["namespaces"]]
    assert "network" not in types and types[-1] == "user"
    assert "resources" not in spec["linux"]
    sys_mount = next(m for m in spec["mounts"] if m["destination"] == "/sys")
    assert sys_mount["options"] == ["rbind", "nosuid", "noexec", "nodev", "ro"]
    pts = next(m for m in spec["mounts"] if m["destination"] == "/dev/pts")
    assert "gid=5" not in pts["options"]
    cfg = create_config(spec, container_id="r", bundle="/b", rootless_euid=True, rootless_cgroups=True)
    assert cfg.uid_mappings == [configs.IDMap(0, 1000, 1)]
    assert cfg.gid_mappings == [configs.IDMap(0, 1001, 1)]
    assert all((d.uid, d.gid) == (1000, 1001) for d in cfg.devices)
    assert cfg.networks == []
    sys_cfg = next(m for m in cfg.mounts if m.destination == "/sys")
    assert sys_cfg.device == "bind" and sys_cfg.source == "/sys"


def test_userns_without_mappings_is_refused():
    spec = example_spec(cgroup2=False)
    spec["linux"]["namespaces"].append({"type": "user"})
    with pytest.raises(ConfigError) as e:
        create_config(spec, container_id="x", bundle="/b")
    assert e.value.field == "linux.uidMappings"


def test_duplicate_and_unknown_namespaces_are_refused():
    spec = example_spec(cgroup2=False)
    spec["linux"]["namespaces"].append({"type": "pid"})
    with pytest.raises(ConfigError, match="duplicated") as e:
        create_config(spec, container_id="x", bundle="/b")
    assert e.value.field == "linux.namespaces[5].type"
    spec["linux"]["namespaces"][5] = {"type": "pidd"}
    with pytest.raises(ConfigError) as e:
        create_config(spec, container_id="x", bundle="/b")
    assert e.value.field == "linux.namespaces[5].type"


def test_joined_netns_gets_no_loopback():
    spec = example_spec(cgroup2=False)
    spec["linux"]["namespaces"][1]["path"] = "/var/run/netns/x"
    assert create_config(spec, container_id="x", bundle="/b").networks == []


def test_unknown_fields_are_warned(caplog):
    spec = example_spec(cgroup2=False)
    spec["bogus"] = 1
    spec["linux"]["resources"]["memory"] = {"limit": 1, "kernel": 5, "tyop": 3}
    spec["linux"]["personality"] = {"domain": "LINUX", "flags": ["X"]}
    spec["windows"] = {"layerFolders": []}
    spec["linux"]["netDevices"] = {"eth1": {}}
    spec["process"]["user"]["username"] = "root"
    with caplog.at_level(logging.WARNING, logger="libcontainer.specconv"):
        create_config(spec, container_id="x", bundle="/b")
    text = caplog.text
    for field in (
        "bogus: unknown field",
        "linux.resources.memory.tyop: unknown field",
        "linux.resources.memory.kernel",
        "linux.personality.flags",
        "windows",
        "linux.netDevices",
        "process.user.username",
    ):
        assert field in text, field


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda s: s["linux"]["resources"].update(memory={"limit": -5}), "linux.resources.memory.limit"),
        (lambda s: s["linux"]["resources"].update(memory={"swappiness": 101}), "linux.resources.memory.swappiness"),
        (lambda s: s["linux"]["resources"].update(cpu={"shares": "x"}), "linux.resources.cpu.shares"),
        (lambda s: s["linux"]["resources"].update(pids={"limit": True}), "linux.resources.pids.limit"),
        (lambda s: s["linux"].update(personality={"domain": "LINUX64"}), "linux.personality.domain"),
        (lambda s: s["linux"].update(rootfsPropagation="sideways"), "linux.rootfsPropagation"),
        (lambda s: s["linux"].update(timeOffsets={"realtime": {"secs": 1}}), "linux.timeOffsets.realtime"),
        (lambda s: s["linux"].update(devices=[{"path": "/dev/x", "type": "q", "major": 1, "minor": 1}]),
         "linux.devices[0].type"),
        (lambda s: s["process"]["rlimits"].append({"type": "RLIMIT_NOFILE", "hard": 1, "soft": 1}),
         "process.rlimits[1].type"),
        (lambda s: s["process"]["rlimits"].append({"type": "RLIMIT_BOGUS", "hard": 1, "soft": 1}),
         "process.rlimits[1].type"),
        (lambda s: s["process"].update(oomScoreAdj=2000), "process.oomScoreAdj"),
        (lambda s: s["process"].update(cwd="relative"), "process.cwd"),
        (lambda s: s.update(hooks={"poststop": [{"path": "/x", "timeout": 0}]}), "hooks.poststop[0].timeout"),
        (lambda s: s.update(hooks={"poststop": [{"path": "rel"}]}), "hooks.poststop[0].path"),
        (lambda s: s.update(mounts=[{"destination": "/x", "source": "a\x00b", "options": ["bind"]}]),
         "mounts[0].source"),
        (lambda s: s.update(mounts=[{"type": "tmpfs"}]), "mounts[0].destination"),
        (lambda s: s.update(hostname=5), "hostname"),
    ],
)
def test_bad_values_name_the_field(mutate, field):
    spec = example_spec(cgroup2=False)
    mutate(spec)
    with pytest.raises(ConfigError) as e:
        create_config(spec, container_id="x", bundle="/b")
    assert e.value.field == field


def test_joined_userns_mappings_are_cached_and_idmap_uses_its_path():
    spec = example_spec(cgroup2=False)
    spec["linux"]["namespaces"].append({"type": "user", "path": "/proc/self/ns/user"})
    spec["mounts"].append({"destination": "/m", "source": "/srv", "options": ["rbind", "ridmap"]})
    cfg = create_config(spec, container_id="x", bundle="/b")
    with open("/proc/self/uid_map") as f:
        first = [int(x) for x in f.readline().split()]
    assert cfg.uid_mappings[0] == configs.IDMap(*first)
    idm = cfg.mounts[-1].id_mapping
    assert idm.recursive is True and idm.userns_path == "/proc/self/ns/user"
    assert idm.uid_mappings == [] and idm.gid_mappings == []


def test_joined_userns_with_other_mappings_is_refused():
    spec = example_spec(cgroup2=False)
    spec["linux"]["namespaces"].append({"type": "user", "path": "/proc/self/ns/user"})
    spec["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 4242, "size": 1}]
    spec["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 4242, "size": 1}]
    with pytest.raises(ConfigError) as e:
        create_config(spec, container_id="x", bundle="/b")
    assert e.value.field == "linux.uidMappings"


def test_config_round_trips_through_the_json_schema():
    pytest.importorskip("marshmallow")
    from libcontainer.configs import load

    cfg = create_config(full_spec(), container_id="ctr1", bundle=BUNDLE)
    assert load.config_from_dict(json.loads(json.dumps(load.config_to_dict(cfg)))) == cfg


def test_import_is_cheap():
    import subprocess
    import sys

    code = (
        "import sys, libcontainer.specconv as s; s.create_config(s.example_spec(), container_id='x', bundle='/b');"
        "print(sorted(m for m in ('marshmallow', 'pluggy', 'stevedore', 'libcontainer._nsenter') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
