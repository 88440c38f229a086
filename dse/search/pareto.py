"""Pareto dominance over a set of objectives (numpy; used on results, not inside jit)."""
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
