"""entrypoints.py's cache of the installed backends: used when nothing changed, rescanned
when a distribution is added, removed, or its entry points edited in place.

Each step runs in a fresh interpreter with a sys.path directory of the test's own holding a
fake distribution, and a cache directory of its own (XDG_CACHE_HOME).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CODE = """
import json, sys
from libcontainer import entrypoints as e
eps = sorted([ep.name, ep.value] for ep in e._entry_points("libcontainer.network"))
print(json.dumps([eps, "importlib.metadata" in sys.modules]))
"""


@pytest.fixture
def site(tmp_path):
    d = tmp_path / "site"
    d.mkdir()
    _dist(d, "fakenet", "fake = fakenet_module")
    return d


def _dist(site, name: str, entry: str) -> None:
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[libcontainer.network]\n{entry}\n")


def _scan(tmp_path, site) -> tuple[list, bool]:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([str(site), *sys.path]))
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, env=env, check=True)
    eps, scanned = json.loads(out.stdout)
    return [e for e in eps if e[0].startswith("fake")], scanned


def test_a_second_call_reads_the_cache_without_the_metadata(tmp_path, site):
    assert _scan(tmp_path, site) == ([["fake", "fakenet_module"]], True)
    assert _scan(tmp_path, site) == ([["fake", "fakenet_module"]], False)


def test_an_entry_point_edited_in_place_is_seen(tmp_path, site):
    _scan(tmp_path, site)
    ep = site / "fakenet-1.0.dist-info" / "entry_points.txt"
    ep.write_text("[libcontainer.network]\nfake = fakenet_other\n")
    st = os.stat(ep)
    os.utime(ep, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a coarse clock must not hide it
    assert _scan(tmp_path, site) == ([["fake", "fakenet_other"]], True)


def test_a_distribution_added_or_removed_is_seen(tmp_path, site):
    _scan(tmp_path, site)
    _dist(site, "fakenet2", "fake2 = fakenet2_module")
    eps, scanned = _scan(tmp_path, site)
    assert scanned and eps == [["fake", "fakenet_module"], ["fake2", "fakenet2_module"]]
    for f in (site / "fakenet2-1.0.dist-info").iterdir():
        f.unlink()
    (site / "fakenet2-1.0.dist-info").rmdir()
    assert _scan(tmp_path, site) == ([["fake", "fakenet_module"]], True)
