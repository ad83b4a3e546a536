"""libcontainer/codecache.py: the runtime's modules served from one file, never a stale one.

Each test builds a cache into its own directory, with a backend-like package of its own
(``libcontainer_cachetest``) next to libcontainer and the real backends, and imports in a
fresh interpreter that has the automatic install switched off (LIBCONTAINER_CODECACHE=0)
and installs that cache itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

PRELUDE = """
import json, os, sys
from libcontainer import codecache
ok = codecache.install(sys.argv[1])
"""


@pytest.fixture
def tree(tmp_path):
    pkg = tmp_path / "site" / "libcontainer_cachetest"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "m.py").write_text("X = 1\n\ndef where():\n    return __file__\n")
    return tmp_path


def _run(tree, code: str, cache=None) -> dict:
    env = dict(os.environ, LIBCONTAINER_CODECACHE="0",
               PYTHONPATH=os.pathsep.join([str(tree / "site"), *sys.path]))
    cache = cache or str(tree / "cache.bin")
    out = subprocess.run([sys.executable, "-c", PRELUDE + code, cache], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def _build(tree) -> int:
    return _run(tree, "print(json.dumps(codecache.build(sys.argv[1])))")


def _loader_of(name: str) -> str:
    return f"type(sys.modules[{name!r}].__spec__.loader).__name__"


def test_modules_come_from_the_cache_with_their_usual_attributes(tree):
    assert _build(tree) > 100  # libcontainer, the backends and the test package
    got = _run(tree, f"""
import inspect
import libcontainer.cli.main, libcontainer.rootfs, libcontainer_cachetest.m as m
print(json.dumps([ok, {_loader_of('libcontainer.cli.main')}, {_loader_of('libcontainer_cachetest.m')},
                  libcontainer.cli.main.__file__, libcontainer.rootfs.__path__, m.X, m.where(),
                  inspect.getsource(m).startswith("X = 1"), libcontainer.rootfs.__package__]))
""")
    ok, main_loader, m_loader, main_file, rootfs_path, x, where, source, package = got
    assert ok and main_loader == m_loader == "_Loader"
    assert main_file.endswith(os.path.join("libcontainer", "cli", "main.py"))
    assert rootfs_path[0].endswith(os.path.join("libcontainer", "rootfs")) and package == "libcontainer.rootfs"
    assert x == 1 and where == str(tree / "site" / "libcontainer_cachetest" / "m.py") and source


def test_an_edited_source_is_imported_from_the_source(tree):
    _build(tree)
    (tree / "site" / "libcontainer_cachetest" / "m.py").write_text("X = 22\n")  # new size and mtime
    got = _run(tree, f"import libcontainer_cachetest.m as m; print(json.dumps([m.X, {_loader_of('libcontainer_cachetest.m')}]))")
    assert got == [22, "SourceFileLoader"]


def test_a_descriptor_renumbered_under_it_is_not_read(tree):
    """The init dup2()s descriptors into place: a cache fd that now names another file is
    noticed (device and inode) and the import falls back to the source."""
    _build(tree)
    got = _run(tree, """
cache = next(f for f in sys.meta_path if isinstance(f, codecache._Cache))
other = os.open(sys.executable, os.O_RDONLY)
os.dup2(other, cache.fd)
import libcontainer_cachetest.m as m
print(json.dumps([ok, m.X]))
""")
    assert got == [True, 1]


def test_no_cache_another_pythons_or_a_broken_one_changes_nothing(tree):
    assert _run(tree, "print(json.dumps(ok))") is False  # not built
    (tree / "cache.bin").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00garbage")
    assert _run(tree, "print(json.dumps(ok))") is False
    _run(tree, """
import marshal
head = marshal.dumps({"magic": b"\\0\\0\\r\\n", "format": codecache.FORMAT, "index": ""})
open(sys.argv[1], "wb").write(len(head).to_bytes(8, "little") + head)
print("{}")""")
    assert _run(tree, "print(json.dumps([ok, 'libcontainer_cachetest.m' in sys.modules]))") == [False, False]


def test_the_index_is_a_dict_of_lines_and_the_string_layout_is_not_read(tree):
    """Each name maps to its line (one dict lookup an import); a cache written by the
    previous layout (one string searched with str.find) is rebuilt, never read."""
    _build(tree)
    got = _run(tree, """
cache = next(f for f in sys.meta_path if isinstance(f, codecache._Cache))
line = cache.index["libcontainer_cachetest.m"]
print(json.dumps([ok, type(cache.index).__name__, line.split("\t")[0]]))
""")
    assert got == [True, "dict", str(tree / "site" / "libcontainer_cachetest" / "m.py")]
    _run(tree, """
import marshal
# the previous layout's index: the same lines in one string, each led by a newline
head = marshal.dumps({"magic": codecache._external.MAGIC_NUMBER, "format": codecache.FORMAT,
                      "index": "\\nlibcontainer_cachetest.m\\t" + sys.argv[1] + "\\t0\\t0\\t0\\t0\\t0\\n"})
open(sys.argv[1], "wb").write(len(head).to_bytes(8, "little") + head)
print("{}")""")
    assert _run(tree, "print(json.dumps(ok))") is False


def test_the_package_installs_the_cache_unless_told_not_to(tree):
    """import libcontainer installs the default cache when there is one; "0" keeps it off."""
    if not os.path.exists(__import__("libcontainer.codecache").codecache.cache_path()):
        pytest.skip("no code cache built in this tree (make venv builds it)")
    code = "import sys, libcontainer; print(any(type(f).__name__ == '_Cache' for f in sys.meta_path))"
    env = {k: v for k, v in os.environ.items() if k != "LIBCONTAINER_CODECACHE"}
    on = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(env, LIBCONTAINER_CODECACHE="0"))
    assert on.stdout.strip() == "True" and off.stdout.strip() == "False"


def test_the_descriptor_stays_out_of_the_callers_range(tree):
    """--preserve-fds and LISTEN_FDS pass the caller's 3, 4, ... on: ours is above them,
    close-on-exec, and the CLI never takes it for one of the caller's."""
    _build(tree)
    got = _run(tree, """
import fcntl
from libcontainer.cli import fds
fd = codecache.owned_fds().pop()
try:
    fds.preserved(1, fd)
    refused = False
except Exception as e:
    refused = "unable to stat preserved-fd 0" in str(e)
print(json.dumps([ok, fd, bool(fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC), refused]))
""")
    assert got[0] and got[1] >= 512 and got[2] and got[3]


def test_cached_is_what_importlib_would_say(tree):
    """find_spec spells ``__cached__`` itself (cache_from_source's path work is the costliest
    of the module attributes); with -O or a PYTHONPYCACHEPREFIX importlib computes it."""
    _build(tree)
    code = """
import importlib.util
import libcontainer.cli.main, libcontainer.rootfs, libcontainer_cachetest.m as m
mods = [libcontainer.cli.main, libcontainer.rootfs, m]
print(json.dumps([ok] + [(x.__cached__, importlib.util.cache_from_source(x.__file__), x.__spec__.cached)
                         for x in mods]))
"""
    ok, *rows = _run(tree, code)
    assert ok and all(cached == expected == spec for cached, expected, spec in rows)
    assert rows[0][0].endswith(os.path.join("cli", "__pycache__", f"main.{sys.implementation.cache_tag}.pyc"))
    assert rows[1][0].endswith(os.path.join("rootfs", "__pycache__", f"__init__.{sys.implementation.cache_tag}.pyc"))
    env = dict(os.environ, LIBCONTAINER_CODECACHE="0", PYTHONPYCACHEPREFIX=str(tree / "prefix"),
               PYTHONPATH=os.pathsep.join([str(tree / "site"), *sys.path]))
    out = subprocess.run([sys.executable, "-c", PRELUDE + code, str(tree / "cache.bin")],
                         capture_output=True, text=True, env=env)
    ok, *rows = json.loads(out.stdout.splitlines()[-1])
    assert ok and all(cached == expected and cached.startswith(str(tree / "prefix")) for cached, expected, _ in rows)


def test_future_imports_become_compiler_flags(tree):
    """``from __future__ import annotations`` is compiled in as its flag: the statement does
    not run (no ``__future__`` module loaded), the annotations stay strings, and the code's
    lines are the source's."""
    (tree / "site" / "libcontainer_cachetest" / "fut.py").write_text(
        '"""doc"""\n\nfrom __future__ import annotations\n\n\ndef f(x: Undefined) -> list[int]:\n'
        '    raise ValueError(x)\n')
    _build(tree)
    got = _run(tree, f"""
import traceback
import libcontainer_cachetest.fut as fut
try:
    fut.f(1)
except ValueError as e:
    line = e.__traceback__.tb_next.tb_lineno
print(json.dumps([ok, {_loader_of('libcontainer_cachetest.fut')}, '__future__' in sys.modules, fut.f.__annotations__,
                  'annotations' in vars(fut), fut.__doc__, line]))
""")
    assert got == [True, "_Loader", False, {"x": "Undefined", "return": "list[int]"}, False, "doc", 7]


def test_a_misplaced_future_import_is_still_an_error():
    from libcontainer.codecache_build import compile_module

    with pytest.raises(SyntaxError):
        compile_module(b"x = 1\nfrom __future__ import annotations\n", "m.py")
    code = compile_module(b'"""d"""\nfrom __future__ import annotations as a\n', "m.py")
    assert "__future__" in code.co_names  # a name of its own is bound: kept as written


@pytest.fixture
def package_copy(tmp_path):
    """libcontainer copied into a directory of its own: its default cache is the copy's."""
    import libcontainer

    site = tmp_path / "site"
    shutil.copytree(os.path.dirname(libcontainer.__file__), site / "libcontainer",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    for so in os.listdir(os.path.dirname(libcontainer.__file__)):
        if so.endswith(".so"):
            shutil.copy2(os.path.join(os.path.dirname(libcontainer.__file__), so), site / "libcontainer")
    return site


def _fresh(site, code: str, **env) -> str:
    elsewhere = str(site.parent / "elsewhere")
    env = dict({k: v for k, v in os.environ.items() if k not in ("LIBCONTAINER_CODECACHE", "PYTHONDONTWRITEBYTECODE")},
               PYTHONPATH=os.pathsep.join([elsewhere, str(site), *sys.path]), **env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_missing_or_stale_default_cache_is_built_when_the_process_exits(package_copy):
    """As Python writes a .pyc: a plain `pip install` has no cache, and its first command
    makes one as it exits; an edited module makes it again. Not with -B /
    PYTHONDONTWRITEBYTECODE, and not in a fork that exits."""
    where = "import libcontainer, libcontainer.codecache as c; print(c.cache_path())"
    cache = _fresh(package_copy, where, PYTHONDONTWRITEBYTECODE="1")
    assert cache.startswith(str(package_copy)) and not os.path.exists(cache)
    forked = """
import os, sys, libcontainer, libcontainer.codecache as c
pid = os.fork()
if pid == 0:
    sys.exit(0)  # atexit runs in the child too: it must not build
os.waitpid(pid, 0)
print(os.path.exists(c.cache_path()))
"""
    assert _fresh(package_copy, forked) == "False"
    assert os.path.exists(cache)  # built by the parent, at its exit
    served = "import sys, libcontainer.cli.main as m; print(type(m.__spec__.loader).__name__)"
    assert _fresh(package_copy, served) == "_Loader"
    # a backend only this process's sys.path shows (its working directory, a PYTHONPATH)
    # is not recorded for every later process; one installed beside libcontainer is
    for name, where in (("libcontainer_beside", package_copy), ("libcontainer_elsewhere", package_copy.parent / "elsewhere")):
        (where / name).mkdir(parents=True)
        (where / name / "__init__.py").write_text("X = 1\n")
    os.unlink(cache)
    _fresh(package_copy, "import libcontainer")
    both = "import libcontainer, libcontainer_beside as b, libcontainer_elsewhere as e; print(type(b.__spec__.loader).__name__, type(e.__spec__.loader).__name__)"
    assert _fresh(package_copy, both) == "_Loader SourceFileLoader"
    built = os.stat(cache).st_mtime_ns
    time.sleep(0.01)
    main = package_copy / "libcontainer" / "cli" / "main.py"
    main.write_text(main.read_text() + "\n# edited\n")
    assert _fresh(package_copy, served, PYTHONDONTWRITEBYTECODE="1") == "SourceFileLoader"
    assert os.stat(cache).st_mtime_ns == built  # not with -B
    assert _fresh(package_copy, served) == "SourceFileLoader"  # the edited source, then a rebuild
    assert os.stat(cache).st_mtime_ns != built
    assert _fresh(package_copy, served) == "_Loader"
    leftovers = [n for n in os.listdir(os.path.dirname(cache)) if n.endswith(".tmp")]
    assert not leftovers


#: Run in the test's interpreter after PRELUDE: which imports reached importlib's own
#: loading (``_find_and_load_unlocked``), and a way to put importlib's own back in front.
SPY = """
import _frozen_importlib as bootstrap
slow = []
_unlocked = bootstrap._find_and_load_unlocked
def _spy(name, import_):
    slow.append(name)
    return _unlocked(name, import_)
bootstrap._find_and_load_unlocked = _spy
if sys.argv[2:] == ["importlib"]:
    bootstrap._find_and_load = codecache._find_and_load
"""

#: What a module gets from its import, as comparable data.
DESCRIBE = """
def describe(m):
    spec = m.__spec__
    return [[k for k in vars(m) if k.startswith("__")], m.__name__, m.__package__, m.__file__,
            m.__cached__, getattr(m, "__path__", None), type(m.__loader__).__name__, spec.loader is m.__loader__,
            spec.name, spec.origin, spec.parent, spec._initializing, spec.has_location]
"""


def _both(tree, code: str) -> tuple:
    """``code``'s output with the cache's fast path, then with importlib's own loading."""
    env = dict(os.environ, LIBCONTAINER_CODECACHE="0",
               PYTHONPATH=os.pathsep.join([str(tree / "site"), *sys.path]))
    outs = []
    for how in ("fast", "importlib"):
        out = subprocess.run([sys.executable, "-c", PRELUDE + SPY + DESCRIBE + code, str(tree / "cache.bin"), how],
                             capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        outs.append(json.loads(out.stdout.splitlines()[-1]))
    return tuple(outs)


def test_the_fast_path_loads_modules_as_importlib_does(tree):
    """The cache's own modules, loaded past importlib's machinery, come out as importlib's
    would: the same attributes in the same order, the spec, the parent's attribute, the
    order of sys.modules; and importlib's own loading never saw them."""
    pkg = tree / "site" / "libcontainer_cachetest"
    (pkg / "sub").mkdir()
    (pkg / "sub" / "__init__.py").write_text("from . import leaf\n")
    (pkg / "sub" / "leaf.py").write_text("import libcontainer_cachetest.m as m\nSEEN = m.X\n"
                                         "import sys\nLOADING = list(sys.modules['libcontainer_cachetest.sub'].__spec__._uninitialized_submodules)\n")
    _build(tree)
    code = """
import importlib
import libcontainer.cli.main, libcontainer.rootfs, libcontainer_cachetest.sub as sub
again = importlib.import_module("libcontainer_cachetest.sub.leaf")
names = ["libcontainer.cli.main", "libcontainer.rootfs", "libcontainer_cachetest", "libcontainer_cachetest.m",
         "libcontainer_cachetest.sub", "libcontainer_cachetest.sub.leaf"]
order = [n for n in sys.modules if n in names]
print(json.dumps([ok, [describe(sys.modules[n]) for n in names], order, [sub.leaf.SEEN, sub.leaf.LOADING],
                  again is sys.modules["libcontainer_cachetest.sub.leaf"], libcontainer.cli.main is libcontainer.cli.main,
                  sorted(n for n in slow if n.startswith("libcontainer") and n != "libcontainer._nsenter")]))
"""
    fast, own = _both(tree, code)
    assert fast[0] and own[0]
    assert fast[1:-1] == own[1:-1]
    assert fast[3] == [1, ["leaf"]] and fast[4]  # the parent's spec knew the child was loading
    assert fast[-1] == []  # none of ours (the native module is no code) went through importlib's loading
    assert "libcontainer_cachetest.sub.leaf" in own[-1]  # ... which the spy does see


def test_the_fast_path_fails_as_importlib_does(tree):
    """A module that raises is not left in sys.modules nor on its parent, and raises again
    when imported again; a circular import names the partially initialized module."""
    pkg = tree / "site" / "libcontainer_cachetest"
    (pkg / "bad.py").write_text("X = 1\nraise ValueError('bad module')\n")
    (pkg / "circ_a.py").write_text("from .circ_b import B\nA = 1\n")
    (pkg / "circ_b.py").write_text("from .circ_a import A\nB = 1\n")
    _build(tree)
    code = """
import libcontainer_cachetest as pkg
errors = []
for name in ("libcontainer_cachetest.bad", "libcontainer_cachetest.bad", "libcontainer_cachetest.circ_a"):
    try:
        __import__(name)
    except Exception as e:
        errors.append([type(e).__name__, str(e), name in sys.modules, hasattr(pkg, name.rpartition(".")[2])])
print(json.dumps([ok, errors, pkg.__spec__._uninitialized_submodules,
                  sorted(n for n in slow if n.startswith("libcontainer_cachetest."))]))
"""
    fast, own = _both(tree, code)
    assert fast[:3] == own[:3]
    assert fast[1][0] == ["ValueError", "bad module", False, False] == fast[1][1]
    assert fast[1][2][0] == "ImportError" and "partially initialized module" in fast[1][2][1]
    assert fast[3] == []


def test_a_second_thread_or_another_finder_first_gets_importlibs_own_loading(tree):
    """importlib's module locks matter once a second thread runs, and a finder put ahead of
    the cache's must be asked first: both leave the loading to importlib."""
    pkg = tree / "site" / "libcontainer_cachetest"
    for name in ("t1", "t2", "t3"):
        (pkg / f"{name}.py").write_text("X = 1\n")
    _build(tree)
    fast, _ = _both(tree, """
import threading
import libcontainer_cachetest.t1
stop = threading.Event()
t = threading.Thread(target=stop.wait)
t.start()
import libcontainer_cachetest.t2
stop.set(); t.join()

class Ahead:
    def find_spec(self, name, path=None, target=None):
        return None
sys.meta_path.insert(0, Ahead())
import libcontainer_cachetest.t3
print(json.dumps([ok, sorted(n for n in slow if n.startswith("libcontainer_cachetest."))]))
""")
    assert fast == [True, ["libcontainer_cachetest.t2", "libcontainer_cachetest.t3"]]


def test_the_clis_logging_hook_leaves_the_cache_first(tree):
    """cli/log.py puts its finder (which bridges ``logging`` once imported) after the cache's:
    the fast path serves only while the cache's finder is first, so the CLI keeps it."""
    _build(tree)
    got = _run(tree, SPY + """
from libcontainer.cli import log
log.setup()
import libcontainer_cachetest.m
print(json.dumps([ok, type(sys.meta_path[0]).__name__, type(sys.meta_path[1]).__name__,
                  [n for n in slow if n.startswith("libcontainer_cachetest")]]))
""")
    assert got == [True, "_Cache", "_LoggingHook", []]
