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


#: podman's (containers-common's) default profile, in the containers' own format
ENGINE_PROFILE = "/usr/share/containers/seccomp.json"


def engine_seccomp(path: str = ENGINE_PROFILE) -> dict | None:
    """The OCI ``linux.seccomp`` podman would send for a container with the default
    capabilities on x86_64, or None without containers-common.

    Why measure with it: every engine sends a profile (~440 rules here), and compiling it is
    the costliest part of an engine's container start for runc and crun; runc's example spec,
    the bundle of every other measure, has none. Rules for capabilities the default set lacks,
    for other architectures or for newer kernels are left out, as podman leaves them out.
    """
    try:
        with open(path) as f:
            profile = json.load(f)
    except (OSError, ValueError):
        return None
    syscalls = []
    for rule in profile.get("syscalls", []):
        inc, exc = rule.get("includes") or {}, rule.get("excludes") or {}
        if inc.get("caps") or inc.get("minKernel") or (inc.get("arches") and "amd64" not in inc["arches"]):
            continue
        if exc.get("arches") and "amd64" in exc["arches"]:
            continue
        out = {"names": rule["names"], "action": rule["action"]}
        for key in ("args", "errnoRet"):
            if rule.get(key):
                out[key] = rule[key]
        syscalls.append(out)
    oci = {"defaultAction": profile["defaultAction"], "syscalls": syscalls,
           "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]}
    if profile.get("defaultErrnoRet"):
        oci["defaultErrnoRet"] = profile["defaultErrnoRet"]
    return oci


class Bundles:
    """Makes bundle directories under ``where``; each gets a fresh container id and cgroup."""

    def __init__(self, rootfs: str, where: str):
        self.spec = base_spec(rootfs)
        self.seccomp = engine_seccomp()
        self.where = where
        os.makedirs(where, exist_ok=True)
        self.engine_files = os.path.join(where, "engine-files")
        os.makedirs(self.engine_files, exist_ok=True)
        for name, text in (("hosts", "127.0.0.1 localhost\n"), ("hostname", "bench\n")):
            with open(os.path.join(self.engine_files, name), "w") as f:
                f.write(text)

    def make(self, runtime: str, args: list[str], seccomp: bool = False) -> tuple[str, str, dict]:
        """Returns (container id, bundle dir, spec). ``seccomp``: what podman adds to every
        container (podman 4.3's config.json): its seccomp profile, its default sysctl and
        binds over /etc/hosts and /etc/hostname."""
        n = next(_seq)
        cid = f"bench-{runtime}-{os.getpid()}-{n}"
        spec = copy.deepcopy(self.spec)
        if seccomp:
            spec["linux"]["seccomp"] = self.seccomp
            spec["linux"]["sysctl"] = {"net.ipv4.ping_group_range": "0 0"}
            spec["mounts"] += [{"destination": f"/etc/{name}", "type": "bind", "options": ["bind", "rprivate"],
                                "source": os.path.join(self.engine_files, name)} for name in ("hosts", "hostname")]
        spec["process"]["args"] = list(args)
        spec["linux"]["cgroupsPath"] = f"pyrunc-bench/{cid}"  # relative: under our own cgroup
        bundle = os.path.join(self.where, cid)
        os.makedirs(bundle)
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(spec, f)
        return cid, bundle, spec
