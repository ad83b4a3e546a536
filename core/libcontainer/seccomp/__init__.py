"""Seccomp backends (``libcontainer.seccomp`` entry-point namespace); ``libseccomp`` is the default.

Selected through :func:`libcontainer.plugins.seccomp_filter`. This package imports nothing so
that the container init pays for pyseccomp only when the config has a seccomp section.
"""
