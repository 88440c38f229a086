"""Chip-level X-Y bus among the tiles (repeated wires).

One vertical (Y) bus spans the tile rows and one horizontal (X) bus the tile columns,
each carrying the full bus width at the repeater pitch (repeater size halved within the
delay tolerance), optionally folded. Manual: "Interconnect" (X-Y bus). Units: m, m^2, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import f64, std_height
from dse.interconnect import HALVE, UNIT_LENGTH_WIRE_CAP, Repeater, repeater_design, unit_length_res
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class XYBus:
    """State of the X-Y bus after sizing and layout (SI units)."""

    num_row: Any
    num_col: Any
    bus_width: Any
    rep: Repeater
    unit_height: Any
    unit_width: Any
    folded_ratio: Any
    h_inv: Any
    w_inv: Any
    cap_inv_input: Any
    cap_inv_output: Any
    wire_length_v: Any                    # m
    wire_length_h: Any                    # m
    unit_length_wire_resistance_v: Any    # ohm/m of the (widened) global wires
    unit_length_wire_resistance_h: Any
    area: Any
    unit_length_wire_cap: Any


def xy_bus(tech, prm, num_row, num_col, delay_tolerance, bus_width, unit_height, unit_width,
           folded_ratio, rep: Repeater | None = None) -> XYBus:
    """An X-Y bus over ``num_row`` x ``num_col`` tiles of ``unit_height`` x ``unit_width`` (m);
    ``rep``: the repeater design for ``delay_tolerance`` (HALVE rule) if already computed."""
    if rep is None:
        rep = repeater_design(tech, prm, delay_tolerance, HALVE)
    nr, nc = jnp.trunc(f64(num_row)), jnp.trunc(f64(num_col))
    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, rep.width_inv_n, rep.width_inv_p, std_height(tech))
    c_in, c_out = fm.gate_capacitance(tech, L.INV, 1, rep.width_inv_n, rep.width_inv_p, h_inv)
    bw, fr = f64(bus_width), f64(folded_ratio)
    len_v = f64(unit_height) * nr
    len_h = f64(unit_width) * nc
    # a wire with a length is repeated: its pitch is the repeater's (width for Y, height for X)
    area = bw * w_inv / fr * len_v + bw * h_inv / fr * len_h
    return XYBus(num_row=nr, num_col=nc, bus_width=bw, rep=rep, unit_height=f64(unit_height),
                 unit_width=f64(unit_width), folded_ratio=fr, h_inv=h_inv, w_inv=w_inv,
                 cap_inv_input=c_in, cap_inv_output=c_out, wire_length_v=len_v, wire_length_h=len_h,
                 unit_length_wire_resistance_v=unit_length_res(tech, prm, len_v),
                 unit_length_wire_resistance_h=unit_length_res(tech, prm, len_h),
                 area=area, unit_length_wire_cap=UNIT_LENGTH_WIRE_CAP + 0 * area)
