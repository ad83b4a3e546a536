"""Only here because the core ships native code: native/*.c -> libcontainer._nsenter, and
native/finish.c -> libcontainer/_finish (the tiny program that waits in the created state)."""
import os
import platform
import subprocess
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

# x86_64 and aarch64: no libc at all (its startup would add syscalls a seccomp profile must allow)
_FREESTANDING = ["-nostdlib", "-ffreestanding", "-fno-builtin", "-fno-tree-loop-distribute-patterns",
                 "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fno-pie", "-no-pie"]


class build_ext_and_finisher(build_ext):
    """Also builds the finisher executable next to the extension (so in place for `pip install
    -e .`, in build_lib for a wheel). Without it the init waits in Python: warn, do not fail."""

    def run(self):
        super().run()
        out = self._finisher_path()
        os.makedirs(os.path.dirname(out), exist_ok=True)
        cc = os.environ.get("CC") or (sysconfig.get_config_var("CC") or "cc").split()[0]
        base = ["-Os", "-s", "-Wall", "-Wextra", "-Wl,--build-id=none", "-o", out, "native/finish.c"]
        attempts = [["-DFINISH_WITH_LIBC", "-static", *base], ["-DFINISH_WITH_LIBC", *base]]  # no libc.a: dynamic
        if platform.machine() in ("x86_64", "aarch64"):
            attempts.insert(0, ["-static", *_FREESTANDING, *base])
        for flags in attempts:
            if subprocess.run([cc, *flags]).returncode == 0:
                return
        self.warn("native/finish.c did not build: the created-state process will be a Python interpreter")

    def _finisher_path(self):
        return os.path.join(os.path.dirname(self.get_ext_fullpath("libcontainer._nsenter")), "_finish")

    def get_outputs(self):
        return super().get_outputs() + [self._finisher_path()]


setup(
    cmdclass={"build_ext": build_ext_and_finisher},
    ext_modules=[
        Extension(
            "libcontainer._nsenter",
            sources=[
                "native/nsenter.c",  # module definition: method table, constants
                "native/args.c",
                "native/ns.c",
                "native/initplan.c",  # the native init: clone, then run a compiled plan
                "native/initplan_fs.c",
                "native/initplan_proc.c",
                "native/mount.c",
                "native/fd.c",
                "native/sockmsg.c",  # the sync channel's socketpair and SCM_RIGHTS messages
                "native/caps.c",
                "native/seccomp.c",  # installing a compiled seccomp filter
                "native/host.c",
            ],
            depends=["native/nsenter.h", "native/nsenter_compat.h", "native/initplan.h", "native/initplan_sys.h",
                     "native/rawsyscall.h"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=implicit-function-declaration"],
            # every symbol bound at load: a lazy binding in the CLONE_VM init (initplan.c)
            # would run the dynamic linker there, which writes the runtime's thread state
            extra_link_args=["-Wl,-z,now"],
        )
    ],
)
