"""Word-line decoder driver of 1T1R arrays read row by row (sequential mode).

Per word line: three NAND2 gates, one inverter and two transmission gates, all of minimum
size enlarged to the standard-cell height. The units are stacked along the array height.
Manual: "WL decoder driver" (peripheral circuits of the synaptic array).

Units: m, m^2, ohm, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import NONE, apply_layout, f64, fits, min_cell_height, std_height, c_int
from dse.circuits.cell_layout import Latency, Power
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class WLNewDecoderDriver:
    """State of the word-line decoder driver after sizing and layout (SI units)."""

    num_wl_row: Any
    width_nand_n: Any
    width_nand_p: Any
    width_inv_n: Any
    width_inv_p: Any
    width_tg_n: Any
    width_tg_p: Any
    h_nand: Any
    w_nand: Any
    h_inv: Any
    w_inv: Any
    h_tg: Any
    w_tg: Any
    area: Any
    height: Any
    width: Any
    cap_nand_input: Any
    cap_nand_output: Any
    cap_inv_input: Any
    cap_inv_output: Any
    cap_tg_gate_n: Any
    cap_tg_gate_p: Any
    cap_tg_drain: Any


def wl_new_decoder_driver(tech, num_wl_row, *, new_height=None, new_width=None,
                          option: int = NONE) -> WLNewDecoderDriver:
    """Size and lay out the driver of ``num_wl_row`` word lines (traced integer)."""
    F = tech.feature_size
    pn = tech.pn_size_ratio
    mn = L.MIN_NMOS_SIZE
    hstd = std_height(tech)
    rows = f64(num_wl_row)

    w_nand_n, w_nand_p = fm.enlarge_size(tech, 2 * mn * F, pn * mn * F, hstd)
    w_inv_n, w_inv_p = fm.enlarge_size(tech, mn * F, pn * mn * F, hstd)
    w_tg_n, w_tg_p = fm.enlarge_size(tech, mn * F, pn * mn * F, hstd)

    cell_h = min_cell_height(tech)
    _, h_nand, w_nand = fm.gate_area(tech, L.NAND, 2, w_nand_n, w_nand_p, cell_h)
    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, w_inv_n, w_inv_p, cell_h)
    if fits(new_height, option):
        nh = f64(new_height)
        tg_height = nh / rows
        # transmission gates shorter than a standard cell are spread over several columns
        num_col_tg = c_int(jnp.ceil(cell_h / tg_height))
        tg_height = jnp.where(tg_height < cell_h, nh / c_int(jnp.ceil(rows / num_col_tg)), tg_height)
        _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, tg_height)
        h_unit = jnp.maximum(jnp.maximum(h_inv, h_nand), h_tg)
        num_col_unit = c_int(jnp.ceil(rows / c_int(nh / h_unit)))
        height = nh + 0 * h_unit
        width = (3 * w_nand + w_inv + 2 * w_tg) * num_col_unit
    else:
        _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, cell_h)
        height = jnp.maximum(jnp.maximum(h_inv, h_nand), h_tg) * rows
        width = 3 * w_nand + w_inv + 2 * w_tg
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    c_nand_in, c_nand_out = fm.gate_capacitance(tech, L.NAND, 2, w_nand_n, w_nand_p, h_nand)
    c_inv_in, c_inv_out = fm.gate_capacitance(tech, L.INV, 1, w_inv_n, w_inv_p, h_inv)
    _, c_tg_drain = fm.gate_capacitance(tech, L.INV, 1, w_tg_n, w_tg_p, h_tg)
    return WLNewDecoderDriver(
        num_wl_row=rows, width_nand_n=w_nand_n, width_nand_p=w_nand_p, width_inv_n=w_inv_n, width_inv_p=w_inv_p,
        width_tg_n=w_tg_n, width_tg_p=w_tg_p, h_nand=h_nand, w_nand=w_nand, h_inv=h_inv, w_inv=w_inv,
        h_tg=h_tg, w_tg=w_tg, area=area, height=height, width=width,
        cap_nand_input=c_nand_in, cap_nand_output=c_nand_out, cap_inv_input=c_inv_in, cap_inv_output=c_inv_out,
        cap_tg_gate_n=fm.gate_cap(tech, w_tg_n), cap_tg_gate_p=fm.gate_cap(tech, w_tg_p), cap_tg_drain=c_tg_drain,
    )


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def wl_new_decoder_driver_latency(d: WLNewDecoderDriver, tech, ramp_input, cap_load, res_load, num_read,
                                  num_write, temperature=300) -> Latency:
    """Delay (s) of ``num_read`` / ``num_write`` word-line selections and the output slope.

    NAND2, inverter and NAND2 stages (each evaluated with the driver's input slope ``ramp_input``,
    as in the reference), then the transmission gate charging the word line ``cap_load`` (F)
    through ``res_load`` (ohm) with an ideal input slope. Manual: "Word-line decoder driver".
    """
    r_nand = fm.on_resistance(tech, d.width_nand_n, L.NMOS, temperature) * 2
    t1, _ = fm.horowitz(r_nand * (d.cap_nand_output + d.cap_inv_input), 0.0, ramp_input)
    r_inv = fm.on_resistance(tech, d.width_inv_p, L.PMOS, temperature)
    t2, _ = fm.horowitz(r_inv * (d.cap_inv_output + 2 * d.cap_nand_input), 0.0, ramp_input)
    t3, _ = fm.horowitz(r_nand * (d.cap_nand_output + d.cap_tg_gate_p + d.cap_tg_gate_n), 0.0, ramp_input)
    # linear-region on-resistance of the gate (not stored by the area model)
    r_n = fm.on_resistance_normal(tech, d.width_tg_n, L.NMOS, temperature) * L.LINEAR_REGION_RATIO
    r_p = fm.on_resistance_normal(tech, d.width_tg_p, L.PMOS, temperature) * L.LINEAR_REGION_RATIO
    res_tg = 1 / (1 / r_n + 1 / r_p)
    tr = res_tg * (2 * d.cap_tg_drain + cap_load) + res_load * cap_load / 2
    t4, ramp = fm.horowitz(tr, 0.0, fm.STEP_RAMP)
    t = t1 + t2 + t3 + t4
    return Latency(read_latency=t * num_read, write_latency=t * num_write, ramp_output=ramp)


def wl_new_decoder_driver_power(d: WLNewDecoderDriver, tech, cell, num_read, num_write, temperature=300) -> Power:
    """Energy (J) of ``num_read`` / ``num_write`` selections of one word line and leakage (W) of
    two NAND2 and two inverters per line (the gates are assumed not to leak).
    Manual: "Word-line decoder driver"."""
    v2 = tech.vdd * tech.vdd
    leak_nand = fm.gate_leakage(tech, L.NAND, 2, d.width_nand_n, d.width_nand_p, temperature)
    leak_inv = fm.gate_leakage(tech, L.INV, 1, d.width_inv_n, d.width_inv_p, temperature)
    leakage = leak_nand * tech.vdd * d.num_wl_row * 2 + leak_inv * tech.vdd * d.num_wl_row * 2
    sw = (d.cap_nand_input * v2 + (d.cap_inv_output + d.cap_tg_gate_n) * v2
          + (d.cap_nand_output + d.cap_tg_gate_n + d.cap_tg_gate_p) * v2)
    read = (sw + d.cap_tg_drain * cell.read_voltage * cell.read_voltage) * num_read
    write = (sw + d.cap_tg_drain * cell.write_voltage * cell.write_voltage) * num_write
    return Power(read_dynamic_energy=read, write_dynamic_energy=write, leakage=leakage)
