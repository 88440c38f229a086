"""Tile: a group of PEs with its accumulation, buffers, H-tree and (optionally) activation.

Two kinds of tile exist (manual, weight mapping): a *conventional-mapping* tile holds
``num_pe`` x ``num_pe`` PEs of ``pe_size`` rows/columns; a *novel-mapping* tile holds
``num_pe`` PEs (one per kernel position) laid out on a ceil(sqrt) grid. Each tile has an
adder tree summing the PE outputs, input and output buffers made of tile-buffer cores
(the core type is the PE-buffer choice, as in the reference), an H-tree among the PEs
and, when activation is done inside the tiles, ReLU or sigmoid units. The tile is taken
square: height = width = sqrt(area). Manual: "Tile" (chip hierarchy). Units: m, m^2.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.chip.processing_unit import ProcessingUnit, num_bit_subarray_output, processing_unit
from dse.circuits.adder_tree import AdderTree, adder_tree
from dse.circuits.bit_shifter import BitShifter, bit_shifter
from dse.circuits.buffer import Buffer, buffer
from dse.circuits.cell_layout import f64
from dse.circuits.sigmoid import Sigmoid, sigmoid
from dse.interconnect import HALVE, Repeater, repeater_design
from dse.interconnect.htree import HTree, htree
from dse.pytree import pytree_dataclass, static_field

#: the tile's H-tree may be folded this much in layout
TILE_HTREE_FOLDED_RATIO = 16.0


@pytree_dataclass
class Tile:
    """State of one tile after layout (SI units). ``area_*`` is the reference's breakdown."""

    num_pe: Any              # PEs in the tile
    pe_size: Any             # rows (= columns) of memory per PE
    num_sub_array: Any       # subarrays per PE
    num_bit_pe_output: Any
    pe: ProcessingUnit
    accumulation: AdderTree
    relu: BitShifter
    sigmoid: Sigmoid
    input_buffer: Buffer     # one core
    output_buffer: Buffer    # one core
    num_in_buffer_core: Any
    num_out_buffer_core: Any
    htree: HTree
    area_relu: Any
    area_sigmoid: Any
    area: Any
    height: Any
    width: Any
    area_ic: Any
    area_adc: Any
    area_accum: Any
    area_other: Any
    area_array: Any
    novel: bool = static_field(default=False)


def tile(tech, prm, cell, sub, num_pe_side, pe_size, *, novel: bool, local_rep: Repeater | None = None,
         bus_rep: Repeater | None = None) -> Tile:
    """Lay out one tile whose PEs have ``pe_size`` rows/columns of memory.

    ``num_pe_side`` is the number of PEs of a novel-mapping tile (``novel=True``, static)
    or the PEs per row/column of a conventional tile (which then holds its square).
    ``sub`` is the subarray (``dse.array.subarray``). ``local_rep`` (H-tree repeaters at the
    local-bus delay tolerance) and ``bus_rep`` (PE buses) may be passed in if already computed.
    """
    if local_rep is None:
        local_rep = repeater_design(tech, prm, prm.local_bus_delay_tolerance, HALVE)
    n_side = f64(num_pe_side)
    pe_size = f64(pe_size)
    sub_r, sub_c = prm.num_row_sub_array, prm.num_col_sub_array
    ncm, nbi = prm.num_col_muxed, prm.num_bit_input
    core = prm.tile_buffer_core_size_row * prm.tile_buffer_core_size_col
    num_sub = jnp.ceil(pe_size / sub_r) * jnp.ceil(pe_size / sub_c)
    side_sub = jnp.ceil(jnp.sqrt(num_sub))
    nbpe = jnp.trunc(num_bit_subarray_output(prm) + side_sub)
    # n_init: the PE count the tile's circuits are sized with (a conventional tile sizes them
    # with its PEs per side); num_pe: PEs laid out
    n_init = n_side
    relu_units = jnp.ceil(pe_size * sub_c / ncm)
    if novel:
        num_pe = n_side
        acc_trees = jnp.ceil(pe_size / ncm)
        htree_side = jnp.ceil(jnp.sqrt(n_side))
    else:
        num_pe = n_side ** 2
        acc_trees = jnp.ceil(n_side * pe_size / ncm)
        htree_side = jnp.trunc(n_side)
    grid = jnp.ceil(jnp.sqrt(num_pe))       # PEs along the tile's side

    pe = processing_unit(tech, prm, sub, side_sub, side_sub, bus_rep)
    acc = adder_tree(tech, prm, n_init, nbpe, acc_trees, new_width=grid * pe.width)

    chip_act = prm.chip_activation != 0
    sum_bits = nbpe + jnp.ceil(jnp.log2(n_init))
    relu = bit_shifter(tech, prm, relu_units, nbi, new_width=grid * pe.width)
    sig = sigmoid(tech, prm, cell, nbi, sum_bits, jnp.ceil(n_init * sub_c / ncm), new_width=grid * pe.width)
    is_relu = prm.re_lu != 0
    area_relu = jnp.where(~chip_act & is_relu, relu.area, 0.0)
    area_sig = jnp.where(~chip_act & ~is_relu, sig.area, 0.0)

    # output buffer: activations (inside-tile activation) or partial sums (chip activation)
    out_word = jnp.where(chip_act, sum_bits, nbi)
    out_bits = out_word * n_init * sub_c / ncm
    num_out_core = jnp.ceil(out_bits / core)
    small_out = out_bits < core
    out_buf = buffer(tech, prm, cell, jnp.where(small_out, out_bits, core),
                     jnp.where(small_out, out_word * n_init, prm.tile_buffer_core_size_col), 1,
                     prm.unit_length_wire_resistance, prm.pe_buffer_type, new_width=grid * pe.width)
    in_bits = n_init * nbi * sub_r
    num_in_core = jnp.ceil(in_bits / core)
    small_in = in_bits < core
    in_buf = buffer(tech, prm, cell, jnp.where(small_in, in_bits, core),
                    jnp.where(small_in, n_init * sub_r, prm.tile_buffer_core_size_col), 1,
                    prm.unit_length_wire_resistance, prm.pe_buffer_type, new_height=grid * pe.height)
    tree = htree(tech, prm, htree_side, htree_side, prm.local_bus_delay_tolerance, n_init * pe_size,
                 pe.height, pe.width, TILE_HTREE_FOLDED_RATIO, rep=local_rep)

    in_area = in_buf.area * num_in_core
    out_area = out_buf.area * num_out_core
    area = (area_relu + area_sig) + (pe.area * num_pe + acc.area + in_area + out_area + tree.area)
    height = jnp.sqrt(area)
    return Tile(
        num_pe=num_pe, pe_size=pe_size, num_sub_array=num_sub, num_bit_pe_output=nbpe, pe=pe,
        accumulation=acc, relu=relu, sigmoid=sig, input_buffer=in_buf, output_buffer=out_buf,
        num_in_buffer_core=num_in_core, num_out_buffer_core=num_out_core, htree=tree,
        area_relu=area_relu, area_sigmoid=area_sig, area=area, height=height, width=area / height,
        area_ic=tree.area, area_adc=pe.area_adc * num_pe, area_accum=pe.area_accum * num_pe + acc.area,
        area_other=pe.area_other * num_pe + in_area + out_area + area_relu + area_sig,
        area_array=pe.area_array * num_pe, novel=novel,
    )
