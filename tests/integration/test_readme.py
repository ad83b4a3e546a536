"""The README's library example, executed as written (paths made private to the test)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration
README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def readme_example() -> str:
    with open(README) as f:
        text = f.read()
    section = text[text.index("## Using the library"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_readme_example_runs(mapped_rootfs, state_root, tmp_path, no_leaks):
    code = readme_example()
    name = f"readme-{os.getpid()}"
    code = code.replace('ROOTFS = "/var/lib/busybox-rootfs"', f"ROOTFS = {mapped_rootfs!r}")
    code = code.replace('Factory("/run/pyrunc")', f"Factory({state_root!r})")
    code = code.replace('name="test-container"', f"name={name!r}")
    code = code.replace('parent="system"', f"parent={name + '-parent'!r}")
    inside = tmp_path / "inside"  # the container's output, apart from the example's prints
    code = code.replace("stdout=sys.stdout,", f"stdout=open({str(inside)!r}, 'w'),")
    assert mapped_rootfs in code and state_root in code and str(inside) in code
    out = tmp_path / "out"
    with open(out, "w") as f:
        r = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL, stdout=f,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    said = {line.split()[0]: line.split()[1:] for line in lines if line.split()}
    assert inside.read_text().split() == ["testing", "1025"]  # hostname and rlimit, inside
    assert said["status"][0] == "running"
    assert int(said["pids"][0]) in (1, 2)           # pids.current (sh may not have exec'd yet)
    assert int(said["init"][0]) > 1                 # the init's host PID
    assert said["exit"] == ["137"]
    # nothing left: state dir (state_root fixture), cgroups, mounts (no_leaks)
    for hierarchy in os.listdir("/sys/fs/cgroup"):
        for root, dirs, _ in os.walk(f"/sys/fs/cgroup/{hierarchy}"):
            assert not any(d.startswith(name) for d in dirs), f"cgroup left in {root}"
            break
