"""Extra rules when the runtime itself runs with a non-zero EUID (runc's rootless.go):
without privileges only a user namespace with our own mappings can work, and uid=/gid=
mount options must name IDs that are mapped."""

from __future__ import annotations

from libcontainer.errors import ConfigError

from ..namespace import NEWUSER, contains


def _mapped(id_: int, mappings) -> bool:
    return any(m.contains(id_) for m in mappings)


def check(cfg, host):
    if not cfg.rootless_euid:
        return
    if not contains(cfg.namespaces, NEWUSER):
        yield ConfigError("namespaces", "rootless container requires user namespaces")
    if not cfg.uid_mappings:
        yield ConfigError("uid_mappings", "rootless containers requires at least one UID mapping")
    if not cfg.gid_mappings:
        yield ConfigError("gid_mappings", "rootless containers requires at least one GID mapping")
    for i, m in enumerate(cfg.mounts):
        for opt in m.data.split(","):
            for prefix, mappings, what in (
                ("uid=", cfg.uid_mappings, "uid"),
                ("gid=", cfg.gid_mappings, "gid"),
            ):
                if not opt.startswith(prefix):
                    continue
                try:
                    value = int(opt[len(prefix) :])
                except ValueError:
                    continue  # not numeric: some other filesystem's option
                if not _mapped(value, mappings):
                    yield ConfigError(
                        f"mounts[{i}].data",
                        f"cannot specify {prefix} mount options for unmapped {what} in "
                        "rootless containers",
                        opt,
                    )
