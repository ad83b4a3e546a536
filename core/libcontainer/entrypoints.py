"""The installed backends' entry points, from a cached scan instead of the metadata.

Why a cache of our own: stevedore (and importlib.metadata, hashlib and logging with it)
costs every CLI call ~40 ms of imports just to learn which module serves "cgroupfs".
The scan is kept in a file in stevedore's own format and named by stevedore's own hashing
of sys.path (every entry's mtime and every ``entry_points.txt`` in it), so installing or
removing a distribution changes the name and the next call scans again, through stevedore.
Only that rescan imports stevedore; a cache hit reads one small JSON file.
"""

from __future__ import annotations

import os
import sys

CGROUPS = "libcontainer.cgroups"
NETWORK = "libcontainer.network"
SECCOMP = "libcontainer.seccomp"
CHECKPOINT = "libcontainer.checkpoint"
INTELRDT = "libcontainer.intelrdt"

#: Every entry-point namespace this library selects backends from.
NAMESPACES = (CGROUPS, NETWORK, SECCOMP, CHECKPOINT, INTELRDT)


class _EntryPoint(tuple):
    """(name, value, group) as stevedore's cache file stores them."""

    name = property(lambda self: self[0])
    value = property(lambda self: self[1])
    group = property(lambda self: self[2])

    def load(self):
        module_name, _, attrs = self.value.partition(":")
        module_name = module_name.strip()
        __import__(module_name)  # not importlib.import_module: importlib brings warnings (~1 ms)
        obj = sys.modules[module_name]
        for attr in filter(None, attrs.strip().split(".")):
            obj = getattr(obj, attr)
        return obj


_groups_by_path: dict = {}  # tuple(sys.path) -> {group: [_EntryPoint]}
_CACHE_DIR = "libcontainer-entrypoints"


def _stevedore_cache_file() -> str:
    """The entry-point cache file for this sys.path, named by stevedore's own hashing.

    Importing stevedore pulls importlib.metadata, hashlib and logging (~40 ms per CLI
    call); reading a cached scan needs none of them. When an installed distribution
    changes, the name changes, and the next call scans (through stevedore) and rewrites it.
    """
    import struct

    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - an interpreter without the builtin
        from hashlib import sha256
    h = sha256()
    h.update(sys.executable.encode("utf-8"))
    h.update(sys.prefix.encode("utf-8"))
    pack = struct.Struct("f").pack

    def mtime(name: str) -> float:
        try:
            return os.stat(name).st_mtime
        except (FileNotFoundError, NotADirectoryError):
            return -1.0

    for entry in sys.path:
        h.update(entry.encode("utf-8"))
        h.update(pack(mtime(entry)))
        names = _names(entry)  # one listing for both suffixes (the stdlib's has ~200 names)
        for suffix in (".dist-info", ".egg-info"):
            for ep_file in _entry_point_files(entry, suffix, names):
                h.update(ep_file.encode("utf-8"))
                h.update(pack(mtime(ep_file)))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, _CACHE_DIR, h.hexdigest())


def _names(entry: str) -> list[str]:
    """The names in directory ``entry``, in the order glob sees them ([] if unreadable)."""
    try:
        with os.scandir(entry or os.curdir) as it:
            return [item.name for item in it]
    except OSError:
        return []


def _entry_point_files(entry: str, suffix: str, names: list[str] | None = None):
    """``glob.iglob(os.path.join(entry, "*" + suffix, "entry_points.txt"))``, same paths in
    the same order (stevedore hashes them), without importing glob, fnmatch and contextlib:
    the names in ``entry`` (hidden ones excluded) matching ``*suffix`` under which the file
    exists -- a name that is not a directory (or a link to one) has no such file, so glob's
    directory test is implied. ``names``: ``_names(entry)``, when the caller has it."""
    if any(c in entry for c in "*?["):  # glob would take these for a pattern
        import glob

        yield from glob.iglob(os.path.join(entry, "*" + suffix, "entry_points.txt"))
        return
    for name in _names(entry) if names is None else names:
        if name[0] != "." and name.endswith(suffix):
            path = os.path.join(entry, name, "entry_points.txt")
            if os.path.lexists(path):
                yield path


def _write_cache(path: str, raw: dict) -> None:
    """Keep the scan for the next process, in stevedore's format but a file of our own:
    stevedore writes none when the interpreter lives under /tmp (its ansible rule), which
    would leave every CLI call scanning metadata again."""
    import json

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump({"groups": raw}, f)
        os.rename(tmp, path)
    except OSError:
        pass  # a read-only home: every call scans, slower but correct


def _groups() -> dict:
    key = tuple(sys.path)
    groups = _groups_by_path.get(key)
    if groups is None:
        from libcontainer import jsonfast  # json.load's result without json's re-based modules

        cache_file = _stevedore_cache_file()
        try:
            with open(cache_file) as f:
                raw = jsonfast.loads(f.read())["groups"]
        except (OSError, ValueError, KeyError, TypeError):
            from stevedore import _cache  # scans the installed distributions' metadata

            raw = {ns: [(ep.name, ep.value, ep.group) for ep in _cache.get_group_all(ns)]
                   for ns in NAMESPACES}
            _write_cache(cache_file, raw)
        groups = {g: [_EntryPoint(tuple(item)) for item in items] for g, items in raw.items()}
        _groups_by_path[key] = groups
    return groups


def _entry_points(namespace: str) -> list:
    """Entry points of ``namespace`` from the entry-point cache file (no plugin is imported)."""
    return list(_groups().get(namespace, ()))
