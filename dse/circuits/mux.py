"""Column multiplexer: ``num_input`` groups of ``num_selection`` transmission gates.

Analog mux (the array's column mux): each gate is sized so that its on-resistance is
``IR_DROP_TOLERANCE`` times the resistance it passes (``res_tg``), rounded up to whole fins at
14 nm and below; the gates are laid out in rows that fit a given width, folding the devices
to use the pitch. Digital (FPGA) mux: minimum-size gates in standard cells.
Manual: "Mux" (peripheral circuits of the synaptic array).

Units: m, m^2, ohm, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import (NONE, apply_layout, balanced_lines, f64, fits, lines_needed, min_cell_width,
                                      pass_gate_folds, std_height)
from dse.circuits.switch_matrix import size_pass_gate
from dse.circuits.cell_layout import Latency, Power
from dse.pytree import pytree_dataclass, static_field
from dse.tech import layout as L


@pytree_dataclass
class Mux:
    """State of a column multiplexer after sizing and layout (SI units)."""

    num_input: Any
    num_selection: Any
    width_tg_n: Any
    width_tg_p: Any
    res_tg: Any                  # ohm, on-resistance of one gate
    h_tg: Any
    w_tg: Any
    area: Any
    height: Any
    width: Any
    width_tg_shared: Any         # m, layout width per input group
    cap_tg_gate_n: Any
    cap_tg_gate_p: Any
    cap_tg_drain: Any
    fpga: bool = static_field(default=False)


def mux(tech, prm, num_input, num_selection, res_tg, *, fpga: bool = False, new_height=None, new_width=None,
        option: int = NONE) -> Mux:
    """Size and lay out a mux of ``num_input`` outputs each selecting among ``num_selection``
    columns; ``res_tg`` (ohm) is the resistance the analog gates pass (unused when ``fpga``)."""
    F = tech.feature_size
    num_input = f64(num_input)
    num_selection = f64(num_selection)
    if fpga:
        w_tg_n, w_tg_p = fm.enlarge_size(tech, L.MIN_NMOS_SIZE * F, tech.pn_size_ratio * L.MIN_NMOS_SIZE * F,
                                         std_height(tech))
    else:
        w_tg_n, w_tg_p = size_pass_gate(tech, prm, f64(res_tg) * L.IR_DROP_TOLERANCE, 1.0)
    res = 1 / (1 / fm.on_resistance_normal(tech, w_tg_n, L.NMOS)
               + 1 / fm.on_resistance_normal(tech, w_tg_p, L.PMOS))

    num_tg = num_input * num_selection
    if fpga:
        _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, std_height(tech))
        if fits(new_width, option):
            nw = f64(new_width)
            # a gate wider than the given width is an error in the reference: nothing is laid out
            ok = ~(nw < w_tg)
            height = jnp.where(ok, h_tg * lines_needed(num_tg, nw, w_tg), 0.0)
            width = jnp.where(ok, nw, 0.0)
        else:
            height, width = h_tg, w_tg * num_tg
    else:
        if fits(new_width, option):
            nw = f64(new_width)
            cell_w = min_cell_width(tech)
            per_row, num_row_tg = balanced_lines(num_tg, nw, cell_w)
            _, h_tg, w_tg = fm.pass_gate_area(tech, w_tg_n, w_tg_p, pass_gate_folds(nw / per_row, cell_w))
            height, width = h_tg * num_row_tg, nw + 0 * h_tg
        else:
            _, h_tg, w_tg = fm.pass_gate_area(tech, w_tg_n, w_tg_p, 1)
            height, width = h_tg, w_tg * num_tg
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    _, c_tg_drain = fm.gate_capacitance(tech, L.INV, 1, w_tg_n, w_tg_p, h_tg)
    return Mux(
        num_input=num_input, num_selection=num_selection, width_tg_n=w_tg_n, width_tg_p=w_tg_p, res_tg=res,
        h_tg=h_tg, w_tg=w_tg, area=area, height=height, width=width, width_tg_shared=width / num_input,
        cap_tg_gate_n=fm.gate_cap(tech, w_tg_n), cap_tg_gate_p=fm.gate_cap(tech, w_tg_p), cap_tg_drain=c_tg_drain,
        fpga=fpga,
    )


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def mux_latency(m: Mux, cap_load, num_read) -> Latency:
    """Delay (s) of ``num_read`` selections: 2.3 RC (0 to 90 %) of one gate charging its drain,
    half its gate capacitance and ``cap_load`` (F). Manual: "Multiplexer"."""
    tr = m.res_tg * (m.cap_tg_drain + 0.5 * m.cap_tg_gate_n + 0.5 * m.cap_tg_gate_p + cap_load)
    lat = 2.3 * tr * num_read
    zero = jnp.zeros_like(lat)
    return Latency(read_latency=lat, write_latency=zero, ramp_output=zero)


def mux_power(m: Mux, tech, cell, num_read) -> Power:
    """Energy (J) of ``num_read`` selections (one gate per output turns on and passes the read
    voltage); no leakage. Manual: "Multiplexer"."""
    e = m.cap_tg_gate_n * m.num_input * tech.vdd * tech.vdd
    e = e + (m.cap_tg_drain * 2) * m.num_input * cell.read_voltage * cell.read_voltage
    e = e * num_read
    zero = jnp.zeros_like(e)
    return Power(read_dynamic_energy=e, write_dynamic_energy=zero, leakage=zero)
