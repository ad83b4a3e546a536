"""Network strategies (runc's ``network_linux.go``): ``loopback`` and ``veth``.

Each module here is a plugin of the ``libcontainer.network`` entry-point namespace, selected
by ``configs.Network.type`` through :func:`libcontainer.plugins.network_strategy`. This
package imports nothing, so selecting ``loopback`` never pays for pyroute2.
"""
