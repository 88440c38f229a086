"""Current-mode sense amplifiers (single reference at mid conductance).

The flash ADC instantiates ``(level_output - 1) * num_col`` of them for its
comparators, but the subarray layout counts the comparators inside the flash
ADC model (:mod:`dse.circuits.multilevel_sense_amp`), so this module's area is
not part of the subarray. A unit is 48 minimum NMOS and 40 minimum PMOS
footprints; placed under a column whose width is limited so that the unit's
height/width ratio stays within ``HEIGHT_WIDTH_RATIO_LIMIT``. Manual: current
sense amplifier (read periphery of NeuroSim V1.4).

Units: m, m^2, ohm.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula
from dse.pytree import pytree_dataclass
from dse.tech.layout import HEIGHT_WIDTH_RATIO_LIMIT, INV, MAX_TRANSISTOR_HEIGHT, MIN_NMOS_SIZE


@pytree_dataclass
class CurrentSenseAmp:
    """Sizing, reference and layout of ``num_col`` current sense amplifiers."""

    num_col: Any     # number of sense amplifiers
    width_nmos: Any  # m
    width_pmos: Any  # m
    r_ref: Any       # ohm, reference resistance (midway between R_on and R_off)
    area_unit: Any   # m^2, one sense amplifier
    area: Any        # m^2
    height: Any      # m
    width: Any       # m


def current_sense_amp(tech, prm, *, num_col, width_column) -> CurrentSenseAmp:
    """``num_col`` sense amplifiers, each under a column of width ``width_column`` (m)."""
    f = lambda x: jnp.asarray(x, jnp.float64)  # noqa: E731
    num_col = f(num_col)
    fs = tech.feature_size
    width_nmos = MIN_NMOS_SIZE * fs
    width_pmos = tech.pn_size_ratio * MIN_NMOS_SIZE * fs
    r_start = 1.0 / prm.max_conductance
    r_ref = r_start + (1.0 / prm.min_conductance - r_start) / 2.0
    h_std = fs * MAX_TRANSISTOR_HEIGHT
    a_n, _, _ = formula.gate_area(tech, INV, 1, width_nmos, 0.0, h_std)
    a_p, _, _ = formula.gate_area(tech, INV, 1, 0.0, width_pmos, h_std)
    area_unit = a_n * 48 + a_p * 40
    w_lim = jnp.sqrt(area_unit / HEIGHT_WIDTH_RATIO_LIMIT)
    w_col = jnp.minimum(f(width_column), w_lim)
    return CurrentSenseAmp(num_col=num_col, width_nmos=width_nmos, width_pmos=width_pmos, r_ref=r_ref,
                           area_unit=area_unit, area=area_unit * num_col, height=area_unit / w_col,
                           width=w_col * num_col)
