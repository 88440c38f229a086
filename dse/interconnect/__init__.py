"""On-chip interconnect: PE-level buses, tile/chip H-trees and the chip X-Y bus.

Shared here: the repeated-wire model that all three use (optimal repeater size and
spacing for an RC wire, then relaxation of the repeater size within a delay tolerance to
save energy), the length-dependent unit resistance of long global wires, and the
per-unit-length delay, switching energy and repeater leakage of a repeated wire used by
the modules' latency / power functions (synchronous mode: delays rounded up to clock cycles).
Manual: "Interconnect" (H-tree / bus with repeaters). Units: m, ohm, F, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import clock_cycles, f64, std_height  # noqa: F401  (clock_cycles re-exported)
from dse.pytree import pytree_dataclass
from dse.tech import layout as L

#: wire capacitance per unit length used by every bus model, 0.2 fF/um (F/m)
UNIT_LENGTH_WIRE_CAP = L.WIRE_CAP_PER_M

#: repeater-relaxation rules: halve the size each step (H-tree, X-Y bus) or shrink it by one
HALVE, DECREMENT = 0, 1


@pytree_dataclass
class Repeater:
    """Sizing of the repeaters of a bus (widths in m, capacitances in F, resistance in ohm)."""

    width_min_inv_n: Any
    width_min_inv_p: Any
    h_min_inv: Any
    w_min_inv: Any
    cap_min_inv_input: Any
    cap_min_inv_output: Any
    repeater_size: Any          # integer multiple of a minimum inverter (may reach 0)
    min_dist: Any               # m, repeater spacing
    min_unit_length_delay: Any  # s/m at the speed-optimal design
    max_unit_length_energy: Any  # J/m at the speed-optimal design
    width_inv_n: Any            # m, final repeater NMOS width (at least one minimum inverter)
    width_inv_p: Any
    h_rep: Any
    w_rep: Any
    cap_rep_input: Any
    cap_rep_output: Any
    res_on_rep: Any
    unit_length_wire_resistance: Any  # ohm/m
    unit_length_wire_cap: Any         # F/m


def _inverter(tech, prm, size):
    """Layout height, capacitances and mean on-resistance of an inverter ``size`` x minimum."""
    F = tech.feature_size
    wn = L.MIN_NMOS_SIZE * F * size
    wp = tech.pn_size_ratio * L.MIN_NMOS_SIZE * F * size
    _, h, w = fm.gate_area(tech, L.INV, 1, wn, wp, std_height(tech))
    c_in, c_out = fm.gate_capacitance(tech, L.INV, 1, wn, wp, h)
    r_on = (fm.on_resistance(tech, wn, L.NMOS, prm.temp) + fm.on_resistance(tech, wp, L.PMOS, prm.temp)) / 2
    return h, w, c_in, c_out, r_on


def _unit_delay(r_on, c_in, c_out, rw, cw, dist):
    """Delay per unit length of a repeated wire (s/m): Elmore delay of one segment / segment length."""
    return 0.7 * (r_on * (c_in + c_out + cw * dist) + 0.54 * rw * dist * cw * dist + rw * dist * c_in) / dist


def repeater_design(tech, prm, delay_tolerance, rule: int) -> Repeater:
    """Size the repeaters of a bus wire.

    Start from the fastest design (repeater size and spacing minimizing the delay of an RC
    wire with ``prm.unit_length_wire_resistance`` and 0.2 fF/um), then, if
    ``delay_tolerance`` is non-zero, keep shrinking the repeater (``rule`` HALVE: integer
    halving; DECREMENT: minus one, not below 0) and the spacing (x0.9) while the unit-length
    delay stays below (1 + tolerance) x the optimum. ``rule`` is static.
    """
    F = tech.feature_size
    rw = f64(prm.unit_length_wire_resistance)
    cw = UNIT_LENGTH_WIRE_CAP
    wmin_n = L.MIN_NMOS_SIZE * F
    wmin_p = tech.pn_size_ratio * L.MIN_NMOS_SIZE * F
    h_min, w_min, c_min_in, c_min_out, r_min = _inverter(tech, prm, 1.0)
    # the optimum is stored in an int: truncation (positive, so floor)
    size0 = jnp.floor(jnp.sqrt(r_min * cw / c_min_in / rw))
    dist0 = jnp.sqrt(2 * r_min * (c_min_out + c_min_in) / (rw * cw))
    _, _, c_in0, c_out0, r0 = _inverter(tech, prm, size0)
    min_delay = _unit_delay(r0, c_in0, c_out0, rw, cw, dist0)
    max_energy = (c_in0 + c_out0 + cw * dist0) * tech.vdd ** 2 / dist0
    threshold = min_delay * (1 + f64(delay_tolerance))

    def step(size, dist):
        size = jnp.floor(size / 2) if rule == HALVE else size - 1
        dist = dist * 0.9
        _, _, c_in, c_out, r_on = _inverter(tech, prm, jnp.maximum(size, 1.0))
        # a zero-width repeater has infinite on-resistance: its delay ends the relaxation
        delay = jnp.where(size > 0, _unit_delay(r_on, c_in, c_out, rw, cw, dist), jnp.inf)
        return size, dist, delay

    shape = jnp.broadcast_shapes(jnp.shape(size0), jnp.shape(threshold))
    size0 = jnp.broadcast_to(size0, shape)
    dist0 = jnp.broadcast_to(dist0, shape)
    active0 = jnp.broadcast_to(f64(delay_tolerance) != 0, shape)
    if rule == DECREMENT:
        active0 = active0 & (size0 >= 1)

    def cond(c):
        return jnp.any(c[2])

    def body(c):
        size, dist, active = c
        nsize, ndist, delay = step(size, dist)
        size = jnp.where(active, nsize, size)
        dist = jnp.where(active, ndist, dist)
        go_on = delay < threshold
        if rule == DECREMENT:
            go_on = go_on & (size >= 1)
        return size, dist, active & go_on

    size, dist, _ = jax.lax.while_loop(cond, body, (size0, dist0, active0))
    eff = jnp.maximum(1.0, size)
    h_rep, w_rep, c_rep_in, c_rep_out, r_rep = _inverter(tech, prm, eff)
    return Repeater(
        width_min_inv_n=wmin_n, width_min_inv_p=wmin_p, h_min_inv=h_min, w_min_inv=w_min,
        cap_min_inv_input=c_min_in, cap_min_inv_output=c_min_out,
        repeater_size=size, min_dist=dist, min_unit_length_delay=min_delay, max_unit_length_energy=max_energy,
        width_inv_n=eff * wmin_n, width_inv_p=eff * wmin_p, h_rep=h_rep, w_rep=w_rep,
        cap_rep_input=c_rep_in, cap_rep_output=c_rep_out, res_on_rep=r_rep,
        unit_length_wire_resistance=rw + 0 * dist, unit_length_wire_cap=cw + 0 * dist,
    )


# bands of wire width (nm lower bound): aspect ratio, bulk resistivity (ohm m), barrier (m)
_GLOBAL_BANDS = [(175, 1.6, 2.01e-8, 10.0e-9), (110, 1.6, 2.20e-8, 10.0e-9), (105, 1.7, 2.21e-8, 7.0e-9),
                 (80, 1.7, 2.37e-8, 5.0e-9), (56, 1.8, 2.63e-8, 4.0e-9), (40, 1.9, 2.97e-8, 3.0e-9),
                 (32, 2.0, 3.25e-8, 2.5e-9), (22, 2.0, 3.95e-8, 2.5e-9), (20, 2.0, 4.17e-8, 2.5e-9),
                 (15, 2.0, 4.98e-8, 2.0e-9), (12, 2.0, 5.8e-8, 1.5e-9), (10, 3.0, 6.65e-8, 0.5e-9),
                 (8, 3.0, 7.87e-8, 0.5e-9)]


def unit_length_res(tech, prm, wire_length):
    """Resistance per unit length (ohm/m) of a global wire of ``wire_length`` (m).

    Long wires are drawn wider: 4x the minimum wire width from 1e5 F, 2x from 1e4 F.
    The resistivity then follows the width band (aspect ratio, size effect through the
    barrier) and a 0.451 %/K temperature coefficient, times ``prm.wire_resistivity_scale`` (1).
    """
    n = f64(wire_length) / tech.feature_size
    width = f64(prm.wire_width) * jnp.where(n >= 100000, 4.0, jnp.where(n >= 10000, 2.0, 1.0))
    conds = [width >= lo for lo, *_ in _GLOBAL_BANDS]
    ar = jnp.select(conds, [a for _, a, _, _ in _GLOBAL_BANDS], jnp.nan)
    rho = jnp.select(conds, [r for _, _, r, _ in _GLOBAL_BANDS], jnp.nan)
    bar = jnp.select(conds, [b for _, _, _, b in _GLOBAL_BANDS], jnp.nan)
    rho = rho / (1 - (2 * ar * width + width) * bar / (ar * width ** 2))
    rho = rho * (1 + 0.00451 * (f64(prm.temp) - 300))
    return rho / ((width * 1e-9) ** 2 * ar) * prm.wire_resistivity_scale


# ----------------------------------------------------------------------------------------------
# latency, energy and leakage of repeated wires (shared by the bus, the H-tree and the X-Y bus)
# ----------------------------------------------------------------------------------------------
@pytree_dataclass
class WireLatency:
    """Latency of a bus transfer: ``read_latency`` (s, or clock cycles in synchronous mode) and,
    for the H-tree, ``critical_latency`` (one transfer in clock periods before rounding up;
    0 in asynchronous mode)."""

    read_latency: Any
    critical_latency: Any


@pytree_dataclass
class WirePower:
    """Dynamic energy (J) of the requested transfers and leakage power (W) of the repeaters."""

    read_dynamic_energy: Any
    leakage: Any


def unit_latency_wire(rw, cw, dist):
    """Delay per unit length (s/m) of a bare RC wire segment of length ``dist`` (no repeater)."""
    return 0.7 * rw * dist * cw * dist / dist


def segment_latency(length, res_on, c_in, c_out, rw, cw, dist):
    """Delay (s) of a wire of ``length`` (m): repeated every ``dist`` when it has a length (the
    repeater count ceil(length / dist) is positive), else a bare wire (also for negative lengths)."""
    rep = _unit_delay(res_on, c_in, c_out, rw, cw, dist)
    wire = unit_latency_wire(rw, cw, dist)
    return jnp.where(length > 0, length * rep, length * wire)


def unit_length_energy(c_in, c_out, cw, dist, vdd):
    """Switching energy per unit length (J/m) of a repeated wire, and of a bare wire; one
    transition in two (factor 0.5)."""
    rep = (c_in + c_out + cw * dist) * vdd * vdd / dist * 0.5
    wire = (cw * dist) * vdd * vdd / dist * 0.5
    return rep, wire


def segment_energy(length, e_rep, e_wire):
    """Switching energy (J) of one bit over a wire of ``length`` (m) (repeated when it has a length)."""
    return jnp.where(length > 0, length * e_rep, length * e_wire)


def unit_length_leakage(tech, prm, width_n, width_p, dist):
    """Repeater leakage power per unit length of one wire (W/m): one inverter every ``dist``."""
    return fm.gate_leakage(tech, L.INV, 1, width_n, width_p, prm.temp) * tech.vdd / dist
