"""pyrunc's entry point: runc's global flags, the command table, errors and exit codes.

Only the CLI's own small modules are imported here. The command table is static (name,
module, help): `pyrunc --help` lists every command without importing any, and a
command's module is imported only when that command runs. A fresh `pyrunc state` thus
never pays for `events`, `exec` or the create path (see saved.py for why
`state`/`kill`/`list` stay cheap). Nor for argparse (~16 ms with re, enum, gettext):
the commands in :data:`FAST` are parsed by fastargs.py from the same flag declarations,
and argparse (parser.py) gets only what fastargs leaves to it: help, errors, rare
commands and flag forms.
Exit codes as runc: the container's status from `run`/`exec`, 1 for any error, and the
error text on stderr (as a log line, or plain when ``--log`` sends the log elsewhere).
"""

from __future__ import annotations

import os
import sys

from . import fastargs, log
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
#: The commands fastargs parses (others, and any argv it does not fully understand, go to argparse).
FAST = frozenset({"state", "list", "start", "kill", "delete", "create", "run", "exec", "ps", "pause", "resume"})
#: The namespace attribute naming the command (argparse's subparsers dest).
COMMAND_DEST = "cmd_name"
#: runc's global flags: (names, add_argument keywords), for argparse (parser.py) and fastargs alike.
GLOBAL_FLAGS = (
    (("--debug",), {"action": "store_true", "help": "enable debug logging"}),
    (("--log",), {"default": "", "help": "set the log file to write pyrunc logs to (default is '/dev/stderr')"}),
    (("--log-format",), {"default": "text", "help": "set the log format ('text' (default), or 'json')"}),
    (("--root",), {"default": None, "help": "root directory for storage of container state (this should be "
                                            f"located in tmpfs) (default: {DEFAULT_ROOT})"}),
    (("--criu",), {"default": None, "help": fastargs.SUPPRESS}),
    (("--systemd-cgroup",), {"action": "store_true",
                             "help": 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name"'}),
    (("--rootless",), {"default": "auto", "help": "ignore cgroup permission errors ('true', 'false', or 'auto')"}),
    (("-v", "--version"), {"action": "store_true", "help": "print the version"}),
)


def module_of(name: str) -> str:
    return _MODULE_OF[name]


def load_command_module(name: str):
    """The module that implements command ``name`` (imported now, if not yet)."""
    module = f"{__package__}.{_MODULE_OF[name]}"
    __import__(module)
    return sys.modules[module]


def build_parser(*, fill_all: bool = False):
    """argparse's parser (parser.py); commands' flags are added on dispatch unless ``fill_all``."""
    from .parser import build_parser as build

    return build(fill_all=fill_all)


_GLOBAL_SPEC = None


def fast_parse(argv: list[str]):
    """fastargs' namespace for ``argv``, or None when argparse must parse it."""
    global _GLOBAL_SPEC
    if _GLOBAL_SPEC is None:
        _GLOBAL_SPEC = fastargs.global_spec(GLOBAL_FLAGS)
    return fastargs.parse(list(argv), _GLOBAL_SPEC, _command_spec, COMMAND_DEST)


def _command_spec(name: str):
    """The flags of a command in FAST, recorded from its module's register()."""
    if name not in FAST:
        return None
    commands = fastargs.Commands()
    load_command_module(name).register(commands)
    return commands.specs.get(name)


def default_root() -> str:
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.geteuid() != 0:
        return os.path.join(xdg, "pyrunc")
    return DEFAULT_ROOT


def version_text() -> str:
    from libcontainer import __version__

    return (f"pyrunc version {__version__}\nspec: {OCI_VERSION}\n"
            f"python: {sys.version.split()[0]}")


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
    parser = None
    args = fast_parse(argv)
    if args is None:
        from .parser import UsageError

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
        (parser or build_parser()).print_help()
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
    """The `pyrunc` console script: main(), then leave without the interpreter's teardown.

    Why: finalizing the modules and collecting what is left costs a fresh process ~3 ms,
    a tenth of a whole `pyrunc state`, and a one-shot command has nothing to tear down. What
    that teardown would do for the command's output is done here: the atexit functions run
    and the standard streams and the log file are flushed; a flush that fails (a closed
    pipe) gives exit status 120, as the interpreter's own exit does. The kernel's own
    teardown, freeing the process's memory before its exit is reported (~1 ms), is left to
    a child when the native module is loaded (``hand_off_teardown``, native/teardown.c).
    """
    try:
        code = main()
    except SystemExit as e:
        code = e.code
    except KeyboardInterrupt:
        code = 130
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr, getattr(log.sink, "stream", None)):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            code = 120
    native = sys.modules.get("libcontainer._nsenter")
    if native is not None:  # loaded by the command: see teardown.c (not worth loading for it)
        native.hand_off_teardown()
    os._exit(code & 0xFF)


if __name__ == "__main__":
    run()
