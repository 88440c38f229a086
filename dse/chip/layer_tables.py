"""Static per-layer tables of a network under one structural key: the cut and the trace statistics,
compressed into classes so that evaluating a design point costs little per layer.

The reference evaluates every tile, PE and subarray slice of a layer (manual: "Performance
estimation"; model map sections 2, 3 and 6). Latencies combine by maxima (slowest slice of a PE,
slowest PE of a tile, slowest tile of a layer) with additive and divisive terms that depend only on
the PE's or tile's shape and case; energies combine by sums with multiplicities. So:

* **tile classes**: tiles with the same (rows, columns, case), with their count;
* **PE classes**: PEs with the same tile class, rows, columns, duplication, case and slice count,
  with the sum of their energy multiplicities;
* **histograms**: the distinct active-row histograms of the slices (``hist[h, n]`` reads with ``n``
  active rows), and which PE class holds a slice with histogram ``h`` (``pc_member``);
* **column states** (:mod:`dse.traces.reduce`) for the ADC energy.

The maximum over all slices of a class then equals the maximum over its member histograms, and the
layer's latency the maximum over its classes: exactly the reference's nested maxima. Everything is
numpy, padded with a leading layer axis (L) and per-layer class axes; :func:`stack_tables` pads
several tables to common (bucketed) shapes so that a compiled evaluation is reused.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from dse.network import Layer
from dse.pytree import pytree_dataclass
from dse.traces.mapping import PE_DUP_GRID, PE_NO_DUP, TILE_FULL_DUP, TILE_NO_DUP, TILE_NOVEL, TILE_PART_DUP

__all__ = ["LayerTables", "layer_tables", "stack_tables", "bucket_shapes"]


@pytree_dataclass
class LayerTables:
    """Per-layer structure and trace statistics of one network under one structural key (numpy).

    Leading axis: layers (L); padded entries are invalid (``*_valid`` False) or zero.

    * layer: ``rows``/``cols`` (unrolled weight matrix rows, memory columns), ``out_c``, ``k_h``,
      ``num_in_vector``, ``num_reads`` (vectors x input bits), ``novel``, ``pool``, ``reads_m`` and
      ``nsum_m`` (reads and active rows summed over slices with their energy multiplicity),
      ``n_pe`` (PEs per tile), ``n_sub_pe`` (subarrays per PE), ``at_called``/``at_units`` (whether
      a PE adder tree is evaluated in the layer, operands of the last one) and ``acc_called``/
      ``acc_units`` (the same for the tile accumulation).
    * histograms (H): ``hist`` (L, H, N).
    * PE classes (C): ``pc_valid``, ``pc_tile`` (its tile class), ``pc_rows``, ``pc_cols``, ``pc_dup``,
      ``pc_case``, ``pc_mult`` (summed energy multiplicity), ``pc_nblk`` (slices per PE),
      ``pc_member`` (L, C, H).
    * tile classes (T): ``tc_valid``, ``tc_rows``, ``tc_cols``, ``tc_case``, ``tc_count``, ``tc_div``
      (the tile's latency divisor), ``tc_acc`` (has an accumulation), ``tc_acc_units``.
    * column states (K): ``state_valid``, ``weight``, ``col_mean``, ``state_n`` (active rows),
      ``state_first``/``state_stop`` (their entries' range), and their non-empty levels as entries
      (E, sorted by state): ``ent_valid``, ``ent_state``, ``ent_level``, ``ent_count``, ``ent_pos``,
      ``ent_spread`` (:func:`dse.traces.resistance.column_resistance_entries`).
    Class 0 holds the layer's first PE / first tile (whose leakage the reference reports).
    """

    rows: np.ndarray
    cols: np.ndarray
    out_c: np.ndarray
    k_h: np.ndarray
    num_in_vector: np.ndarray
    num_reads: np.ndarray
    novel: np.ndarray
    pool: np.ndarray
    reads_m: np.ndarray
    nsum_m: np.ndarray
    n_pe: np.ndarray
    n_sub_pe: np.ndarray
    at_called: np.ndarray
    at_units: np.ndarray
    acc_called: np.ndarray
    acc_units: np.ndarray
    hist: np.ndarray
    pc_valid: np.ndarray
    pc_tile: np.ndarray
    pc_rows: np.ndarray
    pc_cols: np.ndarray
    pc_dup: np.ndarray
    pc_case: np.ndarray
    pc_mult: np.ndarray
    pc_nblk: np.ndarray
    pc_member: np.ndarray
    tc_valid: np.ndarray
    tc_rows: np.ndarray
    tc_cols: np.ndarray
    tc_case: np.ndarray
    tc_count: np.ndarray
    tc_div: np.ndarray
    tc_acc: np.ndarray
    tc_acc_units: np.ndarray
    state_valid: np.ndarray
    weight: np.ndarray
    col_mean: np.ndarray
    state_n: np.ndarray
    state_first: np.ndarray
    state_stop: np.ndarray
    ent_valid: np.ndarray
    ent_state: np.ndarray
    ent_level: np.ndarray
    ent_count: np.ndarray
    ent_pos: np.ndarray
    ent_spread: np.ndarray

    def arrays(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def shapes(self) -> dict:
        """Sizes of the padded axes: L, H, N, C, T, K, E."""
        L, H, N = self.hist.shape
        return dict(L=L, H=H, N=N, C=self.pc_rows.shape[1], T=self.tc_rows.shape[1], K=self.weight.shape[1],
                    E=self.ent_state.shape[1])


#: which padded axes each field has after the layer axis
_AXES = {"hist": ("H", "N"), "pc_member": ("C", "H")}
for _f in ("pc_valid", "pc_tile", "pc_rows", "pc_cols", "pc_dup", "pc_case", "pc_mult", "pc_nblk"):
    _AXES[_f] = ("C",)
for _f in ("tc_valid", "tc_rows", "tc_cols", "tc_case", "tc_count", "tc_div", "tc_acc", "tc_acc_units"):
    _AXES[_f] = ("T",)
for _f in ("state_valid", "weight", "col_mean", "state_n", "state_first", "state_stop"):
    _AXES[_f] = ("K",)
for _f in ("ent_valid", "ent_state", "ent_level", "ent_count", "ent_pos", "ent_spread"):
    _AXES[_f] = ("E",)
_FILL = {"pc_dup": 1.0, "tc_div": 1.0}


def _classes(keys):
    """(class of each item, index of each class's first item), classes in order of first appearance."""
    index: dict = {}
    cls, first = [], []
    for i, k in enumerate(keys):
        if k not in index:
            index[k] = len(first)
            first.append(i)
        cls.append(index[k])
    return np.array(cls, np.int64), np.array(first, np.int64)


def _cut_classes(cut):
    """Tile classes (same rows, columns, case) and PE classes (same tile class, rows, columns,
    duplication, case, slice count) of a cut: (tile class of each tile, first tile of each class,
    PE class of each PE, first PE of each class, slices per PE, duplication per PE)."""
    t_cls, t_first = _classes(list(zip(cut.tile_rows.tolist(), cut.tile_cols.tolist(), cut.tile_case.tolist())))
    nblk = np.bincount(cut.block_pe, minlength=len(cut.pe_rows))
    dup = cut.pe_dup_row * cut.pe_dup_col
    p_cls, p_first = _classes(list(zip(t_cls[cut.pe_tile].tolist(), cut.pe_rows.tolist(), cut.pe_cols.tolist(),
                                       dup.tolist(), cut.pe_case.tolist(), nblk.tolist())))
    return t_cls, t_first, p_cls, p_first, nblk, dup


def _one_layer(layer: Layer, st, cut) -> dict:
    key = cut.key
    S = key.sub
    t_cls, t_first, p_cls, p_first, nblk, dup = _cut_classes(cut)
    C = len(p_first)
    nh_full = np.asarray(st.n_hist, np.float64)
    seen = np.flatnonzero(nh_full.sum(0))
    nh_full = nh_full[:, :(seen[-1] + 1 if seen.size else 1)]      # no read has more active rows
    hists, h_inv = np.unique(nh_full, axis=0, return_inverse=True)
    h_inv = np.asarray(h_inv).reshape(-1)
    member = np.zeros((C, len(hists)), bool)
    member[p_cls[cut.block_pe], h_inv] = True
    mult = cut.block_mult.astype(np.float64)
    nh = nh_full
    n_grid = np.arange(nh.shape[1], dtype=np.float64)

    # tiles: latency divisor, accumulation operands (static per key)
    if key.novel:
        num_pe_nm = float(key.num_pe_nm)
        n_pe = num_pe_nm
        n_sub_pe = math.ceil(key.pe_nm / S) ** 2
        num_pe_cm = pe_cm = 1.0
    else:
        pe_cm = float(key.pe_cm)
        num_pe_cm = float(math.ceil(key.tile_cm / key.pe_cm))
        n_pe = num_pe_cm * num_pe_cm
        n_sub_pe = math.ceil(key.pe_cm / S) ** 2
        num_pe_nm = 0.0
    su = float(key.speed_up_row * key.speed_up_col)
    tr, tcase = cut.tile_rows.astype(np.float64), cut.tile_case
    tdiv = np.select([tcase == TILE_FULL_DUP, (tcase == TILE_PART_DUP) | (tcase == TILE_NOVEL)],
                     [num_pe_cm * num_pe_cm, su], 1.0)
    part_units = np.ceil(tr / pe_cm)
    acc_units = np.select([tcase == TILE_PART_DUP, tcase == TILE_NOVEL], [part_units, num_pe_nm], num_pe_cm)
    has_acc = ((tcase == TILE_PART_DUP) & (part_units > 1)) | (tcase == TILE_NO_DUP) | (tcase == TILE_NOVEL)
    acc_units = np.where(has_acc, acc_units, 1.0)
    # operands of the last adder-tree evaluations of the layer (for the reference's stale leakage)
    pe_calls = (cut.pe_case == PE_DUP_GRID) | (cut.pe_case == PE_NO_DUP)
    at_called = bool(pe_calls.any())
    at_units = float(math.ceil(cut.pe_rows[np.flatnonzero(pe_calls)[-1]] / S)) if at_called else 0.0
    acc_called = bool(has_acc.any())
    acc_last = float(acc_units[np.flatnonzero(has_acc)[-1]]) if acc_called else 0.0

    # column states and their non-empty levels (SRAM: one entry per state)
    counts = np.asarray(st.counts, np.float64).reshape(len(st.weight), -1)
    if counts.shape[1] == 1:
        ks, ds = np.arange(counts.shape[0]), np.zeros(counts.shape[0], np.int64)
    else:
        ks, ds = np.nonzero(counts > 0)
    return dict(
        rows=float(cut.weight_rows), cols=float(cut.weight_cols), out_c=float(layer.out_c), k_h=float(layer.k_h),
        num_in_vector=float(cut.num_in_vector), num_reads=float(cut.num_reads), novel=bool(key.novel),
        pool=bool(layer.pool),
        reads_m=float(np.sum(mult * nh.sum(1))), nsum_m=float(np.sum(mult * (nh @ n_grid))),
        n_pe=n_pe, n_sub_pe=float(n_sub_pe), at_called=at_called, at_units=at_units, acc_called=acc_called,
        acc_units=acc_last,
        hist=hists,
        pc_valid=np.ones(C, bool), pc_tile=t_cls[cut.pe_tile[p_first]],
        pc_rows=cut.pe_rows[p_first].astype(np.float64), pc_cols=cut.pe_cols[p_first].astype(np.float64),
        pc_dup=dup[p_first].astype(np.float64), pc_case=cut.pe_case[p_first],
        pc_mult=np.bincount(p_cls, weights=cut.pe_mult.astype(np.float64), minlength=C),
        pc_nblk=nblk[p_first].astype(np.float64), pc_member=member,
        tc_valid=np.ones(len(t_first), bool), tc_rows=tr[t_first], tc_cols=cut.tile_cols[t_first].astype(np.float64),
        tc_case=tcase[t_first], tc_count=np.bincount(t_cls, minlength=len(t_first)).astype(np.float64),
        tc_div=tdiv[t_first], tc_acc=has_acc[t_first], tc_acc_units=acc_units[t_first],
        state_valid=np.ones(len(st.weight), bool), weight=np.asarray(st.weight, np.float64),
        col_mean=np.asarray(st.col_mean, np.float64), state_n=counts.sum(1),
        state_first=np.searchsorted(ks, np.arange(len(st.weight)), "left"),
        state_stop=np.searchsorted(ks, np.arange(len(st.weight)), "right"),
        ent_valid=np.ones(len(ks), bool), ent_state=ks, ent_level=ds.astype(np.float64), ent_count=counts[ks, ds],
        ent_pos=np.asarray(st.pos_mean, np.float64).reshape(counts.shape)[ks, ds],
        ent_spread=np.asarray(st.spread, np.float64).reshape(counts.shape)[ks, ds],
    )


def _pad_to(a, shape, fill):
    a = np.asarray(a)
    pad = [(0, s - n) for s, n in zip(shape, a.shape)]
    return np.pad(a, pad, constant_values=fill)


def _assemble(per_layer: list[dict], sizes: dict) -> LayerTables:
    out = {}
    for name in dataclasses.fields(LayerTables):
        f = name.name
        axes = _AXES.get(f)
        if axes is None:
            out[f] = np.array([d[f] for d in per_layer])
            out[f] = _pad_to(out[f], (sizes["L"],), 0)
            continue
        shape = tuple(sizes[a] for a in axes)
        fill = _FILL.get(f, 0)
        arrs = [_pad_to(d[f], shape, fill) for d in per_layer]
        arrs += [np.full(shape, fill, np.asarray(arrs[0]).dtype)] * (sizes["L"] - len(arrs))
        out[f] = np.stack(arrs)
    return LayerTables(**out)


def _sizes(per_layer: list[dict]) -> dict:
    m = lambda f, i: max(np.shape(d[f])[i] for d in per_layer)  # noqa: E731
    return dict(L=len(per_layer), H=m("hist", 0), N=m("hist", 1), C=m("pc_rows", 0), T=m("tc_rows", 0),
                K=m("weight", 0), E=m("ent_state", 0))


def layer_tables(network, stats_cuts) -> LayerTables:
    """Tables of a network from its per-layer ``(LayerStats, LayerCut)`` pairs
    (:func:`dse.traces.layer_stats`), with the network's own sizes."""
    per_layer = [_one_layer(lay, st, cut) for lay, (st, cut) in zip(network.layers, stats_cuts)]
    return _assemble(per_layer, _sizes(per_layer))


def _bucket(n: int, lo: int) -> int:
    return max(lo, 1 << max(0, int(n) - 1).bit_length())


def _bucket_n(n: int, lo: int) -> int:
    """Active-row axis: a power of two plus one (a subarray of 2**k rows has 2**k + 1 counts)."""
    return max(lo, (1 << max(0, int(n) - 2).bit_length()) + 1)


#: smallest padded sizes: most networks and keys fit them, so one compilation serves them all
MIN_SIZES = dict(H=32, N=65, C=1, T=1, K=256, E=512)


def bucket_shapes(shapes: list[dict], num_layers: int) -> dict:
    """Common padded sizes for several tables: each axis at least :data:`MIN_SIZES` and rounded up
    to a power of two (so that networks and keys share one compiled evaluation); layers to
    ``num_layers``."""
    m = lambda k: max(s[k] for s in shapes)  # noqa: E731
    out = {k: (_bucket_n if k == "N" else _bucket)(m(k), lo) for k, lo in MIN_SIZES.items()}
    out["L"] = num_layers
    return out


def stack_tables(tables: list[LayerTables], sizes: dict | None = None) -> LayerTables:
    """Several :class:`LayerTables` padded to ``sizes`` (default: the largest of each axis) and stacked
    along a new leading axis."""
    if sizes is None:
        shp = [t.shapes() for t in tables]
        sizes = {k: max(s[k] for s in shp) for k in shp[0]}
    out = {}
    for f in dataclasses.fields(LayerTables):
        axes = ("L",) + _AXES.get(f.name, ())
        shape = tuple(sizes[a] for a in axes)
        out[f.name] = np.stack([_pad_to(getattr(t, f.name), shape, _FILL.get(f.name, 0)) for t in tables])
    return LayerTables(**out)
