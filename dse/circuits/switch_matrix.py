"""Switch matrix: a pair of transmission gates per array line plus a scan-in DFF per line.

Used to drive the word lines of SRAM arrays in parallel mode (row mode) and the source
lines of 1T1R arrays (column mode). The gates are sized so that their linear-region
resistance matches ``res_tg * switchmatrixsizeratio``; at 14 nm and below the widths are
rounded up to whole fins. Manual: "Switch matrix" (peripheral circuits of the synaptic array).

Units: m, m^2, ohm, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import (NONE, apply_layout, f64, fin_factor, fits, is_finfet_or_gaa,
                                      min_cell_height, min_cell_width, c_int)
from dse.circuits.dff import DFF, dff as make_dff
from dse.pytree import pytree_dataclass, static_field
from dse.tech import layout as L


@pytree_dataclass
class SwitchMatrix:
    """State of a switch matrix after sizing and layout (SI units)."""

    num_output: Any
    width_tg_n: Any
    width_tg_p: Any
    res_tg: Any                  # ohm, linear-region on-resistance of one gate
    h_tg: Any
    w_tg: Any
    area: Any
    height: Any
    width: Any
    cap_tg_gate_n: Any
    cap_tg_gate_p: Any
    cap_tg_drain: Any
    dff: DFF
    mode: int = static_field(default=L.ROW_MODE)


def size_pass_gate(tech, prm, res_target, linear_ratio):
    """N and P widths (m) of a transmission gate whose halves each have ``2 * res_target``.

    ``linear_ratio`` scales the saturation on-resistance to the linear region. Widths are
    rounded up to whole fins at 14 nm and below, and kept at least 1 F at planar nodes.
    """
    F = tech.feature_size
    unit = fin_factor(tech) * F
    w_n = fm.on_resistance_normal(tech, unit, L.NMOS) * F * linear_ratio / (res_target * 2)
    w_p = fm.on_resistance_normal(tech, unit, L.PMOS) * F * linear_ratio / (res_target * 2)
    fin = is_finfet_or_gaa(tech)
    w_n = jnp.where(fin, 2 * jnp.ceil(w_n / F) * F, jnp.maximum(w_n, F))
    w_p = jnp.where(fin, 2 * jnp.ceil(w_p / F) * F, jnp.maximum(w_p, F))
    return w_n, w_p


def switch_matrix(tech, prm, num_output, res_tg, *, mode: int = L.ROW_MODE, new_height=None, new_width=None,
                  option: int = NONE) -> SwitchMatrix:
    """Size and lay out a switch matrix of ``num_output`` lines; ``res_tg`` (ohm) is the target
    resistance before the ``switchmatrixsizeratio`` scaling. ``mode`` (ROW_MODE / COL_MODE) is static."""
    num_output = f64(num_output)
    target = f64(res_tg) * prm.switchmatrixsizeratio
    w_tg_n, w_tg_p = size_pass_gate(tech, prm, target, L.LINEAR_REGION_RATIO)
    res = 1 / (1 / fm.on_resistance_normal(tech, w_tg_n, L.NMOS)
               + 1 / fm.on_resistance_normal(tech, w_tg_p, L.PMOS))

    if mode == L.ROW_MODE:
        cell_h = min_cell_height(tech)
        if fits(new_height, option):
            nh = f64(new_height)
            per_col = c_int(nh / cell_h)
            num_col_pair = c_int(jnp.ceil(num_output / per_col))
            per_col = c_int(jnp.ceil(num_output / num_col_pair))
            _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, nh / per_col)
            d = make_dff(tech, prm, num_output, new_height=nh)
            height, width = nh + 0 * w_tg, (w_tg * 2) * num_col_pair + d.width
        else:
            _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_tg_n, w_tg_p, cell_h)
            height = h_tg * num_output
            d = make_dff(tech, prm, num_output, new_height=height)
            width = (w_tg * 2) + d.width
    else:
        if fits(new_width, option):
            nw = f64(new_width)
            cell_w = min_cell_width(tech)
            per_row = c_int(nw / (cell_w * 2))
            num_row_pair = c_int(jnp.ceil(num_output / per_row))
            per_row = c_int(jnp.ceil(num_output / num_row_pair))
            tg_width = nw / per_row / 2
            num_fold = c_int(tg_width / (0.5 * cell_w)) - 1
            _, h_tg, w_tg = fm.pass_gate_area(tech, w_tg_n, w_tg_p, num_fold)
            d = make_dff(tech, prm, num_output, new_width=nw)
            height, width = h_tg * num_row_pair + d.height, nw + 0 * h_tg
        else:
            _, h_tg, w_tg = fm.pass_gate_area(tech, w_tg_n, w_tg_p, 1)
            width = w_tg * 2 * num_output
            d = make_dff(tech, prm, num_output, new_width=width)
            height = h_tg + d.height
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    _, c_tg_drain = fm.gate_capacitance(tech, L.INV, 1, w_tg_n, w_tg_p, h_tg)
    return SwitchMatrix(
        num_output=num_output, width_tg_n=w_tg_n, width_tg_p=w_tg_p, res_tg=res, h_tg=h_tg, w_tg=w_tg,
        area=area, height=height, width=width, cap_tg_gate_n=fm.gate_cap(tech, w_tg_n),
        cap_tg_gate_p=fm.gate_cap(tech, w_tg_p), cap_tg_drain=c_tg_drain, dff=d, mode=mode,
    )
