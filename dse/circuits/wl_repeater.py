"""Word-line repeaters: inverter pairs that cut each word line into ``buffernumber + 1`` sections.

Nodes with ``buffernumber > 0`` (2 nm and 1 nm) repeat the word lines of arrays read in parallel
(not cross-point arrays). Each repeater is a pair of inverters sized so that their on-resistance
is the driver resistance of ``buffersizeratio`` minimum fins; at 14 nm and below widths round up
to whole fins. Manual: subarray word lines ("Synaptic array", interconnect of the array).

Units: m, m^2, ohm, F, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import f64, fin_factor, is_finfet_or_gaa, std_height
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class WLRepeater:
    """Sizing and layout of the repeaters of ``num_line`` word lines (zero layout where unused)."""

    num: Any                 # repeaters per line (buffernumber)
    section_res: Any         # ohm, word-line resistance between two repeaters
    target_drive_res: Any    # ohm
    width_inv_n: Any         # m
    width_inv_p: Any         # m
    h_inv: Any               # m (0 where unused)
    w_inv: Any               # m (0 where unused)
    cap_in: Any              # F, input of one inverter
    cap_out: Any             # F, output of one inverter
    area: Any                # m^2, all repeaters of the array


def wl_repeater(tech, prm, res_row, num_line, used) -> WLRepeater:
    """Repeaters of ``num_line`` word lines of resistance ``res_row`` (ohm); ``used``: 0/1."""
    F = tech.feature_size
    temp = prm.temp
    fin = fin_factor(tech)
    num = f64(prm.buffernumber)
    target = fm.on_resistance(tech, fin * F * prm.buffersizeratio, L.NMOS, temp)
    w_n = fm.on_resistance(tech, fin * F, L.NMOS, temp) / target * F
    w_p = fm.on_resistance(tech, fin * F, L.PMOS, temp) / target * F
    finfet = is_finfet_or_gaa(tech)
    w_n = jnp.where(finfet, 2 * jnp.ceil(w_n / F) * F, w_n)
    w_p = jnp.where(finfet, 2 * jnp.ceil(w_p / F) * F, w_p)
    h_std = std_height(tech)
    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, w_n, w_p, h_std)
    c_in, c_out = fm.gate_capacitance(tech, L.INV, 1, w_n, w_p, h_std)
    h_inv = jnp.where(used, h_inv, 0.0)
    w_inv = jnp.where(used, w_inv, 0.0)
    return WLRepeater(num=num, section_res=res_row / (num + 1), target_drive_res=target, width_inv_n=w_n,
                      width_inv_p=w_p, h_inv=h_inv, w_inv=w_inv, cap_in=c_in, cap_out=c_out,
                      area=h_inv * w_inv * num * 2 * f64(num_line))


def wl_repeater_latency(rep: WLRepeater, unit_cap, unit_res, num_col):
    """Delay (s) of a repeated word line of ``num_col`` cells (``unit_cap`` F, ``unit_res`` ohm
    each): every repeater drives one section into the next repeater, the last one the line's end."""
    nb = rep.num
    sect = num_col / (nb + 1.0)
    r, c_in, c_out = rep.target_drive_res, rep.cap_in, rep.cap_out
    last = fm.line_delay(r, c_out, unit_cap, unit_res, sect)
    inner = last + fm.line_load_delay(r, unit_cap, sect, c_in)
    stage = (c_out + c_in) * r * fm.LUMPED_RC
    return jnp.where(nb > 0, (nb - 1.0) * (inner + stage) + (last + stage), 0.0)


def wl_repeater_energy(rep: WLRepeater, tech):
    """Energy (J) of one word-line activation: both inverters of every repeater switch."""
    v2 = tech.vdd * tech.vdd
    return (rep.cap_in + rep.cap_out) * v2 * rep.num * 2.0


def wl_repeater_leakage(rep: WLRepeater, tech, prm, num_line):
    """Leakage of the repeaters of ``num_line`` lines (the reference's figure: the gates' leakage
    current, not multiplied by the supply)."""
    return fm.gate_leakage(tech, L.INV, 1, rep.width_inv_n, rep.width_inv_p, prm.temp) * rep.num * 2.0 * num_line
