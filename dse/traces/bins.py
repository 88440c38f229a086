"""Helpers shared by the reductions (:mod:`dse.traces.reduce` and its fast paths in
:mod:`dse.traces.fast`): the row groups of a cut and the bins of merged column states."""
from __future__ import annotations

import numpy as np

from dse.traces.mapping import LayerCut

__all__ = ["merged_keys", "n_bin", "row_groups"]


def row_groups(cut: LayerCut) -> dict:
    """The cut's slices grouped by their rows (slices of a group share input bits and active-row
    counts): {row-set key: [slice indices]}."""
    groups: dict = {}
    for b, rows in enumerate(cut.block_rows):
        groups.setdefault(np.asarray(rows, np.int64).tobytes(), []).append(b)
    return groups


def n_bin(n: np.ndarray, nmax: int) -> np.ndarray:
    """Active-row bin of merged states: ``n`` itself up to 16, about 24 equal bins above (up to ``nmax``)."""
    n = np.asarray(n, np.int64)
    wn = max(1, -(-(nmax - 16) // 24))
    return np.where(n <= 16, n, 16 - (-(n - 16) // wn))


def merged_keys(n: np.ndarray, q64: np.ndarray, nmax: int, max_states: int) -> tuple[np.ndarray, int]:
    """Merged-state key ``n_bin * (rb + 1) + mean-level bin`` of each state with ``n`` active rows and
    mean-level bin ``q64`` (:func:`dse.traces.reduce._level_bin64`), and the number ``rb`` of mean-level
    bins used (the largest power of two up to 64 with at most ``max_states`` keys, else 1; see
    :func:`dse.traces.reduce._merge`)."""
    nb = n_bin(n, nmax)
    rb = 64
    while True:
        key = nb * (rb + 1) + (np.asarray(q64, np.int64) >> (7 - rb.bit_length()))
        if np.unique(key).size <= max_states or rb == 1:
            return key, rb
        rb //= 2
