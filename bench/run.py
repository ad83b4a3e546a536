#!/usr/bin/env python3
"""Side-by-side benchmark: pyrunc against runc and crun (when installed), on the same busybox
bundle, interleaved (A B C A B C ...) so the machine's drift cancels.

    make bench                       # = .venv/bin/python bench/run.py --rootfs build/rootfs
    .venv/bin/python bench/run.py --rootfs build/rootfs -n 5 --density 20

Measures: `run` of /bin/true (whole lifecycle; again with what podman adds to every container --
its default seccomp profile, when containers-common has it, a sysctl and binds over /etc files),
`create`, `start`, `delete`, `exec` into a running container (also: into one with podman's config), `state`, `list`, `ps`, `delete -f` of a running container, density (N
containers created+started, then all force-deleted), the PSS of the created-state process and
of any process a runtime keeps per running container, and the library API (Factory.create ->
run -> wait -> destroy in this process) against `runc run` / `crun run` as subprocesses.

Everything runs in one private cgroup (nested under the caller's own) and a private mount +
cgroup namespace where /sys/fs/cgroup shows only the v1 hierarchies, so crun 1.8 (which
refuses hybrid hosts) works and all three runtimes run under the same conditions. A fixed
settle pause precedes every timed command (see measures.py for why). Prints medians, the
ratios pyrunc/runc and pyrunc/crun with the issue's targets, and writes bench/results/*.json.
Needs root. Cleans up containers, cgroups, mounts and state even on Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import report  # noqa: E402
import sandbox  # noqa: E402


def parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rootfs", default=os.path.join(REPO, "build", "rootfs"))
    ap.add_argument("-n", "--rounds", type=int, default=8, help="interleaved rounds (default 8)")
    ap.add_argument("--density", type=int, default=50, metavar="N", help="containers in the density run (default 50)")
    ap.add_argument("--density-rounds", type=int, default=3,
                    help="density repetitions, the runtimes' order reversed every other one; the median "
                         "counts (default 3; 0 skips it)")
    ap.add_argument("--settle", type=float, default=50.0, metavar="MS",
                    help="pause before every timed command, excluded from the timing (default 50 ms)")
    ap.add_argument("--pyrunc", default=None,
                    help="the pyrunc to time (default: this tree's wheels installed into build/bench-venv, "
                         "as pip installs them; see install.py)")
    ap.add_argument("--no-library", action="store_true", help="skip the in-process library lifecycle")
    ap.add_argument("--out", default=os.path.join(HERE, "results"), help="where the JSON result goes")
    return ap.parse_args(argv)


def _version(binary: str) -> str:
    try:
        r = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30)
        return (r.stdout or r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def inside(args: argparse.Namespace) -> int:
    """The benchmark proper, already in its own cgroup and namespaces."""
    import pace
    from bundle import Bundles
    from measures import Bench
    from runtimes import Cli, Library

    def on_term(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    sandbox.remount_hierarchies()
    state = os.environ["PYRUNC_BENCH_STATE"]
    found = {"pyrunc": args.pyrunc if os.access(args.pyrunc, os.X_OK) else None,
             "runc": shutil.which("runc"), "crun": shutil.which("crun")}
    if not found["pyrunc"]:
        print(f"bench: {args.pyrunc} not found", file=sys.stderr)
        return 2
    clis = [Cli(n, b, state) for n, b in found.items() if b]
    missing = [n for n, b in found.items() if not b]
    library = None
    bench = None
    try:
        library = None if args.no_library else Library(state)
        bench = Bench(clis, library, Bundles(args.rootfs, os.path.join(state, "bundles")), args.settle / 1000,
                      python=pace.python_of(found["pyrunc"]))
        t0 = time.monotonic()
        for i in range(args.rounds):
            bench.round()
            print(f"\rround {i + 1}/{args.rounds} ({time.monotonic() - t0:.0f} s)", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        for i in range(args.density_rounds):
            print(f"density {i + 1}/{args.density_rounds}: N={args.density} per runtime", file=sys.stderr, flush=True)
            bench.density(args.density, reverse=i % 2 == 1)
        elapsed = time.monotonic() - t0
    finally:
        # a terminal's Ctrl-C reaches us twice (directly and forwarded): finish the cleanup
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for c in clis:
            c.cleanup()
        if library:
            library.cleanup()

    med = report.medians(bench.samples)
    runtimes = [c.name for c in clis]
    print()
    print(f"pyrunc vs runc vs crun: medians of {args.rounds} interleaved rounds, density N={args.density} "
          f"x{args.density_rounds}; settle pause {args.settle:g} ms before every timed command")
    print(f"pyrunc: {args.pyrunc}")
    print(report.table(med, runtimes, args.density))
    if pace.line(med):
        print(pace.line(med))
    for name, errs in bench.errors.items():
        for measure, msg in errs.items():
            print(f"  {name} {measure}: failed: {msg}")
    for name in missing:
        print(f"  {name}: not installed, skipped")
    kept = med.get("kept_procs", {})
    print("  processes kept per running container: " + ", ".join(f"{k} {v:g}" for k, v in kept.items()))
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": report.machine(),
        "rounds": args.rounds, "density_n": args.density, "density_rounds": args.density_rounds,
        "settle_ms": args.settle, "elapsed_s": round(elapsed, 1),
        "versions": {c.name: _version(c.binary) for c in clis}, "missing": missing, "pyrunc": args.pyrunc,
        "medians": med, "samples": {m: dict(v) for m, v in bench.samples.items()},
        "errors": {k: dict(v) for k, v in bench.errors.items()},
        "ratios": {f"{a}/{b} {m}": med[m][a] / med[m][b] for m in med for a in ("pyrunc", "library")
                   for b in ("runc", "crun") if a in med[m] and med[m].get(b)},
        "targets": report.verdicts(med),
    }
    print(f"total {elapsed:.0f} s; results: {report.write_json(args.out, result)}")
    return 0


def compile_bytecode() -> None:
    """Write the .pyc files of this tree's packages before timing anything.

    `pip install` compiles them; an editable tree (make venv) has them written only when a
    process imports a changed module without PYTHONDONTWRITEBYTECODE -- otherwise every
    pyrunc call would compile the changed sources again and the benchmark would time the
    compiler. The runtime's code cache (libcontainer/codecache.py) is rebuilt too, as `make
    venv` builds it, so that a benchmark of an edited tree serves the edited modules from it.
    """
    import compileall

    for part in ("core", "plugins"):
        compileall.compile_dir(os.path.join(REPO, part), quiet=2)
    from libcontainer import codecache

    codecache.build()


def main() -> int:
    args = parse(sys.argv[1:])
    args.rootfs = os.path.abspath(args.rootfs)
    args.out = os.path.abspath(args.out)
    if os.environ.get(sandbox.INSIDE_ENV):
        try:
            return inside(args)
        except KeyboardInterrupt:
            print("\nbench: interrupted; containers removed", file=sys.stderr)
            return 130
    if os.geteuid() != 0:
        print("bench: needs root (containers, cgroups, namespaces)", file=sys.stderr)
        return 2
    if not os.path.isfile(os.path.join(args.rootfs, "bin", "busybox")):
        print(f"bench: no busybox rootfs at {args.rootfs} (make rootfs)", file=sys.stderr)
        return 2
    compile_bytecode()
    if args.pyrunc is None:
        import install

        args.pyrunc = install.prepare(REPO, os.path.join(REPO, "build", "bench-venv"))
    state = tempfile.mkdtemp(prefix="pyrunc-bench-")
    argv = [os.path.abspath(__file__), *sys.argv[1:], "--rootfs", args.rootfs, "--out", args.out,
            "--pyrunc", os.path.abspath(args.pyrunc)]
    return sandbox.run_inside(argv, state)


if __name__ == "__main__":
    sys.exit(main())
