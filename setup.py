"""Only here because the core ships a C extension: native/*.c -> libcontainer._nsenter."""
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "libcontainer._nsenter",
            sources=[
                "native/nsenter.c",  # module definition: method table, constants
                "native/args.c",
                "native/ns.c",
                "native/mount.c",
                "native/fd.c",
                "native/caps.c",
                "native/host.c",
            ],
            depends=["native/nsenter.h", "native/nsenter_compat.h"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=implicit-function-declaration"],
        )
    ],
)
