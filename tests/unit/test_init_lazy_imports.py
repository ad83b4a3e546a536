"""The init imports hooks.py and finisher.py only for the configs that use them.

A `run` without hooks has no exec FIFO either, so its init skips both (init/standard.py
imports them first thing when needed, before a join by path could change its view of the
host's files). Checked in a fresh interpreter: importing the init's module must not bring
them along.
"""

from __future__ import annotations

import subprocess
import sys

CODE = ("import sys, libcontainer.init.standard\n"
        "print(' '.join(m for m in ('libcontainer.hooks', 'libcontainer.init.finisher') if m in sys.modules))")


def test_the_init_module_does_not_import_hooks_or_the_finisher():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_check_sees_them_when_imported():
    code = CODE.replace("libcontainer.init.standard\n", "libcontainer.init.standard, libcontainer.hooks\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "libcontainer.hooks"
