"""`pyrunc` leaves through cli.main.run: os._exit after flushing, no interpreter teardown.

What the teardown would have done for a command must still happen: buffered output to a
pipe reaches it, atexit functions run, the exit status is main()'s, and a flush into a
closed pipe ends with the interpreter's own status for that (120).
"""

from __future__ import annotations

import os
import subprocess
import sys

CODE = "import sys; sys.argv = ['pyrunc'] + sys.argv[1:]; from libcontainer.cli.main import run; run()"


def _pyrunc(*args: str, code: str = CODE, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, **kw)


def test_buffered_output_reaches_a_pipe():
    res = _pyrunc("--version")
    assert res.returncode == 0
    assert res.stdout.startswith("pyrunc version")


def test_exit_status_is_mains(tmp_path):
    res = _pyrunc("--root", str(tmp_path), "state", "nope")
    assert res.returncode == 1
    assert "container does not exist" in res.stderr


def test_atexit_functions_run():
    code = "import atexit; atexit.register(print, 'atexit ran'); " + CODE
    res = _pyrunc("--version", code=code)
    assert res.returncode == 0
    assert res.stdout.startswith("pyrunc version") and res.stdout.splitlines()[-1] == "atexit ran"


def test_a_flush_into_a_closed_pipe_is_status_120():
    r, w = os.pipe()
    os.close(r)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered at exit
    res = subprocess.run([sys.executable, "-c", CODE, "--version"], stdout=w, stderr=subprocess.PIPE, env=env)
    os.close(w)
    assert res.returncode == 120


def test_the_console_script_is_run():
    """setup.cfg installs core/bin/pyrunc-py, which calls cli/entry.py's run() (main.run(), not
    main(), whose status sys.exit would pass on), and the cyclic GC is off for a one-shot
    command."""
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(here, "setup.cfg")) as f:
        assert "scripts = core/bin/pyrunc-py" in f.read()
    code = ("import gc, sys; import libcontainer.cli.entry as e; print(gc.isenabled());"
            " sys.argv = ['pyrunc', '--version']; e.run()")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.splitlines()[0] == "False" and "pyrunc version" in res.stdout


def test_the_launcher_imports_only_the_entry_module():
    """The launcher is ours, not the wrapper pip writes for a console_scripts entry point
    (Debian 12's pip 23 writes one that imports ``re`` first: ~5 ms a command). Its code
    imports libcontainer.cli.entry and nothing else, whatever pip installed it; pip only
    rewrites its ``#!python`` line."""
    import ast

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "core", "bin", "pyrunc-py")
    with open(path) as f:
        text = f.read()
    assert text.startswith("#!python\n")
    tree = ast.parse(text)
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [(n.module, [a.name for a in n.names]) for n in imports] == [("libcontainer.cli.entry", ["run"])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    code = text.replace("run()\n", "import sys; print('re' in sys.modules, 'enum' in sys.modules)\n")
    sys_argv = [sys.executable, "-c", code]
    res = subprocess.run(sys_argv, capture_output=True, text=True, env=env)
    assert res.returncode == 0 and res.stdout.split() == ["False", "False"], res
