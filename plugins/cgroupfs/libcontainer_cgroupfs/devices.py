"""The v1 devices controller: the config's rules written as a difference from the current
list (see :mod:`.devices_emulator`), then read back and checked.

Running in a user namespace the kernel refuses every write; runc skips the controller there,
and so does ``skip_devices`` (parent cgroups, updates that must not touch the rules).
"""

from __future__ import annotations

from libcontainer.userns import running_in_user_ns as running_in_userns

from . import fscommon as fs
from .subsystem import Subsystem, res


class DevicesGroup(Subsystem):
    name = "devices"

    def wants(self, r) -> bool:
        return not res(r, "skip_devices", False)

    def set(self, path: str, r) -> None:
        if res(r, "skip_devices", False) or running_in_userns():
            return
        from . import devices_emulator as emulator  # dataclasses: only when rules are written

        current = emulator.from_list(fs.read(path, "devices.list"))
        target = emulator.from_rules(res(r, "devices", None) or ())
        for rule in current.transition(target):
            fs.write(path, "devices.allow" if rule.allow else "devices.deny", rule.cgroup_string())
        after = emulator.from_list(fs.read(path, "devices.list"))
        if not target.is_blacklist() and after != target:
            raise OSError("resulting devices cgroup doesn't precisely match target")
        if target.is_blacklist() != after.is_blacklist():
            raise OSError("resulting devices cgroup doesn't match target mode")
