"""Every validation rule, accepted and refused. Host facts come from FakeHost unless the
test is about the real namespace probing."""

from __future__ import annotations

import pytest

from libcontainer import configs
from libcontainer.configs.validate import HostProbe, NotANamespace, errors, validate
from libcontainer.configs.validate.core import sysctl_dotted
from libcontainer.errors import ConfigError

ALL_NS = ["NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET", "NEWCGROUP"]


class FakeHost(HostProbe):
    def __init__(self, **answers):
        super().__init__()
        self.answers = {
            "supported": True,
            "timens": True,
            "selinux": False,
            "cgroup2": True,
            "rdt": False,
            "cat": False,
            "mba": False,
            "hostnet": False,
            "ns_types": {},
        }
        self.answers.update(answers)

    def namespace_supported(self, ns_type):
        return self.answers["supported"]

    def time_namespace_supported(self):
        return self.answers["timens"]

    def namespace_type_of(self, path):
        kinds = self.answers["ns_types"]
        if path not in kinds:
            raise FileNotFoundError(2, "No such file or directory", path)
        if kinds[path] is None:
            raise NotANamespace(path)
        return kinds[path]

    def is_host_netns(self, path):
        if self.answers["hostnet"] is None:
            raise FileNotFoundError(2, "No such file or directory", path)
        return self.answers["hostnet"]

    def selinux_enabled(self):
        return self.answers["selinux"]

    def cgroup2_unified(self):
        return self.answers["cgroup2"]

    def intel_rdt_enabled(self):
        return self.answers["rdt"]

    def intel_rdt_cat_enabled(self):
        return self.answers["cat"]

    def intel_rdt_mba_enabled(self):
        return self.answers["mba"]


def base_config(tmp_path) -> configs.Config:
    """A config every rule accepts: a real rootfs directory and private namespaces."""
    rootfs = tmp_path / "rootfs"
    rootfs.mkdir()
    return configs.Config(
        rootfs=str(rootfs),
        namespaces=[configs.Namespace(t) for t in ALL_NS],
        cgroups=configs.Cgroup(path="/c1"),
    )


@pytest.fixture
def cfg(tmp_path):
    return base_config(tmp_path)


def fields_of(cfg, host=None):
    return [e.field for e in errors(cfg, host or FakeHost())]


def assert_refused(cfg, field, host=None, value=...):
    found = errors(cfg, host or FakeHost())
    matching = [e for e in found if e.field == field]
    assert matching, f"expected an error on {field}, got {[str(e) for e in found]}"
    if value is not ...:
        assert matching[0].value == value
    with pytest.raises(ConfigError):
        validate(cfg, host or FakeHost())
    return matching[0]


def assert_ok(cfg, host=None):
    assert [str(e) for e in errors(cfg, host or FakeHost())] == []
    validate(cfg, host or FakeHost())


def test_baseline_is_valid(cfg):
    assert_ok(cfg)


def test_validate_raises_first_error_as_config_error(cfg):
    cfg.hostname = "h"
    cfg.namespaces.remove_type("NEWUTS")
    with pytest.raises(ConfigError) as exc:
        validate(cfg, FakeHost())
    assert exc.value.field == "hostname" and exc.value.value == "h"


# --- rootfs ------------------------------------------------------------------------


def test_rootfs_missing(cfg, tmp_path):
    cfg.rootfs = str(tmp_path / "nope")
    assert_refused(cfg, "rootfs", value=cfg.rootfs)


def test_rootfs_empty(cfg):
    cfg.rootfs = ""
    assert_refused(cfg, "rootfs")


def test_rootfs_relative(cfg):
    cfg.rootfs = "rootfs"
    assert "absolute" in assert_refused(cfg, "rootfs").message


def test_rootfs_not_a_directory(cfg, tmp_path):
    f = tmp_path / "file"
    f.write_text("")
    cfg.rootfs = str(f)
    assert "directory" in assert_refused(cfg, "rootfs").message


def test_rootfs_symlink_refused(cfg, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(cfg.rootfs)
    cfg.rootfs = str(link)
    assert "symlink" in assert_refused(cfg, "rootfs").message


def test_rootfs_symlinked_parent_refused(cfg, tmp_path):
    (tmp_path / "parent").symlink_to(tmp_path)
    cfg.rootfs = str(tmp_path / "parent" / "rootfs")
    assert_refused(cfg, "rootfs")


def test_rootfs_unclean_but_resolving_path_accepted(cfg):
    # runc compares the cleaned path with the resolved one, so "/x/." is fine.
    cfg.rootfs = cfg.rootfs + "/."
    assert_ok(cfg)


# --- network / uts / security ------------------------------------------------------


def test_networks_and_routes_need_netns(cfg):
    cfg.networks = [configs.Network(type="loopback")]
    cfg.routes = [configs.Route(destination="0.0.0.0/0")]
    assert_ok(cfg)
    cfg.namespaces.remove_type("NEWNET")
    assert {"networks", "routes"} <= set(fields_of(cfg))


@pytest.mark.parametrize("attr", ["hostname", "domainname"])
def test_uts_names_need_utsns(cfg, attr):
    setattr(cfg, attr, "x")
    assert_ok(cfg)
    cfg.namespaces.remove_type("NEWUTS")
    assert_refused(cfg, attr, value="x")


@pytest.mark.parametrize("attr", ["mask_paths", "readonly_paths"])
def test_masked_and_readonly_paths_need_mntns(cfg, attr):
    setattr(cfg, attr, ["/proc/kcore"])
    assert_ok(cfg)
    cfg.namespaces.remove_type("NEWNS")
    assert "MNT namespace" in assert_refused(cfg, attr).message


def test_masked_paths_must_be_absolute(cfg):
    cfg.mask_paths = ["proc/kcore"]
    assert_refused(cfg, "mask_paths[0]", value="proc/kcore")


def test_process_label_needs_selinux(cfg):
    cfg.process_label = "system_u:system_r:container_t:s0"
    assert_ok(cfg, FakeHost(selinux=True))
    assert_refused(cfg, "process_label", FakeHost(selinux=False))


# --- namespaces --------------------------------------------------------------------


def test_unknown_and_duplicate_namespace_types(cfg):
    cfg.namespaces.append(configs.Namespace("NEWFOO"))
    assert_refused(cfg, f"namespaces[{len(ALL_NS)}].type", value="NEWFOO")
    cfg.namespaces[-1] = configs.Namespace("NEWNS")
    assert "twice" in assert_refused(cfg, f"namespaces[{len(ALL_NS)}].type").message


def test_unsupported_namespace_refused(cfg):
    assert_refused(cfg, "namespaces[0].type", FakeHost(supported=False))


def test_namespace_path_of_right_type_accepted(cfg):
    cfg.namespaces.add("NEWNET", "/run/netns/a")
    assert_ok(cfg, FakeHost(ns_types={"/run/netns/a": "NEWNET"}))


def test_namespace_path_of_wrong_type_refused(cfg):
    cfg.namespaces.add("NEWNET", "/run/netns/a")
    err = assert_refused(cfg, "namespaces[4].path", FakeHost(ns_types={"/run/netns/a": "NEWUTS"}))
    assert "NEWUTS" in err.message and err.value == "/run/netns/a"


def test_namespace_path_not_a_namespace_or_missing(cfg):
    cfg.namespaces.add("NEWNET", "/run/netns/a")
    assert (
        "not a namespace"
        in assert_refused(
            cfg, "namespaces[4].path", FakeHost(ns_types={"/run/netns/a": None})
        ).message
    )
    assert "cannot open" in assert_refused(cfg, "namespaces[4].path").message


def test_namespace_path_must_be_absolute(cfg):
    cfg.namespaces.add("NEWNET", "netns")
    assert_refused(cfg, "namespaces[4].path", value="netns")


def test_real_probe_checks_namespace_type(cfg, tmp_path):
    cfg.namespaces.add("NEWUTS", "/proc/self/ns/uts")
    cfg.namespaces.add("NEWIPC", "/proc/self/ns/ipc")
    assert [e.field for e in errors(cfg) if e.field.startswith("namespaces")] == []
    cfg.namespaces.add("NEWIPC", "/proc/self/ns/uts")
    bogus = tmp_path / "ns"
    bogus.write_text("")
    cfg.namespaces.add("NEWPID", str(bogus))
    found = {e.field: e.message for e in errors(cfg)}
    assert "of type NEWUTS, expected NEWIPC" in found["namespaces[2].path"]
    assert "not a namespace" in found["namespaces[3].path"]


def test_mappings_need_userns(cfg):
    cfg.uid_mappings = [configs.IDMap(0, 1000, 1)]
    cfg.gid_mappings = [configs.IDMap(0, 1000, 1)]
    assert {"uid_mappings", "gid_mappings"} <= set(fields_of(cfg))
    cfg.namespaces.add("NEWUSER")
    assert_ok(cfg)


def test_new_userns_needs_mappings(cfg):
    cfg.namespaces.add("NEWUSER")
    assert {"uid_mappings", "gid_mappings"} <= set(fields_of(cfg))


def test_joined_userns_needs_no_mappings(cfg):
    cfg.namespaces.add("NEWUSER", "/proc/1/ns/user")
    assert_ok(cfg, FakeHost(ns_types={"/proc/1/ns/user": "NEWUSER"}))


def test_mapping_sizes_checked(cfg):
    cfg.namespaces.add("NEWUSER")
    cfg.uid_mappings = [configs.IDMap(0, 1000, 0)]
    cfg.gid_mappings = [configs.IDMap(0, -1, 1)]
    assert {"uid_mappings[0].size", "gid_mappings[0]"} <= set(fields_of(cfg))


def test_time_offsets_need_timens(cfg):
    cfg.time_offsets = {"monotonic": configs.TimeOffset(10, 0)}
    assert_refused(cfg, "time_offsets")
    cfg.namespaces.add("NEWTIME")
    assert_ok(cfg)
    assert_refused(cfg, "namespaces", FakeHost(timens=False))


def test_time_offsets_unknown_clock_and_joined_timens(cfg):
    cfg.namespaces.add("NEWTIME")
    cfg.time_offsets = {"realtime": configs.TimeOffset(1, 0)}
    assert_refused(cfg, "time_offsets['realtime']")
    cfg.time_offsets = {"boottime": configs.TimeOffset(1, 0)}
    cfg.namespaces.add("NEWTIME", "/proc/1/ns/time")
    assert_refused(cfg, "time_offsets", FakeHost(ns_types={"/proc/1/ns/time": "NEWTIME"}))


def test_cgroupns_needs_kernel_support(cfg):
    host = FakeHost()
    host.namespace_supported = lambda t: t != "NEWCGROUP"
    assert "cgroup namespaces" in assert_refused(cfg, "namespaces", host).message


# --- sysctl ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, dotted",
    [
        ("net.ipv4.ip_forward", "net.ipv4.ip_forward"),
        ("net/ipv4/conf/eno2.100/rp_filter", "net.ipv4.conf.eno2/100.rp_filter"),
        ("", ""),
    ],
)
def test_sysctl_slash_separator(raw, dotted):
    assert sysctl_dotted(raw) == dotted


@pytest.mark.parametrize("key", ["kernel.msgmax", "kernel.shm_rmid_forced", "fs.mqueue.msg_max"])
def test_ipc_sysctls_need_ipcns(cfg, key):
    cfg.sysctl = {key: "1"}
    assert_ok(cfg)
    cfg.namespaces.remove_type("NEWIPC")
    assert_refused(cfg, f"sysctl[{key!r}]", value=key)


def test_net_sysctls_need_private_netns(cfg):
    cfg.sysctl = {"net.ipv4.ip_forward": "1", "net/ipv4/conf/eth0.1/rp_filter": "1"}
    assert_ok(cfg)
    cfg.namespaces.remove_type("NEWNET")
    assert set(fields_of(cfg)) == {
        "sysctl['net.ipv4.ip_forward']",
        "sysctl['net/ipv4/conf/eth0.1/rp_filter']",
    }


def test_net_sysctls_with_joined_netns(cfg):
    cfg.sysctl = {"net.core.somaxconn": "1024"}
    cfg.namespaces.add("NEWNET", "/run/netns/a")
    kinds = {"/run/netns/a": "NEWNET"}
    assert_ok(cfg, FakeHost(ns_types=kinds, hostnet=False))
    assert_refused(cfg, "sysctl['net.core.somaxconn']", FakeHost(ns_types=kinds, hostnet=True))
    assert (
        "invalid netns path"
        in assert_refused(cfg, "namespaces", FakeHost(ns_types=kinds, hostnet=None)).message
    )


def test_real_host_netns_detection(cfg):
    cfg.sysctl = {"net.core.somaxconn": "1024"}
    cfg.namespaces.add("NEWNET", "/proc/self/ns/net")
    assert "sysctl['net.core.somaxconn']" in [e.field for e in errors(cfg)]


def test_uts_sysctls(cfg):
    cfg.sysctl = {"kernel.domainname": "example.org"}
    assert_ok(cfg)
    cfg.sysctl = {"kernel.hostname": "h"}
    assert "hostname field" in assert_refused(cfg, "sysctl['kernel.hostname']").message
    cfg.sysctl = {"kernel.domainname": "example.org"}
    cfg.namespaces.remove_type("NEWUTS")
    assert_refused(cfg, "sysctl['kernel.domainname']")


@pytest.mark.parametrize("key", ["kernel.pid_max", "vm.swappiness", "fs.file-max"])
def test_non_namespaced_sysctls_refused(cfg, key):
    cfg.sysctl = {key: "1"}
    assert "not in a separate kernel namespace" in assert_refused(cfg, f"sysctl[{key!r}]").message


# --- intel rdt ---------------------------------------------------------------------


def test_intel_rdt_needs_support(cfg):
    cfg.intel_rdt = configs.IntelRdt(clos_id="grp")
    assert_ok(cfg, FakeHost(rdt=True))
    assert_refused(cfg, "intel_rdt", FakeHost(rdt=False))


@pytest.mark.parametrize("clos", [".", "..", "a/b"])
def test_intel_rdt_bad_clos_id(cfg, clos):
    cfg.intel_rdt = configs.IntelRdt(clos_id=clos)
    assert_refused(cfg, "intel_rdt.clos_id", FakeHost(rdt=True), value=clos)


def test_intel_rdt_cat_and_mba(cfg):
    cfg.intel_rdt = configs.IntelRdt(l3_cache_schema="L3:0=ff", mem_bw_schema="MB:0=50")
    assert_ok(cfg, FakeHost(rdt=True, cat=True, mba=True))
    found = fields_of(cfg, FakeHost(rdt=True))
    assert {"intel_rdt.l3_cache_schema", "intel_rdt.mem_bw_schema"} <= set(found)
