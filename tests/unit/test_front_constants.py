"""native/front*.c spell out names the Python side owns: they must stay the same.

A renamed file or a changed default root would not break the front loudly: it would only
never find start.native again (every start handed to the Python CLI, slow but right), or
look in another state root than the Python CLI (wrong). So the constants are compared here.
"""

from __future__ import annotations

import os
import re

from libcontainer import state
from libcontainer.cli import fastargs, main
from libcontainer.container import EXEC_FIFO

NATIVE = os.path.join(os.path.dirname(__file__), "..", "..", "native")
FRONT = os.path.join(NATIVE, "front.c")


def _defines() -> dict[str, str]:
    found = {}
    for name in ("front.h", "front.c", "front_delete.c"):
        with open(os.path.join(NATIVE, name)) as f:
            found.update(re.findall(r'^#define (\w+) "([^"]*)"', f.read(), re.M))
    return found


def test_the_fronts_names_are_the_python_sides():
    d = _defines()
    assert d["DEFAULT_ROOT"] == main.DEFAULT_ROOT
    assert d["STATE_LOCK"] == state.LOCK_FILE
    assert d["EXEC_FIFO"] == EXEC_FIFO
    assert d["NATIVE_START"] == state.NATIVE_START_FILE
    assert d["NATIVE_DELETE"] == state.NATIVE_DELETE_FILE
    assert d["NATIVE_STATE"] == state.NATIVE_STATE_FILE
    assert d["STATE_FILE"] == state.STATE_FILE
    assert d["PYTHON_CLI"] == "pyrunc-py"


def test_the_python_cli_is_installed_under_the_name_the_front_runs():
    here = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(here, "setup.cfg")) as f:
        scripts = re.search(r"^scripts = (.*)$", f.read(), re.M).group(1).split()
    assert [os.path.basename(s) for s in scripts] == [_defines()["PYTHON_CLI"]]


def test_the_fronts_flags_are_the_clis():
    """Every flag the front reads is one of main.GLOBAL_FLAGS, or `delete`'s own (any other
    falls back); `delete`'s are exactly -f and --force, taking no value."""
    with open(FRONT) as f:
        text = f.read()
    read = set(re.findall(r'flag_value\(argv, &i, "(--[\w-]+)"', text))
    read |= set(re.findall(r'same\(argv\[i\], "(--?[\w-]+)"\)', text))
    declared = {name for names, _ in main.GLOBAL_FLAGS for name in names}
    delete = main._command_spec("delete")
    own = {name for name, arg in delete.options.items() if arg.dest == "force"}
    assert own == {"-f", "--force"} and delete.options["-f"].kind == "const"
    assert read - own and read - own <= declared, read - own - declared
    assert [a.dest for a in delete.positionals] == ["container_id"]


def test_the_exec_facts_are_named_as_the_python_side_writes_them():
    from libcontainer import native_exec

    d = _defines()
    assert d["NATIVE_EXEC"] == state.NATIVE_EXEC_FILE
    with open(os.path.join(NATIVE, "front.h")) as f:
        limit = re.search(r"^#define EXEC_FACTS_MAX \(1 << (\d+)\)", f.read(), re.M).group(1)
    assert 1 << int(limit) == native_exec.MAX_SIZE
    here = os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(here, "setup.py")) as f:
        assert f'"{d["NATIVE_EXEC_PROGRAM"]}"' in f.read()  # built and installed under that name


# `exec ID PROGRAM [ARG...]` as the front takes it (front.c's parse_exec), and argv it refuses
_EXEC_FORMS = [
    (["exec", "c1", "true"], True),
    (["exec", "c1", "sh", "-c", "echo -e -x"], True),
    (["exec", "c1", "ls", "-l", "-e", "-d", "-p", "-t", "-u", "-g", "-h", "-v", "-1", "-cX", "a b", "-e=x"], True),
    (["exec", "c1", "sh", "--cwd"], False),
    (["exec", "c1", "sh", "--"], False),
    (["exec", "-d", "c1", "true"], False),
    (["exec", "c1", "-c"], False),
    (["exec", "c1"], False),
]


def test_the_exec_argv_the_front_takes_is_the_clis():
    """For every argv the front runs itself, argparse (through fastargs, or itself) reads no
    flag of exec's and hands the program's argv over whole."""
    with open(FRONT) as f:
        text = f.read()
    assert 'after(argv[i], "--")' in text and "is_value(argv[a->argi])" in text  # the rule below
    for argv, front_takes in _EXEC_FORMS:
        rule = (len(argv) > 2 and argv[2][:1] not in ("", "-") and not any(a.startswith("--") for a in argv[3:])
                and argv[1][:1] != "-")
        assert rule == front_takes, argv
        if not front_takes:
            continue
        ns = main.fast_parse(argv)
        if ns is None:
            ns = main.build_parser(fill_all=True).parse_args(argv)
        spec = main._command_spec("exec")
        defaults = {a.dest: a.default for a in spec.options.values() if a.dest != fastargs.SUPPRESS}
        assert ns.container_id == argv[1] and ns.exec_args == argv[2:], argv
        assert {k: getattr(ns, k) for k in defaults} == defaults, argv


def test_the_native_exec_forwards_the_python_clis_signals():
    """front_exec.c's forwarded(): 1-31 but the five cli/common.forward_signals leaves
    alone, plus 34 and 64 -- exactly the signals Python names, as that function takes them."""
    import _signal

    named = {v for k, v in vars(_signal).items() if k.startswith("SIG") and not k.startswith("SIG_")}
    left = {_signal.SIGCHLD, _signal.SIGURG, _signal.SIGWINCH, _signal.SIGKILL, _signal.SIGSTOP}
    assert named - left == (set(range(1, 32)) - left) | {34, 64}
    with open(os.path.join(NATIVE, "front_exec.c")) as f:
        text = f.read()
    body = text[text.index("static void forwarded("):text.index("static int started(")]
    assert "sig < 32" in body and "sigaddset(set, 34)" in body and "sigaddset(set, 64)" in body
    assert {"SIGCHLD", "SIGURG", "SIGWINCH", "SIGKILL", "SIGSTOP"} == set(re.findall(r"sig != (SIG\w+)", body))


def test_the_fronts_signals_are_kill_deletes():
    """native/front_kill.c's table is cli/kill_delete.LINUX_SIGNALS, name for name."""
    from libcontainer.cli.kill_delete import LINUX_SIGNALS

    with open(os.path.join(NATIVE, "front_kill.c")) as f:
        table = dict((name, int(n)) for name, n in re.findall(r'\{"(SIG\w+)", (\d+)\}', f.read()))
    assert table == LINUX_SIGNALS
