"""H-tree interconnect among the PEs of a tile or the tiles of a chip (repeated wires).

The tree spans a 2^k x 2^k grid (k = ceil(log2(max(rows, cols)))): from the centre,
each level halves the vertical then the horizontal wire length while the per-branch
wire width accumulates, so that every level carries the full bus width; the last level
overlaps the units. A main bus runs from the tree root to the nearest edge. Repeaters
(size halved within the delay tolerance) set the wire pitch; the layout can be folded
(``folded_ratio``) to save area. Manual: "Interconnect" (H-tree). Units: m, m^2, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from dse.circuits import formula as fm
from dse.circuits.cell_layout import f64, std_height
from dse.interconnect import (HALVE, UNIT_LENGTH_WIRE_CAP, Repeater, WireLatency, WirePower, _unit_delay,
                              clock_cycles, repeater_design, segment_energy, segment_latency, unit_length_energy,
                              unit_length_leakage, unit_length_res)
from dse.pytree import pytree_dataclass
from dse.tech import layout as L

#: largest tree depth handled (a 2^20 x 2^20 grid)
MAX_LEVELS = 20


@pytree_dataclass
class HTree:
    """State of an H-tree after sizing and layout (SI units)."""

    num_row: Any            # 2^k after balancing
    num_col: Any
    num_stage: Any          # 2k + 1
    bus_width: Any          # bits
    x_center: Any
    y_center: Any
    rep: Repeater
    unit_height: Any        # m
    unit_width: Any         # m
    folded_ratio: Any
    h_inv: Any
    w_inv: Any
    cap_inv_input: Any
    cap_inv_output: Any
    total_wire_length: Any  # m
    area: Any               # m^2
    unit_length_wire_cap: Any


def htree(tech, prm, num_row, num_col, delay_tolerance, bus_width, unit_height, unit_width,
          folded_ratio, rep: Repeater | None = None) -> HTree:
    """An H-tree over ``num_row`` x ``num_col`` units of ``unit_height`` x ``unit_width`` (m).

    ``num_row``/``num_col`` are truncated to integers as the reference stores them;
    ``bus_width`` (bits) may be fractional. ``rep``: the repeater design for
    ``delay_tolerance`` (``repeater_design(..., HALVE)``) if already computed.
    Returns the sizing and the area (m^2).
    """
    if rep is None:
        rep = repeater_design(tech, prm, delay_tolerance, HALVE)
    nr, nc = jnp.trunc(f64(num_row)), jnp.trunc(f64(num_col))
    k = jnp.ceil(jnp.log2(jnp.maximum(nr, nc)))
    num_stage = 2 * k + 1
    n = 2.0 ** k
    x_c = jnp.trunc(n / 2.0)   # int member
    y_c = jnp.trunc(n / 2.0)
    # keep the centre at least one unit inside the (balanced) grid
    x_c = jnp.where(n - x_c < 1, x_c - 1, x_c)
    y_c = jnp.where(n - y_c < 1, y_c - 1, y_c)

    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, rep.width_inv_n, rep.width_inv_p, std_height(tech))
    c_in, c_out = fm.gate_capacitance(tech, L.INV, 1, rep.width_inv_n, rep.width_inv_p, h_inv)
    bw = f64(bus_width)
    fr = f64(folded_ratio)
    uh, uw = f64(unit_height), f64(unit_width)
    # every level but the last (which overlaps the units), vectorized over a leading level axis:
    # at level i (1 <= i < k) the wires are halved i + 1 times and i bus widths wide; wires are
    # repeated whenever they have a length, so their pitch is the repeater's
    i = _level_axis(jnp.broadcast_shapes(jnp.shape(uh * uw * bw * fr), jnp.shape(k)), 1)
    on = i < k
    len_v, len_h = uh * n / 2.0 ** (i + 1), uw * n / 2.0 ** (i + 1)
    wid_v, wid_h = i * (bw * w_inv / fr), i * (bw * h_inv / fr)
    area = jnp.sum(jnp.where(on, wid_v * len_v / 2 + wid_h * len_h / 2, 0.0), axis=0)
    total = jnp.sum(jnp.where(on, len_v + len_h, 0.0), axis=0)
    main = jnp.minimum(n - x_c, x_c) * uw
    total = total + main
    area = area + (bw * h_inv / fr) * main
    return HTree(num_row=n, num_col=n, num_stage=num_stage, bus_width=bw, x_center=x_c, y_center=y_c,
                 rep=rep, unit_height=uh, unit_width=uw, folded_ratio=fr, h_inv=h_inv, w_inv=w_inv,
                 cap_inv_input=c_in, cap_inv_output=c_out, total_wire_length=total, area=area,
                 unit_length_wire_cap=UNIT_LENGTH_WIRE_CAP + 0 * area)


def _level_axis(shape, first: int = 0):
    """Level indices ``first .. MAX_LEVELS - 1`` (float) on a leading axis, ready to broadcast
    against arrays of ``shape``: the levels are one vectorized expression, not an unrolled loop
    (a smaller program to compile). A numpy constant, so that its powers of two are constants too."""
    return np.arange(first, MAX_LEVELS, dtype=np.float64).reshape((-1,) + (1,) * len(shape))


def htree_latency(ht: HTree, tech, prm, unit_height, unit_width, num_read, *, clk_freq=None) -> WireLatency:
    """Latency of ``num_read`` transfers between the tree root and a leaf (broadcasts over a layer axis).

    The reference's chip and tile always route root <-> leaf (a start location of (0, 0)), so
    the leaf's location does not enter: a transfer runs down every level (vertical then
    horizontal wire, lengths ``unit_height`` x 2^(k-1), ..., ``unit_height`` and likewise for the
    width, each with the unit resistance of a global wire of that length) plus the main bus to
    the edge, at the last level's unit delay. ``unit_height`` / ``unit_width`` (m) are the
    leaf's size as the caller passes it. Synchronous mode: whole cycles of ``clk_freq``
    (default ``prm.clk_freq``) per transfer, times ``num_read``, and ``critical_latency`` is
    one transfer in clock periods before rounding; asynchronous: seconds.
    """
    r = ht.rep
    uh, uw = f64(unit_height), f64(unit_width)
    k = (ht.num_stage - 1) / 2
    c_in, c_out, cw, d = ht.cap_inv_input, ht.cap_inv_output, ht.unit_length_wire_cap, r.min_dist
    i = _level_axis(jnp.broadcast_shapes(jnp.shape(uh * uw), jnp.shape(k)))
    scale = 2.0 ** (k - 1 - i)           # the wire halves at every level (exact)

    def seg(length):
        return segment_latency(length, r.res_on_rep, c_in, c_out, unit_length_res(tech, prm, length), cw, d)

    t = jnp.sum(jnp.where(i < k, seg(uh * scale) + seg(uw * scale), 0.0), axis=0)
    # the unit delay of the last level's horizontal wire (none without levels)
    last_w = uw * 2.0 ** (k - jnp.minimum(k, MAX_LEVELS))
    unit_rep = jnp.where(k >= 1, _unit_delay(r.res_on_rep, c_in, c_out, unit_length_res(tech, prm, last_w), cw, d),
                         0.0)
    main = jnp.minimum(ht.num_col - ht.x_center, ht.x_center) * uw
    t = t + main * unit_rep
    critical = jnp.where(prm.synchronous != 0, t * (prm.clk_freq if clk_freq is None else clk_freq), 0.0)
    t = clock_cycles(prm, t, clk_freq)
    return WireLatency(read_latency=t * num_read, critical_latency=critical)


def htree_power(ht: HTree, tech, prm, unit_height, unit_width, num_bit_access, num_read) -> WirePower:
    """Energy of ``num_read`` root <-> leaf transfers of ``num_bit_access`` bits, and the repeater
    leakage of ``num_bit_access`` wires over the whole tree (broadcasts over a layer axis).

    As in the reference, the energy path starts one level shorter than the latency path
    (lengths ``unit_height`` x 2^(k-2), ..., half a unit) plus the main bus; each bit toggles
    with probability one half. Manual: "Interconnect".
    """
    r = ht.rep
    uh, uw = f64(unit_height), f64(unit_width)
    k = (ht.num_stage - 1) / 2
    d = r.min_dist
    e_rep, e_wire = unit_length_energy(ht.cap_inv_input, ht.cap_inv_output, ht.unit_length_wire_cap, d, tech.vdd)
    i = _level_axis(jnp.broadcast_shapes(jnp.shape(uh * uw), jnp.shape(k), jnp.shape(e_rep)))
    scale = 2.0 ** (k - 2 - i)
    e = jnp.sum(jnp.where(i < k, segment_energy(uh * scale, e_rep, e_wire) + segment_energy(uw * scale, e_rep, e_wire),
                          0.0), axis=0)
    e = e + jnp.minimum(ht.num_col - ht.x_center, ht.x_center) * uw * e_rep
    leakage = (unit_length_leakage(tech, prm, r.width_inv_n, r.width_inv_p, d)
               * ht.total_wire_length * num_bit_access)
    return WirePower(read_dynamic_energy=e * num_bit_access * num_read, leakage=leakage)
