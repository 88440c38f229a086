"""Word-line switch matrix of 1T1R arrays read in parallel: four transmission gates and a DFF per row.

The gates have fixed widths (minimum size times ``newswitchmatrixsizeratio``) rather than
being sized from a load resistance. Manual: "Switch matrix" (parallel-read 1T1R variant).

Units: m, m^2, ohm, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import NONE, apply_layout, f64, fits, min_cell_height, c_int
from dse.circuits.dff import DFF, dff as make_dff
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class NewSwitchMatrix:
    """State of the parallel-read word-line switch matrix after sizing and layout (SI units)."""

    num_output: Any
    width_tg_n: Any
    width_tg_p: Any
    res_tg: Any                  # ohm
    h_tg: Any
    w_tg: Any
    area: Any
    height: Any
    width: Any
    cap_tg_gate_n: Any
    cap_tg_gate_p: Any
    cap_tg_drain: Any
    dff: DFF


def new_switch_matrix(tech, prm, num_output, *, new_height=None, new_width=None,
                      option: int = NONE) -> NewSwitchMatrix:
    """Size and lay out the switch matrix of ``num_output`` word lines (traced count)."""
    F = tech.feature_size
    num_output = f64(num_output)
    w_tg_n = L.MIN_NMOS_SIZE * F * prm.newswitchmatrixsizeratio
    w_tg_p = tech.pn_size_ratio * L.MIN_NMOS_SIZE * F * prm.newswitchmatrixsizeratio
    # the reference evaluates both halves with the NMOS resistance
    res = 1 / (1 / fm.on_resistance_normal(tech, w_tg_n, L.NMOS)
               + 1 / fm.on_resistance_normal(tech, w_tg_p, L.NMOS))

    cell_h = min_cell_height(tech)
    if fits(new_height, option):
        nh = f64(new_height)
        per_col = c_int(nh / cell_h)
        num_col_tg = c_int(jnp.ceil(num_output / per_col))
        per_col = c_int(jnp.ceil(num_output / num_col_tg))
        _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, nh / per_col)
        d = make_dff(tech, prm, num_output, new_height=nh)
        height, width = nh + 0 * w_tg, (w_tg * 4) * num_col_tg + d.width
    else:
        _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, cell_h)
        height = h_tg * num_output
        d = make_dff(tech, prm, num_output, new_height=height)
        width = (w_tg * 4) + d.width
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    _, c_tg_drain = fm.gate_capacitance(tech, L.INV, 1, w_tg_n, w_tg_p, h_tg)
    return NewSwitchMatrix(
        num_output=num_output, width_tg_n=w_tg_n, width_tg_p=w_tg_p, res_tg=res, h_tg=h_tg, w_tg=w_tg,
        area=area, height=height, width=width, cap_tg_gate_n=fm.gate_cap(tech, w_tg_n),
        cap_tg_gate_p=fm.gate_cap(tech, w_tg_p), cap_tg_drain=c_tg_drain, dff=d,
    )
