"""Successive-approximation (SAR) ADCs, one per group of muxed columns.

The layout is a transistor count that grows with the resolution: 269 NMOS and
209 PMOS minimum footprints for one bit, plus 109 NMOS and 73 PMOS per extra
bit (comparator, capacitive DAC switches, SAR logic). The ADCs are laid out
across the array width. Power per conversion is a per-node fit of circuit
simulations (table below, indexed by :data:`dse.design.NODES`); a conversion takes one
clock cycle per bit plus one. The ``adc`` knob's ``sar`` (interface: :mod:`dse.circuits.adc`).
Manual: SAR ADC model of NeuroSim V1.4 (read periphery).

Units: m, m^2, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from dse.circuits import formula
from dse.circuits.adc import ADCInputs, ADCModel, fit_variable, open_or_shorted, power_law, temperature_factor
from dse.circuits.cell_layout import spread
from dse.circuits.formula import log2_exact
from dse.pytree import pytree_dataclass
from dse.tech.layout import INV, MAX_TRANSISTOR_HEIGHT, MIN_NMOS_SIZE

#: conversion clock (s): one cycle per bit, plus one
CYCLE = 1e-9
#: layout: minimum NMOS / PMOS footprints of a 1-bit converter, and per extra bit
N_BASE, P_BASE, N_PER_BIT, P_PER_BIT = 269, 209, 109, 73

# Column power fit (W) of one conversion: (k1 log2(L) + k0) 1e-6 + a exp(b log10 x), x the column
# resistance (ohm). Columns: k1, k0, a, b. Order of dse.design.NODES.
_POW_LSTP = np.array([
    [8.4483, 65.243, 0.169380, -2.303], [5.9869, 37.462, 0.144323, -2.303], [3.7506, 25.844, 0.121272, -2.303],
    [2.1691, 16.693, 0.100225, -2.303], [1.1294, 8.8998, 0.079449, -2.297], [0.538, 4.3753, 0.072341, -2.303],
    [0.3132, 2.5681, 0.061085, -2.303], [0.1823, 1.5073, 0.051580, -2.303], [0.1061, 0.8847, 0.043555, -2.303],
    [0.0645, 0.5511, 0.0388, -2.303], [0.0333, 0.2849, 0.0388, -2.303], [0.0207, 0.1764, 0.0313, -2.303],
    [0.0101, 0.0843, 0.0288, -2.303],
])
# HP devices; nodes below 7 nm reuse the 7 nm fit (HP is not supported at 14 nm and below).
_POW_HP = np.array([
    [6.4806, 49.047, 0.207452, -2.367], [4.3474, 31.782, 0.164900, -2.345], [2.9503, 22.047, 0.128483, -2.321],
    [2.1843, 11.931, 0.097754, -2.296], [1.0157, 7.6286, 0.083709, -2.313], [0.7213, 3.3041, 0.084273, -2.311],
    [0.4710, 1.9529, 0.060584, -2.311], [0.3076, 1.1543, 0.049418, -2.311], [0.2008, 0.6823, 0.040310, -2.311],
    [0.2008, 0.6823, 0.040310, -2.311], [0.2008, 0.6823, 0.040310, -2.311], [0.2008, 0.6823, 0.040310, -2.311],
    [0.2008, 0.6823, 0.040310, -2.311],
])


@pytree_dataclass
class SarADC:
    """Sizing and layout of ``num_col`` SAR ADCs of ``level_output`` levels."""

    num_col: Any        # number of ADCs
    level_output: Any   # quantization levels (2**bits)
    width_nmos: Any     # m
    width_pmos: Any     # m
    area_unit: Any      # m^2, one ADC
    area: Any           # m^2
    height: Any         # m
    width: Any          # m


def sar_adc(tech, prm, inp: ADCInputs) -> SarADC:
    """``inp.num_adc`` SAR ADCs of ``inp.levels`` levels laid out across ``inp.width_array`` (m)."""
    f = lambda x: jnp.asarray(x, jnp.float64)  # noqa: E731
    num_col, level_output = f(inp.num_adc), f(inp.levels)
    fs = tech.feature_size
    width_nmos = MIN_NMOS_SIZE * fs
    width_pmos = tech.pn_size_ratio * MIN_NMOS_SIZE * fs
    h_std = fs * MAX_TRANSISTOR_HEIGHT
    a_n, _, _ = formula.gate_area(tech, INV, 1, width_nmos, 0.0, h_std)
    a_p, _, _ = formula.gate_area(tech, INV, 1, 0.0, width_pmos, h_std)
    extra_bits = log2_exact(level_output) - 1.0
    area_unit = a_n * (N_BASE + extra_bits * N_PER_BIT) + a_p * (P_BASE + extra_bits * P_PER_BIT)
    area = area_unit * num_col
    height, width = spread(area, new_width=inp.width_array)
    return SarADC(num_col=num_col, level_output=level_output, width_nmos=width_nmos, width_pmos=width_pmos,
                  area_unit=area_unit, area=area, height=height, width=width)


def sar_latency(adc: SarADC, tech, prm):
    """One conversion (s): one :data:`CYCLE` per bit plus one."""
    return (log2_exact(adc.level_output) + 1.0) * CYCLE


def _power_fit(prm):
    """(k1, k0, a, b) of the power fit ``P = (k1 bits + k0) uW + a x**b`` of the point's node and roadmap."""
    idx = prm.node_index
    return jnp.where(prm.deviceroadmap == 1, jnp.asarray(_POW_HP)[idx].T, jnp.asarray(_POW_LSTP)[idx].T)


def power_law_exponent(prm):
    """Exponent ``b`` of the power fit's ``x**b`` term (``x``: :func:`dse.circuits.adc.fit_variable`)."""
    return _power_fit(prm)[3]


def sar_column_energy(adc: SarADC, tech, prm, res, x_pow=None):
    """Energy (J) of one conversion of a column of resistance ``res`` (ohm): the fitted power over
    :func:`sar_latency`.

    ``x_pow``: ``x ** power_law_exponent(prm)`` of the fits' variable ``x``, if computed already
    (:func:`dse.circuits.adc.column_energy` shares it between ADC types).
    """
    x = fit_variable(prm, res)
    bits = log2_exact(adc.level_output)
    k1, k0, a, b = _power_fit(prm)
    x_pow = power_law(x, b) if x_pow is None else x_pow
    p = open_or_shorted(x, (k1 * bits + k0) * 1e-6 + a * x_pow)
    return p * temperature_factor(prm) * sar_latency(adc, tech, prm)


def sar_leakage(adc: SarADC, tech, prm):
    """Leakage (W): none apart from the fitted power, which is counted per conversion."""
    return jnp.zeros_like(adc.area)


ADC = ADCModel(name="sar", layout=sar_adc, latency=sar_latency, column_energy=sar_column_energy,
               leakage=sar_leakage, power_law_exponent=power_law_exponent)
