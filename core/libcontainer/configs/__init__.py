"""The configuration model: plain records (``libcontainer.record``), named after runc's
``libcontainer/configs``.

Importing this package costs only the model classes (no dataclasses, no typing); the JSON machinery
(``libcontainer.configs.load``, marshmallow) and the checks (``.validate``) are loaded on
first use so that hot CLI paths which never parse a config do not pay for them.
"""

from .capabilities import Capabilities
from .cgroup import (
    FROZEN,
    THAWED,
    UNDEFINED,
    Cgroup,
    HugepageLimit,
    IfPrioMap,
    LinuxRdma,
    Resources,
    ThrottleDevice,
    WeightDevice,
)
from .config import Config
from .device import (
    BLOCK_DEVICE,
    CHAR_DEVICE,
    FIFO_DEVICE,
    WILDCARD,
    WILDCARD_DEVICE,
    Device,
    DeviceRule,
)
from .hooks import Command, Hooks
from .idmap import IDMap
from .intelrdt import IntelRdt
from .iopriority import IOPriority
from .mount import EXT_COPYUP, Mount, MountAttr, MountIDMapping
from .namespace import (
    NAMESPACE_TYPES,
    NEWCGROUP,
    NEWIPC,
    NEWNET,
    NEWNS,
    NEWPID,
    NEWTIME,
    NEWUSER,
    NEWUTS,
    Namespace,
    Namespaces,
    ns_name,
)
from .network import Network, Route
from .personality import PER_LINUX, PER_LINUX32, LinuxPersonality, Personality
from .rlimit import Rlimit
from .scheduler import Scheduler
from .seccomp import Action, Arg, Operator, Seccomp, Syscall
from .timeoffset import TimeOffset

__all__ = [
    "Action",
    "Arg",
    "BLOCK_DEVICE",
    "CHAR_DEVICE",
    "Capabilities",
    "Cgroup",
    "Command",
    "Config",
    "Device",
    "DeviceRule",
    "EXT_COPYUP",
    "FIFO_DEVICE",
    "FROZEN",
    "HugepageLimit",
    "Hooks",
    "IDMap",
    "IOPriority",
    "IfPrioMap",
    "IntelRdt",
    "LinuxPersonality",
    "LinuxRdma",
    "Mount",
    "MountAttr",
    "MountIDMapping",
    "NAMESPACE_TYPES",
    "NEWCGROUP",
    "NEWIPC",
    "NEWNET",
    "NEWNS",
    "NEWPID",
    "NEWTIME",
    "NEWUSER",
    "NEWUTS",
    "Namespace",
    "Namespaces",
    "Network",
    "Operator",
    "PER_LINUX",
    "PER_LINUX32",
    "Personality",
    "Resources",
    "Rlimit",
    "Route",
    "Scheduler",
    "Seccomp",
    "Syscall",
    "THAWED",
    "ThrottleDevice",
    "TimeOffset",
    "UNDEFINED",
    "WILDCARD",
    "WILDCARD_DEVICE",
    "WeightDevice",
    "ns_name",
]
