"""The native init (init/plan.py + native/initplan.c) against the Python init.

The same config, run once each way, must build the same container as seen from inside
(mounts with their options, devices, credentials, capabilities, limits, environment) and
fail with the same message; configs the plan does not cover must get the Python init. The
executor itself is also driven directly with small plans, for what a container run cannot
force: a "join" whose descriptors arrive in the same read as the "go" before it.
"""

from __future__ import annotations

import copy as copy_module
import errno
import json
import os
import shutil
import socket

import pytest
from test_rootfs_harness import (
    MS_BIND,
    MS_NODEV,
    MS_NOSUID,
    MS_RDONLY,
    MS_REC,
    MS_SLAVE,
    cid,
    make_config,
)

from libcontainer import Factory, Process, _nsenter, specconv, syscalls
from libcontainer.configs import Capabilities, Mount, Rlimit
from libcontainer.errors import ContainerStartError
from libcontainer.init import plan

pytestmark = pytest.mark.integration

REPORT = (
    "grep -E '^(Cap|NoNewPrivs|Uid|Gid|Groups)' /proc/self/status; id; env | sort; umask; pwd; ulimit -n;"
    " hostname; cat /proc/sys/kernel/domainname; cut -d' ' -f4- /proc/self/mountinfo;"
    " stat -c '%n %a %u %g %t %T %F' /dev/* /dev/pts/ptmx; ls -l /dev/fd /dev/ptmx | sed 's/.* \\/dev/\\/dev/';"
    " ls /sys/fs/cgroup; cat /proc/keys | wc -c; cat /sys/class/net/lo/flags; touch /x 2>&1; echo done"
)


class Spy(syscalls.LinuxSyscalls):
    """The real layer, counting which clone the runtime used for the init."""

    def __init__(self):
        self.native = self.python = 0

    def clone(self, flags, cgroup_fd=-1):
        pid = super().clone(flags, cgroup_fd)
        if pid:
            self.python += 1
        return pid

    def clone_init(self, flags, cgroup_fd, plan, sync_fd, share_memory=False):
        self.native += 1
        return super().clone_init(flags, cgroup_fd, plan, sync_fd, share_memory)


def run_once(state_root, config, tmp_path, native: bool, monkeypatch, args=("/bin/sh", "-c", REPORT), **proc):
    """Run the config to completion one way; -> (exit code, output, spy)."""
    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "1" if native else "0")
    name = cid("native" if native else "python")
    out = open(tmp_path / f"{name}.out", "w+")
    container = Factory(state_root).create(name, config)
    spy = Spy()
    try:
        p = Process(args=list(args), stdout=out, stderr=out, **proc)
        with syscalls.use(spy):
            container.run(p)
        code = p.wait().code
    finally:
        container.destroy()
    out.seek(0)
    return code, out.read(), spy


def example_config(rootfs, tmp_path):
    spec = specconv.example_spec()
    spec["root"]["path"] = rootfs
    spec["process"]["terminal"] = False
    config = specconv.create_config(spec, container_id=cid(), bundle=str(tmp_path))
    config.cgroups = None  # the init's own work is compared; it stays in the test's cgroups
    return config


def both_ways(state_root, config, tmp_path, monkeypatch, **proc):
    """Each way on its own copy of the rootfs (what one init creates in it, the other
    would find), the copies' paths written alike in the outputs."""
    results = []
    for native in (True, False):
        copy = str(tmp_path / ("rootfs-native" if native else "rootfs-python"))
        shutil.copytree(config.rootfs, copy, symlinks=True)
        one = copy_module.copy(config)
        one.rootfs = copy
        code, out, spy = run_once(state_root, one, tmp_path, native, monkeypatch, **proc)
        results.append((code, out.replace(copy, "<rootfs>"), spy))
    native, python = results
    assert native[2].native == 1 and native[2].python == 0, "the native init was not used"
    assert python[2].native == 0 and python[2].python == 1
    return native, python


def test_example_spec_same_container_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    native, python = both_ways(state_root, example_config(rootfs, tmp_path), tmp_path, monkeypatch)
    assert native[0] == python[0] == 0, native[1]
    assert native[1] == python[1]
    out = native[1]
    assert "CapBnd:\t0000000020000420" in out and "NoNewPrivs:\t1" in out
    assert " - proc proc rw" in out and "/sys/fs/cgroup" in out and "Read-only file system" in out
    assert "/dev/null 666 0 0 1 3 character special file" in out and out.rstrip().endswith("done")
    assert "\n0x9\n" in out  # lo is IFF_UP | IFF_LOOPBACK: the loopback network, brought up by the init


def test_richer_config_same_container_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    """Binds (read-only, recursive, a file), propagation, a read-only tmpfs, read-only and
    masked paths, a user with groups, a cwd to create, limits, ambient capabilities."""
    shared = tmp_path / "shared"
    (shared / "sub").mkdir(parents=True)
    (shared / "file").write_text("host file\n")
    mounts = make_config(rootfs).mounts + [
        Mount(source=str(shared), destination="/mnt/ro", device="bind", flags=MS_BIND | MS_REC | MS_RDONLY,
              propagation_flags=[MS_SLAVE | MS_REC]),
        Mount(source=str(shared / "file"), destination="/opt/host/file", device="bind", flags=MS_BIND),
        Mount(source="tmpfs", destination="/run/ro", device="tmpfs", flags=MS_RDONLY | MS_NOSUID | MS_NODEV,
              data="size=1m"),
        Mount(source="tmpfs", destination="/run/work", device="tmpfs", data="size=1m"),
    ]
    config = make_config(
        rootfs, mounts, hostname="natbox", domainname="example.org", readonlyfs=True,
        readonly_paths=["/proc/sys", "/proc/bus"], mask_paths=["/proc/kcore", "/proc/acpi", "/sys/firmware"],
        rlimits=[Rlimit(type=7, hard=4096, soft=2048)],  # RLIMIT_NOFILE
        capabilities=Capabilities(bounding=["CAP_NET_BIND_SERVICE", "CAP_KILL", "CAP_SETUID"],
                                  effective=["CAP_NET_BIND_SERVICE"], permitted=["CAP_NET_BIND_SERVICE"],
                                  inheritable=["CAP_NET_BIND_SERVICE"], ambient=["CAP_NET_BIND_SERVICE"]),
        parent_death_signal=9, umask=0o022,
    )
    script = REPORT + "; cat /mnt/ro/file /opt/host/file; touch /mnt/ro/x /run/ro/x 2>&1; ls -d /run/work/dir"
    native, python = both_ways(state_root, config, tmp_path, monkeypatch,
                               args=("/bin/sh", "-c", script), user="1000:1000", additional_groups=["10", "20"],
                               cwd="/run/work/dir", env=["PATH=/bin", "A=b"], umask=0o027)
    assert native[0] == python[0] == 0, native[1]
    assert native[1] == python[1]
    out = native[1]
    assert "Uid:\t1000\t1000\t1000\t1000" in out and "Groups:\t10 20" in out
    assert "host file" in out and "/mnt/ro/x: Read-only file system" in out and "/run/ro/x: Read-only file system" in out
    assert "CapAmb:\t0000000000000400" in out and "HOME=/" in out and "natbox" in out and "example.org" in out
    assert "/run/work/dir" in out and "2048" in out and "0027" in out


def test_same_error_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    config = make_config(rootfs, make_config(rootfs).mounts + [
        Mount(source=str(tmp_path / "missing"), destination="/mnt", device="bind", flags=MS_BIND)])
    messages = []
    for native in (True, False):
        monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "1" if native else "0")
        container = Factory(state_root).create(cid(), config)
        with pytest.raises(ContainerStartError) as e:
            container.run(Process(args=["/bin/true"]))
        container.destroy()
        messages.append(str(e.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("[Errno 2] error mounting ") and "No such file or directory" in messages[0]


def test_missing_program_same_error_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    messages = []
    for native in (True, False):
        monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "1" if native else "0")
        container = Factory(state_root).create(cid(), make_config(rootfs))
        with pytest.raises(ContainerStartError) as e:
            container.run(Process(args=["no-such-program"]))
        container.destroy()
        messages.append(str(e.value))
    assert messages == ['exec: "no-such-program": executable file not found in $PATH'] * 2


def test_an_engines_binds_over_etc_same_container_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    """podman binds /etc/hosts and /etc/hostname (and its seccomp profile and a sysctl)
    into every container: the native init takes such a config, and the user and HOME come
    out the same as from the Python init, which looks them up after the mounts."""
    files = tmp_path / "engine"
    files.mkdir()
    (files / "hosts").write_text("127.0.0.1 localhost engine-host\n")
    (files / "hostname").write_text("engine-box\n")
    mounts = make_config(rootfs).mounts + [
        Mount(source=str(files / "hosts"), destination="/etc/hosts", device="bind", flags=MS_BIND),
        Mount(source=str(files / "hostname"), destination="/etc/hostname", device="bind", flags=MS_BIND)]
    config = make_config(rootfs, mounts, sysctl={"net.ipv4.ping_group_range": "0 0"})
    script = "cat /etc/hosts /etc/hostname; id; echo HOME=$HOME"
    native, python = both_ways(state_root, config, tmp_path, monkeypatch, args=("/bin/sh", "-c", script),
                               user="1000:1000")
    assert native[0] == python[0] == 0, native[1] + python[1]
    assert native[1] == python[1]
    assert "engine-host" in native[1] and "engine-box" in native[1] and "uid=1000" in native[1]


def test_podmans_config_gets_the_native_init(rootfs, tmp_path):
    """The parts of the config.json podman 4.3 writes for `podman run --network none`: binds
    over /etc/hosts and /etc/hostname, /dev/shm and /run/.containerenv, its default sysctl,
    a seccomp profile, rlimits and a umask. None of them keeps the Python init any more."""
    pytest.importorskip("pyseccomp")
    from libcontainer.seccomp import compiled

    for name in ("hosts", "hostname", "containerenv"):
        (tmp_path / name).write_text("x\n")
    (tmp_path / "shm").mkdir()
    spec = specconv.example_spec()
    spec["root"]["path"] = rootfs
    spec["process"].update(terminal=False, user={"uid": 0, "gid": 0, "umask": 18},
                           rlimits=[{"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 4096}])
    spec["mounts"] += [
        {"destination": "/etc/hosts", "type": "bind", "source": str(tmp_path / "hosts"), "options": ["bind", "rprivate"]},
        {"destination": "/dev/shm", "type": "bind", "source": str(tmp_path / "shm"), "options": ["bind", "rprivate"]},
        {"destination": "/run/.containerenv", "type": "bind", "source": str(tmp_path / "containerenv"),
         "options": ["bind", "rprivate"]},
        {"destination": "/etc/hostname", "type": "bind", "source": str(tmp_path / "hostname"),
         "options": ["bind", "rprivate"]},
    ]
    spec["mounts"] = [m for m in spec["mounts"] if m["destination"] != "/dev/shm" or m["type"] == "bind"]
    spec["linux"]["sysctl"] = {"net.ipv4.ping_group_range": "0 0"}
    spec["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                                "syscalls": [{"names": ["read", "write", "execve", "exit_group"], "action": "SCMP_ACT_ALLOW"}]}
    config = specconv.create_config(spec, container_id=cid(), bundle=str(tmp_path))
    process = Process(args=["/bin/true"], user="0:0")
    program = compiled.for_config(config.seccomp, None)
    assert plan.compile(config, process, fifo_fd=-1, seccomp=program) is not None
    assert plan.compile(config, process, fifo_fd=-1) is None  # the profile needs the runtime's program


def test_sysctls_same_container_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    """What podman sends by default (net.ipv4.ping_group_range), an ipc and a uts key, and the
    slash form: written on the container's procfs after pivot_root, by either init, before
    /proc/sys is made read-only."""
    sysctl = {"net.ipv4.ping_group_range": "0 0", "kernel.shmmax": "123456789", "kernel/msgmax": "9999",
              "net.ipv4.ip_unprivileged_port_start": "80"}
    config = make_config(rootfs, sysctl=sysctl, readonly_paths=["/proc/sys"])
    script = ("cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmax /proc/sys/kernel/msgmax "
              "/proc/sys/net/ipv4/ip_unprivileged_port_start; echo 1 > /proc/sys/kernel/shmmax; echo done")
    native, python = both_ways(state_root, config, tmp_path, monkeypatch, args=("/bin/sh", "-c", script))
    assert native[0] == python[0] == 0, native[1] + python[1]
    assert native[1] == python[1]
    assert native[1].split()[:5] == ["0", "0", "123456789", "9999", "80"]
    assert "Read-only file system" in native[1] and native[1].rstrip().endswith("done")
    with open("/proc/sys/kernel/shmmax") as f:
        assert f.read().strip() != "123456789"  # the container's ipc namespace, not ours


def test_sysctl_errors_same_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    """An unknown key, and a /proc that is the image's own directory (no procfs mounted
    there: CVE-2019-16884's decoy), fail the same way in both inits."""
    cases = [
        (make_config(rootfs, sysctl={"net.ipv4.no_such_knob": "1"}), "[Errno 2] write sysctl key net.ipv4.no_such_knob: "
                                                                   "No such file or directory"),
        (make_config(rootfs, [m for m in make_config(rootfs).mounts if m.destination != "/proc"],
                     sysctl={"kernel.shmmax": "1"}),
         "[Errno 1] write sysctl key kernel.shmmax: /proc is not the root of a procfs mount: refusing to use it"),
    ]
    for config, expected in cases:
        messages = []
        for native in (True, False):
            monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "1" if native else "0")
            spy = Spy()
            container = Factory(state_root).create(cid(), config)
            try:
                with syscalls.use(spy), pytest.raises(ContainerStartError) as e:
                    container.run(Process(args=["/bin/true"]))
            finally:
                container.destroy()
            assert (spy.native, spy.python) == ((1, 0) if native else (0, 1))
            messages.append(str(e.value))
        assert messages == [expected, expected]


@pytest.mark.parametrize("nnp", [False, True], ids=["filter before the capabilities", "no_new_privs: filter last"])
def test_seccomp_profile_same_container_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks, nnp):
    """An engine's kind of profile (default ERRNO, an allow list, argument conditions) goes
    native: the runtime compiles it, the init loads the program. Both inits refuse and
    allow the same calls, and the init runs filtered (Seccomp: 2 from outside)."""
    pytest.importorskip("pyseccomp")
    from libcontainer.configs import Arg, Seccomp, Syscall
    from libcontainer.configs.seccomp import Action, Operator
    from libcontainer.seccomp.newer_syscalls import NEWER_SYSCALLS

    allowed = [n for n in _SYSCALLS if n not in NEWER_SYSCALLS]
    rules = [Syscall(n, Action.ALLOW) for n in allowed]
    rules += [Syscall("kill", Action.ERRNO, errno.ENOSPC, [Arg(1, 0, 0, Operator.EQUAL_TO)]),
              Syscall("chmod", Action.ERRNO, errno.EXDEV), Syscall("fchmodat", Action.ERRNO, errno.EXDEV)]
    config = example_config(rootfs, tmp_path)
    config.no_new_privileges = nnp
    config.seccomp = Seccomp(default_action=Action.ERRNO, default_errno_ret=errno.ENOSYS,
                             architectures=["amd64", "x86", "x32"], syscalls=rules)
    script = ("grep -E '^(Seccomp|NoNewPrivs)' /proc/self/status; kill -0 $$; echo k0=$?; "
              "chmod 1 /tmp; echo chmod=$?; mkdir /dev/shm/d; echo mkdir=$?; echo done")
    native, python = both_ways(state_root, config, tmp_path, monkeypatch, args=("/bin/sh", "-c", script))
    assert native[0] == python[0] == 0, native[1] + python[1]
    assert native[1] == python[1]
    out = native[1]
    assert "Seccomp:\t2" in out and f"NoNewPrivs:\t{int(nnp)}" in out
    assert "k0=1" in out and "No space left on device" in out
    assert "chmod=1" in out and "cross-device" in out
    assert "mkdir=0" in out and out.rstrip().endswith("done")


def test_an_init_that_failed_leaves_no_filter_for_the_next(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    """Sharing our memory (CLONE_VM), one init after another uses the same step code: an init
    that died between its no_new_privs filter's step and the EXEC step that installs it must
    not hand that filter to the next container."""
    pytest.importorskip("pyseccomp")
    from libcontainer.configs import Seccomp, Syscall
    from libcontainer.configs.seccomp import Action

    monkeypatch.setattr(plan, "SHARE_MEMORY", True)
    first = make_config(rootfs)
    first.no_new_privileges = True
    first.seccomp = Seccomp(default_action=Action.ALLOW, syscalls=[Syscall("mkdir", Action.ERRNO)])
    spy = Spy()
    container = Factory(state_root).create(cid(), first)
    try:
        with syscalls.use(spy), pytest.raises(ContainerStartError, match="chdir to cwd"):
            container.run(Process(args=["/bin/true"], cwd="/etc/passwd"))  # a file: fails at CHDIR
    finally:
        container.destroy()
    assert spy.native == 1
    out = open(tmp_path / "second.out", "w+")
    container = Factory(state_root).create(cid(), make_config(rootfs))
    try:
        p = Process(args=["/bin/sh", "-c", "grep ^Seccomp: /proc/self/status; mkdir /dev/y; echo mkdir=$?"],
                    stdout=out, stderr=out)
        with syscalls.use(spy):
            container.run(p)
        assert p.wait().code == 0
    finally:
        container.destroy()
    out.seek(0)
    text = out.read()
    assert spy.native == 2 and "Seccomp:\t0" in text and "mkdir=0" in text, text


#: what busybox's sh, grep, kill, chmod, mkdir and the init's last steps call (x86_64)
_SYSCALLS = (
    "read", "write", "open", "openat", "close", "stat", "fstat", "lstat", "newfstatat", "statx", "poll", "lseek",
    "mmap", "mprotect", "munmap", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "pread64",
    "readv", "writev", "access", "faccessat", "faccessat2", "pipe", "pipe2", "select", "pselect6", "dup", "dup2",
    "dup3", "getpid", "getppid", "clone", "clone3", "fork", "vfork", "execve", "execveat", "exit", "exit_group",
    "wait4", "uname", "fcntl", "getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "getdents64", "getuid",
    "getgid", "geteuid", "getegid", "setuid", "setgid", "setresuid", "setresgid", "setgroups", "getgroups",
    "setsid", "getpgrp", "setpgid", "capget", "capset", "prctl", "arch_prctl", "set_tid_address",
    "set_robust_list", "rseq", "prlimit64", "getrlimit", "setrlimit", "umask", "close_range", "sendto",
    "recvmsg", "sendmsg", "recvfrom", "getrandom", "sysinfo", "readlink", "readlinkat", "futex", "sched_getaffinity", "gettid",
    "tgkill", "sigaltstack", "madvise", "getpgid", "getsid",
)


def test_uncovered_configs_get_the_python_init(rootfs, tmp_path):
    from libcontainer.configs import Hooks, Namespace

    def compiled(config, **proc) -> bool:
        return plan.compile(config, Process(args=["/bin/true"], **proc), fifo_fd=-1) is not None

    assert compiled(make_config(rootfs))
    assert not compiled(make_config(rootfs, namespaces=("NEWNS", "NEWPID", "NEWUSER")))
    assert compiled(make_config(rootfs, sysctl={"kernel.shmmax": "1"}))  # written by the native init too
    assert not compiled(make_config(rootfs), terminal=True)
    assert not compiled(make_config(rootfs, process_label="x"))
    cfg = make_config(rootfs)
    cfg.namespaces.append(Namespace("NEWNET", path="/proc/1/ns/net"))
    assert not compiled(cfg)
    assert not compiled(make_config(rootfs, hooks=Hooks(prestart=[object()])))
    os.symlink("/somewhere", os.path.join(rootfs, "link"))
    assert not compiled(make_config(rootfs, make_config(rootfs).mounts + [
        Mount(source="tmpfs", destination="/link/x", device="tmpfs")]))
    assert not compiled(make_config(rootfs, make_config(rootfs).mounts + [
        Mount(source="/etc", destination="/etc", device="bind", flags=MS_BIND)]))
    assert not compiled(make_config(rootfs, make_config(rootfs).mounts + [
        Mount(source="/etc/passwd", destination="/etc/passwd", device="bind", flags=MS_BIND)]))
    assert compiled(make_config(rootfs, make_config(rootfs).mounts + [  # what engines bind
        Mount(source="/etc/hosts", destination="/etc/hosts", device="bind", flags=MS_BIND)]))


# -- the executor driven directly ------------------------------------------------------------


def _lines(sock) -> list[dict]:
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return [json.loads(line) for line in data.splitlines()]
        data += chunk


def test_join_fds_that_arrive_with_go_are_not_lost():
    """"go" and "join" (with a cgroup file's descriptor) both sent before the child reads."""
    p = plan.Plan()
    p.add(plan.EXPECT, (), ["go"])
    p.add(plan.JOIN, (), ["join"])
    p.add(plan.EXEC, [-1, -1, 0, 0, 1], ["/bin/true", "PATH=/usr/bin:/bin"])
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    r, w = os.pipe()
    try:
        parent.sendall(b'{"type": "go"}\n')
        socket.send_fds(parent, [b'{"type": "join"}\n'], [w])
        os.close(w)
        pid = _nsenter.clone_init(0, -1, p.bytes(), child.fileno())
        child.close()
        msgs = _lines(parent)
        _, status = os.waitpid(pid, 0)
        assert msgs == [{"type": "ready", "pid": pid}]
        assert os.waitstatus_to_exitcode(status) == 0
        assert os.read(r, 10) == b"0"  # the init wrote "0" into the file it was given
    finally:
        os.close(r)
        parent.close()


def test_a_failed_step_reports_an_error_and_exits():
    p = plan.Plan()
    p.add(plan.EXPECT, (), ["go"])
    p.add(plan.RAW_MOUNT, [MS_BIND, 1, 0, 0], ["/nonexistent-source", "/nonexistent-target", "", ""], "my step: ")
    p.add(plan.EXEC, [-1, -1, 0, 0, 1], ["/bin/true"])
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        parent.sendall(b'{"type": "go"}\n')
        pid = _nsenter.clone_init(0, -1, p.bytes(), child.fileno())
        child.close()
        msgs = _lines(parent)
        _, status = os.waitpid(pid, 0)
        assert msgs == [{"type": "error", "message": "[Errno 2] my step: No such file or directory"}]
        assert os.waitstatus_to_exitcode(status) == 1
    finally:
        parent.close()


def test_clone_init_refuses_flags_it_does_not_support():
    with pytest.raises(ValueError):
        _nsenter.clone_init(0x10000000, -1, b"", 0)  # CLONE_NEWUSER


def test_exec_same_process_both_ways(rootfs, state_root, tmp_path, monkeypatch, no_leaks):
    """`exec` into a running container: the native child and the Python one make the same
    process (credentials, capabilities, limits, environment, cwd, namespaces, cgroups)."""
    config = example_config(rootfs, tmp_path)
    container = Factory(state_root).create(cid(), config)
    init = Process(args=["/bin/sleep", "60"])
    container.run(init)
    script = ("grep -E '^(Cap|NoNewPrivs|Uid|Gid|Groups)' /proc/self/status; id; env | sort; umask; pwd;"
              " ulimit -n; hostname; cat /proc/self/cgroup; ls -l /proc/self/fd | wc -l")
    outputs = []
    try:
        for native in (True, False):
            monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "1" if native else "0")
            spy = Spy()
            out = open(tmp_path / f"exec-{native}.out", "w+")
            proc = Process(args=["/bin/sh", "-c", script], stdout=out, stderr=out, user="1000:1000",
                           additional_groups=["10"], cwd="/dev/shm/made", env=["PATH=/bin", "X=1"], umask=0o027,
                           capabilities={"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
                                         "permitted": ["CAP_KILL"], "ambient": ["CAP_KILL"],
                                         "inheritable": ["CAP_KILL"]})
            with syscalls.use(spy):
                container.start(proc)
            assert proc.wait().code == 0
            assert spy.native == (1 if native else 0)
            out.seek(0)
            outputs.append(out.read())
            os.rmdir(f"/proc/{init.pid}/root/dev/shm/made")  # each way makes the cwd itself
    finally:
        container.signal(9)
        init.wait()
        container.destroy()
    assert outputs[0] == outputs[1]
    assert "Uid:\t1000\t1000\t1000\t1000" in outputs[0] and "CapAmb:\t0000000000000020" in outputs[0]
    assert "/dev/shm/made" in outputs[0] and "0027" in outputs[0] and "HOME=/" in outputs[0]
    # the namespaces and cgroups: test_lifecycle.py's test_exec_joins_every_namespace_and_returns_status


# -- CLONE_VM: the init sharing the runtime's memory (the CLI's way) ----------------------------

KCMP_VM = 1


def _shares_memory(pid_a: int, pid_b: int) -> bool:
    """kcmp(2) KCMP_VM: do the two processes use the same address space? (ctypes: a test
    may import what the runtime must not)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    nr = {"x86_64": 312, "aarch64": 272}[os.uname().machine]
    r = libc.syscall(nr, pid_a, pid_b, KCMP_VM, 0, 0)
    assert r >= 0, os.strerror(ctypes.get_errno())
    return r == 0


def _waiting_init(share: bool):
    """A native init waiting for "go" (then exec'ing /bin/true); -> (pid, parent socket)."""
    p = plan.Plan()
    p.add(plan.EXPECT, (), ["go"])
    p.add(plan.EXEC, [-1, -1, 0, 0, 1, 1], ["/bin/true", "PATH=/usr/bin:/bin"])
    parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    data = p.bytes()
    pid = _nsenter.clone_init(0, -1, data, child.fileno(), share)
    child.close()
    return pid, parent, data


@pytest.mark.skipif(os.uname().machine not in ("x86_64", "aarch64"), reason="CLONE_VM init: x86_64/aarch64 only")
def test_shared_memory_init_runs_in_our_address_space_and_leaves_it_at_execve():
    dumpable = _nsenter.prctl(3)  # PR_GET_DUMPABLE: the init makes it 0 for both of us
    first = second = None
    try:
        first = _waiting_init(True)
        assert _shares_memory(os.getpid(), first[0])  # no copy of our page tables
        # a second one while the first still runs in our memory: a copy (the steps' state is taken)
        second = _waiting_init(True)
        assert not _shares_memory(os.getpid(), second[0])
        for pid, sock, _ in (first, second):
            sock.sendall(b'{"type": "go"}\n')
            assert _lines(sock) == [{"type": "ready", "pid": pid}]  # EOF: it exec'd
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
            sock.close()
        # and the next one may share again: the first left our memory at its execve
        third = _waiting_init(True)
        assert _shares_memory(os.getpid(), third[0])
        third[1].sendall(b'{"type": "go"}\n')
        _lines(third[1])
        os.waitpid(third[0], 0)
        third[1].close()
    finally:
        _nsenter.prctl(4, dumpable)  # PR_SET_DUMPABLE: back to what pytest had


def test_the_cli_clones_its_init_sharing_memory(rootfs, state_root, tmp_path, no_leaks):
    """pyrunc run: the init (and an exec'd child) are cloned with CLONE_VM; the container is
    the same as the library's (which copies)."""
    import subprocess
    import sys

    spec = specconv.example_spec()
    spec["root"]["path"] = rootfs
    spec["process"]["terminal"] = False
    spec["process"]["args"] = ["/bin/sh", "-c", REPORT]
    spec["linux"].pop("resources", None)
    name = cid()  # both runs the same (the cgroup's name shows in the mounts)
    spec["linux"]["cgroupsPath"] = f"pyrunc-native-{name}"  # relative: under the test's own cgroup
    (tmp_path / "config.json").write_text(json.dumps(spec))
    pyrunc = os.path.join(os.path.dirname(sys.executable), "pyrunc")
    trace = tmp_path / "strace"
    outs = []
    for share in ("1", "0"):
        r = subprocess.run(["strace", "-f", "-e", "trace=clone", "-o", str(trace), pyrunc, "--root", state_root,
                            "run", "--bundle", str(tmp_path), name],
                           capture_output=True, text=True, env=dict(os.environ, LIBCONTAINER_SHARE_MEMORY=share))
        assert r.returncode == 0, r.stderr
        outs.append(r.stdout)
        clones = [ln for ln in trace.read_text().splitlines() if "CLONE_NEWPID" in ln]
        assert len(clones) == 1 and ("CLONE_VM" in clones[0]) == (share == "1"), clones
    assert outs[0] == outs[1] and outs[0].rstrip().endswith("done")
