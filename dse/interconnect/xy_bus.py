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
from dse.interconnect import (HALVE, UNIT_LENGTH_WIRE_CAP, Repeater, WireLatency, WirePower, clock_cycles,
                              repeater_design, segment_energy, segment_latency, unit_length_energy,
                              unit_length_leakage, unit_length_res)
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


def _lengths(xy: XYBus, x_end, y_init, unit_height, unit_width):
    """Route lengths (m): the Y bus from row ``y_init`` to the last row (negative when
    ``y_init`` is the last row or beyond, as in the reference) and the X bus over ``x_end``
    columns. ``x_end`` / ``y_init`` are truncated to integers."""
    len_v = f64(unit_height) * (xy.num_row - jnp.trunc(f64(y_init)) - 1)
    len_h = f64(unit_width) * jnp.trunc(f64(x_end))
    return len_v, len_h


def xy_bus_latency(xy: XYBus, tech, prm, x_end, y_init, unit_height, unit_width, num_read_input,
                   num_read_output, *, clk_freq=None) -> WireLatency:
    """Latency of ``num_read_input`` transfers on the X bus plus ``num_read_output`` on the Y bus
    (broadcasts over a layer axis). Each wire uses the unit resistance of the widened global
    wire sized at layout. Synchronous mode: whole cycles of ``clk_freq`` (default
    ``prm.clk_freq``) per transfer; asynchronous: seconds. Manual: "Interconnect"."""
    r = xy.rep
    len_v, len_h = _lengths(xy, x_end, y_init, unit_height, unit_width)
    c_in, c_out, cw, d = xy.cap_inv_input, xy.cap_inv_output, xy.unit_length_wire_cap, r.min_dist
    t_in = clock_cycles(prm, segment_latency(len_h, r.res_on_rep, c_in, c_out, xy.unit_length_wire_resistance_h,
                                             cw, d), clk_freq)
    t_out = clock_cycles(prm, segment_latency(len_v, r.res_on_rep, c_in, c_out, xy.unit_length_wire_resistance_v,
                                              cw, d), clk_freq)
    t = t_in * num_read_input + t_out * num_read_output
    return WireLatency(read_latency=t, critical_latency=jnp.zeros_like(t))


def xy_bus_power(xy: XYBus, tech, prm, x_end, y_init, unit_height, unit_width, num_bit_input,
                 num_bit_output) -> WirePower:
    """Energy of moving ``num_bit_input`` bit-transitions over the X bus and ``num_bit_output``
    over the Y bus (the caller folds the toggle rates in), and the leakage of the bus width's
    repeaters along both routes (broadcasts over a layer axis)."""
    r = xy.rep
    d = r.min_dist
    len_v, len_h = _lengths(xy, x_end, y_init, unit_height, unit_width)
    leakage = unit_length_leakage(tech, prm, r.width_inv_n, r.width_inv_p, d) * (len_h + len_v) * xy.bus_width
    e_rep, e_wire = unit_length_energy(xy.cap_inv_input, xy.cap_inv_output, xy.unit_length_wire_cap, d, tech.vdd)
    e = (segment_energy(len_h, e_rep, e_wire) * num_bit_input
         + segment_energy(len_v, e_rep, e_wire) * num_bit_output)
    return WirePower(read_dynamic_energy=e, leakage=leakage)
