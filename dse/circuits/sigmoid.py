"""Sigmoid activation unit: a small SRAM look-up table per function.

Each unit stores ``num_entry`` (x, y) entries of ``num_y_bit`` bits in SRAM cells (cell
height plus one inverter, width the larger of three inverters and the cell), with a row
decoder that selects the entry and sense amplifiers reading it. ``num_function`` units
work in parallel and are laid out at a given width (or height). Only the SRAM look-up
table is modelled (the reference always builds it). Manual: "Activation (sigmoid)".
:func:`sigmoid_latency` (cycles in synchronous mode, else s) and :func:`sigmoid_power` (J, W).
Units: m, m^2, F, ohm, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.buffer import sram_cell_parasitics
from dse.circuits.cell_layout import REGULAR_ROW, Latency, Power, clock_cycles, f64, spread, std_height
from dse.circuits.row_decoder import RowDecoder, row_decoder, row_decoder_latency, row_decoder_power
from dse.circuits.sense_amp import SenseAmp, sense_amp, sense_amp_latency, sense_amp_power
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class Sigmoid:
    """State of ``num_function`` sigmoid look-up units (SI units)."""

    num_y_bit: Any
    num_entry: Any
    num_function: Any
    h_unit: Any             # m, one entry row
    w_unit: Any             # m, one entry (all y bits)
    cap_row1: Any           # F, word line
    cap_col: Any            # F, bit line
    res_row: Any            # ohm
    res_col: Any            # ohm
    res_cell_access: Any    # ohm
    cap_cell_access: Any    # F
    cap_sram_cell: Any      # F
    wl_decoder: RowDecoder
    sense_amp: SenseAmp
    area_unit: Any          # m^2, one unit
    area: Any
    height: Any
    width: Any


def sigmoid(tech, prm, cell, num_y_bit, num_entry, num_function, *, new_height=None,
            new_width=None) -> Sigmoid:
    """``num_function`` look-up units of ``num_entry`` entries x ``num_y_bit`` bits, laid out
    ``new_width`` wide (else ``new_height`` high)."""
    F = tech.feature_size
    hstd = std_height(tech)
    n_y = jnp.trunc(f64(num_y_bit))
    n_e = jnp.trunc(f64(num_entry))
    n_f = jnp.trunc(f64(num_function))
    mn = L.MIN_NMOS_SIZE
    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, mn * F, tech.pn_size_ratio * mn * F, hstd)
    h_unit = h_inv + cell.height_in_feature_size * F
    w_unit = jnp.maximum(w_inv * 3, cell.width_in_feature_size * F) * n_y

    # bit-line / word-line parasitics of the SRAM table (for latency and energy)
    par = sram_cell_parasitics(tech, prm, cell, cell.width_access_cmos, n_y, n_e, w_unit, h_unit * n_e)
    res_cell_access, cap_cell_access, cap_sram_cell = par["res_cell_access"], par["cap_cell_access"], par["cap_sram_cell"]
    cap_row1, cap_col = par["cap_row1"], par["cap_col"]
    finfet = f64(tech.technode) <= 14
    # the reference adds the FinFET drain overlap a second time
    cap_col = cap_col + jnp.where(finfet, tech.cap_draintotal * cell.width_access_cmos * tech.effective_width * n_e, 0.0)
    res_row = w_unit * prm.metal0_unitwireresis
    res_col = h_unit * n_e * prm.metal1_unitwireresis

    dec = row_decoder(tech, prm, jnp.ceil(jnp.log2(n_e)), mode=REGULAR_ROW)
    sa = sense_amp(tech, n_y, w_unit / n_y, cell.min_sense_voltage)
    area_unit = h_unit * w_unit * n_e + dec.area + sa.area
    area = area_unit * n_f
    height, width = spread(area, new_height, new_width)
    return Sigmoid(num_y_bit=n_y, num_entry=n_e, num_function=n_f, h_unit=h_unit, w_unit=w_unit,
                   cap_row1=cap_row1, cap_col=cap_col, res_row=res_row, res_col=res_col,
                   res_cell_access=res_cell_access, cap_cell_access=cap_cell_access, cap_sram_cell=cap_sram_cell,
                   wl_decoder=dec, sense_amp=sa, area_unit=area_unit, area=area, height=height, width=width)


def sigmoid_latency(sg: Sigmoid, tech, prm, num_read, *, clk_freq=None) -> Latency:
    """Latency of ``num_read`` look-ups by all units in parallel (broadcasts over a layer axis):
    word-line decode (the decoder's last stage sees no word-line load, as in the reference)
    plus sensing; the bit-line delay is not counted. Synchronous mode: one look-up in whole
    cycles of ``clk_freq`` (default ``prm.clk_freq``), times ``num_read``; asynchronous: s.
    Manual: "Activation (sigmoid)"."""
    wl = row_decoder_latency(sg.wl_decoder, tech, fm.STEP_RAMP, 0.0, sg.cap_sram_cell, sg.res_row, sg.num_y_bit, 1.0,
                             1.0)
    sa = sense_amp_latency(sg.sense_amp, tech, 1.0)
    t = clock_cycles(prm, wl.read_latency + sa.read_latency, clk_freq)
    lat = t * num_read
    return Latency(read_latency=lat, write_latency=jnp.zeros_like(lat), ramp_output=jnp.zeros_like(lat))


def sigmoid_power(sg: Sigmoid, tech, prm, cell, num_read) -> Power:
    """Energy (J) of ``num_read`` look-ups by each of the ``num_function`` units (one decode and
    one sense each) and leakage (W) of one unit: two inverters per SRAM cell, the decoder and
    the sense amplifiers (the reference counts a single unit's leakage). Manual: "Activation
    (sigmoid)"."""
    wl = row_decoder_power(sg.wl_decoder, tech, prm, 1.0, 1.0)
    sa = sense_amp_power(sg.sense_amp, tech, 1.0, 1.0)
    e = (wl.read_dynamic_energy + sa.read_dynamic_energy) * (num_read * sg.num_function)
    fin = jnp.where(f64(tech.technode) <= 14, 2.0, 1.0)
    F = tech.feature_size
    leakage = fm.gate_leakage(tech, L.INV, 1, cell.width_sram_cell_nmos * fin * F, cell.width_sram_cell_pmos * fin * F,
                              prm.temp) * tech.vdd * 2
    leakage = leakage * (sg.num_y_bit * sg.num_entry) + wl.leakage + sa.leakage
    return Power(read_dynamic_energy=e, write_dynamic_energy=jnp.zeros_like(e), leakage=leakage)
