"""PE-level bus between the subarrays of a processing element (repeated wires).

A horizontal bus (inputs, along a row of subarrays) or a vertical bus (outputs, along a
column), sized with the repeater model of :mod:`dse.interconnect`. In the reference's PE
it is laid over the subarrays, so its area is 0 (``over_lap``); the repeater sizing and
wire length are kept for latency and energy. Manual: "Interconnect" (PE bus).
Units: m, m^2, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import f64, std_height
from dse.interconnect import (DECREMENT, Repeater, WireLatency, WirePower, clock_cycles, repeater_design,
                              segment_energy, segment_latency, unit_length_energy, unit_length_leakage)
from dse.pytree import pytree_dataclass, static_field
from dse.tech import layout as L

HORIZONTAL, VERTICAL = 0, 1


@pytree_dataclass
class Bus:
    """State of a PE bus after sizing and layout (SI units)."""

    num_row: Any
    num_col: Any
    bus_width: Any          # bits
    unit_height: Any        # m, one subarray
    unit_width: Any         # m
    wire_length: Any        # m
    num_repeater: Any
    rep: Repeater
    h_inv: Any
    w_inv: Any
    cap_inv_input: Any
    cap_inv_output: Any
    area: Any
    mode: int = static_field(default=HORIZONTAL)


def bus(tech, prm, num_row, num_col, delay_tolerance, bus_width, unit_height, unit_width, *,
        mode: int = HORIZONTAL, folded_ratio=1.0, over_lap: bool = True, rep: Repeater | None = None) -> Bus:
    """A bus across a ``num_row`` x ``num_col`` grid of units of ``unit_height`` x ``unit_width`` (m).

    ``mode`` (HORIZONTAL: along a row; VERTICAL: along a column) and ``over_lap`` (the bus is
    routed over the units: no area) are static. Repeaters shrink by one size per step within
    ``delay_tolerance`` (the PE bus is built with tolerance 0: the fastest design); ``rep``
    is that repeater design (``repeater_design(..., DECREMENT)``) if already computed.
    """
    if rep is None:
        rep = repeater_design(tech, prm, delay_tolerance, DECREMENT)
    nr, nc = jnp.trunc(f64(num_row)), jnp.trunc(f64(num_col))   # int members
    if mode == HORIZONTAL:
        length = f64(unit_width) * (nc - 1)
    else:
        length = f64(unit_height) * (nr - 1)
    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, rep.width_inv_n, rep.width_inv_p, std_height(tech))
    c_in, c_out = fm.gate_capacitance(tech, L.INV, 1, rep.width_inv_n, rep.width_inv_p, h_inv)
    num_rep = jnp.ceil(length / rep.min_dist)
    wire_w = jnp.where(num_rep > 0, f64(bus_width) * w_inv / folded_ratio,
                       f64(bus_width) * f64(prm.wire_width) / folded_ratio)
    area = jnp.zeros_like(length) if over_lap else nr * length * wire_w
    return Bus(num_row=nr, num_col=nc, bus_width=f64(bus_width), unit_height=f64(unit_height),
               unit_width=f64(unit_width), wire_length=length, num_repeater=num_rep, rep=rep,
               h_inv=h_inv, w_inv=w_inv, cap_inv_input=c_in, cap_inv_output=c_out, area=area, mode=mode)


def bus_latency(b: Bus, tech, prm, num_read, *, clk_freq=None) -> WireLatency:
    """Latency of ``num_read`` transfers over the PE bus (broadcasts over a layer axis).

    One transfer crosses the whole wire (repeated at the design's spacing, with the
    reference's parameter unit resistance). Synchronous mode: whole cycles of ``clk_freq``
    (default ``prm.clk_freq``) per transfer, times ``num_read``; asynchronous: seconds.
    """
    r = b.rep
    t = segment_latency(b.wire_length, r.res_on_rep, b.cap_inv_input, b.cap_inv_output,
                        r.unit_length_wire_resistance, r.unit_length_wire_cap, r.min_dist)
    t = clock_cycles(prm, t, clk_freq)
    return WireLatency(read_latency=t * num_read, critical_latency=jnp.zeros_like(t))


def bus_power(b: Bus, tech, prm, num_bit_access, num_read, input=True) -> WirePower:
    """Energy of ``num_read`` transfers of ``num_bit_access`` bits and repeater leakage of that
    many wires. ``input`` (bool, may be traced) picks the input toggle rate
    ``prm.inputtoggle``, else the output rate ``prm.outputtoggle``. Manual: "Interconnect"."""
    r = b.rep
    d = r.min_dist
    leakage = unit_length_leakage(tech, prm, r.width_inv_n, r.width_inv_p, d) * b.wire_length * num_bit_access
    e_rep, e_wire = unit_length_energy(b.cap_inv_input, b.cap_inv_output, r.unit_length_wire_cap, d, tech.vdd)
    toggle = jnp.where(jnp.asarray(input), prm.inputtoggle, prm.outputtoggle)
    e = segment_energy(b.wire_length, e_rep * toggle, e_wire * toggle)
    return WirePower(read_dynamic_energy=e * (num_bit_access * num_read), leakage=leakage)
