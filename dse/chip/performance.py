"""Latency, dynamic energy and leakage of every layer on the chip (PE, tile and chip levels).

Follows the reference's performance pass (manual: "Performance estimation"; model map sections
2, 3 and 6): every subarray slice of a layer reads all the layer's input-vector bits; a PE takes
the slowest of its slices (or divides by its duplication), adds its adder tree, its input/output
flip-flop buffers and buses; a tile takes the slowest of its PEs, adds its accumulation,
activation, buffers and H-tree; the chip takes the slowest of the layer's tiles and adds the
global activation, accumulation, pooling, global buffer and global interconnect. Latencies are
clock CYCLES in synchronous mode (multiplied by the clock period at the end) and seconds
otherwise.

Data layout. The structure (how a layer is cut into tiles, PEs and slices) and the trace
statistics are static per structural key and come as :class:`dse.chip.layer_tables.LayerTables`
(tile and PE classes, distinct active-row histograms, column states; leading layer axis).
:func:`layer_performance` evaluates one design point with NO Python loop over layers: slice
latencies are ``hist @ latency(n)`` on a grid of active-row counts, PE / tile maxima are maxima
over the classes' member histograms, energies are sums with the reference's multiplicities.
Module states that differ between novel- and conventional-mapped layers are picked per layer
(leaves of shape (L, 1)) so that each circuit is evaluated once.

One function per level of the hierarchy: :func:`slice_reads` (the subarray reads),
:func:`pe_performance` (PE classes), :func:`tile_performance` (tile classes),
:func:`global_performance` (the chip-level modules' work per layer) and :func:`tile_leakage`;
:func:`layer_performance` composes them into :class:`dse.chip.aggregate.LayerFigures`.

Units: s (or cycles), J, W, m.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from dse.array.subarray_performance import (adc_column_energy, read_energy_terms, subarray_clock_period,
                                            subarray_leakage, subarray_read_latency, subarray_timing)
from dse.chip.aggregate import LayerFigures, aggregate
from dse.chip.layer_tables import LayerTables, layer_tables, stack_tables  # noqa: F401  (re-exported)
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
from dse.traces.mapping import PE_DUP_GRID, PE_DUP_WHOLE, PE_NO_DUP
from dse.traces.resistance import column_conductance_entries, column_params, column_resistance_states

__all__ = ["LayerTables", "layer_tables", "stack_tables", "clock", "layer_performance", "chip_performance", "slice_reads",
           "pe_performance", "tile_performance", "global_performance", "tile_leakage"]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def _class_max(x, member):
    """Max over the member histograms ``h`` of ``x[..., l, h]`` -> (..., L, C); no member -> -inf.

    Callers add per-class terms to the result and clip at 0 (``max_h (x_h + a) = max_h x_h + a``
    exactly, rounding is monotone), so the terms are not broadcast over the histogram axis."""
    return jnp.max(jnp.where(member, x[..., None, :], -jnp.inf), axis=-1)


def _tile_max(x, pc_tile, pc_valid, n):
    """Max of PE-class values ``x`` (L, C) over the classes of each tile class -> (L, n); none -> 0."""
    onehot = (pc_tile[..., None] == jnp.arange(n)) & pc_valid[..., None]          # (L, C, n)
    return jnp.max(jnp.where(onehot, x[..., None], -jnp.inf), axis=-2).clip(min=0.0)


#: column states per step of :func:`_conversion_energy_sums` (the state axis is a multiple of it)
STATE_CHUNK = 32


def _conversion_energy_sums(sub, tech, prm, cell, tb, g_col=None):
    """Per layer, the column states' ADC conversion energies weighted by their read counts:
    ``(sum_k w_k E(R_k), sum_k w_k n_k E(R_k))`` (J, each (L,)), ``E``:
    :func:`dse.array.subarray_performance.adc_column_energy`, ``w``: the state's weight, ``n``: its
    active rows.

    The tables pad the state axis to one size for every structural key; the sums step over
    :data:`STATE_CHUNK` states at a time and stop after the key's widest layer (the step count
    comes from the tables, so it is the same for every point of a batch)."""
    if g_col is None:
        g_col = column_conductance_entries(tb, **column_params(cell, prm))
    K = tb.weight.shape[-1]
    chunk = STATE_CHUNK if K % STATE_CHUNK == 0 else K
    used = jnp.max(jnp.sum(jnp.asarray(tb.state_valid), -1))
    steps = (used + chunk - 1) // chunk
    weight = jnp.where(jnp.asarray(tb.state_valid), jnp.asarray(tb.weight, jnp.float64), 0.0)
    state_n = jnp.asarray(tb.state_n, jnp.float64)

    def step(i, acc):
        part = lambda a: jax.lax.dynamic_slice_in_dim(a, i * chunk, chunk, axis=-1)  # noqa: E731
        n, w = part(state_n), part(weight)
        r = column_resistance_states(n, part(g_col), cell, prm, sub.res_cell_access)
        e = adc_column_energy(sub, tech, prm, r)
        return (acc[0] + jnp.sum(jnp.where(w > 0, w * e, 0.0), -1),
                acc[1] + jnp.sum(jnp.where(w > 0, w * n * e, 0.0), -1))

    zero = jnp.zeros(weight.shape[:-1])
    return jax.lax.fori_loop(0, steps, step, (zero, zero))


#: active-row counts per step of :func:`_histogram_latencies`
ROW_CHUNK = 32


def _histogram_latencies(sub, tech, prm, cell, tb, clk_freq, timing):
    """Latency of each distinct active-row histogram's reads, ``sum_n hist[l, h, n] * t(n)`` for the
    read latency's ADC, accumulation and other parts ``t`` at ``n`` active rows -> (L, H, 3).

    The tables pad the active-row axis to one size for every structural key (129 counts for
    128-row subarrays); the sum steps over :data:`ROW_CHUNK` counts at a time and stops after the
    largest count any of the key's reads has (the step count comes from the tables)."""
    hist = jnp.asarray(tb.hist, jnp.float64)                        # (L, H, N)
    N = hist.shape[-1]
    used = jnp.max(jnp.where(jnp.any(hist > 0, axis=(0, 1)), jnp.arange(1, N + 1), 0))
    steps = (used + ROW_CHUNK - 1) // ROW_CHUNK

    def step(i, acc):
        n = i * ROW_CHUNK + jnp.arange(ROW_CHUNK)
        h = jnp.where(n < N, jnp.take(hist, jnp.minimum(n, N - 1), axis=-1), 0.0)    # (L, H, ROW_CHUNK)
        rl = subarray_read_latency(sub, tech, prm, cell, n.astype(jnp.float64) / prm.num_row_sub_array, clk_freq,
                                   timing)
        return acc + h @ jnp.stack([rl.read_latency_adc, rl.read_latency_accum, rl.read_latency_other], -1)

    return jax.lax.fori_loop(0, steps, step, jnp.zeros(hist.shape[:-1] + (3,)))


def _pick(novel, a, b):
    """The module state ``a`` for novel-mapped layers, ``b`` for the others: leaves become (L, 1)."""
    la, ta = jax.tree_util.tree_flatten(a)
    lb = jax.tree_util.tree_leaves(b)
    if len(la) != len(lb):
        raise ValueError("novel and conventional module states differ in structure")
    col = jnp.asarray(novel)[:, None]
    return jax.tree_util.tree_unflatten(ta, [jnp.where(col, x, y) for x, y in zip(la, lb)])


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
# per-layer evaluation of one design point: subarray reads, PEs, tiles, chip, leakage
# ---------------------------------------------------------------------------------------------
@pytree_dataclass
class Latency:
    """A latency (s, or cycles when synchronous) and its breakdown, per layer and module class."""

    total: Any
    adc: Any
    accum: Any
    other: Any
    buffer: Any
    ic: Any


@pytree_dataclass
class SliceReads:
    """The subarray reads of each layer: latencies of the distinct active-row histograms (L, H) and
    the dynamic energy of all the layer's reads (L,), each split into ADC, accumulation and other."""

    latency: Any
    latency_adc: Any
    latency_accum: Any
    latency_other: Any
    energy_adc: Any
    energy_accum: Any
    energy_other: Any


@pytree_dataclass
class PEFigures:
    """The PE classes of each layer: latency (L, C); energies of the adder trees, flip-flop buffers
    and buses summed over the layer's PEs (L,); leakage of one PE's buffers and buses."""

    latency: Latency
    energy_accum: Any
    energy_buffer: Any
    energy_ic: Any
    io_leakage: Any


@pytree_dataclass
class TileFigures:
    """The tile classes of each layer: latency (L, T); energies of the accumulation, activation,
    buffers and H-tree summed over the layer's tiles (L,); leakage of one tile's buffers and H-tree."""

    latency: Latency
    energy_accum: Any
    energy_other: Any
    energy_buffer: Any
    energy_ic: Any
    buffer_leakage: Any
    htree_leakage: Any


@pytree_dataclass
class GlobalFigures:
    """The chip-level modules' part of each layer (L,): latency and dynamic energy of the global
    activation, accumulation, max pooling, buffer and interconnect, and the layer's tiles."""

    activation_latency: Any
    activation_energy: Any
    accum_latency: Any
    accum_energy: Any
    pool_latency: Any
    pool_energy: Any
    buffer_latency: Any
    buffer_energy: Any
    ic_latency: Any
    ic_energy: Any
    num_tiles: Any


def _f(x):
    return jnp.asarray(x, jnp.float64)


def _int_reads(tb, prm):
    """Operations per column of a layer's reads: (int) input vectors x int column quotient (L,)."""
    return jnp.floor(_f(tb.num_in_vector)) * jnp.floor(prm.num_col_muxed / prm.num_col_per_synapse)


def _shared_cell(tech, prm, cell, sub):
    """The buffers see the memory cell as the subarray leaves it (the reference shares one cell object)."""
    return lambda b: with_shared_cell(b, tech, prm, cell, sub.width_access_cmos, sub.cap_sram_cell)


def layer_tile(tech, prm, cell, sub, chip, tb: LayerTables):
    """Each layer's tile kind (novel or conventional), its buffers with the shared cell: leaves (L, 1)."""
    shared = _shared_cell(tech, prm, cell, sub)
    tcm = dataclasses.replace(chip.tile_cm, input_buffer=shared(chip.tile_cm.input_buffer),
                              output_buffer=shared(chip.tile_cm.output_buffer))
    tnm = dataclasses.replace(chip.tile_nm, input_buffer=shared(chip.tile_nm.input_buffer),
                              output_buffer=shared(chip.tile_nm.output_buffer))
    return _pick(jnp.asarray(tb.novel), tnm, tcm)


def slice_reads(sub, tech, prm, cell, tb: LayerTables, clk_freq, timing, g_col=None) -> SliceReads:
    """Latency of each distinct read histogram and energy of every read of each layer."""
    f = _f
    parts = _histogram_latencies(sub, tech, prm, cell, tb, clk_freq, timing)   # (L, H, 3)
    blk_adc, blk_acc, blk_oth = parts[..., 0], parts[..., 1], parts[..., 2]
    blk_lat = blk_adc + blk_acc + blk_oth                           # (L, H)
    # energy of the reads: linear in the active rows plus the ADC conversions on the column states
    terms = read_energy_terms(sub, tech, prm, cell)
    reads_m, nsum_m = f(tb.reads_m), f(tb.nsum_m)
    conv_par, conv_seq = _conversion_energy_sums(sub, tech, prm, cell, tb, g_col)
    e_conv = jnp.where(terms.adc_reads_const > 0, terms.adc_reads_const * conv_par, 0.0) + \
        jnp.where(terms.adc_reads_per_row > 0, conv_seq, 0.0)
    e_adc = terms.adc_const * reads_m + terms.adc_per_row * nsum_m + e_conv
    e_acc = terms.accum_const * reads_m + terms.accum_per_row * nsum_m
    e_oth = terms.other_const * reads_m + terms.other_per_row * nsum_m
    return SliceReads(latency=blk_lat, latency_adc=blk_adc, latency_accum=blk_acc, latency_other=blk_oth,
                      energy_adc=e_adc, energy_accum=e_acc, energy_other=e_oth)


def pe_performance(pe, tech, prm, tb: LayerTables, rd: SliceReads, clk_freq) -> PEFigures:
    """Each PE class: the slowest of its slices (or divided by its duplication), its adder tree, its
    input / output flip-flop buffers and buses (``pe``: the layer's PE kind, leaves (L, 1))."""
    f = _f
    nbi, ncps = prm.num_bit_input, prm.num_col_per_synapse
    reads = f(tb.num_reads)
    member = jnp.asarray(tb.pc_member)
    pe_case = jnp.asarray(tb.pc_case)
    pe_dup = f(tb.pc_dup)
    pe_rows, pe_cols = f(tb.pc_rows), f(tb.pc_cols)
    at_read = _int_reads(tb, prm)
    at_units = jnp.ceil(pe_rows / prm.num_row_sub_array)            # (L, C)
    at_lat = adder_tree_latency(pe.adder_tree, tech, prm, at_read[:, None], at_units, 0.0,
                                clk_freq=clk_freq).read_latency
    at_e = adder_tree_power(pe.adder_tree, tech, prm, at_read[:, None], at_units).read_dynamic_energy
    grid = pe_case == PE_DUP_GRID
    whole = pe_case == PE_DUP_WHOLE
    nodup = pe_case == PE_NO_DUP
    # slowest slice of each class; the duplicated-grid case adds the tree per slice
    add_b = jnp.where(grid, at_lat, 0.0)
    div = jnp.where(grid | whole, pe_dup, 1.0)
    tree = jnp.where(nodup, at_lat, 0.0)
    m_lat, m_adc, m_acc, m_oth = _class_max(jnp.stack([rd.latency, rd.latency_adc, rd.latency_accum,
                                                       rd.latency_other]), member)  # (L, C) each
    pe_lat = (m_lat + add_b).clip(min=0.0) / div + tree
    pe_adc = m_adc.clip(min=0.0) / div
    pe_acc = (m_acc + add_b).clip(min=0.0) / div + tree
    pe_oth = m_oth.clip(min=0.0) / div
    pe_at_e = jnp.where(grid, f(tb.pc_nblk) * at_e, jnp.where(nodup, at_e, 0.0))

    # PE buffers (flip-flops) and buses
    bi, bo = pe.buffer_input, pe.buffer_output
    n_in = jnp.floor(pe_rows * reads[:, None] / bi.num_dff)
    n_out = jnp.floor(jnp.floor(jnp.floor(pe_cols / ncps) * pe.adder_tree.num_adder_bit * reads[:, None] / nbi)
                      / bo.num_dff)
    pe_buf_lat = dff_latency(bi, prm, n_in, clk_freq).read_latency + dff_latency(bo, prm, n_out, clk_freq).read_latency
    pbi = dff_power(bi, tech, prm, n_in, bi.num_dff, False)
    pbo = dff_power(bo, tech, prm, n_out, bo.num_dff, False)
    bus_in_n = pe_rows * reads[:, None] / pe.bus_input.bus_width
    out_words = jnp.floor(jnp.floor(pe_cols / ncps) * (pe.adder_tree.num_stage + pe.adder_tree.num_adder_bit)
                          * reads[:, None] / nbi)
    bw_out = pe.bus_output.num_row * pe.bus_output.bus_width
    bus_out_n = out_words / bw_out
    pe_ic_lat = bus_latency(pe.bus_input, tech, prm, bus_in_n, clk_freq=clk_freq).read_latency + \
        bus_latency(pe.bus_output, tech, prm, bus_out_n, clk_freq=clk_freq).read_latency
    pi = bus_power(pe.bus_input, tech, prm, pe.bus_input.bus_width, bus_in_n, True)
    po = bus_power(pe.bus_output, tech, prm, bw_out, bus_out_n, False)
    pe_buf_e = pbi.read_dynamic_energy + pbo.read_dynamic_energy
    pe_ic_e = pi.read_dynamic_energy + po.read_dynamic_energy
    pe_ic_lat = jnp.where(prm.synchronous > 0, 0.0, pe_ic_lat)
    # energies of the PEs (slices already carry their multiplicity)
    pmult = f(tb.pc_mult) * tb.pc_valid
    return PEFigures(
        latency=Latency(total=pe_lat + pe_buf_lat + pe_ic_lat, adc=pe_adc, accum=pe_acc,
                        other=pe_oth + pe_buf_lat + pe_ic_lat, buffer=pe_buf_lat, ic=pe_ic_lat),
        energy_accum=jnp.sum(pmult * pe_at_e, -1), energy_buffer=jnp.sum(pmult * pe_buf_e, -1),
        energy_ic=jnp.sum(pmult * pe_ic_e, -1), io_leakage=pbi.leakage + pbo.leakage + pi.leakage + po.leakage)


def tile_performance(tile, tech, prm, cell, tb: LayerTables, pe: PEFigures, clk_freq) -> TileFigures:
    """Each tile class: the slowest of its PEs (divided by its duplication), its accumulation,
    activation, input / output buffers and H-tree (``tile``: the layer's tile kind, leaves (L, 1))."""
    f = _f
    nbi, ncm, ncps = prm.num_bit_input, prm.num_col_muxed, prm.num_col_per_synapse
    novel = jnp.asarray(tb.novel)
    nv, reads = f(tb.num_in_vector), f(tb.num_reads)
    ptile, pval, tval = jnp.asarray(tb.pc_tile), jnp.asarray(tb.pc_valid), jnp.asarray(tb.tc_valid)
    tdiv = f(tb.tc_div)
    lat = jax.tree_util.tree_map(lambda x: _tile_max(x, ptile, pval, tb.tc_rows.shape[-1]) / tdiv, pe.latency)
    t_rows, t_cols = f(tb.tc_rows), f(tb.tc_cols)
    # tile accumulation: the conventional tile takes a real ceil of the column ratio, the novel an int quotient
    acc_read = jnp.floor(nv) * jnp.where(novel, jnp.floor(ncm / ncps), jnp.ceil(ncm / ncps))
    has_acc = jnp.asarray(tb.tc_acc)
    acc_units = f(tb.tc_acc_units)
    acc_lat = adder_tree_latency(tile.accumulation, tech, prm, acc_read[:, None], acc_units, 0.0,
                                 clk_freq=clk_freq).read_latency
    acc_e = adder_tree_power(tile.accumulation, tech, prm, acc_read[:, None], acc_units).read_dynamic_energy
    acc_lat = jnp.where(has_acc, acc_lat, 0.0)
    acc_e = jnp.where(has_acc, acc_e, 0.0)

    chip_act = prm.chip_activation != 0
    relu = prm.re_lu != 0
    q = _int_reads(tb, prm)[:, None]                                # (L, 1)
    t = tile
    nov = novel[:, None]
    num_pe_nm = f(tb.n_pe)[:, None]
    npe = jnp.where(nov, num_pe_nm, 1.0)
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
    bits_out = jnp.maximum(t_rows * reads[:, None] / jnp.where(nov, jnp.sqrt(num_pe_nm), 1.0), 0.0)
    ob, ib = t.output_buffer, t.input_buffer
    ow, iw = ob.interface_width, ib.interface_width
    lo = buffer_latency(ob, tech, prm, cell, ow, bits_in / ow / 2.0, ow, bits_in / ow / 2.0, clk_freq=clk_freq)
    po_ = buffer_power(ob, tech, prm, ow, bits_in / ow / 2.0, ow, bits_in / ow / 2.0)
    li = buffer_latency(ib, tech, prm, cell, iw, bits_out / iw / 2.0, iw, bits_out / iw / 2.0, clk_freq=clk_freq)
    pi_ = buffer_power(ib, tech, prm, iw, bits_out / iw / 2.0, iw, bits_out / iw / 2.0)
    bw = t.htree.bus_width
    di = jnp.minimum(t.num_in_buffer_core, jnp.ceil(bw / iw))
    do = jnp.minimum(t.num_out_buffer_core, jnp.ceil(bw / ow))
    tbuf_lat = (li.read_latency + li.write_latency) / di + (lo.read_latency + lo.write_latency) / do
    tbuf_e = pi_.read_dynamic_energy + pi_.write_dynamic_energy + po_.read_dynamic_energy + po_.write_dynamic_energy
    th_lat = htree_latency(t.htree, tech, prm, t.pe.height, t.pe.width, (bits_out + bits_in) / bw,
                           clk_freq=clk_freq).read_latency
    hp = htree_power(t.htree, tech, prm, t.pe.height, t.pe.width, bw,
                     (bits_out * prm.inputtoggle + bits_in * prm.outputtoggle) / bw)
    tsum = lambda x: jnp.sum(jnp.where(tval, jnp.broadcast_to(x, tval.shape) * f(tb.tc_count), 0.0), -1)  # noqa
    return TileFigures(
        latency=Latency(total=lat.total + acc_lat + act_lat + tbuf_lat + th_lat, adc=lat.adc, accum=lat.accum + acc_lat,
                        other=lat.other + act_lat + tbuf_lat + th_lat, buffer=lat.buffer + tbuf_lat,
                        ic=lat.ic + th_lat),
        energy_accum=tsum(acc_e), energy_other=tsum(act_e + tbuf_e + hp.read_dynamic_energy),
        energy_buffer=tsum(tbuf_e), energy_ic=tsum(hp.read_dynamic_energy),
        buffer_leakage=pi_.leakage + po_.leakage, htree_leakage=hp.leakage)


def global_performance(chip, tech, prm, cell, sub, fp, tb: LayerTables, clk_freq) -> GlobalFigures:
    """The chip-level modules' work for each layer: global activation (when the chip activates),
    accumulation across tile rows, max pooling, global buffer and global interconnect."""
    f = _f
    nbi, ncps = prm.num_bit_input, prm.num_col_per_synapse
    novel = jnp.asarray(tb.novel)
    nv, rows, cols = f(tb.num_in_vector), f(tb.rows), f(tb.cols)
    chip_act = prm.chip_activation != 0
    relu = prm.re_lu != 0
    out_c = f(tb.out_c)
    g_relu = chip.relu
    r = jnp.ceil(nv * out_c / g_relu.num_unit)
    rs = jnp.ceil(nv * out_c / chip.sigmoid.num_entry)
    ga_lat = jnp.where(relu, bit_shifter_latency(g_relu, tech, prm, r, clk_freq=clk_freq).read_latency,
                       sigmoid_latency(chip.sigmoid, tech, prm, rs, clk_freq=clk_freq).read_latency)
    ga_e = jnp.where(relu, bit_shifter_power(g_relu, tech, prm, r).read_dynamic_energy,
                     sigmoid_power(chip.sigmoid, tech, prm, cell, rs).read_dynamic_energy)
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
    use_ht = prm.global_bus_type != 0
    gb = _shared_cell(tech, prm, cell, sub)(chip.global_buffer)
    gw = gb.interface_width
    gbl = buffer_latency(gb, tech, prm, cell, gw, load_out / gw, gw, load_in / gw, clk_freq=clk_freq)
    gbp = buffer_power(gb, tech, prm, gw, load_out / gw, gw, load_in / gw)
    gdiv = jnp.minimum(f(fp.num_buffer_core), jnp.ceil(f(fp.global_bus_width) / gw))
    return GlobalFigures(
        activation_latency=jnp.where(chip_act, ga_lat, 0.0), activation_energy=jnp.where(chip_act, ga_e, 0.0),
        accum_latency=gacc_lat, accum_energy=gacc_e, pool_latency=mp_lat, pool_energy=mp_e,
        buffer_latency=(gbl.read_latency + gbl.write_latency) / gdiv,
        buffer_energy=gbp.read_dynamic_energy + gbp.write_dynamic_energy,
        ic_latency=jnp.where(use_ht, ht_lat, xy_lat), ic_energy=jnp.where(use_ht, ht_e, xy_e),
        num_tiles=nt_row * nt_col)


def tile_leakage(tile, sub, tech, prm, cell, tb: LayerTables, pe: PEFigures, tl: TileFigures):
    """(Leakage of one tile of each layer (W, (L,)), its SRAM cells' leakage while it computes).

    The reference's modules keep the state of their LAST call: a tile's leakage takes the PE
    adder tree's and the tile accumulation's leakage as left by the most recent call (possibly in
    an earlier layer, or, in synchronous mode, in the clock pass that ran over all layers first)."""
    f = _f
    sync = prm.synchronous > 0
    novel = jnp.asarray(tb.novel)
    Lw = novel.shape[0]
    lidx = jnp.arange(Lw)

    def stale(called, units, in_clock_pass):
        """Operands of the most recent call at each layer's evaluation (0 where never called)."""
        k = jax.lax.associative_scan(jnp.maximum, jnp.where(called, lidx, -1))
        last_all = jnp.max(jnp.where(called, lidx, -1))
        k = jnp.where((k < 0) & in_clock_pass & sync, last_all, k)
        return jnp.where(k >= 0, units[jnp.maximum(k, 0)], 0.0)

    sub_leak = subarray_leakage(sub, tech, prm, cell)
    pe_sub_leak = sub_leak.leakage * jnp.ceil(tile.pe_size / prm.num_row_sub_array) * \
        jnp.ceil(tile.pe_size / prm.num_col_sub_array)
    at_called, at_u = jnp.asarray(tb.at_called), f(tb.at_units)
    un = jnp.where(novel, stale(at_called & novel, at_u, True), stale(at_called & ~novel, at_u, True))
    at_leak_t = adder_tree_power(tile.pe.adder_tree, tech, prm, 1.0, un[:, None]).leakage[:, 0]
    at_leak_t = jnp.where(un > 0, at_leak_t, 0.0)
    pe_leak = pe_sub_leak[:, 0] + at_leak_t + pe.io_leakage[:, 0]
    n_pe = f(tb.n_pe)
    acc_called, acc_u = jnp.asarray(tb.acc_called), f(tb.acc_units)
    au = jnp.where(novel, stale(acc_called & novel, acc_u, False), stale(acc_called & ~novel, acc_u, True))
    acc_leak = adder_tree_power(tile.accumulation, tech, prm, 1.0, au[:, None]).leakage[:, 0]
    acc_leak = jnp.where(au > 0, acc_leak, 0.0)
    leakage = pe_leak * n_pe + acc_leak + jnp.broadcast_to(tl.buffer_leakage, (Lw, 1))[:, 0] + \
        jnp.broadcast_to(tl.htree_leakage, (Lw, 1))[:, 0]
    return leakage, sub_leak.leakage_sram_in_use * f(tb.n_sub_pe) * n_pe


def layer_performance(tech, prm, cell, sub, chip, fp, tb: LayerTables, clk_freq, timing=None, g_col=None):
    """Per-layer figures of one design point (latencies in cycles when synchronous).

    ``chip``: :class:`dse.chip.chip.ChipArea`; ``fp``: the floorplan; ``tb``: :class:`LayerTables`;
    ``g_col``: the column states' conductances (L, K) if computed already
    (:func:`dse.traces.resistance.column_conductance_entries`).
    Returns :class:`dse.chip.aggregate.LayerFigures` (latencies not yet scaled by the period): the
    slowest tile of the layer (:func:`tile_performance`, from :func:`pe_performance` and
    :func:`slice_reads`) plus the chip-level modules (:func:`global_performance`); energies summed
    over every slice, PE and tile; leakage of one tile (:func:`tile_leakage`).
    """
    timing = subarray_timing(sub, tech, prm, cell) if timing is None else timing
    tile = layer_tile(tech, prm, cell, sub, chip, tb)
    rd = slice_reads(sub, tech, prm, cell, tb, clk_freq, timing, g_col)
    pe = pe_performance(tile.pe, tech, prm, tb, rd, clk_freq)
    tl = tile_performance(tile, tech, prm, cell, tb, pe, clk_freq)
    g = global_performance(chip, tech, prm, cell, sub, fp, tb, clk_freq)
    leakage, in_use = tile_leakage(tile, sub, tech, prm, cell, tb, pe, tl)
    # the chip keeps the slowest tile with the reference's MAX (a NaN tile figure is passed over)
    tval = jnp.asarray(tb.tc_valid)
    c = jax.tree_util.tree_map(lambda x: jnp.max(jnp.where(tval & ~jnp.isnan(x), x, 0.0), -1), tl.latency)
    en_adc = rd.energy_adc
    en_acc = rd.energy_accum + pe.energy_accum + tl.energy_accum + g.accum_energy
    en_oth = rd.energy_other + pe.energy_buffer + pe.energy_ic + tl.energy_other + g.activation_energy + \
        g.pool_energy + g.buffer_energy + g.ic_energy
    return LayerFigures(
        latency=c.total + g.activation_latency + g.accum_latency + g.pool_latency + g.buffer_latency + g.ic_latency,
        energy_dynamic=en_adc + en_acc + en_oth, tile_leakage=leakage, tile_leakage_sram_in_use=in_use,
        num_tiles=g.num_tiles, latency_buffer=c.buffer + g.buffer_latency,
        energy_buffer=pe.energy_buffer + tl.energy_buffer + g.buffer_energy, latency_ic=c.ic + g.ic_latency,
        energy_ic=pe.energy_ic + tl.energy_ic + g.ic_energy, latency_adc=c.adc, latency_accum=c.accum + g.accum_latency,
        latency_other=c.other + g.activation_latency + g.pool_latency + g.buffer_latency + g.ic_latency,
        energy_adc=en_adc, energy_accum=en_acc, energy_other=en_oth,
    )


def chip_performance(tech, prm, cell, sub, chip, fp, tb: LayerTables, num_layers, num_computation,
                     g_col=None) -> dict:
    """Clock pass, per-layer evaluation and aggregation: the conformance latency/energy metrics.

    ``tech``, ``prm``, ``cell``, ``sub`` (subarray), ``chip`` (:class:`dse.chip.chip.ChipArea`) and
    ``fp`` (floorplan) describe ONE design point; ``tb`` its :class:`LayerTables` (numpy or traced
    arrays). ``num_layers``:
    the network's true layer count; ``num_computation``: operations per image. Returns the chip
    metrics (0-d) and the ``layer_*`` metrics ((L,)), SI units; ``clock_period`` is 0 in
    asynchronous mode. ``g_col``: see :func:`layer_performance`.
    """
    timing = subarray_timing(sub, tech, prm, cell)
    period, freq = clock(sub, tech, prm, cell, timing)
    lf = layer_performance(tech, prm, cell, sub, chip, fp, tb, freq, timing, g_col)
    sync = prm.synchronous > 0
    scale = jnp.where(sync, period, 1.0)
    lf = dataclasses.replace(lf, **{k: getattr(lf, k) * scale for k in
                                    ("latency", "latency_buffer", "latency_ic", "latency_adc", "latency_accum",
                                     "latency_other")})
    out = aggregate(lf, prm.pipeline, num_layers, num_computation, chip.area, prm.zeta, prm.validated)
    out["clock_period"] = period
    return out
