"""The runtime's compiled modules in one file, served by one finder: ~45 us less an import.

A pyrunc command imports ~25 (`state`) to ~95 (`run`) of the runtime's own modules, and
Python's path-based import spends more on each than unmarshalling and running it does: a
search of sys.path and the package directory, a stat of the .py, opening and reading the
.pyc, and importlib's own Python code around all of it. Here one index, read once, maps each
module of libcontainer and of the installed backends (``libcontainer_*``) to its source
and to where its code lies in the cache file; one ``pread`` fetches it.

A module is served only while its source is what was compiled (the same mtime, to the
nanosecond, and size: the check a .pyc gets, at a finer grain); anything else, or a file
that cannot be read, leaves the import to Python as usual. The file sits in the package's
``__pycache__`` beside the .pyc files, with their trust, and is written only by :func:`build`
(codecache_build.py): ``make venv`` and the benchmark run it, as they run ``compileall``,
and a process that found the package's cache missing or stale runs it as it exits, as
Python writes a .pyc (so a plain ``pip install`` gets one with its first command). Its
descriptor is opened once, close-on-exec, above :data:`FD_FLOOR`, and checked (device and
inode) before every read: the init renumbers descriptors, and a stale number must not feed
another file to marshal.

Past the finder, importlib still spends ~20 us of its own Python code on each module it
loads (a module lock, the walk of sys.meta_path, ``module_from_spec``): ~1.7 ms of a
`pyrunc run`. So the cache also stands in front of importlib's ``_find_and_load`` and loads
its own modules itself, the way importlib would (:meth:`_Cache.find_and_load`), while the
process has one thread and its finder is the first; anything else is importlib's.
"""

import marshal
import os
import sys

try:
    from _thread import _count as _thread_count  # the threads started besides the main one
except ImportError:  # a Python without it: no fast path (install)
    _thread_count = None

_external = sys.modules["_frozen_importlib_external"]  # what importlib.machinery re-exports
_bootstrap = sys.modules["_frozen_importlib"]
_HEADER = 8  # little-endian length of the marshalled header, then the header, then the code
#: The header's layout; a cache of another layout is rebuilt, never read.
FORMAT = 3
#: The cache's descriptor is moved at least this high: the CLI passes the caller's 3, 4, ...
#: into the container (--preserve-fds, LISTEN_FDS), which must never find ours there.
FD_FLOOR = 512


#: importlib's own module attributes are set from the spec; computing ``__cached__`` is the
#: costliest of them. Only for the plain layout: no -O level and no PYTHONPYCACHEPREFIX.
_TAG = (sys.implementation.cache_tag if sys.pycache_prefix is None and not sys.flags.optimize
        and _external.BYTECODE_SUFFIXES == [".pyc"] else None)


#: importlib's own, which the finder's fast path stands in front of (see install)
_find_and_load = _bootstrap._find_and_load
#: The Pythons whose importlib the fast path was written against (the same _load_unlocked in
#: each); the interpreter looks ``_find_and_load`` up on importlib at every import it cannot
#: answer from sys.modules, which is what lets the fast path stand in for it.
_FAST_PATH_VERSIONS = {(3, 11), (3, 12), (3, 13)}
_new_module = type(sys)


def cache_path() -> str:
    return os.path.join(os.path.dirname(__file__), "__pycache__", f"codecache.{sys.implementation.cache_tag}.bin")


class _Loader(_external.SourceFileLoader):
    """A source loader (get_source, get_data, resources work as usual) whose code comes
    from the cache file."""

    def __init__(self, fullname: str, path: str, cache: "_Cache", entry: tuple):
        super().__init__(fullname, path)
        self._cache, self._entry = cache, entry

    def get_code(self, fullname):
        code = self._cache.code(self._entry) if fullname == self.name else None
        return code if code is not None else super().get_code(fullname)


class _Cache:
    """The finder. Its index maps each module's name to one line of text (see
    codecache_build.py), split only when the module is asked for: a command asks for 15-90
    of the ~180 modules, and a dict of tuples for all of them cost every command ~0.15 ms
    to unmarshal; a dict of strings costs ~13 us. (A single string searched with
    ``str.find`` cost ~7 us a lookup, ~0.7 ms of a `run`: the line-leading newline it
    looked for starts every line.)"""

    def __init__(self, fd: int, index: dict, base: int, *, default: bool = False):
        self.fd, self.index, self.base = fd, index, base
        self.default = default  # the package's own cache: rebuilt at exit once found stale
        st = os.fstat(fd)
        self.ident = (st.st_dev, st.st_ino)

    def find_spec(self, name, path=None, target=None):
        line = self.index.get(name)
        return None if line is None else self._spec(name, line)

    def _spec(self, name: str, line: str):
        """The spec of the module of this index line; None when its source is not what
        was compiled."""
        source, is_pkg, mtime_ns, size, offset, length = line.split("\t")
        try:
            st = os.stat(source)
        except OSError:
            st = None
        if st is None or st.st_mtime_ns != int(mtime_ns) or st.st_size != int(size):
            if self.default:  # edited, upgraded or removed since: Python compiles it now,
                rebuild_at_exit()  # and the cache is made again when this process is done
            return None
        spec = _bootstrap.ModuleSpec(name, _Loader(name, source, self, (int(offset), int(length))),
                                     origin=source, is_package=is_pkg == "1")
        spec.has_location = True
        if _TAG:  # __cached__ as cache_from_source spells it, without its ~5 us of path work
            head, _, tail = source.rpartition("/")
            spec.cached = f"{head}/__pycache__/{tail[:-3]}.{_TAG}.pyc"
        if is_pkg == "1":
            spec.submodule_search_locations = [os.path.dirname(source)]
        return spec

    def find_and_load(self, name, import_):
        """importlib's ``_find_and_load`` (see :func:`install`): the cache's own modules are
        loaded here as importlib would load them, without its Python-level machinery
        (module locks, the meta path walk, ``module_from_spec``): ~20 us less a module,
        ~1.7 ms a `pyrunc run`. Anything else -- another module, a module already in
        sys.modules (importlib.import_module asks for those too), another finder ahead of
        this one, a second thread (the locks matter then), ``-v`` (its messages), a stale
        source -- goes to importlib's own."""
        if (name in sys.modules or sys.meta_path[0] is not self or _thread_count()
                or sys.flags.verbose):
            return _find_and_load(name, import_)
        line = self.index.get(name)
        if line is None:
            return _find_and_load(name, import_)
        parent, _, child = name.rpartition(".")
        loading = None  # the parent's list of submodules being loaded (circular import tracking)
        if parent:
            if parent not in sys.modules:
                import_(parent)
                if name in sys.modules:  # importlib's "crazy side-effects": the parent made it
                    return sys.modules[name]
            loading = getattr(getattr(sys.modules[parent], "__spec__", None), "_uninitialized_submodules", None)
        spec = self._spec(name, line)
        if spec is None:
            return _find_and_load(name, import_)
        loader = spec.loader
        module = _new_module(name)
        # _init_module_attrs, in its order (the module type made __name__ and __doc__)
        module.__loader__ = loader
        module.__package__ = spec.parent
        module.__spec__ = spec
        if spec.submodule_search_locations is not None:
            module.__path__ = spec.submodule_search_locations
        module.__file__ = spec.origin
        if spec.cached is not None:
            module.__cached__ = spec.cached
        # _load_unlocked: initializing before it is in sys.modules, moved to the end of
        # sys.modules when done (a module that replaced itself there stays replaced)
        spec._initializing = True
        if loading is not None:
            loading.append(child)
        try:
            sys.modules[name] = module
            try:
                exec(loader.get_code(name), module.__dict__)  # the cache's code, else the source's
            except BaseException:
                sys.modules.pop(name, None)
                raise
            module = sys.modules.pop(name)
            sys.modules[name] = module
        finally:
            spec._initializing = False
            if loading is not None:
                loading.pop()
        if parent:
            setattr(sys.modules[parent], child, module)
        return module

    def code(self, entry):
        offset, length = entry
        try:
            st = os.fstat(self.fd)
            if (st.st_dev, st.st_ino) != self.ident:
                return None
            return marshal.loads(os.pread(self.fd, length, self.base + offset))
        except (OSError, ValueError, EOFError, TypeError):
            return None

    def invalidate_caches(self) -> None:
        pass


def owned_fds() -> set[int]:
    """The descriptors the installed cache holds (none of the caller's to pass on)."""
    return {f.fd for f in sys.meta_path if isinstance(f, _Cache)}


def install(path: str | None = None) -> bool:
    """Put the cache's finder first on sys.meta_path, if the cache file is there and is for
    this interpreter, and its fast path in front of importlib's ``_find_and_load``. False
    (nothing changed) otherwise -- and for the package's own cache (``path`` None), it is
    then built when this process exits (see :func:`rebuild_at_exit`)."""
    if any(isinstance(f, _Cache) for f in sys.meta_path):
        return True
    try:
        opened = os.open(path or cache_path(), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        if path is None:
            rebuild_at_exit()
        return False
    try:
        import fcntl  # the CLI's own modules import it too

        fd = fcntl.fcntl(opened, fcntl.F_DUPFD_CLOEXEC, FD_FLOOR)
    except OSError:  # RLIMIT_NOFILE at or below the floor
        return False
    finally:
        os.close(opened)
    try:
        n = int.from_bytes(os.pread(fd, _HEADER, 0), "little")
        header = marshal.loads(os.pread(fd, n, _HEADER))
        if (header.get("magic") != _external.MAGIC_NUMBER or header.get("format") != FORMAT
                or type(header.get("index")) is not dict):
            raise ValueError("another Python's cache, or another layout")
        cache = _Cache(fd, header["index"], _HEADER + n, default=path is None)
    except (OSError, ValueError, EOFError, TypeError, AttributeError, KeyError):
        os.close(fd)
        if path is None:
            rebuild_at_exit()
        return False
    sys.meta_path.insert(0, cache)
    if sys.version_info[:2] in _FAST_PATH_VERSIONS and _thread_count is not None:
        _bootstrap._find_and_load = cache.find_and_load
    return True


_rebuild_pid = None


def rebuild_at_exit() -> None:
    """Build the package's cache when this process exits, as Python writes a missing or
    stale .pyc: a `pip install` (or upgrade) leaves none, and its first command makes it.

    Not where Python would write no .pyc either (``-B``, PYTHONDONTWRITEBYTECODE), nor in a
    fork of this process, nor where the directory is not ours to write (a read-only or
    another user's install: nothing is tried, so nothing is paid on every command). Of the
    backends, only those installed beside libcontainer are compiled in: this process's
    sys.path may show others (its working directory) that no later process should get.
    """
    global _rebuild_pid
    if _rebuild_pid is not None or sys.dont_write_bytecode:
        return
    _rebuild_pid = os.getpid()
    import atexit

    atexit.register(_rebuild)


def _rebuild() -> None:
    if os.getpid() != _rebuild_pid:
        return
    target = cache_path()
    directory = os.path.dirname(target)
    if not os.access(directory if os.path.isdir(directory) else os.path.dirname(directory), os.W_OK):
        return
    try:
        build(target, beside_only=True)
    except Exception:  # noqa: BLE001 - the command is done; a cache not made is only slower
        pass


def build(path: str | None = None, *, beside_only: bool = False) -> int:
    """Compile every module of libcontainer and its backends into the cache file (written
    whole, then renamed into place). Returns the number of modules. ``beside_only``: of the
    backends, only those installed beside libcontainer (see codecache_build._sources)."""
    from .codecache_build import build as build_cache

    return build_cache(path or cache_path(), beside_only=beside_only)
