"""native_exec.py's pieces that do not need a container: which cgroup files an exec'd
process writes "0" to, and the section framing native/front_exec.c parses."""

from __future__ import annotations

from libcontainer import native_exec


def test_v1_joins_every_hierarchy_through_its_tasks_file():
    paths = {"cpu": "/sys/fs/cgroup/cpu/c", "memory": "/sys/fs/cgroup/memory/c", "pids": ""}
    assert native_exec._join_files(paths) == ["/sys/fs/cgroup/cpu/c/tasks", "/sys/fs/cgroup/memory/c/tasks"]


def test_v2_joins_its_one_cgroup_through_cgroup_procs():
    assert native_exec._join_files({"": "/sys/fs/cgroup/c"}) == ["/sys/fs/cgroup/c/cgroup.procs"]


def test_a_mix_or_nothing_has_no_native_join():
    assert native_exec._join_files({"": "/sys/fs/cgroup/unified/c", "cpu": "/sys/fs/cgroup/cpu/c"}) is None
    assert native_exec._join_files({}) is None
    assert native_exec._join_files(None) is None


def test_sections_are_framed_by_their_length():
    assert native_exec._section("init", b"12 34") == b"init 5\n12 34\n"
    assert native_exec._section("file", b"a\nb", "/x/config.json") == b"file 3 /x/config.json\na\nb\n"
    assert native_exec._section("root", None, "/etc/group") == b"root -1 /etc/group\n"
    assert native_exec._section("end", b"") == b"end 0\n\n"


def test_facts_never_fail_a_start():
    """exec.native is an optimisation: whatever goes wrong making it, the start goes on."""
    from libcontainer.container import Container

    class Manager:
        def native_removal(self):
            raise RuntimeError("a backend's bug")

    c = Container("x", "/nonexistent", object(), cgroup_manager=Manager())

    def boom():
        raise RuntimeError("the CLI's bug")

    c.plain_exec = boom
    assert c._exec_facts(None, 1, "1") is None
    c.plain_exec = lambda: (object(), "/b/config.json", b"{}")
    assert c._exec_facts(None, 1, "1") is None


def test_the_plain_exec_is_exec_without_flags():
    """The Process create compiles ahead is the one `exec` builds when no flag is given:
    every flag with_flags reads stands in _NoFlags at the parser's own default."""
    import inspect
    import re

    from libcontainer.cli import exec_cmd, fastargs, main

    read = set(re.findall(r"args\.(\w+)", inspect.getsource(exec_cmd.with_flags))) - {"exec_args"}
    spec = main._command_spec("exec")
    defaults = {a.dest: a.default for a in spec.options.values() if a.dest != fastargs.SUPPRESS}
    assert read and read <= set(defaults)
    assert {name: getattr(exec_cmd._NoFlags, name) for name in read} == {name: defaults[name] for name in read}
