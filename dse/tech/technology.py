"""Transistor technology of each node and roadmap (the reference's ``Technology``).

Every quantity is tabulated for all nodes of :data:`dse.design.NODES` and both
roadmaps (index ``[node_index, roadmap]`` with LSTP = 0, HP = 1), so
:func:`technology` is a gather and a batch of design points costs nothing more
than one point.

Sources of the numbers (as in NeuroSim V1.4): PTM bulk models for the planar
nodes 130 to 22 nm (both roadmaps), IRDS 2016-2022 for the FinFET nodes
(14 to 3 nm) and the nanosheet (gate-all-around) nodes 2 and 1 nm, which only
exist as LSTP. The HP entries at 14 nm and below are filled with the LSTP values
so that gathers stay defined; such points are flagged infeasible elsewhere
(:data:`dse.status.HP_NODE`).

Units: V, m, F/m (per transistor width), F/m^2 (junction bottom), A/m (currents
per width), A/m/V-ish for the gm currents as the reference uses them.
The ambient temperature is fixed at 300 K: the :class:`Tech` fields hold the
300 K values; the full 300-400 K current tables (1 K steps, linearly
interpolated between the 10 K points) are kept in :data:`CURRENT_TABLES`.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from dse.design import NODES
from dse.pytree import pytree_dataclass

LSTP, HP = 0, 1

# ---------------------------------------------------------------------------------------------
# Raw data. Each planar entry: vdd, vth, physical gate length, ideal gate cap, fringe cap,
# effective-resistance multiplier, gm currents (N, P), then the on/off current tables of NMOS
# and PMOS at 300, 310, ..., 400 K.
# ---------------------------------------------------------------------------------------------
_PLANAR = {
    (130, HP): dict(
        vdd=1.3, vth=128.4855e-3, phy_gate_length=7.5e-8, cap_ideal_gate=6.058401e-10, cap_fringe=6.119807e-10,
        effective_resistance_multiplier=1.54, current_gm_nmos=3.94e2, current_gm_pmos=2.61e2,
        on_n=[0.93e3, 0.91e3, 0.89e3, 0.87e3, 0.85e3, 0.83e3, 0.81e3, 0.79e3, 0.77e3, 0.75e3, 0.74e3],
        on_p=[0.43e3, 0.41e3, 0.38e3, 0.36e3, 0.34e3, 0.32e3, 0.30e3, 0.28e3, 0.26e3, 0.25e3, 0.24e3],
        off_n=[100.00e-3, 119.90e-3, 142.20e-3, 167.00e-3, 194.30e-3, 224.30e-3, 256.80e-3, 292.00e-3,
               329.90e-3, 370.50e-3, 413.80e-3],
        off_p=[100.20e-3, 113.60e-3, 127.90e-3, 143.10e-3, 159.10e-3, 175.80e-3, 193.40e-3, 211.70e-3,
               230.80e-3, 250.70e-3, 271.20e-3]),
    (130, LSTP): dict(
        vdd=1.3, vth=466.0949e-3, phy_gate_length=7.5e-8, cap_ideal_gate=1.8574e-9, cap_fringe=9.530642e-10,
        effective_resistance_multiplier=1.54, current_gm_nmos=3.87e1, current_gm_pmos=5.67e1,
        draintotal_is_half_fringe=True,
        on_n=[300.70, 273.40, 249.40, 228.40, 209.90, 193.50, 179.00, 166.00, 154.40, 144.00, 134.60],
        on_p=[150.70, 136.20, 123.60, 112.70, 103.20, 94.88, 87.54, 81.04, 75.25, 70.08, 65.44],
        off_n=[100.20e-6, 135.90e-6, 181.20e-6, 237.80e-6, 307.30e-6, 391.90e-6, 493.30e-6, 613.70e-6,
               755.30e-6, 920.20e-6, 1111.0e-6],
        off_p=[100.20e-6, 132.80e-6, 173.00e-6, 221.90e-6, 280.70e-6, 350.40e-6, 432.20e-6, 527.20e-6,
               636.80e-6, 761.90e-6, 903.80e-6]),
    (90, HP): dict(
        vdd=1.2, vth=146.0217e-3, phy_gate_length=5.5e-8, cap_ideal_gate=5.694423e-10, cap_fringe=5.652302e-10,
        effective_resistance_multiplier=1.54, current_gm_nmos=4.95e2, current_gm_pmos=3.16e2,
        on_n=[1.07e3, 1.05e3, 1.03e3, 1.01e3, 0.99e3, 0.97e3, 0.95e3, 0.93e3, 0.90e3, 0.88e3, 0.86e3],
        on_p=[0.54e3, 0.50e3, 0.47e3, 0.44e3, 0.41e3, 0.39e3, 0.37e3, 0.34e3, 0.32e3, 0.31e3, 0.29e3],
        off_n=[100.8e-3, 120.8e-3, 143.4e-3, 168.6e-3, 196.6e-3, 227.4e-3, 261.1e-3, 297.7e-3, 337.3e-3,
               379.8e-3, 425.4e-3],
        off_p=[100.00e-3, 114.00e-3, 128.90e-3, 144.80e-3, 161.60e-3, 179.30e-3, 197.90e-3, 217.40e-3,
               237.90e-3, 259.10e-3, 281.30e-3]),
    (90, LSTP): dict(
        vdd=1.2, vth=501.3229e-3, phy_gate_length=5.5e-8, cap_ideal_gate=1.5413e-9, cap_fringe=9.601334e-10,
        effective_resistance_multiplier=1.77, current_gm_nmos=4.38e1, current_gm_pmos=5.99e1,
        on_n=[346.30, 314.50, 286.80, 262.50, 241.20, 222.30, 205.60, 190.80, 177.50, 165.60, 155.00],
        on_p=[200.30, 179.50, 161.90, 146.90, 133.90, 122.60, 112.80, 104.10, 96.47, 89.68, 83.62],
        off_n=[100.00e-6, 135.70e-6, 181.10e-6, 238.00e-6, 308.50e-6, 394.60e-6, 498.50e-6, 622.60e-6,
               769.30e-6, 941.20e-6, 1141.0e-6],
        off_p=[100.30e-6, 133.20e-6, 174.20e-6, 224.40e-6, 285.10e-6, 357.60e-6, 443.40e-6, 543.70e-6,
               660.00e-6, 793.80e-6, 946.40e-6]),
    (65, HP): dict(
        vdd=1.1, vth=166.3941e-3, phy_gate_length=3.5e-8, cap_ideal_gate=4.868295e-10, cap_fringe=5.270361e-10,
        effective_resistance_multiplier=1.54, current_gm_nmos=5.72e2, current_gm_pmos=3.99e2,
        draintotal_is_half_fringe=True,
        on_n=[1.12e3, 1.10e3, 1.08e3, 1.06e3, 1.04e3, 1.02e3, 1.00e3, 0.98e3, 0.95e3, 0.93e3, 0.91e3],
        on_p=[0.70e3, 0.66e3, 0.62e3, 0.58e3, 0.55e3, 0.52e3, 0.49e3, 0.46e3, 0.44e3, 0.41e3, 0.39e3],
        off_n=[100.00e-3, 119.70e-3, 141.90e-3, 166.80e-3, 194.40e-3, 224.80e-3, 258.10e-3, 294.40e-3,
               333.60e-3, 375.90e-3, 421.20e-3],
        off_p=[100.10e-3, 115.20e-3, 131.50e-3, 149.00e-3, 167.60e-3, 187.40e-3, 208.40e-3, 230.50e-3,
               253.70e-3, 278.10e-3, 303.60e-3]),
    (65, LSTP): dict(
        vdd=1.1, vth=501.6636e-3, phy_gate_length=3.5e-8, cap_ideal_gate=1.1926e-9, cap_fringe=9.62148e-10,
        effective_resistance_multiplier=1.77, current_gm_nmos=5.90e1, current_gm_pmos=6.75e1,
        on_n=[400.00, 363.90, 332.30, 304.70, 280.40, 258.90, 239.90, 223.00, 207.90, 194.30, 182.10],
        on_p=[238.70, 216.10, 196.60, 179.70, 164.90, 152.00, 140.50, 130.40, 121.40, 113.30, 106.10],
        off_n=[100.20e-6, 137.50e-6, 185.80e-6, 247.20e-6, 324.20e-6, 419.30e-6, 535.40e-6, 675.70e-6,
               843.100e-6, 1041.00e-6, 1273.00e-6],
        off_p=[100.20e-6, 135.40e-6, 179.70e-6, 234.90e-6, 302.50e-6, 384.30e-6, 482.20e-6, 598.00e-6,
               733.90e-6, 891.60e-6, 1073.00e-6]),
    (45, HP): dict(
        vdd=1.0, vth=171.0969e-3, phy_gate_length=3.0e-8, cap_ideal_gate=4.091305e-10, cap_fringe=4.957928e-10,
        effective_resistance_multiplier=1.54, current_gm_nmos=7.37e2, current_gm_pmos=6.30e2,
        on_n=[1.27e3, 1.24e3, 1.22e3, 1.19e3, 1.16e3, 1.13e3, 1.11e3, 1.08e3, 1.05e3, 1.02e3, 1.00e3],
        on_p=[1.08e3, 1.04e3, 1.00e3, 0.96e3, 0.92e3, 0.88e3, 0.85e3, 0.81e3, 0.78e3, 0.75e3, 0.72e3],
        off_n=[100.00e-3, 120.70e-3, 144.10e-3, 170.50e-3, 199.80e-3, 232.30e-3, 268.00e-3, 307.10e-3,
               349.50e-3, 395.40e-3, 444.80e-3],
        off_p=[100.20e-3, 118.70e-3, 139.30e-3, 162.00e-3, 186.80e-3, 213.90e-3, 243.30e-3, 274.90e-3,
               308.90e-3, 345.20e-3, 383.80e-3]),
    (45, LSTP): dict(
        vdd=1.0, vth=464.3718e-3, phy_gate_length=3.0e-8, cap_ideal_gate=8.930709e-10, cap_fringe=8.849901e-10,
        effective_resistance_multiplier=1.77, current_gm_nmos=1.32e2, current_gm_pmos=8.65e1,
        on_n=[500.20, 462.00, 427.80, 397.10, 369.40, 344.50, 322.10, 301.80, 283.40, 266.70, 251.50],
        on_p=[300.00, 275.70, 254.20, 235.10, 218.10, 202.80, 189.20, 176.90, 165.80, 155.80, 146.70],
        off_n=[100.00e-6, 140.50e-6, 193.90e-6, 263.10e-6, 351.40e-6, 462.50e-6, 600.30e-6, 769.20e-6,
               973.900e-6, 1219.00e-6, 1511.00e-6],
        off_p=[100.20e-6, 138.40e-6, 187.60e-6, 250.10e-6, 328.10e-6, 424.10e-6, 540.90e-6, 681.30e-6,
               848.30e-6, 1045.00e-6, 1275.00e-6]),
    (32, HP): dict(
        vdd=0.9, vth=194.4951e-3, phy_gate_length=2.8e-8, cap_ideal_gate=3.767721e-10, cap_fringe=4.713762e-10,
        effective_resistance_multiplier=1.54, current_gm_nmos=9.29e2, current_gm_pmos=6.73e2,
        on_n=[1.41e3, 1.38e3, 1.35e3, 1.31e3, 1.28e3, 1.25e3, 1.21e3, 1.18e3, 1.15e3, 1.12e3, 1.08e3],
        on_p=[1.22e3, 1.17e3, 1.12e3, 1.07e3, 1.02e3, 0.98e3, 0.94e3, 0.89e3, 0.86e3, 0.82e3, 0.78e3],
        off_n=[100.30e-3, 120.40e-3, 143.10e-3, 168.60e-3, 197.00e-3, 228.40e-3, 262.90e-3, 300.60e-3,
               341.70e-3, 386.10e-3, 433.90e-3],
        off_p=[100.10e-3, 119.00e-3, 140.00e-3, 163.30e-3, 188.80e-3, 216.70e-3, 247.00e-3, 279.70e-3,
               314.90e-3, 352.60e-3, 392.80e-3]),
    (32, LSTP): dict(
        vdd=0.9, vth=442.034e-3, phy_gate_length=2.8e-8, cap_ideal_gate=8.375279e-10, cap_fringe=6.856677e-10,
        effective_resistance_multiplier=1.77, current_gm_nmos=2.56e2, current_gm_pmos=1.19e2,
        on_n=[600.20, 562.80, 528.20, 496.20, 466.80, 439.70, 414.80, 391.90, 370.70, 351.30, 333.30],
        on_p=[400.00, 368.40, 340.30, 315.30, 292.90, 272.80, 254.80, 238.50, 223.80, 210.50, 198.40],
        off_n=[100.10e-6, 143.60e-6, 202.10e-6, 279.30e-6, 379.50e-6, 507.50e-6, 668.80e-6, 869.20e-6,
               1115.00e-6, 1415.00e-6, 1774.00e-6],
        off_p=[100.10e-6, 140.70e-6, 194.00e-6, 262.50e-6, 349.30e-6, 457.70e-6, 591.20e-6, 753.70e-6,
               949.30e-6, 1182.00e-6, 1457.00e-6]),
    (22, HP): dict(
        vdd=0.85, vth=208.9006e-3, phy_gate_length=2.6e-8, cap_ideal_gate=3.287e-10, cap_fringe=4.532e-10,
        effective_resistance_multiplier=1.54, current_gm_nmos=1.08e3, current_gm_pmos=6.98e2,
        on_n=[1.50e3, 1.47e3, 1.43e3, 1.39e3, 1.35e3, 1.31e3, 1.28e3, 1.24e3, 1.20e3, 1.17e3, 1.13e3],
        on_p=[1.32e3, 1.25e3, 1.19e3, 1.13e3, 1.07e3, 1.02e3, 0.97e3, 0.92e3, 0.88e3, 0.84e3, 0.80e3],
        off_n=[100.20e-3, 120.40e-3, 143.50e-3, 169.50e-3, 198.70e-3, 231.20e-3, 267.00e-3, 306.30e-3,
               349.30e-3, 396.00e-3, 446.60e-3],
        off_p=[100.20e-3, 119.40e-3, 140.80e-3, 164.60e-3, 190.90e-3, 219.50e-3, 250.70e-3, 284.50e-3,
               320.90e-3, 359.80e-3, 401.50e-3]),
    (22, LSTP): dict(
        vdd=0.85, vth=419.915e-3, phy_gate_length=2.6e-8, cap_ideal_gate=5.245e-10, cap_fringe=8.004e-10,
        effective_resistance_multiplier=1.77, current_gm_nmos=4.56e2, current_gm_pmos=1.85e2,
        on_n=[791.90, 756.40, 722.20, 689.40, 658.10, 628.30, 600.00, 573.30, 548.00, 524.20, 501.70],
        on_p=[600.20, 561.30, 525.50, 492.50, 462.20, 434.30, 408.70, 385.10, 363.40, 343.30, 324.80],
        off_n=[100.00e-6, 147.30e-6, 212.10e-6, 299.60e-6, 415.30e-6, 565.80e-6, 758.90e-6, 1003.00e-6,
               1307.00e-6, 1682.00e-6, 2139.00e-6],
        off_p=[100.00e-6, 147.30e-6, 212.10e-6, 299.60e-6, 415.30e-6, 565.80e-6, 758.90e-6, 1003.00e-6,
               1307.00e-6, 1682.00e-6, 2139.00e-6]),
}

# FinFET and nanosheet nodes (LSTP only). Per-node look-ups of the 1.4 extension: total gate
# capacitance per device (aF), on current at 300 K (A/m), off current at 300 K (A/m),
# effective-resistance multiplier, gm at the on current, total drain capacitance per device (F).
_ADV_NODES = (14, 10, 7, 5, 3, 2, 1)
_ADV_CAP_AF = (103.816, 97.549, 100.497, 81.859, 72.572, 79.74, 66.94)
_ADV_ION = (595.045, 599.237, 562.048, 578.494, 641.463, 526.868, 460.979)
_ADV_IOFF = (0.0001, 0.000127, 0.000147, 0.000138, 0.000158, 0.0000733, 0.000169)
_ADV_ERM = (2.09, 2.09, 2.05, 2.10, 2.14, 1.98, 2.05)
_ADV_GM = (1415.34, 1803.50, 1785.37, 1820.90, 2018.04, 1968.85, 2401.75)
_ADV_VTH = 0.1  # placeholder threshold: not used by the FinFET/nanosheet equations
_ADV_CAP_DRAIN = (2.499e-17, 2.668e-17, 2.224e-17, 2.076e-17, 1.791e-17, 1.543e-17, 1.409e-17)
_ADV_CJ = (0.0120, 0.0134, 0.0137, 0.0119, 0.0128, 0.0091, 0.0102)  # junction bottom cap, F/m^2

# temperature rows 310..400 K of the on/off currents (the 300 K entry comes from the lists above)
_ADV_ON_N = {
    14: [853, 814, 777, 742, 708, 677, 646, 618, 591, 565],
    10: [824, 787, 751, 717, 684, 654, 624, 597, 571, 546],
}
_ADV_ON_P = {
    14: [767, 718, 672, 631, 593, 558, 526, 496, 469, 443],
    10: [725, 678, 636, 597, 561, 527, 497, 469, 443, 419],
}
_ADV_OFF_N = {
    14: [184.4553e-6, 328.7707e-6, 566.8658e-6, 948.1816e-6, 1.5425e-3, 2.4460e-3, 3.7885e-3, 5.7416e-3,
         8.5281e-3, 1.24327e-2],
    10: [184.4892e-6, 329.1615e-6, 568.0731e-6, 951.0401e-6, 1.5484e-3, 2.4574e-3, 3.8090e-3, 5.7767e-3,
         8.5862e-3, 1.2525e-2],
}
_ADV_OFF_P = {  # full 300..400 K rows (the 300 K PMOS value is its own number)
    14: [102.3333e-6, 203.4774e-6, 389.0187e-6, 717.5912e-6, 1.2810e-3, 2.2192e-3, 3.7395e-3, 6.1428e-3,
         9.8554e-3, 1.54702e-2, 2.37959e-2],
    10: [100.5839e-6, 200.2609e-6, 383.3239e-6, 707.8499e-6, 1.2649e-3, 2.1932e-3, 3.6987e-3, 6.0804e-3,
         9.7622e-3, 1.53340e-2, 2.36007e-2],
}
# 7 nm and below share one set of temperature rows
for _n in (7, 5, 3, 2, 1):
    _ADV_ON_N[_n] = [786, 750, 716, 684, 653, 624, 595, 569, 545, 521]
    _ADV_ON_P[_n] = [689, 645, 605, 567, 533, 501, 473, 446, 421, 398]
    _ADV_OFF_N[_n] = [1.85e-04, 3.32e-04, 5.74e-04, 9.62e-04, 1.5695e-3, 2.4953e-3, 3.8744e-3, 5.8858e-3,
                      8.7624e-3, 1.28025e-2]
    _ADV_OFF_P[_n] = [100.9536e-6, 201.3937e-6, 386.2086e-6, 714.4288e-6, 1.2788e-3, 2.2207e-3, 3.7509e-3,
                      6.1750e-3, 9.9278e-3, 1.56146e-2, 2.40633e-2]

# junction model constants (BSIM4-like), used for planar nodes
_CJD, _CJSWD, _CJSWGD = 1e-3, 2.5e-10, 0.5e-10
_MJD, _MJSWD, _MJSWGD = 0.5, 0.33, 0.33
_BUILD_IN_POTENTIAL = 0.9


def _interpolate_temperature(points10: list) -> np.ndarray:
    """Expand an 11-point table (300..400 K in 10 K steps) to 101 entries, 1 K apart.

    Linear interpolation, evaluated in the same operation order as the reference
    (``a + (b - a) * k / 10``) so the entries agree to the last bit.
    """
    out = np.zeros(101)
    for j, v in enumerate(points10):
        out[10 * j] = float(v)
    for i in range(1, 100):
        if i % 10:
            a, b = out[i // 10 * 10], out[i // 10 * 10 + 10]
            out[i] = a + (b - a) * (i % 10) / 10
    return out


def _planar_entry(node: int, roadmap: int) -> dict:
    d = _PLANAR[(node, roadmap)]
    vdd = d["vdd"]
    e = {k: d[k] for k in ("vdd", "vth", "phy_gate_length", "cap_ideal_gate", "cap_fringe",
                           "effective_resistance_multiplier", "current_gm_nmos", "current_gm_pmos")}
    e.update(height_fin=0.0, width_fin=0.0, pitch_fin=0.0, max_fin_num=0.0, effective_width=0.0,
             max_sheet_num=0.0, thickness_sheet=0.0, width_sheet=0.0, max_fin_per_gaa=0.0, gm_oncurrent=0.0)
    # only two planar entries define a total drain capacitance (half the fringe cap); others leave 0
    e["cap_draintotal"] = d["cap_fringe"] / 2 if d.get("draintotal_is_half_fringe") else 0.0
    e["pn_size_ratio"] = d["on_n"][0] / d["on_p"][0]
    e["cap_junction"] = _CJD / (1 + vdd / _BUILD_IN_POTENTIAL) ** _MJD
    e["tables"] = [d["on_n"], d["on_p"], d["off_n"], d["off_p"]]
    return e


def _advanced_entry(node: int) -> dict:
    i = _ADV_NODES.index(node)
    e = dict(vth=_ADV_VTH, cap_fringe=0.0, effective_resistance_multiplier=_ADV_ERM[i],
             current_gm_nmos=_ADV_GM[i], current_gm_pmos=_ADV_GM[i], gm_oncurrent=_ADV_GM[i],
             height_fin=0.0, max_fin_num=0.0, max_sheet_num=0.0, thickness_sheet=0.0, width_sheet=0.0,
             max_fin_per_gaa=0.0)
    if node == 14:
        e.update(vdd=0.8, height_fin=4.2e-8, width_fin=8.0e-9, pitch_fin=4.8e-8, max_fin_num=4.0,
                 phy_gate_length=2.6e-8)
        e["effective_width"] = e["width_fin"] + e["height_fin"] * 2
    elif node == 10:
        e.update(vdd=0.75, height_fin=4.5e-8, width_fin=8.0e-9, pitch_fin=3.6e-8, max_fin_num=3.0,
                 phy_gate_length=2.2e-8)
        e["effective_width"] = e["width_fin"] + e["height_fin"] * 2
    elif node == 7:
        e.update(vdd=0.7, height_fin=5.0e-8, width_fin=7e-9, pitch_fin=3.0e-8, max_fin_num=2.0,
                 effective_width=107e-9, phy_gate_length=2.2e-8)
    elif node == 5:  # fin height not given: the effective width is specified directly
        e.update(vdd=0.7, width_fin=6.0e-9, pitch_fin=28.0e-9, phy_gate_length=2.0e-8,
                 effective_width=106.0 * 1e-9, max_fin_num=2.0)
    elif node == 3:
        e.update(vdd=0.7, width_fin=5.0e-9, pitch_fin=24.0e-9, phy_gate_length=1.8e-8,
                 effective_width=101.0 * 1e-9, max_fin_num=2.0)
    else:  # nanosheets: "fin width" is the sheet width (used for drain heights)
        sheets, width_sheet, vdd, pitch, lg = {2: (3.0, 15 * 1e-9, 0.65, 26e-9, 1.4e-8),
                                               1: (4.0, 10 * 1e-9, 0.6, 24e-9, 1.2e-8)}[node]
        e.update(vdd=vdd, pitch_fin=pitch, phy_gate_length=lg, max_fin_per_gaa=1.0, max_sheet_num=sheets,
                 thickness_sheet=6 * 1e-9, width_sheet=width_sheet, width_fin=width_sheet)
        e["effective_width"] = (e["thickness_sheet"] + e["width_sheet"]) * 2
    if node in (2, 1):
        e["cap_ideal_gate"] = _ADV_CAP_AF[i] * 1e-18 / (e["effective_width"] * e["max_sheet_num"])
    else:
        e["cap_ideal_gate"] = _ADV_CAP_AF[i] * 1e-18 / (e["effective_width"])
    e["cap_draintotal"] = _ADV_CAP_DRAIN[i] / (e["effective_width"])
    on_n = [_ADV_ION[i]] + _ADV_ON_N[node]
    on_p = [_ADV_ION[i]] + _ADV_ON_P[node]
    off_n = [_ADV_IOFF[i]] + _ADV_OFF_N[node]
    e["pn_size_ratio"] = float(int(on_n[0] / on_p[0]))  # the reference truncates to int here
    e["cap_junction"] = _ADV_CJ[i]
    e["tables"] = [on_n, on_p, off_n, _ADV_OFF_P[node]]
    return e


def _build_tables():
    fields: dict[str, np.ndarray] = {}
    tables = np.zeros((4, len(NODES), 2, 101))
    for ni, node in enumerate(NODES):
        for rm in (LSTP, HP):
            if node >= 22:
                e = _planar_entry(node, rm)
            else:  # HP does not exist at these nodes: reuse the LSTP device
                e = _advanced_entry(node)
            vdd = e["vdd"]
            # common derived quantities
            e["cap_overlap"] = e["cap_ideal_gate"] * 0.2 if node >= 22 else 0.0
            e["build_in_potential"] = _BUILD_IN_POTENTIAL
            e["cap_sidewall"] = _CJSWD / (1 + vdd / _BUILD_IN_POTENTIAL) ** _MJSWD
            e["cap_drain_to_channel"] = _CJSWGD / (1 + vdd / _BUILD_IN_POTENTIAL) ** _MJSWGD
            e["cap_polywire"] = 0.0
            for k, tab in enumerate(e.pop("tables")):
                tables[k, ni, rm] = _interpolate_temperature(tab)
            for k, v in e.items():
                fields.setdefault(k, np.zeros((len(NODES), 2)))[ni, rm] = v
    fields["current_on_nmos"] = tables[0, :, :, 0]
    fields["current_on_pmos"] = tables[1, :, :, 0]
    fields["current_off_nmos"] = tables[2, :, :, 0]
    fields["current_off_pmos"] = tables[3, :, :, 0]
    current = {"current_on_nmos": tables[0], "current_on_pmos": tables[1],
               "current_off_nmos": tables[2], "current_off_pmos": tables[3]}
    return fields, current


#: Every scalar field of :class:`Tech`, as a table of shape (len(NODES), 2) = [node_index, roadmap].
TABLES, CURRENT_TABLES = _build_tables()
#: ``CURRENT_TABLES[name]`` has shape (len(NODES), 2, 101): index 2 is temperature - 300 K.


@pytree_dataclass
class Tech:
    """Transistor technology of one (or a batch of) design point(s) at 300 K.

    Every field has the batch shape. ``feature_size`` is the transistor feature
    size (node x 1 nm), which differs from the memory cell's feature size
    (``Cell.feature_size``, the wire width).
    """

    technode: Any                 # nm (node name)
    node_index: Any               # index into dse.design.NODES
    device_roadmap: Any           # LSTP = 0, HP = 1
    feature_size: Any             # m, node * 1e-9
    vdd: Any                      # V
    vth: Any                      # V
    height_fin: Any               # m (0 where not defined: planar, 5 nm, 3 nm, nanosheets)
    width_fin: Any                # m (sheet width for nanosheets)
    pitch_fin: Any                # m
    phy_gate_length: Any          # m
    cap_ideal_gate: Any           # F/m
    cap_fringe: Any               # F/m
    cap_junction: Any             # F/m^2
    cap_overlap: Any              # F/m
    cap_sidewall: Any             # F/m
    cap_drain_to_channel: Any     # F/m
    build_in_potential: Any       # V
    pn_size_ratio: Any
    effective_resistance_multiplier: Any
    current_on_nmos: Any          # A/m at 300 K
    current_on_pmos: Any          # A/m at 300 K
    current_off_nmos: Any         # A/m at 300 K
    current_off_pmos: Any         # A/m at 300 K
    current_gm_nmos: Any
    current_gm_pmos: Any
    cap_polywire: Any             # F/m (0 in the reference)
    max_sheet_num: Any
    thickness_sheet: Any          # m
    width_sheet: Any              # m
    effective_width: Any          # m per fin / per sheet stack
    max_fin_num: Any
    max_fin_per_gaa: Any
    gm_oncurrent: Any
    cap_draintotal: Any           # F/m


def technology(prm) -> Tech:
    """Gather the technology of each design point from ``prm.node_index`` and ``prm.deviceroadmap``."""
    idx = jnp.asarray(prm.node_index)
    rm = jnp.asarray(prm.deviceroadmap)
    fields = {name: jnp.asarray(tab)[idx, rm] for name, tab in TABLES.items()}
    return Tech(technode=jnp.asarray(np.array(NODES, float))[idx], node_index=idx, device_roadmap=rm,
                feature_size=jnp.asarray(np.array(NODES, float) * 1e-9)[idx], **fields)


def current_at(tech: Tech, name: str, temperature) -> Any:
    """A current table (``current_on_nmos``, ...) of ``tech`` at ``temperature`` (K, 300-400).

    The reference truncates the temperature to whole kelvins; so do we.
    """
    t = jnp.clip(jnp.trunc(jnp.asarray(temperature, jnp.float64)) - 300, 0, 100).astype(int)
    return jnp.asarray(CURRENT_TABLES[name])[tech.node_index, tech.device_roadmap, t]
