"""Latency, dynamic energy and leakage of every layer on the chip (PE, tile and chip levels).

Follows the reference's performance pass (manual: "Performance estimation"; model map sections
2, 3 and 6): every subarray slice of a layer reads all the layer's input-vector bits; a PE takes
the slowest of its slices (or divides by its duplication), adds its adder tree, its input/output
flip-flop buffers and buses; a tile takes the slowest of its PEs, adds its accumulation,
activation, buffers and H-tree; the chip takes the slowest of the layer's tiles and adds the
global activation, accumulation, pooling, global buffer and global interconnect. Latencies are
clock CYCLES in synchronous mode (multiplied by the clock period at the end) and seconds
otherwise.

Data layout. Everything structural (how a layer is cut into tiles, PEs and slices) comes from
:mod:`dse.traces.mapping` and the trace statistics from :mod:`dse.traces.reduce`; both are static
per structural key. :func:`layer_tables` packs them, for all layers of a network, into padded
numpy arrays with a leading layer axis (:class:`LayerTables`); :func:`layer_performance` then
evaluates one design point with NO Python loop over layers: per-slice latencies are
``n_hist @ latency(n)`` on a grid of active-row counts, PE / tile maxima are segment maxima over
the padded tables, energies are sums with the reference's multiplicities.

Units: s (or cycles), J, W, m.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from dse.array.subarray_performance import (adc_column_energy, read_energy_terms, subarray_clock_period,
                                            subarray_leakage, subarray_read_latency, subarray_timing)
from dse.chip.aggregate import LayerFigures, aggregate
from dse.circuits.adder_tree import adder_tree_latency, adder_tree_power
from dse.circuits.bit_shifter import bit_shifter_latency, bit_shifter_power
from dse.circuits.buffer import buffer_latency, buffer_power, with_shared_cell
from dse.circuits.dff import dff_latency, dff_power
from dse.circuits.max_pooling import max_pooling_latency, max_pooling_power
from dse.circuits.sigmoid import sigmoid_latency, sigmoid_power
from dse.interconnect.bus import bus_latency, bus_power
from dse.interconnect.htree import htree_latency, htree_power
from dse.interconnect.xy_bus import xy_bus_latency, xy_bus_power
from dse.pytree import pytree_dataclass
from dse.traces.mapping import PE_DUP_GRID, PE_DUP_WHOLE, PE_NO_DUP, TILE_FULL_DUP, TILE_NO_DUP, TILE_NOVEL, \
    TILE_PART_DUP
from dse.traces.resistance import column_resistance

__all__ = ["LayerTables", "layer_tables", "stack_tables", "clock", "layer_performance", "chip_performance"]


# ---------------------------------------------------------------------------------------------
# static tables
# ---------------------------------------------------------------------------------------------
@pytree_dataclass
class LayerTables:
    """Per-layer structure and trace statistics of one network under one structural key.

    Leading axis: layers (L). Tiles (T), PEs (P), slices (B), column states (K) are padded per
    layer to the network's maximum; ``*_valid`` marks real entries. Fields (numpy):

    * layer: ``rows``/``cols`` (unrolled weight matrix rows, memory columns), ``out_c``, ``k_h``,
      ``num_in_vector`` (windows), ``num_reads`` (windows x input bits), ``novel``, ``pool``
      (followed by max pooling), ``nt_row``/``nt_col`` (tiles of the layer along rows / columns).
    * tiles: ``tile_rows``, ``tile_cols``, ``tile_case``.
    * PEs: ``pe_tile``, ``pe_rows``, ``pe_cols``, ``pe_dup`` (arrayDupRow x arrayDupCol), ``pe_case``,
      ``pe_mult`` (times its energy is counted).
    * slices: ``block_pe``, ``block_mult``, ``n_hist`` (L, B, N+1) reads with n active rows.
    * states: ``counts`` (L, K, lv), ``weight``, ``col_mean``, ``pos_mean``, ``spread`` and ``state_n``.
    """

    rows: np.ndarray
    cols: np.ndarray
    out_c: np.ndarray
    k_h: np.ndarray
    num_in_vector: np.ndarray
    num_reads: np.ndarray
    novel: np.ndarray
    pool: np.ndarray
    tile_valid: np.ndarray
    tile_rows: np.ndarray
    tile_cols: np.ndarray
    tile_case: np.ndarray
    pe_valid: np.ndarray
    pe_tile: np.ndarray
    pe_rows: np.ndarray
    pe_cols: np.ndarray
    pe_dup: np.ndarray
    pe_case: np.ndarray
    pe_mult: np.ndarray
    block_valid: np.ndarray
    block_pe: np.ndarray
    block_mult: np.ndarray
    n_hist: np.ndarray
    state_valid: np.ndarray
    counts: np.ndarray
    weight: np.ndarray
    col_mean: np.ndarray
    pos_mean: np.ndarray
    spread: np.ndarray

    def arrays(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def _pad(arrs, fill=0, dtype=None):
    n = max(1, max(a.shape[0] for a in arrs))
    out = []
    for a in arrs:
        a = np.asarray(a, dtype)
        pad = [(0, n - a.shape[0])] + [(0, 0)] * (a.ndim - 1)
        out.append(np.pad(a, pad, constant_values=fill))
    return np.stack(out)


def layer_tables(network, stats_cuts) -> LayerTables:
    """Pack a network's per-layer ``(LayerStats, LayerCut)`` pairs into :class:`LayerTables`.

    ``network``: :class:`dse.network.Network`; ``stats_cuts``: one pair per layer from
    :func:`dse.traces.layer_stats` (all with the same number of conductance levels).
    """
    layers = network.layers
    L = len(layers)
    st = [s for s, _ in stats_cuts]
    ct = [c for _, c in stats_cuts]
    lt = [lay.as_tuple() for lay in layers]
    nmax = max(s.n_hist.shape[1] for s in st)
    hist = []
    for s in st:
        h = np.zeros((s.n_hist.shape[0], nmax), np.float64)
        h[:, :s.n_hist.shape[1]] = s.n_hist
        hist.append(h)
    lv = st[0].num_levels
    return LayerTables(
        rows=np.array([c.weight_rows for c in ct], float), cols=np.array([c.weight_cols for c in ct], float),
        out_c=np.array([t[5] for t in lt], float), k_h=np.array([t[3] for t in lt], float),
        num_in_vector=np.array([c.num_in_vector for c in ct], float),
        num_reads=np.array([c.num_reads for c in ct], float),
        novel=np.array([c.key.novel for c in ct], bool),
        pool=np.array([bool(t[6]) if len(t) > 6 else False for t in lt], bool),
        tile_valid=_pad([np.ones(len(c.tile_rows), bool) for c in ct], False),
        tile_rows=_pad([c.tile_rows for c in ct], 0, float), tile_cols=_pad([c.tile_cols for c in ct], 0, float),
        tile_case=_pad([c.tile_case for c in ct], 0, np.int64),
        pe_valid=_pad([np.ones(len(c.pe_tile), bool) for c in ct], False),
        pe_tile=_pad([c.pe_tile for c in ct], 0, np.int64),
        pe_rows=_pad([c.pe_rows for c in ct], 0, float), pe_cols=_pad([c.pe_cols for c in ct], 0, float),
        pe_dup=_pad([np.asarray(c.pe_dup_row) * np.asarray(c.pe_dup_col) for c in ct], 1, float),
        pe_case=_pad([c.pe_case for c in ct], 0, np.int64), pe_mult=_pad([c.pe_mult for c in ct], 0, float),
        block_valid=_pad([np.ones(len(s.block_pe), bool) for s in st], False),
        block_pe=_pad([s.block_pe for s in st], 0, np.int64), block_mult=_pad([s.block_mult for s in st], 0, float),
        n_hist=_pad(hist, 0, float),
        state_valid=_pad([np.ones(len(s.weight), bool) for s in st], False),
        counts=_pad([s.counts.reshape(-1, lv) for s in st], 0, float),
        weight=_pad([s.weight for s in st], 0, float), col_mean=_pad([s.col_mean for s in st], 0, float),
        pos_mean=_pad([s.pos_mean.reshape(-1, lv) for s in st], 0, float),
        spread=_pad([s.spread.reshape(-1, lv) for s in st], 0, float),
    )


def stack_tables(tables: list[LayerTables], num_layers: int | None = None) -> LayerTables:
    """Several :class:`LayerTables` padded to common sizes (and to ``num_layers`` layers) and
    stacked along a new leading point axis (padding entries are invalid / zero)."""
    L = max(t.rows.shape[0] for t in tables) if num_layers is None else num_layers
    out = {}
    for f in dataclasses.fields(LayerTables):
        arrs = [getattr(t, f.name) for t in tables]
        shape = [L] + [max(a.shape[i] for a in arrs) for i in range(1, arrs[0].ndim)]
        fill = 1 if f.name == "pe_dup" else 0
        padded = []
        for a in arrs:
            pad = [(0, s - n) for s, n in zip(shape, a.shape)]
            padded.append(np.pad(a, pad, constant_values=fill))
        out[f.name] = np.stack(padded)
    return LayerTables(**out)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _segmax(x, seg, valid, n):
    """Max of ``x`` (L, M) over entries with segment ``seg`` (L, M) into (L, n); empty -> 0."""
    onehot = (seg[..., None] == jnp.arange(n)) & valid[..., None]          # (L, M, n)
    return jnp.max(jnp.where(onehot, x[..., None], -jnp.inf), axis=-2).clip(min=0.0)


def _segsum(x, seg, valid, n):
    onehot = (seg[..., None] == jnp.arange(n)) & valid[..., None]
    return jnp.sum(jnp.where(onehot, x[..., None], 0.0), axis=-2)


def _gather(x, idx):
    return jnp.take_along_axis(x, idx, axis=-1)


def clock(sub, tech, prm, cell, timing=None):
    """(clock period in s (0 in asynchronous mode), clock frequency of the performance pass in Hz).

    Synchronous mode: the slowest sensing cycle of the subarray reads; the frequency becomes
    ``min(prm.clk_freq, 1 / period)``. Asynchronous: the user's frequency."""
    sync = prm.synchronous > 0
    sensing = subarray_clock_period(sub, tech, prm, cell) if timing is None else timing.sensing
    period = jnp.where(sync, sensing, 0.0)
    freq = jnp.where(sync & (prm.clk_freq > 1.0 / jnp.where(period > 0, period, 1.0)),
                     1.0 / jnp.where(period > 0, period, 1.0), prm.clk_freq)
    return period, freq


# ---------------------------------------------------------------------------------------------
# per-layer evaluation of one design point
# ---------------------------------------------------------------------------------------------
def layer_performance(tech, prm, cell, sub, chip, fp, tb: LayerTables, clk_freq, debug: dict | None = None,
                      timing=None):
    """Per-layer figures of one design point (latencies in cycles when synchronous).

    ``chip``: :class:`dse.chip.chip.ChipArea`; ``fp``: the floorplan; ``tb``: :class:`LayerTables`.
    Returns :class:`dse.chip.aggregate.LayerFigures` (latencies not yet scaled by the period).
    ``debug``: a dict to receive intermediate per-layer energies and leakages (for inspection).
    """
    f = lambda x: jnp.asarray(x, jnp.float64)  # noqa: E731
    nbi, ncm, ncps = prm.num_bit_input, prm.num_col_muxed, prm.num_col_per_synapse
    sub_r = prm.num_row_sub_array
    novel = jnp.asarray(tb.novel)                                   # (L,)
    nv = f(tb.num_in_vector)
    reads = f(tb.num_reads)
    rows, cols = f(tb.rows), f(tb.cols)
    Lw = rows.shape[0]
    T = tb.tile_rows.shape[1]
    P = tb.pe_rows.shape[1]
    # the buffers see the memory cell as the subarray leaves it (the reference shares one cell object)
    shared = lambda b: with_shared_cell(b, tech, prm, cell, sub.width_access_cmos, sub.cap_sram_cell)  # noqa: E731
    tcm = dataclasses.replace(chip.tile_cm, input_buffer=shared(chip.tile_cm.input_buffer),
                              output_buffer=shared(chip.tile_cm.output_buffer))
    tnm = dataclasses.replace(chip.tile_nm, input_buffer=shared(chip.tile_nm.input_buffer),
                              output_buffer=shared(chip.tile_nm.output_buffer))

    # ---------------- subarray reads ----------------
    timing = subarray_timing(sub, tech, prm, cell) if timing is None else timing
    N = tb.n_hist.shape[-1]
    n_grid = jnp.arange(N, dtype=jnp.float64)
    rl = subarray_read_latency(sub, tech, prm, cell, n_grid / sub_r, clk_freq, timing)
    hist = f(tb.n_hist)                                             # (L, B, N)
    blk = {k: hist @ getattr(rl, k) for k in ("read_latency", "read_latency_adc", "read_latency_accum",
                                              "read_latency_other")}   # (L, B)
    # energy of the reads: linear in the active rows plus the ADC conversions on the column states
    terms = read_energy_terms(sub, tech, prm, cell)
    bmult = f(tb.block_mult) * tb.block_valid
    reads_m = jnp.sum(bmult * jnp.sum(hist, -1), -1)                # (L,) reads x multiplicity
    nsum_m = jnp.sum(bmult * (hist @ n_grid), -1)                  # (L,) active rows x multiplicity
    states = dict(counts=f(tb.counts), col_mean=f(tb.col_mean), pos_mean=f(tb.pos_mean), spread=f(tb.spread))
    r_col = column_resistance(_Flat(states), cell, prm, sub.res_cell_access).reshape(tb.weight.shape)
    g = adc_column_energy(sub, tech, prm, r_col)
    w = f(tb.weight) * tb.state_valid
    st_n = jnp.sum(f(tb.counts), -1)
    conv_par = jnp.sum(jnp.where(w > 0, w * g, 0.0), -1)
    conv_seq = jnp.sum(jnp.where(w > 0, w * st_n * g, 0.0), -1)
    e_conv = jnp.where(terms.adc_reads_const > 0, terms.adc_reads_const * conv_par, 0.0) + \
        jnp.where(terms.adc_reads_per_row > 0, conv_seq, 0.0)
    e_adc = terms.adc_const * reads_m + terms.adc_per_row * nsum_m + e_conv
    e_acc = terms.accum_const * reads_m + terms.accum_per_row * nsum_m
    e_oth = terms.other_const * reads_m + terms.other_per_row * nsum_m

    # ---------------- PE level ----------------
    pe_valid = jnp.asarray(tb.pe_valid)
    bpe = jnp.asarray(tb.block_pe)
    bval = jnp.asarray(tb.block_valid)
    pe_case = jnp.asarray(tb.pe_case)
    pe_dup = f(tb.pe_dup)
    pe_rows, pe_cols = f(tb.pe_rows), f(tb.pe_cols)
    pe_novel = novel[:, None]
    at_read = jnp.floor(nv) * jnp.floor(ncm / ncps)                 # (int) vectors x int quotient
    at_units = jnp.ceil(pe_rows / sub_r)                            # (L, P)

    def at_eval(tree):
        lat = adder_tree_latency(tree, tech, prm, at_read[:, None], at_units, 0.0, clk_freq=clk_freq).read_latency
        pw = adder_tree_power(tree, tech, prm, at_read[:, None], at_units)
        return lat, pw.read_dynamic_energy, pw.leakage

    at_lat_nm, at_e_nm, at_leak_nm = at_eval(tnm.pe.adder_tree)
    at_lat_cm, at_e_cm, at_leak_cm = at_eval(tcm.pe.adder_tree)
    at_lat = jnp.where(pe_novel, at_lat_nm, at_lat_cm)
    at_e = jnp.where(pe_novel, at_e_nm, at_e_cm)
    at_leak = jnp.where(pe_novel, at_leak_nm, at_leak_cm)
    # per-PE maxima of the slice latencies; the duplicated-grid case adds the tree per slice
    at_b = _gather(at_lat, bpe)                                     # (L, B)
    case_b = _gather(pe_case, bpe)
    add_b = jnp.where(case_b == PE_DUP_GRID, at_b, 0.0)
    pe_lat = _segmax(blk["read_latency"] + add_b, bpe, bval, P)
    pe_adc = _segmax(blk["read_latency_adc"], bpe, bval, P)
    pe_acc = _segmax(blk["read_latency_accum"] + add_b, bpe, bval, P)
    pe_oth = _segmax(blk["read_latency_other"], bpe, bval, P)
    grid = pe_case == PE_DUP_GRID
    whole = pe_case == PE_DUP_WHOLE
    nodup = pe_case == PE_NO_DUP
    div = jnp.where(grid | whole, pe_dup, 1.0)
    pe_lat = pe_lat / div + jnp.where(nodup, at_lat, 0.0)
    pe_adc = pe_adc / div
    pe_acc = pe_acc / div + jnp.where(nodup, at_lat, 0.0)
    pe_oth = pe_oth / div
    nblk = _segsum(jnp.ones_like(at_b), bpe, bval, P)               # slices of each PE
    pe_at_e = jnp.where(grid, nblk * at_e, jnp.where(nodup, at_e, 0.0))

    # PE buffers (flip-flops) and buses
    def pe_io(pe):
        bi, bo = pe.buffer_input, pe.buffer_output
        tree = pe.adder_tree
        n_in = jnp.floor(pe_rows * reads[:, None] / bi.num_dff)
        n_out = jnp.floor(jnp.floor(jnp.floor(pe_cols / ncps) * tree.num_adder_bit * reads[:, None] / nbi) / bo.num_dff)
        lb = dff_latency(bi, prm, n_in, clk_freq).read_latency + dff_latency(bo, prm, n_out, clk_freq).read_latency
        pbi = dff_power(bi, tech, prm, n_in, bi.num_dff, False)
        pbo = dff_power(bo, tech, prm, n_out, bo.num_dff, False)
        bus_in_n = pe_rows * reads[:, None] / pe.bus_input.bus_width
        out_words = jnp.floor(jnp.floor(pe_cols / ncps) * (tree.num_stage + tree.num_adder_bit) * reads[:, None] / nbi)
        bw_out = pe.bus_output.num_row * pe.bus_output.bus_width
        bus_out_n = out_words / bw_out
        li = bus_latency(pe.bus_input, tech, prm, bus_in_n, clk_freq=clk_freq).read_latency + \
            bus_latency(pe.bus_output, tech, prm, bus_out_n, clk_freq=clk_freq).read_latency
        pi = bus_power(pe.bus_input, tech, prm, pe.bus_input.bus_width, bus_in_n, True)
        po = bus_power(pe.bus_output, tech, prm, bw_out, bus_out_n, False)
        return (lb, pbi.read_dynamic_energy + pbo.read_dynamic_energy, li,
                pi.read_dynamic_energy + po.read_dynamic_energy,
                pbi.leakage + pbo.leakage + pi.leakage + po.leakage)

    io_nm, io_cm = pe_io(tnm.pe), pe_io(tcm.pe)
    pe_buf_lat, pe_buf_e, pe_ic_lat, pe_ic_e, pe_io_leak = (jnp.where(pe_novel, a, b) for a, b in zip(io_nm, io_cm))
    sync = prm.synchronous > 0
    pe_ic_lat = jnp.where(sync, 0.0, pe_ic_lat)
    pe_lat = pe_lat + pe_buf_lat + pe_ic_lat
    pe_oth = pe_oth + pe_buf_lat + pe_ic_lat
    sub_leak = subarray_leakage(sub, tech, prm, cell)
    # energies of the PEs (slices already carry their multiplicity)
    pmult = f(tb.pe_mult) * pe_valid
    pe_e_extra_acc = jnp.sum(pmult * pe_at_e, -1)
    pe_e_buf = jnp.sum(pmult * pe_buf_e, -1)
    pe_e_ic = jnp.sum(pmult * pe_ic_e, -1)

    # ---------------- tile level ----------------
    ptile = jnp.asarray(tb.pe_tile)
    tval = jnp.asarray(tb.tile_valid)
    tmax = lambda x: _segmax(x, ptile, pe_valid, T)  # noqa: E731
    t_lat, t_adc, t_acc, t_oth = tmax(pe_lat), tmax(pe_adc), tmax(pe_acc), tmax(pe_oth)
    t_buf, t_ic = tmax(pe_buf_lat), tmax(pe_ic_lat)
    tcase = jnp.asarray(tb.tile_case)
    t_rows, t_cols = f(tb.tile_rows), f(tb.tile_cols)
    num_pe_cm = jnp.ceil(f(fp.desired_tile_size_cm) / f(fp.desired_pe_size_cm))
    num_pe_nm = f(fp.num_pe_nm)
    pe_cm_size = f(fp.desired_pe_size_cm)
    su = f(fp.speed_up_each_layer_row) * f(fp.speed_up_each_layer_col)   # (L,)
    tdiv = jnp.select([tcase == TILE_FULL_DUP, (tcase == TILE_PART_DUP) | (tcase == TILE_NOVEL)],
                      [num_pe_cm * num_pe_cm, su[:, None]], 1.0)
    t_lat, t_adc, t_acc, t_oth, t_buf, t_ic = (x / tdiv for x in (t_lat, t_adc, t_acc, t_oth, t_buf, t_ic))
    # tile accumulation
    # the conventional tile takes a real ceil of the column ratio, the novel tile an int quotient
    acc_read = jnp.floor(nv) * jnp.where(novel, jnp.floor(ncm / ncps), jnp.ceil(ncm / ncps))
    acc_units = jnp.select([tcase == TILE_PART_DUP, tcase == TILE_NOVEL],
                           [jnp.ceil(t_rows / pe_cm_size), jnp.broadcast_to(num_pe_nm, t_rows.shape)], num_pe_cm)
    has_acc = ((tcase == TILE_PART_DUP) & (jnp.ceil(t_rows / pe_cm_size) > 1)) | (tcase == TILE_NO_DUP) | \
        (tcase == TILE_NOVEL)
    acc_units = jnp.where(has_acc, acc_units, 1.0)

    def acc_eval(tree):
        lat = adder_tree_latency(tree, tech, prm, acc_read[:, None], acc_units, 0.0, clk_freq=clk_freq).read_latency
        pw = adder_tree_power(tree, tech, prm, acc_read[:, None], acc_units)
        return lat, pw.read_dynamic_energy

    a_nm, a_cm = acc_eval(tnm.accumulation), acc_eval(tcm.accumulation)
    tnov = novel[:, None]
    acc_lat = jnp.where(has_acc, jnp.where(tnov, a_nm[0], a_cm[0]), 0.0)
    acc_e = jnp.where(has_acc, jnp.where(tnov, a_nm[1], a_cm[1]), 0.0)
    t_lat = t_lat + acc_lat
    t_acc = t_acc + acc_lat

    chip_act = prm.chip_activation != 0
    relu = prm.re_lu != 0
    q = (jnp.floor(nv) * jnp.floor(ncm / ncps))[:, None]          # (int) vectors x ceil(int/int), (L, 1)

    def tile_io(t, is_novel):
        npe = jnp.where(is_novel, num_pe_nm, 1.0)
        r_relu = q / t.relu.num_unit
        r_sig = q / t.sigmoid.num_entry
        lr = bit_shifter_latency(t.relu, tech, prm, r_relu, clk_freq=clk_freq).read_latency
        pr = bit_shifter_power(t.relu, tech, prm, r_relu).read_dynamic_energy
        ls = sigmoid_latency(t.sigmoid, tech, prm, r_sig, clk_freq=clk_freq).read_latency
        ps = sigmoid_power(t.sigmoid, tech, prm, cell, r_sig).read_dynamic_energy
        act_lat = jnp.where(chip_act, 0.0, jnp.where(relu, lr, ls))
        act_e = jnp.where(chip_act, 0.0, jnp.where(relu, pr, ps))
        base = jnp.floor(t_cols / ncps) * reads[:, None] / nbi
        bits_in = jnp.where(chip_act, base * (t.accumulation.num_stage + t.accumulation.num_adder_bit),
                            base * (1.0 + jnp.where(relu, t.relu.num_bit, t.sigmoid.num_y_bit)) / npe)
        bits_in = jnp.maximum(bits_in, 0.0)
        bits_out = jnp.maximum(t_rows * reads[:, None] / jnp.where(is_novel, jnp.sqrt(num_pe_nm), 1.0), 0.0)
        ob, ib = t.output_buffer, t.input_buffer
        ow, iw = ob.interface_width, ib.interface_width
        lo = buffer_latency(ob, tech, prm, cell, ow, bits_in / ow / 2.0, ow, bits_in / ow / 2.0, clk_freq=clk_freq)
        po = buffer_power(ob, tech, prm, ow, bits_in / ow / 2.0, ow, bits_in / ow / 2.0)
        li = buffer_latency(ib, tech, prm, cell, iw, bits_out / iw / 2.0, iw, bits_out / iw / 2.0, clk_freq=clk_freq)
        pi = buffer_power(ib, tech, prm, iw, bits_out / iw / 2.0, iw, bits_out / iw / 2.0)
        bw = t.htree.bus_width
        di = jnp.minimum(t.num_in_buffer_core, jnp.ceil(bw / iw))
        do = jnp.minimum(t.num_out_buffer_core, jnp.ceil(bw / ow))
        buf_lat = (li.read_latency + li.write_latency) / di + (lo.read_latency + lo.write_latency) / do
        buf_e = pi.read_dynamic_energy + pi.write_dynamic_energy + po.read_dynamic_energy + po.write_dynamic_energy
        hl = htree_latency(t.htree, tech, prm, t.pe.height, t.pe.width, (bits_out + bits_in) / bw,
                           clk_freq=clk_freq).read_latency
        hp = htree_power(t.htree, tech, prm, t.pe.height, t.pe.width, bw,
                         (bits_out * prm.inputtoggle + bits_in * prm.outputtoggle) / bw)
        leak_pe = (sub_leak.leakage * jnp.ceil(t.pe_size / sub_r) * jnp.ceil(t.pe_size / prm.num_col_sub_array))
        return act_lat, act_e, buf_lat, buf_e, hl, hp.read_dynamic_energy, hp.leakage, pi.leakage + po.leakage, \
            leak_pe

    io_t_nm, io_t_cm = tile_io(tnm, True), tile_io(tcm, False)
    (act_lat, act_e, tbuf_lat, tbuf_e, th_lat, th_e, th_leak, tbuf_leak, pe_sub_leak) = \
        (jnp.where(tnov, a, b) for a, b in zip(io_t_nm, io_t_cm))
    t_lat = t_lat + act_lat + tbuf_lat + th_lat
    t_oth = t_oth + act_lat + tbuf_lat + th_lat
    t_buf = t_buf + tbuf_lat
    t_ic = t_ic + th_lat
    tmask = lambda x: jnp.where(tval, x, 0.0)  # noqa: E731

    # ---------------- chip level (per layer) ----------------
    # the chip keeps the slowest tile with the reference's MAX (a NaN tile figure is passed over)
    cmax = lambda x: jnp.max(jnp.where(tval & ~jnp.isnan(x), x, 0.0), -1)  # noqa: E731
    c_lat, c_adc, c_acc, c_oth, c_buf, c_ic = (cmax(x) for x in (t_lat, t_adc, t_acc, t_oth, t_buf, t_ic))
    e_tile_acc = jnp.sum(tmask(acc_e), -1)
    e_tile_oth = jnp.sum(tmask(act_e + tbuf_e + th_e), -1)
    e_tile_buf = jnp.sum(tmask(tbuf_e), -1)
    e_tile_ic = jnp.sum(tmask(th_e), -1)

    out_c = f(tb.out_c)
    g_relu = chip.relu
    r = jnp.ceil(nv * out_c / g_relu.num_unit)
    rs = jnp.ceil(nv * out_c / chip.sigmoid.num_entry)
    ga_lat = jnp.where(relu, bit_shifter_latency(g_relu, tech, prm, r, clk_freq=clk_freq).read_latency,
                       sigmoid_latency(chip.sigmoid, tech, prm, rs, clk_freq=clk_freq).read_latency)
    ga_e = jnp.where(relu, bit_shifter_power(g_relu, tech, prm, r).read_dynamic_energy,
                     sigmoid_power(chip.sigmoid, tech, prm, cell, rs).read_dynamic_energy)
    ga_lat = jnp.where(chip_act, ga_lat, 0.0)
    ga_e = jnp.where(chip_act, ga_e, 0.0)
    nt_row = f(fp.num_tile_each_layer_row)
    nt_col = f(fp.num_tile_each_layer_col)
    gacc = chip.accumulation
    gr = jnp.ceil(jnp.floor(cols / ncps) * (nv / gacc.num_adder_tree))
    gacc_lat = jnp.where(nt_row > 1, adder_tree_latency(gacc, tech, prm, gr, nt_row, 0.0,
                                                        clk_freq=clk_freq).read_latency, 0.0)
    gacc_e = jnp.where(nt_row > 1, adder_tree_power(gacc, tech, prm, gr, nt_row).read_dynamic_energy, 0.0)
    pool = jnp.asarray(tb.pool)
    mp = chip.max_pool
    pr_ = jnp.ceil(jnp.floor(nv * cols / ncps) / mp.window / mp.num_max_pooling)
    mp_lat = jnp.where(pool, max_pooling_latency(mp, tech, prm, 1e20, 0.0, pr_, clk_freq=clk_freq).read_latency, 0.0)
    mp_e = jnp.where(pool, max_pooling_power(mp, tech, prm, pr_).read_dynamic_energy, 0.0)

    load_out = jnp.where(novel, rows * nbi * nv / f(tb.k_h), rows * nbi * nv)
    load_in = jnp.floor(cols / ncps) * nbi * nv / jnp.where(pool, 4.0, 1.0)
    total_tiles = jnp.trunc(jnp.sum(nt_row * nt_col))
    tot_row = jnp.ceil(jnp.sqrt(total_tiles))
    tot_col = jnp.ceil(total_tiles / tot_row)
    uh = jnp.where(novel, chip.nm_tile_height, chip.cm_tile_height)
    uw = jnp.where(novel, chip.nm_tile_width, chip.cm_tile_width)
    use_ht = prm.global_bus_type != 0
    ht = chip.htree
    bw_l = jnp.ceil(ht.bus_width * (nt_row * nt_col / total_tiles))
    ht_lat = htree_latency(ht, tech, prm, uh, uw, jnp.ceil((load_out + load_in) / bw_l), clk_freq=clk_freq).read_latency
    ht_e = htree_power(ht, tech, prm, uh, uw, bw_l, jnp.ceil(load_out * prm.inputtoggle / bw_l)
                       + jnp.ceil(load_in * prm.outputtoggle / bw_l)).read_dynamic_energy
    xy = chip.xy_bus
    x_end, y_init = jnp.ceil(tot_col / 2), jnp.ceil(tot_row / 2)
    xy_lat = xy_bus_latency(xy, tech, prm, x_end, y_init, uh, uw, jnp.ceil(load_out / xy.bus_width * tot_row / nt_row),
                            jnp.ceil(load_in / xy.bus_width * tot_col / nt_col), clk_freq=clk_freq).read_latency
    xy_e = xy_bus_power(xy, tech, prm, x_end, y_init, uh, uw, load_out * prm.inputtoggle,
                        load_in * prm.outputtoggle).read_dynamic_energy
    gic_lat = jnp.where(use_ht, ht_lat, xy_lat)
    gic_e = jnp.where(use_ht, ht_e, xy_e)
    gb = shared(chip.global_buffer)
    gw = gb.interface_width
    gbl = buffer_latency(gb, tech, prm, cell, gw, load_out / gw, gw, load_in / gw, clk_freq=clk_freq)
    gbp = buffer_power(gb, tech, prm, gw, load_out / gw, gw, load_in / gw)
    gdiv = jnp.minimum(f(fp.num_buffer_core), jnp.ceil(f(fp.global_bus_width) / gw))
    gb_lat = (gbl.read_latency + gbl.write_latency) / gdiv
    gb_e = gbp.read_dynamic_energy + gbp.write_dynamic_energy

    lat = c_lat + ga_lat + gacc_lat + mp_lat + gb_lat + gic_lat
    lat_acc = c_acc + gacc_lat
    lat_oth = c_oth + ga_lat + mp_lat + gb_lat + gic_lat
    lat_buf = c_buf + gb_lat
    lat_ic = c_ic + gic_lat

    en_adc = e_adc
    en_acc = e_acc + pe_e_extra_acc + e_tile_acc + gacc_e
    en_oth = e_oth + pe_e_buf + pe_e_ic + e_tile_oth + ga_e + mp_e + gb_e + gic_e
    en_buf = pe_e_buf + e_tile_buf + gb_e
    en_ic = pe_e_ic + e_tile_ic + gic_e

    # ---------------- leakage of one tile of each layer ----------------
    # The reference's modules keep the state of their LAST call: a tile's leakage takes the PE
    # adder tree's and the tile accumulation's leakage as left by the most recent call (possibly in
    # an earlier layer, or, in synchronous mode, in the clock pass that ran over all layers first).
    col0 = lambda x: jnp.broadcast_to(x, (Lw, max(P, T)))[:, 0]  # noqa: E731  (per-layer constants)
    lidx = jnp.arange(Lw)
    pe_calls = pe_valid & ((pe_case == PE_DUP_GRID) | (pe_case == PE_NO_DUP))
    t_calls_cm = tval & has_acc & (tcase != TILE_NOVEL)
    t_calls_nm = tval & (tcase == TILE_NOVEL)

    def last_units(calls, units):
        """(called in the layer, operands of the layer's last call) for tables (L, M)."""
        m = calls.shape[-1]
        j = jnp.max(jnp.where(calls, jnp.arange(m), -1), axis=-1)
        u = _gather(jnp.broadcast_to(units, calls.shape), jnp.maximum(j, 0)[:, None])[:, 0]
        return j >= 0, u

    def stale(called, units, in_clock_pass):
        """Operands of the most recent call at each layer's evaluation (0 where never called)."""
        k = jax.lax.associative_scan(jnp.maximum, jnp.where(called, lidx, -1))
        last_all = jnp.max(jnp.where(called, lidx, -1))
        k = jnp.where((k < 0) & in_clock_pass & sync, last_all, k)
        return jnp.where(k >= 0, units[jnp.maximum(k, 0)], 0.0)

    called_nm, u_nm = last_units(pe_calls & pe_novel, at_units)
    called_cm, u_cm = last_units(pe_calls & ~pe_novel, at_units)
    un_nm = stale(called_nm, u_nm, True)
    un_cm = stale(called_cm, u_cm, True)
    at_leak_t = jnp.where(novel, adder_tree_power(tnm.pe.adder_tree, tech, prm, 1.0, un_nm).leakage,
                          adder_tree_power(tcm.pe.adder_tree, tech, prm, 1.0, un_cm).leakage)
    at_leak_t = jnp.where(jnp.where(novel, un_nm, un_cm) > 0, at_leak_t, 0.0)
    io_leak_t = jnp.where(novel, col0(io_nm[4]), col0(io_cm[4]))
    pe_leak = col0(pe_sub_leak) + at_leak_t + io_leak_t
    n_pe = jnp.where(novel, num_pe_nm, num_pe_cm * num_pe_cm)
    c_nm, a_u_nm = last_units(t_calls_nm, acc_units)
    c_cm, a_u_cm = last_units(t_calls_cm, acc_units)
    au_nm = stale(c_nm, a_u_nm, False)
    au_cm = stale(c_cm, a_u_cm, True)
    acc_leak = jnp.where(novel, adder_tree_power(tnm.accumulation, tech, prm, 1.0, au_nm).leakage,
                         adder_tree_power(tcm.accumulation, tech, prm, 1.0, au_cm).leakage)
    acc_leak = jnp.where(jnp.where(novel, au_nm, au_cm) > 0, acc_leak, 0.0)
    tile_leakage = pe_leak * n_pe + acc_leak + col0(tbuf_leak) + col0(th_leak)
    n_sub_pe = jnp.where(novel, jnp.ceil(f(fp.desired_pe_size_nm) / sub_r) ** 2, jnp.ceil(pe_cm_size / sub_r) ** 2)
    tile_in_use = sub_leak.leakage_sram_in_use * n_sub_pe * n_pe

    if debug is not None:
        debug.update(e_tile_buf=e_tile_buf, e_tile_ic=e_tile_ic, act_e=act_e, tbuf_e=tbuf_e, th_e=th_e, e_oth=e_oth, pe_e_buf=pe_e_buf, pe_e_ic=pe_e_ic, e_tile_oth=e_tile_oth, ga_e=ga_e, mp_e=mp_e, gb_e=gb_e,
                     gic_e=gic_e, e_acc=e_acc, pe_e_extra_acc=pe_e_extra_acc, e_tile_acc=e_tile_acc, gacc_e=gacc_e,
                     reads_m=reads_m, nsum_m=nsum_m, tile_leakage=tile_leakage, tile_in_use=tile_in_use)
    return LayerFigures(
        latency=lat, energy_dynamic=en_adc + en_acc + en_oth, tile_leakage=tile_leakage,
        tile_leakage_sram_in_use=tile_in_use, num_tiles=nt_row * nt_col,
        latency_buffer=lat_buf, energy_buffer=en_buf, latency_ic=lat_ic, energy_ic=en_ic,
        latency_adc=c_adc, latency_accum=lat_acc, latency_other=lat_oth,
        energy_adc=en_adc, energy_accum=en_acc, energy_other=en_oth,
    )


class _Flat:
    """Column states of all layers flattened to (L*K, ...) for the column-resistance model."""

    def __init__(self, d):
        c = d["counts"]
        self.counts = c.reshape(-1, c.shape[-1])
        self.col_mean = d["col_mean"].reshape(-1)
        self.pos_mean = d["pos_mean"].reshape(-1, c.shape[-1])
        self.spread = d["spread"].reshape(-1, c.shape[-1])


def chip_performance(tech, prm, cell, sub, chip, fp, tb: LayerTables, num_layers, num_computation,
                     debug: dict | None = None) -> dict:
    """Clock pass, per-layer evaluation and aggregation: the conformance latency/energy metrics.

    ``tech``, ``prm``, ``cell``, ``sub`` (subarray), ``chip`` (:class:`dse.chip.chip.ChipArea`) and
    ``fp`` (floorplan) describe ONE design point; ``tb`` its :class:`LayerTables` (numpy or traced
    arrays; stack several with :func:`stack_tables` and ``jax.vmap`` over points). ``num_layers``:
    the network's true layer count; ``num_computation``: operations per image. Returns the chip
    metrics (0-d) and the ``layer_*`` metrics ((L,)), SI units; ``clock_period`` is 0 in
    asynchronous mode.
    """
    timing = subarray_timing(sub, tech, prm, cell)
    period, freq = clock(sub, tech, prm, cell, timing)
    lf = layer_performance(tech, prm, cell, sub, chip, fp, tb, freq, debug, timing)
    sync = prm.synchronous > 0
    scale = jnp.where(sync, period, 1.0)
    lf = dataclasses.replace(lf, **{k: getattr(lf, k) * scale for k in
                                    ("latency", "latency_buffer", "latency_ic", "latency_adc", "latency_accum",
                                     "latency_other")})
    out = aggregate(lf, prm.pipeline, num_layers, num_computation, chip.area, prm.zeta, prm.validated)
    out["clock_period"] = period
    return out
