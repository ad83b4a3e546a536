"""rootfs/safepath.clean: its shortcut for paths already clean gives what normpath gives."""

from __future__ import annotations

import itertools
import os

from libcontainer.rootfs.safepath import clean


def _normpath(path: str) -> str:
    return os.path.normpath("/" + path.lstrip("/"))


def test_every_short_path_of_slashes_dots_and_letters():
    for n in range(8):
        for chars in itertools.product("a/.", repeat=n):
            path = "".join(chars)
            assert clean(path) == _normpath(path), repr(path)


def test_the_paths_a_config_has():
    for path in ("/", "/dev", "/dev/pts", "/proc/sys", "/sys/fs/cgroup", "/.hidden/x", "/a b/c", "dev/shm",
                 "/dev/../dev/", "//etc//passwd", "/etc/passwd/.", "/x/.."):
        assert clean(path) == _normpath(path), path
