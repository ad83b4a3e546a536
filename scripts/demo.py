#!/usr/bin/env python3
"""`make demo`: run busybox in a real container through the library API and print its output.

New mount, UTS, IPC, PID and network namespaces, pivot_root into the busybox rootfs,
/proc mounted, the hostname set; the exit status comes back from wait(), and destroy()
leaves nothing behind.
"""

import argparse
import os
import sys
import tempfile

from libcontainer import Factory, Process
from libcontainer.configs import Config, Mount, Namespace

MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x2, 0x4, 0x8


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--id", default=f"demo-{os.getpid()}")
    args = ap.parse_args()

    config = Config(
        rootfs=os.path.abspath(args.rootfs),
        hostname="pyrunc-demo",
        namespaces=[Namespace(t) for t in ("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET")],
        mounts=[Mount(source="proc", destination="/proc", device="proc",
                      flags=MS_NOSUID | MS_NODEV | MS_NOEXEC)],
    )
    with tempfile.TemporaryDirectory(prefix="pyrunc-demo-") as root:
        factory = Factory(root)
        container = factory.create(args.id, config)
        try:
            process = Process(args=["/bin/sh", "-c", "hostname; echo pid $$; ls /"],
                              stdout=sys.stdout, stderr=sys.stderr)
            sys.stdout.flush()
            container.run(process)
            status = process.wait()
            print(f"container {args.id} exited with status {status.exit_code}")
        finally:
            container.destroy()
    return status.exit_code


if __name__ == "__main__":
    sys.exit(main())
