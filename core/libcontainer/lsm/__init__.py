"""Linux security modules: AppArmor profiles and SELinux labels for the container.

Both are applied by writing to the process's own procfs attribute files, which take effect
at the next execve; the writes go through libcontainer.procfs, which refuses anything but
the real procfs (CVE-2019-16884). A config that asks for an LSM the host does not have
fails before anything is applied, with runc's words, instead of running unconfined.
"""

from __future__ import annotations

from . import apparmor, selinux


def check(config, process) -> None:
    """Fail clearly when the config asks for an LSM this host lacks."""
    profile = getattr(process, "apparmor_profile", "") or config.apparmor_profile
    if profile and not apparmor.is_enabled():
        raise apparmor.AppArmorError(f"apparmor profile {profile!r} is set but apparmor is not enabled on this system")
    label = getattr(process, "label", "") or config.process_label
    if (label or config.mount_label) and not selinux.is_enabled():
        raise selinux.SELinuxError("selinux label is specified in config, but selinux is disabled or not supported")


def apply_exec_labels(config, process) -> None:
    """Set the AppArmor profile and the SELinux label the next execve transitions to."""
    profile = getattr(process, "apparmor_profile", "") or config.apparmor_profile
    if profile:
        apparmor.apply_profile(profile)
    label = getattr(process, "label", "") or config.process_label
    if label:
        selinux.set_exec_label(label)
