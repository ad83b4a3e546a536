"""User namespaces: root of the container mapped to an unprivileged host uid.

The maps are written by the parent before the init goes on (checked in /proc/<pid>/uid_map);
the kernel shows the init's host credentials in /proc/<pid>/status; files the container
makes are owned by the mapped host ids; the other namespaces belong to the container's user
namespace (NS_GET_USERNS). Also: joining a user namespace by path, and a user namespace
together with a time namespace (the staged start, where the child asks for its maps).
"""

from __future__ import annotations

import fcntl
import os
import signal

import pytest
from test_namespaces import ALL_BUT_TIME, make_config, ns_link, running

from libcontainer import syscalls
from libcontainer.configs import Namespace
from libcontainer.configs.idmap import IDMap
from libcontainer.configs.timeoffset import TimeOffset

pytestmark = pytest.mark.integration
HOST = 100000  # what the mapped_rootfs fixture (tests/conftest.py) chowns to
SIZE = 65536
NS_GET_USERNS = 0xB701
CLONE_NEWUSER = 0x10000000


def user_config(rootfs, namespaces=ALL_BUT_TIME + ("NEWUSER",), **kw):
    return make_config(rootfs, namespaces=namespaces, uid_mappings=[IDMap(0, HOST, SIZE)],
                       gid_mappings=[IDMap(0, HOST, SIZE)], **kw)


def owner_userns(pid, ns_file) -> int:
    """Inode of the user namespace that owns /proc/<pid>/ns/<ns_file>."""
    fd = os.open(f"/proc/{pid}/ns/{ns_file}", os.O_RDONLY | os.O_CLOEXEC)
    try:
        owner = fcntl.ioctl(fd, NS_GET_USERNS)
        try:
            return os.fstat(owner).st_ino
        finally:
            os.close(owner)
    finally:
        os.close(fd)


def read(path) -> str:
    with open(path) as f:
        return f.read()


def test_root_mapped_to_unprivileged_host_uid(mapped_rootfs, state_root, tmp_path, no_leaks):
    script = "id -u; id -g; cat /proc/self/uid_map; touch /tmp/made; mkdir /tmp/d; chown 1000:1001 /tmp/d"
    with running(state_root, "userns", user_config(mapped_rootfs, hostname="mapped"), tmp_path, script) as (pid, out):
        assert read(f"/proc/{pid}/uid_map").split() == ["0", str(HOST), str(SIZE)]
        assert read(f"/proc/{pid}/gid_map").split() == ["0", str(HOST), str(SIZE)]
        assert read(f"/proc/{pid}/setgroups").strip() == "allow"  # privileged parent: as runc
        status = read(f"/proc/{pid}/status")
        assert f"Uid:\t{HOST}\t{HOST}\t{HOST}\t{HOST}" in status
        assert f"Gid:\t{HOST}\t{HOST}\t{HOST}\t{HOST}" in status
        assert ns_link(pid, "NEWUSER") != ns_link("self", "NEWUSER")
        mine = os.stat(f"/proc/{pid}/ns/user").st_ino
        for ns_file in ("mnt", "uts", "ipc", "pid", "net", "cgroup"):
            assert owner_userns(pid, ns_file) == mine, ns_file
    lines = out.splitlines()
    assert lines[:2] == ["0", "0"]
    assert lines[2].split() == ["0", str(HOST), str(SIZE)]
    made = os.stat(os.path.join(mapped_rootfs, "tmp/made"))
    assert (made.st_uid, made.st_gid) == (HOST, HOST)
    d = os.stat(os.path.join(mapped_rootfs, "tmp/d"))
    assert (d.st_uid, d.st_gid) == (HOST + 1000, HOST + 1001)


def test_non_root_user_inside_user_namespace(mapped_rootfs, state_root, tmp_path, no_leaks):
    with running(state_root, "userns2", user_config(mapped_rootfs), tmp_path, "id -u", user="1000:1000",
                 additional_groups=["5"]) as (pid, out):
        status = read(f"/proc/{pid}/status")
        assert f"Uid:\t{HOST + 1000}\t" in status and f"Gid:\t{HOST + 1000}\t" in status
        groups_line = next(line for line in status.splitlines() if line.startswith("Groups:"))
        assert groups_line.split()[1:] == [str(HOST + 5)]
    assert out.split()[0] == "1000"


def test_unmapped_user_is_refused(mapped_rootfs, state_root, no_leaks):
    from libcontainer import Factory, Process
    from libcontainer.errors import ContainerStartError

    c = Factory(state_root).create("unmapped", user_config(mapped_rootfs))
    try:
        with pytest.raises(ContainerStartError, match="^cannot set uid to unmapped user in user namespace$"):
            c.start(Process(args=["/bin/true"], user=str(SIZE + 5)))
    finally:
        c.destroy()


def test_user_namespace_with_time_namespace(mapped_rootfs, state_root, tmp_path, no_leaks):
    """Staged start with a new user namespace: the child asks the parent for its maps."""
    config = user_config(mapped_rootfs, namespaces=ALL_BUT_TIME + ("NEWUSER", "NEWTIME"),
                         time_offsets={"boottime": TimeOffset(secs=86400 * 1000)})
    with running(state_root, "usertime", config, tmp_path, "echo $$; id -u; cat /proc/uptime") as (pid, out):
        assert read(f"/proc/{pid}/uid_map").split() == ["0", str(HOST), str(SIZE)]
        assert f"Uid:\t{HOST}\t" in read(f"/proc/{pid}/status")
        mine = os.stat(f"/proc/{pid}/ns/user").st_ino
        assert owner_userns(pid, "time") == mine and owner_userns(pid, "pid") == mine
        offsets = [line.split() for line in read(f"/proc/{pid}/timens_offsets").splitlines()]
        assert ["boottime", "86400000", "0"] in offsets
    pid_inside, uid_inside, uptime = out.split()[:3]
    assert (pid_inside, uid_inside) == ("1", "0")
    assert float(uptime) >= 86400 * 1000


def test_join_user_namespace_by_path(mapped_rootfs, state_root, tmp_path, no_leaks):
    """The new namespaces must belong to the joined user namespace, not to the host's."""
    r, w = os.pipe()
    r2, w2 = os.pipe()
    holder = os.fork()
    if holder == 0:  # pragma: no cover - holds a user namespace open
        try:
            os.close(r)
            os.close(w2)
            syscalls.get().unshare(CLONE_NEWUSER)
            os.write(w, b"x")
            os.read(r2, 1)
        finally:
            os._exit(0)
    os.close(w)
    os.close(r2)
    try:
        assert os.read(r, 1) == b"x"
        with open(f"/proc/{holder}/uid_map", "w") as f:
            f.write(f"0 {HOST} {SIZE}\n")
        with open(f"/proc/{holder}/gid_map", "w") as f:
            f.write(f"0 {HOST} {SIZE}\n")
        namespaces = [Namespace("NEWUSER", f"/proc/{holder}/ns/user")] + [Namespace(t) for t in ALL_BUT_TIME]
        with running(state_root, "joinuser", user_config(mapped_rootfs, namespaces=namespaces), tmp_path,
                     "echo $$; id -u; touch /tmp/joined") as (pid, out):
            assert ns_link(pid, "NEWUSER") == ns_link(holder, "NEWUSER")
            theirs = os.stat(f"/proc/{holder}/ns/user").st_ino
            for ns_file in ("mnt", "uts", "ipc", "pid", "net"):
                assert owner_userns(pid, ns_file) == theirs, ns_file
            assert f"Uid:\t{HOST}\t" in read(f"/proc/{pid}/status")
        assert out.split()[:2] == ["1", "0"]
        assert os.stat(os.path.join(mapped_rootfs, "tmp/joined")).st_uid == HOST
    finally:
        os.close(w2)
        os.close(r)
        try:
            os.kill(holder, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(holder, 0)
