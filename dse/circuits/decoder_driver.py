"""Decoder driver of cross-point arrays: one inverter and two or three transmission gates per line.

Each output (array row or column) gets an inverter and transmission gates sized so that their
on-resistance is a fraction (``IR_DROP_TOLERANCE``) of the cell on-resistance divided by the
number of cells it drives; 1T1R arrays use three gates per line, cross-point arrays two.
Manual: "Decoder driver" (peripheral circuits of the synaptic array).

Units: m, m^2, ohm, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import (NONE, apply_layout, balanced_lines, c_int, f64, fin_factor, fits,
                                      min_cell_height, min_cell_width, pass_gate_folds, std_height)
from dse.circuits.cell_layout import Latency, Power
from dse.pytree import pytree_dataclass, static_field
from dse.tech import layout as L


@pytree_dataclass
class DecoderDriver:
    """State of a decoder driver after sizing and layout (SI units)."""

    num_output: Any
    width_inv_n: Any
    width_inv_p: Any
    width_tg_n: Any
    width_tg_p: Any
    res_tg: Any                  # ohm, on-resistance of one transmission gate
    h_inv: Any
    w_inv: Any
    h_tg: Any
    w_tg: Any
    area: Any
    height: Any
    width: Any
    cap_inv_input: Any
    cap_inv_output: Any
    cap_tg_gate_n: Any
    cap_tg_gate_p: Any
    cap_tg_drain: Any
    mode: int = static_field(default=L.ROW_MODE)
    cmos_access: bool = static_field(default=False)


def decoder_driver(tech, prm, num_output, num_load, res_mem_cell_on, *, mode: int = L.ROW_MODE,
                   cmos_access: bool = False, new_height=None, new_width=None,
                   option: int = NONE) -> DecoderDriver:
    """Size and lay out a decoder driver for ``num_output`` lines each loaded by ``num_load`` cells.

    ``res_mem_cell_on`` (ohm) is the on-resistance of one cell (with its access device);
    ``mode`` (ROW_MODE / COL_MODE) and ``cmos_access`` (1T1R: three gates per line) are static.
    """
    F = tech.feature_size
    pn = tech.pn_size_ratio
    mn = L.MIN_NMOS_SIZE
    hstd = std_height(tech)
    num_output = f64(num_output)

    w_inv_n, w_inv_p = fm.enlarge_size(tech, mn * F, pn * mn * F, hstd)
    res_target = f64(res_mem_cell_on) / num_load * L.IR_DROP_TOLERANCE
    unit = fin_factor(tech) * F
    w_tg_n = fm.on_resistance_normal(tech, unit, L.NMOS) * F / (res_target * 2)
    w_tg_p = fm.on_resistance_normal(tech, unit, L.PMOS) * F / (res_target * 2)
    res_tg = 1 / (1 / fm.on_resistance_normal(tech, w_tg_n, L.NMOS)
                  + 1 / fm.on_resistance_normal(tech, w_tg_p, L.PMOS))

    cell_h = min_cell_height(tech)
    cell_w = min_cell_width(tech)
    if fits(new_height, option):
        nh = f64(new_height)
        per_col, _ = balanced_lines(num_output, nh, cell_h)
        _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, nh / per_col)
    elif fits(new_width, option):
        nw = f64(new_width)
        per_row, _ = balanced_lines(num_output, nw, cell_w)
        _, h_tg, w_tg = fm.pass_gate_area(tech, w_tg_n, w_tg_p, pass_gate_folds(nw / per_row, cell_w))
    else:
        _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, cell_h)
    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, w_inv_n, w_inv_p, cell_h)

    n_tg = 3 if cmos_access else 2
    if mode == L.ROW_MODE:
        h_unit, w_unit = jnp.maximum(h_inv, h_tg), w_inv + w_tg * n_tg
    else:
        h_unit, w_unit = h_inv + h_tg * n_tg, jnp.maximum(w_inv, w_tg)

    if mode == L.ROW_MODE:
        if fits(new_height, option):
            nh = f64(new_height)
            num_col_unit = jnp.minimum(c_int(jnp.ceil(num_output / c_int(nh / h_unit))), num_output)
            height, width = nh + 0 * w_unit, w_unit * num_col_unit
        else:
            height, width = h_unit * num_output, w_unit
    else:
        if fits(new_width, option):
            nw = f64(new_width)
            num_row_unit = jnp.minimum(c_int(jnp.ceil(num_output / c_int(nw / w_unit))), num_output)
            height, width = h_unit * num_row_unit, nw + 0 * h_unit
        else:
            height, width = h_unit, w_unit * num_output
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    c_inv_in, c_inv_out = fm.gate_capacitance(tech, L.INV, 1, w_inv_n, w_inv_p, h_inv)
    _, c_tg_drain = fm.gate_capacitance(tech, L.INV, 1, w_tg_n, w_tg_p, h_tg)
    return DecoderDriver(
        num_output=num_output, width_inv_n=w_inv_n, width_inv_p=w_inv_p, width_tg_n=w_tg_n, width_tg_p=w_tg_p,
        res_tg=res_tg, h_inv=h_inv, w_inv=w_inv, h_tg=h_tg, w_tg=w_tg, area=area, height=height, width=width,
        cap_inv_input=c_inv_in, cap_inv_output=c_inv_out, cap_tg_gate_n=fm.gate_cap(tech, w_tg_n),
        cap_tg_gate_p=fm.gate_cap(tech, w_tg_p), cap_tg_drain=c_tg_drain, mode=mode, cmos_access=cmos_access,
    )


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def decoder_driver_latency(d: DecoderDriver, tech, ramp_input, cap_load1, cap_load2, res_load, num_read,
                           num_write) -> Latency:
    """Delay (s) of ``num_read`` / ``num_write`` line selections and the output slope.

    Horowitz delay of one transmission gate (four drains and half its gates) driving the
    worst-case line ``cap_load1`` (F) through ``res_load`` (ohm); ``cap_load2`` is unused, as in
    the reference. Manual: "Decoder driver".
    """
    del cap_load2
    cap_out = d.cap_tg_drain * 4 + d.cap_tg_gate_n * 0.5 + d.cap_tg_gate_p * 0.5
    tr = d.res_tg * (cap_out + cap_load1) + res_load * cap_load1 / 2
    t, ramp = fm.horowitz(tr, 0.0, ramp_input)
    return Latency(read_latency=t * num_read, write_latency=t * num_write, ramp_output=ramp)


def decoder_driver_power(d: DecoderDriver, tech, cell, num_read_cell_per_op, num_write_cell_per_op, num_read,
                         num_write, temperature=300) -> Power:
    """Energy (J) of ``num_read`` / ``num_write`` operations selecting ``num_*_cell_per_op`` lines
    each, and leakage (W) of one inverter per line.

    1T1R (``cmos_access``): the selected lines' inverter and gates switch (writes also charge the
    drains at the write voltage). Crosspoint: unselected lines are also held at the read voltage
    (reads) or at half the write voltage (writes). Manual: "Decoder driver".
    """
    v2 = tech.vdd * tech.vdd
    leakage = fm.gate_leakage(tech, L.INV, 1, d.width_inv_n, d.width_inv_p, temperature) * tech.vdd * d.num_output
    gn, gp = d.cap_tg_gate_n, d.cap_tg_gate_p
    vr, vw = cell.read_voltage, cell.write_voltage
    if d.cmos_access:
        sw = (d.cap_inv_input + gn * 2 + gp) * v2 + (d.cap_inv_output + gp * 2 + gn) * v2
        read = sw * num_read_cell_per_op
        write = sw * num_write_cell_per_op + (d.cap_tg_drain * 2) * vw * vw * num_write_cell_per_op
    else:
        sw = (d.cap_inv_input + gn + gp) * v2 + (d.cap_inv_output + gp + gn) * v2
        read = sw * num_read_cell_per_op + (d.cap_tg_drain * 2) * vr * vr * (d.num_output - num_read_cell_per_op)
        half = (d.cap_tg_drain * 2) * (vw / 2) * (vw / 2) * (d.num_output - num_write_cell_per_op)
        write = sw * num_write_cell_per_op + half
        if d.mode == L.ROW_MODE:
            write = write + (d.cap_tg_drain * 2) * vw * vw * num_write_cell_per_op
    return Power(read_dynamic_energy=read * num_read, write_dynamic_energy=write * num_write, leakage=leakage)
