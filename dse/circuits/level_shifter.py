"""Level shifter for the write voltage of eNVM arrays (one per word, bit or source line).

Three stages (low-voltage input, cross-coupled latch, high-voltage pull-up) with fixed
multiples of the minimum device width. With the calibration factors (``validated``) the
devices are doubled, the cells made 2.5 times taller, the latch and pull-up treated as IO
transistors (2.5 times wider) and the total multiplied by ``alpha`` for wiring. Only its area
counts: the reference's read flow never switches it (its write path is disabled).
Manual: "Level shifter" (eNVM peripheral circuits).

Units: m, m^2, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import NONE, apply_layout, f64, spread_to, std_height
from dse.pytree import pytree_dataclass
from dse.tech import layout as L

# (N, P) width multiples of the minimum size for the input, latch and pull-up stages
_LOW, _LATCH, _HIGH = (15, 20), (32, 10), (64, 82)


@pytree_dataclass
class LevelShifter:
    """State of a bank of level shifters after layout (SI units)."""

    num_output: Any
    width_n: Any
    width_p: Any
    area: Any
    height: Any
    width: Any
    cap_mid_gate_n: Any
    cap_low_drain: Any
    cap_high_drain: Any


def _stages(tech, w_n, w_p, scale, height_region):
    out = []
    for (a, b) in (_LOW, _LATCH, _HIGH):
        out.append(fm.gate_area(tech, L.INV, 1, w_n * a * scale, w_p * b * scale, height_region))
    return out


def level_shifter(tech, prm, num_output, *, new_height=None, new_width=None, option: int = NONE) -> LevelShifter:
    """Lay out ``num_output`` level shifters; exactly one of ``new_height`` / ``new_width`` sets the shape."""
    if new_height is None and new_width is None:
        raise ValueError("the level shifter needs a height or a width")
    F = tech.feature_size
    w_n = L.MIN_NMOS_SIZE * F
    w_p = tech.pn_size_ratio * L.MIN_NMOS_SIZE * F
    num_output = f64(num_output)
    hstd = std_height(tech)

    (_, h_lo_v, w_lo_v), (_, h_la_v, w_la_v), (_, h_hi_v, w_hi_v) = _stages(tech, w_n, w_p, 2, hstd * 2.5)
    area_v = (jnp.maximum(jnp.maximum(h_lo_v, h_la_v), h_hi_v) * (w_lo_v + (2 * w_la_v + w_hi_v) * 2.5)
              * num_output * prm.alpha)
    (_, h_lo, w_lo), (_, h_la, w_la), (_, h_hi, w_hi) = _stages(tech, w_n, w_p, 1, hstd)
    area_u = jnp.maximum(jnp.maximum(h_lo, h_la), h_hi) * (w_lo + 2 * w_la + w_hi) * num_output
    validated = prm.validated != 0
    area = jnp.where(validated, area_v, area_u)
    h_low = jnp.where(validated, h_lo_v, h_lo)
    h_high = jnp.where(validated, h_hi_v, h_hi)

    height, width = spread_to(area, new_height, new_width, option)
    area, height, width = apply_layout(option, area, height, width, new_height, new_width)

    _, c_low = fm.gate_capacitance(tech, L.INV, 1, w_n * _LOW[0], w_p * _LOW[1], h_low)
    _, c_high = fm.gate_capacitance(tech, L.INV, 1, w_n * _HIGH[0], w_p * _HIGH[1], h_high)
    return LevelShifter(num_output=num_output, width_n=w_n + 0 * area, width_p=w_p + 0 * area, area=area,
                        height=height, width=width, cap_mid_gate_n=fm.gate_cap(tech, w_n * _LATCH[0]),
                        cap_low_drain=c_low, cap_high_drain=c_high)

