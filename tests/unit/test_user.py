"""The user spec rules of runc's GetExecUser / GetAdditionalGroups, with runc's error texts."""

from __future__ import annotations

import pytest

from libcontainer import user
from libcontainer.user import UserError, get_additional_groups, get_exec_user

PASSWD = """root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
alice:x:1000:1000:Alice:/home/alice:/bin/sh
# a comment
bob:x:1001:1001::/home/bob:/bin/sh
""".splitlines()

GROUP = """root:x:0:
wheel:x:10:alice,bob
audio:x:29:alice
alice:x:1000:
staff:x:50:
""".splitlines()


@pytest.mark.parametrize(
    "spec, uid, gid, sgids, home",
    [
        ("", 0, 0, [], "/root"),  # empty: the current (default) user, uid 0
        ("0", 0, 0, [], "/root"),
        ("alice", 1000, 1000, [10, 29], "/home/alice"),
        ("1000", 1000, 1000, [10, 29], "/home/alice"),  # numeric found: entry's gid and home
        ("alice:staff", 1000, 50, [], "/home/alice"),  # explicit group: no supplementary ones
        ("alice:77", 1000, 77, [], "/home/alice"),
        ("1234", 1234, 0, [], "/"),  # numeric, no entry: gid 0, HOME /
        ("1234:4321", 1234, 4321, [], "/"),
        ("1234:wheel", 1234, 10, [], "/"),
        ("bob:wheel:extra", 1001, 10, [], "/home/bob"),  # runc ignores fields past the second
    ],
)
def test_exec_user(spec, uid, gid, sgids, home):
    u = get_exec_user(spec, PASSWD, GROUP)
    assert (u.uid, u.gid, sorted(u.sgids), u.home) == (uid, gid, sgids, home)


def test_unknown_names_give_runcs_errors():
    with pytest.raises(UserError, match="^unable to find user nosuch: no matching entries in passwd file$"):
        get_exec_user("nosuch", PASSWD, GROUP)
    with pytest.raises(UserError, match="^unable to find group nogroup: no matching entries in group file$"):
        get_exec_user("alice:nogroup", PASSWD, GROUP)


def test_missing_files_allow_numeric_ids_only():
    u = get_exec_user("5:6", None, None)
    assert (u.uid, u.gid, u.home) == (5, 6, "/")
    with pytest.raises(UserError, match="unable to find user alice"):
        get_exec_user("alice", None, None)


def test_range_checked():
    with pytest.raises(UserError, match="uids and gids must be in range 0-2147483647"):
        get_exec_user("-1", PASSWD, GROUP)
    with pytest.raises(UserError, match="uids and gids must be in range"):
        get_exec_user("1:2147483648", PASSWD, GROUP)


def test_additional_groups():
    assert get_additional_groups(["wheel", "29", "4242", "wheel"], GROUP) == [10, 29, 4242]
    with pytest.raises(UserError, match="^Unable to find group nosuch$"):
        get_additional_groups(["nosuch"], GROUP)


def test_resolve_reads_the_given_files(tmp_path):
    (tmp_path / "passwd").write_text("\n".join(PASSWD) + "\n")
    (tmp_path / "group").write_text("\n".join(GROUP) + "\n")
    u = user.resolve("alice", ["staff"], passwd=str(tmp_path / "passwd"), group=str(tmp_path / "group"))
    assert (u.uid, u.gid, u.sgids, u.home) == (1000, 1000, [10, 29, 50], "/home/alice")
