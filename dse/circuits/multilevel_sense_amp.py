"""Flash ADC built from multilevel (current- or voltage-mode) sense amplifiers.

Each of the ``num_col`` ADCs compares its column against ``level_output - 1``
reference columns. A sense amplifier (latch plus current mirror) is modelled as
nine minimum NMOS footprints; the reference columns are dummy memory columns
(one array column each) that ``dumcolshared`` ADCs share. Current and voltage
sensing have the same layout; they differ in the latency and power fits, which
come from circuit simulations per technology node (tables below, indexed by
:data:`dse.design.NODES`). Manual: multilevel sense amplifier / flash ADC (the
"MLSA" of NeuroSim V1.4, sections on the read periphery and the ADC models).

Units: m, m^2, F, ohm, s, W.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from dse.circuits import formula
from dse.circuits.adc import fit_variable, open_or_shorted, power_law, temperature_factor
from dse.circuits.cell_layout import spread
from dse.pytree import pytree_dataclass
from dse.tech.layout import INV, NAND, MAX_TRANSISTOR_HEIGHT, MIN_NMOS_SIZE

# ---------------------------------------------------------------------------------------
# Column-latency fits of the sense path (s) versus the column resistance x (ohm), per node
# (order of dse.design.NODES: 130 90 65 45 32 22 14 10 7 5 3 2 1). Three pieces:
#   x < b1: a1 ln x + c1;   b1 <= x < b2: a2 ln x + c2;   x >= b2: a3 x + c3
# (two-piece fits have b2 = b1). Above ``res_threshold`` a column-capacitance correction
#   + d_c / (r2 - res_threshold) * (x - res_threshold) * (C_col - ref_cap) / ref_cap
# is added. Columns: b1, a1, c1, b2, a2, c2, a3, c3, ref_cap, d_c, r2, res_threshold.
_LAT_CURRENT = np.array([
    [1832, -1.18573e-10, 2.54175e-09, 1832, 0, 0, 3.78659e-14, 2.60629e-09, 26.62e-15, 2.0e-9, 0.1e6, 1.95e3],
    [4832, -1.08914e-10, 2.43204e-09, 4832, 0, 0, 2.8688e-14, 2.31147e-09, 18.4e-15, 1.5e-9, 0.1e6, 4.83e3],
    [4832, -8.11436e-11, 2.2554e-09, 4832, 0, 0, 2.12366e-14, 2.14339e-09, 13.3e-15, 1.2e-9, 0.1e6, 4.83e3],
    [4832, -1.12976e-10, 2.16762e-09, 4832, 0, 0, 1.54619e-14, 1.60263e-09, 9.21e-15, 0.81e-9, 0.1e6, 4.83e3],
    [4832, -1.31777e-10, 2.03151e-09, 4832, 0, 0, 1.15509e-14, 1.19475e-09, 6.55e-15, 0.55e-9, 0.1e6, 4.83e3],
    [4832, -1.32118e-10, 1.7552e-09, 4832, 0, 0, 8.02517e-15, 8.51803e-10, 4.5e-15, 0.31e-9, 0.1e6, 12.7e3],
    [812, -7.01209e-11, 1.21771e-09, 2962, -2.11644e-11, 8.96216e-10, 6.18337e-15, 8.17633e-10,
     2.86e-15, 0.29e-9, 0.1e6, 12.7e3],
    [1128, -7.20238e-11, 1.18578e-09, 4832, -1.81368e-11, 8.16065e-10, 4.72185e-15, 7.28474e-10,
     2.04e-15, 0.27e-9, 0.1e6, 12.7e3],
    [4832, -4.67061e-11, 1.03708e-09, 4832, 0, 0, 3.72084e-15, 7.02172e-10, 1.43e-15, 0.13e-9, 0.1e6, 12.7e3],
    [4832, -4.33009e-11, 9.79525e-10, 7847, -3.15954e-12, 6.53005e-10, 2.77641e-15, 6.46706e-10,
     1.02e-15, 0.09e-9, 0.1e6, 12.7e3],
    [4832, -3.62939e-11, 9.04595e-10, 7847, -8.05167e-12, 6.69134e-10, 2.02367e-15, 6.04792e-10,
     0.61e-15, 0.05e-9, 0.1e6, 12.7e3],
    [4832, -3.70119e-11, 8.91946e-10, 12742, -7.45304e-12, 6.42667e-10, 1.74295e-15, 5.82625e-10,
     0.4e-15, 0.034e-9, 0.1e6, 20.06e3],
    [4832, -3.81168e-11, 8.78701e-10, 12742, -2.01799e-11, 7.25185e-10, 1.19486e-15, 5.35253e-10,
     0.2e-15, 0.013e-9, 0.1e6, 20.06e3],
])
_LAT_VOLTAGE = np.array([
    [1832, -1.6656e-10, 2.86608e-09, 1832, 0, 0, 3.36654e-14, 2.33047e-09, 26.62e-15, 2.12e-9, 0.1e6, 1.95e3],
    [1956, -8.13238e-11, 1.9981e-09, 1956, 0, 0, 2.76205e-14, 1.87593e-09, 18.4e-15, 1.8e-9, 0.1e6, 4.83e3],
    [1210, -1.15612e-10, 2.08218e-09, 3161, -1.00285e-11, 1.35472e-09, 2.03232e-14, 1.61564e-09,
     13.3e-15, 1.3e-9, 0.1e6, 4.83e3],
    [695, -2.66629e-10, 3.07867e-09, 4832, -6.27624e-11, 1.78932e-09, 1.43578e-14, 1.46251e-09,
     9.21e-15, 0.9e-9, 0.1e6, 4.83e3],
    [4832, -1.8746e-10, 2.44191e-09, 4832, 0, 0, 1.07272e-14, 1.05695e-09, 6.55e-15, 0.7e-9, 0.1e6, 12.7e3],
    [4832, -2.01894e-10, 2.2559e-09, 4832, 0, 0, 7.45392e-15, 6.72844e-10, 4.5e-15, 0.47e-9, 0.1e6, 12.7e3],
    [695, -1.17191e-10, 1.51724e-09, 1832, -3.56669e-11, 1.00049e-09, 5.484e-15, 7.4812e-10,
     2.86e-15, 0.34e-9, 0.1e6, 12.7e3],
    [2976, -5.88954e-11, 1.12213e-09, 7847, -1.03546e-11, 7.46313e-10, 4.02595e-15, 6.64175e-10,
     2.04e-15, 0.24e-9, 0.1e6, 12.7e3],
    [1956, -9.29209e-11, 1.36675e-09, 8251, -2.32202e-11, 8.55312e-10, 2.96941e-15, 6.3388e-10,
     1.43e-15, 0.17e-9, 0.1e6, 12.7e3],
    [20691.38, -3.58902e-11, 9.45003e-10, 33598.18, 4.1847e-11, 2.03225e-10, 2.17318e-15, 5.90032e-10,
     1.02e-15, 0.12e-9, 0.1e6, 12.7e3],
    [20691.38, -4.80094e-11, 1.02891e-09, 33598.18, 1.46916e-11, 4.37023e-10, 1.39879e-15, 5.42026e-10,
     0.61e-15, 0.34e-9, 0.5e6, 49.6e3],
    [3161.018, -1.44146e-10, 1.72384e-09, 34798.92, -3.01414e-11, 8.19483e-10, 6.80209e-16, 4.60774e-10,
     0.4e-15, 0.23e-9, 0.5e6, 49.6e3],
    [5107, -6.09403e-11, 1.06251e-09, 34798.92, -4.20915e-11, 8.98944e-10, 5.44698e-16, 4.38466e-10,
     0.2e-15, 0.11e-9, 0.5e6, 60.9e3],
])

# Current-mirror (static) power fits of one comparator (W) versus the column resistance x
# (ohm) for LSTP devices, per node; multiplied by (level_output - 1):
#   x < b1: a1 x + c1;   b1 <= x < b2: a2 ln x + c2;   x >= b2: a3 ln x + c3.
# Columns: b1, a1, c1, b2, a2, c2, a3, c3 (two-piece fits: b2 = b1).
_POW_LSTP = np.array([
    [4832, -4.12599e-11, 1.48536e-06, 379269, -2.6617e-07, 3.56576e-06, -1.25872e-07, 1.81453e-06],
    [4832, -1.67004e-11, 8.54958e-07, 379269, -1.50719e-07, 2.0858e-06, -8.89685e-08, 1.3007e-06],
    [4832, -6.08647e-12, 4.82814e-07, 379269, -8.03449e-08, 1.16437e-06, -6.01171e-08, 8.9355e-07],
    [4832, -3.96471e-12, 3.44344e-07, 379269, -5.66235e-08, 8.27849e-07, -4.32673e-08, 6.46111e-07],
    [4832, -6.72783e-12, 4.19847e-07, 379269, -7.28881e-08, 1.02677e-06, -4.35333e-08, 6.4697e-07],
    [4832, -2.85373e-11, 9.16744e-07, 379269, -1.63133e-07, 2.1687e-06, -5.8712e-08, 8.64648e-07],
    [7847, -3.11213e-13, 5.34821e-08, 7847, 0, 0, -9.64978e-09, 1.44527e-07],
    [20691, -3.27225e-13, 5.54082e-08, 20691, 0, 0, -9.99199e-09, 1.49539e-07],
    [20691, -2.62089e-13, 4.7357e-08, 20691, 0, 0, -8.49198e-09, 1.27848e-07],
    [20691, -1.4179e-13, 3.31434e-08, 20691, 0, 0, -5.76552e-09, 8.89536e-08],
    [20691, -1.17664e-13, 2.96368e-08, 20691, 0, 0, -5.09202e-09, 7.91852e-08],
    [20691, -2.01487e-13, 4.21066e-08, 20691, 0, 0, -7.43005e-09, 1.13414e-07],
    [20691, -1.68865e-13, 3.80513e-08, 20691, 0, 0, -6.64737e-09, 1.02221e-07],
])
# HP devices: k (uW per comparator), a, b:  P = k (L-1) 1e-6 + a exp(b log10 x). Nodes at and
# below 14 nm hold placeholder values (HP is not supported there); 7 nm values serve 5..1 nm.
_POW_HP = np.array([
    [19.898, 0.17452, -2.367], [13.09, 0.14900, -2.345], [9.9579, 0.1083, -2.321], [7.7017, 0.0754, -2.296],
    [3.9648, 0.079, -2.313], [1.8939, 0.073, -2.311], [1.2, 0.0584, -2.311], [0.8, 0.0318, -2.311],
    [0.5, 0.0210, -2.311], [0.5, 0.0210, -2.311], [0.5, 0.0210, -2.311], [0.5, 0.0210, -2.311],
    [0.5, 0.0210, -2.311],
])
#: conversion time (s) of voltage sensing
VOLTAGE_SENSE_TIME = 1e-9
#: read voltage (V) assumed by the sense-amplifier energy model, per node
VREAD = np.array([0.58, 0.58, 0.55, 0.51, 0.51, 0.55, 0.277, 0.28, 0.264, 0.253, 0.248, 0.28, 0.272])


@pytree_dataclass
class MultilevelSenseAmp:
    """Sizing, reference ladder, capacitances and layout of ``num_col`` flash ADCs."""

    num_col: Any             # number of ADCs
    level_output: Any        # quantization levels (level_output - 1 comparators per ADC)
    parallel: Any            # 1: parallel read (reference ladder from R_on / rows), 0: sequential
    current_mode: Any        # 1: current sensing, 0: voltage sensing
    dumcolshared: Any        # ADCs sharing one set of reference columns
    width_nmos: Any          # m
    width_pmos: Any          # m
    width_nand_n: Any        # m
    width_nand_p: Any        # m
    # reference ladder: Rref[i] = 1 / (g_start + g_offset + i * g_step), i = 0 .. level_output - 2
    g_start: Any             # S
    g_offset: Any            # S
    g_step: Any              # S
    num_ref: Any             # level_output - 1
    r_ref_1: Any             # ohm, Rref[1]
    r_ref_last: Any          # ohm, Rref[level_output - 2]
    gatecap_senseamp_n: Any  # F
    gatecap_senseamp_p: Any  # F
    junctioncap_senseamp_n: Any  # F
    junctioncap_senseamp_p: Any  # F
    cap_nand_input: Any      # F
    cap_nand_output: Any     # F
    column_cap: Any          # F, the bit-line capacitance seen by the comparators
    area_unit: Any           # m^2, one minimum NMOS footprint
    area: Any                # m^2
    height: Any              # m
    width: Any               # m


def multilevel_sense_amp(tech, prm, *, num_col, level_output, parallel, current_mode, r_start_parallel,
                         array_height, array_width_unit, column_cap, width_array) -> MultilevelSenseAmp:
    """Flash ADCs below the array, laid out across ``width_array`` (m).

    num_col: number of ADCs (columns / columns muxed); level_output: levels per ADC;
    parallel, current_mode: 0/1; r_start_parallel: the lowest reference resistance in
    parallel read (ohm: the on-state column resistance divided by the rows read at once);
    array_height, array_width_unit: height (m) of a memory column and width (m) of one
    cell, giving the size of a dummy reference column; column_cap: bit-line capacitance (F).
    """
    f = lambda x: jnp.asarray(x, jnp.float64)  # noqa: E731
    num_col, level_output, parallel = f(num_col), f(level_output), f(parallel)
    fs = tech.feature_size
    # ---- reference ladder ----
    g_on = 1.0 / f(prm.resistance_on)
    g_off = 1.0 / f(prm.resistance_off)
    g_start_par = 1.0 / f(r_start_parallel)
    g_step_par = (0.0 - g_start_par) / level_output
    g_index_seq = g_off - g_on
    g_step_seq = g_index_seq / (level_output - 1.0)
    g_offset_seq = g_index_seq / (2.0 * (level_output - 1.0))
    is_par = parallel > 0
    g_start = jnp.where(is_par, g_start_par, g_on)
    g_offset = jnp.where(is_par, 0.0, g_offset_seq)
    g_step = jnp.where(is_par, g_step_par, g_step_seq)
    rref = lambda i: 1.0 / (g_start + g_offset + i * g_step)  # noqa: E731
    num_ref = level_output - 1.0
    # ---- sizing ----
    width_nmos = MIN_NMOS_SIZE * fs
    width_pmos = tech.pn_size_ratio * MIN_NMOS_SIZE * fs
    width_nand_n = 4 * MIN_NMOS_SIZE * fs
    width_nand_p = 2 * tech.pn_size_ratio * MIN_NMOS_SIZE * fs
    h_std = fs * MAX_TRANSISTOR_HEIGHT
    # ---- capacitances (nanosheet nodes 2 / 1 nm use the special-layout factors) ----
    gp, jp = formula.gate_capacitance(tech, INV, 1, 0.0, width_pmos, h_std)
    gn, jn = formula.gate_capacitance(tech, INV, 1, width_nmos, 0.0, h_std)
    cni, cno = formula.gate_capacitance(tech, NAND, 2, width_nand_n, width_nand_p, h_std)
    mn = MIN_NMOS_SIZE * fs
    gp, jp, _, _ = formula.special_layout_caps(tech, prm, INV, 1, 0.0, width_pmos, h_std, formula.GAA_INV_TUNING,
                                               (gp, jp))
    gn, jn, _, _ = formula.special_layout_caps(tech, prm, INV, 1, width_nmos, 0.0, h_std, formula.GAA_INV_TUNING,
                                               (gn, jn))
    cni, cno, _, _ = formula.special_layout_caps(tech, prm, NAND, 2, mn, mn, h_std, formula.GAA_NAND_TUNING,
                                                 (cni, cno))
    # ---- layout: 9 minimum NMOS per comparator plus the shared dummy reference columns ----
    a_n, _, _ = formula.gate_area(tech, INV, 1, width_nmos, 0.0, h_std)
    dumcolshared = f(prm.dumcolshared)
    area = (a_n * 9.0) * num_ref * num_col
    area = area + f(array_height) * f(array_width_unit) * num_ref * num_col / dumcolshared
    height, width = spread(area, new_width=width_array)
    return MultilevelSenseAmp(
        num_col=num_col, level_output=level_output, parallel=parallel, current_mode=f(current_mode),
        dumcolshared=dumcolshared, width_nmos=width_nmos, width_pmos=width_pmos,
        width_nand_n=width_nand_n, width_nand_p=width_nand_p,
        g_start=g_start, g_offset=g_offset, g_step=g_step, num_ref=num_ref,
        r_ref_1=rref(1.0), r_ref_last=rref(num_ref - 1.0),
        gatecap_senseamp_n=gn, gatecap_senseamp_p=gp, junctioncap_senseamp_n=jn, junctioncap_senseamp_p=jp,
        cap_nand_input=cni, cap_nand_output=cno, column_cap=f(column_cap),
        area_unit=a_n, area=area, height=height, width=width,
    )


def reference_resistance(mlsa: MultilevelSenseAmp, i):
    """Resistance (ohm) of reference column ``i`` (0 .. level_output - 2) of the ladder."""
    return 1.0 / (mlsa.g_start + mlsa.g_offset + jnp.asarray(i, jnp.float64) * mlsa.g_step)


def column_latency_table(mlsa: MultilevelSenseAmp, prm, res):
    """Sensing latency (s) of one comparator for a column of resistance ``res`` (ohm).

    Fits of circuit simulations, per node and sensing mode, with a correction for
    column capacitances above the fit's reference capacitance at high resistance.
    """
    idx = prm.node_index
    t = jnp.where(mlsa.current_mode > 0, jnp.asarray(_LAT_CURRENT)[idx].T, jnp.asarray(_LAT_VOLTAGE)[idx].T)
    b1, a1, c1, b2, a2, c2, a3, c3, ref_cap, d_c, r2, thr = t
    x = jnp.asarray(res, jnp.float64)
    lat = jnp.where(x < b1, a1 * jnp.log(x) + c1, jnp.where(x < b2, a2 * jnp.log(x) + c2, a3 * x + c3))
    # comparators other than the two end ones load the column; the reference counts them with an
    # unsigned size, which wraps to 2**64 - 1 for a single comparator (2-level ADC): kept as is
    n_load = jnp.where(mlsa.num_ref >= 2, mlsa.num_ref - 2.0, 2.0 ** 64 + (mlsa.num_ref - 2.0))
    col_cap = mlsa.column_cap + mlsa.gatecap_senseamp_n * n_load
    corr = d_c / (r2 - thr) * (x - thr) * ((col_cap - ref_cap) / ref_cap)
    return lat + jnp.where(x > thr, corr, 0.0)


def power_law_exponent(prm):
    """Exponent ``b`` of the HP power fit ``P = k n uW + a x**b`` (``x``: column resistance in ohm
    at 0.5 V read)."""
    return jnp.asarray(_POW_HP)[prm.node_index].T[2]


def column_power(mlsa: MultilevelSenseAmp, prm, res, x_pow=None):
    """Static (current-mirror) power (W) of one ADC's comparators at column resistance ``res``.

    Voltage sensing has no such term (0); an open column draws 1 uW, a shorted one 0. ``x_pow``:
    ``x ** power_law_exponent(prm)`` with ``x`` the fits' variable (:func:`dse.circuits.adc.fit_variable`),
    if computed already.
    """
    idx = prm.node_index
    x = fit_variable(prm, res)
    n = mlsa.level_output - 1.0
    b1, a1, c1, b2, a2, c2, a3, c3 = jnp.asarray(_POW_LSTP)[idx].T
    lp = jnp.where(x < b1, a1 * x + c1, jnp.where(x < b2, a2 * jnp.log(x) + c2, a3 * jnp.log(x) + c3)) * n
    k, a, b = jnp.asarray(_POW_HP)[idx].T
    x_pow = power_law(x, b) if x_pow is None else x_pow
    hp = k * n * 1e-6 + a * x_pow
    p = open_or_shorted(x, jnp.where(prm.deviceroadmap == 1, hp, lp))
    p = jnp.where(mlsa.current_mode > 0, p, open_or_shorted(x, 0.0))
    return p * temperature_factor(prm)


# ---------------------------------------------------------------------------------------
# Read energy of the flash ADC. These take the state of ONE design point (0-d fields; map
# over points with ``jax.vmap``); column resistances may have any shape.
# ---------------------------------------------------------------------------------------
#: bound on the comparators of a flash ADC (10-bit ADC / 8-bit cell) for the vectorized
#: sum over the reference ladder
MAX_LEVELS = 1024


def mlsa_column_time(mlsa: MultilevelSenseAmp, prm):
    """Time (s) of one conversion, during which a column's comparators draw static current.

    Current sensing settles as slowly as the worse of the two extreme reference columns
    (``Rref[1]`` and the last one); voltage sensing takes 1 ns.
    """
    lat = jnp.maximum(column_latency_table(mlsa, prm, mlsa.r_ref_last), column_latency_table(mlsa, prm, mlsa.r_ref_1))
    return jnp.where(mlsa.current_mode > 0, lat, VOLTAGE_SENSE_TIME)


#: reference columns per step of :func:`mlsa_reference_power`
LADDER_CHUNK = 64


def mlsa_reference_power(mlsa: MultilevelSenseAmp, prm):
    """Static power (W) of the reference columns charged to one ADC (one design point).

    The inner reference columns (ladder indices 1 .. level_output - 3) draw the column
    power at their own resistance, shared by ``dumcolshared`` ADCs. The sum steps over
    :data:`LADDER_CHUNK` columns at a time, as far as the ladder goes (under ``jax.vmap``: the
    longest ladder of the batch), at most :data:`MAX_LEVELS`.
    """
    last = mlsa.level_output - 2.0            # indices below this one are summed

    def more(carry):
        i, _ = carry
        return (i < MAX_LEVELS // LADDER_CHUNK) & (1.0 + i * LADDER_CHUNK < last)

    def step(carry):
        i, acc = carry
        idx = 1.0 + i * LADDER_CHUNK + jnp.arange(LADDER_CHUNK, dtype=jnp.float64)
        p = column_power(mlsa, prm, reference_resistance(mlsa, idx))
        return i + 1, acc + jnp.sum(jnp.where(idx < last, p, 0.0), axis=-1)

    _, total = jax.lax.while_loop(more, step, (jnp.asarray(0, jnp.int32), jnp.zeros_like(last)))
    return total / mlsa.dumcolshared


def mlsa_switching_energy(mlsa: MultilevelSenseAmp, tech, prm, reference_energy_peri):
    """Dynamic energy (J) of one comparator for one conversion.

    Charges the column/sense-amplifier interface at the node's sense read voltage
    (:data:`VREAD`), the reference column activation (``reference_energy_peri``, J, shared by
    ``dumcolshared`` ADCs: the SRAM word line a dummy column sees, 0 for 1T1R), and the
    latch and encoder interface at vdd. One comparator's share of the column capacitance
    is ``1 / (level_output - 1)`` taken as an integer division (0 beyond two levels), as
    the reference computes it (its share of the mirror node is a real division).
    """
    vr2 = jnp.asarray(VREAD)[prm.node_index] ** 2
    vdd2 = tech.vdd * tech.vdd
    share = jnp.floor(1.0 / (mlsa.level_output - 1.0))     # integer division in the reference
    dcs = mlsa.dumcolshared
    gn, gp = mlsa.gatecap_senseamp_n, mlsa.gatecap_senseamp_p
    jn, jp = mlsa.junctioncap_senseamp_n, mlsa.junctioncap_senseamp_p
    # the mirror node also sees the input gate in current sensing
    mirror = jnp.where(mlsa.current_mode > 0, jn + gn, jn)
    return ((mlsa.column_cap * 2.0) * (share + 1.0 / dcs) / 2.0 * vr2
            + reference_energy_peri / dcs
            + (gn * 2.0 + mirror / (mlsa.level_output - 1.0) + mirror / dcs) * vr2
            + (gp * 2.0 + gn) * vdd2
            + (gp * 3.0 + gn * 3.0 + (jp + jn) * 3.0 + jp) * vdd2
            + (gp + gn) * vdd2)


def mlsa_column_energy(mlsa: MultilevelSenseAmp, tech, prm, res, reference_energy_peri, x_pow=None):
    """Energy (J) of one conversion of a column of resistance ``res`` (ohm), elementwise.

    ``(level_output - 1) * E_switch + max((P(res) + P_ref) * T, 0)``: comparator switching,
    then the static power of the column's comparators and of its share of the reference
    columns over the conversion time. A NaN column (no active row in sequential read)
    keeps only the switching part: the reference's ``max`` drops NaN. ``x_pow``: see
    :func:`column_power`.
    """
    e_sw = mlsa_switching_energy(mlsa, tech, prm, reference_energy_peri)
    static = (column_power(mlsa, prm, res, x_pow) + mlsa_reference_power(mlsa, prm)) * mlsa_column_time(mlsa, prm)
    static = jnp.where(static > 0, static, 0.0)   # max(x, 0) that maps NaN to 0
    return e_sw * (mlsa.level_output - 1.0) + static
