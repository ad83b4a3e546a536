"""The config side imports only the parts a config has (configs, validate, specconv).

A fresh `pyrunc create`/`run`/`exec` pays ~0.3-0.5 ms per module it imports. The configs
package resolves its names on first use (PEP 562), the validation imports a check module
only when the config has the part it checks, and specconv imports the converters a spec
needs. Checked here: which modules each step imports (in a fresh interpreter), that every
public name still resolves to the same object, and that skipping a check never changes the
errors or their order.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from libcontainer import configs
from libcontainer.configs import validate as v
from libcontainer.configs.validate import CHECKS, HostProbe, errors, validate
from libcontainer.errors import ConfigError

#: Model modules a config without seccomp, scheduler, I/O priority, personality, Intel
#: RDT, time offsets and id mappings (the busybox example) has no use for.
ABSENT_PARTS = {
    "libcontainer.configs.seccomp", "libcontainer.configs.scheduler", "libcontainer.configs.intelrdt",
    "libcontainer.configs.iopriority", "libcontainer.configs.personality", "libcontainer.configs.timeoffset",
    "libcontainer.configs.idmap", "libcontainer.consts",
}
#: Standard modules the config side once pulled for a type annotation or one call (not
#: fcntl any more: `import libcontainer` takes it for the code cache's descriptor).
STDLIB = {"collections", "collections.abc", "importlib", "math", "errno"}


def _modules_after(code: str) -> set[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         check=True, env=env, capture_output=True, text=True)
    return set(out.stdout.split())


def _configs_modules(mods: set[str]) -> set[str]:
    return {m for m in mods if m.startswith("libcontainer.configs.")}


def test_importing_the_package_imports_no_submodule():
    mods = _modules_after("import libcontainer.configs")
    assert not _configs_modules(mods)
    assert not mods & (STDLIB | {"libcontainer.record"})


def test_the_config_class_imports_only_what_its_defaults_need():
    mods = _modules_after("from libcontainer.configs.config import Config\nConfig()")
    assert _configs_modules(mods) == {
        "libcontainer.configs.config", "libcontainer.configs.hooks", "libcontainer.configs.namespace"}
    assert not mods & STDLIB


def test_every_exported_name_resolves_to_its_submodule_object():
    import importlib

    for module, names in configs._EXPORTS.items():
        sub = importlib.import_module(f"libcontainer.configs.{module}")
        assert getattr(configs, module) is sub
        for name in names:
            assert getattr(configs, name) is getattr(sub, name), name
    assert sorted(configs.__all__) == sorted(configs._WHERE)
    assert set(configs.__all__) <= set(dir(configs))
    with pytest.raises(AttributeError):
        configs.NoSuchName  # noqa: B018


def test_star_import_and_submodule_access_in_a_fresh_process():
    mods = _modules_after(
        "import libcontainer.configs as c\n"
        "assert c.seccomp.Seccomp is c.Seccomp and c.Personality is c.LinuxPersonality\n"
        "ns = {}\nexec('from libcontainer.configs import *', ns)\n"
        "assert set(c.__all__) <= set(ns)")
    assert "libcontainer.configs.timeoffset" in mods  # the star import resolved every name


def _example_config():
    from libcontainer.specconv import create_config, example_spec

    spec = example_spec()
    spec["linux"]["cgroupsPath"] = "lazy"
    return create_config(spec, container_id="lazy")


_EXAMPLE = (
    "from libcontainer.specconv import create_config, example_spec\n"
    "spec = example_spec()\n"
    "spec['linux']['cgroupsPath'] = 'lazy'\n"
    "cfg = create_config(spec, container_id='lazy')\n"
)


def test_converting_validating_and_saving_the_example_spec_skip_the_absent_parts():
    mods = _modules_after(
        _EXAMPLE
        + "import os\ncfg.rootfs = os.getcwd()\n"
        "from libcontainer.configs.validate import validate\nvalidate(cfg)\n"
        "from libcontainer.configs.load import config_from_dict, config_to_dict\n"
        "assert config_from_dict(config_to_dict(cfg)) == cfg\n")
    assert not mods & ABSENT_PARTS
    assert not mods & STDLIB
    assert not mods & {"libcontainer.configs.validate.seccomp", "libcontainer.configs.validate.rootless",
                       "libcontainer.specconv.seccomp"}
    assert {"libcontainer.configs.validate.core", "libcontainer.configs.validate.cgroups"} <= mods


def test_exec_side_process_conversion_imports_only_specconv_process():
    mods = _modules_after(
        "from libcontainer.specconv import process_from_spec\n"
        "process_from_spec({'args': ['sh'], 'cwd': '/', 'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 9, 'soft': 9}]})")
    assert {m for m in mods if m.startswith("libcontainer.specconv")} == {
        "libcontainer.specconv", "libcontainer.specconv._fields", "libcontainer.specconv.process"}
    assert _configs_modules(mods) == {"libcontainer.configs.rlimit"}


def test_loading_a_saved_config_imports_the_models_it_has():
    from libcontainer.configs.load import config_to_dict

    d = config_to_dict(_example_config())
    mods = _modules_after(f"from libcontainer.configs.load import config_from_dict\nconfig_from_dict({d!r})")
    assert not mods & ABSENT_PARTS and "importlib" not in mods
    d["seccomp"] = {"default_action": 2, "architectures": [], "flags": [], "syscalls": []}
    mods = _modules_after(f"from libcontainer.configs.load import config_from_dict\nconfig_from_dict({d!r})")
    assert "libcontainer.configs.seccomp" in mods


def test_a_spec_with_every_part_still_converts_them_all():
    from libcontainer.specconv import create_config, example_spec

    spec = example_spec()
    spec["linux"]["cgroupsPath"] = "lazy"
    spec["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO",
                                "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}
    spec["linux"]["intelRdt"] = {"closID": "x"}
    spec["linux"]["personality"] = {"domain": "LINUX32"}
    spec["linux"]["namespaces"].append({"type": "time"})
    spec["linux"]["timeOffsets"] = {"monotonic": {"secs": 1}}
    spec["linux"]["resources"]["cpu"] = {"shares": 1024}
    spec["process"]["scheduler"] = {"policy": "SCHED_OTHER"}
    spec["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 1}
    cfg = create_config(spec, container_id="lazy")
    assert cfg.seccomp.default_action == configs.Action.ERRNO and cfg.seccomp.syscalls[0].name == "read"
    assert cfg.intel_rdt == configs.IntelRdt(clos_id="x")
    assert cfg.personality == configs.LinuxPersonality(domain=configs.PER_LINUX32)
    assert cfg.time_offsets == {"monotonic": configs.TimeOffset(secs=1)}
    assert cfg.cgroups.resources.cpu_weight == 100
    assert cfg.scheduler.policy == "SCHED_OTHER" and cfg.io_priority.priority == 1


def test_specconv_names_resolve_lazily():
    import importlib

    import libcontainer.specconv as sc

    for name, module in sc._WHERE.items():
        assert getattr(sc, name) is getattr(importlib.import_module(f"libcontainer.specconv.{module}"), name)
    assert set(sc.__all__) <= set(sc._WHERE)
    with pytest.raises(AttributeError):
        sc.no_such_name  # noqa: B018
    mods = _modules_after("import libcontainer.specconv")
    # the package itself is the lazy table alone: create_config lives in .convert
    assert not {m for m in mods if m.startswith("libcontainer.specconv.")}
    mods = _modules_after("from libcontainer.specconv import process_from_spec")
    assert {m for m in mods if m.startswith("libcontainer.specconv.")} == {
        "libcontainer.specconv._fields", "libcontainer.specconv.process"}


# ---- the gated checks: same errors, same order ----------------------------------------------


class _Host(HostProbe):
    """Every probe answers "no" without touching the host."""

    def namespace_supported(self, ns_type):
        return False

    def time_namespace_supported(self):
        return False

    def namespace_type_of(self, path):
        raise FileNotFoundError(2, "No such file or directory", path)

    def is_host_netns(self, path):
        return True

    def selinux_enabled(self):
        return False

    def cgroup2_unified(self):
        return False

    def intel_rdt_enabled(self):
        return False


def _broken_everywhere(**changes):
    c = configs
    cfg = c.Config(
        rootfs="relative",
        hostname="h", domainname="d",
        namespaces=[c.Namespace("NEWPID"), c.Namespace("NEWPID"), c.Namespace("NEWNET", "rel")],
        networks=[c.Network(type="loopback")],
        mask_paths=["rel"],
        sysctl={"kernel.msgmax": "1", "net.ipv4.ip_forward": "1", "vm.swappiness": "1"},
        cgroups=c.Cgroup(name="n", path="p", resources=c.Resources(cpu_weight=99999, freezer="X")),
        intel_rdt=c.IntelRdt(clos_id="a/b"),
        rootless_euid=True,
        mounts=[c.Mount(destination="rel", relabel="x", propagation_flags=[1])],
        devices=[c.Device(type="a", path="", file_mode=0o170000)],
        scheduler=c.Scheduler(policy="SCHED_NONE"),
        io_priority=c.IOPriority(class_="nope", priority=9),
        rlimits=[c.Rlimit(type=99, soft=2, hard=1)],
        umask=0o7777, parent_death_signal=99, oom_score_adj=5000,
        personality=c.LinuxPersonality(domain=5),
        seccomp=c.Seccomp(default_action=99, architectures=["zz"], flags=["f"],
                          syscalls=[c.Syscall(name="", action=99, args=[c.Arg(index=9, op=99)])]),
        hooks=c.Hooks(poststop=[c.Command(path="rel", timeout=-1), 5]),
        time_offsets={"bad": c.TimeOffset()},
    )
    for k, value in changes.items():
        setattr(cfg, k, value)
    return cfg


def _every_check(cfg, host):
    return [e for check in CHECKS for e in check(cfg, host)]


def _key(errs):
    return [(type(e), str(e)) for e in errs]


def test_the_plan_keeps_runcs_order():
    assert [f"{m}.{f}" for m, f, _ in v.PLAN] == [
        "cgroups.check", "core.rootfs", "core.network", "core.uts", "core.security", "core.namespaces",
        "core.sysctl", "core.intel_rdt", "rootless.check", "core.mounts", "core.devices",
        "process.scheduler", "process.io_priority", "process.rlimits", "process.misc", "seccomp.check",
        "core.hooks",
    ]
    assert len(CHECKS) == len(v.PLAN)


@pytest.mark.parametrize("changes", [
    {},
    {"seccomp": None},
    {"rootless_euid": False},
    {"cgroups": None},
    {"seccomp": None, "rootless_euid": False, "cgroups": None, "scheduler": None, "io_priority": None,
     "personality": None, "time_offsets": {}},
])
def test_gated_checks_give_the_same_errors_in_the_same_order(changes):
    cfg = _broken_everywhere(**changes)
    host = _Host()
    found = errors(cfg, host)
    assert found and _key(found) == _key(_every_check(cfg, host))
    with pytest.raises(ConfigError) as raised:
        validate(cfg, host)
    assert str(raised.value) == str(found[0])
    fields = {e.field.split("[")[0].split(".")[0] for e in found}
    assert ("seccomp" in fields) == (cfg.seccomp is not None)
    assert ("uid_mappings" in fields) == cfg.rootless_euid  # rootless: no mappings


def test_the_example_config_has_no_errors_either_way(tmp_path):
    cfg = _example_config()
    cfg.rootfs = str(tmp_path)
    host = _Host()
    host.namespace_supported = lambda ns_type: True
    assert errors(cfg, host) == [] == _every_check(cfg, host)
