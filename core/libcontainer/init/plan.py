"""The init as a plan of native steps, for the configs simple enough to have one.

A Python init is a fork of the runtime's interpreter: every line it runs writes reference
counts into pages shared with its parent, ~700 copy-on-write faults and ~10 ms between
clone and execve here -- the longest leg of ``pyrunc run``. For a config whose every step
is a plain system call with its arguments known in advance, the runtime compiles those
steps here, in the order init/standard.py takes them, and ``_nsenter.clone_init`` runs them
in the child without ever returning to Python (native/initplan.c).

:func:`compile` returns None for anything it does not cover -- a user namespace, joins by
path, hooks, a terminal, a seccomp filter the runtime did not compile to a program (or one
with a notify listener to hand over), LSM labels, extra files, copy-up, id-mapped or
relabelled mounts, a destination that crosses a symlink in the rootfs... -- and the Python
init runs as before. ``LIBCONTAINER_NATIVE_INIT=0`` turns the native init off.

Differences that are deliberate: mount destinations are resolved with RESOLVE_NO_SYMLINKS
(the compiler already checked the rootfs has no symlink on the way, so only one that
appears later -- inside an earlier mount, or a race -- is refused, with ELOOP, where the
Python init would follow it inside the root); the user and HOME are looked up in the
rootfs's /etc/passwd and /etc/group before the clone (configs that mount over /etc keep
the Python init).
"""

from __future__ import annotations

import os

from .. import namespaces as ns
from ..rootfs.safepath import clean
from ..syscalls import (
    MS_BIND,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    MS_SLAVE,
    PR_SET_DUMPABLE,
    PR_SET_NO_NEW_PRIVS,
    PR_SET_PDEATHSIG,
)

# step codes: native/initplan.c's enum
PRCTL, EXPECT, SETSID, SETHOSTNAME, SETDOMAINNAME, RAW_MOUNT, OPEN_ROOT, MOUNT, JOIN, UNSHARE = range(1, 11)
CGROUP_V1, MKNOD, SYMLINK, PIVOT, DEV_NULL, REMOUNT_RO, ROOT_RO, UMASK, RO_PATH, MASK_PATH = range(11, 21)
MKDIR_CWD, RLIMIT, STDIO, BOUNDING, USER, PDEATHSIG, CHDIR, CAPS, EXEC, LOOPBACK_UP = range(21, 31)
SETNS, JOIN_FDS, SECCOMP, SYSCTL = 31, 32, 33, 34
K_SPECIAL, K_TMPFS, K_BIND, K_OTHER = 1, 2, 3, 4

_NEW_OK = {"NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET", "NEWCGROUP"}


class Unsupported(Exception):
    """This config needs the Python init."""


class Plan:
    """The byte string native/initplan.c decodes: u32 step, u16 nints, u16 nstrs, the
    integers as i64, the strings as u32 length + bytes + NUL. strs[0] is the error prefix."""

    def __init__(self):
        self.parts: list[bytes] = []

    def add(self, code: int, ints=(), strs=(), prefix: str = "") -> None:
        parts = self.parts
        parts.append(code.to_bytes(4, "little") + len(ints).to_bytes(2, "little")
                     + (len(strs) + 1).to_bytes(2, "little"))
        for i in ints:  # int.to_bytes, not struct (two modules fewer for `run` and `exec`)
            parts.append((i - _WRAP if i >= _HALF else i).to_bytes(8, "little", signed=True))
        parts.extend(encode_string(text) for text in (prefix, *strs))

    def bytes(self) -> bytes:
        return b"".join(self.parts)


def encode_string(text: str | bytes) -> bytes:
    """One string of a step: u32 length, the bytes, NUL."""
    if isinstance(text, bytes):  # binary (a BPF program): the step has its length
        b = text
    else:
        b = text.encode("utf-8", "surrogateescape")  # os.fsencode's encoding
        if b"\0" in b:
            raise Unsupported("NUL in a string")
    return len(b).to_bytes(4, "little") + b + b"\0"


_HALF, _WRAP = 1 << 63, 1 << 64  # an unsigned 64-bit value (RLIM_INFINITY) travels as its i64 bits


#: Clone the native init with CLONE_VM (``_nsenter.clone_init``'s share_memory): no page
#: tables copied, none of our pages made copy-on-write (a fork costs a Python runtime ~1 ms,
#: and its writes while the init lives ~500 faults). The init shares our dumpable flag then,
#: and makes it 0 for both: the CLI, a one-shot process, turns this on; a library caller
#: keeps the copy unless it sets it too.
SHARE_MEMORY = False


def enabled() -> bool:
    return os.environ.get("LIBCONTAINER_NATIVE_INIT", "1") != "0"


def share_memory(fifo_fd: int = -1, memfd: int | None = None) -> bool:
    """Whether this clone may share our memory: not for an init that would wait on the
    exec FIFO in it (no native finisher to exec), which would keep our whole heap mapped."""
    return SHARE_MEMORY and os.environ.get("LIBCONTAINER_SHARE_MEMORY", "1") != "0" and not (
        fifo_fd >= 0 and memfd is None)


def compile(config, process, *, fifo_fd: int, loopback: bool = False,  # noqa: A001
            seccomp=None) -> tuple[bytes, int | None] | None:
    """(the plan, the finisher's sealed memfd or None), or None when the Python init must
    run this config. With an exec FIFO the native finisher holds the created state, as it
    does after the Python init (init/finisher.py); the caller closes the memfd after the
    clone. ``loopback``: bring ``lo`` up in the init, as runc's loopback strategy does
    (the runtime then skips the strategy's own create). ``seccomp``: the config's filter
    as the runtime compiled it (seccomp/compiled.py): a program the init loads itself."""
    if not enabled():
        return None
    memfd = None
    try:
        _check_supported(config, process, seccomp=seccomp)
        if fifo_fd >= 0:
            from . import finisher

            memfd = finisher.prepare(config, process)
        return _compile(config, process, fifo_fd, memfd, loopback, seccomp), memfd
    except (Unsupported, OSError, LookupError, ValueError):
        if memfd is not None:
            os.close(memfd)
        return None


def _native_seccomp(seccomp) -> bool:
    """A program the native init can load: compiled, no notify listener to hand over (the
    Python init serves the seccomp agent), and flags this kernel has (else the Python init
    reports which one it lacks)."""
    from ..seccomp.compiled import Compiled

    if not isinstance(seccomp, Compiled) or seccomp.uses_notify:
        return False
    seccomp.check_flags()  # OSError: compile() leaves it to the Python init
    return True


def _check_supported(config, process, exec_: bool = False, seccomp=None) -> None:
    for n in config.namespaces or ():
        if (n.path and not exec_) or n.type not in _NEW_OK:
            raise Unsupported(n.type)
    if not exec_:
        if ns.find(config.namespaces, "NEWNS") is None or config.no_pivot_root:
            raise Unsupported("no mount namespace / no pivot_root")
        hooks = config.hooks
        if hooks is not None and not hooks.is_empty():
            raise Unsupported("hooks")
    if config.seccomp is not None and not _native_seccomp(seccomp):
        raise Unsupported("seccomp that needs the Python init")
    if config.apparmor_profile or config.process_label or config.mount_label or process.apparmor_profile or process.label:
        raise Unsupported("LSM")
    if process.terminal or getattr(process, "extra_files", None):
        raise Unsupported("terminal or extra files")
    if config.root_propagation and config.root_propagation not in (MS_SLAVE | MS_REC, MS_PRIVATE | MS_REC):
        raise Unsupported("root propagation")  # a shared one needs the parent mount's state
    from ..userns import running_in_user_ns

    if running_in_user_ns():
        raise Unsupported("rootless")


def _crosses_symlink(rootfs: str, path: str) -> bool:
    """Is an existing component of ``path`` in the rootfs (as the host sees it before any
    mount) a symlink? The native steps never follow one."""
    here = rootfs
    for part in [p for p in path.split("/") if p not in ("", ".")]:
        if part == "..":
            return True
        here = os.path.join(here, part)
        try:
            st = os.lstat(here)
        except FileNotFoundError:
            return False
        if (st.st_mode & 0o170000) == 0o120000:
            return True
    return False


def _mounts(plan: Plan, config, enter_cgroups) -> None:
    from ..configs.mount import EXT_COPYUP  # here: `exec` compiles no mounts
    from ..rootfs.fstype import EXPECTED
    from ..rootfs.mountinfo import is_under
    from ..rootfs.procguard import expected_magic

    mounted: list = []  # as the Python init's ctx.mounted (procguard's expectations)
    for m in config.mounts or ():
        if (m.extensions or 0) & EXT_COPYUP or m.rec_attr is not None or m.id_mapping is not None or m.relabel:
            raise Unsupported("mount extension")
        dest = clean(m.destination)
        if _crosses_symlink(config.rootfs, dest):
            raise Unsupported("symlink on the way")
        prefix = f"error mounting {m.source!r} to rootfs at {m.destination!r}: "
        props = list(m.propagation_flags or ())
        flags = m.flags or 0
        device = m.device
        if device in ("cgroup", "cgroup2"):
            enter_cgroups()
        want = expected_magic(dest, mounted) or 0
        if device in ("proc", "sysfs"):
            plan.add(MOUNT, [K_SPECIAL, flags, want, EXPECTED[device], 0, 0, *props],
                     [dest, m.source or device, device, m.data or ""], prefix)
        elif device == "cgroup":
            _cgroup(plan, config, m, dest, mounted, prefix, want, props)
        elif device == "bind" or flags & MS_BIND:
            if is_under(dest, "/proc"):
                raise Unsupported("a bind inside /proc")  # the Python init applies the policy
            remount = bool(flags & ~(MS_BIND | MS_REC | MS_REMOUNT) or m.cleared_flags)
            plan.add(MOUNT, [K_BIND, flags, want, 0, int(remount), m.cleared_flags or 0, *props],
                     [dest, m.source, "", ""], prefix)
        elif device == "tmpfs":
            plan.add(MOUNT, [K_TMPFS, flags, want, 0, 0, 0, *props], [dest, m.source or "tmpfs", "tmpfs", m.data or ""],
                     prefix)
        else:
            if device != "mqueue" and is_under(dest, "/proc"):
                raise Unsupported("a mount inside /proc")
            if dest == "/dev":
                flags &= ~MS_RDONLY
            plan.add(MOUNT, [K_OTHER, flags, want, 0, 0, 0, *props], [dest, m.source or device, device, m.data or ""],
                     prefix)
        mounted.append(m)


def _cgroup(plan: Plan, config, m, dest, mounted, prefix, want, props) -> None:
    """rootfs/cgroupmount.py's work: on v1 a tmpfs, then one entry per host hierarchy;
    the init finds its own cgroup in each from /proc/self/cgroup once it joined them."""
    from ..configs.mount import Mount
    from ..rootfs import cgroupmount, mountinfo

    if cgroupmount.unified():
        plan.add(MOUNT, [K_OTHER, m.flags or 0, want, 0, 0, 0, *props],
                 [dest, m.source or "cgroup2", "cgroup2", m.data or ""], prefix)
        return
    flags = cgroupmount.DEFAULT_FLAGS
    plan.add(MOUNT, [K_TMPFS, flags, want, 0, 0, 0, *props], [dest, "tmpfs", "tmpfs", "mode=755"], prefix)
    mounted.append(Mount(source="tmpfs", destination=dest, device="tmpfs", flags=flags, data="mode=755"))
    with open("/proc/self/cgroup") as f:
        own = cgroupmount.parse_proc_cgroup(f.read())
    strs = [dest]
    for h in cgroupmount.v1_hierarchies(mountinfo.read(), own):
        strs += [h.name, h.mountpoint, h.root, ",".join(h.subsystems)]
    cgroupns = ns.find(config.namespaces, "NEWCGROUP") is not None
    plan.add(CGROUP_V1, [m.flags or 0, int(cgroupns), *props], strs, prefix)


def _devices(plan: Plan, config) -> None:
    from ..rootfs.devices import DEV_SYMLINKS, NODE_TYPES

    for node in config.devices or ():
        if not node.path:
            continue
        path = clean(node.path)
        if path == "/dev/ptmx":
            continue
        if node.type not in NODE_TYPES:
            raise Unsupported("device type")
        if _crosses_symlink(config.rootfs, os.path.dirname(path)):
            raise Unsupported("symlink on the way")
        plan.add(MKNOD, [NODE_TYPES[node.type] | (node.file_mode & 0o7777), max(node.major, 0), max(node.minor, 0), node.uid,
                  node.gid, 0],
                 [path], f"error creating device nodes: {node.path}: ")
    plan.add(SYMLINK, [1], ["/dev", "ptmx", "pts/ptmx"], "")
    links = list(DEV_SYMLINKS)
    if os.path.exists("/proc/kcore"):
        links.append(("/proc/kcore", "core"))
    for src, name in links:
        plan.add(SYMLINK, [0], ["/dev", name, src], "")


def _user(root: str, process, files=None):
    """The user, looked up in the container's own /etc/passwd and /etc/group under
    ``root`` (the rootfs, or /proc/PID/root of a running container), as the Python init
    does once inside: opened with RESOLVE_IN_ROOT, so no symlink in them leads out.
    ``files``: the two files' bytes as :func:`user_files` read them."""
    from .. import user

    texts = [None if b is None else [ln.strip() for ln in b.decode("utf-8", "replace").splitlines()]
             for b in (files if files is not None else user_files(root))]
    return user.resolve_lines(process.user, process.additional_groups, texts[0], texts[1])


#: the files the user lookup reads, in :func:`user_files`' order
USER_FILES = ("/etc/passwd", "/etc/group")


def user_files(root: str, strict: bool = False) -> list[bytes | None]:
    """The bytes of :data:`USER_FILES` under ``root``; None for one that cannot be read
    (``strict``: only for one that does not exist -- any other error raises OSError)."""
    from ..rootfs.safepath import open_in_root

    root_fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        out: list[bytes | None] = []
        for name in USER_FILES:
            try:
                fd = open_in_root(root_fd, name, os.O_RDONLY)
            except OSError as e:
                if strict and not isinstance(e, FileNotFoundError):
                    raise
                out.append(None)
                continue
            with open(fd, "rb") as f:
                out.append(f.read())
        return out
    finally:
        os.close(root_fd)


#: what the user lookup reads, and the directories above it
_USER_FILES = frozenset({"/", "/etc", "/etc/passwd", "/etc/group"})


def _no_mount_over_etc(config) -> None:
    """The init's user is looked up before its mounts exist: none may cover the files the
    lookup reads. Others under /etc may be mounted: engines bind /etc/hosts, /etc/hostname
    and /etc/resolv.conf into every container (and /etc/passwd for a user the image lacks:
    that one keeps the Python init, which looks the user up after the mounts)."""
    for m in config.mounts or ():
        if clean(m.destination) in _USER_FILES:
            raise Unsupported("a mount over the user database")


def _compile(config, process, fifo_fd: int, memfd: int | None, loopback: bool, seccomp=None) -> bytes:
    from ..rootfs.procguard import expected_magic

    _no_mount_over_etc(config)
    exec_user = _user(config.rootfs, process)
    if not process.args:
        raise Unsupported("no args")

    p = Plan()
    p.add(PRCTL, [PR_SET_DUMPABLE, 0], (), "prctl: ")
    if config.parent_death_signal:
        p.add(PRCTL, [PR_SET_PDEATHSIG, config.parent_death_signal], (), "prctl: ")
    p.add(EXPECT, (), ["go"], "")
    p.add(SETSID)
    if loopback:
        p.add(LOOPBACK_UP, (), (), "unable to bring up loopback: ")
    if config.hostname:
        p.add(SETHOSTNAME, (), [config.hostname], "sethostname: ")
    if config.domainname:
        p.add(SETDOMAINNAME, (), [config.domainname], "setdomainname: ")
    rootfs = config.rootfs
    p.add(RAW_MOUNT, [config.root_propagation or (MS_SLAVE | MS_REC), 0, 0, 0], ["", "/", "", ""], "")
    p.add(RAW_MOUNT, [MS_BIND | MS_REC, 1, 0, 0], [rootfs, rootfs, "", ""], "")
    p.add(OPEN_ROOT, (), [rootfs], "")

    joined = []

    def enter_cgroups() -> None:
        if joined:
            return
        joined.append(True)
        p.add(JOIN, (), ["join"], "")
        if ns.find(config.namespaces, "NEWCGROUP") is not None:
            p.add(UNSHARE, [ns.CLONE_FLAGS["NEWCGROUP"]], (), "unshare: ")

    _mounts(p, config, enter_cgroups)
    enter_cgroups()
    p.add(EXPECT, (), ["cgroups"], "")
    if not any(m.device == "bind" and clean(m.destination) == "/dev" for m in config.mounts or ()):
        _devices(p, config)
        dev = True
    else:
        dev = False
    p.add(PIVOT, (), [rootfs], "")
    if dev:
        p.add(DEV_NULL)
    if config.sysctl:  # namespaces_setup.apply_sysctls, after pivot_root
        from ..procfs import sysctl_path

        for key, value in config.sysctl.items():
            p.add(SYSCTL, (), [sysctl_path(key), value], f"write sysctl key {key}: ")
    # finalize
    for m in config.mounts or ():
        if (m.flags or 0) & MS_RDONLY and (m.device == "tmpfs" or clean(m.destination) == "/dev"):
            p.add(REMOUNT_RO, [m.flags or 0], [clean(m.destination)], "")
    if config.readonlyfs:
        p.add(ROOT_RO, (), (), "error setting rootfs as readonly: ")
    p.add(UMASK, [config.umask if config.umask is not None else 0o022])
    for path in config.readonly_paths or ():  # masked.py checks them against the config's mounts
        p.add(RO_PATH, [expected_magic(path, config.mounts) or 0], [path], f"can't make {path!r} read-only: ")
    for path in config.mask_paths or ():
        p.add(MASK_PATH, [expected_magic(path, config.mounts) or 0], [path], f"can't mask path {path}: ")
    # what the init's getppid() says: 0 as the first process of a new PID namespace
    parent_pid = 0 if ns.find(config.namespaces, "NEWPID") is not None else os.getpid()
    _process_steps(p, config, process, exec_user, parent_pid, fifo_fd, memfd, ready=True,
                   seccomp=seccomp if config.seccomp is not None else None)
    return p.bytes()


def _process_steps(p: Plan, config, process, exec_user, parent_pid: int, fifo_fd: int, memfd: int | None, *,
                   ready: bool, seccomp=None) -> None:
    """process_setup.prepare and apply, then the execve (init and exec alike)."""
    env = _setup_steps(p, config, process, exec_user, parent_pid, seccomp)
    p.add(EXEC, [fifo_fd, -1 if memfd is None else memfd, config.parent_death_signal or 0, parent_pid,
                 len(process.args), int(ready)], [*process.args, *env])


def _setup_steps(p: Plan, config, process, exec_user, parent_pid: int, seccomp=None) -> list[str]:
    """The process steps before the EXEC step; returns the program's environment. The
    seccomp filter goes where init/security.py loads it: without no_new_privs before the
    bounding set is cut (loading needs CAP_SYS_ADMIN), with it as late as possible -- the
    EXEC step installs it right after the program lookup."""
    from .. import capabilities
    from ..configs.rlimit import rlimit_number

    env = list(process.env or [])
    if not any(e.startswith("HOME=") and len(e) > 5 for e in env):
        env = [e for e in env if not e.startswith("HOME=")] + [f"HOME={exec_user.home}"]
    caps = capabilities.for_process(config, process)
    rlimits = [(rlimit_number(rl.type), rl.soft, rl.hard)
               for rl in list(config.rlimits or ()) + list(process.rlimits or ())]
    stdio = [-1 if fd is None else fd for fd in process.stdio_fds()]
    cwd = process.cwd or "/"
    if process.cwd and process.cwd != "/":
        p.add(MKDIR_CWD, (), [process.cwd], "")
    for number, soft, hard in rlimits:
        p.add(RLIMIT, [number, soft, hard], (), f"error setting rlimit type {number}: ")
    umask = process.umask if process.umask is not None else config.umask
    p.add(UMASK, [0o022 if umask is None else umask])  # process_setup.DEFAULT_UMASK
    if stdio != [-1, -1, -1]:
        p.add(STDIO, stdio)
    nnp = bool(process.no_new_privileges or (process.no_new_privileges is None and config.no_new_privileges))
    if seccomp is not None:
        from ..seccomp.kernel import effective_flags

        p.add(SECCOMP, [effective_flags(seccomp.flags), int(nnp)], [seccomp.bpf], "")
    if caps is not None:
        p.add(BOUNDING, [caps.bounding, caps.last])
        p.add(PRCTL, [8, 1], (), "prctl: ")  # PR_SET_KEEPCAPS
    p.add(USER, [exec_user.uid, exec_user.gid, 1, *exec_user.sgids])
    if config.parent_death_signal:
        p.add(PDEATHSIG, [config.parent_death_signal, parent_pid])
    p.add(CHDIR, (), [cwd])
    if caps is not None:
        p.add(PRCTL, [8, 0], (), "prctl: ")
        p.add(CAPS, [caps.effective, caps.permitted, caps.inheritable, caps.ambient, caps.last])
    if nnp:
        p.add(PRCTL, [PR_SET_NO_NEW_PRIVS, 1], (), "prctl: ")
    return env


def compile_exec(config, process, init_pid: int, join_fds, seccomp=None) -> tuple[bytes, list[int]] | None:
    """The plan of an `exec` child forked straight into the container's PID namespace
    (exec_process.py's one-fork way), and the namespace descriptors it joins (the caller
    closes them after the clone); None: the Python child (init/setns_init.py).

    The steps are setns_init._in_container's: join the other namespaces and the cgroups,
    wait for "go", a session of its own, then the process steps. No "ready": the runtime
    takes the end of file at execve as the start.
    """
    if not enabled():
        return None
    from ..configs.namespace import NS_FILE_NAMES

    fds: list[int] = []
    try:
        _check_supported(config, process, exec_=True, seccomp=seccomp)
        exec_user = _user(f"/proc/{init_pid}/root", process)
        if not process.args:
            raise Unsupported("no args")
        p = Plan()
        p.add(PRCTL, [PR_SET_DUMPABLE, 0], (), "prctl: ")
        for ns_type in ns.JOIN_ORDER:
            if ns_type == "NEWPID" or ns.find(config.namespaces, ns_type) is None:
                continue  # born in the PID namespace; a namespace it shares with us is ours
            name = NS_FILE_NAMES[ns_type]
            path = f"/proc/{init_pid}/ns/{name}"
            if os.readlink(path) == os.readlink(f"/proc/self/ns/{name}"):
                continue
            fds.append(os.open(path, os.O_RDONLY | os.O_CLOEXEC))
            p.add(SETNS, [fds[-1], ns.CLONE_FLAGS[ns_type]], (), f"joining the container's {name} namespace: ")
        if join_fds:
            p.add(JOIN_FDS, list(join_fds), (), "joining the container's cgroups: ")
        p.add(EXPECT, (), ["go"], "")
        p.add(SETSID)
        _process_steps(p, config, process, exec_user, 0, -1, None, ready=False,
                       seccomp=seccomp if config.seccomp is not None else None)
        return p.bytes(), fds
    except (Unsupported, OSError, LookupError, ValueError):
        for fd in fds:
            os.close(fd)
        return None


def exec_template(config, process, seccomp=None) -> tuple[bytes, bytes, list[bytes | None]] | None:
    """What native/front_exec.c needs to run ``process`` as :func:`compile_exec` would,
    with other args and without Python: (the process steps -- everything after the joins,
    "go" and setsid the front adds itself -- the EXEC step's environment as encoded
    strings, the bytes of :data:`USER_FILES` the user was looked up in, None for one that
    does not exist). None where compile_exec would not compile it, or when the lookup
    could not read a file (the front then could not tell it unchanged)."""
    if not enabled():
        return None
    try:
        _check_supported(config, process, exec_=True, seccomp=seccomp)
        files = user_files(config.rootfs, strict=True)
        exec_user = _user(config.rootfs, process, files)
        p = Plan()
        env = _setup_steps(p, config, process, exec_user, 0, seccomp if config.seccomp is not None else None)
        return p.bytes(), b"".join(encode_string(e) for e in env), files
    except (Unsupported, OSError, LookupError, ValueError):
        return None
