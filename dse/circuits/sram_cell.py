"""One 6T SRAM cell as the lines see it: access transistor, storage node, and its loads.

The access transistor is ``width_access_cmos`` minimum widths (fins at 14 nm and below) wide;
the storage node joins the access drain, the cross-coupled inverters' drains and their gates.
A cell loads its bit line with the access drain (at FinFET nodes, the drawn drain overlap) and
its word line with the access gate. Shared by the subarray, the SRAM buffers and the sigmoid
table. Manual: "Synaptic array" (SRAM cell parasitics).

Units: ohm, F.
"""
from __future__ import annotations

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import f64, fin_factor, is_finfet_or_gaa, std_height
from dse.tech import layout as L


def sram_cell(tech, prm, cell, width_access_cmos) -> dict:
    """``res_access`` (ohm), ``cap_access`` (access drain, F), ``cap_cell`` (storage node, F),
    ``drain_col`` (a cell's bit-line load, F) and ``gate_access`` (a cell's word-line load, F)."""
    F = tech.feature_size
    fin = fin_factor(tech)
    hstd = std_height(tech)
    w_acc = width_access_cmos * fin * F
    cap_access = fm.drain_cap(tech, w_acc, L.NMOS, hstd)
    w_n = f64(cell.width_sram_cell_nmos) * fin * F
    w_p = f64(cell.width_sram_cell_pmos) * fin * F
    return dict(
        res_access=fm.on_resistance(tech, w_acc, L.NMOS, prm.temp), cap_access=cap_access,
        cap_cell=(cap_access + fm.drain_cap(tech, w_n, L.NMOS, hstd) + fm.drain_cap(tech, w_p, L.PMOS, hstd)
                  + fm.gate_cap(tech, w_n) + fm.gate_cap(tech, w_p)),
        drain_col=jnp.where(is_finfet_or_gaa(tech), tech.cap_draintotal * width_access_cmos * tech.effective_width,
                            cap_access),
        gate_access=fm.gate_cap(tech, w_acc),
    )


def sram_bitline_delay(tech, prm, cell, res_access, cap_cell, res_cell, rows):
    """Time (s) for a read to pull an SRAM bit line of ``rows`` cells (``cap_cell`` F and
    ``res_cell`` ohm of line each) down by half the sense margin through the access transistor
    (``res_access`` ohm) and the cell's pull-down: Elmore delay of the distributed line."""
    r_pull_down = fm.on_resistance(tech, cell.width_sram_cell_nmos * (fin_factor(tech) * tech.feature_size), L.NMOS,
                                   prm.temp)
    elmore = (res_access + r_pull_down) * cap_cell * rows + cap_cell * res_cell * rows * (rows + 1.0) / 2.0
    return elmore * jnp.log(tech.vdd / (tech.vdd - cell.min_sense_voltage / 2.0))
