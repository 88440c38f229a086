"""Adder tree: sums the partial sums of several subarrays / PEs / tiles.

``num_adder_tree`` trees each add ``num_subcore_row`` operands of ``num_adder_bit`` bits
with ceil(log2(num_subcore_row)) stages of ripple-carry adders, the operand width growing
by one bit per stage. The adders are laid out as one block of a given width (or height).
Latency (:func:`adder_tree_latency`: s, or clock cycles in synchronous mode), dynamic energy (J)
and leakage (W) (:func:`adder_tree_power`) follow the reference's per-stage adder model.
Manual: "Adder tree" (accumulation). Units: m, m^2, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from dse.circuits.adder import Adder, adder, adder_latency, adder_power
from dse.circuits.cell_layout import Latency, Power, clock_cycles, f64
from dse.circuits.formula import STEP_RAMP, log2_exact
from dse.pytree import pytree_dataclass, replace

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

    Stages past the last pair add nothing, so a fixed number of stages is exact; stage s pairs
    ``floor(j / 2^(s+1))`` operands (nested integer halvings), summed on a leading stage axis.
    """
    j = jnp.trunc(f64(num_subcore_row))
    bits = f64(num_adder_bit)
    s = _stage_axis(jnp.broadcast_shapes(jnp.shape(j), jnp.shape(bits)))
    return jnp.sum((bits + s) * jnp.floor(j / 2.0 ** (s + 1)), axis=0)


def _stage_axis(shape):
    """Stage indices 0 .. MAX_STAGES - 1 (float) on a leading axis broadcasting against ``shape``
    (one vectorized expression instead of an unrolled loop: a smaller program to compile). A numpy
    constant, so that its powers of two are constants too."""
    return np.arange(MAX_STAGES, dtype=np.float64).reshape((-1,) + (1,) * len(shape))


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


def _operands(t: AdderTree, num_unit_add):
    """Operands actually added: ``num_unit_add`` (an int argument: truncated) when non-zero,
    else the tree's full size; and the stages ceil(log2(operands))."""
    nu = jnp.trunc(f64(num_unit_add))
    n = jnp.where(nu != 0, nu, t.num_subcore_row)
    return n, jnp.ceil(log2_exact(n))


def adder_tree_latency(t: AdderTree, tech, prm, num_read, num_unit_add, cap_load=0.0, *,
                       clk_freq=None) -> Latency:
    """Latency of ``num_read`` accumulations of ``num_unit_add`` operands (0: all
    ``num_subcore_row``) by the trees working in parallel (broadcasts over a layer axis).

    As in the reference, the first stage ripples through a ``num_adder_bit``-bit adder and every
    later stage is timed as a 2-bit adder; each stage drives ``cap_load`` (F). A single
    operand still pays the first stage. Synchronous mode: the tree delay in whole cycles of
    ``clk_freq`` (default ``prm.clk_freq``), then times ``num_read``; asynchronous: seconds.
    Manual: "Adder tree".
    """
    _, stages = _operands(t, num_unit_add)
    first = adder_latency(replace(t.adder, num_bit=t.num_adder_bit), tech, prm, STEP_RAMP, cap_load, 1.0).read_latency
    later = adder_latency(replace(t.adder, num_bit=2.0 + 0 * t.num_adder_bit), tech, prm, STEP_RAMP, cap_load,
                          1.0).read_latency
    delay = first + 0 * stages
    # stages after the first are summed one by one (a multiplication would round differently)
    for s in range(MAX_STAGES - 1):
        delay = jnp.where(s < stages - 1, delay + later, delay)
    delay = clock_cycles(prm, delay, clk_freq)
    lat = delay * num_read
    return Latency(read_latency=lat, write_latency=jnp.zeros_like(lat), ramp_output=jnp.zeros_like(lat))


def adder_tree_power(t: AdderTree, tech, prm, num_read, num_unit_add) -> Power:
    """Energy (J) of ``num_read`` accumulations of ``num_unit_add`` operands (0: all) by every
    tree, and leakage (W) of the adders those operands use (broadcasts over a layer axis).

    Stage s adds floor(n_s / 2) pairs with (num_adder_bit + s)-bit adders (an odd operand
    passes through). Adder energy carries the activity ``delta`` in validated mode.
    Manual: "Adder tree".
    """
    n, stages = _operands(t, num_unit_add)
    # an adder's energy and leakage are affine in its bit count: evaluate at 1 and 2 bits
    one = adder_power(replace(t.adder, num_bit=1.0 + 0 * t.num_adder_bit, num_adder=1.0), tech, prm, 1.0, 1.0)
    two = adder_power(replace(t.adder, num_bit=2.0 + 0 * t.num_adder_bit, num_adder=1.0), tech, prm, 1.0, 1.0)
    adders = jnp.zeros(jnp.broadcast_shapes(jnp.shape(n), jnp.shape(t.num_adder_bit)))
    extra_bits = jnp.zeros_like(adders)        # sum of adders x (bits - 1)
    bit_adders = jnp.zeros_like(adders)        # sum of adders x bits
    j = n
    bits = t.num_adder_bit
    for s in range(MAX_STAGES):
        on = s < stages
        pairs = jnp.floor(j / 2)               # C integer division
        adders = jnp.where(on, adders + pairs, adders)
        extra_bits = jnp.where(on, extra_bits + pairs * (bits - 1), extra_bits)
        bit_adders = jnp.where(on, bit_adders + pairs * bits, bit_adders)
        bits = bits + 1
        j = pairs
    e_slope = two.read_dynamic_energy - one.read_dynamic_energy
    e = one.read_dynamic_energy * adders + e_slope * extra_bits
    e = e * t.num_adder_tree * num_read
    leakage = one.leakage * bit_adders * t.num_adder_tree
    return Power(read_dynamic_energy=e, write_dynamic_energy=jnp.zeros_like(e), leakage=leakage)
