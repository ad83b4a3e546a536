"""OCI ``mounts[]`` -> ``configs.Mount``, and the mount option vocabulary.

The option tables follow runc's ``parseMountOptions`` one for one, because engines
(containerd, podman, CRI-O, Kubernetes) write their config.json for runc and rely on how
runc splits fstab-style options into mount(2) flags, propagation changes, recursive
mount_setattr(2) attributes and the filesystem's data string. ``runc features`` reports
the same vocabulary (``known_mount_options``).

One deliberate difference: runc forwards ``defaults`` to the filesystem as data (its
table entry has flag 0, which falls through), which tmpfs and others then reject;
mount(8) treats ``defaults`` as "nothing to change", and so do we.
"""

from __future__ import annotations

import posixpath

from libcontainer.errors import ConfigError
from libcontainer.record import field, record

from . import _fields as F
from . import constants as C

# option -> (clear?, MS_* flag)
MOUNT_FLAGS = {
    "async": (True, C.MS_SYNCHRONOUS),
    "atime": (True, C.MS_NOATIME),
    "bind": (False, C.MS_BIND),
    "defaults": (False, 0),
    "dev": (True, C.MS_NODEV),
    "diratime": (True, C.MS_NODIRATIME),
    "dirsync": (False, C.MS_DIRSYNC),
    "exec": (True, C.MS_NOEXEC),
    "iversion": (False, C.MS_I_VERSION),
    "lazytime": (False, C.MS_LAZYTIME),
    "loud": (True, C.MS_SILENT),
    "mand": (False, C.MS_MANDLOCK),
    "noatime": (False, C.MS_NOATIME),
    "nodev": (False, C.MS_NODEV),
    "nodiratime": (False, C.MS_NODIRATIME),
    "noexec": (False, C.MS_NOEXEC),
    "noiversion": (True, C.MS_I_VERSION),
    "nolazytime": (True, C.MS_LAZYTIME),
    "nomand": (True, C.MS_MANDLOCK),
    "norelatime": (True, C.MS_RELATIME),
    "nostrictatime": (True, C.MS_STRICTATIME),
    "nosuid": (False, C.MS_NOSUID),
    "nosymfollow": (False, C.MS_NOSYMFOLLOW),
    "rbind": (False, C.MS_BIND | C.MS_REC),
    "relatime": (False, C.MS_RELATIME),
    "remount": (False, C.MS_REMOUNT),
    "ro": (False, C.MS_RDONLY),
    "rw": (True, C.MS_RDONLY),
    "silent": (False, C.MS_SILENT),
    "strictatime": (False, C.MS_STRICTATIME),
    "suid": (True, C.MS_NOSUID),
    "sync": (False, C.MS_SYNCHRONOUS),
    "symfollow": (True, C.MS_NOSYMFOLLOW),
}

PROPAGATION = {
    "rprivate": C.MS_PRIVATE | C.MS_REC,
    "private": C.MS_PRIVATE,
    "rslave": C.MS_SLAVE | C.MS_REC,
    "slave": C.MS_SLAVE,
    "rshared": C.MS_SHARED | C.MS_REC,
    "shared": C.MS_SHARED,
    "runbindable": C.MS_UNBINDABLE | C.MS_REC,
    "unbindable": C.MS_UNBINDABLE,
}

# option -> (clear?, MOUNT_ATTR_* flag), applied recursively with mount_setattr(2)
REC_ATTR_FLAGS = {
    "rro": (False, C.MOUNT_ATTR_RDONLY),
    "rrw": (True, C.MOUNT_ATTR_RDONLY),
    "rnosuid": (False, C.MOUNT_ATTR_NOSUID),
    "rsuid": (True, C.MOUNT_ATTR_NOSUID),
    "rnodev": (False, C.MOUNT_ATTR_NODEV),
    "rdev": (True, C.MOUNT_ATTR_NODEV),
    "rnoexec": (False, C.MOUNT_ATTR_NOEXEC),
    "rexec": (True, C.MOUNT_ATTR_NOEXEC),
    "rnodiratime": (False, C.MOUNT_ATTR_NODIRATIME),
    "rdiratime": (True, C.MOUNT_ATTR_NODIRATIME),
    "rrelatime": (False, C.MOUNT_ATTR_RELATIME),
    "rnorelatime": (True, C.MOUNT_ATTR_RELATIME),
    "rnoatime": (False, C.MOUNT_ATTR_NOATIME),
    "ratime": (True, C.MOUNT_ATTR_NOATIME),
    "rstrictatime": (False, C.MOUNT_ATTR_STRICTATIME),
    "rnostrictatime": (True, C.MOUNT_ATTR_STRICTATIME),
    "rnosymfollow": (False, C.MOUNT_ATTR_NOSYMFOLLOW),
    "rsymfollow": (True, C.MOUNT_ATTR_NOSYMFOLLOW),
}

EXTENSION_FLAGS = {"tmpcopyup": (False, C.EXT_COPYUP)}

# idmap: map the mount with the container's (or the mount's own) user namespace;
# ridmap: the same, recursively for every submount of a bind mount.
IDMAP_OPTIONS = {"idmap": False, "ridmap": True}


def known_mount_options() -> list[str]:
    """Every option this parser understands, sorted (for ``features``)."""
    names = set(MOUNT_FLAGS) | set(PROPAGATION) | set(REC_ATTR_FLAGS) | set(EXTENSION_FLAGS)
    return sorted(names | set(IDMAP_OPTIONS))


@record
class ParsedOptions:
    """What one mount's option list means, before it is put in a ``configs.Mount``."""

    flags: int = 0
    cleared_flags: int = 0
    propagation_flags: list[int] = field(default_factory=list)
    data: str = ""
    rec_attr_set: int = 0
    rec_attr_clr: int = 0
    extensions: int = 0
    idmap: bool = False
    idmap_recursive: bool = False

    @property
    def has_rec_attr(self) -> bool:
        return bool(self.rec_attr_set or self.rec_attr_clr)


def parse_mount_options(options) -> ParsedOptions:
    """Split fstab-style options the way runc does; later options win over earlier ones.

    Anything not in the tables is filesystem data (``mode=755``, ``size=64k``...), kept in
    order and joined with commas.
    """
    p = ParsedOptions()
    data = []
    for opt in options or ():
        if opt in MOUNT_FLAGS:
            clear, flag = MOUNT_FLAGS[opt]
            if clear:
                p.flags &= ~flag
                p.cleared_flags |= flag
            else:
                p.flags |= flag
                p.cleared_flags &= ~flag
        elif opt in PROPAGATION:
            p.propagation_flags.append(PROPAGATION[opt])
        elif opt in REC_ATTR_FLAGS:
            clear, flag = REC_ATTR_FLAGS[opt]
            if clear:
                p.rec_attr_clr |= flag
                p.rec_attr_set &= ~flag
            else:
                p.rec_attr_set |= flag
                p.rec_attr_clr &= ~flag
                if flag & C.MOUNT_ATTR__ATIME == flag:
                    # mount_setattr(2): an access-time mode in attr_set also needs the
                    # whole MOUNT_ATTR__ATIME field in attr_clr. (Note RELATIME is 0.)
                    p.rec_attr_clr |= C.MOUNT_ATTR__ATIME
        elif opt in EXTENSION_FLAGS:
            clear, flag = EXTENSION_FLAGS[opt]
            p.extensions = p.extensions & ~flag if clear else p.extensions | flag
        elif opt in IDMAP_OPTIONS:
            p.idmap = True
            p.idmap_recursive = IDMAP_OPTIONS[opt]
        else:
            data.append(opt)
    p.data = ",".join(data)
    return p


def convert_id_mappings(value, where: str):
    """OCI ``[{containerID, hostID, size}]`` -> list of ``configs.IDMap`` (None if absent)."""
    from libcontainer import configs

    if value is None:
        return None
    out = []
    for i, m in enumerate(F.lst(value, where)):
        at = F.join(where, i)
        m = F.obj(m, at, required=True)
        F.warn_unknown(m, ("containerID", "hostID", "size"), at)
        for key in ("containerID", "hostID", "size"):
            if key not in m:
                raise ConfigError(F.join(at, key), "must be specified")
        out.append(
            configs.IDMap(
                container_id=F.get_int(m, "containerID", at, **F.U32),
                host_id=F.get_int(m, "hostID", at, **F.U32),
                size=F.get_int(m, "size", at, **F.U32),
            )
        )
    return out


MOUNT_KEYS = ("destination", "type", "source", "options", "uidMappings", "gidMappings")


def create_mount(m: dict, bundle: str, where: str):
    """One OCI mount -> ``configs.Mount``.

    Bind mounts get device ``bind`` whatever ``type`` says (the kernel ignores the type of
    a bind mount, and the rootfs code keys on ``bind``) and a relative source is taken
    from the bundle, as runc does.
    """
    from libcontainer import configs

    m = F.obj(m, where, required=True)
    F.warn_unknown(m, MOUNT_KEYS, where)
    if "destination" not in m:
        raise ConfigError(F.join(where, "destination"), "must be specified")
    dest = F.get_str(m, "destination", where)
    if not dest:
        raise ConfigError(F.join(where, "destination"), "must not be empty", dest)
    if not posixpath.isabs(dest):
        # runc accepts these for backward compatibility (and warns); so do we.
        F.log.warning(
            "%s: mount destination %s is not absolute; support for non-absolute "
            "destinations will be removed", F.join(where, "destination"), dest)
    source = F.get_str(m, "source", where)
    device = F.get_str(m, "type", where)
    options = F.get_str_list(m, "options", where) or []
    p = parse_mount_options(options)

    if device == "bind" and not p.flags & C.MS_BIND:
        # runc would hand "bind" to mount(2) as a filesystem type and fail; crun and youki
        # bind-mount. Do what the author obviously meant, but say so.
        F.log.warning("%s: type bind without a bind/rbind option; bind-mounting",
                      F.join(where, "type"))
        p.flags |= C.MS_BIND
    if p.flags & C.MS_BIND:
        device = "bind"
        if not posixpath.isabs(source):
            source = posixpath.normpath(posixpath.join(bundle, source))
    for key, value in (("source", source), ("destination", dest), ("type", device)):
        F.no_nul(value, F.join(where, key))

    rec_attr = None
    if p.has_rec_attr:
        rec_attr = configs.MountAttr(attr_set=p.rec_attr_set, attr_clr=p.rec_attr_clr)

    uid_maps = convert_id_mappings(m.get("uidMappings"), F.join(where, "uidMappings"))
    gid_maps = convert_id_mappings(m.get("gidMappings"), F.join(where, "gidMappings"))
    id_mapping = None
    if p.idmap or uid_maps is not None or gid_maps is not None:
        id_mapping = configs.MountIDMapping(
            recursive=p.idmap_recursive, uid_mappings=uid_maps or [], gid_mappings=gid_maps or []
        )
        if (uid_maps is None) != (gid_maps is None):
            raise ConfigError(
                where, "uidMappings and gidMappings must be given together", m.get("uidMappings")
            )

    return configs.Mount(
        source=source,
        destination=dest,
        device=device,
        flags=p.flags,
        cleared_flags=p.cleared_flags,
        propagation_flags=p.propagation_flags,
        data=p.data,
        extensions=p.extensions,
        rec_attr=rec_attr,
        id_mapping=id_mapping,
    )


def propagation_of(value: str, field: str, *, no_pivot_root: bool) -> int:
    """``linux.rootfsPropagation`` -> MS_* flags (refusing [r]private without pivot_root).

    Without pivot_root the rootfs is switched with MS_MOVE + chroot, which needs the old
    root's mounts to stay reachable; making them private would leak host mounts in.
    """
    if value not in PROPAGATION:
        raise ConfigError(field, f"must be one of {', '.join(sorted(PROPAGATION))}", value)
    flags = PROPAGATION[value]
    if no_pivot_root and flags & C.MS_PRIVATE:
        raise ConfigError(field, "[r]private propagation is not safe without pivot_root", value)
    return flags
