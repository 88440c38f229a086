"""Traces (weights and input bits per layer) and their reduction to the statistics the energy and
latency equations need.

Typical use, for one design point's layer::

    from dse import traces as T
    skey = T.stats_key_from_floorplan(fp, prm, l)            # structural key (static ints)
    st, cut = T.layer_stats("traces/vgg8", network, l, skey)  # reduced once, cached
    R = T.column_resistance(st, cell, prm, sub)               # (batch..., K) ohm per column state
    adc_energy_sum = (st.weight * P_of_R(R)).sum(-1)          # == sum over reads and columns

``n_hist`` gives the active-row counts per subarray slice and read (for ``activityRowRead`` and the
sequential-mode latencies), ``cut`` the tile/PE/slice structure (:class:`mapping.LayerCut`).
Modules: :mod:`.reader` (files, checks, weight to cell levels), :mod:`.mapping` (the cut),
:mod:`.reduce` (statistics; fast exact paths in :mod:`.fast`), :mod:`.resistance` (column resistance),
:mod:`.cache`, :mod:`.synthetic`;
:mod:`.writer` writes trace folders and :mod:`.onnx_import` records them from ONNX models (``dse import``).
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from dse.traces import cache as _cache
from dse.traces.mapping import CutKey, LayerCut, cut_key_from_floorplan, layer_cut, pad_traces
from dse.traces.reader import (TraceError, file_digest, num_in_vector, read_input, read_weight, trace_paths,
                               weight_digits)
from dse.traces.reduce import LayerStats, reduce_layer
from dse.traces.resistance import column_resistance, replay_column_resistance
from dse.traces.synthetic import SyntheticModel, synthetic_layer

__all__ = ["StatsKey", "CutKey", "LayerCut", "LayerStats", "TraceError", "network_keys", "SyntheticModel", "stats_key",
           "stats_key_from_floorplan", "layer_stats", "column_resistance",
           "replay_column_resistance", "layer_cut", "reduce_layer", "num_in_vector", "load_layer"]


@dataclasses.dataclass(frozen=True)
class StatsKey:
    """Everything a layer's statistics depend on besides the traces: the cut, the weight precision,
    the bits per cell, the number of conductance levels kept (1 = active-row counts only, for SRAM;
    ``2**cell_bits`` for 1T1R cells), the positional refinement (``pos_bins``) and the bound on
    the number of column states (``max_states``, 0: none; see :func:`reduce_layer`)."""

    cut: CutKey
    weight_bits: int
    cell_bits: int
    num_levels: int
    pos_bins: int = 0
    max_states: int = 0


def stats_key(cut: CutKey, weight_bits: int, cell_bits: int, sram: bool, pos_bins: int = 0,
              max_states: int = 0) -> StatsKey:
    """A :class:`StatsKey`; ``cell_bits`` is the effective one (``prm.cell_bit``: 1 for SRAM, at most the
    weight bits)."""
    lv = 1 if sram else 2 ** int(cell_bits)
    return StatsKey(cut=cut.canonical(), weight_bits=int(weight_bits), cell_bits=int(cell_bits), num_levels=lv,
                    pos_bins=0 if sram else int(pos_bins), max_states=0 if sram else int(max_states))


def stats_key_from_floorplan(fp, prm, layer_index: int, index: tuple = (), pos_bins: int = 0,
                             max_states: int = 0) -> StatsKey:
    """The :class:`StatsKey` of a layer for the design point at batch ``index`` (concrete arrays)."""
    from dse import design as D
    g = lambda a: np.asarray(a)[index] if np.ndim(a) > 0 else np.asarray(a)  # noqa: E731
    ck = cut_key_from_floorplan(fp, prm, layer_index, index)
    return stats_key(ck, int(g(prm.synapse_bit)), int(g(prm.cell_bit)), int(g(prm.memcelltype)) == D.SRAM, pos_bins,
                     max_states)


def load_layer(traces, network, layer_index: int, weight_bits: int, input_bits: int,
               model: SyntheticModel = SyntheticModel()):
    """(weights, input bits, content id) of one layer: read from the trace folder ``traces`` (checked
    against the network), or synthetic when ``traces`` is None."""
    layer = network.layers[layer_index]
    nread = num_in_vector(layer) * int(input_bits)
    if traces is None:
        ident = ("synthetic", dataclasses.astuple(model), int(weight_bits), int(input_bits))
        w, x = _cache.parsed(("syn", layer.as_tuple()) + ident,
                             lambda: synthetic_layer(layer, weight_bits, input_bits, model))
        return w, x, ident
    wp, xp = trace_paths(traces, layer_index)
    wd, xd = file_digest(wp), file_digest(xp)
    w = _cache.parsed_file(("w", wd, layer.as_tuple()), lambda: read_weight(wp, layer, layer_index))
    x = _cache.parsed_file(("x", xd, layer.as_tuple(), nread), lambda: read_input(xp, layer, input_bits, layer_index))
    return w, x, ("files", wd, xd)


def layer_stats(traces, network, layer_index: int, key: StatsKey, model: SyntheticModel = SyntheticModel(),
                use_cache: bool = True) -> tuple[LayerStats, LayerCut]:
    """Statistics of one layer under ``key`` (reduced once per trace contents and key; cached in memory
    and on disk) and the layer's cut. ``traces``: a trace folder, or None for the synthetic model."""
    layer = network.layers[layer_index]
    cut = layer_cut(layer, key.cut)
    ident = None
    if traces is None:
        ident = ("synthetic", dataclasses.astuple(model), key.weight_bits, key.cut.input_bits)
    else:
        wp, xp = trace_paths(traces, layer_index)
        ident = ("files", file_digest(wp), file_digest(xp))
    ckey = (ident, layer.as_tuple(), dataclasses.astuple(key))
    if use_cache:
        st = _cache.get_stats(ckey)
        if st is not None:
            return st, cut
    w, x, _ = load_layer(traces, network, layer_index, key.weight_bits, key.cut.input_bits, model)
    if key.num_levels > 1:
        digits = _cache.parsed(("d", ident, layer.as_tuple(), key.weight_bits, key.cell_bits),
                               lambda: weight_digits(w, key.weight_bits, key.cell_bits,
                                                     traces or "<synthetic>", layer_index))
    else:
        digits = None
    ncps = math.ceil(key.weight_bits / key.cell_bits)
    if ncps != key.cut.ncps:
        raise ValueError(f"key has ncps={key.cut.ncps} but ceil(weight_bits/cell_bits) = {ncps}")
    if cut.has_unused:
        zero = weight_digits(np.zeros((1, 1)), key.weight_bits, key.cell_bits) if digits is not None else None
        digits, x = pad_traces(cut, digits, x, zero)
    st = reduce_layer(digits, x, cut, key.num_levels, key.pos_bins, max_states=key.max_states,
                      sampled=traces is None)
    if use_cache:
        _cache.put_stats(ckey, st)
    return st, cut


#: the columns of one layer in :func:`network_keys`' table of structural keys: the point's cut
#: parameters, weight and cell bits, whether the cell is SRAM, then the layer's mapping and duplication
KEY_COLUMNS = ("sub", "ncps", "input_bits", "weight_bits", "cell_bits", "sram", "novel", "tile_cm", "pe_cm", "pe_nm",
               "num_pe_nm", "speed_up_row", "speed_up_col")


def network_keys(fp, prm, num_layers: int, entry_budget: int = 0, valid=None):
    """The structural keys of a batch of design points, deduplicated.

    ``fp``/``prm``: a batch's floorplan and parameters (concrete arrays, leading axis n); ``valid``
    (n,) bool marks the points to key (others get -1). ``entry_budget`` > 0 bounds the column states
    of 1T1R / FeFET layers to ``max(32, entry_budget // 2**cell_bits)`` (about ``entry_budget``
    (state, level) entries). Returns ``(index, keys)``: ``index`` (n,) int
    into ``keys``, a list of per-network tuples of :class:`StatsKey` (one per layer). Vectorized
    version of :func:`stats_key_from_floorplan` over points and layers.
    """
    from dse import design as D
    a = lambda x: np.asarray(x).astype(np.int64)  # noqa: E731
    n = np.shape(prm.num_row_sub_array)[0]
    valid = np.ones(n, bool) if valid is None else np.asarray(valid, bool)
    point = dict(sub=a(prm.num_row_sub_array), ncps=a(prm.num_col_per_synapse), input_bits=a(prm.num_bit_input),
                 weight_bits=a(prm.synapse_bit), cell_bits=a(prm.cell_bit),
                 sram=(a(prm.memcelltype) == D.SRAM).astype(np.int64))
    point = {k: np.broadcast_to(v, (n,)) for k, v in point.items()}
    novel = a(fp.mark_nm)[:, :num_layers]
    t_cm, p_cm = a(fp.desired_tile_size_cm), a(fp.desired_pe_size_cm)
    p_nm, n_nm = a(fp.desired_pe_size_nm), a(fp.num_pe_nm)
    su_r = a(fp.speed_up_each_layer_row)[:, :num_layers]
    su_c = a(fp.speed_up_each_layer_col)[:, :num_layers]
    rows = []
    for layer in range(num_layers):
        nv = novel[:, layer] != 0
        col = dict(point, novel=nv.astype(np.int64), tile_cm=np.where(nv, 0, t_cm), pe_cm=np.where(nv, 0, p_cm),
                   pe_nm=np.where(nv, p_nm, 0), num_pe_nm=np.where(nv, n_nm, 0), speed_up_row=su_r[:, layer],
                   speed_up_col=su_c[:, layer])
        rows.append(np.stack([col[c] for c in KEY_COLUMNS], axis=1))
    table = np.concatenate(rows, axis=1)                     # (n, num_layers * len(KEY_COLUMNS))
    index = np.full(n, -1, np.int64)
    keys: list = []
    if valid.any():
        uniq, inv = np.unique(table[valid], axis=0, return_inverse=True)
        index[valid] = np.asarray(inv).reshape(-1)
        w = len(KEY_COLUMNS)
        for row in uniq:
            net_key = []
            for layer in range(num_layers):
                v = dict(zip(KEY_COLUMNS, (int(x) for x in row[w * layer:w * layer + w])))
                cut = CutKey(sub=v["sub"], ncps=v["ncps"], input_bits=v["input_bits"], novel=bool(v["novel"]),
                             tile_cm=v["tile_cm"], pe_cm=v["pe_cm"], pe_nm=v["pe_nm"], num_pe_nm=v["num_pe_nm"],
                             speed_up_row=v["speed_up_row"], speed_up_col=v["speed_up_col"])
                ms = max(32, entry_budget // 2 ** v["cell_bits"]) if entry_budget else 0
                net_key.append(stats_key(cut, v["weight_bits"], v["cell_bits"], bool(v["sram"]), 0, ms))
            keys.append(tuple(net_key))
    return index, keys
