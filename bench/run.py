#!/usr/bin/env python3
"""Side-by-side benchmark: the library API's container lifecycle against `runc run` and
`crun run` on the same busybox bundle, interleaved (A B C A B C ...) so drift cancels.

    make bench            # or: .venv/bin/python bench/run.py --rootfs build/rootfs -n 20

Prints medians and ratios, and writes a JSON result file (bench/results/) for comparison.
A runtime that is missing or fails on this machine is reported as skipped, with its error.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def make_bundle(rootfs: str, where: str) -> tuple[str, dict]:
    from libcontainer.specconv import example_spec

    spec = example_spec()
    spec["root"] = {"path": os.path.abspath(rootfs), "readonly": True}
    spec["process"]["args"] = ["/bin/true"]
    spec["process"]["terminal"] = False
    spec["ociVersion"] = "1.0.2"  # what every runtime compared here accepts
    bundle = os.path.join(where, "bundle")
    os.makedirs(bundle)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(spec, f)
    return bundle, spec


def lib_runner(spec: dict, bundle: str, state: str):
    from libcontainer import Factory, Process
    from libcontainer.specconv import create_config

    factory = Factory(os.path.join(state, "lib"))
    devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)

    def run(i: int) -> None:
        cid = f"bench-lib-{os.getpid()}-{i}"
        container = factory.create(cid, create_config(spec, container_id=cid, bundle=bundle))
        try:
            p = Process(args=["/bin/true"], stdin=devnull, stdout=devnull, stderr=devnull)
            container.run(p)
            if p.wait().code != 0:
                raise RuntimeError("container exited non-zero")
        finally:
            container.destroy()

    return run


def cli_runner(binary: str, bundle: str, state: str):
    root = os.path.join(state, os.path.basename(binary))

    def run(i: int) -> None:
        cid = f"bench-{os.path.basename(binary)}-{os.getpid()}-{i}"
        r = subprocess.run([binary, "--root", root, "run", "--bundle", bundle, cid],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            subprocess.run([binary, "--root", root, "delete", "-f", cid], capture_output=True)
            raise RuntimeError((r.stderr or r.stdout).strip().splitlines()[-1:] or f"exit {r.returncode}")

    return run


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("-n", type=int, default=15, help="rounds (default 15)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="pyrunc-bench-") as tmp:
        bundle, spec = make_bundle(args.rootfs, tmp)
        runners = {"library": lib_runner(spec, bundle, tmp)}
        for name in ("runc", "crun"):
            path = shutil.which(name)
            if path:
                runners[name] = cli_runner(path, bundle, tmp)
        times: dict[str, list[float]] = {k: [] for k in runners}
        skipped: dict[str, str] = {}
        for i in range(args.n):
            for name, run in runners.items():
                if name in skipped:
                    continue
                t0 = time.perf_counter()
                try:
                    run(i)
                except Exception as e:  # noqa: BLE001 - reported, not fatal
                    skipped[name] = str(e)
                    continue
                times[name].append((time.perf_counter() - t0) * 1000)

    medians = {k: statistics.median(v) for k, v in times.items() if v}
    result = {"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rounds": args.n,
              "run_ms_median": medians, "skipped": skipped, "ratios": {}}
    for ref in ("runc", "crun"):
        if ref in medians and "library" in medians:
            result["ratios"][f"library/{ref}"] = medians["library"] / medians[ref]
    print(f"{'runtime':10} {'median ms':>10}")
    for k, v in medians.items():
        print(f"{k:10} {v:10.1f}")
    for k, v in result["ratios"].items():
        print(f"{k}: {v:.2f}")
    for k, v in skipped.items():
        print(f"{k}: skipped: {v}")
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, time.strftime("bench-%Y%m%d-%H%M%S.json"))
    with open(path, "w") as f:
        json.dump(result, f, indent=2)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
