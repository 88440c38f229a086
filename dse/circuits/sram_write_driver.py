"""SRAM write driver: three minimum inverters per column (two drive BL, one BL bar).

Inverters are enlarged to the standard-cell height; the per-column units are laid out in one
row, or in as many rows as needed to fit a given width.
Manual: "SRAM write driver" (SRAM peripheral circuits).

Units: m, m^2, F.
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
class SRAMWriteDriver:
    """State of the SRAM write driver after sizing and layout (SI units)."""

    num_col: Any
    width_inv_n: Any
    width_inv_p: Any
    area: Any
    height: Any
    width: Any
    cap_inv_input: Any
    cap_inv_output: Any


def sram_write_driver(tech, num_col, *, new_height=None, new_width=None, option: int = NONE) -> SRAMWriteDriver:
    """Size and lay out the write drivers of ``num_col`` columns (traced count)."""
    F = tech.feature_size
    hstd = std_height(tech)
    num_col = f64(num_col)
    w_n, w_p = fm.enlarge_size(tech, L.MIN_NMOS_SIZE * F, tech.pn_size_ratio * L.MIN_NMOS_SIZE * F, hstd)
    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, w_n, w_p, hstd)
    h_unit, w_unit = h_inv * 3, w_inv
    height, width = row_of_units(num_col, h_unit, w_unit, new_width, option)
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    c_in, c_out = fm.gate_capacitance(tech, L.INV, 1, w_n, w_p, h_inv)
    return SRAMWriteDriver(num_col=num_col, width_inv_n=w_n, width_inv_p=w_p, area=area, height=height,
                           width=width, cap_inv_input=c_in, cap_inv_output=c_out)


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def sram_write_driver_latency(w: SRAMWriteDriver, tech, ramp_input, cap_load, res_load, num_write,
                              temperature=300) -> Latency:
    """Delay (s) of ``num_write`` writes: two Horowitz inverter stages, the second driving the bit
    line ``cap_load`` (F) through ``res_load`` (ohm). Manual: "SRAM write driver"."""
    r_p = fm.on_resistance(tech, w.width_inv_p, L.PMOS, temperature)
    t1, ramp1 = fm.horowitz(r_p * (w.cap_inv_output + w.cap_inv_input), 0.0, ramp_input)
    r_n = fm.on_resistance(tech, w.width_inv_n, L.NMOS, temperature)
    t2, ramp2 = fm.horowitz(r_n * (cap_load + w.cap_inv_output) + res_load * cap_load / 2, 0.0, ramp1)
    lat = (t1 + t2) * num_write
    return Latency(read_latency=jnp.zeros_like(lat), write_latency=lat, ramp_output=ramp2)


def sram_write_driver_power(w: SRAMWriteDriver, tech, num_write, num_write_cell_per_operation,
                            activity_col_write, temperature=300) -> Power:
    """Energy (J) of ``num_write`` writes of ``min(num_write_cell_per_operation, num_col *
    activity_col_write)`` columns and leakage (W) of three inverters per column.
    Manual: "SRAM write driver"."""
    v2 = tech.vdd * tech.vdd
    leak = fm.gate_leakage(tech, L.INV, 1, w.width_inv_n, w.width_inv_p, temperature)
    leakage = leak * tech.vdd * 3 * w.num_col
    cols = jnp.minimum(f64(num_write_cell_per_operation), w.num_col * activity_col_write)
    e = (w.cap_inv_output + w.cap_inv_input) * v2 * cols * num_write
    return Power(read_dynamic_energy=jnp.zeros_like(e), write_dynamic_energy=e, leakage=leakage)
