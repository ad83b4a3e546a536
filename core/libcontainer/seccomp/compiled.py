"""A container's seccomp filter compiled once, by the runtime, and kept for the next one.

Why: engines send the same profile with every container (podman's default has ~440 rules),
and compiling it costs ~60 ms here -- importing libseccomp's binding (ctypes: ~27 ms), one
foreign call per rule (~16 ms) and libseccomp's BPF generation (~13 ms) -- twice what the
rest of a `pyrunc run` costs, and it was paid by every container's init. What a compiled
filter is: a BPF program and a flag word. The next container with the same profile loads
that program with one system call, from the native init (init/plan.py's SECCOMP step) or
the Python one (init/security.py), with no binding imported at all.

What a program depends on, and what is checked before one is reused:

* the profile: an entry's name is the SHA-256 of every field of the converted
  ``configs.Seccomp``, the backend's name and the machine's architecture;
* the code that compiled it: the entry lists the files it came from -- the backend's
  package, the libseccomp binding and the libseccomp library it had mapped -- with their
  inode, size and mtime, and is used only while all of them are unchanged (an upgraded
  libseccomp has new syscall tables: the profile is compiled again);
* a profile the backend refuses is never recorded: its error comes again, from the backend,
  naming the field.

Entries live in the state root (``<root>/@seccomp``, mode 0700, as the containers' state):
whoever can write there can already rewrite any container's state. A backend whose filter
cannot export a program (no ``export_bpf``) is used as before: its own ``load()``, in the
init, never cached.
"""

from __future__ import annotations

import errno
import marshal
import os

from . import kernel

FORMAT = 1
#: entries kept; a miss beyond that drops the least recently written (the state root is
#: usually a tmpfs: memory), so that containers with profiles of their own cannot fill it
KEEP = 64
#: beside the containers' state directories, under a name no container ID can have ("@")
DIR_NAME = "@seccomp"
DEFAULT_BACKEND = "libseccomp"
_ENV_BLOCK = "LIBCONTAINER_BLOCK_PLUGINS"  # plugins.ENV_BLOCK, without importing plugins.py


class Compiled:
    """A loadable filter (the backend protocol's ``load()``): the program and its flags."""

    __slots__ = ("bpf", "flags", "uses_notify", "key")

    def __init__(self, bpf: bytes, flags: int, uses_notify: bool, key: str | None = None):
        self.bpf, self.flags, self.uses_notify = bpf, flags, uses_notify
        #: the entry's name in the cache (None: not kept), recorded in the container's state
        #: so that `exec` finds the program without converting the profile again
        self.key = key

    def check_flags(self) -> None:
        """Every requested flag must be one this kernel has (a clear error otherwise)."""
        for name, bit in kernel.FLAGS.items():
            if self.flags & bit and not kernel.flag_supported(bit):
                raise OSError(errno.EINVAL, f"seccomp: flag {name} is not supported by this kernel")

    def load(self) -> int | None:
        """Install on the calling thread; the notify listener fd with SCMP_ACT_NOTIFY."""
        self.check_flags()
        return kernel.install(self.bpf, self.flags)


def for_config(seccomp, cache_dir: str | None, backend: str | None = None):
    """The filter for ``seccomp``: a :class:`Compiled` program -- recorded in ``cache_dir``
    (None: not kept) -- or the backend's own filter where it exports none.

    Raises what the backend raises for a profile it refuses (ConfigError), and PluginError
    for a blocked or missing backend, cached or not.
    """
    name = backend or DEFAULT_BACKEND
    _refuse_if_blocked(name)
    key = _key(seccomp, name) if cache_dir else None
    found = _lookup(cache_dir, key) if key else None
    if found is not None:
        return found
    from .. import plugins

    made = plugins.seccomp_filter(seccomp, backend=name)
    if not callable(getattr(made, "export_bpf", None)):
        return made
    compiled = Compiled(made.export_bpf(), int(getattr(made, "flags", 0) or 0), bool(getattr(made, "uses_notify", False)))
    if key and _write(os.path.join(cache_dir, key), compiled, _dependencies(made)):
        compiled.key = key
    return compiled


def _refuse_if_blocked(backend: str) -> None:
    """A blocked backend serves no profile, compiled now or before (PluginError, naming the
    variable); plugins.py is imported only when the variable is set at all."""
    if os.environ.get(_ENV_BLOCK):
        from .. import plugins

        if plugins.is_blocked(plugins.SECCOMP, backend):
            plugins.seccomp_filter(None, backend=backend)  # raises


def stored(cache_dir: str, key: str, backend: str = DEFAULT_BACKEND) -> Compiled | None:
    """The program kept as ``key`` in ``cache_dir`` (compiled by ``backend``), while what it
    was compiled from is unchanged; None otherwise (missing, torn, stale, or not a name of
    ours). PluginError if the backend is blocked."""
    _refuse_if_blocked(backend)
    if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
        return None
    return _lookup(cache_dir, key)


def for_container(seccomp, cache_dir: str | None, stored_key: str | None = None, *, stored_only: bool = False):
    """The filter a container's init or exec'd process loads, before anything exists.

    ``stored_key``: the program recorded in the container's state, tried first;
    ``stored_only``: that or None (``seccomp`` is then state.json's dict, not the Config's
    records, which key the cache). A refused profile or a blocked backend is the
    ContainerStartError the init reported when it compiled profiles itself.
    """
    from ..errors import ContainerStartError, LibcontainerError

    try:
        if stored_key and cache_dir:
            found = stored(cache_dir, stored_key)
            if found is not None:
                return found
        return None if stored_only else for_config(seccomp, cache_dir)
    except (LibcontainerError, OSError) as e:
        raise ContainerStartError(str(e)) from e


def _lookup(cache_dir: str, key: str) -> Compiled | None:
    found = _read(os.path.join(cache_dir, key))
    if found is not None:
        found.key = key
    return found


#: The fields :func:`_plain` reads, per record: the key must change with any of them
#: (tests/unit/test_seccomp_compiled.py fails when a record gains one that is not here).
KEY_FIELDS = {
    "Seccomp": ("default_action", "architectures", "flags", "syscalls", "default_errno_ret", "listener_path",
                "listener_metadata"),
    "Syscall": ("name", "action", "errno_ret", "args"),
    "Arg": ("index", "value", "value_two", "op"),
}


def _v(x):
    """A value as plain data: the config's enum-like constants (int/str subclasses) as their
    int/str, any other spelling the backend accepts by its repr."""
    t = type(x)
    if t is int or t is str or x is None or t is bool:
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, str):
        return str(x)
    return repr(x)


def _plain(s) -> tuple:
    """Every field of the profile, in a fixed shape (~0.5 ms for an engine's ~440 rules,
    where walking the records generically cost ~9)."""
    return (
        _v(s.default_action), tuple(map(_v, s.architectures or ())), tuple(map(_v, s.flags or ())),
        tuple((_v(c.name), _v(c.action), _v(c.errno_ret),
               tuple((_v(a.index), _v(a.value), _v(a.value_two), _v(a.op)) for a in c.args or ()))
              for c in s.syscalls or ()),
        _v(s.default_errno_ret), _v(s.listener_path), _v(s.listener_metadata),
    )


def _key(seccomp, backend: str) -> str:
    try:
        from _sha256 import sha256
    except ImportError:  # pragma: no cover - an interpreter without the builtin
        from hashlib import sha256

    text = repr((FORMAT, backend, os.uname().machine, _plain(seccomp)))
    return sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _identity(path: str):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def _dependencies(made) -> list:
    """The files the program came from (see the module docstring), as (path, identity)."""
    import sys

    paths = []
    module = sys.modules.get(type(made).__module__)
    source = getattr(module, "__file__", None)
    if source:
        where = os.path.dirname(source)
        paths += sorted(os.path.join(where, n) for n in os.listdir(where) if n.endswith(".py"))
    for name in ("pyseccomp", "seccomp"):
        binding = getattr(sys.modules.get(name), "__file__", None)
        if binding:
            paths.append(binding)
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split(None, 5)[5].strip() for line in f if "libseccomp" in line and line.count(" ") >= 5}
        paths += sorted(p for p in libs if p.startswith("/"))
    except OSError:
        pass
    return [(p, _identity(p)) for p in paths]


def _read(path: str) -> Compiled | None:
    try:
        with open(path, "rb") as f:
            entry = marshal.loads(f.read())
        if entry.get("format") != FORMAT:
            return None
        for dep, identity in entry["deps"]:
            if identity is None or _identity(dep) != tuple(identity):
                return None
        return Compiled(entry["bpf"], entry["flags"], entry["uses_notify"])
    except (OSError, ValueError, EOFError, TypeError, KeyError, AttributeError):
        return None  # missing, torn or of another layout: compiled again


def _trim(directory: str) -> None:
    entries = []
    for name in os.listdir(directory):
        try:
            entries.append((os.stat(os.path.join(directory, name)).st_mtime_ns, name))
        except OSError:
            continue  # removed meanwhile
    for _, name in sorted(entries)[:-KEEP]:
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass


def _write(path: str, compiled: Compiled, deps: list) -> bool:
    data = marshal.dumps({"format": FORMAT, "deps": deps, "bpf": compiled.bpf, "flags": compiled.flags,
                          "uses_notify": compiled.uses_notify})
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.rename(tmp, path)
        _trim(os.path.dirname(path))
        return True
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # a read-only root: compiled every time, slower but correct
        return False
