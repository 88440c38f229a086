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
from dse.circuits.cell_layout import (NONE, apply_layout, balanced_lines, f64, fin_factor, fits, is_finfet_or_gaa,
                                      min_cell_height, min_cell_width, pass_gate_folds)
from dse.circuits.cell_layout import Latency, Power
from dse.circuits.dff import DFF, dff as make_dff, dff_latency, dff_power
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


def gates_beside_flip_flops(tech, prm, num_output, w_n, w_p, gates: int, new_height, option: int):
    """Row layout of the word-line switch matrices: per line ``gates`` transmission gates, in as
    many columns as ``new_height`` needs, beside a column of scan flip-flops.

    Returns (gate height, gate width, the flip-flops' state, height, width) in m.
    """
    cell_h = min_cell_height(tech)
    if fits(new_height, option):
        nh = f64(new_height)
        per_col, cols = balanced_lines(num_output, nh, cell_h)
        _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_n, w_p, nh / per_col)
        d = make_dff(tech, prm, num_output, new_height=nh)
        return h_tg, w_tg, d, nh + 0 * w_tg, (w_tg * gates) * cols + d.width
    _, h_tg, w_tg = fm.gate_area(tech, L.INV, 1, w_n, w_p, cell_h)
    height = h_tg * num_output
    d = make_dff(tech, prm, num_output, new_height=height)
    return h_tg, w_tg, d, height, (w_tg * gates) + d.width


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
        h_tg, w_tg, d, height, width = gates_beside_flip_flops(tech, prm, num_output, w_tg_n, w_tg_p, 2,
                                                               new_height, option)
    else:
        if fits(new_width, option):
            nw = f64(new_width)
            cell_w = min_cell_width(tech)
            per_row, num_row_pair = balanced_lines(num_output, nw, cell_w * 2)
            _, h_tg, w_tg = fm.pass_gate_area(tech, w_tg_n, w_tg_p, pass_gate_folds(nw / per_row / 2, cell_w))
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


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def switch_matrix_latency(m: SwitchMatrix, tech, prm, ramp_input, num_read, num_write, *, unit_cap, unit_res,
                          drive_cap_in=0.0, num_col=None) -> Latency:
    """Line-switching delay of ``num_read`` reads (s) and ``num_write`` writes.

    Read: distributed-RC (0.69 / 0.38 Elmore) delay of the gate's own output and one repeater
    section of the line: ``num_col / (buffernumber + 1)`` cells of ``unit_cap`` (F) and
    ``unit_res`` (ohm) each, plus, with repeaters, the repeater input ``drive_cap_in`` (F).
    ``unit_cap`` / ``unit_res`` are the per-cell row capacitance and resistance the subarray
    computes (the reference passes them through its global parameters); ``num_col`` defaults to
    ``prm.num_col_sub_array``. Write: Horowitz delay of the same time constant per write, plus
    the shift register's latency (clock CYCLES in synchronous mode, so this sum is only
    meaningful in asynchronous mode; the inference flow does not use it). Manual: "Switch matrix".
    """
    cols = prm.num_col_sub_array if num_col is None else num_col
    cap_out = m.cap_tg_drain * 2 + m.cap_tg_gate_n * 0.5 + m.cap_tg_gate_p * 0.5
    sections = cols / (prm.buffernumber + 1)
    tr = fm.line_delay(m.res_tg, cap_out, unit_cap, unit_res, sections)
    tr = tr + jnp.where(prm.buffernumber == 0, 0.0, fm.line_load_delay(m.res_tg, unit_cap, sections, drive_cap_in))
    reg = dff_latency(m.dff, prm, num_read)
    t_write, ramp = fm.horowitz(tr, 0.0, ramp_input)
    return Latency(read_latency=tr * num_read, write_latency=t_write * num_write + reg.read_latency,
                   ramp_output=ramp)


def switch_matrix_power(m: SwitchMatrix, tech, prm, cell, num_read, activity_row_read, temperature=300) -> Power:
    """Read energy (J) of ``num_read`` operations and leakage (W) of a neuro-mode switch matrix.

    Row mode: the gates of the ``num_output * activity_row_read`` selected lines switch and pass
    the read voltage (three drain loads); column mode has no read energy. The shift register
    clocks all ``num_output`` flip-flops ``num_read`` times (no calibration factor) and is the
    only leakage. Write energy is not modelled (``write_dynamic_energy`` is 0; the inference flow
    does not use it). Manual: "Switch matrix".
    """
    v2 = tech.vdd * tech.vdd
    reg = dff_power(m.dff, tech, prm, num_read, m.num_output, False, temperature)
    if m.mode == L.ROW_MODE:
        e = (m.cap_tg_drain * 3) * cell.read_voltage * cell.read_voltage * m.num_output * activity_row_read
        e = e + (m.cap_tg_gate_n + m.cap_tg_gate_p) * v2 * m.num_output * activity_row_read
    else:
        e = jnp.zeros_like(f64(m.cap_tg_drain * activity_row_read))
    e = e * num_read + reg.read_dynamic_energy
    return Power(read_dynamic_energy=e, write_dynamic_energy=jnp.zeros_like(e), leakage=reg.leakage)
