"""pyrunc's entry point: runc's global flags, the command table, errors and exit codes.

Only argparse and the CLI's own small modules are imported here. The command table is
static (name, module, help): `pyrunc --help` lists every command without importing any,
and a command's module is imported, and its flags added, only when argparse dispatches
to it (:class:`_LazyCommands`). A fresh `pyrunc state` thus never pays for `events`,
`exec` or the create path (see saved.py for why `state`/`kill`/`list` stay cheap).
Exit codes as runc: the container's status from `run`/`exec`, 1 for any error, and the
error text on stderr (as a log line, or plain when ``--log`` sends the log elsewhere).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import log
from .common import CliError, rootless_cgroups  # noqa: F401 - re-exported

DEFAULT_ROOT = "/run/pyrunc"
#: libcontainer.specconv.constants.OCI_VERSION, spelled out so `--version` need not import
#: specconv (~9 ms); tests/unit/test_cli_units.py checks the two agree.
OCI_VERSION = "1.2.0"
USAGE = """Open Container Initiative runtime (runc-compatible, written in Python)

pyrunc is a command line client for running applications packaged according to the
Open Container Initiative (OCI) format. Containers are configured using bundles: a
directory with a "config.json" and a root filesystem.

To start a new instance of a container:

    # pyrunc run [ -b bundle ] <container-id>
"""
#: (command, module under libcontainer.cli whose register() adds its flags, help), in
#: runc's order of `runc --help`. Each module's register() must use these names and help
#: strings (checked by tests/unit/test_cli_units.py).
COMMANDS = (
    ("checkpoint", "checkpoint", "checkpoint a running container"),
    ("restore", "checkpoint", "restore a container from a previous checkpoint"),
    ("create", "create_run", "create a container"),
    ("run", "create_run", "create and run a container"),
    ("start", "create_run", "executes the user defined process in a created container"),
    ("kill", "kill_delete", "kill sends the specified signal (default: SIGTERM) to the container's init process"),
    ("delete", "kill_delete", "delete any resources held by the container often used with detached container"),
    ("events", "events", "display container events such as OOM notifications, cpu, memory, and IO usage statistics"),
    ("exec", "exec_cmd", "execute new process inside the container"),
    ("state", "state_list", "output the state of a container"),
    ("list", "state_list", "lists containers started by pyrunc with the given root"),
    ("pause", "pause", "pause suspends all processes inside the container"),
    ("resume", "pause", "resumes all processes that have been previously paused"),
    ("ps", "ps", "ps displays the processes running inside a container"),
    ("spec", "spec_cmd", "create a new specification file"),
    ("update", "update", "update container resource constraints"),
    ("features", "features", "show the enabled features"),
)
_MODULE_OF = {name: module for name, module, _ in COMMANDS}


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is runc's: logged, exit status 1.

    argparse also builds a HelpFormatter for every add_argument (to check the metavar),
    and HelpFormatter() asks shutil for the terminal's width: shutil brings zlib, bz2 and
    lzma, ~5 ms of a fresh `pyrunc state`. The width matters only when help is printed.
    """

    _printing = False

    def _get_formatter(self):
        if self._printing:
            return super()._get_formatter()
        return self.formatter_class(prog=self.prog, width=80)

    def format_help(self):
        self._printing = True
        try:
            return super().format_help()
        finally:
            self._printing = False

    def format_usage(self):
        self._printing = True
        try:
            return super().format_usage()
        finally:
            self._printing = False

    def error(self, message):
        if message.startswith("unrecognized arguments: "):
            flag = message.split(": ", 1)[1].split()[0]
            message = f"flag provided but not defined: {flag.lstrip('-') and '-' + flag.lstrip('-')}"
        raise UsageError(message)


class _Filler:
    """What a module's register() sees as argparse's subparsers: hands back the empty
    parser already made for that command, for register() to add its flags to."""

    def __init__(self, parsers: dict):
        self._parsers = parsers

    def add_parser(self, name, **kwargs):
        p = self._parsers[name]
        kwargs.pop("help", None)
        for key, value in kwargs.items():  # description, epilog... as add_parser would
            setattr(p, key, value)
        return p


def load_command_module(name: str):
    """The module that implements command ``name`` (imported now, if not yet)."""
    module = f"{__package__}.{_MODULE_OF[name]}"
    __import__(module)
    return sys.modules[module]


def fill(name: str, parsers: dict) -> None:
    """Add command ``name``'s flags (and those of its module's other commands) once."""
    p = parsers[name]
    if getattr(p, "_filled", False):
        return
    load_command_module(name).register(_Filler(parsers))
    for other, module, _ in COMMANDS:
        if module == _MODULE_OF[name]:
            parsers[other]._filled = True


class _LazyCommands(argparse._SubParsersAction):
    """argparse's subcommands, filling in the chosen command's parser on dispatch."""

    def __call__(self, parser, namespace, values, option_string=None):
        if values and values[0] in self._name_parser_map:
            fill(values[0], self._name_parser_map)
        super().__call__(parser, namespace, values, option_string)


def default_root() -> str:
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.geteuid() != 0:
        return os.path.join(xdg, "pyrunc")
    return DEFAULT_ROOT


def version_text() -> str:
    from libcontainer import __version__

    return (f"pyrunc version {__version__}\nspec: {OCI_VERSION}\n"
            f"python: {sys.version.split()[0]}")


def build_parser(*, fill_all: bool = False) -> Parser:
    """The whole parser; commands' flags are added on dispatch unless ``fill_all``."""
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
    sub = p.add_subparsers(dest="cmd_name", metavar="COMMAND", parser_class=Parser, action=_LazyCommands)
    for name, _module, help_text in COMMANDS:
        sub.add_parser(name, help=help_text)
    if fill_all:
        for name, _module, _help in COMMANDS:
            fill(name, sub._name_parser_map)
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
        if args.debug:
            import traceback

            log.debug(traceback.format_exc().rstrip())
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
