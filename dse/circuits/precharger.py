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
from dse.circuits.cell_layout import NONE, apply_layout, f64, fits, std_height, c_int
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
    if fits(new_width, option):
        nw = f64(new_width)
        per_row = jnp.minimum(c_int(nw / w_unit), num_col)
        height, width = c_int(jnp.ceil(num_col / per_row)) * h_unit, nw + 0 * h_unit
    else:
        height, width = h_unit, num_col * w_unit
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    c_out = fm.drain_cap(tech, w_pre, L.PMOS, h_pre) + fm.drain_cap(tech, w_eq, L.PMOS, h_eq)
    return Precharger(
        num_col=num_col, res_load=f64(res_load) + 0 * F, width_pmos_bitline_equal=w_eq,
        width_pmos_bitline_precharger=w_pre, area=area, height=height, width=width,
        cap_output_bitline_precharger=c_out,
    )
