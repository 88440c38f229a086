"""Row decoder (word-line decoder and column-mux decoder): sizing, layout area, capacitances.

A 2-bit predecoded decoder: address inverters, NAND2 predecoders, one NOR gate of
ceil(N/2) inputs per output, and an output stage of two inverters (regular decoder) or a
NAND2 + two inverters (MUX decoder, which drives the pass-gate mux). The final driver is
scaled by ``sizingfactor_wldecoder`` (regular) or ``sizingfactor_mux`` (MUX decoder).
Manual: "Row decoder" (peripheral circuits of the synaptic array).

Units: widths and lengths in m, areas in m^2, capacitances in F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import (NONE, REGULAR_ROW, Latency, Power, apply_layout, c_int, calibrated, f64, fits,
                                      lines_needed, metal_pitches, safe_div, std_height)
from dse.pytree import pytree_dataclass, static_field
from dse.tech import layout as L

#: largest NOR fan-in the decoder can need (11 address bits for a 2048-row array)
MAX_NOR_INPUTS = 6


@pytree_dataclass
class RowDecoder:
    """State of a row decoder after sizing and layout (SI units)."""

    num_addr_row: Any
    num_inv: Any
    num_nand: Any
    num_nor: Any
    num_nor_inputs: Any          # ceil(num_addr_row / 2)
    num_metal_connection: Any
    width_inv_n: Any
    width_inv_p: Any
    width_nand_n: Any
    width_nand_p: Any
    width_nor_n: Any
    width_nor_p: Any
    width_driver_inv_n: Any
    width_driver_inv_p: Any
    h_inv: Any
    w_inv: Any
    h_nand: Any
    w_nand: Any
    h_nor: Any
    w_nor: Any
    h_driver_inv: Any
    w_driver_inv: Any
    area: Any
    height: Any
    width: Any
    cap_inv_input: Any
    cap_inv_output: Any
    cap_nand_input: Any
    cap_nand_output: Any
    cap_nor_input: Any
    cap_nor_output: Any
    cap_driver_inv_input: Any
    cap_driver_inv_output: Any
    mode: int = static_field(default=REGULAR_ROW)
    mux: bool = static_field(default=False)
    parallel: bool = static_field(default=False)


def _lines(n, extent, unit):
    """:func:`lines_needed`, 0 where not one unit fits (or there are none)."""
    per = jnp.minimum(c_int(extent / unit), n)
    return jnp.where(per > 0, c_int(jnp.ceil(safe_div(n, per))), 0.0)


def _nor(tech, num_inputs, width_n, width_p, height_region, what):
    """NOR gate area or capacitance with a traced fan-in.

    The gate model's formulas are linear in the fan-in apart from integer parities, which it
    writes with array operators, so the traced count is passed straight through (one gate
    model instead of one per possible fan-in keeps compile times short).
    """
    n = jnp.clip(f64(num_inputs), 0, MAX_NOR_INPUTS)
    if what == "area":
        return fm.gate_area(tech, L.NOR, n, width_n, width_p, height_region)
    return fm.gate_capacitance(tech, L.NOR, n, width_n, width_p, height_region)


def row_decoder(tech, prm, num_addr_row, *, mode: int = REGULAR_ROW, mux: bool = False,
                parallel: bool = False, new_height=None, new_width=None, option: int = NONE) -> RowDecoder:
    """Size and lay out a decoder of ``num_addr_row`` address bits (traced integer).

    ``mode`` (REGULAR_ROW: outputs stacked along the height; REGULAR_COL: along the width),
    ``mux`` (column-mux decoder with NAND enable stage and ``sizingfactor_mux`` driver) and
    ``parallel`` (8x upsized mux decoder of the BNN parallel modes) are static.
    ``new_height`` / ``new_width`` (m) and ``option`` as in :mod:`dse.circuits.cell_layout`.
    """
    F = tech.feature_size
    pn = tech.pn_size_ratio
    mn = L.MIN_NMOS_SIZE
    hstd = std_height(tech)
    n = f64(num_addr_row)
    nor_inputs = jnp.ceil(n / 2)

    # ---- sizing (the reference's Initialize) ----
    if parallel:
        w_inv_n, w_inv_p = 8 * mn * F, 8 * pn * mn * F
        w_nand_n, w_nand_p = 8 * 2 * mn * F, 8 * pn * mn * F
        w_nor_n, w_nor_p = 8 * mn * F, 8 * nor_inputs * pn * mn * F
        w_drv_n, w_drv_p = 8 * 3 * mn * F, 8 * 3 * pn * mn * F
    else:
        w_inv_n, w_inv_p = fm.enlarge_size(tech, mn * F, pn * mn * F, hstd)
        w_nand_n, w_nand_p = fm.enlarge_size(tech, 2 * mn * F, pn * mn * F, hstd)
        w_nor_n, w_nor_p = fm.enlarge_size(tech, mn * F, nor_inputs * pn * mn * F, hstd)
        factor = prm.sizingfactor_mux if mux else prm.sizingfactor_wldecoder
        w_drv_n = 2 * mn * F * factor
        w_drv_p = 2 * pn * mn * F * factor
    num_inv = n
    num_nand = 4 * jnp.floor(n / 2)
    num_nor = jnp.where(n > 2, 2.0 ** n, 0.0)
    num_metal = jnp.where(n > 2, num_nand + jnp.mod(n, 2) * 2, 0.0)

    # ---- gate layouts at the standard-cell height ----
    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, w_inv_n, w_inv_p, hstd)
    _, h_nand, w_nand = fm.gate_area(tech, L.NAND, 2, w_nand_n, w_nand_p, hstd)
    _, h_nor, w_nor = _nor(tech, nor_inputs, w_nor_n, w_nor_p, hstd, "area")
    _, h_drv, w_drv = fm.gate_area(tech, L.INV, 1, w_drv_n, w_drv_p, hstd)
    m2, m3 = metal_pitches(tech)

    out_stage_w = (w_nand + w_drv * 2) if mux else (w_drv * 2)
    out_stage_h = (h_nand + h_drv * 2) if mux else (h_drv * 2)
    if mode == REGULAR_ROW:
        if fits(new_height, option):
            nh = f64(new_height)
            num_col_nor = _lines(num_nor, nh, h_nor)
            num_col_nand = _lines(num_nand, nh, h_nand)
            # the reference tests the (still zero) column count of the inverters, so they add no width
            num_col_inv = 0.0
            height = nh + 0 * h_inv
            width = (w_inv * num_col_inv + w_nand * num_col_nand + m3 * num_metal * F + w_nor * num_col_nor
                     + out_stage_w * num_col_nor)
        else:
            height = jnp.maximum(h_nor * num_nor, h_nand * num_nand)
            width = w_inv + w_nand + m3 * num_metal * F + w_nor + out_stage_w
    else:
        if fits(new_width, option):
            nw = f64(new_width)
            num_row_nor = _lines(num_nor, nw, w_nor)
            num_row_nand = _lines(num_nand, nw, w_nand)
            num_row_inv = lines_needed(num_inv, nw, w_inv)
            width = nw + 0 * w_inv
            height = (h_inv * num_row_inv + h_nand * num_row_nand + m2 * num_metal * F + h_nor * num_row_nor
                      + out_stage_h * num_row_nor)
        else:
            height = h_inv + h_nand + m2 * num_metal * F + h_nor + out_stage_h
            width = jnp.maximum(w_nor * num_nor, w_nand * num_nand)
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    # ---- capacitances (at the laid-out gate heights) ----
    c_inv_in, c_inv_out = fm.gate_capacitance(tech, L.INV, 1, w_inv_n, w_inv_p, h_inv)
    c_nand_in, c_nand_out = fm.gate_capacitance(tech, L.NAND, 2, w_nand_n, w_nand_p, h_nand)
    c_nand_in = jnp.where(num_nand > 0, c_nand_in, 0.0)
    c_nand_out = jnp.where(num_nand > 0, c_nand_out, 0.0)
    c_nor_in, c_nor_out = _nor(tech, nor_inputs, w_nor_n, w_nor_p, h_nor, "cap")
    c_nor_in = jnp.where(num_nor > 0, c_nor_in, 0.0)
    c_nor_out = jnp.where(num_nor > 0, c_nor_out, 0.0)
    c_drv_in, c_drv_out = fm.gate_capacitance(tech, L.INV, 1, w_drv_n, w_drv_p, h_drv)

    return RowDecoder(
        num_addr_row=n, num_inv=num_inv, num_nand=num_nand, num_nor=num_nor, num_nor_inputs=nor_inputs,
        num_metal_connection=num_metal,
        width_inv_n=w_inv_n, width_inv_p=w_inv_p, width_nand_n=w_nand_n, width_nand_p=w_nand_p,
        width_nor_n=w_nor_n, width_nor_p=w_nor_p, width_driver_inv_n=w_drv_n, width_driver_inv_p=w_drv_p,
        h_inv=h_inv, w_inv=w_inv, h_nand=h_nand, w_nand=w_nand, h_nor=h_nor, w_nor=w_nor,
        h_driver_inv=h_drv, w_driver_inv=w_drv,
        area=area, height=height, width=width,
        cap_inv_input=c_inv_in, cap_inv_output=c_inv_out, cap_nand_input=c_nand_in, cap_nand_output=c_nand_out,
        cap_nor_input=c_nor_in, cap_nor_output=c_nor_out,
        cap_driver_inv_input=c_drv_in, cap_driver_inv_output=c_drv_out,
        mode=mode, mux=mux, parallel=parallel,
    )


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def row_decoder_latency(d: RowDecoder, tech, ramp_input, cap_load1, cap_load2, res_load, col_num, num_read,
                        num_write, temperature=300) -> Latency:
    """Delay (s) of one decode, times ``num_read`` / ``num_write``, and the output slope (1/s).

    A chain of Horowitz stages: address inverter (loading two NAND inputs, or the load when
    there is no predecoder), NAND2 predecoder (loading a quarter of the NOR inputs), NOR, then
    either two driver inverters (regular decoder; the last one drives ``cap_load1`` (F) through a
    line of ``res_load`` (ohm) spread over ``col_num`` cells) or the mux-enable NAND + inverter
    pair driving the pass-gate NMOS gates ``cap_load1`` and PMOS gates ``cap_load2`` (F).
    The same delay is used for reads and writes. Manual: "Row decoder".
    """
    zero = jnp.zeros_like(f64(d.cap_inv_output))
    has_nand = d.num_nand > 0
    has_nor = d.num_nor > 0
    r_inv = fm.on_resistance(tech, d.width_inv_n, L.NMOS, temperature)
    r_nand = fm.on_resistance(tech, d.width_nand_n, L.NMOS, temperature)
    r_nor = fm.on_resistance(tech, d.width_nor_p, L.PMOS, temperature) * 2
    r_drv_n = fm.on_resistance(tech, d.width_driver_inv_n, L.NMOS, temperature)
    r_drv_p = fm.on_resistance(tech, d.width_driver_inv_p, L.PMOS, temperature)

    tr = r_inv * (d.cap_inv_output + jnp.where(has_nand, d.cap_nand_input * 2, cap_load1))
    t_inv, ramp_inv = fm.horowitz(tr, 0.0, ramp_input)
    tr = r_nand * 2 * (d.cap_nand_output + jnp.where(has_nor, d.cap_nor_input * d.num_nor / 4, cap_load1))
    t_nand, ramp_nand = fm.horowitz(tr, 0.0, ramp_inv)
    ramp_nand = jnp.where(has_nand, ramp_nand, fm.STEP_RAMP)
    tr = r_nor * (d.cap_nor_output + (d.cap_nand_input if d.mux else d.cap_inv_input))
    t_nor, ramp_nor = fm.horowitz(tr, 0.0, ramp_nand)
    ramp_nor = jnp.where(has_nor, ramp_nor, fm.STEP_RAMP)
    delay = t_inv + jnp.where(has_nand, t_nand, zero) + jnp.where(has_nor, t_nor, zero)
    # slope at the end of the predecoding chain (the output stages below overwrite it)
    if d.mux:
        tr = r_nand * (d.cap_nand_output + d.cap_inv_input)
        t1, ramp1 = fm.horowitz(tr, 0.0, ramp_nor)
        tr = r_drv_p * (d.cap_driver_inv_output + d.cap_driver_inv_input + cap_load1)
        t2, ramp2 = fm.horowitz(tr, 0.0, ramp1)
        tr = r_drv_n * (d.cap_driver_inv_output + cap_load2)
        t3, _ = fm.horowitz(tr, 0.0, ramp2)
        delay = delay + t1 + t2 + t3
        ramp_out = ramp2          # the reference hands on the slope of the middle inverter
    else:
        tr = r_drv_n * (d.cap_driver_inv_output + d.cap_driver_inv_input)
        t1, ramp1 = fm.horowitz(tr, 0.0, ramp_nor)
        # the last inverter also charges the distributed line (half its RC, plus its share per cell)
        tr = (r_drv_p * (d.cap_driver_inv_output + cap_load1)
              + (res_load * (cap_load1 + cap_load1 / col_num)) / 2)
        t2, _ = fm.horowitz(tr, 0.0, ramp1)
        delay = delay + t1 + t2
        ramp_out = ramp1
    return Latency(read_latency=delay * num_read, write_latency=delay * num_write, ramp_output=ramp_out)


def _nor_leakage(tech, num_inputs, width_n, temperature=300):
    """Leakage current (A) of a NOR gate with a traced fan-in (the 2-input or the 3-input state average)."""
    # an INV with no PMOS leaks half the NMOS off-current: twice that is one NMOS
    i_n = 2 * fm.gate_leakage(tech, L.INV, 1, width_n, 0.0 * width_n, temperature)
    ratio = jnp.where(num_inputs == 2, L.AVG_RATIO_LEAK_2INPUT_NOR, L.AVG_RATIO_LEAK_3INPUT_NOR)
    return ratio * (i_n * num_inputs)


def row_decoder_power(d: RowDecoder, tech, prm, num_read, num_write, temperature=300) -> Power:
    """Dynamic energy (J) of ``num_read`` / ``num_write`` decodes and leakage (W).

    Each decode charges the address inverters and the predecoder lines they drive, one active
    NAND2 group in four, one NOR output and the output stage. Read energy carries the
    control-circuit activity ``epsilon`` in validated mode. Manual: "Row decoder".
    """
    vdd = tech.vdd
    v2 = vdd * vdd
    n = d.num_addr_row
    leak_inv = fm.gate_leakage(tech, L.INV, 1, d.width_inv_n, d.width_inv_p, temperature)
    leak_nand = fm.gate_leakage(tech, L.NAND, 2, d.width_nand_n, d.width_nand_p, temperature)
    leakage = (leak_inv * vdd * d.num_inv + leak_nand * vdd * d.num_nand
               + _nor_leakage(tech, d.num_nor_inputs, d.width_nor_n, temperature) * vdd * d.num_nor)
    if d.mux:
        leakage = leakage + leak_nand * vdd * d.num_nor + leak_inv * vdd * 2 * d.num_nor
    else:
        leak_drv = fm.gate_leakage(tech, L.INV, 1, d.width_driver_inv_n, d.width_driver_inv_p, temperature)
        leakage = leakage + leak_drv * vdd * 2 * d.num_nor

    pairs = jnp.floor(n / 2) * 2           # address bits that feed NAND2 predecoders (int division)
    e = (d.cap_inv_input + d.cap_nand_input * 2) * v2 * pairs
    e = e + (d.cap_inv_input + d.cap_nor_input * d.num_nor / 2) * v2 * (n - pairs)
    e = e + (d.cap_nand_output + d.cap_nor_input * d.num_nor / 4) * v2 * d.num_nand / 4
    if d.mux:
        e = e + (d.cap_nor_output + d.cap_nand_input) * v2
        e = e + ((d.cap_nand_output + d.cap_driver_inv_input) * v2
                 + (d.cap_driver_inv_output + d.cap_driver_inv_input) * v2
                 + d.cap_driver_inv_output * v2)
    else:
        e = e + (d.cap_nor_output + d.cap_inv_input) * v2
        e = e + (d.cap_driver_inv_input + d.cap_driver_inv_output) * v2 * 2
    read = e * num_read * calibrated(prm, prm.epsilon)
    return Power(read_dynamic_energy=read, write_dynamic_energy=e * num_write, leakage=leakage)
