"""Frozen dataclasses that are JAX pytrees.

Fields are traced (array leaves) unless declared with ``static_field()``, in which
case they are hashed into the compiled function's cache key (shape-changing
choices only).
"""
from __future__ import annotations

import dataclasses

import jax


def static_field(**kwargs):
    """A dataclass field that is static (part of the treedef, not a leaf)."""
    return dataclasses.field(metadata={"static": True}, **kwargs)


def pytree_dataclass(cls):
    """Decorate ``cls`` as a frozen dataclass registered as a JAX pytree."""
    cls = dataclasses.dataclass(frozen=True)(cls)
    fields = dataclasses.fields(cls)
    data = [f.name for f in fields if not f.metadata.get("static", False)]
    meta = [f.name for f in fields if f.metadata.get("static", False)]
    jax.tree_util.register_dataclass(cls, data_fields=data, meta_fields=meta)
    return cls


def replace(obj, **changes):
    """A copy of the dataclass ``obj`` with ``changes`` applied."""
    return dataclasses.replace(obj, **changes)
