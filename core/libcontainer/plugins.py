"""Configuration-selected backends: one entry point, one module, one hook call.

Why it is built this way:

* Each backend kind has a stevedore entry-point namespace (see :data:`NAMESPACES`); an entry
  point names a *module* holding ``@hookimpl`` functions (:mod:`libcontainer.hookspecs`).
* Selecting a backend reads a cached scan of the entry points (``_groups``: stevedore's
  format and hashing, in a file of our own; stevedore itself is imported only to rescan when
  the installed distributions changed), imports only that one module, registers it in the single
  ``pluggy.PluginManager`` of this process and calls the hook *restricted to that module*
  (``subset_hook_caller``), so two installed seccomp backends can never answer for each
  other.
* ``pluggy`` and ``stevedore`` are imported inside the functions: ``pyrunc state`` or
  ``pyrunc kill`` never pay for them unless they touch a backend.
* ``LIBCONTAINER_BLOCK_PLUGINS`` lets an operator forbid a backend (``name`` or
  ``namespace:name``, comma-separated) without uninstalling it; selecting it by name is an
  error rather than a silent fallback, because a silent fallback changes what isolation a
  container gets.
"""

from __future__ import annotations

import os
import sys
import threading

from libcontainer.errors import PluginError

ENV_BLOCK = "LIBCONTAINER_BLOCK_PLUGINS"

CGROUPS = "libcontainer.cgroups"
NETWORK = "libcontainer.network"
SECCOMP = "libcontainer.seccomp"
CHECKPOINT = "libcontainer.checkpoint"
INTELRDT = "libcontainer.intelrdt"

#: Every entry-point namespace this library selects backends from.
NAMESPACES = (CGROUPS, NETWORK, SECCOMP, CHECKPOINT, INTELRDT)

CGROUP2_SUPER_MAGIC = 0x63677270
CGROUP_ROOT = "/sys/fs/cgroup"

_lock = threading.RLock()
_pm = None  # the process-wide pluggy.PluginManager, built on first use
_loaded: dict = {}  # "namespace:name" -> registered module
_cgroup2 = None  # cached answer of is_cgroup2_unified() for the real system


# --------------------------------------------------------------------------- listing


class _EntryPoint(tuple):
    """(name, value, group) as stevedore's cache file stores them."""

    name = property(lambda self: self[0])
    value = property(lambda self: self[1])
    group = property(lambda self: self[2])

    def load(self):
        module_name, _, attrs = self.value.partition(":")
        import importlib

        obj = importlib.import_module(module_name.strip())
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
    import glob
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
        for pattern in ("*.dist-info", "*.egg-info"):
            for ep_file in glob.iglob(os.path.join(entry, pattern, "entry_points.txt")):
                h.update(ep_file.encode("utf-8"))
                h.update(pack(mtime(ep_file)))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, _CACHE_DIR, h.hexdigest())


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
        import json

        cache_file = _stevedore_cache_file()
        try:
            with open(cache_file) as f:
                raw = json.load(f)["groups"]
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


def installed() -> dict[str, list[str]]:
    """namespace -> sorted names of the installed backends (blocked ones included)."""
    return {ns: sorted({ep.name for ep in _entry_points(ns)}) for ns in NAMESPACES}


def blocked(env: str | None = None) -> set[str]:
    """The entries of ``LIBCONTAINER_BLOCK_PLUGINS`` (``name`` or ``namespace:name``)."""
    text = os.environ.get(ENV_BLOCK, "") if env is None else env
    return {item.strip() for item in text.split(",") if item.strip()}


def _short(namespace: str) -> str:
    return namespace.rpartition(".")[2]


def is_blocked(namespace: str, name: str, env: str | None = None) -> bool:
    """Whether ``name`` in ``namespace`` is blocked (``cgroups:x`` and the full namespace
    ``libcontainer.cgroups:x`` are both accepted, as is a bare ``x`` for every namespace)."""
    entries = blocked(env)
    return bool(entries & {name, f"{namespace}:{name}", f"{_short(namespace)}:{name}"})


# --------------------------------------------------------------------------- loading


def _plugin_manager():
    global _pm
    if _pm is None:
        import pluggy

        from libcontainer import hookspecs

        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        _pm = pm
    return _pm


def reset() -> None:
    """Forget loaded plugins and stevedore's in-process entry-point caches.

    For tests and long-lived processes that install a plugin after first use: stevedore
    caches the entry points per ``sys.path`` in memory, so a newly installed distribution is
    invisible until this is called.
    """
    global _pm, _cgroup2
    with _lock:
        _pm = None
        _cgroup2 = None
        _loaded.clear()
        _groups_by_path.clear()
        import importlib

        importlib.invalidate_caches()
        try:
            from stevedore import _cache
            from stevedore.extension import ExtensionManager

            _cache._c._internal.clear()
            ExtensionManager.ENTRY_POINT_CACHE.clear()
        except (ImportError, AttributeError):  # a stevedore without these internals
            pass


def load(namespace: str, name: str):
    """Load and register the backend module ``name`` of ``namespace``; return the module.

    Raises :class:`PluginError` if it is blocked, not installed, or fails to import.
    """
    if is_blocked(namespace, name):
        raise PluginError(
            f"{_short(namespace)} backend {name!r} ({namespace}) is blocked by the "
            f"{ENV_BLOCK} environment variable ({os.environ.get(ENV_BLOCK, '')!r})"
        )
    key = f"{namespace}:{name}"
    with _lock:
        pm = _plugin_manager()
        module = _loaded.get(key)
        if module is not None:
            return module
        names = sorted({ep.name for ep in _entry_points(namespace)})
        if name not in names:
            raise PluginError(
                f"no {_short(namespace)} backend named {name!r} is installed "
                f"(entry-point namespace {namespace}); installed: "
                f"{', '.join(names) if names else 'none'}"
            )
        matches = {ep.value: ep for ep in _entry_points(namespace) if ep.name == name}
        try:
            if len(matches) == 1:  # the usual case: import the one module, nothing else
                module = next(iter(matches.values())).load()
            else:  # several distributions claim the name: stevedore's rules decide
                from stevedore import DriverManager

                module = DriverManager(namespace, name, invoke_on_load=False).driver
        except Exception as exc:  # import errors of the plugin itself
            raise PluginError(
                f"{_short(namespace)} backend {name!r} ({namespace}) failed to load: {exc}"
            ) from exc
        if not pm.is_registered(module):  # one module may serve several namespaces
            try:
                pm.register(module, name=key)
            except Exception as exc:  # pluggy validation: wrong hook signature etc.
                raise PluginError(
                    f"{_short(namespace)} backend {name!r} ({namespace}) is not a valid "
                    f"libcontainer plugin: {exc}"
                ) from exc
        _loaded[key] = module
        return module


def _call(namespace: str, backend: str, hook: str, /, **kwargs):
    """Call ``hook`` on the selected plugin only; a ``None`` answer is an error."""
    name = backend
    module = load(namespace, name)
    pm = _plugin_manager()
    others = [p for p in pm.get_plugins() if p is not module]
    caller = pm.subset_hook_caller(hook, remove_plugins=others)
    if not any(impl.plugin is module for impl in caller.get_hookimpls()):
        raise PluginError(
            f"{_short(namespace)} backend {name!r} ({namespace}) does not implement {hook}()"
        )
    result = caller(**kwargs)
    if result is None:
        raise PluginError(
            f"{_short(namespace)} backend {name!r} ({namespace}) returned nothing from {hook}()"
        )
    return result


# --------------------------------------------------------------------------- cgroups


def _statfs_type(path: str) -> int | None:
    """``statfs(2).f_type`` of ``path`` via ctypes (os.statvfs does not expose it)."""
    import ctypes

    try:
        # the process's own symbols (libc is loaded): ctypes.util.find_library would cost
        # every `pyrunc delete` ~10 ms of imports (subprocess, tempfile, shutil)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.statfs  # noqa: B018 - AttributeError if the main program does not export it
    except (OSError, AttributeError):
        try:
            import ctypes.util

            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        except OSError:
            return None
    buf = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes on 64-bit Linux
    if libc.statfs(os.fsencode(path), buf) != 0:
        return None
    # f_type is the first member: a long on the 64-bit ABIs (32 bits on s390x/32-bit).
    word = ctypes.c_long if ctypes.sizeof(ctypes.c_long) == 8 else ctypes.c_int
    return ctypes.cast(buf, ctypes.POINTER(word))[0] & 0xFFFFFFFF


def _mountinfo_fstype(mountinfo: str, mountpoint: str) -> str | None:
    """The fstype of the last (topmost) mount at ``mountpoint`` in mountinfo text."""
    fstype = None
    for line in mountinfo.splitlines():
        fields = line.split()
        if len(fields) < 7 or fields[4] != mountpoint:
            continue
        try:
            fstype = fields[fields.index("-", 6) + 1]
        except (ValueError, IndexError):
            continue
    return fstype


def is_cgroup2_unified(mountinfo: str | None = None) -> bool:
    """Whether ``/sys/fs/cgroup`` is a cgroup2 mount (runc's ``IsCgroup2UnifiedMode``).

    With ``mountinfo`` text (tests), decide from it alone. Otherwise use ``statfs`` magic,
    falling back to ``/proc/self/mountinfo``; the real answer is cached for the process.
    """
    global _cgroup2
    if mountinfo is not None:
        return _mountinfo_fstype(mountinfo, CGROUP_ROOT) == "cgroup2"
    if _cgroup2 is None:
        magic = _statfs_type(CGROUP_ROOT)
        if magic is not None:
            _cgroup2 = magic == CGROUP2_SUPER_MAGIC
        else:
            try:
                with open("/proc/self/mountinfo") as f:
                    _cgroup2 = _mountinfo_fstype(f.read(), CGROUP_ROOT) == "cgroup2"
            except OSError:
                _cgroup2 = False
    return _cgroup2


def pick_cgroup_driver(cgroup=None, mountinfo: str | None = None) -> str:
    """The driver runc would use: ``systemd`` if asked, else ``fs2`` on a unified
    hierarchy, else ``cgroupfs`` (v1 or hybrid)."""
    if cgroup is not None and getattr(cgroup, "systemd", False):
        return "systemd"
    return "fs2" if is_cgroup2_unified(mountinfo) else "cgroupfs"


def cgroup_manager(cgroup, driver: str | None = None, paths: dict | None = None):
    """The ``CgroupManager`` for ``cgroup`` from the ``driver`` backend (auto-picked if None)."""
    name = driver or pick_cgroup_driver(cgroup)
    return _call(
        CGROUPS, name, "libcontainer_cgroup_manager", driver=name, cgroup=cgroup, paths=paths
    )


# --------------------------------------------------------------------------- the others


def network_strategy(type: str):  # noqa: A002 - the name runc's config uses
    """The strategy object for a network type (``loopback``, ``veth``, ...)."""
    return _call(NETWORK, type, "libcontainer_network_strategy", network_type=type)


def seccomp_filter(seccomp, backend: str | None = None):
    """A loadable filter for a ``configs.Seccomp`` (backend ``libseccomp`` by default)."""
    return _call(SECCOMP, backend or "libseccomp", "libcontainer_seccomp_filter", seccomp=seccomp)


def checkpoint_backend(name: str = "criu"):
    """The checkpoint/restore backend called ``name``."""
    return _call(CHECKPOINT, name, "libcontainer_checkpoint_backend", name=name)


def intelrdt_manager(config, container_id: str, path: str | None = None, backend: str = "resctrl"):
    """The Intel RDT manager for a container (backend ``resctrl``)."""
    return _call(
        INTELRDT,
        backend,
        "libcontainer_intelrdt_manager",
        config=config,
        container_id=container_id,
        path=path,
    )


def _merge(into: dict, more: dict) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key].extend(v for v in value if v not in into[key])
        else:
            into[key] = value


def features() -> dict:
    """Merge every installed, unblocked backend's ``libcontainer_features()`` answer.

    Not a hot path: this loads all installed backends. One that fails to load is listed
    under ``annotations`` instead of breaking ``pyrunc features``.
    """
    merged: dict = {}
    problems = {}
    for namespace, names in installed().items():
        for name in names:
            if is_blocked(namespace, name):
                continue
            try:
                load(namespace, name)
            except PluginError as exc:
                problems[f"io.github.libcontainer.plugin.{_short(namespace)}.{name}"] = str(exc)
    for answer in reversed(_plugin_manager().hook.libcontainer_features()):
        if answer:
            _merge(merged, answer)
    if problems:
        merged.setdefault("annotations", {}).update(problems)
    return merged
