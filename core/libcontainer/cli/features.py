"""`features`: runc's features JSON (runtime-spec's features.md), plus the plugins.

The core's own answer (versions, hooks, mount options, namespaces, capabilities) is
merged with what every installed backend reports through ``libcontainer_features``,
and the installed plugin names per entry-point namespace are listed as annotations
(``io.github.libcontainer.plugins.<kind>``), so an operator sees which backends exist.
"""

from __future__ import annotations

import json
import sys


def register(sub) -> None:
    p = sub.add_parser("features", help="show the enabled features")
    p.set_defaults(func=cmd_features)


def features() -> dict:
    from libcontainer import __version__, plugins
    from libcontainer.configs.hooks import HOOK_NAMES
    from libcontainer.specconv import known_mount_options, known_namespaces
    from libcontainer.specconv.constants import OCI_VERSION
    from libcontainer.specconv.process import KNOWN_CAPABILITIES

    out = {
        "ociVersionMin": "1.0.0",
        "ociVersionMax": OCI_VERSION,
        "hooks": list(HOOK_NAMES),
        "mountOptions": sorted(known_mount_options()),
        "linux": {
            "namespaces": sorted(known_namespaces()),
            "capabilities": sorted(KNOWN_CAPABILITIES),
        },
    }
    merged = plugins.features()
    for key, value in merged.items():
        if key == "linux":
            out["linux"].update(value)
        elif key != "annotations":
            out[key] = value
    annotations = dict(merged.get("annotations") or {})
    for namespace, names in plugins.installed().items():
        kind = namespace.rpartition(".")[2]
        annotations[f"io.github.libcontainer.plugins.{kind}"] = ",".join(names)
    blocked = plugins.blocked()
    if blocked:
        annotations["io.github.libcontainer.plugins.blocked"] = ",".join(sorted(blocked))
    annotations["io.github.libcontainer.pyrunc.version"] = __version__
    annotations["io.github.libcontainer.pyrunc.checkpoint.enabled"] = "false"
    out["annotations"] = dict(sorted(annotations.items()))
    return out


def cmd_features(args) -> int:
    sys.stdout.write(json.dumps(features(), indent=4, ensure_ascii=False) + "\n")
    return 0
