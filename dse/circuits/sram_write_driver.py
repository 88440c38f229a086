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
from dse.circuits.cell_layout import NONE, apply_layout, f64, fits, std_height, c_int
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
    if fits(new_width, option):
        nw = f64(new_width)
        per_row = jnp.minimum(c_int(nw / w_unit), num_col)
        height, width = c_int(jnp.ceil(num_col / per_row)) * h_unit, nw + 0 * h_unit
    else:
        height, width = h_unit, num_col * w_unit
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    c_in, c_out = fm.gate_capacitance(tech, L.INV, 1, w_n, w_p, h_inv)
    return SRAMWriteDriver(num_col=num_col, width_inv_n=w_n, width_inv_p=w_p, area=area, height=height,
                           width=width, cap_inv_input=c_in, cap_inv_output=c_out)
