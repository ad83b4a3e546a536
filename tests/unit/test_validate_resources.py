"""Validation rules for cgroups, mounts, devices, process attributes, seccomp and hooks,
each accepted and refused (shared fixtures live in test_validate.py)."""

from __future__ import annotations

import pytest
from test_validate import FakeHost, assert_ok, assert_refused, base_config, fields_of

from libcontainer import configs
from libcontainer.configs.validate import errors
from libcontainer.configs.validate.cgroups import memory_swap_v2


@pytest.fixture
def cfg(tmp_path):
    return base_config(tmp_path)


# --- cgroups -----------------------------------------------------------------------


def test_cgroup_path_excludes_name_and_parent(cfg):
    cfg.cgroups = configs.Cgroup(name="c", parent="p")
    assert_ok(cfg)
    cfg.cgroups.path = "/c"
    assert_refused(cfg, "cgroups.path", value="/c")


def test_systemd_path_format(cfg):
    cfg.cgroups = configs.Cgroup(path="system.slice:runc:c1", systemd=True)
    assert_ok(cfg)
    cfg.cgroups.path = "/c1"
    assert_refused(cfg, "cgroups.path")
    cfg.cgroups.systemd = False
    cfg.cgroup_driver = "systemd"
    assert_refused(cfg, "cgroups.path")


def test_cgroup_driver_name(cfg):
    cfg.cgroup_driver = "fs2"
    assert_ok(cfg)
    cfg.cgroup_driver = ""
    assert_refused(cfg, "cgroup_driver")


def test_unified_needs_cgroup2(cfg):
    cfg.cgroups.resources.unified = {"memory.high": "1G"}
    assert_ok(cfg)
    assert_refused(cfg, "cgroups.resources.unified", FakeHost(cgroup2=False))


@pytest.mark.parametrize("key", ["memory/high", "nodot", "../x"])
def test_unified_keys_are_controller_files(cfg, key):
    cfg.cgroups.resources.unified = {key: "1"}
    assert_refused(cfg, f"cgroups.resources.unified[{key!r}]")


@pytest.mark.parametrize(
    "memory, swap, ok",
    [
        (0, 0, True),
        (100, 200, True),
        (100, 100, True),
        (100, -1, True),
        (-1, 0, True),
        (-1, -1, True),
        (200, 100, False),
        (0, 100, False),
        (-1, 100, False),
    ],
)
def test_memory_swap_sanity(cfg, memory, swap, ok):
    cfg.cgroups.resources.memory = memory
    cfg.cgroups.resources.memory_swap = swap
    if ok:
        assert_ok(cfg)
    else:
        assert_refused(cfg, "cgroups.resources.memory_swap", value=swap)


def test_memory_swap_v2_conversion():
    assert memory_swap_v2(300, 100) == 200
    assert memory_swap_v2(0, -1) == -1
    with pytest.raises(ValueError, match=">= memory"):
        memory_swap_v2(50, 100)


@pytest.mark.parametrize(
    "attr, bad, good",
    [
        ("memory", -2, 1 << 20),
        ("memory_reservation", -5, 1 << 20),
        ("memory_swappiness", 101, 100),
        ("cpu_quota", -2, -1),
        ("cpu_weight", 10001, 10000),
        ("blkio_weight", 5, 10),
        ("blkio_leaf_weight", 1001, 1000),
        ("cpu_idle", 2, 1),
        ("cpuset_cpus", "0-", "0-3,5"),
        ("cpuset_mems", "a", "0"),
        ("freezer", "PAUSED", "FROZEN"),
    ],
)
def test_resource_ranges(cfg, attr, bad, good):
    setattr(cfg.cgroups.resources, attr, good)
    assert_ok(cfg)
    setattr(cfg.cgroups.resources, attr, bad)
    assert_refused(cfg, f"cgroups.resources.{attr}", value=bad)


def test_blkio_weight_device_and_hugetlb(cfg):
    r = cfg.cgroups.resources
    r.blkio_weight_device = [configs.WeightDevice(8, 0, 500, 0)]
    r.hugetlb_limit = [configs.HugepageLimit("2MB", 1 << 21)]
    assert_ok(cfg)
    r.blkio_weight_device[0].weight = 5
    r.hugetlb_limit[0].pagesize = ""
    found = set(fields_of(cfg))
    assert "cgroups.resources.blkio_weight_device[0].weight" in found
    assert "cgroups.resources.hugetlb_limit[0].pagesize" in found


def test_device_rules(cfg):
    r = cfg.cgroups.resources
    r.devices = [
        configs.DeviceRule("a", -1, -1, "rwm", False),
        configs.DeviceRule("c", 1, 3, "rw", True),
    ]
    assert_ok(cfg)
    r.devices = [
        configs.DeviceRule("x", 1, 3, "rwm", True),
        configs.DeviceRule("c", -2, 3, "rwq", True),
    ]
    found = set(fields_of(cfg))
    assert {
        "cgroups.resources.devices[0].type",
        "cgroups.resources.devices[1].major",
        "cgroups.resources.devices[1].permissions",
    } <= found


def test_skip_devices_conflicts_with_rules(cfg):
    r = cfg.cgroups.resources
    r.skip_devices = True
    assert_ok(cfg)
    r.devices = [configs.DeviceRule("c", 1, 3, "rwm", True)]
    assert_refused(cfg, "cgroups.resources.skip_devices")


def test_no_cgroups_is_fine(cfg):
    cfg.cgroups = None
    assert_ok(cfg)


# --- rootless ----------------------------------------------------------------------


def test_rootless_needs_userns_and_mappings(cfg):
    cfg.rootless_euid = True
    assert {"namespaces", "uid_mappings", "gid_mappings"} <= set(fields_of(cfg))
    cfg.namespaces.add("NEWUSER")
    cfg.uid_mappings = [configs.IDMap(0, 1000, 1)]
    cfg.gid_mappings = [configs.IDMap(0, 1000, 1)]
    assert_ok(cfg)


def test_rootless_mount_uid_gid_options(cfg):
    cfg.rootless_euid = True
    cfg.namespaces.add("NEWUSER")
    cfg.uid_mappings = [configs.IDMap(0, 1000, 1)]
    cfg.gid_mappings = [configs.IDMap(0, 1000, 1)]
    cfg.mounts = [configs.Mount("tmpfs", "/tmp", "tmpfs", data="uid=0,gid=0,mode=1777,uid=x")]
    assert_ok(cfg)
    cfg.mounts[0].data = "uid=5"
    assert_refused(cfg, "mounts[0].data", value="uid=5")
    cfg.mounts[0].data = "gid=5"
    assert_refused(cfg, "mounts[0].data", value="gid=5")


# --- mounts ------------------------------------------------------------------------


def test_mount_destination_absolute(cfg):
    cfg.mounts = [configs.Mount("proc", "/proc", "proc")]
    assert_ok(cfg)
    cfg.mounts[0].destination = "proc"
    assert_refused(cfg, "mounts[0].destination", value="proc")


def test_bind_mount_with_data_refused(cfg):
    cfg.mounts = [configs.Mount("/src", "/dst", "bind", flags=0x1000)]
    assert_ok(cfg)
    cfg.mounts[0].data = "size=1"
    assert_refused(cfg, "mounts[0].data")


def test_mount_propagation_and_relabel(cfg):
    cfg.mounts = [
        configs.Mount("/s", "/d", "bind", flags=0x1000, propagation_flags=[0x44000], relabel="z")
    ]
    assert_ok(cfg)
    # each of MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED, alone or with MS_REC (rslave...)
    for flag in (1 << 17, 1 << 18, 1 << 19, 1 << 20):
        for rec in (0, 0x4000):
            cfg.mounts[0].propagation_flags = [flag | rec]
            assert_ok(cfg)
    cfg.mounts[0].propagation_flags = [0x1]
    cfg.mounts[0].relabel = "q"
    assert {"mounts[0].propagation_flags[0]", "mounts[0].relabel"} <= set(fields_of(cfg))


def test_idmapped_mounts(cfg):
    maps = [configs.IDMap(0, 1000, 1)]
    m = configs.Mount(
        "/src",
        "/dst",
        "bind",
        flags=0x1000,
        id_mapping=configs.MountIDMapping(uid_mappings=maps, gid_mappings=maps),
    )
    cfg.mounts = [m]
    assert_ok(cfg)
    m.id_mapping.userns_path = "/proc/1/ns/user"
    assert_refused(cfg, "mounts[0].id_mapping")
    m.id_mapping = configs.MountIDMapping(userns_path="/proc/1/ns/user")
    assert_ok(cfg)
    m.id_mapping = configs.MountIDMapping(uid_mappings=maps)
    assert_refused(cfg, "mounts[0].id_mapping")
    m.id_mapping = configs.MountIDMapping(userns_path="/proc/1/ns/user")
    m.flags = 0
    assert_refused(cfg, "mounts[0].id_mapping")
    m.flags = 0x1000
    m.source = "src"
    assert_refused(cfg, "mounts[0].source")
    m.source = "/src"
    cfg.rootless_euid = True
    assert (
        "EUID"
        in [e for e in errors(cfg, FakeHost()) if e.field == "mounts[0].id_mapping"][0].message
    )


# --- device nodes ------------------------------------------------------------------


def test_device_nodes(cfg):
    cfg.devices = [configs.Device("c", 1, 3, "rwm", True, "/dev/null", 0o666)]
    assert_ok(cfg)
    cfg.devices = [configs.Device("a", -1, -1, "rwm", True, "dev/x", 0o100666)]
    found = set(fields_of(cfg))
    assert {"devices[0].type", "devices[0].path", "devices[0].file_mode"} <= found
    cfg.devices = [configs.Device("b", -1, 0, "rwm", True, "/dev/sda")]
    assert_refused(cfg, "devices[0]")


# --- process attributes ------------------------------------------------------------


def test_rlimits(cfg):
    cfg.rlimits = [configs.Rlimit(7, 1024, 1024), configs.Rlimit(4, 0, 0)]
    assert_ok(cfg)
    cfg.rlimits = [configs.Rlimit(99, 1, 1)]
    assert_refused(cfg, "rlimits[0].type", value=99)
    cfg.rlimits = [configs.Rlimit(7, 1, 1), configs.Rlimit(7, 1, 1)]
    assert_refused(cfg, "rlimits[1].type")
    cfg.rlimits = [configs.Rlimit(7, 1, 2)]
    assert_refused(cfg, "rlimits[0].soft", value=2)


@pytest.mark.parametrize(
    "sched, field",
    [
        (configs.Scheduler(policy=""), "scheduler.policy"),
        (configs.Scheduler(policy="SCHED_FAST"), "scheduler.policy"),
        (configs.Scheduler(policy="SCHED_OTHER", nice=20), "scheduler.nice"),
        (configs.Scheduler(policy="SCHED_OTHER", nice=-21), "scheduler.nice"),
        (configs.Scheduler(policy="SCHED_OTHER", priority=5), "scheduler.priority"),
        (configs.Scheduler(policy="SCHED_FIFO", priority=100), "scheduler.priority"),
        (configs.Scheduler(policy="SCHED_RR", runtime=5), "scheduler"),
        (configs.Scheduler(policy="SCHED_OTHER", flags=["SCHED_FLAG_X"]), "scheduler.flags[0]"),
    ],
)
def test_scheduler_refused(cfg, sched, field):
    cfg.scheduler = sched
    assert_refused(cfg, field)


@pytest.mark.parametrize(
    "sched",
    [
        configs.Scheduler(policy="SCHED_OTHER", nice=-20),
        configs.Scheduler(policy="SCHED_FIFO", priority=99),
        configs.Scheduler(
            policy="SCHED_DEADLINE", runtime=1, deadline=2, period=3, flags=["SCHED_FLAG_RECLAIM"]
        ),
    ],
)
def test_scheduler_accepted(cfg, sched):
    cfg.scheduler = sched
    assert_ok(cfg)


def test_io_priority(cfg):
    cfg.io_priority = configs.IOPriority("IOPRIO_CLASS_RT", 7)
    assert_ok(cfg)
    cfg.io_priority = configs.IOPriority("IOPRIO_CLASS_RT", 8)
    assert_refused(cfg, "io_priority.priority", value=8)
    cfg.io_priority = configs.IOPriority("IOPRIO_CLASS_FAST", 0)
    assert_refused(cfg, "io_priority.class_")


@pytest.mark.parametrize(
    "attr, good, bad",
    [
        ("umask", 0o022, 0o1000),
        ("parent_death_signal", 9, 65),
        ("oom_score_adj", -1000, 1001),
        ("personality", configs.LinuxPersonality(8), configs.LinuxPersonality(3)),
    ],
)
def test_scalar_ranges(cfg, attr, good, bad):
    setattr(cfg, attr, good)
    assert_ok(cfg)
    setattr(cfg, attr, bad)
    assert fields_of(cfg)[0].startswith(attr)


# --- seccomp -----------------------------------------------------------------------


def _seccomp(**kw):
    base = dict(
        default_action=configs.Action.ERRNO,
        architectures=["amd64", "SCMP_ARCH_X86"],
        flags=["SECCOMP_FILTER_FLAG_TSYNC"],
        syscalls=[
            configs.Syscall(
                "read", configs.Action.ALLOW, args=[configs.Arg(0, 1, 0, configs.Operator.EQUAL_TO)]
            )
        ],
    )
    base.update(kw)
    return configs.Seccomp(**base)


def test_seccomp_accepted(cfg):
    cfg.seccomp = _seccomp()
    assert_ok(cfg)


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"default_action": 0}, "seccomp.default_action"),
        ({"default_action": configs.Action.NOTIFY}, "seccomp.default_action"),
        ({"architectures": ["vax"]}, "seccomp.architectures[0]"),
        ({"flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}, "seccomp.flags[0]"),
        ({"syscalls": [configs.Syscall("", configs.Action.ALLOW)]}, "seccomp.syscalls[0].name"),
        ({"syscalls": [configs.Syscall("read", 42)]}, "seccomp.syscalls[0].action"),
        (
            {"syscalls": [configs.Syscall("read", 4, args=[configs.Arg(0, 1, 0, 9)])]},
            "seccomp.syscalls[0].args[0].op",
        ),
        (
            {"syscalls": [configs.Syscall("read", 4, args=[configs.Arg(6, 1, 0, 1)])]},
            "seccomp.syscalls[0].args[0].index",
        ),
        (
            {"syscalls": [configs.Syscall("read", 4, args=[configs.Arg(i) for i in range(7)])]},
            "seccomp.syscalls[0].args",
        ),
    ],
)
def test_seccomp_refused(cfg, kw, field):
    cfg.seccomp = _seccomp(**kw)
    assert_refused(cfg, field)


# --- hooks -------------------------------------------------------------------------


def test_hooks(cfg):
    cfg.hooks.prestart = [configs.Command("/bin/true", timeout=1.0), lambda state: None]
    assert_ok(cfg)
    cfg.hooks.poststop = [configs.Command("true")]
    assert_refused(cfg, "hooks.poststop[0].path", value="true")
    cfg.hooks.poststop = [configs.Command("/bin/true", timeout=0)]
    assert_refused(cfg, "hooks.poststop[0].timeout")
    cfg.hooks.poststop = ["not callable"]
    assert_refused(cfg, "hooks.poststop[0]")


def test_loaded_runc_config_validates(tmp_path):
    from test_schemas import RUNC_STATE_CONFIG

    from libcontainer.configs.load import config_from_json

    loaded = config_from_json(RUNC_STATE_CONFIG)
    loaded.rootfs = str(tmp_path)
    assert_ok(loaded)
