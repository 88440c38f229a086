"""Shared layout helpers of the peripheral circuits (standard-cell sizes, area options).

Every circuit's area function takes an optional target ``new_height`` / ``new_width`` (m)
and a static layout option:

* ``NONE``: fit the circuit into the given height (or width) by stacking its cells in
  columns (rows); without a target, use the circuit's natural shape;
* ``MAGIC``: keep the natural area and reshape it to the given height (or width);
* ``OVERRIDE``: force both height and width (the area becomes their product).

``None`` for ``new_height`` / ``new_width`` means "not given" (the reference passes 0).
Which of the two is given, and the option, are fixed at the call site (static).

Standard-cell height and contacted poly pitch follow the per-node trends of
:mod:`dse.tech.layout` (planar nodes use the planar rules). Units: m.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import jax.numpy as jnp

from dse.pytree import pytree_dataclass, replace
from dse.tech import layout as L

NONE, MAGIC, OVERRIDE = 0, 1, 2
#: REGULAR_ROW / REGULAR_COL decoder modes (decoder outputs run along rows or columns)
REGULAR_ROW, REGULAR_COL = 0, 1


def f64(x):
    """``x`` as a float64 array."""
    return jnp.asarray(x, jnp.float64)


def trunc(x):
    """C++ assignment of a double to an ``int`` (truncation toward zero)."""
    return jnp.trunc(x)


def c_int(x):
    """C++ conversion of a double to ``int`` on x86: truncation, and INT_MIN for NaN, infinities
    and out-of-range values (e.g. ``ceil(n / 0)`` when not even one cell fits the given pitch)."""
    x = f64(x)
    ok = jnp.isfinite(x) & (x < 2.0 ** 31) & (x > -(2.0 ** 31) - 1)
    return jnp.where(ok, jnp.trunc(jnp.where(ok, x, 0.0)), -(2.0 ** 31))


def is_finfet_or_gaa(tech):
    """True at 14 nm and below (FinFET or nanosheet transistors)."""
    return f64(tech.technode) <= 14.0


def fin_factor(tech):
    """Width multiplier 2 at 14 nm and below (one fin is 2 F wide), 1 at planar nodes."""
    return jnp.where(is_finfet_or_gaa(tech), 2.0, 1.0)


def min_cell_height(tech):
    """Height of one standard cell (m): 28 F at planar nodes, the node trend below 14 nm."""
    h = L.node_value(L.STD_CELL_HEIGHT, tech.node_index)
    return L.MAX_TRANSISTOR_HEIGHT * tech.feature_size * (h / L.MAX_TRANSISTOR_HEIGHT)


def std_height(tech):
    """The nominal transistor-region height of a standard cell passed to the gate model (28 F)."""
    return tech.feature_size * L.MAX_TRANSISTOR_HEIGHT


def min_cell_width(tech):
    """Width of a one-transistor-pair cell, two contacted poly pitches (m)."""
    planar_cpp = L.MIN_GAP_BET_GATE_POLY + L.POLY_WIDTH
    cpp = L.node_value(L.CPP, tech.node_index)
    return 2 * planar_cpp * tech.feature_size * (cpp / planar_cpp)


def metal_pitches(tech):
    """(metal-2 pitch, metal-3 pitch) in units of F for this node."""
    m2 = L.M2_PITCH * (L.node_value(L.M2_PITCH_NODE, tech.node_index) / L.M2_PITCH)
    m3 = L.M3_PITCH * (L.node_value(L.M3_PITCH_NODE, tech.node_index) / L.M3_PITCH)
    return m2, m3


def apply_layout(option: int, area, height, width, new_height=None, new_width=None):
    """Reshape a finished layout according to the static ``option``; returns (area, height, width)."""
    if option == MAGIC:
        if new_height is not None:
            return area, f64(new_height) + 0 * area, area / new_height
        if new_width is not None:
            return area, area / new_width, f64(new_width) + 0 * area
        return area, height, width
    if option == OVERRIDE:
        if new_height is None or new_width is None:
            raise ValueError("OVERRIDE layout needs both new_height and new_width")
        h = f64(new_height) + 0 * area
        w = f64(new_width) + 0 * area
        return h * w, h, w
    return area, height, width


def balanced_lines(n, extent, unit):
    """``n`` units of size ``unit`` (m) in lines of length ``extent`` (m): (units per line, lines),
    the units spread evenly over the lines needed (C int conversions, as the reference)."""
    per = c_int(extent / unit)
    lines = c_int(jnp.ceil(n / per))
    return c_int(jnp.ceil(n / lines)), lines


def lines_needed(n, extent, unit):
    """Lines of length ``extent`` (m) that ``n`` units of size ``unit`` (m) fill, as many per line
    as fit (at most ``n``)."""
    return c_int(jnp.ceil(n / jnp.minimum(c_int(extent / unit), n)))


def row_of_units(n, h_unit, w_unit, new_width=None, option: int = NONE):
    """(height, width) in m of ``n`` units of ``h_unit`` x ``w_unit`` side by side, wrapped into as
    many rows as a given ``new_width`` needs (NONE mode)."""
    if fits(new_width, option):
        nw = f64(new_width)
        return lines_needed(n, nw, w_unit) * h_unit, nw + 0 * h_unit
    return h_unit, n * w_unit


def pass_gate_folds(width, cell_w):
    """Folds of a pass gate drawn ``width`` (m) wide: one per half minimum cell width, less one."""
    return c_int(width / (0.5 * cell_w)) - 1


def spread(area, new_height=None, new_width=None):
    """(height, width) of ``area`` laid out ``new_width`` wide, else ``new_height`` high (m)."""
    if new_width is not None:
        width = f64(new_width) + 0 * area
        return area / width, width
    height = f64(new_height) + 0 * area
    return height, area / height


def spread_to(area, new_height=None, new_width=None, option: int = NONE):
    """(height, width) of ``area`` reshaped to the given width (else height) in NONE mode; zero
    otherwise (the layout option then sets them)."""
    if fits(new_width, option):
        return spread(area, new_width=new_width)
    if fits(new_height, option):
        return spread(area, new_height=new_height)
    return 0 * area, 0 * area


def fits(given, option: int) -> bool:
    """Whether a target dimension drives the NONE-mode stacking (given and option is NONE)."""
    return given is not None and option == NONE


def masked(block, use):
    """``block`` (a laid-out state) with area, height and width zeroed where ``use`` is 0: a
    circuit the configuration does not have (its sizing fields stay filled)."""
    z = lambda v: jnp.where(use, v, 0.0)  # noqa: E731
    return replace(block, area=z(block.area), height=z(block.height), width=z(block.width))


def safe_div(a, b):
    """``a / b`` where ``b`` may be 0 in a branch that ``jnp.where`` discards."""
    return a / jnp.where(b == 0, 1.0, b)


def select_by_count(n, ks: Sequence[int], fn: Callable):
    """Evaluate ``fn(k)`` for each static ``k`` in ``ks`` and pick, elementwise, the one with ``k == n``.

    Used where the gate model needs a static input count but the count follows traced
    sizes (e.g. the decoder NOR fan-in). ``fn`` returns a tuple of arrays.
    """
    n = f64(n)
    outs = [fn(k) for k in ks]
    res = []
    for j in range(len(outs[0])):
        conds = [n == k for k in ks]
        vals = [jnp.broadcast_to(f64(o[j]), jnp.broadcast_shapes(*[jnp.shape(p[j]) for p in outs], n.shape))
                for o in outs]
        res.append(jnp.select(conds, vals, vals[-1]))
    return tuple(res)


# ----------------------------------------------------------------------------------------------
# results of the latency / power functions of the circuits
# ----------------------------------------------------------------------------------------------
# Latency/power functions that evaluate device currents take ``temperature`` (K): 300 by default
# (the reference's operating temperature, at which the area states are sized); pass ``prm.temp``
# to follow a swept temperature (leakage and on-resistances then use the temperature tables).
@pytree_dataclass
class Latency:
    """Latency of a circuit for the requested numbers of operations.

    ``read_latency`` / ``write_latency``: s, or clock cycles where the circuit's docstring says
    so (synchronous mode); ``ramp_output`` (1/s) is the slope handed to the next stage (0 where
    the circuit does not produce one).
    """

    read_latency: Any
    write_latency: Any
    ramp_output: Any


@pytree_dataclass
class Power:
    """Dynamic energy (J) of the requested reads / writes and leakage power (W) of a circuit."""

    read_dynamic_energy: Any
    write_dynamic_energy: Any
    leakage: Any


def clock_cycles(prm, t, clk_freq=None):
    """Synchronous mode: a delay ``t`` (s) rounded up to whole cycles of ``clk_freq`` (Hz,
    default ``prm.clk_freq``); asynchronous mode: ``t`` unchanged (s)."""
    clk = prm.clk_freq if clk_freq is None else clk_freq
    return jnp.where(prm.synchronous != 0, jnp.ceil(t * clk), t)


def calibrated(prm, factor):
    """``factor`` when the design point uses the validated calibration, 1 otherwise."""
    return jnp.where(prm.validated != 0, factor, 1.0)
