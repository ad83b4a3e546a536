"""Kernel constants the conversion needs, spelled out here on purpose.

specconv runs in the CLI before any container exists (``create``, ``spec``, ``features``),
so it must not need the compiled ``_nsenter`` module nor anything heavier than the
standard library. The values are the Linux UAPI ones (``<linux/mount.h>``,
``<linux/personality.h>``), which are identical on every architecture runc supports.
"""

# mount(2) flags
MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_SYNCHRONOUS = 0x10
MS_REMOUNT = 0x20
MS_MANDLOCK = 0x40
MS_DIRSYNC = 0x80
MS_NOSYMFOLLOW = 0x100
MS_NOATIME = 0x400
MS_NODIRATIME = 0x800
MS_BIND = 0x1000
MS_MOVE = 0x2000
MS_REC = 0x4000
MS_SILENT = 0x8000
MS_POSIXACL = 0x10000
MS_UNBINDABLE = 0x20000
MS_PRIVATE = 0x40000
MS_SLAVE = 0x80000
MS_SHARED = 0x100000
MS_RELATIME = 0x200000
MS_I_VERSION = 0x800000
MS_STRICTATIME = 0x1000000
MS_LAZYTIME = 0x2000000

# mount_setattr(2) attributes
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
MOUNT_ATTR_NODEV = 0x4
MOUNT_ATTR_NOEXEC = 0x8
MOUNT_ATTR__ATIME = 0x70
MOUNT_ATTR_RELATIME = 0x0
MOUNT_ATTR_NOATIME = 0x10
MOUNT_ATTR_STRICTATIME = 0x20
MOUNT_ATTR_NODIRATIME = 0x80
MOUNT_ATTR_IDMAP = 0x100000
MOUNT_ATTR_NOSYMFOLLOW = 0x200000

# runc's configs.EXT_COPYUP: the "tmpcopyup" extension (copy the image's content of the
# destination into a fresh tmpfs mounted over it).
EXT_COPYUP = 1 << 0

# personality(2) domains, as runc's configs.PerLinux / PerLinux32
PER_LINUX = 0x0000
PER_LINUX32 = 0x0008

# What runc writes as config.Version: the runtime-spec version the conversion follows.
OCI_VERSION = "1.2.0"
