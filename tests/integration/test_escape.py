"""Known runtime escapes, each attempted from inside a real container, and failing.

CVE-2024-21626 (leaked fds, cwd outside the root), CVE-2019-5736 (/proc/PID/exe of an
entering process), CVE-2019-19921/CVE-2021-30465 (mount targets replaced by symlinks),
CVE-2025-31133 (/dev/null swapped), CVE-2019-16884/CVE-2025-52881 (writes to /proc hitting
something else), and masked / read-only paths really being so.
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from test_rootfs_harness import make_config, mounts_of, run

from libcontainer import Factory, Process
from libcontainer.configs import Capabilities, Mount
from libcontainer.errors import ContainerStartError

pytestmark = pytest.mark.integration
DOCKER_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
               "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
               "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]


@pytest.fixture(autouse=True, params=["native init", "python init"])
def init_kind(request, monkeypatch):
    """Every attempt against both inits (init/plan.py's native one where the config has a
    plan, the Python one otherwise or when it is turned off)."""
    monkeypatch.setenv("LIBCONTAINER_NATIVE_INIT", "1" if request.param == "native init" else "0")
    return request.param


@pytest.fixture
def leaked_dir_fd(tmp_path):
    """A host directory fd the runtime's caller forgot to close (inheritable, not cloexec)."""
    d = tmp_path / "host-secret"
    d.mkdir()
    (d / "marker").write_text("host")
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    os.set_inheritable(fd, True)
    yield fd
    os.close(fd)


# -- CVE-2024-21626 ---------------------------------------------------------------------------
def test_cwd_through_a_leaked_fd_is_refused_for_run(rootfs, state_root, tmp_path, leaked_dir_fd, no_leaks):
    c = Factory(state_root).create("esc-cwd", make_config(rootfs))
    try:
        with pytest.raises(ContainerStartError, match="possible container breakout detected"):
            c.run(Process(args=["/bin/sh", "-c", "cat ../marker"], cwd=f"/proc/self/fd/{leaked_dir_fd}"))
    finally:
        c.destroy()


def test_cwd_through_a_leaked_fd_is_refused_for_exec(rootfs, state_root, tmp_path, leaked_dir_fd, no_leaks):
    c = Factory(state_root).create("esc-cwd2", make_config(rootfs))
    try:
        init = Process(args=["/bin/sleep", "30"])
        c.run(init)
        with pytest.raises(ContainerStartError, match="possible container breakout detected"):
            c.start(Process(args=["/bin/cat", "marker"], cwd=f"/proc/self/fd/{leaked_dir_fd}"))
        init.signal(9)
        init.wait()
    finally:
        c.destroy()


def _fds_seen(text: str) -> dict:
    """`ls -l /proc/self/fd` lines -> {fd: target}."""
    out = {}
    for line in text.splitlines():
        if " -> " in line:
            left, target = line.split(" -> ", 1)
            out[int(left.split()[-1])] = target
    return out


def test_no_host_fd_survives_into_run_or_exec(rootfs, state_root, tmp_path, leaked_dir_fd, no_leaks):
    out = open(tmp_path / "fds.out", "w+")
    c = Factory(state_root).create("esc-fds", make_config(rootfs))
    try:
        init = Process(args=["/bin/sh", "-c", "ls -l /proc/self/fd; echo ===; exec sleep 30"], stdout=out, stderr=out)
        c.run(init)
        ex = Process(args=["/bin/ls", "-l", "/proc/self/fd"], stdout=out, stderr=out)
        c.start(ex)
        assert ex.wait().code == 0
        init.signal(9)
        init.wait()
    finally:
        c.destroy()
    out.seek(0)
    text = out.read()
    run_part, exec_part = text.split("===", 1)
    for part in (run_part, exec_part):
        fds = _fds_seen(part)
        assert set(fds) <= {0, 1, 2, 3}, part  # 3: the directory ls is reading
        assert fds.get(3, "/proc").startswith("/proc"), part
        assert not any("host-secret" in t or "state" in t for t in fds.values()), part


# -- CVE-2019-5736 ----------------------------------------------------------------------------
WATCHER = r"""
n=0
while [ ! -e /stop ]; do
  for p in /proc/[0-9]*; do
    t=$(readlink $p/exe 2>/dev/null) && echo "exe $t"
    head -c1 $p/exe >/dev/null 2>&1 && echo "read ${p}"
  done
  n=$((n+1))
done
echo "rounds $n"
"""


@pytest.mark.parametrize("caps", [DOCKER_CAPS, None], ids=["docker-caps", "userns-full-caps"])
def test_proc_pid_exe_of_entering_processes_is_out_of_reach(rootfs, state_root, tmp_path, caps, no_leaks):
    """A loop in the container looks at every /proc/*/exe while processes enter it."""
    if caps is None:
        from libcontainer.configs import IDMap, Namespace

        size = 65536
        d = os.path.dirname(rootfs)
        while d not in ("/", "/tmp"):  # the mapped root must reach its rootfs
            os.chmod(d, os.stat(d).st_mode | 0o055)
            d = os.path.dirname(d)
        os.chown(rootfs, 100000, 100000)
        for dirpath, dirnames, filenames in os.walk(rootfs):
            for name in dirnames + filenames:
                os.lchown(os.path.join(dirpath, name), 100000, 100000)
        cfg = make_config(rootfs, namespaces=("NEWNS", "NEWUTS", "NEWIPC", "NEWPID", "NEWNET", "NEWUSER"),
                          uid_mappings=[IDMap(0, 100000, size)], gid_mappings=[IDMap(0, 100000, size)])
        cfg.namespaces.append(Namespace("NEWUSER")) if not any(n.type == "NEWUSER" for n in cfg.namespaces) else None
    else:
        cfg = make_config(rootfs, capabilities=Capabilities(bounding=caps, effective=caps, permitted=caps))
    out = open(tmp_path / "watch.out", "w+")
    c = Factory(state_root).create("esc-exe", cfg)
    try:
        init = Process(args=["/bin/sh", "-c", WATCHER], stdout=out, stderr=out)
        c.run(init)
        for _ in range(15):
            p = Process(args=["/bin/true"])
            c.start(p)
            p.wait()
        open(os.path.join(rootfs, "stop"), "w").close()
        assert init.wait().code == 0
    finally:
        c.destroy()
    out.seek(0)
    text = out.read()
    host_python = os.path.realpath(sys.executable)
    assert "rounds" in text and int(text.split("rounds")[1]) > 0
    exes = {line[4:] for line in text.splitlines() if line.startswith("exe ")}
    assert host_python not in exes and not any("python" in e for e in exes), exes
    assert not any(e.startswith(("/work", "/usr/lib/python", os.path.dirname(host_python))) for e in exes), exes


# -- mount targets through symlinks (CVE-2019-19921 / CVE-2021-30465 / CVE-2024-45310) ---------
def test_symlinks_planted_by_a_container_do_not_redirect_mounts(rootfs, state_root, tmp_path, no_leaks):
    host_target = tmp_path / "host-target"
    host_target.mkdir()
    # the first container plants its traps in its own rootfs
    status, out = run(state_root, make_config(rootfs), "ln -s " + str(host_target) + " /evil-abs; "
                      "ln -s ../../../../../../../.." + str(host_target) + " /evil-rel; "
                      "mkdir -p /data; ln -s / /data/escape; echo planted", tmp_path)
    assert status.code == 0 and "planted" in out, out
    src = tmp_path / "src"
    src.mkdir()
    (src / "payload").write_text("x")
    before = sorted(os.listdir(host_target))
    mounts = make_config(rootfs).mounts + [
        Mount(source=str(src), destination="/evil-abs", device="bind", flags=0x1000),
        Mount(source=str(src), destination="/evil-rel/sub", device="bind", flags=0x1000),
        Mount(source="tmpfs", destination="/data/escape/tmp/mounted-here", device="tmpfs"),
    ]
    cfg = make_config(rootfs, mounts)
    out = open(tmp_path / "second.out", "w+")
    c = Factory(state_root).create("esc-sym", cfg)
    try:
        p = Process(args=["/bin/sh", "-c", "ls /evil-abs; cat /proc/self/mountinfo"], stdout=out, stderr=out)
        c.start(p)
        ms = mounts_of(c.init_pid)
        c.exec()
        p.wait()
    finally:
        c.destroy()
    assert sorted(os.listdir(host_target)) == before  # nothing created or mounted on the host path
    assert not os.path.ismount(host_target)
    points = {m.mountpoint for m in ms}
    # every trap resolved inside the container's root
    assert str(host_target) in points  # /evil-abs -> <rootfs><host_target>
    assert os.path.isdir(os.path.join(rootfs, str(host_target).lstrip("/")))
    assert "/tmp/mounted-here" in points


# -- /dev/null swapped for a symlink (CVE-2025-31133) ------------------------------------------
def test_dev_null_symlink_to_a_host_knob_is_refused(rootfs, state_root, tmp_path, no_leaks):
    with open("/proc/sys/kernel/core_pattern") as f:
        core_pattern = f.read()
    os.makedirs(os.path.join(rootfs, "dev"), exist_ok=True)
    os.symlink("/proc/sys/kernel/core_pattern", os.path.join(rootfs, "dev", "null"))
    cfg = make_config(rootfs, [Mount(source="proc", destination="/proc", device="proc")],
                      mask_paths=["/proc/kcore", "/proc/keys"])
    with pytest.raises(ContainerStartError, match="can't mask path"):
        run(state_root, cfg, "echo '|/tmp/pwn' > /proc/kcore", tmp_path)
    with open("/proc/sys/kernel/core_pattern") as f:
        assert f.read() == core_pattern


# -- /dev/console swapped for a symlink (CVE-2025-52565) -------------------------------------
@pytest.mark.parametrize("link,target", [
    ("dev/console", "/proc/sys/kernel/core_pattern"),
    ("dev/console", "../proc/sysrq-trigger"),
    ("dev", "/proc/sys/kernel"),  # the whole /dev leads into procfs
])
def test_dev_console_symlink_is_never_mounted_over(rootfs, state_root, link, target, no_leaks):
    """The pty is bound over /dev/console: a symlink there must not redirect that mount."""
    with open("/proc/sys/kernel/core_pattern") as f:
        core_pattern = f.read()
    path = os.path.join(rootfs, link)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    os.symlink(target, path)
    cfg = make_config(rootfs, [
        Mount(source="proc", destination="/proc", device="proc"),
        Mount(source="devpts", destination="/dev/pts", device="devpts",
              data="newinstance,ptmxmode=0666,mode=0620"),
    ], devices=[])
    container = Factory(state_root).create("console-escape", cfg)
    try:
        with pytest.raises(ContainerStartError, match="console|/dev/pts"):
            container.start(Process(args=["/bin/true"], terminal=True))
    finally:
        container.destroy()
    with open("/proc/sys/kernel/core_pattern") as f:
        assert f.read() == core_pattern
    assert os.path.islink(path)


# -- writes to /proc that must hit the real procfs (CVE-2019-16884 / CVE-2025-52881) ---------
def test_proc_write_refuses_a_bind_mounted_decoy(tmp_path):
    """The config layer allows no bind inside /proc/sys, so the decoy is made the way a racing
    shared mount would make it: a bind over the sysctl file in our (private) mount namespace."""
    from libcontainer import procfs, syscalls

    decoy = tmp_path / "decoy"
    decoy.write_text("0\n")
    pid = os.fork()
    if pid == 0:
        try:
            sc = syscalls.get()
            sc.unshare(syscalls.CLONE_NEWNS)
            sc.mount(None, "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE, None)
            sc.mount(str(decoy), "/proc/sys/net/ipv4/ip_forward", None, syscalls.MS_BIND, None)
            try:
                procfs.write_file("sys/net/ipv4/ip_forward", "1")
            except procfs.ProcfsError as e:
                os._exit(0 if "covered by another mount" in str(e) else 2)
            os._exit(1)
        except BaseException:
            os._exit(3)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert decoy.read_text() == "0\n"


def test_proc_that_is_not_procfs_is_refused_for_sysctls(rootfs, state_root, tmp_path, no_leaks):
    os.makedirs(os.path.join(rootfs, "proc/sys/net/ipv4"), exist_ok=True)
    with open(os.path.join(rootfs, "proc/sys/net/ipv4/ip_forward"), "w") as f:
        f.write("0")
    cfg = make_config(rootfs, [], devices=[], sysctl={"net.ipv4.ip_forward": "1"})  # no procfs mounted
    with pytest.raises(ContainerStartError, match="not the root of a procfs"):
        run(state_root, cfg, "true", tmp_path)


# -- masked and read-only paths, read-only /sys ---------------------------------------------------
def test_masked_readonly_and_sys_readonly(rootfs, state_root, tmp_path, no_leaks):
    cfg = make_config(rootfs, mask_paths=["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
                      readonly_paths=["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"])
    assert any(m.device == "sysfs" and m.flags & 1 for m in cfg.mounts)  # the harness's /sys is ro
    script = ("cat /proc/kcore 2>/dev/null | wc -c; wc -c < /proc/keys; ls /sys/firmware | wc -l; "
              "echo 1 > /proc/sys/kernel/ns_last_pid && echo WROTE-SYSCTL; "
              "echo h > /proc/sysrq-trigger && echo WROTE-SYSRQ; "
              "echo x > /sys/kernel/uevent_helper && echo WROTE-SYS; "
              "mkdir /sys/fs/x && echo MKDIR-SYS; true")
    status, out = run(state_root, cfg, script, tmp_path)
    lines = out.splitlines()
    assert lines[:3] == ["0", "0", "0"], out
    assert "WROTE" not in out and "MKDIR" not in out, out
    assert out.count("Read-only file system") >= 3, out
    assert "timer_list" not in out
