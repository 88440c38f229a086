"""Reducing a layer's traces to the sufficient statistics of the energy and latency equations.

For one layer and one :class:`~dse.traces.mapping.CutKey`, every subarray slice ``b`` is read
``num_reads = num_in_vector * input_bits`` times. Per read ``k`` the equations need

* ``n_k``, the active rows of the slice (``activityRowRead = n_k / numRowSubArray``): kept exactly as a
  histogram per slice, ``n_hist[b, n]`` = number of reads with ``n`` active rows (latencies take maxima
  over slices, so the slices stay apart);
* per column ``j`` of the slice, the column resistance ``R`` (``GetColumnResistance``), which enters only
  through sums over columns of an elementwise function (ADC energy): kept as a weighted list of distinct
  *column states*.

A column state is what ``R`` depends on. Without wire resistance that is the vector of active-cell
counts per conductance level, ``counts[d]`` (``d = 0 .. L-1``, ``L = 2**cell_bits``; SRAM needs only
``n``, ``L = 1``), so that for any elementwise ``g``::

    sum over (read, column) of g(R)  ==  sum_k weight[k] * g(R(state k))           (exact)

The wire resistance adds, for an active cell in row ``i`` (0-based) of a slice with ``N`` rows, at
column ``j`` (0-based), ``(j+1)*Rrow + (N-i)*Rcol`` in series with the cell, so ``R`` also depends on where
the active cells sit. Members of a state (same counts) differ in that; per state and level we keep the
mean column position ``J = j+1`` and the mean of ``P_d`` (the mean of ``u = N-i`` over the active
level-``d`` cells of a column), their variances and covariance across the members, and the mean
within-column spread ``V_d = sum (u - P_d)**2``. :func:`dse.traces.resistance.column_resistance`
expands each cell's conductance around the mean series resistance to second order with these moments;
the result is exact without wire resistance and a close approximation with it (see the tests for bounds).

Energy multiplicity: ``weight`` already counts each (read, column) pair as many times as the
reference adds its energy (``LayerCut.pe_mult``); ``n_hist`` does not (use ``block_mult``).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from dse.traces.mapping import LayerCut

__all__ = ["LayerStats", "reduce_layer"]

# per-state accumulated sums (member weight m): m, m*J, m*J^2 ; per level: m*P, m*P^2, m*J*P, m*V
_NS_STATE = 3
_NS_LEVEL = 4


@dataclasses.dataclass
class LayerStats:
    """Sufficient statistics of one layer under one cut key (numpy arrays).

    Slices ``b`` (B of them): ``block_pe`` (PE index into the cut's PE table), ``block_nrow``,
    ``block_ncol``, ``block_mult`` (energy multiplicity), ``n_hist`` ``(B, n_max+1)`` int64 (reads with
    ``n`` active rows; each row sums to ``num_reads``).
    States ``k`` (K of them): ``counts`` ``(K, L)`` int32 (active cells per level; ``L = 1``: just ``n``),
    ``weight`` ``(K,)`` (number of (read, column) pairs, times multiplicity), ``col_mean``/``col_var`` ``(K,)``
    (column position ``J = j+1``), ``pos_mean``/``pos_var``/``col_pos_cov`` ``(K, L)`` (``P_d``, mean of
    ``u = N - i`` over active level-d cells; 0 where ``counts`` is 0), ``spread`` ``(K, L)`` (mean
    within-column ``sum (u - P_d)^2``).
    """

    num_reads: int
    num_levels: int
    block_pe: np.ndarray
    block_nrow: np.ndarray
    block_ncol: np.ndarray
    block_mult: np.ndarray
    n_hist: np.ndarray
    counts: np.ndarray
    weight: np.ndarray
    col_mean: np.ndarray
    col_var: np.ndarray
    pos_mean: np.ndarray
    pos_var: np.ndarray
    col_pos_cov: np.ndarray
    spread: np.ndarray

    @property
    def n(self) -> np.ndarray:
        """Active rows of each state."""
        return self.counts.sum(-1)

    def n_only(self) -> "LayerStats":
        """The states merged by their active-row count alone (what SRAM needs), ``L = 1``."""
        n = self.n
        uniq, inv = np.unique(n, return_inverse=True)
        w = np.bincount(inv, weights=self.weight, minlength=uniq.size)
        z = np.zeros((uniq.size, 1))
        cm = np.bincount(inv, weights=self.weight * self.col_mean, minlength=uniq.size) / np.maximum(w, 1e-300)
        return dataclasses.replace(self, num_levels=1, counts=uniq[:, None].astype(np.int32), weight=w,
                                   col_mean=cm, col_var=np.zeros(uniq.size), pos_mean=z, pos_var=z.copy(),
                                   col_pos_cov=z.copy(), spread=z.copy())

    def g_sum(self, g_of_r, r_states: np.ndarray) -> float:
        """``sum_k weight_k * g(R_k)`` for resistances ``r_states`` evaluated on the states (helper)."""
        return float(np.sum(self.weight * g_of_r(r_states)))

    def arrays(self) -> dict:
        return {f.name: np.asarray(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_arrays(cls, d) -> "LayerStats":
        kw = {}
        for f in dataclasses.fields(cls):
            v = np.asarray(d[f.name])
            kw[f.name] = int(v) if f.name in ("num_reads", "num_levels") else v
        return cls(**kw)


def _radix_keys(rows: np.ndarray, radices) -> np.ndarray | None:
    """Integer keys of integer vectors (mixed radix), or None if they would not fit in int64."""
    if sum(math.log2(r) for r in radices) > 62:
        return None
    key = np.zeros(rows.shape[:-1], np.int64)
    for d in range(rows.shape[-1] - 1, -1, -1):
        key = key * radices[d] + rows[..., d]
    return key


def _factorize(keys: np.ndarray):
    """(codes, unique keys) of an int64 key array (hash-based when pandas is present)."""
    try:
        import pandas as pd
        codes, uniq = pd.factorize(keys, sort=False)
        return codes, np.asarray(uniq)
    except ImportError:  # pragma: no cover
        uniq, codes = np.unique(keys, return_inverse=True)
        return codes, uniq


def _factorize_rows(counts: np.ndarray):
    """(codes, unique rows) for count vectors too long for integer keys."""
    c = np.ascontiguousarray(counts)
    v = c.view(np.dtype((np.void, c.dtype.itemsize * c.shape[1]))).ravel()
    _, first, codes = np.unique(v, return_index=True, return_inverse=True)
    return codes.ravel(), c[first]


class _Acc:
    """Accumulates per-state sums from chunks, merging at the end."""

    def __init__(self, L: int, radices):
        self.L, self.radices = L, list(radices)
        self.parts_counts, self.parts_sums = [], []

    def add(self, counts: np.ndarray, m: np.ndarray, J: np.ndarray | None = None, P=None, V=None):
        """counts (M, E) int key rows (level counts, then position bins); m (M,) weights; J (M,),
        P (M, L), V (M, L) positional members (or None)."""
        codes, ucounts = self._group(counts)
        K = ucounts.shape[0]
        L = self.L
        sums = np.zeros((K, _NS_STATE + _NS_LEVEL * L))
        bc = lambda w: np.bincount(codes, weights=w, minlength=K)  # noqa: E731
        sums[:, 0] = bc(m)
        if J is not None:
            mJ = m * J
            sums[:, 1] = bc(mJ)
            sums[:, 2] = bc(mJ * J)
            for d in range(L):
                mP = m * P[:, d]
                o = _NS_STATE + _NS_LEVEL * d
                sums[:, o] = bc(mP)
                sums[:, o + 1] = bc(mP * P[:, d])
                sums[:, o + 2] = bc(mP * J)
                sums[:, o + 3] = bc(m * V[:, d])
        self.parts_counts.append(ucounts)
        self.parts_sums.append(sums)

    def _group(self, counts):
        keys = _radix_keys(counts, self.radices)
        if keys is None:
            return _factorize_rows(counts)
        codes, ukeys = _factorize(keys)
        # recover the key rows of the unique keys
        uc = np.empty((ukeys.size, len(self.radices)), np.int64)
        k = ukeys.copy()
        for d, r in enumerate(self.radices):
            uc[:, d] = k % r
            k //= r
        return codes, uc

    def result(self):
        if not self.parts_counts:
            return np.zeros((0, len(self.radices)), np.int64), np.zeros((0, _NS_STATE + _NS_LEVEL * self.L))
        counts = np.concatenate(self.parts_counts)
        sums = np.concatenate(self.parts_sums)
        codes, ucounts = self._group(counts)
        out = np.zeros((ucounts.shape[0], sums.shape[1]))
        for c in range(sums.shape[1]):
            out[:, c] = np.bincount(codes, weights=sums[:, c], minlength=ucounts.shape[0])
        order = np.lexsort(ucounts.T[::-1])     # deterministic order: by counts
        return ucounts[order], out[order]


def reduce_layer(digits: np.ndarray, bits: np.ndarray, cut: LayerCut, num_levels: int, pos_bins: int = 0,
                 chunk_bytes: int = 1 << 28) -> LayerStats:
    """Reduce one layer's traces under one cut.

    ``digits``: ``(rows, out_c*ncps)`` cell levels (:func:`dse.traces.reader.weight_digits`), ignored when
    ``num_levels == 1``; ``bits``: ``(rows, >= num_reads)`` input bits; ``num_levels``: ``2**cell_bits`` for
    1T1R cells, 1 for the active-row count alone (SRAM); ``pos_bins`` > 0 also splits the states by the
    column position ``J`` and, per level, the mean row position ``P_d`` quantized into ``pos_bins`` bins of
    the subarray size (more states, smaller wire-resistance error; 0: states keyed by counts alone).
    Vectorized: each distinct row set is one matrix
    product of its input bits with one-hot level masks (weighted by row position for the moments)."""
    R = cut.num_reads
    if bits.shape[1] < R:
        raise ValueError(f"input bits have {bits.shape[1]} columns, the cut reads {R}")
    L = int(num_levels)
    nrow = cut.block_nrow
    nmax = int(nrow.max()) if nrow.size else 0
    radix = nmax + 1
    mult = cut.block_mult.astype(np.float64)
    B = len(cut.block_rows)
    n_hist = np.zeros((B, nmax + 1), np.int64)
    Q = int(pos_bins) if L > 1 else 0
    bin_w = max(nmax, 1) / Q if Q else 1.0
    acc = _Acc(L, [radix] * L + ([Q] * (L + 1) if Q else []))

    # slices sharing the same rows share the input bits and the active-row counts
    groups: dict = {}
    for b, rows in enumerate(cut.block_rows):
        r = np.asarray(rows)
        contiguous = r.size > 0 and r[-1] - r[0] == r.size - 1 and np.all(np.diff(r) == 1)
        gk = ("c", int(r[0]), int(r.size)) if contiguous else ("i", r.tobytes())
        groups.setdefault(gk, []).append(b)

    for bl in groups.values():
        rows = np.asarray(cut.block_rows[bl[0]])
        N = rows.size
        X = bits[rows, :R]
        n = X.sum(0, dtype=np.int64)                      # (R,) active rows per read
        h = np.bincount(n, minlength=nmax + 1)
        n_hist[bl] = h
        if L == 1:
            wcol = float(sum(cut.block_ncol[b] * mult[b] for b in bl))
            acc.add(np.arange(nmax + 1)[:, None], h * wcol)
            continue
        Xt = X.T.astype(np.float64)                        # (R, N)
        u = (N - np.arange(N)).astype(np.float64)          # u = N - i
        U1 = Xt @ u
        U2 = Xt @ (u * u)
        cols = np.concatenate([cut.block_col0[b] + np.arange(cut.block_ncol[b]) for b in bl])
        J = np.concatenate([np.arange(1, cut.block_ncol[b] + 1, dtype=np.float64) for b in bl])
        mm = np.concatenate([np.full(cut.block_ncol[b], mult[b]) for b in bl])
        D = digits[rows][:, cols]
        C = cols.size
        step = max(1, int(chunk_bytes // (8 * R * 3 * max(L - 1, 1))))
        for c0 in range(0, C, step):
            c1 = min(C, c0 + step)
            w = c1 - c0
            Dc = D[:, c0:c1]
            cnt = np.empty((R, w, L), np.int64)
            p1 = np.empty((R, w, L))
            p2 = np.empty((R, w, L))
            rest_c = np.repeat(n[:, None], w, 1).astype(np.float64)
            rest_1 = np.repeat(U1[:, None], w, 1)
            rest_2 = np.repeat(U2[:, None], w, 1)
            for d in range(1, L):
                M = (Dc == d).astype(np.float64)
                prod = Xt @ np.concatenate([M, M * u[:, None], M * (u * u)[:, None]], axis=1)
                cd, s1, s2 = prod[:, :w], prod[:, w:2 * w], prod[:, 2 * w:]
                cnt[:, :, d] = np.rint(cd)
                p1[:, :, d], p2[:, :, d] = s1, s2
                rest_c -= cd
                rest_1 -= s1
                rest_2 -= s2
            cnt[:, :, 0] = np.rint(rest_c)
            p1[:, :, 0], p2[:, :, 0] = rest_1, rest_2
            cf = cnt.astype(np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                P = np.where(cnt > 0, p1 / cf, 0.0)
            V = np.maximum(p2 - p1 * P, 0.0)
            key = cnt.reshape(-1, L)
            if Q:
                jb = np.minimum(((J[c0:c1] - 1.0) / bin_w).astype(np.int64), Q - 1)
                pb = np.minimum((np.maximum(P - 1.0, 0.0) / bin_w).astype(np.int64), Q - 1)
                key = np.concatenate([key, pb.reshape(-1, L), np.broadcast_to(jb, (R, w)).reshape(-1, 1)], 1)
            acc.add(key, np.broadcast_to(mm[c0:c1], (R, w)).reshape(-1),
                    np.broadcast_to(J[c0:c1], (R, w)).reshape(-1), P.reshape(-1, L), V.reshape(-1, L))

    counts, s = acc.result()
    counts = counts[:, :L]
    if L == 1:
        # n-only: positional moments unused
        s[:, 1:] = 0.0
    w = s[:, 0]
    wi = np.where(w > 0, 1.0 / np.where(w > 0, w, 1.0), 0.0)
    col_mean = s[:, 1] * wi
    col_var = np.maximum(s[:, 2] * wi - col_mean ** 2, 0.0)
    lv = s[:, _NS_STATE:].reshape(-1, L, _NS_LEVEL)
    pos_mean = lv[:, :, 0] * wi[:, None]
    pos_var = np.maximum(lv[:, :, 1] * wi[:, None] - pos_mean ** 2, 0.0)
    col_pos_cov = lv[:, :, 2] * wi[:, None] - col_mean[:, None] * pos_mean
    spread = lv[:, :, 3] * wi[:, None]
    return LayerStats(num_reads=R, num_levels=L, block_pe=cut.block_pe.copy(), block_nrow=nrow,
                      block_ncol=cut.block_ncol.copy(), block_mult=cut.block_mult.copy(), n_hist=n_hist,
                      counts=counts.astype(np.int32), weight=w, col_mean=col_mean, col_var=col_var,
                      pos_mean=pos_mean, pos_var=pos_var, col_pos_cov=col_pos_cov, spread=spread)
