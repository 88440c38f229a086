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
mean column position ``J = j+1``, the mean of ``P_d`` (the mean of ``u = N-i`` over the active
level-``d`` cells of a column) and the mean within-column spread ``V_d = sum (u - P_d)**2``. :func:`dse.traces.resistance.column_resistance`
expands each cell's conductance around the mean series resistance to second order with these moments;
the result is exact without wire resistance and a close approximation with it (see the tests for bounds).
All per-state sums are linear in per-(read, column) quantities (``J``, and the level counts and
position sums ``sum u``, ``sum u^2`` that one matrix product per level gives), so a state's moments
come from a few ``bincount`` passes. They are integers (times the multiplicity), summed exactly, so
any order of summation gives the same statistics: :func:`reduce_layer` takes the fast paths of
:mod:`dse.traces.fast` where they apply and :func:`reduce_pairs`, the pair-by-pair reduction and
their reference, elsewhere.

Energy multiplicity: ``weight`` already counts each (read, column) pair as many times as the
reference adds its energy (``LayerCut.pe_mult``); ``n_hist`` does not (use ``block_mult``).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from dse.traces import fast
from dse.traces.bins import merged_keys, row_groups
from dse.traces.mapping import LayerCut

__all__ = ["LayerStats", "reduce_layer"]

@dataclasses.dataclass
class LayerStats:
    """Sufficient statistics of one layer under one cut key (numpy arrays).

    Slices ``b`` (B of them): ``block_pe`` (PE index into the cut's PE table), ``block_nrow``,
    ``block_ncol``, ``block_mult`` (energy multiplicity), ``n_hist`` ``(B, n_max+1)`` int64 (reads with
    ``n`` active rows; each row sums to ``num_reads``).
    States ``k`` (K of them): ``counts`` ``(K, L)`` float (active cells per level, a mean over the state's members when
    states are merged; ``L = 1``: just ``n``),
    ``weight`` ``(K,)`` (number of (read, column) pairs, times multiplicity), ``col_mean`` ``(K,)`` (mean
    column position ``J = j+1``), ``pos_mean`` ``(K, L)`` (mean over members of ``P_d``, the mean of
    ``u = N - i`` over the active level-d cells of a column; 0 where ``counts`` is 0), ``spread``
    ``(K, L)`` (mean over members of the within-column ``sum (u - P_d)^2``). States may repeat a count
    vector when ``pos_bins`` > 0 (one entry per position bin).
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
    pos_mean: np.ndarray
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
        return dataclasses.replace(self, num_levels=1, counts=uniq[:, None].astype(np.float64), weight=w,
                                   col_mean=cm, pos_mean=z, spread=z.copy())

    def arrays(self) -> dict:
        return {f.name: np.asarray(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_arrays(cls, d) -> "LayerStats":
        kw = {}
        for f in dataclasses.fields(cls):
            v = np.asarray(d[f.name])
            kw[f.name] = int(v) if f.name in ("num_reads", "num_levels") else v
        return cls(**kw)


def _unkey(keys: np.ndarray, radices) -> np.ndarray:
    out = np.empty((keys.size, len(radices)), np.int64)
    k = keys.astype(np.int64).copy()
    for d, r in enumerate(radices):
        out[:, d] = k % r
        k //= r
    return out


#: memory columns per group of slices reduced for synthetic (``sampled``) traces
SAMPLED_COLUMNS = 64

#: dense accumulation (bincount into the whole key space) up to this many keys x sums
_DENSE_MAX = 1 << 18


class _Acc:
    """Accumulates per-state sums ``(K, Q)``; dense over the key space when it is small, else by hashing."""

    def __init__(self, radices, Q: int):
        self.radices = list(radices)
        self.Q = Q
        space = math.prod(self.radices)
        self.dense = np.zeros((Q, space)) if space * Q <= _DENSE_MAX else None
        self.parts_keys, self.parts_sums = [], []

    def add(self, key: np.ndarray, values: list, scale: float = 1.0):
        """``key`` (M,) int64 state keys; ``values``: Q arrays (M,) (None: ones) summed per state, times
        ``scale``."""
        if self.dense is not None:
            n = self.dense.shape[1]
            for q, v in enumerate(values):
                self.dense[q] += scale * np.bincount(key, weights=v, minlength=n)
            return
        codes, ukeys = _factorize(key)
        K = ukeys.size
        sums = np.empty((K, self.Q))
        for q, v in enumerate(values):
            sums[:, q] = scale * np.bincount(codes, weights=v, minlength=K)
        self.parts_keys.append(ukeys)
        self.parts_sums.append(sums)

    def result(self):
        if self.dense is not None:
            keys = np.flatnonzero(self.dense[0])
            return _unkey(keys, self.radices), self.dense[:, keys].T
        if not self.parts_keys:
            return np.zeros((0, len(self.radices)), np.int64), np.zeros((0, self.Q))
        keys = np.concatenate(self.parts_keys)
        sums = np.concatenate(self.parts_sums)
        codes, ukeys = _factorize(keys)
        out = np.empty((ukeys.size, self.Q))
        for q in range(self.Q):
            out[:, q] = np.bincount(codes, weights=sums[:, q], minlength=ukeys.size)
        order = np.argsort(ukeys)
        return _unkey(ukeys[order], self.radices), out[order]


def _factorize(keys: np.ndarray):
    """(codes, unique keys) of an int64 key array (hash-based when pandas is present)."""
    try:
        import pandas as pd
        codes, uniq = pd.factorize(keys, sort=False)
        return codes, np.asarray(uniq)
    except ImportError:  # pragma: no cover
        uniq, codes = np.unique(keys, return_inverse=True)
        return codes, uniq


def _state_keys(cnt, L, radix, exact):
    """Integer key of each (read, column) state: the level-count vector (``exact``) or the pair
    (active rows ``n``, level sum ``s = sum_d d * c_d``)."""
    if exact:
        key = np.zeros(cnt[0].shape, np.int64)
        for d in range(L - 1, -1, -1):
            key = key * radix + cnt[d].astype(np.int64)
        return key
    n = np.zeros(cnt[0].shape, np.int64)
    s = np.zeros(cnt[0].shape, np.int64)
    for d in range(L):
        c = cnt[d].astype(np.int64)
        n += c
        s += d * c
    return n * ((radix - 1) * (L - 1) + 1) + s


def reduce_layer(digits: np.ndarray, bits: np.ndarray, cut: LayerCut, num_levels: int, pos_bins: int = 0,
                 max_states: int = 0, sampled: bool = False) -> LayerStats:
    """Reduce one layer's traces under one cut (arguments as :func:`reduce_pairs`).

    Recorded traces without position bins take the fast exact paths of :mod:`dse.traces.fast`: 1-bit
    cells always, more levels when ``max_states`` merges their states; everything else, and layers
    with too few states to merge, :func:`reduce_pairs`. All give the same statistics bit for bit."""
    L = int(num_levels)
    if sampled or pos_bins or L == 1 or (L > 2 and not max_states):
        return reduce_pairs(digits, bits, cut, L, pos_bins, max_states=max_states, sampled=sampled)
    R = cut.num_reads
    if bits.shape[1] < R:
        raise ValueError(f"input bits have {bits.shape[1]} columns, the cut reads {R}")
    nrow = cut.block_nrow
    nmax = int(nrow.max()) if nrow.size else 0
    groups = fast.row_group_data(cut, bits, nmax)
    with fast.one_blas_thread():
        if L == 2:
            s = fast.two_level_sums(digits, groups, nmax)
            if max_states and s.shape[0] > max_states:
                s = _merge(s, L, nmax, max_states)
        else:
            s = fast.binned_sums(digits, groups, L, nmax, max_states)
    if s is None:
        return reduce_pairs(digits, bits, cut, L, pos_bins, max_states=max_states)
    n_hist = np.zeros((len(cut.block_rows), nmax + 1), np.int64)
    for g in groups:
        n_hist[g.blocks] = g.hist
    return _finalize(s, L, R, cut, nrow, n_hist)


def reduce_pairs(digits: np.ndarray, bits: np.ndarray, cut: LayerCut, num_levels: int, pos_bins: int = 0,
                 chunk_bytes: int = 1 << 27, max_states: int = 0, sampled: bool = False) -> LayerStats:
    """Reduce one layer's traces under one cut, pair by pair: the general reduction (any key, synthetic
    traces) and the reference the fast paths of :func:`reduce_layer` are tested against.

    ``digits``: ``(rows, out_c*ncps)`` cell levels (:func:`dse.traces.reader.weight_digits`), ignored when
    ``num_levels == 1``; ``bits``: ``(rows, >= num_reads)`` input bits; ``num_levels``: ``2**cell_bits`` for
    1T1R cells, 1 for the active-row count alone (SRAM); ``pos_bins`` > 0 also splits the states by the
    column position ``J`` and, per level, the mean row position ``P_d``, each quantized into ``pos_bins``
    bins of the largest slice size (more states, smaller wire-resistance error; 0: states keyed by the
    counts alone). Vectorized: per slice, one matrix product of its input bits with the one-hot level
    masks (also weighted by ``u`` and ``u^2``), then ``bincount`` passes over the (read, column) pairs.

    States are keyed by the exact level-count vector when it fits a 62-bit key, else (16-level cells on
    large slices) by the pair (active rows, sum of levels) with the mean count per level kept; without
    wire resistance the former is exact, the latter exact when the cell conductances are linear in the
    level (no access resistance). ``max_states`` > 0 then merges states into at most about that many
    bins of (active rows, mean level) with their sums kept (see :func:`_merge`). ``sampled``: ``bits``
    holds the first ``k * input_bits`` reads of a sample of input vectors (synthetic traces); the
    histograms and weights are scaled to the cut's ``num_reads``, and at most
    :data:`SAMPLED_COLUMNS` evenly spaced columns of each group of slices are reduced (weights
    scaled to all of them)."""
    R = cut.num_reads
    if bits.shape[1] < R and not sampled:
        raise ValueError(f"input bits have {bits.shape[1]} columns, the cut reads {R}")
    Rs = min(R, bits.shape[1] - bits.shape[1] % cut.key.input_bits) if sampled else R
    scale_reads = R / Rs if Rs else 1.0
    L = int(num_levels)
    nrow = cut.block_nrow
    nmax = int(nrow.max()) if nrow.size else 0
    n_hist = np.zeros((len(cut.block_rows), nmax + 1), np.float64 if sampled else np.int64)
    sk = _StateKeys.of(L, nmax, int(pos_bins) if L > 1 else 0)
    # sums per state: m, m*J, then per level m*c_d, m*sum(u), m*sum(u^2)
    acc = _Acc(sk.radices, 2 + 3 * L)
    for bl in row_groups(cut).values():
        _reduce_group(acc, sk, digits, bits, cut, bl, Rs, scale_reads, n_hist, chunk_bytes, sampled)
    _keys, s = acc.result()
    if max_states and L > 1 and not sk.Q and s.shape[0] > max_states:
        s = _merge(s, L, nmax, max_states)
    return _finalize(s, L, R, cut, nrow, n_hist)


@dataclasses.dataclass(frozen=True)
class _StateKeys:
    """How :func:`reduce_pairs` keys the column states: ``L`` levels, slices of up to ``radix - 1``
    rows, ``Q`` position bins of width ``bin_w`` (0: none); ``exact``: keyed by the level-count
    vector (else by active rows and level sum); ``base``: the radices of the count part."""

    L: int
    radix: int
    Q: int
    bin_w: float
    exact: bool
    base: tuple

    @classmethod
    def of(cls, L: int, nmax: int, Q: int) -> "_StateKeys":
        radix = nmax + 1
        exact = L * math.log2(radix) + (L + 1) * math.log2(max(Q, 1)) <= 62
        base = (radix,) * L if exact else (radix * ((radix - 1) * (L - 1) + 1),)
        return cls(L=L, radix=radix, Q=Q, bin_w=max(nmax, 1) / Q if Q else 1.0, exact=exact, base=base)

    @property
    def radices(self) -> list:
        return list(self.base) + ([self.Q] * (self.L + 1) if self.Q else [])

    def keys(self, cnt, s1, J):
        """The state key of each (read, column) pair: level counts ``cnt`` and position sums ``s1``
        (per level, (reads, columns)), column positions ``J``."""
        key = _state_keys(cnt, self.L, self.radix, self.exact)
        if self.Q:
            Q, bin_w = self.Q, self.bin_w
            scale = math.prod(self.base)
            jb = np.minimum(((J - 1.0) / bin_w).astype(np.int64), Q - 1)
            for d in range(self.L):
                with np.errstate(invalid="ignore", divide="ignore"):
                    P = np.where(cnt[d] > 0, s1[d] / np.where(cnt[d] > 0, cnt[d], 1.0), 1.0)
                key = key + np.minimum(((P - 1.0) / bin_w).astype(np.int64), Q - 1) * scale
                scale *= Q
            key = key + jb[None, :] * scale
        return key.ravel()


def _reduce_group(acc, sk: _StateKeys, digits, bits, cut: LayerCut, bl, Rs, scale_reads, n_hist, chunk_bytes,
                  sampled):
    """The reads of one group of slices sharing their rows (:func:`row_groups`) into ``acc``; their
    active-row histograms into ``n_hist``."""
    L, nmax = sk.L, sk.radix - 1
    mult = cut.block_mult.astype(np.float64)
    rows = np.asarray(cut.block_rows[bl[0]])
    N = rows.size
    X = bits[rows, :Rs]
    n = X.sum(0, dtype=np.int64)                      # (Rs,) active rows per read
    h = np.bincount(n, minlength=nmax + 1)
    n_hist[bl] = h * scale_reads if sampled else h
    if L == 1:
        wcol = float(sum(cut.block_ncol[b] * mult[b] for b in bl)) * scale_reads
        k = np.arange(nmax + 1)
        acc.add(k, [h * wcol, np.zeros(k.size), h * wcol * k] + [np.zeros(k.size)] * (acc.Q - 3))
        return
    # float32 products: counts and sum u are exact integers (< 2**24 for slices up to 5792 rows);
    # sum u^2 too up to 256 rows, in float64 above
    cols = np.concatenate([cut.block_cols[b] for b in bl])
    J = np.concatenate([np.arange(1, cut.block_ncol[b] + 1, dtype=np.float64) for b in bl])
    mm = np.concatenate([np.full(cut.block_ncol[b], mult[b]) for b in bl]) * scale_reads
    if sampled and cols.size > SAMPLED_COLUMNS:
        # i.i.d. synthetic weights: evenly spaced columns stand for all (positions kept)
        pick = np.linspace(0, cols.size - 1, SAMPLED_COLUMNS).round().astype(np.int64)
        scale_c = cols.size / SAMPLED_COLUMNS
        cols, J, mm = cols[pick], J[pick], mm[pick] * scale_c
    # reads with no active row: every column is in the all-zero state
    nz = n > 0
    zero_reads = int(Rs - nz.sum())
    if zero_reads:
        z = np.zeros(cols.size)
        acc.add(np.zeros(cols.size, np.int64), [mm, mm * J] + [z] * (acc.Q - 2), float(zero_reads))
    X = X[:, nz]
    n = n[nz]
    Rz = int(nz.sum())
    if Rz == 0:
        return
    Xt = X.T.astype(np.float32)                        # (Rz, N)
    u = (N - np.arange(N)).astype(np.float32)          # u = N - i
    u2 = u.astype(np.float64) ** 2
    exact32 = u2.sum() < 1 << 24
    Xt2 = Xt if exact32 else Xt.astype(np.float64)
    U1 = (Xt @ u).astype(np.float64)
    U2 = (Xt2 @ u2.astype(Xt2.dtype)).astype(np.float64)
    Dg = digits[np.ix_(rows, cols)]
    step = max(1, int(chunk_bytes // (4 * Rz * 3 * max(L - 1, 1))))
    for a0 in range(0, cols.size, step):
        a1 = min(cols.size, a0 + step)
        _add_columns(acc, sk, Xt, Xt2, u, u2, n, U1, U2, Dg[:, a0:a1], mm[a0:a1], J[a0:a1])


def _add_columns(acc, sk: _StateKeys, Xt, Xt2, u, u2, n, U1, U2, Dc, m_c, J):
    """The (read, column) pairs of the reads ``Xt`` (float32 bits, (reads, rows)) and the columns of
    levels ``Dc`` (rows, w) into ``acc``: one product per level gives each pair's counts and
    position sums (level 0: the reads' totals minus the others)."""
    L = sk.L
    Rz, w = Xt.shape[0], Dc.shape[1]
    uniform = bool(np.all(m_c == m_c[0]))
    cnt, s1, s2 = [None] * L, [None] * L, [None] * L
    c_rest = np.repeat(n[:, None].astype(np.float64), w, 1)
    s1_rest = np.repeat(U1[:, None], w, 1)
    s2_rest = np.repeat(U2[:, None], w, 1)
    for d in range(1, L):
        M = (Dc == d).astype(np.float32)
        prod = Xt @ np.concatenate([M, M * u[:, None]], axis=1)
        cnt[d] = prod[:, :w].astype(np.float64)
        s1[d] = prod[:, w:2 * w].astype(np.float64)
        s2[d] = (Xt2 @ (M * u2[:, None]).astype(Xt2.dtype)).astype(np.float64)
        c_rest -= cnt[d]
        s1_rest -= s1[d]
        s2_rest -= s2[d]
    cnt[0], s1[0], s2[0] = c_rest, s1_rest, s2_rest
    key = sk.keys(cnt, s1, J)
    if uniform:
        mw = float(m_c[0])
        vals = [None, np.broadcast_to(J, (Rz, w)).ravel()]
    else:
        mw = 1.0
        vals = [np.broadcast_to(m_c, (Rz, w)).ravel(), np.broadcast_to(J * m_c, (Rz, w)).ravel()]
    mb = None if uniform else np.broadcast_to(m_c, (Rz, w))
    for arrs in (cnt, s1, s2):
        for d in range(L):
            vals.append(arrs[d].ravel() if uniform else (arrs[d] * mb).ravel())
    acc.add(key, vals, mw)


def _level_bin64(n: np.ndarray, lev: np.ndarray, L: int) -> np.ndarray:
    """Mean level of states with ``n`` active rows and level sum ``lev`` (integer arrays), in 64 equal
    bins: ``min(floor(64 * lev / (n (L-1))), 63)``, 0 where ``n`` is 0 (exact integer arithmetic). The
    bin for ``rb`` bins (a power of two up to 64) is this one shifted right by ``log2(64 / rb)``."""
    n = np.asarray(n, np.int64)
    return np.where(n > 0, np.minimum(np.asarray(lev, np.int64) * 64 // np.maximum(n * (L - 1), 1), 63), 0)


def _merge(s: np.ndarray, L: int, nmax: int, max_states: int) -> np.ndarray:
    """Merge state sums ``s`` (K, 2 + 3L) into at most about ``max_states`` bins of (active rows, mean
    level); sums add, so merged states carry the weighted means of their members. Active rows are kept
    exactly up to 16 and in about 24 equal bins above; the mean level ``s / (n (L-1))`` in ``rb``
    equal bins (``rb`` halves from 64 until the bins fit). Bins are decided on each state's exact
    integers (active rows, level sum), not on rounded means. The column resistance then comes from
    the mean level counts of a bin: a second-order (Jensen) error in the spread of conductance within
    a bin."""
    w = s[:, 0]
    c = s[:, 2:2 + L]
    ws = np.where(w > 0, w, 1.0)
    # the members of a state share n and the level sum, so these quotients are integers
    n = np.rint(c.sum(1) / ws).astype(np.int64)
    lev = np.rint((c @ np.arange(L, dtype=np.float64)) / ws).astype(np.int64)
    key, _rb = merged_keys(n, _level_bin64(n, lev, L), nmax, max_states)
    codes, uniq = _factorize(key)
    out = np.zeros((uniq.size, s.shape[1]))
    for q in range(s.shape[1]):
        out[:, q] = np.bincount(codes, weights=s[:, q], minlength=uniq.size)
    return out[np.argsort(uniq)]


def _finalize(s: np.ndarray, L: int, R: int, cut: LayerCut, nrow, n_hist) -> LayerStats:
    """:class:`LayerStats` from the per-state sums (m, m*J, m*c_d, m*sum u_d, m*sum u_d^2)."""
    w = s[:, 0]
    wi = np.where(w > 0, 1.0 / np.where(w > 0, w, 1.0), 0.0)
    col_mean = s[:, 1] * wi
    csum = s[:, 2:2 + L]                                    # sum over members of m * c_d
    s1 = s[:, 2 + L:2 + 2 * L]                              # ... of m * sum u
    s2 = s[:, 2 + 2 * L:2 + 3 * L]                          # ... of m * sum u^2
    counts = csum * wi[:, None]                             # (mean) active cells per level
    ci = np.where(csum > 0, 1.0 / np.where(csum > 0, csum, 1.0), 0.0)
    pos_mean = s1 * ci                                      # mean of u over the members' level-d cells
    # mean within-column spread: E[sum u^2 - (sum u)^2 / c]; the second term uses E[(sum u)^2] ~ E[sum u]^2
    # (exact when members share their position sums; the across-member part is dropped on purpose)
    spread = np.maximum(s2 * wi[:, None] - counts * pos_mean ** 2, 0.0)
    if L == 1:
        col_mean = np.zeros_like(w)
        pos_mean = np.zeros_like(pos_mean)
        spread = np.zeros_like(spread)
    return LayerStats(num_reads=R, num_levels=L, block_pe=cut.block_pe.copy(), block_nrow=nrow,
                      block_ncol=cut.block_ncol.copy(), block_mult=cut.block_mult.copy(), n_hist=n_hist,
                      counts=counts, weight=w, col_mean=col_mean, pos_mean=pos_mean, spread=spread)
