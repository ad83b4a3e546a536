"""seccomp/compiled.py: a profile compiled once by the runtime, reused while nothing it was
compiled from has changed, never for a refused profile or a blocked backend."""

from __future__ import annotations

import errno
import json
import marshal
import os
import subprocess
import sys

import pytest

from libcontainer.configs import Arg, Seccomp, Syscall
from libcontainer.configs.seccomp import Action, Operator
from libcontainer.errors import ConfigError, PluginError
from libcontainer.seccomp import compiled

pytest.importorskip("pyseccomp")


def profile(**kw) -> Seccomp:
    rules = [Syscall("mkdir", Action.ERRNO, errno.EXDEV), Syscall("kill", Action.ERRNO, errno.ENOSPC,
                                                                   [Arg(1, 0, 0, Operator.EQUAL_TO)])]
    return Seccomp(default_action=Action.ALLOW, architectures=["amd64", "x86"], syscalls=rules, **kw)


FRESH = """
import json, sys
from libcontainer.configs import Arg, Seccomp, Syscall
from libcontainer.configs.seccomp import Action, Operator
from libcontainer.seccomp import compiled
rules = [Syscall("mkdir", Action.ERRNO, 18), Syscall("kill", Action.ERRNO, 28, [Arg(1, 0, 0, Operator.EQUAL_TO)])]
f = compiled.for_config(Seccomp(default_action=Action.ALLOW, architectures=["amd64", "x86"], syscalls=rules), sys.argv[1])
print(json.dumps([type(f).__name__, f.bpf.hex(), "pyseccomp" in sys.modules, "ctypes" in sys.modules]))
"""


def _fresh(cache: str) -> list:
    out = subprocess.run([sys.executable, "-c", FRESH, cache], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_next_container_reuses_the_program_without_importing_the_binding(tmp_path):
    cache = str(tmp_path / compiled.DIR_NAME)
    first = _fresh(cache)
    second = _fresh(cache)
    assert first[0] == second[0] == "Compiled" and first[1] == second[1]
    assert first[2] and not second[2] and not second[3]  # compiled once; then one file read
    assert len(os.listdir(cache)) == 1 and oct(os.stat(cache).st_mode & 0o777) == "0o700"


def test_the_program_is_what_the_backend_exports(tmp_path):
    from libcontainer import plugins

    made = compiled.for_config(profile(), str(tmp_path))
    assert made.bpf == plugins.seccomp_filter(profile()).export_bpf() and made.flags == 0


def test_another_profile_is_another_entry(tmp_path):
    a = compiled.for_config(profile(), str(tmp_path))
    b = compiled.for_config(profile(default_errno_ret=errno.EIO), str(tmp_path))
    c = compiled.for_config(profile(flags=["SECCOMP_FILTER_FLAG_LOG"]), str(tmp_path))
    assert len(os.listdir(tmp_path)) == 3 and c.flags and not a.flags
    assert a.bpf == b.bpf  # a default errno of ALLOW's: unused, still its own key
    assert compiled._key(profile(), "libseccomp") != compiled._key(profile(), "other")


def _entry(tmp_path) -> str:
    compiled.for_config(profile(), str(tmp_path))
    (name,) = os.listdir(tmp_path)
    return str(tmp_path / name)


def test_a_changed_dependency_compiles_again(tmp_path):
    """An upgraded libseccomp (or binding, or backend) has another inode, size or mtime."""
    path = _entry(tmp_path)
    entry = marshal.loads(open(path, "rb").read())
    assert any("libseccomp" in dep for dep, _ in entry["deps"])  # the library it had mapped
    assert any(dep.endswith("libseccomp.py") for dep, _ in entry["deps"])  # the backend's code
    assert compiled._read(path) is not None
    dep, (ino, size, mtime) = entry["deps"][0]
    entry["deps"][0] = (dep, (ino, size, mtime + 1))
    open(path, "wb").write(marshal.dumps(entry))
    assert compiled._read(path) is None
    compiled.for_config(profile(), str(tmp_path))  # compiled and recorded again
    assert compiled._read(path) is not None


def test_a_torn_or_foreign_entry_is_compiled_again(tmp_path):
    path = _entry(tmp_path)
    good = open(path, "rb").read()
    for bad in (good[: len(good) // 2], b"", marshal.dumps({"format": 99})):
        open(path, "wb").write(bad)
        assert compiled._read(path) is None
        assert compiled.for_config(profile(), str(tmp_path)).bpf
        assert open(path, "rb").read() == good


def test_a_refused_profile_is_never_recorded(tmp_path):
    bad = Seccomp(default_action=Action.ALLOW, syscalls=[Syscall("mkdri", Action.ERRNO)])
    for _ in range(2):
        with pytest.raises(ConfigError, match="unknown syscall name.*mkdri"):
            compiled.for_config(bad, str(tmp_path))
    assert not tmp_path.exists() or not os.listdir(tmp_path)


def test_a_blocked_backend_is_refused_cached_or_not(tmp_path, monkeypatch):
    from libcontainer import plugins

    assert compiled._ENV_BLOCK == plugins.ENV_BLOCK
    key = os.path.basename(_entry(tmp_path))
    assert compiled.stored(str(tmp_path), key) is not None
    monkeypatch.setenv("LIBCONTAINER_BLOCK_PLUGINS", "seccomp:libseccomp")
    with pytest.raises(PluginError, match="blocked"):
        compiled.for_config(profile(), str(tmp_path))
    with pytest.raises(PluginError, match="blocked"):
        compiled.stored(str(tmp_path), key)  # exec's way to its init's program


def test_a_backend_that_exports_no_program_is_used_as_it_is(tmp_path, monkeypatch):
    from libcontainer import plugins

    class Own:
        def load(self):
            return None

    own = Own()
    monkeypatch.setattr(plugins, "seccomp_filter", lambda seccomp, backend=None: own)
    assert compiled.for_config(profile(), str(tmp_path)) is own
    assert not tmp_path.exists() or not os.listdir(tmp_path)


def test_no_cache_directory_compiles_every_time(tmp_path):
    made = compiled.for_config(profile(), None)
    assert type(made) is compiled.Compiled and made.bpf and len(made.bpf) % 8 == 0


def test_the_key_covers_every_field_of_the_profile():
    """A field added to the records must be added to the key, or two profiles differing
    only in it would share a program."""
    from libcontainer.configs import seccomp as records
    from libcontainer.record import fields

    for name, covered in compiled.KEY_FIELDS.items():
        assert tuple(f.name for f in fields(getattr(records, name))) == covered, name
    base = compiled._key(profile(), "libseccomp")
    changed = [profile(default_errno_ret=1), profile(flags=["SECCOMP_FILTER_FLAG_LOG"]), profile(listener_path="/x"),
               profile(listener_metadata="m")]
    other_arches = profile()
    other_arches.architectures = ["amd64"]
    changed.append(other_arches)
    one = profile()
    one.syscalls[1].args[0].value_two = 5
    changed.append(one)
    keys = {compiled._key(p, "libseccomp") for p in changed}
    assert base not in keys and len(keys) == len(changed)


def test_the_cache_keeps_a_bounded_number_of_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(compiled, "KEEP", 3)
    for n in range(5):
        compiled.for_config(profile(default_errno_ret=n + 1), str(tmp_path))
    assert len(os.listdir(tmp_path)) == 3
    last = compiled._key(profile(default_errno_ret=5), compiled.DEFAULT_BACKEND)
    assert last in os.listdir(tmp_path)
