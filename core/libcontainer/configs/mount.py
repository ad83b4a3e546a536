"""Mounts set up inside the container's mount namespace."""

from __future__ import annotations

from ..record import field, record

TYPE_CHECKING = False  # typing is not imported at run time: annotations stay strings
if TYPE_CHECKING:
    from .idmap import IDMap

#: ``Mount.extensions`` bit: copy the lower content up before mounting tmpfs over it.
EXT_COPYUP = 1 << 0

MS_BIND = 0x1000  # duplicated from <sys/mount.h> so the config layer needs no native module


@record
class MountAttr:
    """``struct mount_attr`` for mount_setattr(2) (runc's ``unix.MountAttr``, untagged)."""

    attr_set: int = 0
    attr_clr: int = 0
    propagation: int = 0
    userns_fd: int = 0


@record
class MountIDMapping:
    """MOUNT_ATTR_IDMAP settings: either a userns path or explicit mappings, not both."""

    recursive: bool = False
    userns_path: str = ""
    uid_mappings: list[IDMap] = field(default_factory=list)
    gid_mappings: list[IDMap] = field(default_factory=list)


@record
class Mount:
    source: str = ""
    destination: str = ""
    #: Filesystem type ("bind" for bind mounts, "tmpfs", "proc"...).
    device: str = ""
    #: MS_* flags to set.
    flags: int = 0
    #: MS_* flags the user explicitly asked *not* to set (so remounts must clear them).
    cleared_flags: int = 0
    #: MS_SHARED/MS_PRIVATE/... values, applied one after the other.
    propagation_flags: list[int] = field(default_factory=list)
    #: Filesystem-specific options string, passed as mount(2)'s data.
    data: str = ""
    #: SELinux relabel: "z" shared, "Z" private, "" none.
    relabel: str = ""
    #: Attributes applied recursively with mount_setattr(AT_RECURSIVE).
    rec_attr: MountAttr | None = None
    #: runc-specific EXT_* bits.
    extensions: int = 0
    id_mapping: MountIDMapping | None = None

    def is_bind(self) -> bool:
        return bool(self.flags & MS_BIND)

    def is_id_mapped(self) -> bool:
        return self.id_mapping is not None
