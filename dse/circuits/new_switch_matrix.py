"""Word-line switch matrix of 1T1R arrays read in parallel: four transmission gates and a DFF per row.

The gates have fixed widths (minimum size times ``newswitchmatrixsizeratio``) rather than
being sized from a load resistance. Manual: "Switch matrix" (parallel-read 1T1R variant).

Units: m, m^2, ohm, F.
"""
from __future__ import annotations

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import NONE, Latency, Power, apply_layout, f64
from dse.circuits.dff import dff_latency, dff_power
from dse.circuits.switch_matrix import SwitchMatrix, gates_beside_flip_flops
from dse.tech import layout as L


#: the parallel-read word-line switch matrix has the state of :class:`SwitchMatrix` (row mode)
NewSwitchMatrix = SwitchMatrix


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

    h_tg, w_tg, d, height, width = gates_beside_flip_flops(tech, prm, num_output, w_tg_n, w_tg_p, 4, new_height,
                                                           option)
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    _, c_tg_drain = fm.gate_capacitance(tech, L.INV, 1, w_tg_n, w_tg_p, h_tg)
    return SwitchMatrix(
        num_output=num_output, width_tg_n=w_tg_n, width_tg_p=w_tg_p, res_tg=res, h_tg=h_tg, w_tg=w_tg,
        area=area, height=height, width=width, cap_tg_gate_n=fm.gate_cap(tech, w_tg_n),
        cap_tg_gate_p=fm.gate_cap(tech, w_tg_p), cap_tg_drain=c_tg_drain, dff=d, mode=L.ROW_MODE,
    )


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def new_switch_matrix_latency(m: NewSwitchMatrix, tech, prm, ramp_input, cap_load, res_load, num_read,
                              num_write) -> Latency:
    """Word-line switching delay (s) of ``num_read`` reads and ``num_write`` writes, output slope.

    Horowitz delay of the gate (its drains and half its gate capacitance) charging ``cap_load``
    (F) through a line of ``res_load`` (ohm). Writes add the shift register's latency (clock
    CYCLES in synchronous mode) when there are any. Manual: "Switch matrix".
    """
    cap_out = m.cap_tg_drain * 2 + m.cap_tg_gate_n * 0.5 + m.cap_tg_gate_p * 0.5
    tr = m.res_tg * (cap_out + cap_load) + res_load * cap_load / 2
    t, ramp = fm.horowitz(tr, 0.0, ramp_input)
    reg = dff_latency(m.dff, prm, num_read)
    write = t * num_write + jnp.where(f64(num_write) != 0, reg.read_latency, 0.0)
    return Latency(read_latency=t * num_read, write_latency=write, ramp_output=ramp)


def new_switch_matrix_power(m: NewSwitchMatrix, tech, prm, cell, num_read, activity_row_read,
                            temperature=300) -> Power:
    """Read energy (J) of ``num_read`` operations and leakage (W).

    Each selected line (``num_output * activity_row_read``) passes the access voltage through
    one gate and the read voltage through two, opening three gates; the shift register clocks all
    flip-flops ``num_read`` times and is the only leakage. Write energy is not modelled (0).
    Manual: "Switch matrix".
    """
    v2 = tech.vdd * tech.vdd
    reg = dff_power(m.dff, tech, prm, num_read, m.num_output, False, temperature)
    sel = m.num_output * activity_row_read
    e = (m.cap_tg_drain * 2) * cell.access_voltage * cell.access_voltage * sel
    e = e + (m.cap_tg_drain * 3) * cell.read_voltage * cell.read_voltage * sel
    e = e + (m.cap_tg_gate_n + m.cap_tg_gate_p) * 3 * v2 * sel
    e = e * num_read + reg.read_dynamic_energy
    return Power(read_dynamic_energy=e, write_dynamic_energy=jnp.zeros_like(e), leakage=reg.leakage)
