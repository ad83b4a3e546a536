"""JSON shape of Namespace: ``{"type": "NEWNET", "path": "..."}`` (path omitted if "")."""

from libcontainer.configs.namespace import Namespace

from .base import ModelSchema, string


class NamespaceSchema(ModelSchema):
    __model__ = Namespace
    type = string("type")
    path = string("path", omitempty=True)
