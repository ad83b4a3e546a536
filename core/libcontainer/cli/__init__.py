"""pyrunc: the runc-compatible command line over this library.

Engines (containerd's shim, podman/conmon, CRI-O) drive runc as a subprocess and parse its
exit codes, stderr and JSON output; every module here keeps runc's flags, wording and
output shapes for that reason. `main.py` only parses arguments: each command's module is
imported when that command runs, so `pyrunc state` never pays for the create path.
"""
