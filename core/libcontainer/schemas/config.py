"""JSON shape of Config: the ``config`` object of runc's state.json, key for key.

``omitempty`` follows runc's tags; our one extension key is ``cgroup_driver``.
"""

from marshmallow import post_dump

from libcontainer.configs.config import Config

from .base import (
    I64,
    U32,
    ModelSchema,
    boolean,
    integer,
    nested,
    nested_list,
    nested_map,
    str_list,
    str_map,
    string,
)
from .capabilities import CapabilitiesSchema
from .cgroup import CgroupSchema
from .device import DeviceSchema
from .hooks import HooksSchema
from .idmap import IDMapSchema
from .intelrdt import IntelRdtSchema
from .iopriority import IOPrioritySchema
from .mount import MountSchema
from .namespace import NamespaceSchema
from .network import NetworkSchema, RouteSchema
from .personality import PersonalitySchema
from .rlimit import RlimitSchema
from .scheduler import SchedulerSchema
from .seccomp import SeccompSchema
from .timeoffset import TimeOffsetSchema


class ConfigSchema(ModelSchema):
    __model__ = Config

    no_pivot_root = boolean("no_pivot_root")
    parent_death_signal = integer("parent_death_signal", I64)
    rootfs = string("rootfs")
    umask = integer("umask", U32)
    readonlyfs = boolean("readonlyfs")
    root_propagation = integer("rootPropagation", I64)
    mounts = nested_list(MountSchema, "mounts")
    devices = nested_list(DeviceSchema, "devices")
    mount_label = string("mount_label")
    hostname = string("hostname")
    domainname = string("domainname")
    namespaces = nested_list(NamespaceSchema, "namespaces")
    capabilities = nested(CapabilitiesSchema, "capabilities")
    networks = nested_list(NetworkSchema, "networks")
    routes = nested_list(RouteSchema, "routes")
    cgroups = nested(CgroupSchema, "cgroups")
    apparmor_profile = string("apparmor_profile", omitempty=True)
    process_label = string("process_label", omitempty=True)
    rlimits = nested_list(RlimitSchema, "rlimits", omitempty=True)
    oom_score_adj = integer("oom_score_adj", I64, omitempty=False)
    uid_mappings = nested_list(IDMapSchema, "uid_mappings")
    gid_mappings = nested_list(IDMapSchema, "gid_mappings")
    mask_paths = str_list("mask_paths")
    readonly_paths = str_list("readonly_paths")
    sysctl = str_map("sysctl")
    seccomp = nested(SeccompSchema, "seccomp")
    no_new_privileges = boolean("no_new_privileges", omitempty=True)
    hooks = nested(HooksSchema, "Hooks")
    version = string("version")
    labels = str_list("labels")
    no_new_keyring = boolean("no_new_keyring")
    intel_rdt = nested(IntelRdtSchema, "intel_rdt", omitempty=True)
    rootless_euid = boolean("rootless_euid", omitempty=True)
    rootless_cgroups = boolean("rootless_cgroups", omitempty=True)
    time_offsets = nested_map(TimeOffsetSchema, "time_offsets", omitempty=True)
    scheduler = nested(SchedulerSchema, "scheduler", omitempty=True)
    personality = nested(PersonalitySchema, "personality", omitempty=True)
    io_priority = nested(IOPrioritySchema, "io_priority", omitempty=True)
    cgroup_driver = string("cgroup_driver", omitempty=True)

    @post_dump
    def _drop_empty_hooks(self, data, **kwargs):
        # runc always writes all six hook lists (mostly null); an absent key reads the same.
        if data.get("Hooks") == {}:
            del data["Hooks"]
        return data
