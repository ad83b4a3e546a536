"""Cgroup manager interface shared by the core and the cgroup plugins (cgroupfs, fs2, systemd)."""
