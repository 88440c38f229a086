"""Shift-and-add unit: accumulates bit-serial (input) or bit-sliced (weight) partial sums.

Per unit: one adder of ``num_adder_bit`` bits and a shift register of
``num_adder_bit + num_read_pulse`` flip-flops (binary, non-spiking format), plus a row of
inverters/NAND2 for the shift control. The adders and flip-flops are laid out as banks that
fit the given width (one extra standard-cell row for the control gates) or height.
Manual: "Shift-add" (accumulation circuits).

Units: m, m^2.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.adder import adder as make_adder
from dse.circuits.cell_layout import NONE, apply_layout, f64, std_height
from dse.circuits.dff import DFF, dff as make_dff
from dse.circuits.adder import adder_latency, adder_power
from dse.circuits.cell_layout import Latency, Power
from dse.circuits.dff import dff_latency, dff_power
from dse.pytree import pytree_dataclass, static_field
from dse.tech import layout as L


@pytree_dataclass
class ShiftAdd:
    """State of a bank of shift-and-add units after layout (SI units)."""

    num_unit: Any
    num_adder_bit: Any
    num_read_pulse: Any
    num_dff: Any
    num_inv: Any
    num_nand: Any
    width_inv_n: Any
    width_inv_p: Any
    width_nand_n: Any
    width_nand_p: Any
    area: Any
    height: Any
    width: Any
    adder: Any                   # Adder (None in spiking mode)
    dff: DFF
    spiking: bool = static_field(default=False)


def shift_add(tech, prm, num_unit, num_adder_bit, num_read_pulse, *, spiking: bool = False, new_height=None,
              new_width=None, option: int = NONE) -> ShiftAdd:
    """Lay out ``num_unit`` shift-add units for ``num_adder_bit``-bit inputs accumulated over
    ``num_read_pulse`` cycles (traced counts). ``spiking`` (static) counts spikes instead."""
    F = tech.feature_size
    pn = tech.pn_size_ratio
    mn = L.MIN_NMOS_SIZE
    hstd = std_height(tech)
    num_unit = f64(num_unit)
    bits = f64(num_adder_bit)
    pulses = f64(num_read_pulse)
    if spiking:
        num_dff = 2.0 ** bits * num_unit
    else:
        num_dff = (bits + 1 + pulses - 1) * num_unit
    w_inv_n, w_inv_p = mn * F, pn * mn * F
    w_nand_n, w_nand_p = 2 * mn * F, pn * mn * F
    num_nand = 3 * (jnp.floor(num_dff / num_unit) - 1) * num_unit

    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, w_inv_n, w_inv_p, hstd)
    _, _, w_nand_r = fm.gate_area(tech, L.NAND, 2, w_nand_n, w_nand_p, hstd)
    _, _, w_nand_s = fm.gate_area(tech, L.NAND, 2, w_nand_n / 2.0, w_nand_p, hstd)
    w_nand = jnp.where(fm.special_layout(tech, prm), w_nand_s, w_nand_r)

    add = None
    if new_width is not None and option == NONE:
        nw = f64(new_width)
        if not spiking:
            add = make_adder(tech, prm, bits, num_unit, new_width=nw)
        d = make_dff(tech, prm, num_dff, new_width=nw)
        h_std = L.MAX_TRANSISTOR_HEIGHT * (L.node_value(L.STD_CELL_HEIGHT, tech.node_index) / L.MAX_TRANSISTOR_HEIGHT)
        height = F * h_std + d.height + (add.height if add is not None else 0.0)
        width = nw + 0 * height
    else:
        if not spiking:
            add = make_adder(tech, prm, bits, num_unit, new_height=new_height)
        d = make_dff(tech, prm, num_dff, new_height=new_height)
        width = (add.width if add is not None else 0.0) + w_inv + w_nand + d.width
        height = (f64(new_height) if new_height is not None else 0.0) + 0 * width
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)
    return ShiftAdd(num_unit=num_unit, num_adder_bit=bits, num_read_pulse=pulses, num_dff=num_dff,
                    num_inv=num_unit, num_nand=num_nand, width_inv_n=w_inv_n, width_inv_p=w_inv_p,
                    width_nand_n=w_nand_n, width_nand_p=w_nand_p, area=area, height=height, width=width,
                    adder=add, dff=d, spiking=spiking)


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def shift_add_latency(s: ShiftAdd, tech, prm, cell, num_read, temperature=300):
    """Latency of ``num_read`` shift-and-add steps and of one addition of its adder.

    Binary format: one add (the adder drives a flip-flop gate) plus one register transfer per
    step, hidden behind the next read pulse (``cell.read_pulse_width``) except for the excess and
    the last step. Spiking format: shifting out ``2**num_adder_bit`` bits per step.
    Returns ``(Latency, adder_read_latency)``: the unit latency is clock CYCLES in synchronous
    mode (``num_read``, or ``num_read * 2**bits`` when spiking) and seconds otherwise; the adder's
    single-addition latency (s; 0 when spiking) is what the subarray's pipeline model uses.
    Manual: "Shift-add".
    """
    num_read = f64(num_read)
    sync = prm.synchronous != 0
    if s.spiking:
        bits_per_dff = 2.0 ** s.num_adder_bit
        step = dff_latency(s.dff, prm, bits_per_dff).read_latency
        cycles = bits_per_dff * num_read
        add_lat = jnp.zeros_like(step)
    else:
        add_lat = adder_latency(s.adder, tech, prm, fm.STEP_RAMP, s.dff.cap_tg_drain, 1.0, temperature).read_latency
        step = add_lat + dff_latency(s.dff, prm, 1.0).read_latency
        cycles = num_read
    hidden = jnp.where(step > cell.read_pulse_width, (step - cell.read_pulse_width) * (num_read - 1), 0.0)
    lat = jnp.where(sync, cycles + 0 * step, hidden + step)
    zero = jnp.zeros_like(lat)
    return Latency(read_latency=lat, write_latency=zero, ramp_output=zero), add_lat


def shift_add_power(s: ShiftAdd, tech, prm, num_read, temperature=300) -> Power:
    """Energy (J) of ``num_read`` shift-and-add steps of all units and leakage (W).

    All adders and all flip-flops switch each step (the flip-flops with the validated ``gamma``).
    Manual: "Shift-add".
    """
    d = dff_power(s.dff, tech, prm, num_read, s.dff.num_dff, prm.validated, temperature)
    if s.spiking:
        return d
    a = adder_power(s.adder, tech, prm, num_read, s.adder.num_adder, temperature)
    return Power(read_dynamic_energy=a.read_dynamic_energy + d.read_dynamic_energy,
                 write_dynamic_energy=jnp.zeros_like(d.read_dynamic_energy), leakage=a.leakage + d.leakage)
