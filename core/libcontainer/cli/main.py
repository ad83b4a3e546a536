"""pyrunc's entry point: runc's global flags, the command table, errors and exit codes.

Only argparse and the CLI's own small modules are imported here; each command imports
what it needs when it runs (see saved.py for why `state`/`kill`/`list` stay cheap).
Exit codes as runc: the container's status from `run`/`exec`, 1 for any error, and the
error text on stderr (as a log line, or plain when ``--log`` sends the log elsewhere).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import (
    checkpoint,
    create_run,
    events,
    exec_cmd,
    features,
    kill_delete,
    log,
    pause,
    ps,
    spec_cmd,
    state_list,
    update,
)
from .common import CliError, rootless_cgroups  # noqa: F401 - re-exported

DEFAULT_ROOT = "/run/pyrunc"
USAGE = """Open Container Initiative runtime (runc-compatible, written in Python)

pyrunc is a command line client for running applications packaged according to the
Open Container Initiative (OCI) format. Containers are configured using bundles: a
directory with a "config.json" and a root filesystem.

To start a new instance of a container:

    # pyrunc run [ -b bundle ] <container-id>
"""
#: In runc's order of `runc --help`.
MODULES = (checkpoint, create_run, kill_delete, events, exec_cmd, state_list, pause, ps, spec_cmd, update, features)


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is runc's: logged, exit status 1."""

    def error(self, message):
        if message.startswith("unrecognized arguments: "):
            flag = message.split(": ", 1)[1].split()[0]
            message = f"flag provided but not defined: {flag.lstrip('-') and '-' + flag.lstrip('-')}"
        raise UsageError(message)


def default_root() -> str:
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.geteuid() != 0:
        return os.path.join(xdg, "pyrunc")
    return DEFAULT_ROOT


def version_text() -> str:
    from libcontainer import __version__
    from libcontainer.specconv.constants import OCI_VERSION

    return (f"pyrunc version {__version__}\nspec: {OCI_VERSION}\n"
            f"python: {sys.version.split()[0]}")


def build_parser() -> Parser:
    p = Parser(prog="pyrunc", description=USAGE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--debug", action="store_true", help="enable debug logging")
    p.add_argument("--log", default="", help="set the log file to write pyrunc logs to (default is '/dev/stderr')")
    p.add_argument("--log-format", default="text", help="set the log format ('text' (default), or 'json')")
    p.add_argument("--root", default=None,
                   help=f"root directory for storage of container state (this should be located in tmpfs) (default: {DEFAULT_ROOT})")
    p.add_argument("--criu", default=None, help=argparse.SUPPRESS)
    p.add_argument("--systemd-cgroup", action="store_true",
                   help='enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name"')
    p.add_argument("--rootless", default="auto", help="ignore cgroup permission errors ('true', 'false', or 'auto')")
    p.add_argument("-v", "--version", action="store_true", help="print the version")
    sub = p.add_subparsers(dest="cmd_name", metavar="COMMAND", parser_class=Parser)
    for module in MODULES:
        module.register(sub)
    return p


def _revise_root(args) -> None:
    """runc's reviseRootDir: absolute and clean, and never / itself."""
    args.root_given = args.root is not None
    root = args.root if args.root_given else default_root()
    root = os.path.abspath(root) if root else "/"
    if root == "/":
        raise CliError("Option --root argument should not be set to /")
    args.root = root


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as e:
        log.setup()
        return log.fatal(str(e))
    try:
        log.setup(log_path=args.log, log_format=args.log_format, debug=args.debug)
    except ValueError as e:
        log.setup()
        return log.fatal(str(e))
    except OSError as e:
        log.setup()
        return log.fatal(f"open {args.log}: {(e.strerror or str(e)).lower()}")
    if args.version:
        print(version_text())
        return 0
    if not args.cmd_name:
        parser.print_help()
        return 0
    if args.criu is not None:
        print("WARNING: --criu ignored (the criu binary from $PATH is used); do not use", file=sys.stderr)
    try:
        _revise_root(args)
        return int(args.func(args) or 0)
    except CliError as e:
        return log.fatal(str(e), e.code)
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - every error ends as runc's one line and status 1
        from libcontainer.errors import LibcontainerError

        if args.debug or not isinstance(e, (LibcontainerError, OSError, ValueError)):
            log.logger.debug("traceback", exc_info=True)
        return log.fatal(_message(e))


def _message(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        where = f"{e.filename}: " if e.filename else ""
        return f"{where}{e.strerror.lower()}"
    return str(e) or type(e).__name__


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
