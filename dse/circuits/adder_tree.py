"""Adder tree: sums the partial sums of several subarrays / PEs / tiles.

``num_adder_tree`` trees each add ``num_subcore_row`` operands of ``num_adder_bit`` bits
with ceil(log2(num_subcore_row)) stages of ripple-carry adders, the operand width growing
by one bit per stage. The adders are laid out as one block of a given width (or height).
Manual: "Adder tree" (accumulation). Units: m, m^2.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits.adder import Adder, adder
from dse.circuits.cell_layout import f64
from dse.pytree import pytree_dataclass

#: stages unrolled (trees of up to 2^32 operands)
MAX_STAGES = 32


@pytree_dataclass
class AdderTree:
    """State of a bank of adder trees after layout (SI units)."""

    num_subcore_row: Any
    num_stage: Any
    num_adder_bit: Any
    num_adder_tree: Any
    num_adder_each_tree: Any   # 1-bit full adders in one tree
    adder: Adder
    area: Any
    height: Any
    width: Any


def num_adder_each_tree(num_subcore_row, num_adder_bit):
    """1-bit full adders in one tree: stage s adds floor(n_s / 2) pairs of (bits + s)-bit operands.

    Stages past the last pair add nothing, so a fixed number of unrolled stages is exact.
    """
    j = jnp.trunc(f64(num_subcore_row))
    bits = f64(num_adder_bit)
    total = jnp.zeros(jnp.broadcast_shapes(jnp.shape(j), jnp.shape(bits)))
    for _ in range(MAX_STAGES):
        pairs = jnp.floor(j / 2)          # C integer division
        total = total + bits * pairs
        bits = bits + 1
        j = pairs
    return total


def adder_tree(tech, prm, num_subcore_row, num_adder_bit, num_adder_tree, *, new_height=None,
               new_width=None) -> AdderTree:
    """``num_adder_tree`` trees over ``num_subcore_row`` operands of ``num_adder_bit`` bits,
    laid out ``new_width`` wide (preferred) or ``new_height`` high (m)."""
    n_row = jnp.trunc(f64(num_subcore_row))
    n_bit = jnp.trunc(f64(num_adder_bit))
    n_tree = jnp.trunc(f64(num_adder_tree))
    num_stage = jnp.ceil(jnp.log2(n_row))
    each = num_adder_each_tree(n_row, n_bit)
    if new_width is not None:
        add = adder(tech, prm, each, n_tree, new_width=new_width)
        width = f64(new_width) + 0 * add.area
        height = add.area / width
    elif new_height is not None:
        add = adder(tech, prm, each, n_tree, new_height=new_height)
        height = f64(new_height) + 0 * add.area
        width = add.area / height
    else:
        raise ValueError("adder_tree needs new_width or new_height")
    return AdderTree(num_subcore_row=n_row, num_stage=num_stage, num_adder_bit=n_bit, num_adder_tree=n_tree,
                     num_adder_each_tree=each, adder=add, area=height * width, height=height, width=width)
