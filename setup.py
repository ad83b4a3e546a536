"""Only here because the core ships native code: native/*.c -> libcontainer._nsenter,
native/finish.c -> libcontainer/_finish (the tiny program that waits in the created state),
and native/front.c + front_delete.c -> the `pyrunc` command (which execs core/bin/pyrunc-py,
the Python CLI), with front_exec.c and initplan*.c -> pyrunc-exec (a plain `exec`)."""
import os
import platform
import subprocess
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.dist import Distribution

# setuptools has no build_scripts of its own: the one its distutils provides, whichever that is
build_scripts = Distribution().get_command_class("build_scripts")


# x86_64 and aarch64: no libc at all (native/nolibc.h says why)
_FREESTANDING = ["-nostdlib", "-ffreestanding", "-fno-builtin", "-fno-tree-loop-distribute-patterns",
                 "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fno-pie", "-no-pie"]


def build_program(sources: list[str], out: str, *, libc: bool = False, defines=()) -> bool:
    """One of the small native programs: without a libc where nolibc.h can (unless
    ``libc``), else static with one, else (no libc.a) dynamic. False when none built."""
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    cc = os.environ.get("CC") or (sysconfig.get_config_var("CC") or "cc").split()[0]
    base = ["-Os", "-s", "-Wall", "-Wextra", "-Wl,--build-id=none", *(f"-D{d}" for d in defines), "-o", out, *sources]
    attempts = [["-DNOLIBC_OFF", "-static", *base], ["-DNOLIBC_OFF", *base]]
    if platform.machine() in ("x86_64", "aarch64") and not libc:
        attempts.insert(0, ["-static", *_FREESTANDING, *base])
    return any(subprocess.run([cc, *flags]).returncode == 0 for flags in attempts)


class build_ext_and_finisher(build_ext):
    """Also builds the finisher executable next to the extension (so in place for `pip install
    -e .`, in build_lib for a wheel). Without it the init waits in Python: warn, do not fail."""

    def run(self):
        super().run()
        if not build_program(["native/finish.c"], self._finisher_path()):
            self.warn("native/finish.c did not build: the created-state process will be a Python interpreter")

    def _finisher_path(self):
        return os.path.join(os.path.dirname(self.get_ext_fullpath("libcontainer._nsenter")), "_finish")

    def get_outputs(self):
        return super().get_outputs() + [self._finisher_path()]


_FRONT = ["native/front.c", "native/front_delete.c", "native/front_state.c", "native/front_kill.c"]
#: pyrunc-exec: the same program with libc and the init plan's steps, for a plain `exec`
_FRONT_EXEC = [*_FRONT, "native/front_exec.c", "native/initplan.c", "native/initplan_fs.c", "native/initplan_proc.c"]


class build_scripts_and_front(build_scripts):
    """Also builds the `pyrunc` command from native/front.c beside the scripts, so that pip
    installs it with them (a binary: pip rewrites only a "#!python" line), and pyrunc-exec,
    which it runs for a plain `exec`. Without a compiler, `pyrunc` is a copy of the Python
    CLI: every command works, `start` just costs an interpreter's start; without
    pyrunc-exec the Python CLI runs every exec."""

    def run(self):
        super().run()
        out = os.path.join(self.build_dir, "pyrunc")
        if not build_program(_FRONT, out):
            self.warn("native/front.c did not build: `pyrunc` is the Python CLI itself")
            self.copy_file(os.path.join(self.build_dir, "pyrunc-py"), out)
        elif not build_program(_FRONT_EXEC, os.path.join(self.build_dir, "pyrunc-exec"), libc=True,
                               defines=("FRONT_EXEC", "PLAN_STANDALONE")):
            self.warn("native/front_exec.c did not build: the Python CLI runs every exec")

    def get_outputs(self):  # distutils' build_scripts has none; setuptools' editable_wheel asks
        names = ["pyrunc-py", "pyrunc", "pyrunc-exec"]
        return [p for p in (os.path.join(self.build_dir, n) for n in names) if os.path.exists(p)]


setup(
    cmdclass={"build_ext": build_ext_and_finisher, "build_scripts": build_scripts_and_front},
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
                "native/teardown.c",  # an exit that leaves the freeing of our memory to a child
                "native/mkdirs.c",  # directories made by a thread of ours (the cgroup v1 ones)
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
