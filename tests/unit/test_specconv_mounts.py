"""Mount option parsing, table-driven against runc's parseMountOptions semantics."""

from __future__ import annotations

import pytest

from libcontainer import configs
from libcontainer.specconv import constants as C
from libcontainer.specconv import known_mount_options, parse_mount_options
from libcontainer.specconv.mounts import create_mount

ATIME = C.MOUNT_ATTR__ATIME


@pytest.mark.parametrize(
    "options, flags, cleared, prop, data, rset, rclr, ext",
    [
        ([], 0, 0, [], "", 0, 0, 0),
        (["ro"], C.MS_RDONLY, 0, [], "", 0, 0, 0),
        (["ro", "rw"], 0, C.MS_RDONLY, [], "", 0, 0, 0),
        (["rw", "ro"], C.MS_RDONLY, 0, [], "", 0, 0, 0),
        (["nosuid", "nodev", "noexec"], C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC, 0, [], "", 0, 0, 0),
        (["suid", "dev", "exec"], 0, C.MS_NOSUID | C.MS_NODEV | C.MS_NOEXEC, [], "", 0, 0, 0),
        (["bind"], C.MS_BIND, 0, [], "", 0, 0, 0),
        (["rbind"], C.MS_BIND | C.MS_REC, 0, [], "", 0, 0, 0),
        (["sync", "async"], 0, C.MS_SYNCHRONOUS, [], "", 0, 0, 0),
        (["noatime", "atime"], 0, C.MS_NOATIME, [], "", 0, 0, 0),
        (["relatime", "strictatime"], C.MS_RELATIME | C.MS_STRICTATIME, 0, [], "", 0, 0, 0),
        (["norelatime", "nostrictatime"], 0, C.MS_RELATIME | C.MS_STRICTATIME, [], "", 0, 0, 0),
        (["nodiratime", "dirsync", "mand", "iversion", "lazytime", "silent", "remount"],
         C.MS_NODIRATIME | C.MS_DIRSYNC | C.MS_MANDLOCK | C.MS_I_VERSION | C.MS_LAZYTIME
         | C.MS_SILENT | C.MS_REMOUNT, 0, [], "", 0, 0, 0),
        (["nomand", "noiversion", "nolazytime", "loud", "diratime"], 0,
         C.MS_MANDLOCK | C.MS_I_VERSION | C.MS_LAZYTIME | C.MS_SILENT | C.MS_NODIRATIME, [], "", 0, 0, 0),
        (["nosymfollow"], C.MS_NOSYMFOLLOW, 0, [], "", 0, 0, 0),
        (["symfollow"], 0, C.MS_NOSYMFOLLOW, [], "", 0, 0, 0),
        (["private"], 0, 0, [C.MS_PRIVATE], "", 0, 0, 0),
        (["rshared", "slave"], 0, 0, [C.MS_SHARED | C.MS_REC, C.MS_SLAVE], "", 0, 0, 0),
        (["rslave", "shared", "unbindable", "runbindable", "rprivate"], 0, 0,
         [C.MS_SLAVE | C.MS_REC, C.MS_SHARED, C.MS_UNBINDABLE, C.MS_UNBINDABLE | C.MS_REC,
          C.MS_PRIVATE | C.MS_REC], "", 0, 0, 0),
        (["mode=755", "size=65536k"], 0, 0, [], "mode=755,size=65536k", 0, 0, 0),
        (["nosuid", "mode=1777", "ro", "uid=5"], C.MS_NOSUID | C.MS_RDONLY, 0, [], "mode=1777,uid=5", 0, 0, 0),
        # "acl" is deliberately not a flag (runc#3738): it is filesystem data
        (["acl"], 0, 0, [], "acl", 0, 0, 0),
        # "defaults" changes nothing (runc would pass it on as data; see the module doc)
        (["defaults"], 0, 0, [], "", 0, 0, 0),
        (["rro"], 0, 0, [], "", C.MOUNT_ATTR_RDONLY, 0, 0),
        (["rro", "rrw"], 0, 0, [], "", 0, C.MOUNT_ATTR_RDONLY, 0),
        (["rnosuid", "rnodev", "rnoexec", "rnosymfollow"], 0, 0, [], "",
         C.MOUNT_ATTR_NOSUID | C.MOUNT_ATTR_NODEV | C.MOUNT_ATTR_NOEXEC | C.MOUNT_ATTR_NOSYMFOLLOW, 0, 0),
        (["rsuid", "rdev", "rexec", "rsymfollow", "rdiratime"], 0, 0, [], "", 0,
         C.MOUNT_ATTR_NOSUID | C.MOUNT_ATTR_NODEV | C.MOUNT_ATTR_NOEXEC | C.MOUNT_ATTR_NOSYMFOLLOW
         | C.MOUNT_ATTR_NODIRATIME, 0),
        (["rnodiratime"], 0, 0, [], "", C.MOUNT_ATTR_NODIRATIME, 0, 0),
        # access-time modes also clear the whole MOUNT_ATTR__ATIME field (mount_setattr(2))
        (["rnoatime"], 0, 0, [], "", C.MOUNT_ATTR_NOATIME, ATIME, 0),
        (["rstrictatime"], 0, 0, [], "", C.MOUNT_ATTR_STRICTATIME, ATIME, 0),
        (["rrelatime"], 0, 0, [], "", 0, ATIME, 0),
        (["ratime"], 0, 0, [], "", 0, C.MOUNT_ATTR_NOATIME, 0),
        (["rnoatime", "ratime"], 0, 0, [], "", 0, ATIME, 0),
        (["tmpcopyup"], 0, 0, [], "", 0, 0, C.EXT_COPYUP),
    ],
)
def test_option_table(options, flags, cleared, prop, data, rset, rclr, ext):
    p = parse_mount_options(options)
    assert p.flags == flags
    assert p.cleared_flags == cleared
    assert p.propagation_flags == prop
    assert p.data == data
    assert (p.rec_attr_set, p.rec_attr_clr) == (rset, rclr)
    assert p.extensions == ext


@pytest.mark.parametrize("opt, recursive", [("idmap", False), ("ridmap", True)])
def test_idmap_options(opt, recursive):
    p = parse_mount_options(["bind", opt])
    assert p.idmap is True and p.idmap_recursive is recursive and p.data == ""


def test_known_mount_options():
    known = known_mount_options()
    assert known == sorted(known)
    for opt in ("ro", "rbind", "rprivate", "rro", "tmpcopyup", "idmap", "ridmap", "nosymfollow"):
        assert opt in known


def test_bind_mount_conversion():
    m = create_mount({"destination": "/a", "type": "tmpfs", "source": "sub/../dir", "options": ["rbind"]},
                     "/bundle", "mounts[0]")
    assert m.device == "bind"  # the type of a bind mount is meaningless
    assert m.source == "/bundle/dir"
    assert m.rec_attr is None and m.id_mapping is None


def test_non_bind_relative_source_is_kept():
    m = create_mount({"destination": "/proc", "type": "proc", "source": "proc"}, "/bundle", "mounts[0]")
    assert (m.source, m.device) == ("proc", "proc")


def test_cgroup_mount():
    m = create_mount({"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
                      "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}, "/b", "mounts[3]")
    assert m.device == "cgroup" and m.source == "cgroup"
    assert m.flags == C.MS_NOSUID | C.MS_NOEXEC | C.MS_NODEV | C.MS_RELATIME | C.MS_RDONLY


def test_mount_mappings_without_idmap_option():
    m = create_mount({
        "destination": "/x", "source": "/y", "options": ["bind"],
        "uidMappings": [{"containerID": 0, "hostID": 1, "size": 2}],
        "gidMappings": [{"containerID": 0, "hostID": 3, "size": 4}],
    }, "/b", "mounts[0]")
    assert m.id_mapping == configs.MountIDMapping(
        recursive=False, uid_mappings=[configs.IDMap(0, 1, 2)], gid_mappings=[configs.IDMap(0, 3, 4)]
    )


def test_relative_destination_is_warned(caplog):
    m = create_mount({"destination": "relative", "type": "tmpfs", "source": "tmpfs"}, "/b", "mounts[2]")
    assert m.destination == "relative"
    assert "mounts[2].destination" in caplog.text


def test_type_bind_without_bind_option_is_a_bind_mount(caplog):
    m = create_mount({"destination": "/a", "type": "bind", "source": "/src", "options": ["ro"]}, "/b", "mounts[1]")
    assert m.flags == C.MS_BIND | C.MS_RDONLY and m.device == "bind"
    assert "mounts[1].type" in caplog.text
