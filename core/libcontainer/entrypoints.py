"""The installed backends' entry points, from a cached scan instead of the metadata.

Why a cache of our own: stevedore (and importlib.metadata, hashlib and logging with it)
costs every CLI call ~40 ms of imports just to learn which module serves "cgroupfs".
The scan is kept in a small JSON file (stevedore's format, plus what it was made from) and
only a rescan imports importlib.metadata. The file is named by the interpreter and every sys.path
entry with its mtime, which a distribution added or removed there changes; it lists every
``*.dist-info``/``*.egg-info`` directory the scan saw and their ``entry_points.txt``, with
their mtimes, which an upgrade in place or an edited entry point changes. So a call stats
those few paths instead of listing every directory on sys.path (the stdlib's has ~200
names), as stevedore's own hashing does: ~1 ms less for every command that loads a backend.
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


def _mtime_ns(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def _cache_file() -> str:
    """The cache file for this interpreter and sys.path (see the module docstring)."""
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - an interpreter without the builtin
        from hashlib import sha256
    h = sha256()
    for part in (sys.executable, sys.prefix):
        h.update(part.encode("utf-8", "surrogateescape") + b"\0")
    for entry in sys.path:  # "" (the current directory) by name only: its mtime is anybody's
        h.update(f"{entry}\0{_mtime_ns(entry) if entry else -1}\0".encode("utf-8", "surrogateescape"))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, _CACHE_DIR, h.hexdigest())


def _metadata_paths() -> list[str]:
    """Every distribution's metadata directory on sys.path, and its entry_points.txt."""
    found = []
    for entry in sys.path:
        names = _names(entry)  # one listing for both suffixes
        for suffix in (".dist-info", ".egg-info"):
            for name in names:
                if name[0] != "." and name.endswith(suffix):
                    found.append(os.path.join(entry, name))
            found.extend(_entry_point_files(entry, suffix, names))
    return found


def _unchanged(seen) -> bool:
    return isinstance(seen, list) and all(_mtime_ns(path) == mtime for path, mtime in seen)


def _names(entry: str) -> list[str]:
    """The names in directory ``entry``, in the order glob sees them ([] if unreadable)."""
    try:
        with os.scandir(entry or os.curdir) as it:
            return [item.name for item in it]
    except OSError:
        return []


def _entry_point_files(entry: str, suffix: str, names: list[str] | None = None):
    """``glob.iglob(os.path.join(entry, "*" + suffix, "entry_points.txt"))``, the same paths
    (a rescan records them with their mtimes), without importing glob, fnmatch and contextlib:
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


def _write_cache(path: str, raw: dict, seen: list) -> None:
    """Keep the scan for the next process, in a file of our own: stevedore writes none
    when the interpreter lives under /tmp (its ansible rule), which would leave every CLI
    call scanning metadata again."""
    import json

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump({"groups": raw, "seen": seen}, f)
        os.rename(tmp, path)
    except OSError:
        pass  # a read-only home: every call scans, slower but correct


def _groups() -> dict:
    key = tuple(sys.path)
    groups = _groups_by_path.get(key)
    if groups is None:
        from libcontainer import jsonfast  # json.load's result without json's re-based modules

        cache_file = _cache_file()
        try:
            with open(cache_file) as f:
                cached = jsonfast.loads(f.read())
            raw = cached["groups"] if _unchanged(cached["seen"]) else None
        except (OSError, ValueError, KeyError, TypeError):
            raw = None
        if raw is None:
            # the metadata itself, not stevedore's cache of it: that one is named by mtimes
            # packed as float32 (~2 minutes apart today) and misses an edit in place
            from importlib.metadata import entry_points

            seen = [(path, _mtime_ns(path)) for path in _metadata_paths()]  # before the scan
            eps = entry_points()
            raw = {ns: [(ep.name, ep.value, ep.group) for ep in eps.select(group=ns)] for ns in NAMESPACES}
            _write_cache(cache_file, raw, seen)
        groups = {g: [_EntryPoint(tuple(item)) for item in items] for g, items in raw.items()}
        _groups_by_path[key] = groups
    return groups


def _entry_points(namespace: str) -> list:
    """Entry points of ``namespace`` from the entry-point cache file (no plugin is imported)."""
    return list(_groups().get(namespace, ()))
