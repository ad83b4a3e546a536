"""native/front*.c spell out names the Python side owns: they must stay the same.

A renamed file or a changed default root would not break the front loudly: it would only
never find start.native again (every start handed to the Python CLI, slow but right), or
look in another state root than the Python CLI (wrong). So the constants are compared here.
"""

from __future__ import annotations

import os
import re

from libcontainer import state
from libcontainer.cli import main
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
