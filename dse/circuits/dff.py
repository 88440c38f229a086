"""D flip-flops (registers, shift registers, small buffers): sizing, layout area, capacitances.

One flip-flop is modelled as twelve minimum-size inverter cells side by side (transmission-gate
master/slave latch). A bank of ``num_dff`` flip-flops is laid out in one row, or in as many
columns (rows) as needed to fit a given height (width).
Manual: "D flip-flop" (peripheral circuits).

Units: m, m^2, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import NONE, apply_layout, f64, fits, lines_needed, std_height
from dse.circuits.cell_layout import Latency, Power
from dse.pytree import pytree_dataclass
from dse.tech import layout as L


@pytree_dataclass
class DFF:
    """State of a bank of D flip-flops after layout (SI units)."""

    num_dff: Any
    width_tg_n: Any
    width_tg_p: Any
    width_inv_n: Any
    width_inv_p: Any
    h_dff: Any
    w_dff: Any
    area: Any
    height: Any
    width: Any
    cap_tg_gate_n: Any
    cap_tg_gate_p: Any
    cap_tg_drain: Any
    cap_inv_input: Any
    cap_inv_output: Any


def dff(tech, prm, num_dff, *, new_height=None, new_width=None, option: int = NONE) -> DFF:
    """Lay out ``num_dff`` flip-flops (traced count); ``new_height`` stacks them in columns,
    ``new_width`` in rows, neither puts them in one row."""
    F = tech.feature_size
    pn = tech.pn_size_ratio
    mn = L.MIN_NMOS_SIZE
    num_dff = f64(num_dff)
    w_tg_n, w_tg_p = mn * F, pn * mn * F
    w_inv_n, w_inv_p = mn * F, pn * mn * F

    _, h_inv, w_inv = fm.gate_area(tech, L.INV, 1, mn * F, pn * mn * F, std_height(tech))
    h_dff, w_dff = h_inv, w_inv * 12
    if fits(new_height, option):
        nh = f64(new_height)
        height, width = nh + 0 * w_dff, w_dff * lines_needed(num_dff, nh, h_dff)
    elif fits(new_width, option):
        nw = f64(new_width)
        height, width = h_dff * lines_needed(num_dff, nw, w_dff), nw + 0 * h_dff
    else:
        height, width = h_dff, w_dff * num_dff
    area, height, width = apply_layout(option, height * width, height, width, new_height, new_width)

    # capacitances; the nanosheet special layout uses minimum-size P devices and tuned fins
    c_inv_in, c_inv_out = fm.gate_capacitance(tech, L.INV, 1, w_inv_n, w_inv_p, h_inv)
    _, c_tg_drain = fm.gate_capacitance(tech, L.INV, 1, w_tg_n, w_tg_p, h_inv)
    c_inv_in, c_inv_out_s, special, g = fm.special_layout_caps(
        tech, prm, L.INV, 1, mn * F, mn * F, h_inv, fm.GAA_INV_TUNING, (c_inv_in, c_inv_out))
    c_tg_drain = jnp.where(special, c_inv_out_s, c_tg_drain)
    return DFF(
        num_dff=num_dff, width_tg_n=w_tg_n, width_tg_p=w_tg_p, width_inv_n=w_inv_n, width_inv_p=w_inv_p,
        h_dff=h_dff, w_dff=w_dff, area=area, height=height, width=width,
        cap_tg_gate_n=fm.gate_cap(tech, w_tg_n) * g, cap_tg_gate_p=fm.gate_cap(tech, w_tg_p) * g,
        cap_tg_drain=c_tg_drain, cap_inv_input=c_inv_in, cap_inv_output=c_inv_out_s,
    )


# ----------------------------------------------------------------------------------------------
# latency, energy, leakage
# ----------------------------------------------------------------------------------------------
def dff_latency(d: DFF, prm, num_read, clk_freq=None) -> Latency:
    """Latency of ``num_read`` register transfers: clock CYCLES (``num_read``) in synchronous
    mode, otherwise half a clock period (s) each.

    ``clk_freq`` (Hz) is the clock the bank was built for (the user's ``clk_freq`` by default; the
    reference keeps it even after the synchronous clock is derived). Manual: "D flip-flop".
    """
    clk = prm.clk_freq if clk_freq is None else clk_freq
    num_read = f64(num_read)
    seconds = 1 / clk / 2 * num_read
    lat = jnp.where(prm.synchronous != 0, num_read + 0 * seconds, seconds)
    zero = jnp.zeros_like(lat)
    return Latency(read_latency=lat, write_latency=zero, ramp_output=zero)


def dff_power(d: DFF, tech, prm, num_read, num_dff_per_operation, validated, temperature=300) -> Power:
    """Energy (J) of ``num_read`` clock cycles of the bank and its leakage (W).

    Every flip-flop's clock inverters and clock gates toggle; only ``num_dff_per_operation`` of
    them pass data (D side, feedback, Q side). ``validated`` (bool or 0/1 array, as the caller
    passes it) applies the switching activity ``gamma``. Leakage is eight inverters per flip-flop
    (reduced for the nanosheet special layout at 2 and 1 nm). Write energy equals read energy.
    Manual: "D flip-flop".
    """
    vdd = tech.vdd
    v2 = vdd * vdd
    scale = fm.special_layout_factor(tech, prm)
    leak = fm.gate_leakage(tech, L.INV, 1, d.width_inv_n, d.width_inv_p, temperature)
    leakage = leak * vdd * 8 * d.num_dff * scale
    active = jnp.minimum(f64(num_dff_per_operation), d.num_dff)
    e = (d.cap_inv_input + d.cap_inv_output) * v2 * 4 * d.num_dff
    e = e + d.cap_tg_gate_n * v2 * 2 * d.num_dff + d.cap_tg_gate_p * v2 * 2 * d.num_dff
    e = e + (d.cap_tg_drain * 3 + d.cap_inv_input) * v2 * active
    e = e + (d.cap_tg_drain + d.cap_inv_output) * v2 * active
    e = e + (d.cap_inv_input + d.cap_inv_output) * v2 * active
    e = e * num_read
    gamma = jnp.where(jnp.asarray(validated) != 0, prm.gamma, 1.0)
    e = e * gamma
    return Power(read_dynamic_energy=e, write_dynamic_energy=e, leakage=leakage)
