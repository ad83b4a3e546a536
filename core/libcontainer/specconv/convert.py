"""config.json -> Config: the conversion ``create_config`` makes, top-level and ``linux`` fields.

Its own module so that ``exec``, which converts a process alone (``.process``), never loads
it: the package imports what is asked for (see ``__init__``).
"""

from __future__ import annotations

import os
import posixpath

from libcontainer.errors import ConfigError

from . import _fields as F

TOP_KEYS = (
    "ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks",
    "annotations", "linux",
)
OTHER_PLATFORMS = ("solaris", "windows", "vm", "zos")
LINUX_KEYS = (
    "uidMappings", "gidMappings", "sysctl", "resources", "cgroupsPath", "namespaces",
    "devices", "seccomp", "rootfsPropagation", "maskedPaths", "readonlyPaths", "mountLabel",
    "intelRdt", "personality", "timeOffsets", "netDevices", "memoryPolicy",
)
# Newer runtime-spec fields the Config model has no place for yet (see the report).
LINUX_NOT_HONOURED = {
    "netDevices": "moving host network devices into the container is not supported yet",
    "memoryPolicy": "set_mempolicy(2) is not supported yet",
}
_INTEL_RDT_KEYS = (
    "closID", "schemata", "l3CacheSchema", "memBwSchema", "enableCMT", "enableMBM",
    "enableMonitoring",
)


def create_config(
    spec: dict,
    *,
    container_id: str,
    bundle: str | None = None,
    use_systemd_cgroup: bool = False,
    no_pivot_root: bool = False,
    no_new_keyring: bool = False,
    rootless_euid: bool = False,
    rootless_cgroups: bool = False,
):
    """Convert a parsed config.json into a ``Config`` for container ``container_id``.

    ``bundle`` (default: the current directory, which is where runc runs from) anchors the
    relative paths: ``root.path`` and the sources of bind mounts. It is also recorded as
    the ``bundle=<path>`` label, where ``state`` finds it later.
    """
    from libcontainer.configs.config import Config

    from .constants import OCI_VERSION
    from .devices import create_devices
    from .mounts import create_mount
    from .process import create_hooks, process_from_spec
    from .resources import create_cgroup_config

    spec = F.obj(spec, "spec", required=True)
    F.warn_unknown(spec, TOP_KEYS + OTHER_PLATFORMS, "")
    for key in OTHER_PLATFORMS:
        if spec.get(key) is not None:
            F.warn_ignored(key, "not a Linux field")
    version = F.get_str(spec, "ociVersion", "")
    if version and not version.startswith("1."):
        F.log.warning("ociVersion: %s is not a 1.x runtime-spec version", version)
    bundle = os.path.abspath(bundle if bundle is not None else os.getcwd())

    root = F.obj(spec.get("root"), "root", required=True)
    F.warn_unknown(root, ("path", "readonly"), "root")
    rootfs = F.get_str(root, "path", "root")
    if not rootfs:
        raise ConfigError("root.path", "must be specified")
    rootfs = posixpath.normpath(posixpath.join(bundle, rootfs))

    annotations = F.get_str_map(spec, "annotations", "") or {}
    cfg = Config(
        rootfs=F.no_nul(rootfs, "root.path"),
        no_pivot_root=no_pivot_root,
        readonlyfs=F.get_bool(root, "readonly", "root"),
        hostname=F.get_str(spec, "hostname", ""),
        domainname=F.get_str(spec, "domainname", ""),
        labels=[f"{k}={v}" for k, v in annotations.items()] + [f"bundle={bundle}"],
        no_new_keyring=no_new_keyring,
        rootless_euid=rootless_euid,
        rootless_cgroups=rootless_cgroups,
        cgroup_driver="systemd" if use_systemd_cgroup else None,
    )
    cfg.mounts = [
        create_mount(m, bundle, f"mounts[{i}]") for i, m in enumerate(F.lst(spec.get("mounts"), "mounts"))
    ]

    linux = F.obj(spec.get("linux"), "linux")
    cfg.devices, default_rules = create_devices(linux)
    cfg.cgroups = create_cgroup_config(
        spec, name=container_id, use_systemd=use_systemd_cgroup,
        rootless=rootless_cgroups, default_rules=default_rules,
    )
    if linux is not None:
        _apply_linux(linux, cfg, no_pivot_root)

    process = F.obj(spec.get("process"), "process")
    proc = process_from_spec(process) if process is not None else None
    _set_cgroup_owner(cfg, proc["uid"] if proc else 0)
    if proc is not None:
        cfg.oom_score_adj = proc["oom_score_adj"]
        cfg.no_new_privileges = proc["no_new_privileges"]
        cfg.umask = proc["umask"]
        cfg.process_label = proc["selinux_label"]
        cfg.apparmor_profile = proc["apparmor_profile"]
        cfg.capabilities = proc["capabilities"]
        cfg.rlimits = proc["rlimits"]
        cfg.scheduler = proc["scheduler"]
        cfg.io_priority = proc["io_priority"]
    cfg.hooks = create_hooks(spec.get("hooks"))
    cfg.version = OCI_VERSION
    return cfg


def _apply_linux(linux: dict, cfg, no_pivot_root: bool) -> None:
    from libcontainer.configs import namespace as ns

    from .namespaces import convert_namespaces, convert_time_offsets, host_id, setup_user_namespace

    F.warn_unknown(linux, LINUX_KEYS, "linux")
    for key, why in LINUX_NOT_HONOURED.items():
        if linux.get(key) is not None:
            F.warn_ignored(f"linux.{key}", why)

    prop = F.get_str(linux, "rootfsPropagation", "linux")
    if prop:
        from .mounts import propagation_of

        cfg.root_propagation = propagation_of(prop, "linux.rootfsPropagation", no_pivot_root=no_pivot_root)

    cfg.namespaces = ns.Namespaces(convert_namespaces(linux.get("namespaces")))
    net = cfg.namespaces.path_of(ns.NEWNET) if cfg.namespaces.contains(ns.NEWNET) else None
    if net == "":
        from libcontainer.configs.network import Network

        cfg.networks = [Network(type="loopback")]
    if cfg.namespaces.contains(ns.NEWUSER):
        setup_user_namespace(linux, cfg)
        # Device nodes are created by the container's root, i.e. its host ids.
        root_uid = host_id(cfg.uid_mappings, 0, "linux.uidMappings")
        root_gid = host_id(cfg.gid_mappings, 0, "linux.gidMappings")
        for dev in cfg.devices:
            dev.uid, dev.gid = root_uid, root_gid
        userns_path = cfg.namespaces.path_of(ns.NEWUSER)
        for m in cfg.mounts:
            idm = m.id_mapping
            if idm is not None and not idm.uid_mappings and not idm.gid_mappings:
                if userns_path:
                    idm.userns_path = userns_path
                else:
                    idm.uid_mappings = list(cfg.uid_mappings)
                    idm.gid_mappings = list(cfg.gid_mappings)
    elif linux.get("uidMappings") or linux.get("gidMappings"):
        F.warn_ignored("linux.uidMappings", "no user namespace is configured")

    cfg.mask_paths = F.get_str_list(linux, "maskedPaths", "linux") or []
    cfg.readonly_paths = F.get_str_list(linux, "readonlyPaths", "linux") or []
    cfg.mount_label = F.get_str(linux, "mountLabel", "linux")
    cfg.sysctl = F.get_str_map(linux, "sysctl", "linux") or {}
    cfg.time_offsets = convert_time_offsets(linux.get("timeOffsets")) or {}
    seccomp = linux.get("seccomp")
    if seccomp is not None:  # setup_seccomp(None) is None: no need to import it then
        from .seccomp import setup_seccomp

        cfg.seccomp = setup_seccomp(seccomp)
    else:
        cfg.seccomp = None
    cfg.intel_rdt = _intel_rdt(linux.get("intelRdt"))
    cfg.personality = _personality(linux.get("personality"))


def _intel_rdt(value, where: str = "linux.intelRdt"):
    rdt = F.obj(value, where)
    if rdt is None:
        return None
    from libcontainer.configs.intelrdt import IntelRdt

    F.warn_unknown(rdt, _INTEL_RDT_KEYS, where)
    schemata = rdt.get("schemata")
    if isinstance(schemata, str):  # runtime-spec 1.2 has one string, 1.3 a list of lines
        schemata = [line for line in schemata.splitlines() if line.strip()]
    else:
        schemata = F.get_str_list(rdt, "schemata", where) or []
    return IntelRdt(
        clos_id=F.get_str(rdt, "closID", where),
        schemata=schemata,
        l3_cache_schema=F.get_str(rdt, "l3CacheSchema", where),
        mem_bw_schema=F.get_str(rdt, "memBwSchema", where),
        # runc 1.3 folded CMT and MBM into one monitoring switch.
        enable_monitoring=any(
            F.get_bool(rdt, k, where) for k in ("enableMonitoring", "enableCMT", "enableMBM")
        ),
    )


def _personality(value, where: str = "linux.personality"):
    pers = F.obj(value, where)
    if pers is None:
        return None
    from libcontainer.configs.personality import DOMAINS, LinuxPersonality

    F.warn_unknown(pers, ("domain", "flags"), where)
    if pers.get("flags"):
        F.warn_ignored(F.join(where, "flags"), "personality flags are not supported")
    domain = F.get_str(pers, "domain", where)
    if domain not in DOMAINS:
        raise ConfigError(F.join(where, "domain"), f"must be one of {', '.join(DOMAINS)}", domain)
    return LinuxPersonality(domain=DOMAINS[domain])


def _set_cgroup_owner(cfg, process_uid: int) -> None:
    """Delegate the cgroup to the container's user when it gets a cgroupns and rw cgroupfs.

    Mirrors runc: only then can the container manage its subtree, and only then is
    chowning it useful. An unmapped uid is left for validation to report.
    """
    from libcontainer.configs.namespace import NEWCGROUP

    if cfg.namespaces.path_of(NEWCGROUP) or not cfg.namespaces.contains(NEWCGROUP):
        return
    rw_cgroupfs = any(
        m.source == "cgroup"
        and posixpath.normpath(m.destination) == "/sys/fs/cgroup"
        and not m.flags & 0x1  # MS_RDONLY
        for m in cfg.mounts
    )
    if not rw_cgroupfs:
        return
    try:
        cfg.cgroups.owner_uid = cfg.host_uid(process_uid)
    except ConfigError:
        pass
