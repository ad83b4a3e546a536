"""Linux security modules: AppArmor profiles and SELinux labels for the container.

Both are applied by writing to the process's own procfs attribute files, which take effect
at the next execve; the writes go through libcontainer.procfs, which refuses anything but
the real procfs (CVE-2019-16884). A config that asks for an LSM the host does not have
fails before anything is applied, with runc's words, instead of running unconfined.

The two modules are imported only for a config that asks for them (most do not, and every
`pyrunc create` would pay for them), and by :func:`check`, which the init calls before
pivot_root: :func:`apply_exec_labels` runs after it, when an import could only search the
container's files.
"""

from __future__ import annotations


def check(config, process) -> None:
    """Fail clearly when the config asks for an LSM this host lacks."""
    profile = getattr(process, "apparmor_profile", "") or config.apparmor_profile
    if profile:
        from . import apparmor

        if not apparmor.is_enabled():
            raise apparmor.AppArmorError(f"apparmor profile {profile!r} is set but apparmor is not enabled on this system")
    label = getattr(process, "label", "") or config.process_label
    if label or config.mount_label:
        from . import selinux

        if not selinux.is_enabled():
            raise selinux.SELinuxError("selinux label is specified in config, but selinux is disabled or not supported")


def apply_exec_labels(config, process) -> None:
    """Set the AppArmor profile and the SELinux label the next execve transitions to
    (the modules were imported by :func:`check`)."""
    profile = getattr(process, "apparmor_profile", "") or config.apparmor_profile
    if profile:
        from . import apparmor

        apparmor.apply_profile(profile)
    label = getattr(process, "label", "") or config.process_label
    if label:
        from . import selinux

        selinux.set_exec_label(label)
