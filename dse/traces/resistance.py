"""Column resistance seen by the column ADC during one read (``GetColumnResistance``, manual section 4.3).

For a read of a subarray slice with ``N`` rows, column ``j`` (0-based) sums the conductances of its cells
in active rows:

* SRAM: every active cell conducts through ``res_cell_access + Rcol`` (one cell's column wire), weights
  do not matter; ``R = 1 / (n / (res_cell_access + Rcol))``.
* 1T1R RRAM: the cell of row ``i`` (level ``d``, conductance ``G_d = d/(L-1)*(Gmax-Gmin)+Gmin``) is in series
  with ``(j+1)`` row-wire segments, ``(N-i)`` column-wire segments and the access transistor:
  ``1/G_d + (j+1)*Rrow + (N-i)*Rcol + R_access``. FeFET: the same without ``R_access``.
  Parallel read divides the column conductance by ``numAdd = floor(numRowSubArray/numRowParallel)``,
  sequential read by the active-row count ``n``: ``R = numAdd / G`` (``n / G``).

:func:`column_resistance` evaluates this on the reduced column states of
:mod:`dse.traces.reduce` (JAX, broadcasts over design points: result ``(batch..., K)``);
:func:`replay_column_resistance` is the exact per-read computation (numpy, for checks).
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from dse import design as D

__all__ = ["column_resistance", "column_params", "column_conductance_entries", "column_resistance_entries",
           "column_resistance_states", "replay_column_resistance", "replay_layer_sum"]


def _f(x):
    return jnp.asarray(x, jnp.float64)


def column_resistance(states, cell, prm, res_cell_access=0.0, wire: bool = True):
    """Column resistance (ohm) of each reduced column state, shape ``(batch..., K)``.

    ``states``: a :class:`~dse.traces.reduce.LayerStats` (or a dict / object with ``counts`` ``(K, L)``,
    ``col_mean`` ``(K,)``, ``pos_mean``, ``spread`` ``(K, L)``);
    ``cell``: :class:`dse.tech.memcell.Cell`; ``prm``: :class:`dse.tech.params.Params`;
    ``res_cell_access``: the subarray's ``res_cell_access`` (ohm; used by SRAM only), an array with the
    batch shape or a subarray state having that field. ``wire=False`` drops the wire resistance.

    Without wire resistance the result is the reference's exactly (up to summation order). With it, each
    cell conductance ``1/(a_d + x)`` (``x`` its wire series resistance) is expanded to second order about
    the state's mean ``x`` (averaged over a uniform spread matching the state's positional variance). ``L = 1`` states (active-row
    counts only) serve SRAM; for RRAM/FeFET they give NaN. Zero active rows gives ``inf`` (parallel) or NaN
    (sequential), as in the reference."""
    if hasattr(res_cell_access, "res_cell_access"):
        res_cell_access = res_cell_access.res_cell_access
    if isinstance(states, dict):
        from types import SimpleNamespace
        states = SimpleNamespace(**states)
    counts = _f(states.counts)
    K, L = counts.shape
    ex = lambda a: _f(a)[..., None]            # noqa: E731  (batch...) -> (batch..., 1)
    n = counts.sum(-1)                          # (K,)
    mem = ex(cell.mem_cell_type)
    rrow = ex(prm.wire_resistance_row) if wire else 0.0
    rcol = ex(prm.wire_resistance_col) if wire else 0.0
    # SRAM: all active cells identical
    r_sram_cell = ex(res_cell_access) + (ex(prm.wire_resistance_col) if wire else 0.0)
    g_sram = n * (1.0 / r_sram_cell)
    r_sram = 1.0 / g_sram
    if L >= 2:
        lev = jnp.arange(L, dtype=jnp.float64)
        gmax, gmin = ex(prm.max_conductance)[..., None], ex(prm.min_conductance)[..., None]
        # the point's own level count (the states' level axis may be padded beyond it)
        top = ex(2.0 ** jnp.asarray(prm.cell_bit, jnp.float64) - 1.0)[..., None]
        g_lev = lev / top * (gmax - gmin) + gmin                            # (batch..., 1, L)
        # 1T1R RRAM adds its access transistor; FeFET and crossbar cells have none
        one_t_one_r = (mem == D.RRAM) & (ex(getattr(cell, "access_type", D.ACCESS_1T1R)) == D.ACCESS_1T1R)
        r_acc = jnp.where(one_t_one_r, ex(cell.resistance_access), 0.0)[..., None]
        a = 1.0 / g_lev + r_acc                                             # (batch..., 1, L)
        jm = _f(states.col_mean)[:, None]
        pm, sp = _f(states.pos_mean), _f(states.spread)
        rr = rrow[..., None] if wire else 0.0
        rc = rcol[..., None] if wire else 0.0
        b = a + (jm * rr + pm * rc)                    # cell + mean series wire resistance
        # within a column the active cells' wire resistances spread around the mean with variance
        # rc^2 * spread / count; averaging 1/(b + y) over a uniform y of that variance gives
        # atanh(h/b)/h with h = sqrt(3 * variance) (second-order exact, well behaved for large spreads)
        cnt_safe = jnp.where(counts > 0, counts, 1.0)
        h = jnp.sqrt(3.0 * rc * rc * sp / cnt_safe) if wire else jnp.zeros_like(b)
        mean_inv = _mean_inverse(b, h)
        g_col = jnp.sum(counts * mean_inv, axis=-1)
        par = ex(prm.parallel_read) == 1
        divisor = jnp.where(par, ex(prm.num_add), n)
        r_1t1r = 1.0 / (g_col / divisor)
    else:
        r_1t1r = jnp.full(jnp.broadcast_shapes(jnp.shape(mem), (K,)), jnp.nan)
    return jnp.where(mem == D.SRAM, r_sram, r_1t1r)


def replay_column_resistance(levels: np.ndarray, inputs: np.ndarray, *, mem: int, g_max: float, g_min: float,
                             num_levels: int, r_access: float, wire_row: float, wire_col: float,
                             res_cell_access: float, parallel: bool, num_add: float) -> np.ndarray:
    """Exact per-read column resistances of one subarray slice, as the reference computes them.

    ``levels``: ``(N, C)`` cell levels of the slice; ``inputs``: ``(R, N)`` bits of ``R`` reads. Returns
    ``(R, C)`` ohm. Rows are accumulated in the reference's order with its expression order."""
    levels = np.asarray(levels)
    x = np.asarray(inputs).astype(np.float64)
    N, C = levels.shape
    Rn = x.shape[0]
    col_g = np.zeros((Rn, C))
    active = np.zeros((Rn, 1))
    j1 = np.arange(1, C + 1, dtype=np.float64)
    for i in range(N):
        on = (x[:, i:i + 1] == 1)
        if mem == D.SRAM:
            tw = np.full(C, res_cell_access + wire_col)
        else:
            g = levels[i].astype(np.float64) / (num_levels - 1) * (g_max - g_min) + g_min
            tw = 1.0 / g + j1 * wire_row + float(N - i) * wire_col
            if mem == D.RRAM:
                tw = tw + r_access
        col_g = col_g + np.where(on, 1.0 / tw, 0.0)
        active = active + on
    with np.errstate(divide="ignore", invalid="ignore"):
        if mem == D.SRAM:
            cond = col_g
        elif parallel:
            cond = col_g / num_add
        else:
            cond = col_g / active
        return 1.0 / cond


def replay_layer_sum(digits: np.ndarray, bits: np.ndarray, cut, gs, **kw) -> list[float]:
    """Brute force: ``sum over slices, reads, columns of mult * g(R)`` for each ``g`` in ``gs``."""
    out = [0.0] * len(gs)
    R = cut.num_reads
    for b, rows in enumerate(cut.block_rows):
        lv = digits[np.ix_(np.asarray(rows), cut.block_cols[b])]
        r = replay_column_resistance(lv, bits[np.asarray(rows), :R].T, **kw)
        for t, g in enumerate(gs):
            with np.errstate(divide="ignore", invalid="ignore"):
                out[t] += float(cut.block_mult[b]) * float(np.sum(g(r)))
    return out


def _mean_inverse(b, h):
    """Mean of ``1/(b + y)`` over ``y`` uniform in ``[-h, h]``: ``atanh(t)/(t b)`` with ``t = h/b``
    (clipped at 0.999), ``(1 + t^2/3)/b`` below ``t = 1e-4``. ``atanh`` as ``log1p(2t/(1-t))/2``
    (one logarithm; XLA's float64 atanh costs twice as much)."""
    t = jnp.minimum(h / b, 0.999)
    small = t < 1e-4
    t_safe = jnp.where(small, 0.5, t)
    return jnp.where(small, (1.0 + t * t / 3.0) / b, 0.5 * jnp.log1p(2.0 * t_safe / (1.0 - t_safe)) / (t_safe * b))


def column_params(cell, prm) -> dict:
    """The design parameters the per-state column conductances depend on (arrays with the batch
    shape): ``g_max``, ``g_min`` (S), ``top`` (highest level, ``2**cell_bit - 1``), ``r_access``
    (ohm, the 1T1R access transistor, else 0), ``r_row``, ``r_col`` (ohm per cell of wire). Points
    that agree on these share :func:`column_conductance_entries`."""
    one_t_one_r = (cell.mem_cell_type == D.RRAM) & (getattr(cell, "access_type", D.ACCESS_1T1R) == D.ACCESS_1T1R)
    shape = jnp.shape(prm.max_conductance)
    b = lambda x: jnp.broadcast_to(_f(x), shape)  # noqa: E731
    return dict(g_max=b(prm.max_conductance), g_min=b(prm.min_conductance), top=b(2.0 ** _f(prm.cell_bit) - 1.0),
                r_access=b(jnp.where(one_t_one_r, cell.resistance_access, 0.0)),
                r_row=b(prm.wire_resistance_row), r_col=b(prm.wire_resistance_col))


def column_conductance_entries(ent, g_max, g_min, top, r_access, r_row, r_col):
    """Summed cell conductance (S) of each reduced column state of a 1T1R / FeFET array, from its
    (state, level) entries, shape ``(..., K)`` (the model of :func:`column_resistance`, before
    the parallel / sequential divisor). Parameters as :func:`column_params` gives them, 0-d (one
    point; ``jax.vmap`` for batches).

    ``ent`` has per-state arrays ``(..., K)`` ``col_mean``, ``state_first`` and ``state_stop``
    (the state's entries are ``state_first <= e < state_stop``: entries are sorted by state) and
    per-entry arrays ``(..., E)`` ``ent_level`` (level ``d``), ``ent_count`` (active cells at that
    level), ``ent_pos`` (mean ``u = N - i``), ``ent_spread``, ``ent_valid`` and ``ent_state``.
    A state's conductance is a difference of prefix sums over its entries (a scan and two gathers
    of table indices: on CPU several times faster than a scatter per point).
    """
    lev = _f(ent.ent_level)
    g_lev = lev / jnp.where(top > 0, top, 1.0) * (g_max - g_min) + g_min
    a = 1.0 / g_lev + r_access
    # table-only terms (not batched under vmap): the state's mean column, the spread's scale
    jm = jnp.take_along_axis(_f(ent.col_mean), jnp.asarray(ent.ent_state), axis=-1)
    cnt = _f(ent.ent_count)
    hs = jnp.sqrt(3.0 * _f(ent.ent_spread) / jnp.where(cnt > 0, cnt, 1.0))
    b = a + jm * r_row + _f(ent.ent_pos) * r_col
    contrib = jnp.where(jnp.asarray(ent.ent_valid), cnt * _mean_inverse(b, r_col * hs), 0.0)
    csum = jax.lax.associative_scan(jnp.add, contrib, axis=-1)
    csum = jnp.concatenate([jnp.zeros_like(csum[..., :1]), csum], axis=-1)
    return (jnp.take_along_axis(csum, jnp.asarray(ent.state_stop), axis=-1)
            - jnp.take_along_axis(csum, jnp.asarray(ent.state_first), axis=-1))


def column_resistance_entries(ent, cell, prm, res_cell_access=0.0, g_col=None):
    """Column resistance (ohm) of reduced column states given as flat (state, level) entries.

    The same model as :func:`column_resistance`, with each state's non-empty levels listed as
    entries so that cells with few levels do not pay for the widest level axis (see
    :func:`column_conductance_entries`; ``ent`` also needs ``state_n``, the active rows). ``g_col``:
    that function's result if already computed (points sharing :func:`column_params` share it).
    Leading axes (e.g. layers) are shared; design parameters are 0-d. Returns ``(..., K)``.
    """
    if g_col is None:
        g_col = column_conductance_entries(ent, **column_params(cell, prm))
    return column_resistance_states(ent.state_n, g_col, cell, prm, res_cell_access)


def column_resistance_states(state_n, g_col, cell, prm, res_cell_access=0.0):
    """Column resistance (ohm) of column states with ``state_n`` active rows and summed cell
    conductance ``g_col`` (S; :func:`column_conductance_entries`, unused for SRAM), elementwise:
    SRAM columns are ``state_n`` parallel access paths, 1T1R / FeFET columns divide the conductance
    by the rows of one read (partial parallel: ``num_add``; sequential: ``state_n``)."""
    n = _f(state_n)
    r_sram = 1.0 / (n * (1.0 / (_f(res_cell_access) + _f(prm.wire_resistance_col))))
    divisor = jnp.where(prm.parallel_read == 1, prm.num_add, n)
    r_1t1r = 1.0 / (g_col / divisor)
    return jnp.where(cell.mem_cell_type == D.SRAM, r_sram, r_1t1r)
