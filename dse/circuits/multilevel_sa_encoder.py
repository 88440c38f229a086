"""Thermometer-to-binary encoders behind the flash (multilevel sense-amplifier) ADCs.

One encoder per ADC: for each of the ``num_level - 1`` comparator outputs an
inverter and a 2-input NAND, then ``ceil(log2(num_level))`` wide NAND gates of
``floor(num_level / 2)`` inputs produce the output bits. The encoders are tiled
in rows across the array width. Manual: multilevel sense amplifier encoder
(read periphery of NeuroSim V1.4).

Units: m, m^2, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula
from dse.circuits.formula import log2_exact
from dse.pytree import pytree_dataclass
from dse.tech.layout import INV, NAND, NMOS, MAX_TRANSISTOR_HEIGHT, MIN_NMOS_SIZE


@pytree_dataclass
class MultilevelSAEncoder:
    """Sizing, capacitances and layout of ``num_encoder`` encoders."""

    num_encoder: Any     # number of encoders (= number of ADCs)
    num_level: Any       # levels of the ADC
    num_input: Any       # inputs of each wide NAND, floor(num_level / 2)
    num_gate: Any        # wide NANDs (output bits), ceil(log2(num_level))
    width_inv_n: Any     # m
    width_inv_p: Any     # m
    width_nand_n: Any    # m
    width_nand_p: Any    # m
    w_encoder: Any       # m, width of one encoder
    h_encoder: Any       # m, height of one encoder
    cap_inv_input: Any   # F
    cap_inv_output: Any  # F
    cap_nand_input: Any  # F, 2-input NAND
    cap_nand_output: Any  # F, 2-input NAND
    cap_nand_lg_input: Any  # F, one input of a wide NAND
    area: Any            # m^2
    height: Any          # m
    width: Any           # m


def nand_gate_width(tech, num_input, width_n, width_p, height_region):
    """Width (m) of a NAND gate with a traced number of inputs.

    A standard-cell NAND grows linearly with its input count (one more poly pitch
    per input, less the shared diffusion), so the width at ``num_input`` follows
    from the widths of the 1- and 2-input gates.
    """
    _, _, w1 = formula.gate_area(tech, NAND, 1, width_n, width_p, height_region)
    _, _, w2 = formula.gate_area(tech, NAND, 2, width_n, width_p, height_region)
    return w1 + (jnp.asarray(num_input, jnp.float64) - 1.0) * (w2 - w1)


def multilevel_sa_encoder(tech, prm, *, num_level, num_encoder, width_array) -> MultilevelSAEncoder:
    """``num_encoder`` encoders for ``num_level``-level flash ADCs, tiled across ``width_array`` (m)."""
    f = lambda x: jnp.asarray(x, jnp.float64)  # noqa: E731
    num_level, num_encoder = f(num_level), f(num_encoder)
    fs = tech.feature_size
    h_std = fs * MAX_TRANSISTOR_HEIGHT
    num_input = jnp.floor(num_level / 2.0)  # integer division in the reference, then ceil of an int
    num_gate = jnp.ceil(log2_exact(num_level))
    width_inv_n = MIN_NMOS_SIZE * fs
    width_inv_p = tech.pn_size_ratio * MIN_NMOS_SIZE * fs
    width_nand_n = 4 * MIN_NMOS_SIZE * fs
    width_nand_p = 2 * tech.pn_size_ratio * MIN_NMOS_SIZE * fs
    # 2-input NAND: nanosheet nodes (<= 2 nm, special layout) use minimum devices
    special = formula.special_layout(tech, prm)
    mn = MIN_NMOS_SIZE * fs
    _, h_nand_n, w_nand_n = formula.gate_area(tech, NAND, 2, width_nand_n, width_nand_p, h_std)
    _, h_nand_s, w_nand_s = formula.gate_area(tech, NAND, 2, mn, mn, h_std)
    h_nand = jnp.where(special, h_nand_s, h_nand_n)
    w_nand = jnp.where(special, w_nand_s, w_nand_n)
    _, h_inv, w_inv = formula.gate_area(tech, INV, 1, width_inv_n, width_inv_p, h_std)
    h_lg = h_nand_n  # a standard cell: the wide NAND has the NAND2 height
    w_lg = nand_gate_width(tech, num_input, width_nand_n, width_nand_p, h_std)
    # one encoder: inverter + NAND2 per comparator, wide NAND per output bit (latches are in the SA)
    w_encoder = w_inv + w_nand + w_lg
    h_encoder = ((w_inv * h_inv + w_nand * h_nand) * (num_level - 1) + w_lg * num_gate * h_lg) / w_encoder
    w_arr = f(width_array)
    per_row = jnp.minimum(jnp.ceil(w_arr / w_encoder), num_encoder)  # int of ceil
    num_rows = jnp.ceil(num_encoder / per_row)
    width = jnp.maximum(w_arr, w_encoder)
    height = h_encoder * num_rows
    area = height * width
    # capacitances (used by the latency model)
    ci, co = formula.gate_capacitance(tech, INV, 1, width_inv_n, width_inv_p, h_inv)
    cni, cno = formula.gate_capacitance(tech, NAND, 2, width_nand_n, width_nand_p, h_nand)
    cli = formula.gate_cap(tech, width_nand_n) + formula.gate_cap(tech, width_nand_p)
    ci, co, _, _ = formula.special_layout_caps(tech, prm, INV, 1, mn, mn, h_inv, formula.GAA_INV_TUNING, (ci, co))
    cni, cno, _, _ = formula.special_layout_caps(tech, prm, NAND, 2, mn, mn, h_nand, formula.GAA_NAND_TUNING,
                                                 (cni, cno))
    return MultilevelSAEncoder(
        num_encoder=num_encoder, num_level=num_level, num_input=num_input, num_gate=num_gate,
        width_inv_n=width_inv_n, width_inv_p=width_inv_p, width_nand_n=width_nand_n, width_nand_p=width_nand_p,
        w_encoder=w_encoder, h_encoder=h_encoder, cap_inv_input=ci, cap_inv_output=co,
        cap_nand_input=cni, cap_nand_output=cno, cap_nand_lg_input=cli,
        area=area, height=height, width=width,
    )


def gate_leakage_n(tech, gate_type: int, num_input, width_n, width_p, temperature=300):
    """Leakage current (A) of a NAND or NOR gate with a traced number of inputs.

    Two-input gates use the two-input leakage ratio, any other count the three-input one
    (as :func:`dse.circuits.formula.gate_leakage` does for a static count).
    """
    n = jnp.asarray(num_input, jnp.float64)
    two = formula.gate_leakage(tech, gate_type, 2, width_n, width_p, temperature)
    three = formula.gate_leakage(tech, gate_type, 3, width_n, width_p, temperature)
    return jnp.where(n == 2, two, three * n / 3.0)


def encoder_latency(enc: MultilevelSAEncoder, tech, prm, ramp_input=formula.STEP_RAMP):
    """Delay (s) of one encoding: the comparator-side inverter, then the wide NAND of an output bit.

    Returns ``(latency s, ramp_output 1/s)``. Nanosheet nodes with the special layout
    have 1.5x the NAND pull-down resistance.
    """
    temp = prm.temp
    r_inv = formula.on_resistance(tech, enc.width_inv_n, NMOS, temp)
    d1, ramp1 = formula.horowitz(r_inv * (enc.cap_inv_output + 2.0 * enc.cap_nand_input), 0.0, ramp_input)
    r_nand = formula.on_resistance(tech, enc.width_nand_n, NMOS, temp) * 2.0
    r_nand = jnp.where(formula.special_layout(tech, prm), r_nand * 1.5, r_nand)
    d2, ramp2 = formula.horowitz(r_nand * (enc.cap_nand_output + enc.cap_nand_lg_input * enc.num_input), 0.0, ramp1)
    return d1 + d2, ramp2


def encoder_leakage(enc: MultilevelSAEncoder, tech, prm):
    """Leakage power (W) of the encoders: NAND2 and inverters per comparator, wide NANDs per bit.

    Their read energy is zero in the reference model.
    """
    temp = prm.temp
    vdd = tech.vdd
    n_cmp = (enc.num_level - 1.0) * enc.num_encoder
    leak = formula.gate_leakage(tech, NAND, 2, enc.width_nand_n, enc.width_nand_p, temp) * vdd * n_cmp
    leak = leak + gate_leakage_n(tech, NAND, enc.num_input, enc.width_nand_n, enc.width_nand_p, temp) * vdd \
        * enc.num_gate * enc.num_encoder
    inv_factor = formula.special_layout_factor(tech, prm)
    leak = leak + formula.gate_leakage(tech, INV, 1, enc.width_inv_n, enc.width_inv_p, temp) * vdd * 5.0 \
        * n_cmp * inv_factor
    return leak
