"""N-bit magnitude comparator built from 1-bit cells (used by the max-pooling unit).

Each bit cell is four inverters, four NAND2 and three NAND3 standard cells (sizes enlarged
to the standard-cell height). Latency (s) and energy / leakage (J, W) as the reference's Gin -> Gout
path. Manual: "Max pooling" (comparator). Units: m, m^2, F, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import Latency, Power, calibrated, f64, std_height
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class Comparator:
    """State of ``num_comparator`` N-bit comparators (SI units)."""

    num_bit: Any
    num_comparator: Any
    width_inv_n: Any
    width_inv_p: Any
    width_nand2_n: Any
    width_nand2_p: Any
    width_nand3_n: Any
    width_nand3_p: Any
    area_unit: Any          # m^2, one comparator
    area: Any
    height: Any
    width: Any
    cap_inv_input: Any
    cap_inv_output: Any
    cap_nand2_input: Any
    cap_nand2_output: Any
    cap_nand3_input: Any
    cap_nand3_output: Any


def comparator(tech, prm, num_bit, num_comparator, *, width_array=None) -> Comparator:
    """``num_comparator`` comparators of ``num_bit`` bits; with ``width_array`` (m) laid out
    as a block of that width (otherwise only the unit area is meaningful)."""
    F = tech.feature_size
    pn = tech.pn_size_ratio
    mn = L.MIN_NMOS_SIZE
    hstd = std_height(tech)
    w_inv = fm.enlarge_size(tech, mn * F, pn * mn * F, hstd)
    w_nand2 = fm.enlarge_size(tech, 2 * mn * F, pn * mn * F, hstd)
    w_nand3 = fm.enlarge_size(tech, 3 * mn * F, pn * mn * F, hstd)
    a_inv, h_inv, _ = fm.gate_area(tech, L.INV, 1, *w_inv, hstd)
    a_nand2, h_nand2, _ = fm.gate_area(tech, L.NAND, 2, *w_nand2, hstd)
    a_nand3, h_nand3, _ = fm.gate_area(tech, L.NAND, 3, *w_nand3, hstd)
    area_unit = (a_inv * 4 + a_nand2 * 4 + a_nand3 * 3) * f64(num_bit)
    area = area_unit * f64(num_comparator)
    if width_array is None:
        width = 0 * area
        height = 0 * area
    else:
        width = f64(width_array) + 0 * area
        height = area / width
    c_inv = fm.gate_capacitance(tech, L.INV, 1, *w_inv, h_inv)
    c_nand2 = fm.gate_capacitance(tech, L.NAND, 2, *w_nand2, h_nand2)
    c_nand3 = fm.gate_capacitance(tech, L.NAND, 3, *w_nand3, h_nand3)
    return Comparator(
        num_bit=f64(num_bit), num_comparator=f64(num_comparator),
        width_inv_n=w_inv[0], width_inv_p=w_inv[1], width_nand2_n=w_nand2[0], width_nand2_p=w_nand2[1],
        width_nand3_n=w_nand3[0], width_nand3_p=w_nand3[1], area_unit=area_unit, area=area,
        height=height, width=width,
        cap_inv_input=c_inv[0], cap_inv_output=c_inv[1], cap_nand2_input=c_nand2[0],
        cap_nand2_output=c_nand2[1], cap_nand3_input=c_nand3[0], cap_nand3_output=c_nand3[1],
    )


def comparator_latency(c: Comparator, tech, prm, ramp_input, cap_load, num_read) -> Latency:
    """Delay (s) of the Gin -> Gout path through the bit cells, times ``num_read``.

    Each bit cell adds a NAND2 (pull-down, loading a NAND3 input) and a NAND3 (pull-up,
    loading the next NAND2 input) Horowitz stage; the first and last cells are counted
    apart and the middle ones as (num_bit - 2) copies (negative for a 1-bit comparator, as
    in the reference); the last NAND3 drives ``cap_load`` (F). Manual: "Max pooling".
    """
    t = prm.temp
    r_nand2 = fm.on_resistance(tech, c.width_nand2_n, L.NMOS, t) * 2
    r_nand3 = fm.on_resistance(tech, c.width_nand3_p, L.PMOS, t)
    tr2 = r_nand2 * (c.cap_nand2_output + c.cap_nand3_input)
    tr3 = r_nand3 * (c.cap_nand3_output + c.cap_nand2_input)
    d1, ramp = fm.horowitz(tr2, 0.0, ramp_input)
    d2, ramp = fm.horowitz(tr3, 0.0, ramp)
    delay = d1 + d2
    m1, ramp = fm.horowitz(tr2, 0.0, ramp)
    m2, ramp = fm.horowitz(tr3, 0.0, ramp)
    delay = delay + (m1 + m2) * (c.num_bit - 2)
    l1, ramp = fm.horowitz(tr2, 0.0, ramp)
    delay = delay + l1
    l2, ramp = fm.horowitz(r_nand3 * (c.cap_nand3_output + cap_load), 0.0, ramp)
    delay = delay + l2
    return Latency(read_latency=delay * num_read, write_latency=jnp.zeros_like(delay), ramp_output=ramp)


def comparator_power(c: Comparator, tech, prm, num_read, num_comparator_per_operation) -> Power:
    """Dynamic energy (J) of ``num_read`` comparisons by ``num_comparator_per_operation``
    comparators (at most all of them; control-circuit activity ``epsilon`` in validated mode)
    and leakage (W) of all comparators' gates."""
    vdd = tech.vdd
    t = prm.temp
    cells = c.num_bit * c.num_comparator
    leakage = (fm.gate_leakage(tech, L.INV, 1, c.width_inv_n, c.width_inv_p, t) * vdd * 4 * cells
               + fm.gate_leakage(tech, L.NAND, 2, c.width_nand2_n, c.width_nand2_p, t) * vdd * 4 * cells
               + fm.gate_leakage(tech, L.NAND, 3, c.width_nand3_n, c.width_nand3_p, t) * vdd * 3 * cells)
    e = ((c.cap_inv_input + c.cap_inv_output) * 4) * vdd * vdd
    e = e + ((c.cap_nand2_input + c.cap_nand2_output) * 4) * vdd * vdd
    e = e + ((c.cap_nand3_input + c.cap_nand3_output) * 3) * vdd * vdd
    e = e * (c.num_bit * jnp.minimum(num_comparator_per_operation, c.num_comparator) * num_read)
    e = e * calibrated(prm, prm.epsilon)
    return Power(read_dynamic_energy=e, write_dynamic_energy=jnp.zeros_like(e), leakage=leakage)
