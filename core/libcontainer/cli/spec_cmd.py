"""`spec`: write runc's example config.json (or its rootless variant) into the bundle."""

from __future__ import annotations

import json
import os

from .common import SPEC_CONFIG, CliError


def register(sub) -> None:
    p = sub.add_parser("spec", help="create a new specification file")
    p.add_argument("-b", "--bundle", default="", help="path to the root of the bundle directory")
    p.add_argument("--rootless", action="store_true", help="generate a configuration for a rootless container")
    p.set_defaults(func=cmd_spec)


def cmd_spec(args) -> int:
    from libcontainer.specconv import example_spec, to_rootless

    spec = example_spec()
    if args.rootless:
        to_rootless(spec)
    if args.bundle:
        try:
            os.chdir(args.bundle)
        except OSError as e:
            raise CliError(f"chdir {args.bundle}: {(e.strerror or str(e)).lower()}") from None
    if os.path.exists(SPEC_CONFIG):
        raise CliError(f"File {SPEC_CONFIG} exists. Remove it first")
    data = json.dumps(spec, indent="\t", ensure_ascii=False)
    with open(SPEC_CONFIG, "w") as f:
        f.write(data)
    os.chmod(SPEC_CONFIG, 0o666 & ~_umask())
    return 0


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
