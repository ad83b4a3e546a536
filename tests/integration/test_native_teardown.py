"""native/teardown.c: the CLI's exit leaves the freeing of its memory to a child.

Each test runs its worker under a helper that is a child subreaper, so the orphaned child
comes to the helper, which looks at it from outside (/proc) and reaps it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

#: The helper: a subreaper that runs the worker (argv[1:]), reports the worker's status and,
#: for the child the worker left behind (the pid it printed), what /proc showed of it while
#: the worker still ran, whether it was still there once the worker was reaped, and how it
#: ended.
HELPER = r"""
import json, os, sys
from libcontainer import _nsenter as nse
nse.prctl(nse.PR_SET_CHILD_SUBREAPER, 1)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(r)
    os.dup2(w, 3)
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
os.close(w)
out = b""
while not out.endswith(b"\n"):
    chunk = os.read(r, 100)
    if not chunk:
        break
    out += chunk
child = int(out) if out.strip().isdigit() else None
seen = None
if child:
    status = open(f"/proc/{child}/status").read()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    seen = {"fds": sorted(os.listdir(f"/proc/{child}/fd")), "ppid": int(fields["PPid"]),
            "blocked": fields["SigBlk"].strip(), "mm": os.readlink(f"/proc/{child}/exe")}
rest = os.read(r, 100)  # end-of-file once the worker exited: the child holds none of its pipe
_, status = os.waitpid(pid, 0)
others = []
while True:
    try:
        other, st = os.wait()
    except ChildProcessError:
        break
    others.append([other, os.waitstatus_to_exitcode(st)])
print(json.dumps({"worker": os.waitstatus_to_exitcode(status), "child": child, "seen": seen,
                  "eof": rest == b"", "others": others}))
"""


def _helper(worker_code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", HELPER, "-c", worker_code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_the_child_waits_for_the_exit_holding_nothing_of_ours():
    got = _helper("""
import os
from libcontainer import _nsenter as nse
blob = bytearray(8 << 20)  # memory of ours to free
child = nse.hand_off_teardown()
os.write(3, b"%d\\n" % child)
import time; time.sleep(0.2)  # the helper looks at the child meanwhile
os._exit(7)
""")
    assert got["worker"] == 7
    assert got["child"] and got["seen"]["ppid"] != os.getpid()
    assert len(got["seen"]["fds"]) == 1  # only the pidfd it waits on
    blocked = int(got["seen"]["blocked"], 16)
    for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1, signal.SIGPIPE, signal.SIGTERM,
                signal.SIGCHLD, signal.SIGWINCH):
        assert blocked & (1 << (sig - 1)), sig  # no handler of ours can run in it
    assert got["eof"]  # the worker's pipe ended with the worker
    # it was reparented to the helper (the subreaper) and exited 0 once the worker had
    assert got["others"] == [[got["child"], 0]]


def test_the_cli_hands_off_its_teardown_once_the_native_module_is_loaded():
    for preload, expected in (("import libcontainer._nsenter", 1), ("pass", 0)):
        got = _helper(f"""
import os, sys
{preload}
from libcontainer.cli import main
os.write(3, b"\\n")
sys.argv = ["pyrunc", "--version"]
main.run()
""")
        assert got["worker"] == 0
        assert len(got["others"]) == expected, (preload, got)
        assert all(code == 0 for _, code in got["others"])
