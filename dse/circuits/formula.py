"""Transistor-level building blocks shared by all circuits (the reference's ``formula``).

Layout area of standard-cell gates (with transistor folding), gate and drain
capacitances, leakage, on-resistance, transconductance, the Horowitz delay
model, pass-gate area and the "enlarge to fill the cell height" sizing rule.

Three device families are handled with ``jnp.where`` on the node:
planar bulk (130 to 22 nm: widths are continuous), FinFET (14 to 3 nm: widths
are counted in fins of 2F) and nanosheet / gate-all-around (2 and 1 nm: widths
are counted in sheet stacks of 2F). ``gate_type`` (INV/NOR/NAND from
:mod:`dse.tech.layout`), ``num_input`` and ``mos_type`` (NMOS/PMOS) are static
Python ints; every other argument is a traced array that may carry a batch shape.

Units: widths and heights in m, areas in m^2, capacitances in F, resistances in
ohm, currents in A, times in s. The reference's integer conversions are written
out explicitly (``jnp.trunc`` for an int assignment, ``jnp.floor`` for an int
division of non-negative ints, ``jnp.ceil`` where it calls ceil).
Manual: NeuroSim V1.4, "Technology scaling" and circuit-level modelling sections.
"""
from __future__ import annotations

import functools
import inspect

import jax
import jax.numpy as jnp

from dse.tech import layout as L
from dse.tech.layout import INV, NAND, NMOS, NOR, PMOS  # noqa: F401  (re-exported for callers)
from dse.tech.technology import Tech, current_at

def shared(fn):
    """Trace ``fn`` once per set of static arguments and call it as a sub-computation.

    The device formulas are called hundreds of times per design point; wrapping them in a
    nested ``jax.jit`` lets JAX trace and lower each one once (a call in the lowered module)
    instead of inlining its few hundred operations at every call site. Python scalars
    (gate types, input counts, literal widths) are static arguments; arrays are traced.
    Results are unchanged (XLA inlines the calls before optimizing).
    """
    sig = inspect.signature(fn)
    compiled = {}

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        static = tuple(n for n, v in bound.arguments.items()
                       if isinstance(v, (bool, int, float)) and not isinstance(v, jax.Array))
        jf = compiled.get(static)
        if jf is None:
            jf = compiled[static] = jax.jit(fn, static_argnames=static)
        return jf(**bound.arguments)

    return wrapper


_PLANAR_CPP = L.POLY_WIDTH + L.MIN_GAP_BET_GATE_POLY            # contacted poly pitch of planar cells, F
_EDGE = (L.MIN_POLY_EXT_DIFF + L.MIN_GAP_BET_FIELD_POLY / 2) * 2  # poly extension + field gap, both edges, F


# ----------------------------------------------------------------------------------------------
# node classification and per-node layout rules
# ----------------------------------------------------------------------------------------------
def is_planar(tech: Tech):
    """Planar bulk node (130 to 22 nm)."""
    return tech.technode >= 22


def is_finfet(tech: Tech):
    """FinFET node (14 to 3 nm)."""
    return (tech.technode <= 14) & (tech.technode >= 3)


def is_gaa(tech: Tech):
    """Nanosheet (gate-all-around) node (2 and 1 nm)."""
    return tech.technode < 3


def exact_div(a, b):
    """``a / b`` rounded as IEEE division, whatever the broadcasting.

    XLA rewrites a division by a broadcast value into a multiplication by its
    reciprocal, which can be one ulp off; where a quotient is then truncated or
    compared (fin counts, folds) that ulp changes the result. Adding ``a * 0``
    to the divisor makes it a full array, which XLA leaves alone.
    """
    a = jnp.asarray(a, jnp.float64)
    return a / (b + a * 0.0)


def log2_exact(x):
    """Base-2 logarithm that is exact at powers of two (XLA's ``log2`` is not: log2(8) < 3).

    Integer bit counts such as ``ceil(log2(n))`` depend on it.
    """
    m, e = jnp.frexp(jnp.asarray(x, jnp.float64))
    return (e - 1).astype(jnp.float64) + jnp.log2(2.0 * m)


def _c_int(x):
    """C's double-to-int conversion on x86: truncate; NaN/inf/out-of-range become INT_MIN."""
    ok = jnp.isfinite(x) & (jnp.abs(x) < 2.0 ** 31)
    return jnp.where(ok, jnp.trunc(jnp.where(ok, x, 0.0)), -(2.0 ** 31))


def _rule(tech: Tech, table):
    return L.node_value(table, tech.node_index)


def _cell_height(tech: Tech, height):
    """Standard-cell height used by the layout at FinFET/nanosheet nodes (rescaled from the planar 28 F)."""
    hn = _rule(tech, L.STD_CELL_HEIGHT)
    scaled = height * (L.MAX_TRANSISTOR_HEIGHT_FINFET / L.MAX_TRANSISTOR_HEIGHT) * exact_div(hn, L.MAX_TRANSISTOR_HEIGHT_FINFET)
    return jnp.where(is_planar(tech), height, scaled)


def _is_special(tech: Tech, height):
    """A cell whose height differs from the default standard-cell height (fins are then derived from it)."""
    return height != tech.feature_size * L.MAX_TRANSISTOR_HEIGHT


def _fin_limits(tech: Tech, height, special, ratio):
    """Max fins (FinFET) and sheet stacks (nanosheet) per P and N device in a cell of ``height``.

    ``height`` is the rescaled cell height. Without a special layout the node's
    default limits apply; with one they are derived from the free height. The
    limit is then split between P and N in proportion to their widths (``ratio``
    = P share). Returns ``(max_p_fin, max_n_fin, max_p_sheet, max_n_sheet)``.
    """
    f = tech.feature_size
    from_height = jnp.floor(exact_div(((height - _rule(tech, L.GAP_P_AND_N_DIFFS) * f
                                        - _rule(tech, L.OUTER_HEIGHT_REGION) * f) + tech.pitch_fin) / 2.0,
                                      tech.width_fin + tech.pitch_fin))
    finfet, gaa = is_finfet(tech), is_gaa(tech)
    base_fin = jnp.where(finfet, jnp.where(special, from_height, tech.max_fin_num), 0.0)
    base_sheet = jnp.where(gaa, jnp.where(special, from_height, tech.max_fin_per_gaa), 0.0)

    two_fin = 2 * base_fin
    # P-heavy cells: N gets its (truncated) share first; otherwise P does
    n_share = jnp.trunc(two_fin * (1 - ratio))
    p_share = jnp.trunc(two_fin * ratio)
    p = jnp.where(ratio > 0.5, two_fin - n_share, p_share)
    n = jnp.where(ratio > 0.5, n_share, two_fin - p_share)
    # never leave a device with zero fins
    p_zero = p == 0
    p = jnp.where(p_zero, 1.0, p)
    n = jnp.where(p_zero, 2 * base_fin - 1, n)
    n_zero = n == 0
    n = jnp.where(n_zero, 1.0, n)
    p = jnp.where(n_zero, 2 * base_fin - 1, p)
    # nanosheets: one stack per device when both devices exist
    ps = jnp.where(tech.max_fin_per_gaa == 0, 1.0, tech.max_fin_per_gaa)
    ns = jnp.where(tech.max_fin_per_gaa == 0, 2 * base_sheet - 1, tech.max_fin_per_gaa)
    ns_zero = ns == 0
    ns = jnp.where(ns_zero, 1.0, ns)
    ps = jnp.where(ns_zero, 2 * base_sheet - 1, ps)

    only_n, only_p = ratio == 0, ratio == 1
    max_p_fin = jnp.where(only_n, 0.0, jnp.where(only_p, two_fin, p))
    max_n_fin = jnp.where(only_n, two_fin, jnp.where(only_p, 0.0, n))
    max_p_sheet = jnp.where(only_n, 0.0, jnp.where(only_p, 2 * base_sheet, ps))
    max_n_sheet = jnp.where(only_n, 2 * base_sheet, jnp.where(only_p, 0.0, ns))
    return max_p_fin, max_n_fin, max_p_sheet, max_n_sheet


def _planar_max_widths(tech: Tech, height, ratio):
    """Largest unfolded P and N widths (m) that fit in a planar cell of ``height``."""
    f = tech.feature_size
    both_p = ratio * (height - L.MIN_GAP_BET_P_AND_N_DIFFS * f - _EDGE * f)
    both_n = exact_div(both_p, ratio) * (1 - ratio)
    single = height - _EDGE * f
    max_p = jnp.where(ratio == 0, 0.0, jnp.where(ratio == 1, single, both_p))
    max_n = jnp.where(ratio == 0, single, jnp.where(ratio == 1, 0.0, both_n))
    return max_p, max_n


# ----------------------------------------------------------------------------------------------
# gate capacitance and effective widths
# ----------------------------------------------------------------------------------------------
def _effective_width(tech: Tech, num_units):
    """Electrical width (m) of ``num_units`` fins or sheet stacks at FinFET / nanosheet nodes."""
    fin = num_units * tech.effective_width
    sheet = exact_div(num_units * tech.effective_width * tech.max_sheet_num, tech.max_fin_per_gaa)
    return jnp.where(is_gaa(tech), sheet, fin)


@shared
def gate_cap(tech: Tech, width):
    """Gate capacitance (F) of one transistor of drawn ``width`` (m).

    At FinFET/nanosheet nodes the width is rounded up to whole fins (sheet stacks)
    of 2F and converted to the electrical width.
    """
    units = jnp.trunc(jnp.ceil(width * (1 / (2 * tech.feature_size))))
    weff = jnp.where(is_planar(tech), width, _effective_width(tech, units))
    return (tech.cap_ideal_gate + tech.cap_overlap + tech.cap_fringe) * weff + tech.phy_gate_length * tech.cap_polywire


# ----------------------------------------------------------------------------------------------
# layout area of a standard-cell gate
# ----------------------------------------------------------------------------------------------
def _gate_region_width(tech, gate_type, num_input, unit_p, unit_n, fold_p, fold_n, cpp):
    """Width (m) of the P and N regions of a gate from the per-device widths (source/drain sharing)."""
    f = tech.feature_size
    if gate_type == INV:
        return unit_p, unit_n
    if gate_type in (NOR, NAND):
        shared = (fold_p == 1) & (fold_n == 1)
        wp = jnp.where(shared, unit_p * num_input - (num_input - 1) * f * cpp, unit_p * num_input)
        wn = jnp.where(shared, unit_n * num_input - (num_input - 1) * f * cpp, unit_n * num_input)
        return wp, wn
    zero = jnp.zeros_like(unit_p)
    return zero, zero


@shared
def gate_area(tech: Tech, gate_type: int, num_input: int, width_n, width_p, height_region):
    """Layout of a logic gate in a cell of fixed height: ``(area m^2, height m, width m)``.

    Devices wider than the cell allows are folded into several fingers; NOR/NAND
    stacks share source/drain diffusions when nothing is folded.
    """
    f = tech.feature_size
    planar, finfet = is_planar(tech), is_finfet(tech)
    special = _is_special(tech, height_region)
    wn = jnp.where(planar, width_n, exact_div(width_n, 2 * f))   # fins / sheet stacks at advanced nodes
    wp = jnp.where(planar, width_p, exact_div(width_p, 2 * f))
    height = _cell_height(tech, height_region)
    ratio = exact_div(wp, wp + wn)
    cpp_adv = _rule(tech, L.CPP)

    # planar: continuous widths, fold when wider than the cell allows
    max_wp, max_wn = _planar_max_widths(tech, height, ratio)

    def planar_dev(w, max_w):
        fold = jnp.where((w > 0) & ~(w <= max_w), _c_int(jnp.ceil(exact_div(w, max_w))), 1.0)
        unit = jnp.where(w > 0, jnp.where(w <= max_w, 2 * _PLANAR_CPP * f, (fold + 1) * _PLANAR_CPP * f), 0.0)
        return unit, fold

    # FinFET / nanosheet: whole fins (sheets), fold when more than the cell holds
    max_pf, max_nf, max_ps, max_ns = _fin_limits(tech, height, special, ratio)

    def adv_dev(w, max_fin, max_sheet):
        num = jnp.trunc(jnp.ceil(w))
        max_num = jnp.where(finfet, max_fin, max_sheet)
        # FinFET limits are ints (integer division); nanosheet limits are doubles (real ceil)
        folds = jnp.where(finfet, jnp.trunc(exact_div(num, max_num)), _c_int(jnp.ceil(exact_div(num, max_num))))
        fold = jnp.where((num > 0) & ~(num <= max_num), folds, 1.0)
        unit = jnp.where(num > 0, jnp.where(num <= max_num, 2 * cpp_adv * f, (fold + 1) * cpp_adv * f), 0.0)
        return unit, fold

    up_pl, fp_pl = planar_dev(wp, max_wp)
    un_pl, fn_pl = planar_dev(wn, max_wn)
    up_ad, fp_ad = adv_dev(wp, max_pf, max_ps)
    un_ad, fn_ad = adv_dev(wn, max_nf, max_ns)
    unit_p = jnp.where(planar, up_pl, up_ad)
    unit_n = jnp.where(planar, un_pl, un_ad)
    fold_p = jnp.where(planar, fp_pl, fp_ad)
    fold_n = jnp.where(planar, fn_pl, fn_ad)
    cpp = jnp.where(planar, _PLANAR_CPP, cpp_adv)
    region_p, region_n = _gate_region_width(tech, gate_type, num_input, unit_p, unit_n, fold_p, fold_n, cpp)
    width = jnp.maximum(region_n, region_p)
    return width * height, height, width


# ----------------------------------------------------------------------------------------------
# output (drain) capacitance of a gate
# ----------------------------------------------------------------------------------------------
def _drain_widths(gate_type, num_input, wp, wn, ud_p, us_p, hd_p, fold_p, ud_n, us_n, hd_n, fold_n):
    """Drain diffusion widths and sidewall perimeters of a gate's P and N networks (m)."""
    zero = jnp.zeros_like(ud_p)
    par_p = jnp.mod(fold_p + 1, 2)
    par_n = jnp.mod(fold_n + 1, 2)
    n_in = num_input
    if gate_type == INV:
        wd_p = ud_p
        sw_p = wd_p * 2 + hd_p * (1 + par_p)
        wd_n = ud_n
        sw_n = wd_n * 2 + hd_n * (1 + par_p)   # the reference uses the PMOS fold parity here
    elif gate_type == NOR:
        shared = (fold_p == 1) & (fold_n == 1)
        wd_p_s = ud_p * n_in
        sw_p_s = wd_p_s * 2 + hd_p
        wd_n_s = ud_n * ((n_in + 1) // 2)
        sw_n_s = wd_n_s * 2 + hd_n * (1 - (n_in + 1) % 2)
        wd_p_f = ud_p * n_in + (n_in - 1) * us_p
        sw_p_f = wd_p_f * 2 + hd_p * (1 + par_p) * n_in + hd_p * (1 - par_p) * (n_in - 1)
        wd_n_f = ud_n * n_in
        sw_n_f = wd_n_f * 2 + hd_n * (1 + par_n) * n_in
        wd_p, sw_p = jnp.where(shared, wd_p_s, wd_p_f), jnp.where(shared, sw_p_s, sw_p_f)
        wd_n, sw_n = jnp.where(shared, wd_n_s, wd_n_f), jnp.where(shared, sw_n_s, sw_n_f)
    elif gate_type == NAND:
        shared = (fold_p == 1) & (fold_n == 1)
        wd_p_s = ud_p * ((n_in + 1) // 2)
        sw_p_s = wd_p_s * 2 + hd_p * (1 - (n_in + 1) % 2)
        wd_n_s = ud_n * n_in
        sw_n_s = wd_n_s * 2 + hd_n
        wd_p_f = ud_p * n_in
        sw_p_f = wd_p_f * 2 + hd_p * (1 + par_p) * n_in
        wd_n_f = ud_n * n_in + (n_in - 1) * us_n
        sw_n_f = wd_n_f * 2 + hd_n * (1 + par_n) * n_in + hd_n * (1 - par_n) * (n_in - 1)
        wd_p, sw_p = jnp.where(shared, wd_p_s, wd_p_f), jnp.where(shared, sw_p_s, sw_p_f)
        wd_n, sw_n = jnp.where(shared, wd_n_s, wd_n_f), jnp.where(shared, sw_n_s, sw_n_f)
    else:
        return zero, zero, zero, zero
    # a missing device contributes no drain
    wd_p, sw_p = jnp.where(wp > 0, wd_p, 0.0), jnp.where(wp > 0, sw_p, 0.0)
    wd_n, sw_n = jnp.where(wn > 0, wd_n, 0.0), jnp.where(wn > 0, sw_n, 0.0)
    return wd_p, sw_p, wd_n, sw_n


def _adv_drain_dev(tech, w, max_num, gap, fin_width):
    """Drain geometry of one FinFET/nanosheet device of ``w`` fins: (unit drain, unit source, height, folds)."""
    f = tech.feature_size
    num = jnp.trunc(jnp.ceil(w))
    fold_n = jnp.trunc(exact_div(num, max_num))          # both are ints in the reference: integer division
    folded = ~(num <= max_num)
    fold = jnp.where((num > 0) & folded, fold_n, 1.0)
    ud = jnp.where(folded, jnp.trunc(jnp.ceil((fold + 1) / 2.0)) * f * gap, f * gap)
    us = jnp.where(folded, jnp.trunc(jnp.floor((fold + 1) / 2.0)) * f * gap, ud)
    hd = jnp.where(folded, max_num * fin_width, num * fin_width)
    pos = num > 0
    return jnp.where(pos, ud, 0.0), jnp.where(pos, us, 0.0), jnp.where(pos, hd, 0.0), fold


def _output_cap(tech: Tech, gate_type, num_input, width_n, width_p, height_region,
                fin_factor_n=1.0, fin_factor_p=1.0, sheets_only=False):
    """Drain capacitance (F) at the output of a gate (see :func:`gate_capacitance`)."""
    f = tech.feature_size
    planar, finfet = is_planar(tech), is_finfet(tech)
    adv = ~planar
    special = _is_special(tech, height_region)
    wn = jnp.where(adv, width_n * (1 / (2 * f)), width_n)
    wp = jnp.where(adv, width_p * (1 / (2 * f)), width_p)
    height = _cell_height(tech, height_region)
    ratio = exact_div(wp, wp + wn)

    # planar devices
    max_wp, max_wn = _planar_max_widths(tech, height, ratio)

    def planar_dev(w, max_w):
        folded = ~(w <= max_w)
        fold = jnp.where((w > 0) & folded, _c_int(jnp.ceil(exact_div(w, max_w))), 1.0)
        ud = jnp.where(folded, jnp.trunc(jnp.ceil((fold + 1) / 2.0)) * f * L.MIN_GAP_BET_GATE_POLY,
                       f * L.MIN_GAP_BET_GATE_POLY)
        us = jnp.where(folded, jnp.trunc(jnp.floor((fold + 1) / 2.0)) * f * L.MIN_GAP_BET_GATE_POLY, ud)
        hd = jnp.where(folded, max_w, w)
        pos = w > 0
        return jnp.where(pos, ud, 0.0), jnp.where(pos, us, 0.0), jnp.where(pos, hd, 0.0), fold

    # FinFET / nanosheet devices
    max_pf, max_nf, max_ps, max_ns = _fin_limits(tech, height, special, ratio)
    gap = _rule(tech, L.CPP) - _rule(tech, L.POLY_WIDTH_NODE)
    use_fin = finfet & (not sheets_only)
    max_p = jnp.where(use_fin, max_pf, max_ps)
    max_n = jnp.where(use_fin, max_nf, max_ns)
    adv_p = _adv_drain_dev(tech, wp, max_p, gap, tech.width_fin * fin_factor_p)
    adv_n = _adv_drain_dev(tech, wn, max_n, gap, tech.width_fin * fin_factor_n)
    if sheets_only:
        dev_p, dev_n = adv_p, adv_n
    else:
        pl_p = planar_dev(wp, max_wp)
        pl_n = planar_dev(wn, max_wn)
        dev_p = tuple(jnp.where(planar, a, b) for a, b in zip(pl_p, adv_p))
        dev_n = tuple(jnp.where(planar, a, b) for a, b in zip(pl_n, adv_n))
    ud_p, us_p, hd_p, fold_p = dev_p
    ud_n, us_n, hd_n, fold_n = dev_n
    wd_p, sw_p, wd_n, sw_n = _drain_widths(gate_type, num_input, wp, wn, ud_p, us_p, hd_p, fold_p,
                                           ud_n, us_n, hd_n, fold_n)
    bottom_n = wd_n * hd_n * tech.cap_junction
    bottom_p = wd_p * hd_p * tech.cap_junction
    side_p = sw_p * tech.cap_sidewall
    side_n = sw_n * tech.cap_sidewall
    chan_n = fold_n * hd_n * tech.cap_drain_to_channel
    chan_p = fold_p * hd_p * tech.cap_drain_to_channel
    full = bottom_n + bottom_p + side_n + side_p + chan_n + chan_p
    # at FinFET / nanosheet nodes only the junction bottom is counted
    return jnp.where(tech.technode <= 14, bottom_n + bottom_p, full)


@shared
def gate_capacitance(tech: Tech, gate_type: int, num_input: int, width_n, width_p, height_region):
    """Input and output capacitance of a logic gate: ``(cap_input F, cap_output F)``.

    The input is the gate capacitance of one N and one P device; the output is
    the drain junction (bottom, sidewall, drain-to-channel) capacitance of the
    drains connected to the output, with folding and diffusion sharing.
    """
    cap_input = gate_cap(tech, width_n) + gate_cap(tech, width_p)
    cap_output = _output_cap(tech, gate_type, num_input, width_n, width_p, height_region)
    return cap_input, cap_output


@shared
def gate_capacitance_gaa(tech: Tech, gate_type: int, num_input: int, width_n, width_p, height_region,
                         gate_factor, n_tuning_factor, p_tuning_factor):
    """Gate capacitances for the special nanosheet layout: ``(cap_input F, cap_output F)``.

    Like :func:`gate_capacitance` but the input capacitance is scaled by
    ``gate_factor`` and the drain heights use the sheet width scaled by the N/P
    tuning factors. Meaningful only at nanosheet nodes (2, 1 nm), where the
    reference uses it.
    """
    cap_input = gate_factor * (gate_cap(tech, width_n) + gate_cap(tech, width_p))
    cap_output = _output_cap(tech, gate_type, num_input, width_n, width_p, height_region,
                             fin_factor_n=n_tuning_factor, fin_factor_p=p_tuning_factor, sheets_only=True)
    return cap_input, cap_output


#: nanosheet special layout (2 nm and 1 nm, ``speciallayout`` on): per node, the gate-capacitance
#: factor and the N / P fin-width tuning of minimum inverters and of minimum 2-input NANDs
GAA_INV_TUNING = {2: (1.0 / 2.0, 4.5 / 15.0, 4.5 / 15.0), 1: (10.5 / 16.0, 4.5 / 10.0, 4.5 / 10.0)}
GAA_NAND_TUNING = {2: (1.0, 22.0 / 15.0, 8.0 / 15.0), 1: (1.0, 23.0 / 15.0, 7.0 / 15.0)}


def special_layout_caps(tech, prm, gate_type, num_input, width_n, width_p, height, tuning, caps):
    """Capacitances with the nanosheet special layout at 2 nm and 1 nm, ``caps`` elsewhere.

    ``tuning`` maps the node (2 or 1) to (gate factor, N-fin factor, P-fin factor); returns
    (cap_input, cap_output, used, gate_factor) where ``used`` marks the special layout.
    """
    cin, cout = caps
    factor = jnp.ones_like(jnp.asarray(cin, jnp.float64))
    used = jnp.zeros(jnp.shape(factor), bool)
    node = jnp.asarray(tech.technode, jnp.float64)
    special = prm.speciallayout != 0
    for nm, (g, nt, pt) in tuning.items():
        gin, gout = gate_capacitance_gaa(tech, gate_type, num_input, width_n, width_p, height, g, nt, pt)
        use = special & (node == nm)
        cin = jnp.where(use, gin, cin)
        cout = jnp.where(use, gout, cout)
        factor = jnp.where(use, g, factor)
        used = used | use
    return cin, cout, used, factor


def special_layout(tech: Tech, prm):
    """True where the nanosheet special layout applies (2 nm and 1 nm, ``speciallayout`` on)."""
    return (jnp.asarray(tech.technode, jnp.float64) <= 2.0) & (prm.speciallayout != 0)


def special_layout_factor(tech: Tech, prm):
    """Gate factor of minimum inverters under the nanosheet special layout (:data:`GAA_INV_TUNING`;
    1 elsewhere): it also scales their leakage."""
    node = jnp.asarray(tech.technode, jnp.float64)
    special = prm.speciallayout != 0
    (g2, _, _), (g1, _, _) = GAA_INV_TUNING[2], GAA_INV_TUNING[1]
    return jnp.where(special & (node == 2.0), g2, jnp.where(special & (node == 1.0), g1, 1.0))


@shared
def drain_cap(tech: Tech, width, mos_type: int, height_region):
    """Drain capacitance (F) of a single NMOS or PMOS of ``width`` (m) in a cell of ``height_region``."""
    zero = jnp.zeros_like(jnp.asarray(width, jnp.float64))
    if mos_type == NMOS:
        return _output_cap(tech, INV, 1, width, zero, height_region)
    return _output_cap(tech, INV, 1, zero, width, height_region)


# ----------------------------------------------------------------------------------------------
# leakage, resistance, transconductance
# ----------------------------------------------------------------------------------------------
def _current(tech: Tech, name: str, temperature):
    if isinstance(temperature, (int, float)) and int(temperature) == 300:
        return getattr(tech, name)
    return current_at(tech, name, temperature)


@shared
def gate_leakage(tech: Tech, gate_type: int, num_input: int, width_n, width_p, temperature=300):
    """Average leakage current (A) of a logic gate over its input states."""
    f = tech.feature_size
    planar = is_planar(tech)
    un = jnp.trunc(jnp.ceil(width_n * (1 / (2 * f))))
    up = jnp.trunc(jnp.ceil(width_p * (1 / (2 * f))))
    wn = jnp.where(planar, width_n, _effective_width(tech, un))
    wp = jnp.where(planar, width_p, _effective_width(tech, up))
    leak_n = _current(tech, "current_off_nmos", temperature)
    leak_p = _current(tech, "current_off_pmos", temperature)
    if gate_type == INV:
        return (wn * leak_n + wp * leak_p) / 2
    if gate_type == NOR:
        ratio = L.AVG_RATIO_LEAK_2INPUT_NOR if num_input == 2 else L.AVG_RATIO_LEAK_3INPUT_NOR
        return ratio * (wn * leak_n * num_input)
    if gate_type == NAND:
        ratio = L.AVG_RATIO_LEAK_2INPUT_NAND if num_input == 2 else L.AVG_RATIO_LEAK_3INPUT_NAND
        return ratio * (wp * leak_p * num_input)
    return jnp.zeros_like(wn)


def _resistance_width(tech: Tech, width):
    units = jnp.ceil(exact_div(width, 2 * tech.feature_size))
    return jnp.where(is_planar(tech), width, _effective_width(tech, units))


@shared
def on_resistance(tech: Tech, width, mos_type: int, temperature=300):
    """Effective on-resistance (ohm) of a transistor of ``width`` (m) when switching."""
    weff = _resistance_width(tech, width)
    name = "current_on_nmos" if mos_type == NMOS else "current_on_pmos"
    return exact_div(tech.effective_resistance_multiplier * tech.vdd, _current(tech, name, temperature) * weff)


@shared
def on_resistance_normal(tech: Tech, width, mos_type: int, temperature=300):
    """On-resistance (ohm) Vdd / Ion of a transistor of ``width`` (m), without the switching multiplier."""
    weff = _resistance_width(tech, width)
    name = "current_on_nmos" if mos_type == NMOS else "current_on_pmos"
    return exact_div(tech.vdd, _current(tech, name, temperature) * weff)


@shared
def transconductance(tech: Tech, width, mos_type: int):
    """Transconductance (S) of a transistor of ``width`` (m)."""
    f = tech.feature_size
    planar, finfet = is_planar(tech), is_finfet(tech)
    units = jnp.trunc(jnp.ceil(exact_div(width, 2 * f)))
    fin = units * (2 * tech.height_fin + tech.width_fin)
    sheet = exact_div(units * tech.effective_width * tech.max_sheet_num, tech.max_fin_per_gaa)
    weff = jnp.where(planar, width, jnp.where(finfet, fin, sheet))
    gm_current = tech.current_gm_nmos if mos_type == NMOS else tech.current_gm_pmos
    gm_planar = exact_div((2 * gm_current) * weff, 0.7 * tech.vdd - tech.vth)
    return jnp.where(planar, gm_planar, tech.gm_oncurrent * weff)


def horowitz(tr, beta, ramp_input):
    """Horowitz gate delay: ``(delay s, ramp_output 1/s)`` for time constant ``tr`` and input ramp.

    ``beta`` is accepted for signature compatibility but fixed to 0.5 (as CACTI
    and the reference do); the switching threshold is vdd/2.
    """
    del beta
    alpha = exact_div(exact_div(1.0, ramp_input), tr)
    vs = 0.5
    b = 0.5
    delay = tr * jnp.sqrt(jnp.log(vs) * jnp.log(vs) + 2 * alpha * b * (1 - vs))
    return delay, exact_div(1 - vs, delay)


#: input slope (1/s) of an ideal step: the Horowitz delay of a stage driven by one
STEP_RAMP = 1e20
#: Elmore coefficients of a lumped (ln 2) and of a distributed (0.38) RC delay
LUMPED_RC, DISTRIBUTED_RC = 0.69, 0.38


def line_delay(r_drive, c_drive, unit_cap, unit_res, cells):
    """Elmore delay (s) of a driver (on-resistance ``r_drive``, own output capacitance ``c_drive``)
    charging ``cells`` cells of a distributed line (``unit_cap`` F and ``unit_res`` ohm per cell)."""
    return (r_drive * c_drive * LUMPED_RC
            + unit_cap * cells * (LUMPED_RC * r_drive + DISTRIBUTED_RC * unit_res * cells))


def line_load_delay(r_drive, unit_cap, cells, c_load):
    """What a load ``c_load`` (F) at the far end adds to :func:`line_delay` (s)."""
    return (unit_cap * cells * LUMPED_RC + LUMPED_RC * r_drive) * c_load


# ----------------------------------------------------------------------------------------------
# pass gates, sizing
# ----------------------------------------------------------------------------------------------
@shared
def pass_gate_area(tech: Tech, width_n, width_p, num_fold):
    """Layout of a transmission gate folded ``num_fold`` times: ``(area m^2, height m, width m)``.

    Unlike standard cells, the pass-gate height follows the device widths.
    """
    f = tech.feature_size
    planar, finfet = is_planar(tech), is_finfet(tech)
    num_fold = jnp.asarray(num_fold, jnp.float64)
    cpp_adv = _rule(tech, L.CPP)
    gap = _rule(tech, L.GAP_P_AND_N_DIFFS)
    outer = _rule(tech, L.OUTER_HEIGHT_REGION)
    # planar
    w_pl = (num_fold + 1) * (L.POLY_WIDTH + L.MIN_GAP_BET_GATE_POLY) * f
    h_pl = exact_div(width_p, num_fold) + exact_div(width_n, num_fold) + L.MIN_GAP_BET_P_AND_N_DIFFS * f + _EDGE * f
    # FinFET / nanosheet: fins per finger, stacked at the fin pitch
    w_ad = (num_fold + 1) * cpp_adv * f
    fins_p = jnp.trunc(jnp.ceil(exact_div(jnp.trunc(jnp.ceil(exact_div(width_p, 2 * f))), num_fold)))
    fins_n = jnp.trunc(jnp.ceil(exact_div(jnp.trunc(jnp.ceil(exact_div(width_n, 2 * f))), num_fold)))
    h_region_p = (fins_p - 1) * tech.pitch_fin + 2 * tech.width_fin / 2
    h_region_n = (fins_n - 1) * tech.pitch_fin + 2 * tech.width_fin / 2
    h_fin = h_region_p + h_region_n + gap * f + outer * 2 * f
    h_gaa = h_region_p + h_region_n + gap * f + outer * f   # one outer region only for nanosheets
    width = jnp.where(planar, w_pl, w_ad)
    height = jnp.where(planar, h_pl, jnp.where(finfet, h_fin, h_gaa))
    return width * height, height, width


@shared
def enlarge_size(tech: Tech, width_n, width_p, height_region):
    """Enlarge small devices to the largest size that keeps the same cell area: ``(width_n, width_p)`` in m.

    Planar: fill the cell height (keeping the P/N ratio). FinFET: use the
    node's maximum fin count when the other device's fin count stays an
    integer. Nanosheet: fixed stack counts.
    """
    f = tech.feature_size
    planar, finfet = is_planar(tech), is_finfet(tech)
    ratio = exact_div(width_p, width_p + width_n)

    # planar
    max_wp, max_wn = _planar_max_widths(tech, height_region, ratio)
    case0 = (ratio == 0) & (width_n < max_wn)
    case1 = ~case0 & (ratio == 1) & (width_p < max_wp)
    case2 = ~case0 & ~case1 & (width_p > 0) & (width_p < max_wp) & (width_n > 0) & (width_n < max_wn)
    pl_n = jnp.where(case0 | case2, max_wn, width_n)
    pl_p = jnp.where(case1 | case2, max_wp, width_p)

    # FinFET
    max_fin = tech.max_fin_num
    fin_p = jnp.trunc(jnp.ceil(exact_div(width_p, 2.0 * f)))
    fin_n = jnp.trunc(jnp.ceil(exact_div(width_n, 2.0 * f)))
    f0 = (ratio == 0) & (fin_n <= max_fin)
    f1 = ~f0 & (ratio == 1) & (fin_p <= max_fin)
    f2 = ~f0 & ~f1 & (fin_p > 0) & (fin_p <= max_fin) & (fin_n > 0) & (fin_n <= max_fin)
    n_if_p_max = exact_div(max_fin, ratio) * (1 - ratio)           # N fins when P takes the maximum
    p_if_n_max = exact_div(max_fin, 1 - ratio) * ratio           # P fins when N takes the maximum
    ok_a = (ratio >= 0.5) & (n_if_p_max - jnp.trunc(n_if_p_max) == 0)
    ok_b = (ratio < 0.5) & (p_if_n_max - jnp.trunc(p_if_n_max) == 0)
    f2_n = jnp.where(ok_a, jnp.trunc(n_if_p_max), jnp.where(ok_b, max_fin, fin_n))
    f2_p = jnp.where(ok_a, max_fin, jnp.where(ok_b, jnp.trunc(p_if_n_max), fin_p))
    ff_n = jnp.where(f0, max_fin * 2 * f, jnp.where(f2, f2_n * 2 * f, width_n))
    ff_p = jnp.where(f1, max_fin * 2 * f, jnp.where(f2, f2_p * 2 * f, width_p))

    # nanosheet
    sh_p = jnp.trunc(jnp.ceil(exact_div(width_p, 2 * f)))
    sh_n = jnp.trunc(jnp.ceil(exact_div(width_n, 2 * f)))
    g0 = (ratio == 0) & (sh_n <= 2)
    g1 = ~g0 & (ratio == 1) & (sh_p <= 2)
    g2 = ~g0 & ~g1 & (sh_p > 0) & (sh_p <= 1) & (sh_n > 0) & (sh_n <= 1)
    ga_n = jnp.where(g0, 2.0 * 2 * f, jnp.where(g2, 1.0 * 2 * f, width_n))
    ga_p = jnp.where(g1, 2.0 * 2 * f, jnp.where(g2, 1.0 * 2 * f, width_p))

    new_n = jnp.where(planar, pl_n, jnp.where(finfet, ff_n, ga_n))
    new_p = jnp.where(planar, pl_p, jnp.where(finfet, ff_p, ga_p))
    return new_n, new_p
