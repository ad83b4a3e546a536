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
(``make venv`` and the benchmark run it, as they run ``compileall``). Its
descriptor is opened once, close-on-exec, above :data:`FD_FLOOR`, and checked (device and
inode) before every read: the init renumbers descriptors, and a stale number must not feed
another file to marshal.
"""

from __future__ import annotations

import marshal
import os
import sys

_external = sys.modules["_frozen_importlib_external"]  # what importlib.machinery re-exports
_bootstrap = sys.modules["_frozen_importlib"]
_HEADER = 8  # little-endian length of the marshalled index, then the index, then the code
#: The cache's descriptor is moved at least this high: the CLI passes the caller's 3, 4, ...
#: into the container (--preserve-fds, LISTEN_FDS), which must never find ours there.
FD_FLOOR = 512
_ROOTS = ("libcontainer",)  # plus every importable libcontainer_* package (the backends)


#: importlib's own module attributes are set from the spec; computing ``__cached__`` is the
#: costliest of them. Only for the plain layout: no -O level and no PYTHONPYCACHEPREFIX.
_TAG = (sys.implementation.cache_tag if sys.pycache_prefix is None and not sys.flags.optimize
        and _external.BYTECODE_SUFFIXES == [".pyc"] else None)


def cache_path() -> str:
    return os.path.join(os.path.dirname(__file__), "__pycache__", f"codecache.{sys.implementation.cache_tag}.bin")


class _Loader(_external.SourceFileLoader):
    """A source loader (get_source, get_data, resources work as usual) whose code comes
    from the cache file."""

    def __init__(self, fullname: str, path: str, cache: _Cache, entry: tuple):
        super().__init__(fullname, path)
        self._cache, self._entry = cache, entry

    def get_code(self, fullname):
        code = self._cache.code(self._entry) if fullname == self.name else None
        return code if code is not None else super().get_code(fullname)


class _Cache:
    def __init__(self, fd: int, index: dict, base: int):
        self.fd, self.index, self.base = fd, index, base
        st = os.fstat(fd)
        self.ident = (st.st_dev, st.st_ino)

    def find_spec(self, name, path=None, target=None):
        entry = self.index.get(name)
        if entry is None:
            return None
        source, is_pkg, mtime_ns, size = entry[:4]
        try:
            st = os.stat(source)
        except OSError:
            return None
        if st.st_mtime_ns != mtime_ns or st.st_size != size:
            return None  # edited since: Python compiles it (and we leave the file as it is)
        spec = _bootstrap.ModuleSpec(name, _Loader(name, source, self, entry), origin=source, is_package=is_pkg)
        spec.has_location = True
        if _TAG:  # __cached__ as cache_from_source spells it, without its ~5 us of path work
            head, _, tail = source.rpartition("/")
            spec.cached = f"{head}/__pycache__/{tail[:-3]}.{_TAG}.pyc"
        if is_pkg:
            spec.submodule_search_locations = [os.path.dirname(source)]
        return spec

    def code(self, entry):
        offset, length = entry[4], entry[5]
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
    this interpreter. False (nothing changed) otherwise."""
    if any(isinstance(f, _Cache) for f in sys.meta_path):
        return True
    try:
        opened = os.open(path or cache_path(), os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
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
        if header.get("magic") != _external.MAGIC_NUMBER:
            raise ValueError("another Python's cache")
        cache = _Cache(fd, header["modules"], _HEADER + n)
    except (OSError, ValueError, EOFError, TypeError, AttributeError, KeyError):
        os.close(fd)
        return False
    sys.meta_path.insert(0, cache)
    return True


def _sources() -> list[tuple[str, str, bool]]:
    """(module name, source path, is a package) of libcontainer and the backend packages."""
    import pkgutil

    roots = list(_ROOTS) + sorted(m.name for m in pkgutil.iter_modules() if m.name.startswith("libcontainer_"))
    found = []
    for root in roots:
        spec = _external.PathFinder.find_spec(root)
        if spec is None or not spec.submodule_search_locations:
            continue
        top = spec.submodule_search_locations[0]
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and
                                 os.path.exists(os.path.join(dirpath, d, "__init__.py")))
            rel = os.path.relpath(dirpath, top)
            package = ".".join([root] + ([] if rel == "." else rel.split(os.sep)))
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                path = os.path.join(dirpath, name)
                if name == "__init__.py":
                    found.append((package, path, True))
                else:
                    found.append((f"{package}.{name[:-3]}", path, False))
    return found


def build(path: str | None = None) -> int:
    """Compile every module of libcontainer and its backends into the cache file (written
    whole, then renamed into place). Returns the number of modules."""
    index, chunks, offset = {}, [], 0
    for name, source, is_pkg in _sources():
        if name == "libcontainer.codecache" or name == "libcontainer":
            continue  # imported by the normal way, before the finder exists
        with open(source, "rb") as f:
            st = os.fstat(f.fileno())
            data = marshal.dumps(compile(f.read(), source, "exec", dont_inherit=True))
        index[name] = (source, is_pkg, st.st_mtime_ns, st.st_size, offset, len(data))
        chunks.append(data)
        offset += len(data)
    header = marshal.dumps({"magic": _external.MAGIC_NUMBER, "modules": index})
    path = path or cache_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        f.write(len(header).to_bytes(_HEADER, "little"))
        f.write(header)
        for data in chunks:
            f.write(data)
    os.replace(tmp, path)
    return len(index)

