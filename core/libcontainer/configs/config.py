"""The container configuration libcontainer runs from (runc's ``configs.Config``).

Built by specconv from an OCI bundle, persisted inside state.json, and read back by every
later command; the JSON shape therefore follows runc's exactly (see libcontainer.schemas).
"""

from __future__ import annotations

from ..record import field, record

# Only what building the class and its defaults needs (the ``namespaces`` and ``hooks``
# factories); the other field types appear in annotations alone, which stay strings, so
# a config without seccomp, a scheduler, Intel RDT... never imports their modules.
from .hooks import Hooks
from .namespace import NEWUSER, Namespaces, contains

TYPE_CHECKING = False  # typing is not imported at run time: annotations stay strings
if TYPE_CHECKING:
    from .capabilities import Capabilities
    from .cgroup import Cgroup
    from .device import Device
    from .idmap import IDMap
    from .intelrdt import IntelRdt
    from .iopriority import IOPriority
    from .mount import Mount
    from .namespace import Namespace
    from .network import Network, Route
    from .personality import LinuxPersonality
    from .rlimit import Rlimit
    from .scheduler import Scheduler
    from .seccomp import Seccomp
    from .timeoffset import TimeOffset


@record
class Config:
    no_pivot_root: bool = False
    parent_death_signal: int = 0
    rootfs: str = ""
    umask: int | None = None
    readonlyfs: bool = False
    #: MS_* propagation applied to / (e.g. MS_PRIVATE|MS_REC); 0 means runc's default.
    root_propagation: int = 0
    mounts: list[Mount] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    mount_label: str = ""
    hostname: str = ""
    domainname: str = ""
    namespaces: list[Namespace] = field(default_factory=Namespaces)
    #: ``None`` means "leave capabilities alone", not "drop them all".
    capabilities: Capabilities | None = None
    networks: list[Network] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    cgroups: Cgroup | None = None
    apparmor_profile: str = ""
    process_label: str = ""
    rlimits: list[Rlimit] = field(default_factory=list)
    oom_score_adj: int | None = None
    uid_mappings: list[IDMap] = field(default_factory=list)
    gid_mappings: list[IDMap] = field(default_factory=list)
    mask_paths: list[str] = field(default_factory=list)
    readonly_paths: list[str] = field(default_factory=list)
    sysctl: dict[str, str] = field(default_factory=dict)
    seccomp: Seccomp | None = None
    no_new_privileges: bool = False
    hooks: Hooks = field(default_factory=Hooks)
    version: str = ""
    #: "key=value" strings; runc keeps the bundle path here as "bundle=<path>".
    labels: list[str] = field(default_factory=list)
    no_new_keyring: bool = False
    intel_rdt: IntelRdt | None = None
    rootless_euid: bool = False
    rootless_cgroups: bool = False
    #: clock name ("monotonic", "boottime") -> offset; needs NEWTIME.
    time_offsets: dict[str, TimeOffset] = field(default_factory=dict)
    scheduler: Scheduler | None = None
    personality: LinuxPersonality | None = None
    io_priority: IOPriority | None = None
    #: Our extension: which cgroup backend plugin manages this container ("cgroupfs",
    #: "fs2", "systemd"...); ``None`` lets the plugin layer choose.
    cgroup_driver: str | None = None

    def __post_init__(self):
        # Give callers runc's Namespaces helpers even when they passed a plain list.
        if not isinstance(self.namespaces, Namespaces):
            self.namespaces = Namespaces(self.namespaces)

    def host_uid(self, container_id: int = 0) -> int:
        """Host UID for a container UID; identity without a user namespace.

        Raises ConfigError when a user namespace lacks a mapping for the ID, because
        a chown to an unmapped ID would silently produce overflow-owned files.
        """
        return self._host_id(container_id, self.uid_mappings, "uid_mappings", "uid")

    def host_gid(self, container_id: int = 0) -> int:
        return self._host_id(container_id, self.gid_mappings, "gid_mappings", "gid")

    def host_root_uid(self) -> int:
        return self.host_uid(0)

    def host_root_gid(self) -> int:
        return self.host_gid(0)

    def _host_id(self, cid: int, mappings: list[IDMap], fname: str, what: str) -> int:
        if not contains(self.namespaces, NEWUSER):
            return cid
        from libcontainer.errors import ConfigError

        from .idmap import host_id_from_mappings

        if not mappings:
            raise ConfigError(fname, f"user namespaces enabled, but no {what} mappings found")
        host = host_id_from_mappings(cid, mappings)
        if host is None:
            raise ConfigError(fname, f"user namespaces enabled, but no mapping for {what}", cid)
        return host

    def bundle(self) -> str:
        """The bundle path runc records among the labels ("" when absent)."""
        for label in self.labels:
            key, sep, value = label.partition("=")
            if sep and key == "bundle":
                return value
        return ""
