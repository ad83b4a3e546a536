"""The last steps before execve, shared by both init paths (new container and exec).

runc's order (standard_init_linux.go, setns_init_linux.go, finalizeNamespace):

* LSM exec labels (AppArmor profile, SELinux process label) are written while the runtime
  still has its capabilities; they take effect at execve.
* Without no_new_privs, loading a seccomp filter needs CAP_SYS_ADMIN, so the filter goes in
  *before* the capabilities are dropped; with no_new_privs it goes in as late as possible -
  after the user change, the capabilities, the working directory and the program lookup -
  so that as few of the runtime's own syscalls as possible run under it.
* The bounding set is cut before the user change, KEEPCAPS holds the permitted set across
  it, then capset and the ambient raise (libcontainer.capabilities).
* The working directory must be inside the container's root once we are there: a cwd such
  as /proc/self/fd/N naming a leaked host directory would put the process outside of it
  (CVE-2024-21626).

Everything that needs the host's filesystem (plugin discovery, libseccomp, the host's LSM
state) happens in the constructor, which both paths call before leaving the host's mount
namespace; the filter is compiled there too, so a bad profile fails before anything runs.
"""

from __future__ import annotations

import errno
import os

from .. import capabilities, lsm, procfs  # noqa: F401 - procfs must be imported before pivot_root


class ContainerBreakoutError(PermissionError):
    pass


def wants_no_new_privs(config, process) -> bool:
    nnp = getattr(process, "no_new_privileges", None)
    return bool(config.no_new_privileges if nnp is None else nnp)


_filter_loaded = False  # set once this process runs under the container's seccomp filter


def exit_init(code: int) -> None:
    """Leave the init, even when the container's filter forbids exit_group.

    A profile that denies exit (or every syscall but execve, without no_new_privs) would
    leave glibc's _exit looping on a refused syscall at 100% CPU, and the runtime waiting
    forever. Under a loaded filter the init dies by a fault instead: an illegal instruction
    needs no system call, and the parent sees the init gone.
    """
    if _filter_loaded:
        from .. import _nsenter  # loaded long before the filter: no system call here

        _nsenter.trap()
    os._exit(code)


class Security:
    def __init__(self, config, process, chan, seccomp_filter=None):
        """``seccomp_filter``: the runtime's compiled filter for ``config.seccomp``
        (seccomp/compiled.py), if it made one; else the backend compiles it here."""
        lsm.check(config, process)
        self.config = config
        self.process = process
        self.chan = chan
        self.nnp = wants_no_new_privs(config, process)
        self.caps = capabilities.for_process(config, process)
        self.filter = None
        if seccomp_filter is not None:
            self.filter = seccomp_filter
        elif config.seccomp is not None:
            from .. import plugins

            self.filter = plugins.seccomp_filter(config.seccomp)
        if self.filter is not None:
            # load_seccomp's modules, now: it runs after pivot_root, where an import would
            # search the container's files (a compiled filter brings no binding that
            # imported them already)
            import faulthandler  # noqa: F401
            import signal  # noqa: F401
        self._seccomp_loaded = False

    # -- called by process_setup.apply ---------------------------------------------------------
    def before_user(self, sc) -> None:
        lsm.apply_exec_labels(self.config, self.process)
        if self.filter is not None and not self.nnp:
            self.load_seccomp()  # needs CAP_SYS_ADMIN: before the capabilities go
        if self.caps is not None:
            self.caps.apply_bounding(sc)
            capabilities.keep_caps(sc, True)

    def after_user(self, sc) -> None:
        verify_cwd()
        if self.caps is not None:
            capabilities.keep_caps(sc, False)
            self.caps.apply_caps(sc)
        # no_new_privs itself is set by process_setup.apply, right after this

    # -- called by the init right before it reports ready / execs ------------------------------
    def load_last(self) -> None:
        if self.filter is not None and not self._seccomp_loaded:
            self.load_seccomp()

    def load_seccomp(self) -> None:
        """Install the filter; a notify listener fd goes to the runtime, never stays here."""
        global _filter_loaded
        import faulthandler
        import signal

        # exit_init's fault must kill: a SIGSEGV handler (faulthandler, as under pytest)
        # could not be removed any more once the filter refuses sigaction
        faulthandler.disable()
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        listener = self.filter.load()
        self._seccomp_loaded = _filter_loaded = True
        if listener is None:
            return
        try:
            self.chan.send_fd("seccomp", listener)
        finally:
            os.close(listener)
        self.chan.expect("seccomp_done")


def verify_cwd() -> None:
    """runc's check after chdir: the kernel says "(unreachable)" for a cwd outside our root,
    and glibc's getcwd turns that into ENOENT."""
    try:
        cwd = os.getcwd()
    except FileNotFoundError:
        cwd = ""
    if not cwd.startswith("/"):
        raise ContainerBreakoutError(
            errno.EPERM,
            "current working directory is outside of container mount namespace root -- possible container breakout detected")
