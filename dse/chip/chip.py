"""Chip: the tiles, the global buffer, the global interconnect, accumulation, pooling and activation.

The chip holds ``desired_num_tile_nm`` novel-mapping tiles and ``desired_num_tile_cm``
conventional tiles (from :mod:`dse.chip.floorplan`), a global buffer of
``num_buffer_core`` SRAM / register-file cores laid along the tile grid's height, an H-tree
or X-Y bus among the tiles (bus width from the floorplan, folded by ``tree_folded_ratio``),
a global adder tree summing tile outputs, max-pooling units and, with chip-level
activation, ReLU or sigmoid units. Area breakdown as the reference: total, interconnect,
ADC, accumulation, other peripheries (+ global buffer, pooling, activation) and memory
array. Manual: "Chip" (chip hierarchy and floorplan). Units: m, m^2.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.chip.processing_unit import num_bit_subarray_output
from dse.chip.tile import Tile, tile
from dse.circuits.adder_tree import AdderTree, adder_tree
from dse.circuits.bit_shifter import BitShifter, bit_shifter
from dse.circuits.buffer import Buffer, buffer
from dse.circuits.cell_layout import f64
from dse.circuits.max_pooling import MaxPooling, max_pooling
from dse.circuits.sigmoid import Sigmoid, sigmoid
from dse.interconnect import DECREMENT, HALVE, repeater_design
from dse.interconnect.htree import HTree, htree
from dse.interconnect.xy_bus import XYBus, xy_bus
from dse.pytree import pytree_dataclass


@pytree_dataclass
class ChipArea:
    """Chip area and breakdown (m^2), tile sizes (m) and the module states (for latency/energy)."""

    area: Any
    area_ic: Any
    area_adc: Any
    area_accum: Any
    area_other: Any
    area_array: Any
    height: Any
    width: Any
    cm_tile_height: Any
    cm_tile_width: Any
    nm_tile_height: Any      # 0 without novel mapping
    nm_tile_width: Any
    tile_cm: Tile
    tile_nm: Tile            # evaluated at the CM sizes when the mapping is conventional (unused)
    global_buffer: Buffer    # one core
    global_buffer_area: Any  # all cores
    global_buffer_height: Any
    global_buffer_width: Any
    htree: HTree
    xy_bus: XYBus
    area_bus: Any            # the chosen global interconnect's area
    max_pool: MaxPooling
    accumulation: AdderTree
    relu: BitShifter
    sigmoid: Sigmoid
    area_relu: Any
    area_sigmoid: Any


def chip_area(tech, prm, cell, layers, fp, sub=None) -> ChipArea:
    """Area of the chip for the floorplan ``fp`` of a network.

    ``layers`` is the network's static tuple of layer tuples, or just its number of layers
    (an int or a traced scalar: the area needs nothing else, so one compiled function can
    serve every network). ``sub`` is the subarray (built with ``dse.array.subarray`` if
    omitted)."""
    if sub is None:
        from dse.array.subarray import subarray
        sub = subarray(tech, prm, cell)
    num_layers = len(layers) if isinstance(layers, (tuple, list)) else layers
    novel = prm.novel_mapping != 0
    pipe = prm.pipeline != 0
    ncm, nbi = prm.num_col_muxed, prm.num_bit_input
    sub_r = prm.num_row_sub_array
    tile_cm_size = f64(fp.desired_tile_size_cm)
    pe_cm = f64(fp.desired_pe_size_cm)
    # without novel mapping the NM sizes are 0; evaluate the NM tile at CM sizes (masked out)
    pe_nm = jnp.where(novel, f64(fp.desired_pe_size_nm), pe_cm)
    num_pe_nm = jnp.where(novel, f64(fp.num_pe_nm), 1.0)
    num_pe_cm = jnp.ceil(tile_cm_size / pe_cm)

    # repeater designs shared by the buses of the same kind
    local_rep = repeater_design(tech, prm, prm.local_bus_delay_tolerance, HALVE)
    global_rep = repeater_design(tech, prm, prm.global_bus_delay_tolerance, HALVE)
    bus_rep = repeater_design(tech, prm, 0.0, DECREMENT)
    t_nm = tile(tech, prm, cell, sub, num_pe_nm, pe_nm, novel=True, local_rep=local_rep, bus_rep=bus_rep)
    t_cm = tile(tech, prm, cell, sub, num_pe_cm, pe_cm, novel=False, local_rep=local_rep, bus_rep=bus_rep)
    n_nm = jnp.where(novel, f64(fp.desired_num_tile_nm), 0.0)
    n_cm = f64(fp.desired_num_tile_cm)
    nm_h = jnp.where(novel, t_nm.height, 0.0)
    nm_w = jnp.where(novel, t_nm.width, 0.0)
    on = lambda x: jnp.where(novel, x * n_nm, 0.0)  # noqa: E731
    area = on(t_nm.area) + t_cm.area * n_cm
    area_ic = on(t_nm.area_ic) + t_cm.area_ic * n_cm
    area_adc = on(t_nm.area_adc) + t_cm.area_adc * n_cm
    area_accum = on(t_nm.area_accum) + t_cm.area_accum * n_cm
    area_other = on(t_nm.area_other) + t_cm.area_other * n_cm
    area_array = on(t_nm.area_array) + t_cm.area_array * n_cm

    unit_h = jnp.maximum(nm_h, t_cm.height)
    unit_w = jnp.maximum(nm_w, t_cm.width)
    n_row = f64(fp.num_tile_row)

    # global buffer: identical cores stacked along the tile grid's height
    core_bits = prm.global_buffer_core_size_row * prm.global_buffer_core_size_col
    gb_height = n_row * unit_h
    gbuf = buffer(tech, prm, cell, core_bits, prm.global_buffer_core_size_col, 1,
                  prm.unit_length_wire_resistance, prm.global_buffer_type, new_height=gb_height)
    gb_area = gbuf.area * f64(fp.num_buffer_core)
    gb_width = gb_area / gb_height

    # global interconnect among the tiles
    bw = f64(fp.global_bus_width)
    ht = htree(tech, prm, fp.num_tile_row, fp.num_tile_col, prm.global_bus_delay_tolerance, bw,
               unit_h, unit_w, prm.tree_folded_ratio, rep=global_rep)
    xy = xy_bus(tech, prm, fp.num_tile_row, fp.num_tile_col, prm.global_bus_delay_tolerance, bw,
                unit_h, unit_w, prm.tree_folded_ratio, rep=global_rep)
    area_bus = jnp.where(prm.global_bus_type != 0, ht.area, xy.area)
    area = area + area_bus
    area_ic = area_ic + area_bus

    # max pooling: one unit per output column group of the widest tile (int argument)
    num_pool = jnp.trunc(jnp.maximum(tile_cm_size / ncm, jnp.where(novel, pe_nm, 0.0) / ncm))
    pool = max_pooling(tech, prm, nbi, num_pool, gb_width)

    # global accumulation and activation sizing
    max_tile_added = jnp.trunc(f64(fp.max_tile_added))
    nbso = num_bit_subarray_output(prm)
    mult = jnp.where(pipe, num_layers + 1.0, 1.0)
    thr_nm = jnp.trunc(jnp.maximum(tile_cm_size, jnp.ceil(pe_nm))) * mult
    add_nm = (jnp.trunc(jnp.maximum(jnp.ceil(pe_cm / sub_r), jnp.ceil(pe_nm / sub_r)))
              * jnp.trunc(jnp.maximum(jnp.ceil(tile_cm_size / pe_cm), jnp.ceil(jnp.sqrt(num_pe_nm))))) * mult
    add_cm = jnp.trunc(jnp.ceil(pe_cm / sub_r)) * jnp.trunc(jnp.ceil(tile_cm_size / pe_cm)) * mult
    max_add = jnp.where(novel, add_nm, add_cm)
    trees = jnp.where(novel, jnp.ceil(thr_nm / ncm), jnp.ceil(tile_cm_size / ncm))
    chip_act = prm.chip_activation != 0
    acc_bits = jnp.where(chip_act, nbso + jnp.ceil(jnp.log2(max_add)), nbi)
    acc = adder_tree(tech, prm, max_tile_added, acc_bits, trees, new_width=gb_height / 3)
    relu = bit_shifter(tech, prm, trees, nbi, new_width=gb_width / 3)
    sig = sigmoid(tech, prm, cell, nbi, nbso + jnp.ceil(jnp.log2(max_add)) + jnp.ceil(jnp.log2(max_tile_added)),
                  trees, new_width=gb_width / 3)
    is_relu = prm.re_lu != 0
    area_relu = jnp.where(chip_act & is_relu, relu.area, 0.0)
    area_sig = jnp.where(chip_act & ~is_relu, sig.area, 0.0)
    area = area + area_relu + area_sig
    area = area + (gb_area + pool.area + acc.area)
    height = jnp.sqrt(area)
    return ChipArea(
        area=area, area_ic=area_ic, area_adc=area_adc, area_accum=area_accum + acc.area,
        area_other=area_other + gb_area + pool.area + area_relu + area_sig, area_array=area_array,
        height=height, width=area / height, cm_tile_height=t_cm.height, cm_tile_width=t_cm.width,
        nm_tile_height=nm_h, nm_tile_width=nm_w, tile_cm=t_cm, tile_nm=t_nm, global_buffer=gbuf,
        global_buffer_area=gb_area, global_buffer_height=gb_height, global_buffer_width=gb_width,
        htree=ht, xy_bus=xy, area_bus=area_bus, max_pool=pool, accumulation=acc, relu=relu, sigmoid=sig,
        area_relu=area_relu, area_sigmoid=area_sig,
    )
