"""Configuration-selected backends: one entry point, one module, one hook call.

Why it is built this way:

* Each backend kind has a stevedore entry-point namespace (see :data:`NAMESPACES`); an entry
  point names a *module* holding ``@hookimpl`` functions (:mod:`libcontainer.hookspecs`).
* Selecting a backend reads a cached scan of the entry points (``_groups``: stevedore's
  format and hashing, in a file of our own; stevedore itself is imported only to rescan when
  the installed distributions changed), imports only that one module and calls the hook of
  *that module only*, so two installed seccomp backends can never answer for each other.
* The call itself does not need pluggy (~40 ms of imports for every ``pyrunc delete``):
  when the module's marks are plain (one ``@hookimpl`` for the hook, no wrappers, arguments
  pluggy would accept), :func:`_direct_impl` calls the function as pluggy's ``firstresult``
  call would. Anything else - a wrapper, several implementations, a signature pluggy refuses -
  goes through the single ``pluggy.PluginManager`` of this process (``load`` registers the
  module, ``subset_hook_caller`` restricts the call to it), so pluggy's rules and errors stay
  the rules. ``features()`` (every plugin answers) always uses pluggy.
* ``pluggy`` and ``stevedore`` are imported inside the functions: ``pyrunc state`` or
  ``pyrunc kill`` never pay for them, and selecting a plain backend never pays for pluggy.
* ``LIBCONTAINER_BLOCK_PLUGINS`` lets an operator forbid a backend (``name`` or
  ``namespace:name``, comma-separated) without uninstalling it; selecting it by name is an
  error rather than a silent fallback, because a silent fallback changes what isolation a
  container gets.
"""

from __future__ import annotations

import _thread  # threading's RLock is this C lock; importing threading costs ~3 ms
import os

from libcontainer.errors import PluginError

from .entrypoints import (  # noqa: F401 - the namespaces and the cache are part of this API
    CGROUPS,
    CHECKPOINT,
    INTELRDT,
    NAMESPACES,
    NETWORK,
    SECCOMP,
    _entry_point_files,
    _entry_points,
    _groups,
    _groups_by_path,
)

ENV_BLOCK = "LIBCONTAINER_BLOCK_PLUGINS"

CGROUP2_SUPER_MAGIC = 0x63677270
CGROUP_ROOT = "/sys/fs/cgroup"

_lock = _thread.RLock()
_pm = None  # the process-wide pluggy.PluginManager, built on first use
_loaded: dict = {}  # "namespace:name" -> imported module (registered in _pm once that is used)
_direct: dict = {}  # module -> {hook name: impl function, or None: ask pluggy}
_cgroup2 = None  # cached answer of is_cgroup2_unified() for the real system


# --------------------------------------------------------------------------- listing


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
        _direct.clear()
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


def _import(namespace: str, name: str):
    """Import the backend module ``name`` of ``namespace`` (no pluggy); return the module.

    Raises :class:`PluginError` if it is blocked, not installed, or fails to import.
    """
    if is_blocked(namespace, name):
        raise PluginError(
            f"{_short(namespace)} backend {name!r} ({namespace}) is blocked by the "
            f"{ENV_BLOCK} environment variable ({os.environ.get(ENV_BLOCK, '')!r})"
        )
    key = f"{namespace}:{name}"
    with _lock:
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
        _loaded[key] = module
        return module


def load(namespace: str, name: str):
    """Load and register the backend module ``name`` of ``namespace``; return the module.

    Raises :class:`PluginError` if it is blocked, not installed, fails to import, or is not
    a valid plugin for pluggy.
    """
    module = _import(namespace, name)
    key = f"{namespace}:{name}"
    with _lock:
        pm = _plugin_manager()
        if not pm.is_registered(module):  # one module may serve several namespaces
            try:
                pm.register(module, name=key)
            except Exception as exc:  # pluggy validation: wrong hook signature etc.
                raise PluginError(
                    f"{_short(namespace)} backend {name!r} ({namespace}) is not a valid "
                    f"libcontainer plugin: {exc}"
                ) from exc
        return module


#: hook name -> (its parameter names or None, whether a direct call is pluggy's call: not
#: for a hook that is not firstresult (pluggy answers with a list), historic or warning)
_spec_args: dict = {}


def _positional(func) -> tuple[tuple[str, ...], bool] | None:
    """(names of the parameters without a default, whether others have one) as pluggy's
    ``varnames`` sees a plain function; None for anything it might see otherwise (methods,
    wrapped functions, a first parameter that some pluggy versions take for ``self``)."""
    if type(func) is not _FUNCTION or hasattr(func, "__wrapped__"):
        return None
    qualname = func.__qualname__
    if "." in qualname.rpartition("<locals>.")[2]:
        return None  # defined in a class body
    code = func.__code__
    args = code.co_varnames[: code.co_argcount]
    if args and "." in qualname and args[0] in ("self", "cls", "obj"):
        return None
    defaults = func.__defaults__ or ()
    return (args[: len(args) - len(defaults)] if defaults else args), bool(defaults)


_FUNCTION = type(_positional)


def _specs() -> dict:
    with _lock:
        if not _spec_args:
            from libcontainer import hookspecs

            attr = hookspecs.PROJECT + "_spec"
            for name, value in vars(hookspecs).items():
                opts = getattr(value, attr, None)
                if isinstance(opts, dict):
                    sig = _positional(value)
                    args = None if sig is None or sig[1] else sig[0]
                    plain = bool(opts.get("firstresult")) and not any(
                        opts.get(k) for k in ("historic", "warn_on_impl", "warn_on_impl_args"))
                    _spec_args[name] = (args, plain and args is not None)
        return _spec_args


def _scan(module) -> dict | None:
    """hook name -> (function, argument names) of the module's one implementation of it,
    or None if pluggy must make every call into this module.

    Direct only when pluggy's call could not differ: module-level functions marked
    ``@hookimpl`` without wrapper options, taking only arguments of their hook's spec and
    none with a default, one per hook. Should any mark of the module be one pluggy might
    refuse at registration, pluggy handles the module and raises its own error, exactly
    as when every call went through it.
    """
    from libcontainer import hookspecs

    specs = _specs()
    attr = hookspecs.PROJECT + "_impl"
    names = vars(module)
    if "__getattr__" in names or "__dir__" in names:
        return None  # pluggy's dir() may see other attributes
    found: dict = {}
    for attr_name, value in list(names.items()):
        if type(value) is not _FUNCTION:
            if getattr(getattr(value, "__func__", None), attr, None) is not None:
                return None  # a marked (class/static) method
            continue
        opts = getattr(value, attr, None)
        if not isinstance(opts, dict):
            continue  # not a hook implementation (pluggy skips a mark that is no dict)
        hook = opts.get("specname") or attr_name
        if hook not in specs:
            continue  # no spec: pluggy registers it unverified and never calls it here
        sig = _positional(value)
        spec_args = specs[hook][0]
        if (spec_args is None or hook in found or sig is None or sig[1]
                or opts.get("wrapper") or opts.get("hookwrapper") or not set(sig[0]) <= set(spec_args)):
            return None
        found[hook] = (value, sig[0])
    return found


def _direct_impl(module, hook: str, kwargs: dict):
    """(function, argument names) to call for ``hook``; ``()`` if the module does not
    implement it; None if pluggy must make the call."""
    with _lock:
        if module not in _direct:
            _direct[module] = _scan(module)
        table = _direct[module]
    spec_args, direct = _specs().get(hook, (None, False))
    if table is None or not direct or not set(spec_args) <= set(kwargs):
        return None  # pluggy's rules (and its warning about a missing argument)
    return table.get(hook, ())


def _call(namespace: str, backend: str, hook: str, /, **kwargs):
    """Call ``hook`` on the selected plugin only; a ``None`` answer is an error."""
    name = backend
    module = _import(namespace, name)
    impl = _direct_impl(module, hook, kwargs)
    if impl is None:
        result = _call_pluggy(namespace, name, hook, kwargs)
    elif not impl:
        raise PluginError(
            f"{_short(namespace)} backend {name!r} ({namespace}) does not implement {hook}()"
        )
    else:
        func, argnames = impl
        result = func(*[kwargs[arg] for arg in argnames])  # what pluggy's _multicall does
    if result is None:
        raise PluginError(
            f"{_short(namespace)} backend {name!r} ({namespace}) returned nothing from {hook}()"
        )
    return result


def _call_pluggy(namespace: str, name: str, hook: str, kwargs: dict):
    """The same call through pluggy, restricted to the selected module."""
    module = load(namespace, name)
    pm = _plugin_manager()
    others = [p for p in pm.get_plugins() if p is not module]
    caller = pm.subset_hook_caller(hook, remove_plugins=others)
    if not any(impl.plugin is module for impl in caller.get_hookimpls()):
        raise PluginError(
            f"{_short(namespace)} backend {name!r} ({namespace}) does not implement {hook}()"
        )
    return caller(**kwargs)


# --------------------------------------------------------------------------- cgroups


def _statfs_type(path: str) -> int | None:
    """``statfs(2).f_type`` of ``path`` (os.statvfs does not expose it), None if unknown.

    The native module answers; rootfs.fstype (whose package imports the whole rootfs code,
    ~20 modules) only for a module built without ``fstatfs_type``.
    """
    from . import _nsenter

    native = getattr(_nsenter, "fstatfs_type", None)
    try:
        if native is None:
            from .rootfs import fstype

            return fstype.magic_of_path(path)
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            return native(fd)
        finally:
            os.close(fd)
    except OSError:
        return None


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


def _device_fstype(path: str) -> str | None:
    """The type of the filesystem ``path`` is on: the mountinfo lines of its device number.

    Every mount of one superblock carries the superblock's ``major:minor`` and type, so this
    is statfs's ``f_type`` by name (``cgroup2`` is CGROUP2_SUPER_MAGIC): the answer when
    :func:`_statfs_type` has none. None when no line has that number (a filesystem whose
    stat shows another device, as btrfs subvolumes do) or /proc is not there.
    """
    try:
        dev = os.stat(path).st_dev
        with open("/proc/self/mountinfo") as f:
            text = f.read()
    except OSError:
        return None
    want = f"{os.major(dev)}:{os.minor(dev)}"
    for line in text.splitlines():
        fields = line.split(maxsplit=3)
        if len(fields) > 3 and fields[2] == want:
            rest = line.split()
            try:
                return rest[rest.index("-", 6) + 1]
            except (ValueError, IndexError):
                continue
    return None


def is_cgroup2_unified(mountinfo: str | None = None) -> bool:
    """Whether ``/sys/fs/cgroup`` is a cgroup2 mount (runc's ``IsCgroup2UnifiedMode``).

    With ``mountinfo`` text (tests), decide from it alone. Otherwise ask which filesystem
    the path is on (by ``statfs`` magic through the native module, else by device number
    in mountinfo), falling back to the mounts listed at that path; the real answer is
    cached for the process. statfs first: one system call where reading and scanning
    mountinfo cost a `create` ~0.1-0.2 ms.
    """
    global _cgroup2
    if mountinfo is not None:
        return _mountinfo_fstype(mountinfo, CGROUP_ROOT) == "cgroup2"
    if _cgroup2 is None:
        magic = _statfs_type(CGROUP_ROOT)
        if magic is not None:
            _cgroup2 = magic == CGROUP2_SUPER_MAGIC
        elif (fstype := _device_fstype(CGROUP_ROOT)) is not None:
            _cgroup2 = fstype == "cgroup2"
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
