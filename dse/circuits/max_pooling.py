"""Max-pooling units (chip level): trees of N-bit comparators with enable logic.

A unit pools a window of ``window`` values of ``num_bit`` bits with a tree of
comparators; each N-bit comparator is ``num_bit`` 1-bit comparator cells plus five
enable inverters per bit, and 3 TG + 3 INV, an AND, a NOR2 and an N-input NOR of glue
logic. ``num_max_pooling`` units work in parallel and are laid out as a block of a given
width. :func:`max_pooling_latency` (cycles in synchronous mode, else s) and
:func:`max_pooling_power` (J, W). Manual: "Max pooling". Units: m, m^2, F, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import Latency, Power, calibrated, clock_cycles, f64, std_height
from dse.circuits.comparator import Comparator, comparator, comparator_latency, comparator_power
from dse.pytree import pytree_dataclass
from dse.tech import layout as L

#: largest N-input NOR (input precision in bits) handled
MAX_BITS = 16


@pytree_dataclass
class MaxPooling:
    """State of ``num_max_pooling`` max-pooling units (SI units)."""

    num_bit: Any
    window: Any
    num_max_pooling: Any
    num_comparator: Any     # N-bit comparators per unit
    num_stage: Any
    width_inv_n: Any
    width_inv_p: Any
    width_nand_n: Any
    width_nand_p: Any
    width_nor_n: Any
    width_nor_p: Any
    width_nor2_n: Any
    width_nor2_p: Any
    comparator: Comparator  # the 1-bit comparator cell
    area_unit: Any          # m^2, one unit
    area: Any
    height: Any
    width: Any
    cap_inv_input: Any
    cap_inv_output: Any
    cap_nand_input: Any
    cap_nand_output: Any
    cap_nor_input: Any
    cap_nor_output: Any
    cap_nor2_input: Any
    cap_nor2_output: Any


def _tree(window: int):
    """Comparators and stages of a pairwise reduction of ``window`` inputs (static)."""
    n, num, stages = window, 0, 0
    odd = n % 2
    while n != 0:
        num += n // 2
        stages += 1
        n //= 2
    return num + odd, stages + odd


def max_pooling(tech, prm, num_bit, num_max_pooling, width_array, *, window: int = 4) -> MaxPooling:
    """``num_max_pooling`` units pooling ``window`` (static) values of ``num_bit`` bits
    (traced, <= 16), laid out as a block ``width_array`` (m) wide."""
    F = tech.feature_size
    pn = tech.pn_size_ratio
    mn = L.MIN_NMOS_SIZE
    hstd = std_height(tech)
    nb = f64(num_bit)
    num_comp, num_stage = _tree(window)
    w_inv = fm.enlarge_size(tech, mn * F, pn * mn * F, hstd)
    w_nand = fm.enlarge_size(tech, 2 * mn * F, pn * mn * F, hstd)
    w_nor = fm.enlarge_size(tech, 4 * mn * F, pn * mn * F, hstd)
    w_nor2 = fm.enlarge_size(tech, nb * 2 * mn * F, pn * mn * F, hstd)
    a_inv, h_inv, _ = fm.gate_area(tech, L.INV, 1, *w_inv, hstd)
    a_nand, h_nand, _ = fm.gate_area(tech, L.NAND, 2, *w_nand, hstd)
    a_nor, h_nor, _ = fm.gate_area(tech, L.NOR, 2, *w_nor, hstd)
    nk = jnp.clip(nb, 1, MAX_BITS)
    # the gate model takes a traced fan-in (its formulas are linear in it, parities written with
    # array operators), so one gate evaluation serves every precision
    a_nor2, h_nor2, _ = fm.gate_area(tech, L.NOR, nk, *w_nor2, hstd)
    cell = comparator(tech, prm, 1, 1)
    # per N-bit comparator: N bit cells with 5 enable inverters each, then the glue logic
    unit = (cell.area_unit + a_inv * 5) * nb
    unit = unit + a_inv * 6 + (a_nand + a_inv) + a_nor + a_nor2
    area_unit = unit * num_comp
    area = area_unit * f64(num_max_pooling)
    width = f64(width_array) + 0 * area
    c_inv = fm.gate_capacitance(tech, L.INV, 1, *w_inv, h_inv)
    c_nand = fm.gate_capacitance(tech, L.NAND, 2, *w_nand, h_nand)
    c_nor = fm.gate_capacitance(tech, L.NOR, 2, *w_nor, h_nor)
    c_nor2 = fm.gate_capacitance(tech, L.NOR, nk, *w_nor2, h_nor2)
    return MaxPooling(
        num_bit=nb, window=f64(window) + 0 * nb, num_max_pooling=f64(num_max_pooling),
        num_comparator=f64(num_comp) + 0 * nb, num_stage=f64(num_stage) + 0 * nb,
        width_inv_n=w_inv[0], width_inv_p=w_inv[1], width_nand_n=w_nand[0], width_nand_p=w_nand[1],
        width_nor_n=w_nor[0], width_nor_p=w_nor[1], width_nor2_n=w_nor2[0], width_nor2_p=w_nor2[1],
        comparator=cell, area_unit=area_unit, area=area, height=area / width, width=width,
        cap_inv_input=c_inv[0], cap_inv_output=c_inv[1], cap_nand_input=c_nand[0], cap_nand_output=c_nand[1],
        cap_nor_input=c_nor[0], cap_nor_output=c_nor[1], cap_nor2_input=c_nor2[0], cap_nor2_output=c_nor2[1],
    )


def max_pooling_latency(mp: MaxPooling, tech, prm, ramp_input, cap_load, num_read, *, clk_freq=None) -> Latency:
    """Latency of ``num_read`` poolings by every unit (broadcasts over a layer axis).

    One comparator stage: half of an N-bit ripple through the 1-bit comparator cells, then
    the N-input NOR, an inverter and a transmission gate driving ``cap_load`` (F).
    Synchronous mode: the stage in whole cycles of ``clk_freq`` (default ``prm.clk_freq``);
    then times the comparator stages and ``num_read``. Manual: "Max pooling".
    """
    t = prm.temp
    comp = comparator_latency(mp.comparator, tech, prm, ramp_input, mp.cap_inv_output * 2, 1.0)
    delay = comp.read_latency * mp.num_bit / 2
    r_nor = fm.on_resistance(tech, mp.width_nor2_n, L.NMOS, t) * 2
    d_nor, _ = fm.horowitz(r_nor * (mp.cap_inv_input * 2 + mp.num_bit * mp.cap_inv_output), 0.0, fm.STEP_RAMP)
    r_inv = fm.on_resistance(tech, mp.width_inv_n, L.NMOS, t) * 2
    d_inv, ramp_inv = fm.horowitz(r_inv * (mp.cap_inv_input + mp.cap_nor2_output), 0.0, fm.STEP_RAMP)
    # the transmission gate is modelled as the inverter's NMOS
    d_tg, ramp = fm.horowitz(r_inv * (mp.cap_inv_input * 2 + cap_load), 0.0, ramp_inv)
    delay = delay + d_nor + d_inv + d_tg
    delay = clock_cycles(prm, delay, clk_freq)
    lat = delay * mp.num_stage * num_read
    return Latency(read_latency=lat, write_latency=jnp.zeros_like(lat), ramp_output=ramp)


def max_pooling_power(mp: MaxPooling, tech, prm, num_read) -> Power:
    """Dynamic energy (J) of ``num_read`` poolings by all units and leakage (W).

    Per N-bit comparator: the glue logic (AND, NOR, two inverters, N-input NOR; control
    activity ``epsilon`` in validated mode) plus half of the N 1-bit cells switching.
    Leakage counts one inverter per comparator (as the reference). Manual: "Max pooling".
    """
    vdd = tech.vdd
    leakage = (fm.gate_leakage(tech, L.INV, 1, mp.width_inv_n, mp.width_inv_p, prm.temp) * vdd
               * mp.num_comparator * mp.num_max_pooling)
    cell = comparator_power(mp.comparator, tech, prm, 1.0, 1.0)
    e = (mp.cap_nand_input + mp.cap_inv_output) * vdd * vdd
    e = e + (mp.cap_nor_input + mp.cap_inv_output) * vdd * vdd
    e = e + (mp.cap_inv_input + mp.cap_inv_output) * vdd * vdd * 2
    e = e + (mp.cap_nor2_input + mp.cap_inv_output) * vdd * vdd
    e = e * calibrated(prm, prm.epsilon)
    e = e + cell.read_dynamic_energy * mp.num_bit / 2
    e = e * mp.num_comparator * mp.num_max_pooling * num_read
    return Power(read_dynamic_energy=e, write_dynamic_energy=jnp.zeros_like(e), leakage=leakage)
