"""Ripple-carry adders: ``num_bit``-bit full adders built from nine NAND2 gates per bit.

A bank of ``num_adder`` adders is laid out in one row, or spread over the given height
(each adder one cell tall) or width (each adder one bit per cell row). With the nanosheet
special layout (2 nm and below) the NAND2 uses minimum-size devices.
Manual: "Adder" (accumulation circuits).

Units: m, m^2, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import NONE, apply_layout, f64, std_height
from dse.circuits.cell_layout import Latency, Power, calibrated
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class Adder:
    """State of a bank of adders after layout (SI units)."""

    num_bit: Any
    num_adder: Any
    width_nand_n: Any
    width_nand_p: Any
    h_nand: Any
    w_nand: Any
    h_adder: Any
    w_adder: Any
    area: Any
    height: Any
    width: Any
    cap_nand_input: Any
    cap_nand_output: Any


def adder(tech, prm, num_bit, num_adder, *, new_height=None, new_width=None, option: int = NONE) -> Adder:
    """Lay out ``num_adder`` adders of ``num_bit`` bits (traced counts)."""
    F = tech.feature_size
    mn = L.MIN_NMOS_SIZE
    hstd = std_height(tech)
    num_bit = f64(num_bit)
    num_adder = f64(num_adder)
    w_n, w_p = fm.enlarge_size(tech, 2 * mn * F, tech.pn_size_ratio * mn * F, hstd)

    _, h_n, w_nd = fm.gate_area(tech, L.NAND, 2, w_n, w_p, hstd)
    _, h_s, w_s = fm.gate_area(tech, L.NAND, 2, mn * F, mn * F, hstd)
    special = fm.special_layout(tech, prm)
    h_nand = jnp.where(special, h_s, h_n)
    w_nand = jnp.where(special, w_s, w_nd)

    if new_height is not None and option == NONE:
        nh = f64(new_height)
        h_add, w_add = h_nand, w_nand * 9 * num_bit
        # an adder taller than the given height is an error in the reference: nothing is laid out
        ok = ~(h_add > nh)
        height, width = jnp.where(ok, nh, 0.0), jnp.where(ok, w_add * h_add * num_adder / nh, 0.0)
    elif new_width is not None and option == NONE:
        nw = f64(new_width)
        h_add, w_add = h_nand * num_bit, w_nand * 9
        ok = ~(w_add > nw)
        height, width = jnp.where(ok, w_add * h_add * num_adder / nw, 0.0), jnp.where(ok, nw, 0.0)
    else:
        h_add, w_add = h_nand, w_nand * 9 * num_bit
        height, width = h_add, w_add * num_adder
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    caps = fm.gate_capacitance(tech, L.NAND, 2, w_n, w_p, h_nand)
    c_in, c_out, _, _ = fm.special_layout_caps(tech, prm, L.NAND, 2, mn * F, mn * F, h_nand, fm.GAA_NAND_TUNING,
                                               caps)
    return Adder(num_bit=num_bit, num_adder=num_adder, width_nand_n=w_n, width_nand_p=w_p, h_nand=h_nand,
                 w_nand=w_nand, h_adder=h_add, w_adder=w_add, area=area, height=height, width=width,
                 cap_nand_input=c_in, cap_nand_output=c_out)


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def adder_latency(a: Adder, tech, prm, ramp_input, cap_load, num_read, temperature=300) -> Latency:
    """Critical-path delay (s) of one ripple-carry addition, times ``num_read``, and output slope.

    Seven NAND2 stages of the first and last bits plus two carry stages per intermediate bit
    (Horowitz delays; the last stage drives ``cap_load`` (F)). The nanosheet special layout
    (2 nm and below) has 1.5x the on-resistance. Always seconds: the callers convert to cycles.
    Manual: "Adder".
    """
    slow = jnp.where(fm.special_layout(tech, prm), 3.0 / 2.0, 1.0)
    r_n = fm.on_resistance(tech, a.width_nand_n, L.NMOS, temperature) * 2 * slow
    r_p = fm.on_resistance(tech, a.width_nand_p, L.PMOS, temperature) * slow
    c_in, c_out = a.cap_nand_input, a.cap_nand_output
    tau_n3 = r_n * (c_out + c_in * 3)
    tau_p2 = r_p * (c_out + c_in * 2)
    t1, r1 = fm.horowitz(tau_n3, 0.0, ramp_input)
    t2, r2 = fm.horowitz(tau_p2, 0.0, r1)
    t3, r3 = fm.horowitz(tau_n3, 0.0, r2)     # carry stages of one intermediate bit
    t4, r4 = fm.horowitz(tau_p2, 0.0, r3)
    t5, r5 = fm.horowitz(tau_n3, 0.0, r4)
    t6, r6 = fm.horowitz(r_p * (c_out + c_in), 0.0, r5)
    t7, r7 = fm.horowitz(r_n * (c_out + cap_load), 0.0, r6)
    middle = jnp.where(a.num_bit > 2, (t3 + t4) * (a.num_bit - 2), 0.0)
    delay = t1 + t2 + middle + t5 + t6 + t7
    return Latency(read_latency=delay * num_read, write_latency=jnp.zeros_like(delay), ramp_output=r7)


def adder_power(a: Adder, tech, prm, num_read, num_adder_per_operation, temperature=300) -> Power:
    """Energy (J) of ``num_read`` additions by ``min(num_adder_per_operation, num_adder)`` adders
    and leakage (W) of the bank (nine NAND2 per bit).

    ``num_adder_per_operation`` is an integer argument in the reference (truncated here). Read
    energy carries the adder switching activity ``delta`` in validated mode. Manual: "Adder".
    """
    vdd = tech.vdd
    v2 = vdd * vdd
    F = tech.feature_size
    nb = a.num_bit
    mn = L.MIN_NMOS_SIZE
    special = fm.special_layout(tech, prm)
    leak_reg = fm.gate_leakage(tech, L.NAND, 2, a.width_nand_n, a.width_nand_p, temperature)
    leak_spc = fm.gate_leakage(tech, L.NAND, 2, mn * F, mn * F, temperature)
    leakage = jnp.where(special, leak_spc, leak_reg) * vdd * 9 * nb * a.num_adder
    c_in, c_out = a.cap_nand_input, a.cap_nand_output
    # transitions of the calibration pattern A=11..1, B=10..0, Cin=1 (0 -> 1 only)
    e = (c_in * 6) * v2 + (c_out * 2) * v2
    e = e + (c_in * 7) * v2 * (nb - 1) + (c_out * 3) * v2 * (nb - 1)
    e = e + ((c_out + c_in) * v2 * 2 + (c_out + c_in * 2) * v2 + (c_out + c_in * 3) * v2 + (c_out + c_in) * v2)
    e = e + ((c_out + c_in * 3) * v2 * (nb - 1) + (c_out + c_in) * v2 * (nb - 1)
             + (c_out + c_in) * v2 * 2 * (nb - 1))
    active = jnp.minimum(jnp.trunc(f64(num_adder_per_operation)), a.num_adder)
    e = e * active * num_read * calibrated(prm, prm.delta)
    return Power(read_dynamic_energy=e, write_dynamic_energy=jnp.zeros_like(e), leakage=leakage)
