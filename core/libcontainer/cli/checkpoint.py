"""`checkpoint` and `restore`: runc's flags, handed to the checkpoint backend plugin.

The options go to ``plugins.checkpoint_backend(name)`` as one plain dict (runc's
CriuOpts field names in snake_case). Until a backend is built the plugin raises
NotBuiltError, which is reported as a clear error and status 1 — nothing pretends to
have saved or restored anything.
"""

from __future__ import annotations

import os

from .common import CliError, absolute, container_id

BACKEND_ENV = "PYRUNC_CHECKPOINT_BACKEND"


def _shared(p) -> None:
    p.add_argument("--image-path", default="", help="path for saving criu image files")
    p.add_argument("--work-path", default="", help="path for saving work files and logs")
    p.add_argument("--tcp-established", action="store_true", help="allow open tcp connections")
    p.add_argument("--tcp-skip-in-flight", action="store_true", help="skip in-flight tcp connections")
    p.add_argument("--link-remap", action="store_true", help="allow one to link unlinked files back when possible")
    p.add_argument("--ext-unix-sk", action="store_true", help="allow external unix sockets")
    p.add_argument("--shell-job", action="store_true", help="allow shell jobs")
    p.add_argument("--file-locks", action="store_true", help="handle file locks, for safety")
    p.add_argument("--manage-cgroups-mode", default="", help="cgroups mode: soft|full|strict|ignore (default: soft)")
    p.add_argument("--empty-ns", action="append", default=[], help="create a namespace, but don't restore its properties")
    p.add_argument("--auto-dedup", action="store_true", help="enable auto deduplication of memory images")
    p.add_argument("--lazy-pages", action="store_true", help="use userfaultfd to lazily restore memory pages")
    p.add_argument("container_id", nargs="?", metavar="container-id")


def register(sub) -> None:
    p = sub.add_parser("checkpoint", help="checkpoint a running container")
    _shared(p)
    p.add_argument("--parent-path", default="", help="path for previous criu image files in pre-dump")
    p.add_argument("--leave-running", action="store_true", help="leave the process running after checkpointing")
    p.add_argument("--status-fd", type=int, default=-1, help="criu writes \\0 to this FD once lazy-pages is ready")
    p.add_argument("--page-server", default="", help="ADDRESS:PORT of the page server")
    p.add_argument("--pre-dump", action="store_true", help="dump container's memory information only, leave the container running after this")
    p.set_defaults(func=cmd_checkpoint)
    p = sub.add_parser("restore", help="restore a container from a previous checkpoint")
    _shared(p)
    p.add_argument("--console-socket", default="", help="path to an AF_UNIX socket which will receive the console's master fd")
    p.add_argument("-b", "--bundle", default="", help="path to the root of the bundle directory")
    p.add_argument("-d", "--detach", action="store_true", help="detach from the container's process")
    p.add_argument("--pid-file", default="", help="specify the file to write the process id to")
    p.add_argument("--no-subreaper", action="store_true", help="disable the use of the subreaper used to reap reparented processes")
    p.add_argument("--no-pivot", action="store_true", help="do not use pivot root to jail process inside rootfs")
    p.add_argument("--lsm-profile", default="", help="Specify an LSM profile to be used during restore")
    p.add_argument("--lsm-mount-context", default="", help="Specify an LSM mount context to be used during restore")
    p.set_defaults(func=cmd_restore)


_MANAGE_MODES = ("", "soft", "full", "strict", "ignore")


def options(args, *, restore: bool) -> dict:
    """The flags as the backend receives them; runc's defaults and checks applied."""
    if args.manage_cgroups_mode not in _MANAGE_MODES:
        raise CliError("Invalid manage cgroups mode")
    image = args.image_path or os.path.join(os.getcwd(), "checkpoint")
    opts = {
        "images_directory": absolute(image),
        "work_directory": absolute(args.work_path),
        "tcp_established": args.tcp_established,
        "tcp_skip_in_flight": args.tcp_skip_in_flight,
        "link_remap": args.link_remap,
        "external_unix_connections": args.ext_unix_sk,
        "shell_job": args.shell_job,
        "file_locks": args.file_locks,
        "manage_cgroups_mode": args.manage_cgroups_mode or "soft",
        "empty_ns": list(args.empty_ns),
        "auto_dedup": args.auto_dedup,
        "lazy_pages": args.lazy_pages,
    }
    if restore:
        opts.update(bundle=args.bundle, detach=args.detach, pid_file=absolute(args.pid_file),
                    console_socket=args.console_socket, no_subreaper=args.no_subreaper,
                    no_pivot_root=args.no_pivot, lsm_profile=args.lsm_profile,
                    lsm_mount_context=args.lsm_mount_context)
    else:
        opts.update(parent_image=args.parent_path, leave_running=args.leave_running or args.pre_dump,
                    status_fd=args.status_fd, page_server=args.page_server, pre_dump=args.pre_dump)
    return opts


def _backend():
    from libcontainer import plugins
    from libcontainer.errors import NotBuiltError, PluginError

    name = os.environ.get(BACKEND_ENV, "criu")
    try:
        return plugins.checkpoint_backend(name)
    except NotBuiltError as e:
        raise CliError(f"checkpoint/restore is not available: {e}") from None
    except PluginError as e:
        raise CliError(f"checkpoint/restore is not available: {e}") from None


def cmd_checkpoint(args) -> int:
    from .common import full_container

    container_id(args)
    opts = options(args, restore=False)
    container = full_container(args)
    if str(container.status()) not in ("running", "paused"):
        raise CliError("container not running")
    _backend().checkpoint(container, opts)
    return 0


def cmd_restore(args) -> int:
    """runc's restore: a container is created from the bundle, then the backend fills it."""
    from libcontainer.factory import Factory

    from .common import forward_signals, write_pid_file
    from .create_run import _destroy_quietly, _prepare

    container_id(args)
    opts = options(args, restore=True)
    backend = _backend()  # fails before anything is created while no backend is built
    cid, config, process, pid_file, _ = _prepare(args, detach=args.detach)
    container = Factory(args.root).create(cid, config)
    try:
        backend.restore(container, process, opts)
        write_pid_file(pid_file, container.init_pid)
    except BaseException:
        _destroy_quietly(container)
        raise
    if args.detach:
        return 0
    forward_signals(process.pid)
    try:
        return process.wait().exit_code
    finally:
        _destroy_quietly(container)
