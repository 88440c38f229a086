"""Frozen dataclasses that are JAX pytrees.

Fields are traced (array leaves) unless declared with ``static_field()``, in which
case they are hashed into the compiled function's cache key (shape-changing
choices only).
"""
from __future__ import annotations

import dataclasses
from typing import Any

import jax
import numpy as np


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


@dataclasses.dataclass(frozen=True)
class Packing:
    """Where each leaf of a pytree of per-point arrays sits in one ``(n, width)`` float64 matrix.

    The model's stages pass thousands of per-point scalars between them (the area stage's module
    states). As one matrix, picking the points of a performance call is one row gather and one
    argument instead of thousands. Integer and boolean leaves travel as float64, exact below 2**53.
    """

    treedef: Any
    shapes: tuple    # per-point shape of each leaf (without the leading point axis)
    dtypes: tuple    # numpy dtype of each leaf
    offsets: tuple   # first column of each leaf
    width: int

    @classmethod
    def of(cls, tree) -> "Packing":
        """The packing of ``tree``: arrays or shape structs with a leading point axis."""
        leaves, treedef = jax.tree_util.tree_flatten(tree)
        shapes = tuple(tuple(np.shape(x)[1:]) for x in leaves)
        sizes = [int(np.prod(s, dtype=np.int64)) for s in shapes]
        offsets = tuple(int(o) for o in np.cumsum([0] + sizes[:-1])) if sizes else ()
        return cls(treedef, shapes, tuple(np.dtype(x.dtype) for x in leaves), offsets, int(sum(sizes)))

    def pack(self, tree) -> np.ndarray:
        """``tree`` (host or device arrays, ``n`` points) as an ``(n, width)`` float64 host matrix."""
        leaves = jax.tree_util.tree_leaves(tree)
        n = int(np.shape(leaves[0])[0])
        # np.asarray without a dtype: asking a device array for float64 directly is several times slower
        cols = [np.asarray(x).reshape(n, -1) for x in leaves]
        for c in cols:
            if c.dtype.kind in "iu" and c.size and np.abs(c).max() > 2 ** 53:
                raise ValueError(f"an integer leaf of {np.abs(c).max()} does not travel exactly as float64")
        return np.concatenate(cols, axis=1, dtype=np.float64) if cols else np.zeros((n, 0))

    def unpack(self, mat):
        """The pytree packed in ``mat`` (``(n, width)``, traced or numpy), leaves in their dtypes."""
        n = mat.shape[0]
        leaves = []
        for shape, dtype, off in zip(self.shapes, self.dtypes, self.offsets):
            size = int(np.prod(shape, dtype=np.int64))
            leaves.append(mat[:, off:off + size].reshape((n,) + shape).astype(dtype))
        return jax.tree_util.tree_unflatten(self.treedef, leaves)
