"""Pareto dominance and hypervolume over a set of objectives (numpy; used on results by dse.sweep
and dse.search, not inside jit)."""
from __future__ import annotations

import numpy as np


def pareto_mask(values: np.ndarray, maximize: np.ndarray | list[bool]) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (N, K).

    ``maximize[k]`` says whether objective k is maximized. Rows with a NaN are never
    on the front. O(N * front size) memory-light sweep.
    """
    v = np.asarray(values, float)
    sign = np.where(np.asarray(maximize, bool), -1.0, 1.0)
    v = v * sign  # minimize everything
    ok = np.all(np.isfinite(v), axis=1)
    idx = np.flatnonzero(ok)
    order = idx[np.lexsort(v[idx].T[::-1])]  # sorted by first objective, then the rest
    front: list[int] = []
    for i in order:
        if front:
            f = v[front]
            dominated = np.any(np.all(f <= v[i], axis=1) & np.any(f < v[i], axis=1))
            if dominated:
                continue
        front.append(i)
    mask = np.zeros(len(v), bool)
    mask[front] = True
    return mask


def hypervolume(values: np.ndarray, reference: np.ndarray | list[float],
                maximize: np.ndarray | list[bool] | None = None) -> float:
    """Exact hypervolume dominated by ``values`` (N, K) up to ``reference`` (K,).

    Objectives are minimized unless ``maximize[k]``; the reference point is the worst
    corner (for a maximized objective, a value below every point of interest). Rows with
    a NaN or not strictly better than the reference in every objective add nothing.
    Exact: a sweep in 2-D, slicing along the last objective above (fine for fronts of a
    few hundred points in 3-4 objectives).
    """
    v = np.asarray(values, float).reshape(len(values), -1) if len(values) else np.zeros((0, len(reference)))
    ref = np.asarray(reference, float)
    if maximize is not None:
        sign = np.where(np.asarray(maximize, bool), -1.0, 1.0)
        v, ref = v * sign, ref * sign
    v = v[np.all(np.isfinite(v), axis=1) & np.all(v < ref, axis=1)]
    if len(v) == 0:
        return 0.0
    v = v[pareto_mask(v, np.zeros(v.shape[1], bool))]
    return float(_hv(v, ref))


def _hv(p: np.ndarray, ref: np.ndarray) -> float:
    d = p.shape[1]
    if d == 1:
        return float(ref[0] - p[:, 0].min())
    if d == 2:
        order = np.argsort(p[:, 0], kind="stable")
        x, y = p[order, 0], np.minimum.accumulate(p[order, 1])
        return float(np.sum((np.append(x[1:], ref[0]) - x) * (ref[1] - y)))
    p = p[np.argsort(p[:, -1], kind="stable")]
    total = 0.0
    for i in range(len(p)):
        top = p[i + 1, -1] if i + 1 < len(p) else ref[-1]
        if top > p[i, -1]:
            sub = p[: i + 1, :-1]
            sub = sub[pareto_mask(sub, np.zeros(d - 1, bool))]
            total += _hv(sub, ref[:-1]) * (top - p[i, -1])
    return total
