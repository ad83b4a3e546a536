"""One busybox bundle per container, all sharing the same read-only rootfs.

Why one bundle per container: the cgroupsPath lives in config.json and must be unique per
container (a relative path, so it nests under the benchmark's own cgroup), and runtimes read
config.json at create time. Writing the file happens outside the timed region.
"""

from __future__ import annotations

import copy
import itertools
import json
import os

_seq = itertools.count()


def base_spec(rootfs: str) -> dict:
    from libcontainer.specconv import example_spec

    spec = example_spec()
    spec["root"] = {"path": os.path.abspath(rootfs), "readonly": True}
    spec["process"]["args"] = ["/bin/true"]
    spec["process"]["terminal"] = False
    spec["ociVersion"] = "1.0.2"  # what runc 1.1, crun 1.8 and pyrunc all accept
    return spec


class Bundles:
    """Makes bundle directories under ``where``; each gets a fresh container id and cgroup."""

    def __init__(self, rootfs: str, where: str):
        self.spec = base_spec(rootfs)
        self.where = where
        os.makedirs(where, exist_ok=True)

    def make(self, runtime: str, args: list[str]) -> tuple[str, str, dict]:
        """Returns (container id, bundle dir, spec)."""
        n = next(_seq)
        cid = f"bench-{runtime}-{os.getpid()}-{n}"
        spec = copy.deepcopy(self.spec)
        spec["process"]["args"] = list(args)
        spec["linux"]["cgroupsPath"] = f"pyrunc-bench/{cid}"  # relative: under our own cgroup
        bundle = os.path.join(self.where, cid)
        os.makedirs(bundle)
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(spec, f)
        return cid, bundle, spec
