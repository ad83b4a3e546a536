"""Only here because the core ships a C extension: native/nsenter.c -> libcontainer._nsenter."""
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "libcontainer._nsenter",
            sources=["native/nsenter.c"],
            depends=["native/nsenter_compat.h"],
            extra_compile_args=["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=implicit-function-declaration"],
        )
    ],
)
