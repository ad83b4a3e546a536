"""Device nodes (``linux.devices``) and the device cgroup rules (``linux.resources.devices``).

The rules end up in the order runc produces, which matters because the device
controller (v1 list or v2 eBPF program) applies them in order: first the spec's rules
(``runc spec`` starts with a deny-all), then runc's always-allowed defaults appended at
the end, so that /dev/null & co. work whatever the spec says. A spec device with the
same path as a default replaces that default, node and rule alike.
"""

from __future__ import annotations

from libcontainer.errors import ConfigError

from . import _fields as F

WILDCARD = -1

# (path, type, major, minor) of the nodes every container gets, plus the rules that are
# always allowed. Path "" means a rule with no node. Rules are "rwm" unless noted.
_DEFAULTS = (
    ("", "c", WILDCARD, WILDCARD, "m"),  # mknod of any char device
    ("", "b", WILDCARD, WILDCARD, "m"),  # mknod of any block device
    ("/dev/null", "c", 1, 3, "rwm"),
    ("/dev/random", "c", 1, 8, "rwm"),
    ("/dev/full", "c", 1, 7, "rwm"),
    ("/dev/tty", "c", 5, 0, "rwm"),
    ("/dev/zero", "c", 1, 5, "rwm"),
    ("/dev/urandom", "c", 1, 9, "rwm"),
    ("", "c", 136, WILDCARD, "rwm"),  # /dev/pts/*
    ("", "c", 5, 2, "rwm"),  # /dev/ptmx
    # /dev/net/tun: removed in runc 1.2.0-rc1, put back in 1.2 because engines relied on it.
    ("", "c", 10, 200, "rwm"),
)

_RULE_KEYS = ("allow", "type", "major", "minor", "access")
_DEVICE_KEYS = ("path", "type", "major", "minor", "fileMode", "uid", "gid")

S_IFMT = 0o170000


def default_devices():
    """Fresh ``configs.Device`` objects for runc's AllowedDevices (nodes and rule-only)."""
    from libcontainer import configs

    return [
        configs.Device(
            type=t, major=major, minor=minor, permissions=perms, allow=True,
            path=path, file_mode=0o666 if path else 0, uid=0, gid=0,
        )
        for path, t, major, minor, perms in _DEFAULTS
    ]


def create_devices(linux: dict | None):
    """-> (device nodes for ``Config.devices``, default rules kept for the cgroup).

    Defaults shadowed by a spec device of the same path are dropped from both lists.
    """
    from libcontainer import configs

    spec_devices = F.lst((linux or {}).get("devices"), "linux.devices")
    spec_paths = set()
    for i, d in enumerate(spec_devices):
        d = F.obj(d, f"linux.devices[{i}]", required=True)
        spec_paths.add(d.get("path"))

    nodes, kept_rules = [], []
    for dev in default_devices():
        if dev.path and dev.path in spec_paths:
            continue
        kept_rules.append(dev)
        if dev.path:
            nodes.append(dev)

    for i, d in enumerate(spec_devices):
        at = f"linux.devices[{i}]"
        F.warn_unknown(d, _DEVICE_KEYS, at)
        path = F.no_nul(F.get_str(d, "path", at), F.join(at, "path"))
        if not path:
            raise ConfigError(F.join(at, "path"), "must be specified")
        dtype = F.get_str(d, "type", at)
        if dtype not in ("c", "u", "b", "p"):
            raise ConfigError(F.join(at, "type"), "must be one of c, u, b, p", dtype)
        if dtype == "u":  # unbuffered char device: a char device to mknod(2)
            dtype = "c"
        major = F.get_int(d, "major", at, 0, **F.I64)
        minor = F.get_int(d, "minor", at, 0, **F.I64)
        if dtype != "p" and ("major" not in d or "minor" not in d):
            raise ConfigError(at, "major and minor must be specified for c, u and b devices")
        mode = F.get_int(d, "fileMode", at, None, **F.U32)
        mode = 0o666 if mode is None else mode & ~S_IFMT
        nodes.append(
            configs.Device(
                type=dtype, major=major, minor=minor, permissions="", allow=False,
                path=path, file_mode=mode,
                uid=F.get_int(d, "uid", at, 0, **F.U32),
                gid=F.get_int(d, "gid", at, 0, **F.U32),
            )
        )
    return nodes, kept_rules


def convert_rules(value, where: str = "linux.resources.devices"):
    """OCI device cgroup entries -> ``configs.DeviceRule`` list (type "a", -1 wildcards)."""
    from libcontainer import configs

    rules = []
    for i, r in enumerate(F.lst(value, where)):
        at = F.join(where, i)
        r = F.obj(r, at, required=True)
        F.warn_unknown(r, _RULE_KEYS, at)
        if "allow" not in r:
            raise ConfigError(F.join(at, "allow"), "must be specified")
        rtype = F.get_str(r, "type", at) or "a"
        if rtype not in ("a", "b", "c"):
            raise ConfigError(F.join(at, "type"), "must be one of a, b, c", rtype)
        access = F.get_str(r, "access", at)
        if not access:
            raise ConfigError(F.join(at, "access"), "must not be empty")
        if set(access) - set("rwm") or len(set(access)) != len(access):
            raise ConfigError(F.join(at, "access"), "must be a combination of r, w, m", access)
        rules.append(
            configs.DeviceRule(
                type=rtype,
                major=F.get_int(r, "major", at, WILDCARD, minimum=WILDCARD, maximum=2**63 - 1),
                minor=F.get_int(r, "minor", at, WILDCARD, minimum=WILDCARD, maximum=2**63 - 1),
                permissions=access,
                allow=F.get_bool(r, "allow", at),
            )
        )
    return rules


def rule_of(device):
    """The cgroup rule part of a ``configs.Device`` (runc appends ``&device.Rule``)."""
    from libcontainer import configs

    return configs.DeviceRule(
        type=device.type, major=device.major, minor=device.minor,
        permissions=device.permissions, allow=device.allow,
    )
