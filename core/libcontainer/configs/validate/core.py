"""Filesystem, namespace, sysctl, mount, device and hook rules."""

from __future__ import annotations

import os
import stat

from libcontainer.errors import ConfigError

from ..device import BLOCK_DEVICE, CHAR_DEVICE, FIFO_DEVICE
from ..hooks import HOOK_NAMES, Command
from ..namespace import (
    NAMESPACE_TYPES,
    NEWCGROUP,
    NEWIPC,
    NEWNET,
    NEWNS,
    NEWTIME,
    NEWUSER,
    NEWUTS,
    contains,
    path_of,
)
from .host import NotANamespace

TYPE_CHECKING = False  # typing is not imported at run time: annotations stay strings
if TYPE_CHECKING:
    from ..mount import Mount

# --- rootfs ------------------------------------------------------------------------


def rootfs(cfg, host):
    """Absolute, existing directory, and not reached through a symlink.

    A symlinked rootfs would make later path-safety checks resolve against a different
    tree than the one pivot_root ends up using.
    """
    path = cfg.rootfs
    if not path:
        yield ConfigError("rootfs", "invalid rootfs: must be set", path)
        return
    if not os.path.isabs(path):
        yield ConfigError("rootfs", "invalid rootfs: not an absolute path", path)
        return
    try:
        st = os.stat(path)
    except OSError as err:
        yield ConfigError("rootfs", f"invalid rootfs: {err.strerror}", path)
        return
    if not stat.S_ISDIR(st.st_mode):
        yield ConfigError("rootfs", "invalid rootfs: not a directory", path)
        return
    if os.path.realpath(path) != os.path.normpath(path):
        yield ConfigError("rootfs", "invalid rootfs: not an absolute path, or a symlink", path)


# --- namespaces --------------------------------------------------------------------


def network(cfg, host):
    if contains(cfg.namespaces, NEWNET):
        return
    if cfg.networks:
        yield ConfigError(
            "networks", "unable to apply network settings without a private NET namespace"
        )
    if cfg.routes:
        yield ConfigError(
            "routes", "unable to apply network settings without a private NET namespace"
        )


def uts(cfg, host):
    if contains(cfg.namespaces, NEWUTS):
        return
    if cfg.hostname:
        yield ConfigError(
            "hostname", "unable to set hostname without a private UTS namespace", cfg.hostname
        )
    if cfg.domainname:
        yield ConfigError(
            "domainname",
            "unable to set domainname without a private UTS namespace",
            cfg.domainname,
        )


def security(cfg, host):
    if not contains(cfg.namespaces, NEWNS):
        if cfg.mask_paths:
            yield ConfigError(
                "mask_paths", "unable to restrict sys entries without a private MNT namespace"
            )
        if cfg.readonly_paths:
            yield ConfigError(
                "readonly_paths",
                "unable to restrict sys entries without a private MNT namespace",
            )
    for attr in ("mask_paths", "readonly_paths"):
        for i, p in enumerate(getattr(cfg, attr)):
            if not os.path.isabs(p):
                yield ConfigError(f"{attr}[{i}]", "path must be absolute", p)
    if cfg.process_label and not host.selinux_enabled():
        yield ConfigError(
            "process_label",
            "selinux label is specified in config, but selinux is disabled or not supported",
            cfg.process_label,
        )


def _idmaps(field, mappings):
    for i, m in enumerate(mappings):
        if m.size <= 0:
            yield ConfigError(f"{field}[{i}].size", "mapping size must be positive", m.size)
        if m.container_id < 0 or m.host_id < 0:
            yield ConfigError(f"{field}[{i}]", "mapping IDs must not be negative", m)


def namespaces(cfg, host):
    nss = cfg.namespaces
    seen = set()
    for i, ns in enumerate(nss):
        if ns.type not in NAMESPACE_TYPES:
            yield ConfigError(f"namespaces[{i}].type", "unknown namespace type", ns.type)
            continue
        if ns.type in seen:
            yield ConfigError(f"namespaces[{i}].type", "namespace listed twice", ns.type)
        seen.add(ns.type)
        if ns.path:
            yield from _namespace_path(i, ns, host)
        elif not host.namespace_supported(ns.type):
            yield ConfigError(
                f"namespaces[{i}].type", "namespace type is not supported by the kernel", ns.type
            )

    if contains(nss, NEWUSER):
        if not path_of(nss, NEWUSER):
            if not cfg.uid_mappings:
                yield ConfigError(
                    "uid_mappings", "user namespaces enabled, but no uid mappings found"
                )
            if not cfg.gid_mappings:
                yield ConfigError(
                    "gid_mappings", "user namespaces enabled, but no gid mappings found"
                )
    else:
        for attr in ("uid_mappings", "gid_mappings"):
            if getattr(cfg, attr):
                yield ConfigError(
                    attr,
                    "user namespace mappings specified, but USER namespace isn't enabled "
                    "in the config",
                )
    yield from _idmaps("uid_mappings", cfg.uid_mappings)
    yield from _idmaps("gid_mappings", cfg.gid_mappings)

    if cfg.time_offsets:
        from ..timeoffset import CLOCKS  # a config with offsets has loaded it already

        if not contains(nss, NEWTIME):
            yield ConfigError(
                "time_offsets",
                "time namespace offsets specified, but time namespace isn't enabled in the config",
            )
        elif path_of(nss, NEWTIME):
            yield ConfigError(
                "time_offsets", "time namespace offsets cannot be set when joining a time namespace"
            )
        for clock in cfg.time_offsets:
            if clock not in CLOCKS:
                yield ConfigError(f"time_offsets[{clock!r}]", "unknown clock", clock)
    if contains(nss, NEWTIME) and not host.time_namespace_supported():
        yield ConfigError("namespaces", "time namespaces aren't enabled in the kernel", NEWTIME)
    if contains(nss, NEWCGROUP) and not host.namespace_supported(NEWCGROUP):
        yield ConfigError("namespaces", "cgroup namespaces aren't enabled in the kernel")


def _namespace_path(i, ns, host):
    field = f"namespaces[{i}].path"
    if not os.path.isabs(ns.path):
        yield ConfigError(field, "namespace path must be absolute", ns.path)
        return
    try:
        actual = host.namespace_type_of(ns.path)
    except NotANamespace:
        yield ConfigError(field, f"not a namespace file (expected {ns.type})", ns.path)
        return
    except OSError as err:
        yield ConfigError(field, f"cannot open namespace path: {err.strerror}", ns.path)
        return
    if actual != ns.type:
        yield ConfigError(field, f"namespace is of type {actual}, expected {ns.type}", ns.path)


# --- sysctl ------------------------------------------------------------------------

#: IPC-namespaced kernel.* sysctls (plus everything under fs.mqueue.).
_IPC_SYSCTLS = frozenset(
    {
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    }
)


def sysctl_dotted(name: str) -> str:
    """sysctl(8) also accepts "/" as the separator, in which case "." may appear inside a
    component (net/ipv4/conf/eth0.100/rp_filter): swap the two to get the dotted form."""
    first = next((c for c in name if c in "./"), "")
    if first != "/":
        return name
    return name.translate(str.maketrans("./", "/."))


def sysctl(cfg, host):
    """/proc/sys is only partly namespaced; allow just what the namespaces isolate."""
    nss = cfg.namespaces
    hostnet = None
    for raw in cfg.sysctl:
        field = f"sysctl[{raw!r}]"
        name = sysctl_dotted(raw)
        if name in _IPC_SYSCTLS or name.startswith("fs.mqueue."):
            if not contains(nss, NEWIPC):
                yield ConfigError(field, "sysctl is not allowed in the host's ipc namespace", raw)
            continue
        if name.startswith("net."):
            if hostnet is None:
                hostnet, err = _uses_host_netns(cfg, host)
                if err is not None:
                    yield err
                    return
            if hostnet:
                yield ConfigError(field, "sysctl not allowed in host network namespace", raw)
            continue
        if contains(nss, NEWUTS):
            if name == "kernel.domainname":
                continue
            if name == "kernel.hostname":
                yield ConfigError(
                    field, "sysctl is not allowed as it conflicts with the OCI hostname field", raw
                )
                continue
        yield ConfigError(field, "sysctl is not in a separate kernel namespace", raw)


def _uses_host_netns(cfg, host):
    if not contains(cfg.namespaces, NEWNET):
        return True, None
    path = path_of(cfg.namespaces, NEWNET)
    if not path:
        return False, None
    try:
        return host.is_host_netns(path), None
    except OSError as err:
        return False, ConfigError("namespaces", f"invalid netns path: {err.strerror}", path)


# --- intel rdt ---------------------------------------------------------------------


def intel_rdt(cfg, host):
    rdt = cfg.intel_rdt
    if rdt is None:
        return
    if rdt.clos_id in (".", "..") or "/" in rdt.clos_id:
        yield ConfigError("intel_rdt.clos_id", "invalid CLOS ID", rdt.clos_id)
    if not host.intel_rdt_enabled():
        yield ConfigError(
            "intel_rdt",
            "intelRdt is specified in config, but Intel RDT is not supported or enabled",
        )
        return
    if rdt.l3_cache_schema and not host.intel_rdt_cat_enabled():
        yield ConfigError(
            "intel_rdt.l3_cache_schema",
            "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled",
        )
    if rdt.mem_bw_schema and not host.intel_rdt_mba_enabled():
        yield ConfigError(
            "intel_rdt.mem_bw_schema",
            "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled",
        )


# --- mounts ------------------------------------------------------------------------

_MS_REC = 0x4000
_PROPAGATIONS = frozenset({0x20000, 0x40000, 0x80000, 0x100000})  # MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED


def mounts(cfg, host):
    for i, m in enumerate(cfg.mounts):
        yield from _mount(cfg, f"mounts[{i}]", m)


def _mount(cfg, field, m: Mount):
    if not os.path.isabs(m.destination):
        yield ConfigError(
            f"{field}.destination", "mount destination must be absolute", m.destination
        )
    if m.is_bind() and m.data:
        yield ConfigError(
            f"{field}.data",
            "bind mounts cannot have any filesystem-specific options applied",
            m.data,
        )
    for j, p in enumerate(m.propagation_flags):
        if p & ~_MS_REC not in _PROPAGATIONS:
            yield ConfigError(f"{field}.propagation_flags[{j}]", "unknown propagation flag", p)
    if m.relabel not in ("", "z", "Z"):
        yield ConfigError(f"{field}.relabel", 'relabel must be "z", "Z" or empty', m.relabel)
    idm = m.id_mapping
    if idm is None:
        return
    sub = f"{field}.id_mapping"
    if not m.is_bind():
        yield ConfigError(sub, "id-mapped mounts are only supported for bind mounts")
    if cfg.rootless_euid:
        yield ConfigError(
            sub,
            "id-mapped mounts are not supported when running with EUID != 0 "
            "(needs CAP_SYS_ADMIN in the runtime's user namespace)",
        )
    if idm.userns_path and (idm.uid_mappings or idm.gid_mappings):
        yield ConfigError(sub, "userns_path and uid/gid mappings are mutually exclusive")
    if not idm.userns_path and not (idm.uid_mappings and idm.gid_mappings):
        yield ConfigError(sub, "id-mapped mount needs both uid and gid mappings or userns_path")
    if not os.path.isabs(m.source):
        yield ConfigError(f"{field}.source", "id-mapped mount source must be absolute", m.source)
    yield from _idmaps(f"{sub}.uid_mappings", idm.uid_mappings)
    yield from _idmaps(f"{sub}.gid_mappings", idm.gid_mappings)


# --- device nodes ------------------------------------------------------------------


def devices(cfg, host):
    for i, d in enumerate(cfg.devices):
        field = f"devices[{i}]"
        if d.type not in (BLOCK_DEVICE, CHAR_DEVICE, FIFO_DEVICE):
            yield ConfigError(f"{field}.type", "device node type must be b, c or p", d.type)
        if not d.path or not os.path.isabs(d.path):
            yield ConfigError(f"{field}.path", "device path must be absolute", d.path)
        if d.type in (BLOCK_DEVICE, CHAR_DEVICE) and (d.major < 0 or d.minor < 0):
            yield ConfigError(
                field, "device node cannot have wildcard major/minor", f"{d.major}:{d.minor}"
            )
        if d.file_mode & ~0o7777:
            yield ConfigError(
                f"{field}.file_mode", "only permission bits allowed", oct(d.file_mode)
            )


# --- hooks -------------------------------------------------------------------------


def hooks(cfg, host):
    for attr in HOOK_NAMES.values():
        for i, h in enumerate(getattr(cfg.hooks, attr)):
            field = f"hooks.{attr}[{i}]"
            if not isinstance(h, Command):
                if not callable(h):
                    yield ConfigError(field, "hook must be a Command or a callable", h)
                continue
            if not os.path.isabs(h.path):
                yield ConfigError(f"{field}.path", "hook path must be absolute", h.path)
            if h.timeout is not None and h.timeout <= 0:
                yield ConfigError(f"{field}.timeout", "hook timeout must be positive", h.timeout)
