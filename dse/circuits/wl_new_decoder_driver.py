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
