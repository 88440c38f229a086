"""Fast exact reductions of recorded traces, equal bit for bit to the per-pair reduction
(:func:`dse.traces.reduce.reduce_pairs`) for the keys the engine uses.

Both work per row group (the slices sharing their rows, hence their input bits): its ``N`` rows, its
``Rz`` reads with an active row and the ``C`` memory columns of its slices. Every product holds
integers below 2**24 (float32) or 2**53 (float64), so every sum is exact whatever its order.

* :func:`two_level_sums` (1-bit cells, ``L = 2``): a state is (active rows ``n``, level-1 count ``c``).
  One product per group gives, per (read, column), ``c``, ``sum u`` and ``sum u^2`` over the active
  level-1 cells (``u = N - i`` for row ``i``); two ``bincount`` passes over the (read, ``c``) cells
  give every state sum (the count and the column position packed with the two sums), level 0
  following from the read's totals.
* :func:`binned_sums` (``L > 2`` with a state bound): the states are merged by (active rows, mean
  level) (:func:`dse.traces.bins.merged_keys`), so only each pair's bin is needed, from one product
  giving its level sum. The per-bin sums of counts, ``sum u`` and ``sum u^2`` per level are linear in
  the input bits: for the reads of one active-row bin, one product of their bits with the 0/1
  indicators of the mean-level bins gives, per (bin, row, column), the reads of that bin with the
  row active; the cells' one-hot levels then contract it. One mean-level bin (``rb = 1``, usual for
  4-bit cells) needs no indicator at all.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import os

import numpy as np

from dse.traces.bins import merged_keys, n_bin, row_groups
from dse.traces.mapping import LayerCut

__all__ = ["Group", "row_group_data", "two_level_sums", "binned_sums"]

#: reads per chunk of the (read, column) products of :func:`_level_bins64`
READ_CHUNK = 1024
#: reads and columns per tile of the 1-bit cells' (column, read) products (:func:`_two_level_by_n`):
#: the tile and its bincount passes' index and weight arrays stay in a core's L2 cache
READ_TILE = 128
COL_TILE = 512
#: (read, column) pairs per tile of :func:`_bins_by_pairs`
PAIR_TILE = 1 << 15
#: float64 integers are exact below this
_EXACT64 = 2.0 ** 53


@dataclasses.dataclass
class Group:
    """One row group's data: ``blocks`` (its slice indices), ``rows`` ``(N,)``, ``cols`` ``(C,)`` memory
    columns, ``J`` ``(C,)`` column position in its slice (1-based), ``m`` ``(C,)`` energy multiplicity,
    ``X`` ``(N, Rz)`` bool input bits of the reads with an active row, ``n`` ``(Rz,)`` their active
    rows, ``hist`` ``(nmax+1,)`` reads per active-row count (all reads), ``zero_reads``."""

    blocks: list
    rows: np.ndarray
    cols: np.ndarray
    J: np.ndarray
    m: np.ndarray
    X: np.ndarray
    n: np.ndarray
    hist: np.ndarray
    zero_reads: int

    @property
    def u(self) -> np.ndarray:
        """``(N,)`` float64 ``u = N - i`` of the group's rows."""
        return (self.rows.size - np.arange(self.rows.size)).astype(np.float64)


def row_group_data(cut: LayerCut, bits: np.ndarray, nmax: int) -> list[Group]:
    """:class:`Group` of each row group of ``cut`` (:func:`dse.traces.bins.row_groups`)."""
    R = cut.num_reads
    mult = cut.block_mult.astype(np.float64)
    out = []
    for bl in row_groups(cut).values():
        rows = np.asarray(cut.block_rows[bl[0]])
        X = bits[_as_slice(rows), :R]
        n = X.sum(0, dtype=np.int64)
        nz = n > 0
        ncol = cut.block_ncol[bl]
        first = np.repeat(np.cumsum(ncol) - ncol, ncol)               # each column's slice start
        out.append(Group(
            blocks=bl, rows=rows, cols=np.concatenate([cut.block_cols[b] for b in bl]),
            J=(np.arange(first.size) - first + 1).astype(np.float64), m=np.repeat(mult[bl], ncol),
            X=X[:, nz], n=n[nz], hist=np.bincount(n, minlength=nmax + 1), zero_reads=int(R - nz.sum())))
    return out


def _as_slice(idx: np.ndarray):
    """``idx`` (sorted unique int array) as a slice when it is a contiguous range (views, no copies)."""
    if idx.size and idx[-1] - idx[0] == idx.size - 1 and (idx.size < 2 or bool(np.all(idx[1:] > idx[:-1]))):
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


def one_blas_thread():
    """Context limiting BLAS to one thread: the products here are many and small, and a BLAS pool
    that shares two cores with XLA's compilation threads (or other processes) mostly waits."""
    if not _BLAS:
        try:
            from threadpoolctl import ThreadpoolController
            _BLAS.append(ThreadpoolController())          # finding the libraries takes milliseconds: once
        except ImportError:  # pragma: no cover
            _BLAS.append(None)
    return contextlib.nullcontext() if _BLAS[0] is None else _BLAS[0].limit(limits=1, user_api="blas")


_BLAS: list = []


def threads() -> int:
    """Threads reducing row groups at once: ``DSE_TRACE_THREADS``, else the cores this process may use
    (at most 8). numpy's products, ``bincount`` and ufuncs release the GIL."""
    env = os.environ.get("DSE_TRACE_THREADS")
    if env:
        return max(1, int(env))
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        n = os.cpu_count() or 1
    return max(1, min(8, n))


def thread_map(fn, items) -> list:
    """``[fn(x) for x in items]``, the calls spread over :func:`threads` threads (results in order)."""
    items = list(items)
    n = min(threads(), len(items))
    if n <= 1:
        return [fn(x) for x in items]
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(fn, items))


def _exact_dtype(bound: float):
    """float32 when integers up to ``bound`` are exact in it, else float64."""
    return np.float32 if bound < 2 ** 24 else np.float64


def _two_level_plan(N: int, jmax: int, limit: int) -> tuple:
    """How :func:`_two_level_by_n` packs a group of ``N`` rows, column positions up to ``jmax`` and at
    most ``limit`` columns: ``(dtype, tc, w, t1, t0)``. Per (read, column) pair the products give
    ``a = c + tc s1`` (``tc``: a power of two above ``N``; 0 when that leaves float32's exact range:
    ``c`` and ``s1`` from separate products) and ``s2``; the weights ``a + t1 (1 + t0 (J-1))``
    (powers of two ``t1``, ``t0``) summed over a (read, ``c``) cell of ``w`` columns (a power of two)
    keep ``k c + tc S1``, the pair count ``k`` and the sum of ``J-1`` in separate bits below 2**53."""
    s1max, s2max = N * (N + 1) // 2, N * (N + 1) * (2 * N + 1) // 6
    tc = 1 << N.bit_length()
    if N + tc * s1max < 2 ** 24 and s2max < 2 ** 24:
        dt, unit = np.float32, N + tc * s1max
    else:
        dt, unit, tc = _exact_dtype(s2max), s1max, 0
    w = 1 << (int(limit).bit_length() - 1)
    while True:
        t1 = 2.0 ** (w * unit).bit_length()
        t0 = 2.0 ** w.bit_length()
        if t1 * t0 * (w * (jmax - 1) + 1) <= _EXACT64 or w == 1:
            return dt, tc, w, t1, t0
        w //= 2


def _two_level_by_n(digits: np.ndarray, g: Group) -> tuple[np.ndarray, np.ndarray]:
    """Per (active rows ``n``, level-1 count ``c``) of one group: the ``n`` present ``(k,)`` and
    ``(k, 6, N+1)`` sums over their reads and the columns of ``m``, ``m J``, ``m s1``, ``m s2``,
    ``m U1``, ``m U2`` (``s1``, ``s2``: sums of ``u``, ``u^2`` over the active level-1 cells; ``U1``,
    ``U2``: over the read's active rows).

    The reads, sorted by ``n``, go by tiles of :data:`READ_TILE`, the columns by tiles of
    :data:`COL_TILE`: per tile two products ``(columns, reads)`` of the columns' level-1 cells with the
    reads' bits weighted ``1 + tc u`` and ``u^2`` (:func:`_two_level_plan`) give each pair's (read,
    ``c``) cell and two ``bincount`` passes the packed sums per cell."""
    N, Rz = g.rows.size, g.n.size
    u = g.u
    order = np.argsort(g.n, kind="stable")
    ns = g.n[order]
    X = g.X[:, order]
    U1 = X.T @ u                                                # (Rz,) totals over the active rows
    U2 = X.T @ (u * u)
    nvals, first = np.unique(ns, return_index=True)
    run = np.repeat(np.arange(nvals.size), np.diff(np.r_[first, Rz]))   # each read's n (index into nvals)
    RT = min(READ_TILE, Rz)
    width = N + 1
    dt, tc = _two_level_plan(N, 1, 1)[:2]
    D1 = np.empty((N, g.cols.size), dt)                          # level-1 cells
    np.equal(_cells(digits, g), 1, out=D1, casting="unsafe")
    sets = []                                    # (m, column cells (columns, rows), J - 1, plan) per multiplicity
    for mv in np.unique(g.m):
        sel = np.flatnonzero(g.m == mv)
        whole = sel.size == g.m.size
        Jm = (g.J if whole else g.J[sel]) - 1.0
        sets.append((float(mv), D1.T if whole else D1[:, sel].T, Jm) +
                    _two_level_plan(N, int(Jm.max()) + 1, sel.size)[2:])
    CT = max(1, min(g.cols.size, COL_TILE * READ_TILE // RT))          # few reads: wider tiles
    bufs = [np.empty(CT * RT, dt) for _ in range(2 if tc else 3)]
    cellb = np.empty(CT * RT, np.intp)
    c32 = np.empty(CT * RT, np.int32)
    wb = np.empty(CT * RT, np.float64)
    wb2 = np.empty(CT * RT, np.float64)
    # per-row weights of the products: c + tc s1 and s2 (or c, s1, s2)
    rw = np.stack([1 + tc * u, u * u] if tc else [np.ones(N), u, u * u]).astype(dt)[:, :, None]
    G = np.zeros((nvals.size, 6, width))
    F = np.empty((RT, 4, width))
    part = np.empty((RT, 4, width))
    cpos = np.arange(width, dtype=np.float64)
    for r0 in range(0, Rz, RT):
        r1 = min(Rz, r0 + RT)
        Rc = r1 - r0
        Xw = np.multiply(X[None, :, r0:r1], rw, dtype=dt)           # (blocks, N, Rc)
        off = (np.arange(Rc) * width).astype(np.int32)            # each read's cell offset
        Fc = F[:Rc]
        first_part = True
        for mv, Dm, Jm, w, t1, t0 in sets:
            Tj = t1 * (1.0 + t0 * Jm)
            for p0 in range(0, Dm.shape[0], w):
                p1 = min(Dm.shape[0], p0 + w)
                a1 = a2 = None
                for c0 in range(p0, p1, CT):
                    c1 = min(p1, c0 + CT)
                    k = (c1 - c0) * Rc
                    V = [np.matmul(Dm[c0:c1], Xw[q], out=b[:k].reshape(c1 - c0, Rc)) for q, b in enumerate(bufs)]
                    cell = c32[:k].reshape(c1 - c0, Rc)
                    np.copyto(cell, V[0], casting="unsafe")
                    if tc:
                        np.bitwise_and(cell, tc - 1, out=cell)
                    np.add(cell, off, out=cell)
                    np.copyto(cellb[:k], c32[:k])
                    wt = np.add(V[0] if tc else V[1], Tj[c0:c1, None], out=wb[:k].reshape(c1 - c0, Rc),
                                dtype=np.float64)
                    b1 = np.bincount(cellb[:k], wt.ravel(), minlength=Rc * width)
                    np.copyto(wb2[:k], V[-1].ravel())
                    b2 = np.bincount(cellb[:k], wb2[:k], minlength=Rc * width)
                    if a1 is None:
                        a1, a2 = b1, b2
                    else:
                        a1 += b1
                        a2 += b2
                direct = first_part and mv == 1.0
                out = Fc if direct else part[:Rc]
                _unpack(a1.reshape(Rc, width), a2.reshape(Rc, width), t1, t0, tc, cpos, out)
                if not direct:
                    if first_part:
                        Fc[...] = 0
                    Fc += mv * out
                first_part = False
        # sums over the reads of each n in the tile (sorted by n): 0/1 and U1, U2 weighted segment matrices
        rr = run[r0:r1] - run[r0]
        ns_ = int(rr[-1]) + 1
        M = np.zeros((3, ns_, Rc))
        cols = np.arange(Rc)
        M[0, rr, cols] = 1
        M[1, rr, cols] = U1[r0:r1]
        M[2, rr, cols] = U2[r0:r1]
        Gt = G[run[r0]:run[r0] + ns_]
        Gt[:, :4] += (M[0] @ Fc.reshape(Rc, 4 * width)).reshape(ns_, 4, width)
        Gt[:, 4:] += (M[1:].reshape(2 * ns_, Rc) @ Fc[:, 0]).reshape(2, ns_, width).transpose(1, 0, 2)
    return nvals, G


def _unpack(a1: np.ndarray, a2: np.ndarray, t1: float, t0: float, tc: int, c: np.ndarray, out: np.ndarray):
    """``out[:, 0..3]`` = count ``k``, ``J`` sum, ``s1`` sum, ``s2`` sum of the (read, ``c``) cells from
    their packed sums ``a1 = (k c + tc S1) + t1 k + t1 t0 sum(J-1)`` (``tc = 0``: ``S1``), ``a2 = S2``
    (powers of two ``t``: exact)."""
    cnt, js, s1, s2 = (out[:, q] for q in range(4))
    np.multiply(a1, 1.0 / (t1 * t0), out=js)
    np.floor(js, out=js)
    np.multiply(js, -(t1 * t0), out=s1)
    s1 += a1                                                       # low + t1 k
    np.multiply(s1, 1.0 / t1, out=cnt)
    np.floor(cnt, out=cnt)
    np.multiply(cnt, -t1, out=s2)
    s1 += s2                                                       # low
    js += cnt                                                      # sum of J
    if tc:
        np.multiply(cnt, c, out=s2)
        s1 -= s2
        s1 *= 1.0 / tc
    s2[...] = a2


def _cells(digits: np.ndarray, g: Group) -> np.ndarray:
    """``(N, C)`` cell levels of a group (rows and columns gathered from the layer's digits)."""
    return digits[_as_slice(g.rows)][:, _as_slice(g.cols)]


def two_level_sums(digits: np.ndarray, groups: list[Group], nmax: int) -> np.ndarray:
    """State sums of 1-bit cells, ``(K, 8)`` (``m, m J, m c_0, m c_1, m s1_0, m s1_1, m s2_0, m s2_1``),
    one row per state present, in the order of the key ``c_0 + (nmax+1) c_1``."""
    radix = nmax + 1
    acc = np.zeros((radix * radix, 8))
    for g in groups:
        if g.zero_reads:
            acc[0, :2] += g.zero_reads * np.array([g.m.sum(), (g.m * g.J).sum()])
    work = [g for g in groups if g.n.size]
    for g, (nv, G) in zip(work, thread_map(lambda g: _two_level_by_n(digits, g), work)):
        N = g.rows.size                                          # nv (k,), G (k, 6, N+1)
        nn = nv[:, None]                                         # (k, 1)
        c = np.arange(N + 1)[None, :]                            # (1, N+1)
        W, WJ, S1, S2, WU1, WU2 = np.moveaxis(G, 1, 0)
        fields = [W, WJ, (nn - c) * W, c * W, WU1 - S1, S1, WU2 - S2, S2]
        keep = W > 0
        key = np.broadcast_to(nn - c + radix * c, W.shape)[keep]
        for q, f in enumerate(fields):
            acc[:, q] += np.bincount(key, weights=np.broadcast_to(f, W.shape)[keep], minlength=radix * radix)
    present = np.flatnonzero(acc[:, 0])
    return acc[present]


def _level_bins64(digits: np.ndarray, g: Group, L: int, nmax: int) -> np.ndarray:
    """``(Rz, C)`` uint8 mean-level bin of each (read, column) pair in 64 bins,
    ``min(floor(64 s / (n (L-1))), 63)`` (``s``: level sum of the active cells; as
    :func:`dse.traces.reduce._level_bin64`)."""
    N = g.rows.size
    dt = _exact_dtype((L - 1) * N)
    Dv = _cells(digits, g).astype(dt)
    # through a rounded reciprocal: the quotient is an integer (met within the rounding error) or at
    # least 1 / (n (L-1)) away from one, so a small offset absorbs the rounding
    ft, eps = (np.float32, 2e-5) if nmax * (L - 1) <= 4096 else (np.float64, 1e-9)
    f = (64.0 / (g.n * (L - 1))).astype(ft)[:, None]
    out = np.empty((g.n.size, g.cols.size), np.uint8)
    for r0 in range(0, g.n.size, READ_CHUNK):
        r1 = min(g.n.size, r0 + READ_CHUNK)
        S = (g.X[:, r0:r1].T.astype(dt) @ Dv).astype(ft, copy=False)
        S *= f[r0:r1]
        S += eps
        np.minimum(S, 63.0, out=S)
        out[r0:r1] = S
    return out


def binned_sums(digits: np.ndarray, groups: list[Group], L: int, nmax: int, max_states: int):
    """Merged-state sums ``(K, 2 + 3L)`` (``m, m J``, then per level ``m c_d``, ``m sum u``,
    ``m sum u^2``) in the order of the merged key, or None when the layer may have at most
    ``max_states`` states (nothing is merged then: use the per-pair reduction)."""
    def bins(g):                                               # mean-level bins, pairs per (n, q64)
        p = np.zeros((nmax + 1) * 64, np.int64)
        p[0] = g.zero_reads
        if not g.n.size:
            return None, p.reshape(nmax + 1, 64)
        qg = _level_bins64(digits, g, L, nmax)
        p += np.bincount(np.add(qg, (g.n * 64)[:, None], dtype=np.intp).ravel(), minlength=p.size)
        return qg, p.reshape(nmax + 1, 64)
    q, pres = zip(*thread_map(bins, groups))
    nq = np.argwhere(sum(pres))
    if nq.shape[0] <= max_states:
        return None
    keys, rb = merged_keys(nq[:, 0], nq[:, 1], nmax, max_states)
    shift = 7 - rb.bit_length()
    uniq = np.unique(keys)
    nb_of_n = n_bin(np.arange(nmax + 1), nmax)
    na = int(nb_of_n.max()) + 1
    # row of each (active-row bin, mean-level bin) in the output (-1: absent)
    binmap = np.full(na * (rb + 1), -1, np.int64)
    binmap[uniq] = np.arange(uniq.size)
    binmap = binmap.reshape(na, rb + 1)[:, :rb]

    def group_sums(i):
        g, qg, p = groups[i], q[i], pres[i]
        out = np.zeros((uniq.size, 2 + 3 * L))
        if g.zero_reads:
            out[binmap[0, 0], :2] += g.zero_reads * np.array([g.m.sum(), g.m @ g.J])
        if qg is not None:
            counts = np.zeros((na, rb), np.int64)              # pairs per bin in this group
            np.add.at(counts, (nb_of_n[:, None], np.arange(64)[None, :] >> shift), p)
            counts[0, 0] -= g.zero_reads
            _binned_group(digits, g, qg >> shift, nb_of_n[g.n], counts, binmap, L, out)
        return out
    return sum(thread_map(group_sums, range(len(groups))))


def _binned_group(digits: np.ndarray, g: Group, qb: np.ndarray, nb: np.ndarray, counts: np.ndarray,
                  binmap: np.ndarray, L: int, sums: np.ndarray):
    """Add one group's per-bin sums to ``sums`` (row ``binmap[a, j]`` for active-row bin ``a`` and
    mean-level bin ``j``). ``qb``: ``(Rz, C)`` mean-level bin of each pair; ``nb``: ``(Rz,)``
    active-row bin of each read; ``counts``: pairs per (active-row bin, mean-level bin).

    Per active-row bin, the most populated mean-level bin is what remains of the reads' totals; the
    others come from products over the reads (:func:`_bins_by_reads`) or, for active-row bins with
    few reads, over the columns (:func:`_bins_by_cols`)."""
    N = g.rows.size
    D = _cells(digits, g)
    U = np.stack([np.ones(N), g.u, g.u * g.u], 1)               # (N, 3): weights of c, sum u, sum u^2
    # m-weighted cells per (row, level)
    m0 = float(g.m[0]) if np.all(g.m == g.m[0]) else None
    cell = np.add(D, (np.arange(N) * L)[:, None], dtype=np.intp).ravel()
    if m0 is not None:                                           # one multiplicity: count, then scale
        Hd = np.bincount(cell, minlength=N * L).reshape(N, L) * m0
    else:
        Hd = np.bincount(cell, np.broadcast_to(g.m, D.shape).ravel(), minlength=N * L).reshape(N, L)
    UH = U[:, :, None] * Hd[:, None, :]                          # (N, 3, L)
    msum, mJ = g.m.sum(), g.m @ g.J
    others = []                                                  # (a, mean-level bins other than the complement)
    for a in np.unique(nb):
        js = np.flatnonzero(counts[a])
        j0 = js[np.argmax(counts[a, js])]
        xa = g.X[:, nb == a].sum(1).astype(np.float64)           # (N,) reads of the bin with each row active
        na_ = int(np.count_nonzero(nb == a))
        sums[binmap[a, j0]] += np.concatenate([[na_ * msum, na_ * mJ], np.einsum("i,iqd->qd", xa, UH).ravel()])
        if js.size > 1:
            others.append((a, js[js != j0], j0))
    ways = {"pairs": [], "reads": [], "cols": []}
    for o in others:
        ways[_way(int(np.count_nonzero(nb == o[0])), o[1].size, N, L)].append(o)
    for name, way in (("pairs", _bins_by_pairs), ("reads", _bins_by_reads), ("cols", _bins_by_cols)):
        chosen = ways[name]
        if not chosen:
            continue
        part = way(g, D, U, qb, nb, chosen, L)                     # (B, 2 + 3L)
        k = 0
        for a, js, j0 in chosen:
            sums[binmap[a, js]] += part[k:k + js.size]
            sums[binmap[a, j0]] -= part[k:k + js.size].sum(0)
            k += js.size


def _way(reads: int, bins: int, N: int, L: int) -> str:
    """How the ``bins`` mean-level bins of one active-row bin holding ``reads`` reads are summed:
    ``"pairs"`` (:func:`_bins_by_pairs`), ``"reads"`` (:func:`_bins_by_reads`) or ``"cols"``
    (:func:`_bins_by_cols`, its one-hot levels a fixed cost per column), the cheapest by a cost per
    column in ns (fitted on two cores)."""
    cost = {"pairs": reads * (0.11 * 3 * N * (L - 1) + 2 * (3 * L + 2)),
            "reads": 0.1 * (N + 1) * reads * bins + 1.5 * reads * bins + 0.5 * N * bins * L,
            "cols": -(-bins // 3) * reads * (COLS_NS * N * (L - 1) + 2.0) + N * (L - 1)}
    return min(cost, key=cost.get)


#: cost per product term of :func:`_bins_by_cols` in :func:`_way` (ns)
COLS_NS = 0.16


def _bins_by_cols(g: Group, D, U, qb, nb, others, L: int) -> np.ndarray:
    """Sums ``(B, 2 + 3L)`` of the bins ``others`` through products over the columns, for active-row
    bins with few reads: per read, its pairs' bin indicators (several bins packed in one exact float,
    ``2**(sh f)`` for the ``f``-th) times the columns' m-weighted one-hot levels 1..L-1 give, per bin,
    row and level, the cells of the read's pairs in the bin; the read's active rows weight them with
    ``U``. Level 0 is what the read's totals leave; pair counts and ``J`` sums come from the
    indicators' column sums per active-row bin. Cost per pair: one product over ``N (L-1)`` outputs
    per plane of packed bins, whatever the number of reads."""
    N, C = g.rows.size, g.cols.size
    B = sum(js.size for _, js, _ in others)
    reads = np.flatnonzero(np.isin(nb, [a for a, _, _ in others]))
    reads = reads[np.argsort(nb[reads], kind="stable")]          # grouped by active-row bin
    R = reads.size
    nbr = nb[reads]
    seg = np.flatnonzero(np.r_[True, nbr[1:] != nbr[:-1]])       # first read of each active-row bin
    seg_a = nbr[seg]
    mmax = float(g.m.max())
    rmax = int(np.diff(np.r_[seg, R]).max())
    # bins per plane P and field bits sh (sh P <= 24 bits: exact float32), column chunks of cc columns
    # (a field's count, at most cc * m or rmax, stays below 2**sh)
    nj = max(js.size for _, js, _ in others)
    sh = max(24 // min(nj, 24), rmax.bit_length(), int(mmax).bit_length() + 6)
    dt, P = (np.float32, 24 // sh) if sh <= 24 else (np.float64, max(1, 53 // sh))
    cc = int(max(1, min(C, ((1 << sh) - 1) // int(mmax))))
    planes = -(-nj // P)
    na, nq = int(nb.max()) + 1, int(qb.max()) + 1
    lut = np.zeros((planes, na * nq), dt)                        # packed indicator of each (a, q) per plane
    row = np.full((planes, na, P), B, np.intp)                   # output row of each (a, field) (B: none)
    k = 0
    for a, js, _ in others:
        for i, jv in enumerate(js):
            p, f = divmod(i, P)
            lut[p, a * nq + jv] = 2.0 ** (sh * f)
            row[p, a, f] = k + i
        k += js.size
    X = g.X[:, reads].T                                          # (R, N) bool
    XUt = X @ U                                                  # (R, 3) the reads' totals
    OH = np.empty((C, L - 1, N), dt)                             # one-hot levels 1..L-1 (m-weighted)
    DT = D.T
    for d in range(1, L):
        np.equal(DT, d, out=OH[:, d - 1], casting="unsafe")
    m0 = float(g.m[0]) if np.all(g.m == g.m[0]) else None       # one multiplicity: applied after the sums
    if m0 is None:
        OH *= g.m.astype(dt)[:, None, None]
    OH = OH.reshape(C, (L - 1) * N)
    mv = np.ones(C, dt) if m0 is not None else g.m.astype(dt)
    mJ = (g.m if m0 is None else np.ones(C)) * g.J
    mc = g.m if m0 is None else np.ones(C)
    S = np.zeros((seg.size, R), dt)                              # reads of each active-row bin
    S[np.cumsum(np.r_[False, nbr[1:] != nbr[:-1]]), np.arange(R)] = 1
    Kc = np.zeros((planes, P, R, (L - 1) * N))                   # per read: its pairs' level-d cells per row
    cnt = np.zeros((planes, P, R))                               # per read: its pairs in the bin (m-weighted)
    segs = np.zeros((planes, P, seg.size, 2))                    # per active-row bin: pair count, J sum
    idx = np.add(qb[reads], (nbr * nq)[:, None], dtype=np.intp)  # (R, C) (a, q) of each pair
    scale = 2.0 ** (sh * np.arange(P))
    for p in range(planes):
        E = np.take(lut[p], idx)                                 # (R, C) packed indicators
        for c0 in range(0, C, cc):
            c1 = min(C, c0 + cc)
            Kp = (E[:, c0:c1] @ OH[c0:c1]).astype(np.float64)   # (R, (L-1) N) packed counts
            cp = (E[:, c0:c1] @ mv[c0:c1]).astype(np.float64)
            colp = (S @ E[:, c0:c1]).astype(np.float64)        # (segments, cc)
            for f in range(P - 1, -1, -1):
                Kf = np.floor(Kp / scale[f])
                Kp -= Kf * scale[f]
                cf = np.floor(cp / scale[f])
                cp -= cf * scale[f]
                colf = np.floor(colp / scale[f])
                colp -= colf * scale[f]
                Kc[p, f] += Kf
                cnt[p, f] += cf
                segs[p, f, :, 0] += colf @ mc[c0:c1]
                segs[p, f, :, 1] += colf @ mJ[c0:c1]
    # per read: sums of U over its active rows' level-d cells, (planes, P, R, 3, L-1)
    T = np.matmul(Kc.reshape(planes, P, R, L - 1, N) * X[:, None, :], U).swapaxes(-1, -2)
    out = np.zeros((B + 1, 2 + 3 * L))
    o = out[:, 2:].reshape(B + 1, 3, L)
    for p in range(planes):
        for f in range(P):
            rr = row[p, nbr, f]                                  # (R,) output row of each read's field
            lvl = np.zeros((R, 3, L))
            lvl[:, :, 1:] = T[p, f]
            lvl[:, :, 0] = cnt[p, f][:, None] * XUt - T[p, f].sum(-1)
            np.add.at(o, rr, lvl)
            rs = row[p, seg_a, f]
            np.add.at(out[:, :2], rs, segs[p, f])
    out = out[:B]
    if m0 is not None:
        out *= m0
    return out


def _bins_by_reads(g: Group, D, U, qb, nb, others, L: int, max_bytes: int = 1 << 23) -> np.ndarray:
    """Sums ``(B, 2 + 3L)`` of the bins ``others`` (list of (active-row bin, mean-level bins, _)): per
    active-row bin, the input bits times the bins' 0/1 indicators give the reads of each bin with each
    row active, per column; the cells' m-weighted one-hot levels and ``U`` then contract them."""
    N, C = g.rows.size, g.cols.size
    order = np.argsort(nb, kind="stable")
    X1 = np.concatenate([g.X[:, order], np.ones((1, order.size), bool)]).astype(np.float32)   # (N+1, Rz)
    qs = qb[order]
    starts = np.searchsorted(nb[order], [a for a, _, _ in others])
    ends = np.searchsorted(nb[order], [a for a, _, _ in others], side="right")
    B = sum(js.size for _, js, _ in others)
    Rmax = int(max(e - s for s, e in zip(starts, ends)))
    # contraction exact in float32 when no partial sum reaches 2**24
    ft = _exact_dtype(Rmax * float(g.m.max()) * C)
    cc = int(max(1, min(C, max_bytes // (4 * (N + 1) * B))))
    m0 = float(g.m[0]) if np.all(g.m == g.m[0]) else None   # one multiplicity: applied after the sums
    out = np.zeros((B, 2 + 3 * L))
    for c0 in range(0, C, cc):
        c1 = min(C, c0 + cc)
        Y = np.empty((N + 1, B, c1 - c0), np.float32)
        k = 0
        for (a, js, _), r0, r1 in zip(others, starts, ends):
            E = np.equal(qs[r0:r1, c0:c1][:, None, :], js[None, :, None],
                         out=np.empty((r1 - r0, js.size, c1 - c0), np.float32), casting="unsafe")
            Y[:, k:k + js.size] = (X1[:, r0:r1] @ E.reshape(r1 - r0, -1)).reshape(N + 1, js.size, c1 - c0)
            k += js.size
        oh = np.equal(D[:, c0:c1, None], np.arange(L), out=np.empty((N, c1 - c0, L), ft), casting="unsafe")
        if m0 is None:
            oh *= g.m[c0:c1, None]                                  # (N, cc, L) m-weighted one-hot levels
        Z = np.matmul(Y[:N].astype(ft, copy=False), oh).astype(np.float64)          # (N, B, L)
        out[:, 2:] += np.einsum("iq,ibd->bqd", U, Z).reshape(B, -1) * (m0 or 1.0)
        out[:, 0] += Y[N] @ g.m[c0:c1]
        out[:, 1] += Y[N] @ (g.m[c0:c1] * g.J[c0:c1])
    return out


def _bins_by_pairs(g: Group, D, U, qb, nb, others, L: int) -> np.ndarray:
    """Sums ``(B, 2 + 3L)`` of the bins ``others``, pair by pair: one product gives every pair's
    per-level count and position sums (levels 1..L-1), ``bincount`` adds them per bin; level 0 is what
    the reads' totals leave."""
    N, C = g.rows.size, g.cols.size
    B = sum(js.size for _, js, _ in others)
    # bin of each pair of the chosen reads, B for the complements (dropped)
    lut = np.full((int(nb.max()) + 1, int(qb.max()) + 1), B, np.intp)
    k = 0
    for a, js, _ in others:
        lut[a, js] = np.arange(k, k + js.size)
        k += js.size
    reads = np.flatnonzero(np.isin(nb, [a for a, _, _ in others]))
    Rz = reads.size
    bidx = lut[nb[reads, None], qb[reads]]                       # (Rz, C)
    dt = _exact_dtype(float(U[:, 2].sum()))
    X = g.X[:, reads]
    Xt = X.T.astype(dt)
    Xu = np.stack([Xt * U[:, q].astype(dt) for q in range(3)])   # (3, Rz, N)
    M = np.equal(D[:, None, :], np.arange(1, L, dtype=D.dtype)[:, None], out=np.empty((N, L - 1, C), dt),
                 casting="unsafe")                               # (N, L-1, C) one-hot levels 1..L-1
    m0 = float(g.m[0]) if np.all(g.m == g.m[0]) else None       # one multiplicity: applied after the sums
    mb = None if m0 is not None else np.broadcast_to(g.m, (Rz, C))
    # pair counts per (read, bin): the level-0 totals are the reads' totals times them
    rb_cells = np.bincount((np.arange(Rz)[:, None] * (B + 1) + bidx).ravel(), None if mb is None else mb.ravel(),
                           minlength=Rz * (B + 1)).reshape(Rz, B + 1)[:, :B]
    out = np.zeros((B, 2 + 3 * L))
    out[:, 0] = rb_cells.sum(0)
    # (read, column) tiles of about PAIR_TILE pairs: the product and the bincount passes stay in cache
    CT = int(min(C, max(64, PAIR_TILE // max(min(Rz, 256), 1))))
    RT = int(max(1, min(Rz, PAIR_TILE // CT)))
    Jb = np.broadcast_to(g.J, (RT, C))
    for c0 in range(0, C, CT):
        c1 = min(C, c0 + CT)
        Mt = M[:, :, c0:c1].reshape(N, -1)                        # (N, (L-1) cc)
        for r0 in range(0, Rz, RT):
            r1 = min(Rz, r0 + RT)
            flat = bidx[r0:r1, c0:c1].ravel()
            mt = None if mb is None else mb[r0:r1, c0:c1]

            def cnt(w, flat=flat, mt=mt):
                return np.bincount(flat, (w if mt is None else w * mt).ravel(), minlength=B + 1)[:B]
            V = (Xu[:, r0:r1] @ Mt).reshape(3, r1 - r0, L - 1, c1 - c0)
            out[:, 1] += cnt(Jb[:r1 - r0, c0:c1])
            for q in range(3):
                for d in range(1, L):
                    out[:, 2 + q * L + d] += cnt(V[q, :, d - 1])
    XU = X.T.astype(np.float64) @ U                              # (Rz, 3) the reads' totals
    for q in range(3):
        # level 0: the read's total over its active rows minus the other levels
        out[:, 2 + q * L] = XU[:, q] @ rb_cells - out[:, 2 + q * L + 1:2 + (q + 1) * L].sum(1)
    if m0 is not None:
        out[:, 1:] *= m0
        out[:, 0] *= m0
    return out
