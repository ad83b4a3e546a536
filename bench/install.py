"""pyrunc as `pip install` gives it: wheels of this tree, in a virtualenv of their own.

The development venv (`make venv`) installs the core and the plugins editable, which puts
seven more directories on sys.path (a module that is not found, such as the interpreter's
own `sitecustomize` probe for `apport_python_hook`, is looked for in each) and processes
seven more .pth files at every start: ~1.5 ms a command here that no user pays. A user's
`pip install` puts the packages in site-packages. So the benchmark times that: the core and
the plugins built as wheels from this tree and installed into a plain `python -m venv` of
the same interpreter (with the pip and setuptools it brings, so setuptools' distutils hook
runs at start-up as in a user's venv), and the code cache built as `make venv` builds it.
The wheels are rebuilt and reinstalled on every run: the benchmark times the tree as it is.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile


def _base_python() -> str:
    """The interpreter the running venv was made from (Debian's, as `make venv` picks it)."""
    return getattr(sys, "_base_executable", None) or sys.executable


#: What a build or a test run leaves in the tree (.gitignore's list): never part of a wheel.
_NOT_SOURCES = ("build", "dist", ".venv", ".tox", ".git", ".pytest_cache", ".ruff_cache", "__pycache__",
                "*.pyc", "*.so", "*.egg-info", "demo-rootfs", "results", "_finish")


def _copy_tree(repo: str, dest: str) -> str:
    """The tree's sources, copied: wheels are built from a copy with no build/ directory.

    Why not from the tree itself: setuptools copies a module into build/lib only when the
    source is newer than the copy there, so a file whose mtime went back (a checkout of
    older code, a second tree sharing build/) left the last build's copy in the wheel, and
    the benchmark timed code that is not the tree's.
    """
    shutil.copytree(repo, dest, ignore=shutil.ignore_patterns(*_NOT_SOURCES), symlinks=True)
    return dest


def prepare(repo: str, venv_dir: str) -> str:
    """Build and install; return the installed pyrunc."""
    py = os.path.join(venv_dir, "bin", "python")
    new = not os.access(py, os.X_OK)
    if new:
        subprocess.run([_base_python(), "-m", "venv", venv_dir], check=True)
    wheels = os.path.join(venv_dir, "wheels")
    for old in glob.glob(os.path.join(wheels, "*.whl")):
        os.unlink(old)
    quiet = ["-q", "--disable-pip-version-check"]
    with tempfile.TemporaryDirectory(prefix="src-", dir=venv_dir) as src:
        tree = _copy_tree(repo, os.path.join(src, "tree"))
        projects = [tree] + sorted(os.path.dirname(p) for p in glob.glob(os.path.join(tree, "plugins", "*", "setup.cfg")))
        # built with this venv's setuptools (no download of a build environment)
        subprocess.run([sys.executable, "-m", "pip", "wheel", *quiet, "--no-deps", "--no-build-isolation",
                        "-w", wheels, *projects], check=True, stdout=subprocess.DEVNULL)
    built = sorted(glob.glob(os.path.join(wheels, "*.whl")))
    if new:  # the dependencies, from the index pip is configured with
        subprocess.run([py, "-m", "pip", "install", *quiet, *built, "pyseccomp>=0.1.2"], check=True,
                       stdout=subprocess.DEVNULL)
    else:  # this tree's code, always (its version number does not change)
        subprocess.run([py, "-m", "pip", "install", *quiet, "--force-reinstall", "--no-deps", *built], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run([py, "-c", "from libcontainer import codecache; codecache.build()"], check=True)
    return os.path.join(venv_dir, "bin", "pyrunc")
