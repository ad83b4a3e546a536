"""Writing the code cache that codecache.py serves; only `make venv`, the benchmark and a
process that found the cache missing or stale (at its exit) import this.

Two things make a cached module cheaper than its .pyc beyond the one-file read:

* The index maps each module's name to one line: ``source path, 1 if a package, the
  source's mtime in ns and size, the code's offset and length``, tab-separated. Lines of
  text unmarshal in ~13 us for ~180 modules, where tuples of those fields cost ~0.15 ms;
  the finder splits only the lines of the modules a command imports.
* ``from __future__ import annotations`` is compiled in as the compiler flag it stands
  for, and the statement itself left out. Kept, it runs at import and loads the
  ``__future__`` module through the path finder: ~0.2 ms of every command for a module
  whose only effect here is binding the name ``annotations``. The code is otherwise
  what ``compile`` makes of the source: the same line numbers, docstrings, flags.
"""

import __future__

import ast
import marshal
import os
import sys

from .codecache import _HEADER, FORMAT, _external


def _sources(beside_only: bool) -> list[tuple[str, str, bool]]:
    """(module name, source path, is a package) of libcontainer and the backend packages.

    libcontainer is the package this process runs. The backends (``libcontainer_*``) are
    those on sys.path, first found first as import would; with ``beside_only``, only those
    installed in the same directory as libcontainer. The cache is read by every process,
    whatever its sys.path: a rebuild nobody asked for (at the exit of some process, see
    codecache.rebuild_at_exit) must not record a package that only that process could see,
    such as one in the directory it was started from.
    """
    import pkgutil

    import libcontainer

    home = libcontainer.__path__[0]
    tops, seen = [("libcontainer", home)], {"libcontainer"}
    for info in pkgutil.iter_modules([os.path.dirname(home)] if beside_only else None):
        if info.ispkg and info.name.startswith("libcontainer_") and info.name not in seen:
            seen.add(info.name)
            tops.append((info.name, os.path.join(info.module_finder.path, info.name)))
    found = []
    for root, top in sorted(tops):
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


def compile_module(data: bytes, path: str):
    """The module's code, its ``from __future__`` imports turned into compiler flags."""
    tree = ast.parse(data, path)
    flags, body, head = 0, [], True
    for i, node in enumerate(tree.body):
        if head and isinstance(node, ast.ImportFrom) and node.module == "__future__" and not node.level:
            if any(alias.asname for alias in node.names):
                return compile(data, path, "exec", dont_inherit=True)  # it binds a name of its own
            for alias in node.names:
                flags |= getattr(__future__, alias.name).compiler_flag
            continue
        # only the head's (after the docstring): one further down stays, and is the
        # SyntaxError it would be anyway
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        head = head and i == 0 and docstring
        body.append(node)
    if not flags:
        return compile(data, path, "exec", dont_inherit=True)
    tree.body = body
    return compile(tree, path, "exec", flags=flags, dont_inherit=True)


def build(path: str, *, beside_only: bool = False) -> int:
    """Compile every module of libcontainer and its backends (see :func:`_sources`) into
    the cache file ``path`` (written whole, then renamed into place). Returns the number
    of modules."""
    index, chunks, offset = {}, [], 0
    for name, source, is_pkg in _sources(beside_only):
        if name in ("libcontainer.codecache", "libcontainer"):
            continue  # imported by the normal way, before the finder exists
        if "\t" in source or "\n" in source:
            continue  # a path the index cannot spell: Python imports it as usual
        with open(source, "rb") as f:
            st = os.fstat(f.fileno())
            data = marshal.dumps(compile_module(f.read(), source))
        index[name] = f"{source}\t{int(is_pkg)}\t{st.st_mtime_ns}\t{st.st_size}\t{offset}\t{len(data)}"
        chunks.append(data)
        offset += len(data)
    header = marshal.dumps({"magic": _external.MAGIC_NUMBER, "format": FORMAT, "index": index})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(len(header).to_bytes(_HEADER, "little"))
            f.write(header)
            for data in chunks:
                f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return len(chunks)


if __name__ == "__main__":  # python -m libcontainer.codecache_build [PATH]
    from .codecache import cache_path

    print(build(sys.argv[1] if len(sys.argv) > 1 else cache_path()))
