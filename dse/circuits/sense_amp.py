"""Voltage sense amplifier of SRAM columns read row by row (sequential mode).

A latch-type sense amplifier: two PMOS, two NMOS, an isolation PMOS and an enable NMOS per
column, each laid out at the column pitch (devices doubled at 14 nm and below for fins).
Only the total area is modelled; the shape follows the given width or height.
Manual: "Sense amplifier" (SRAM peripheral circuits).

Units: m, m^2, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import NONE, Latency, Power, apply_layout, f64, fin_factor, spread_to
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class SenseAmp:
    """State of the column sense amplifiers after layout (SI units)."""

    num_col: Any
    pitch_sense_amp: Any     # m, layout pitch available to one amplifier
    sense_voltage: Any       # V, minimum sensible voltage
    area: Any
    height: Any
    width: Any
    cap_load: Any            # F, load a bit line sees from its amplifier


def sense_amp(tech, num_col, pitch_sense_amp, sense_voltage=0.1, *, current_sense: bool = False,
              new_height=None, new_width=None, option: int = NONE) -> SenseAmp:
    """Lay out ``num_col`` sense amplifiers at ``pitch_sense_amp`` (m); ``current_sense`` (static)
    is not supported by the reference model."""
    if current_sense:
        raise NotImplementedError("current-sensing SRAM sense amplifiers are not modelled")
    F = tech.feature_size
    k = fin_factor(tech)
    pitch = f64(pitch_sense_amp)
    area_p, _, _ = fm.gate_area(tech, L.INV, 1, 0.0 * F, k * L.W_SENSE_P * F, pitch)
    area_iso, _, _ = fm.gate_area(tech, L.INV, 1, 0.0 * F, k * L.W_SENSE_ISO * F, pitch)
    area_n, _, _ = fm.gate_area(tech, L.INV, 1, k * L.W_SENSE_N * F, 0.0 * F, pitch)
    area_en, _, _ = fm.gate_area(tech, L.INV, 1, k * L.W_SENSE_EN * F, 0.0 * F, pitch)
    area = (area_p * 2 + area_n * 2 + area_iso + area_en) * f64(num_col)
    height, width = spread_to(area, new_height, new_width, option)
    area, height, width = apply_layout(option, area, height, width, new_height, new_width)

    cap = (fm.gate_cap(tech, k * (L.W_SENSE_P + L.W_SENSE_N) * F)
           + fm.drain_cap(tech, k * L.W_SENSE_N * F, L.NMOS, pitch)
           + fm.drain_cap(tech, k * L.W_SENSE_P * F, L.PMOS, pitch)
           + fm.drain_cap(tech, k * L.W_SENSE_ISO * F, L.PMOS, pitch)
           + fm.drain_cap(tech, k * L.W_SENSE_MUX * F, L.NMOS, pitch))
    return SenseAmp(num_col=f64(num_col), pitch_sense_amp=pitch, sense_voltage=f64(sense_voltage) + 0 * F,
                    area=area, height=height, width=width, cap_load=cap)


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def sense_amp_latency(a: SenseAmp, tech, num_read) -> Latency:
    """Resolution time (s) of ``num_read`` senses: the latch's (C / gm) time constant times
    ln(vdd / sense_voltage). Manual: "Sense amplifier"."""
    F = tech.feature_size
    k = fin_factor(tech)
    gm = fm.transconductance(tech, k * L.W_SENSE_N * F, L.NMOS) + fm.transconductance(tech, k * L.W_SENSE_P * F,
                                                                                      L.PMOS)
    lat = a.cap_load / gm * jnp.log(tech.vdd / a.sense_voltage) * num_read
    zero = jnp.zeros_like(lat)
    return Latency(read_latency=lat, write_latency=zero, ramp_output=zero)


def sense_amp_power(a: SenseAmp, tech, num_read, num_read_cell_per_operation, temperature=300) -> Power:
    """Energy (J) of ``num_read`` senses by ``min(num_read_cell_per_operation, num_col)``
    amplifiers and leakage (W) of the enable devices. Manual: "Sense amplifier"."""
    F = tech.feature_size
    w_en = fin_factor(tech) * L.W_SENSE_EN * F
    leakage = fm.gate_leakage(tech, L.INV, 1, w_en, 0.0 * w_en, temperature) * tech.vdd * a.num_col
    e = a.cap_load * tech.vdd * tech.vdd * (jnp.minimum(f64(num_read_cell_per_operation), a.num_col) * num_read)
    return Power(read_dynamic_energy=e, write_dynamic_energy=jnp.zeros_like(e), leakage=leakage)
