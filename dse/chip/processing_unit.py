"""Processing element (PE): a grid of subarrays with its adder tree, buffers and buses.

A PE holds ``num_sub_array_row`` x ``num_sub_array_col`` identical subarrays. Their
partial sums are added by one adder tree per output column group (laid out one subarray
wide), inputs and outputs are held in flip-flop buffers (laid along the PE's height and
width) and distributed by horizontal / vertical buses routed over the subarrays (no area).
The PE is taken square: height = width = sqrt(area). Area breakdown as the reference:
ADC, accumulation (subarray adders and shift-adds + PE adder tree), other peripheries
(+ PE buffers) and the memory array. Manual: "Processing element" (chip hierarchy).
Units: m, m^2.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits.adder_tree import AdderTree, adder_tree
from dse.circuits.cell_layout import f64
from dse.circuits.dff import DFF, dff
from dse.interconnect import DECREMENT, Repeater, repeater_design
from dse.interconnect.bus import HORIZONTAL, VERTICAL, Bus, bus
from dse.pytree import pytree_dataclass


@pytree_dataclass
class ProcessingUnit:
    """State of one PE after layout (SI units)."""

    num_sub_array_row: Any
    num_sub_array_col: Any
    num_bit_subarray_output: Any
    adder_tree: AdderTree
    buffer_input: DFF
    buffer_output: DFF
    bus_input: Bus
    bus_output: Bus
    area: Any
    height: Any
    width: Any
    area_adc: Any
    area_accum: Any
    area_other: Any
    area_array: Any


def num_bit_subarray_output(prm):
    """Bits of a subarray's partial sum (int in the reference).

    Parallel read: ADC bits + bits to add the row groups read one after another + input bits
    + the shifted cell columns of a weight + a sign bit. Sequential read: bits to add all rows
    + cell bits + input bits + shifted columns + sign bit.
    """
    groups = jnp.floor(prm.num_row_sub_array / prm.num_row_parallel)   # C integer division
    par = jnp.log2(prm.level_output) + jnp.ceil(jnp.log2(groups))
    seq = jnp.ceil(jnp.log2(prm.num_row_sub_array)) + prm.cell_bit
    common = prm.num_bit_input + (prm.num_col_per_synapse - 1) * prm.cell_bit + 1
    return jnp.trunc(jnp.where(prm.parallel_read != 0, par, seq) + common)


def processing_unit(tech, prm, sub, num_sub_array_row, num_sub_array_col,
                    bus_rep: Repeater | None = None) -> ProcessingUnit:
    """Lay out a PE of ``num_sub_array_row`` x ``num_sub_array_col`` copies of the subarray ``sub``.

    ``bus_rep``: the PE buses' repeater design (tolerance 0, DECREMENT rule) if already computed.
    """
    if bus_rep is None:
        bus_rep = repeater_design(tech, prm, 0.0, DECREMENT)
    n_r = jnp.trunc(f64(num_sub_array_row))
    n_c = jnp.trunc(f64(num_sub_array_col))
    num_row, num_col = prm.num_row_sub_array, prm.num_col_sub_array
    nbso = num_bit_subarray_output(prm)
    tree = adder_tree(tech, prm, n_r, nbso, jnp.ceil(n_c * num_col / prm.num_col_muxed), new_width=sub.width)
    buf_in = dff(tech, prm, prm.num_bit_input * num_row, new_height=n_r * sub.height)
    # the output word count is an int division in the reference
    out_words = jnp.floor(num_col / prm.num_col_muxed)
    buf_out = dff(tech, prm, out_words * (nbso + tree.num_stage), new_width=n_c * sub.width)
    bus_in = bus(tech, prm, n_r, n_c, 0.0, num_row, sub.height, sub.width, mode=HORIZONTAL, rep=bus_rep)
    bus_out = bus(tech, prm, n_r, n_c, 0.0, num_col, sub.height, sub.width, mode=VERTICAL, rep=bus_rep)
    n = n_r * n_c
    area = sub.area * n + tree.area + buf_in.area + buf_out.area
    height = jnp.sqrt(area)
    return ProcessingUnit(
        num_sub_array_row=n_r, num_sub_array_col=n_c, num_bit_subarray_output=nbso, adder_tree=tree,
        buffer_input=buf_in, buffer_output=buf_out, bus_input=bus_in, bus_output=bus_out,
        area=area, height=height, width=area / height,
        area_adc=sub.area_adc * n, area_accum=sub.area_accum * n + tree.area,
        area_other=sub.area_other * n + buf_in.area + buf_out.area, area_array=sub.area_array * n,
    )
