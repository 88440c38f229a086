"""Bit-line precharger of SRAM arrays: two precharge PMOS and one equalizer PMOS per column.

Devices are enlarged to fill the standard-cell height; the per-column units are laid out in
one row, or in as many rows as needed to fit a given width.
Manual: "Precharger" (SRAM peripheral circuits).

Units: m, m^2, ohm, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import NONE, apply_layout, f64, row_of_units, std_height
from dse.circuits.cell_layout import Latency, Power
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class Precharger:
    """State of the bit-line precharger after sizing and layout (SI units)."""

    num_col: Any
    res_load: Any                        # ohm, bit-line resistance
    width_pmos_bitline_equal: Any
    width_pmos_bitline_precharger: Any
    area: Any
    height: Any
    width: Any
    cap_output_bitline_precharger: Any   # F, drain load one column sees


def precharger(tech, num_col, res_load, *, new_height=None, new_width=None, option: int = NONE) -> Precharger:
    """Size and lay out the precharger of ``num_col`` columns; ``res_load`` (ohm) is kept for latency."""
    F = tech.feature_size
    hstd = std_height(tech)
    num_col = f64(num_col)
    _, w_eq = fm.enlarge_size(tech, 0.0 * F, L.MIN_NMOS_SIZE * F, hstd)
    _, w_pre = fm.enlarge_size(tech, 0.0 * F, 6 * F, hstd)

    _, h_pre, wd_pre = fm.gate_area(tech, L.INV, 1, 0.0 * F, w_pre, hstd)
    _, h_eq, wd_eq = fm.gate_area(tech, L.INV, 1, 0.0 * F, w_eq, hstd)
    h_unit = h_pre * 2 + h_eq
    w_unit = jnp.maximum(wd_pre, wd_eq)
    height, width = row_of_units(num_col, h_unit, w_unit, new_width, option)
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    c_out = fm.drain_cap(tech, w_pre, L.PMOS, h_pre) + fm.drain_cap(tech, w_eq, L.PMOS, h_eq)
    return Precharger(
        num_col=num_col, res_load=f64(res_load) + 0 * F, width_pmos_bitline_equal=w_eq,
        width_pmos_bitline_precharger=w_pre, area=area, height=height, width=width,
        cap_output_bitline_precharger=c_out,
    )


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def precharger_latency(p: Precharger, tech, ramp_input, cap_load, num_read, num_write, temperature=300) -> Latency:
    """Delay (s) of ``num_read`` / ``num_write`` bit-line precharges and the output slope.

    Horowitz delay of the precharge PMOS charging ``cap_load`` (F, the bit line) through the
    line resistance; the input slope is taken as ideal, as in the reference. Manual: "Precharger".
    """
    del ramp_input
    r = fm.on_resistance(tech, p.width_pmos_bitline_precharger, L.PMOS, temperature)
    tau = r * (cap_load + p.cap_output_bitline_precharger) + p.res_load * cap_load / 2
    t, ramp = fm.horowitz(tau, 0.0, fm.STEP_RAMP)
    return Latency(read_latency=t * num_read, write_latency=t * num_write, ramp_output=ramp)


def precharger_power(p: Precharger, tech, cap_load, num_read, num_write, num_read_cell_per_operation,
                     num_write_cell_per_operation, activity_col_write, temperature=300) -> Power:
    """Energy (J) of ``num_read`` / ``num_write`` precharges of ``cap_load`` (F) per column and
    leakage (W) of two precharge PMOS per column.

    Reads recharge ``min(num_read_cell_per_operation, num_col)`` bit lines, writes
    ``min(num_write_cell_per_operation, num_col * activity_col_write)``. Manual: "Precharger".
    """
    v2 = tech.vdd * tech.vdd
    w = p.width_pmos_bitline_precharger
    leakage = 2 * fm.gate_leakage(tech, L.INV, 1, 0.0 * w, w, temperature) * tech.vdd * p.num_col
    read = cap_load * v2 * jnp.minimum(f64(num_read_cell_per_operation), p.num_col) * num_read
    write = cap_load * v2 * jnp.minimum(f64(num_write_cell_per_operation), p.num_col * activity_col_write) * num_write
    return Power(read_dynamic_energy=read, write_dynamic_energy=write, leakage=leakage)
