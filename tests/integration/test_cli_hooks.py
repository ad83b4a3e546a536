"""OCI hooks through the CLI: `start` runs poststart, `delete` runs poststop.

`start`, `kill` and `delete` build a container from state.json without the Config when it
has no hooks (cli/saved.py); one with hooks must take the full load, or its hooks would
silently not run. state.json spells the key "Hooks", as runc does: the check that decides
must read that spelling.
"""

from __future__ import annotations

import json
import time

import pytest
from test_cli import bundle, cli  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration


def _wait_file(path, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return path.exists()


def test_start_and_delete_run_the_hooks(cli, bundle, tmp_path):  # noqa: F811
    marks = tmp_path / "marks"
    marks.mkdir()

    def with_hooks(spec):
        spec["hooks"] = {
            kind: [{"path": "/bin/sh", "args": ["sh", "-c", f"cat > {marks}/{kind}"]}]
            for kind in ("poststart", "poststop")
        }

    bundle.write(["sleep", "30"], mutate=with_hooks)
    res, _ = cli.detached("create", "--bundle", bundle.dir, "hk")
    assert res.returncode == 0, res.stderr
    with open(f"{cli.root}/hk/state.json") as f:
        saved = json.load(f)
    assert saved["config"]["Hooks"]["poststop"]  # runc's spelling of the key
    from libcontainer.cli.saved import has_hooks

    assert has_hooks(saved)

    cli("start", "hk", check=0)
    assert _wait_file(marks / "poststart")
    state = json.loads((marks / "poststart").read_text())
    assert state["id"] == "hk" and state["status"] == "running" and state["pid"] > 0
    assert state["bundle"] == bundle.dir

    cli("kill", "hk", "KILL", check=0)
    deadline = time.monotonic() + 10
    while cli.state("hk")["status"] != "stopped" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not (marks / "poststop").exists()
    cli("delete", "hk", check=0)
    assert _wait_file(marks / "poststop")
    state = json.loads((marks / "poststop").read_text())
    assert state["id"] == "hk" and state["status"] == "stopped"
