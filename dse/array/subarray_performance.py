"""Read latency, read dynamic energy and leakage of the subarray (one read = one input vector bit).

Follows the subarray's latency and power model of NeuroSim V1.4 (manual: "Synaptic array"
and its peripheral circuits; model map sections 2, 3 and 6). All functions take the state
of ONE design point (:class:`dse.array.subarray.SubArray` with 0-d fields; map over points
with ``jax.vmap``). Per-read inputs broadcast: ``activity_row_read`` (active input rows /
``num_row``) may have any shape (a batch of reads, a layer axis), column resistances have
shape ``(..., num_columns_read)`` with the same leading axes.

Structure of one read (what a trace reduction needs):

* **clock pass** (synchronous mode): the sensing cycle :func:`subarray_clock_period` is
  independent of the traces in every mode (the ADC latency uses the reference ladder, not
  the column resistances); the chip clock period is its value times ``beta``.
* **latency of a read**: synchronous mode counts cycles: parallel read a constant,
  sequential read a function of the number of active rows ``n = activity * num_row`` only;
  asynchronous mode gives seconds, again constant (parallel) or a function of ``n``.
* **dynamic energy of a read** =
  ``const + per_row * n + (adc_reads_const + adc_reads_per_row * n) * sum_c E_col(R_c)``
  where ``E_col`` = :func:`adc_column_energy` is elementwise in the column resistance
  ``R_c`` (the point's ADC type, :func:`dse.circuits.adc.column_energy`: flash
  ``(L-1) E_sw + max((P(R) + P_ref) T, 0)``, SAR ``P(R) (log2 L + 1) ns``),
  and the ADC conversions per column are ``num_add`` in parallel read, ``n`` in
  sequential read. :func:`read_energy_terms` returns these coefficients split into ADC,
  accumulation and other, as the reference reports them.
* **leakage** is a per-point constant (:func:`subarray_leakage`), as is
  ``leakage_sram_in_use`` (the SRAM cells' leakage while the array computes).

The periphery's latency / energy / leakage come from the circuits' own functions
(``row_decoder_latency``, ``switch_matrix_latency``, ``adder_power``, ...) applied to the
periphery states the subarray already holds, with the loads and operation counts the
subarray gives them; the ADC's from the registry (:mod:`dse.circuits.adc`), which selects the
point's type. Where an energy must be linear in the active rows, its coefficients are the
circuit's own function evaluated at no and at full activity (:func:`_linear_in_activity`).

Quirks of the reference kept: SRAM sequential read with no active row gives a negative
accumulation cycle count; 1T1R sequential read with no active row has NaN column
resistances (0/0), which make the SAR energy NaN while the flash ADC drops them;
1T1R parallel read with one row at a time has an infinite column delay (asynchronous
mode only); a 2-level flash ADC reads past its 1-entry reference ladder in the reference
(undefined behaviour), here the ladder formula is extrapolated.

Cross-point eNVM arrays (``sub.config.crossbar``): word lines are driven by the decoder driver
(sequential read) or the switch matrix (parallel read), there are no repeaters, and the
switch matrix's wire term sees zero per-cell figures (the reference never sets them for
this array type).

Units: s (or cycles where stated), J, W, ohm, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import adc as A
from dse.circuits import formula as fm
from dse.circuits.adder import adder_latency, adder_power
from dse.circuits.cell_layout import calibrated, fin_factor
from dse.circuits.decoder_driver import decoder_driver_latency, decoder_driver_power
from dse.circuits.dff import dff_power
from dse.circuits.formula import log2_exact
from dse.circuits.mux import mux_latency, mux_power
from dse.circuits.new_switch_matrix import new_switch_matrix_latency, new_switch_matrix_power
from dse.circuits.precharger import precharger_latency, precharger_power
from dse.circuits.row_decoder import row_decoder_latency, row_decoder_power
from dse.circuits.sense_amp import sense_amp_latency, sense_amp_power
from dse.circuits.shift_add import shift_add_latency, shift_add_power
from dse.circuits.sram_cell import sram_bitline_delay
from dse.circuits.sram_write_driver import sram_write_driver_power
from dse.circuits.switch_matrix import switch_matrix_latency, switch_matrix_power
from dse.circuits.wl_new_decoder_driver import wl_new_decoder_driver_latency, wl_new_decoder_driver_power
from dse.circuits.wl_repeater import wl_repeater_energy, wl_repeater_latency, wl_repeater_leakage
from dse.pytree import pytree_dataclass
from dse.tech import layout as L

#: share of the column's RC time constant that develops an eNVM bit line (1T1R / cross-point)
COLUMN_RC_SHARE = 0.2


def _cmax(a, b):
    """``a > b ? a : b`` (the reference's MAX macro: a NaN ``a`` yields ``b``)."""
    return jnp.where(a > b, a, b)


def _by_mode(c, sram_seq, sram_par, r_seq, r_par):
    """The value of the point's read configuration (SRAM / eNVM, sequential / parallel read)."""
    return jnp.select([c.sram_seq, c.sram_par, c.r_seq], [sram_seq, sram_par, r_seq], r_par)


def _linear_in_activity(energy, num_row):
    """(constant J, J per active row) of ``energy(activity)``, a circuit's energy that is linear in
    the fraction of rows active: its values at no and at full activity."""
    e = energy(jnp.reshape(jnp.asarray([0.0, 1.0]), (2,) + (1,) * jnp.ndim(num_row)))
    return e[0], (e[1] - e[0]) / num_row


# ---------------------------------------------------------------------------------------
# per-point latencies of the subarray's circuits
# ---------------------------------------------------------------------------------------
@pytree_dataclass
class SubArrayTiming:
    """Per-point latencies (s) of the subarray's circuits for one operation."""

    wl_decoder: Any
    wl_new_decoder_driver: Any
    wl_decoder_driver: Any        # cross-point sequential read
    wl_switch_matrix: Any         # SRAM and cross-point parallel read
    wl_new_switch_matrix: Any     # 1T1R parallel read
    buffer_latency: Any           # word-line repeaters (nodes with repeaters, parallel read)
    mux: Any
    mux_decoder: Any
    precharger: Any
    sense_amp: Any
    col_delay: Any                # bit-line development
    adc: Any                      # one conversion of the point's ADC (0 without one)
    adder: Any
    shift_add_weight_adder: Any
    shift_add_input_adder: Any
    sensing: Any                  # the clock pass's sensing cycle, beta applied


def _unit_wire(sub, prm):
    """Word-line capacitance / resistance per cell the repeater model uses (F, ohm)."""
    has_buf = prm.buffernumber > 0
    # with repeaters the reference refreshes the per-cell capacitance from the loaded word line
    cap_wl = jnp.where(sub.config.sram, sub.cap_row1, sub.cap_row2)
    unitcap = jnp.where(has_buf, cap_wl / prm.num_col_sub_array, sub.unitcap)
    unitres = sub.res_row / prm.num_col_sub_array
    # cross-point arrays: the reference never publishes the per-cell word-line figures (nor the
    # repeater input), so its switch-matrix delay sees zeros there
    xb = sub.config.crossbar
    return jnp.where(xb, 0.0, unitcap), jnp.where(xb, 0.0, unitres), cap_wl


def _word_line_timing(sub, tech, prm) -> dict:
    """Delays (s) of the word-line drivers the configuration has (0 for the others)."""
    c = sub.config
    nb = prm.buffernumber
    has_buf = nb > 0
    unitcap, unitres, cap_wl = _unit_wire(sub, prm)
    sect = prm.num_col_sub_array / (nb + 1.0)
    rep = sub.wl_repeater
    dec = row_decoder_latency(sub.wl_decoder, tech, fm.STEP_RAMP, cap_wl, cap_wl, sub.res_row, sub.num_col, 1.0, 0.0,
                              prm.temp)
    ndd = wl_new_decoder_driver_latency(sub.wl_new_decoder_driver, tech, dec.ramp_output, sub.cap_row2, sub.res_row,
                                        1.0, 0.0, prm.temp).read_latency
    wdd = decoder_driver_latency(sub.wl_decoder_driver, tech, dec.ramp_output, sub.cap_row1, sub.cap_row1,
                                 sub.res_row, 1.0, 0.0).read_latency
    wsm = switch_matrix_latency(sub.wl_switch_matrix, tech, prm, fm.STEP_RAMP, 1.0, 0.0, unit_cap=unitcap,
                                unit_res=unitres, drive_cap_in=jnp.where(c.crossbar, 0.0, rep.cap_in)).read_latency
    nsm_load = jnp.where(has_buf, sub.cap_row2 / (nb + 1.0) + rep.cap_in, sub.cap_row2)
    nsm_res = jnp.where(has_buf, unitres * sect, sub.res_row)
    nsm = new_switch_matrix_latency(sub.wl_new_switch_matrix, tech, prm, fm.STEP_RAMP, nsm_load, nsm_res, 1.0, 0.0)
    return dict(
        wl_decoder=jnp.where(~c.parallel, dec.read_latency, 0.0),
        wl_new_decoder_driver=jnp.where(c.r_seq & ~c.crossbar, ndd, 0.0),
        wl_decoder_driver=jnp.where(c.r_seq & c.crossbar, wdd, 0.0),
        wl_switch_matrix=jnp.where(c.sram_par | (c.r_par & c.crossbar), wsm, 0.0),
        wl_new_switch_matrix=jnp.where(c.r_par & ~c.crossbar, nsm.read_latency, 0.0),
        # no repeaters in cross-point arrays
        buffer_latency=jnp.where(c.parallel & ~c.crossbar,
                                 wl_repeater_latency(rep, unitcap, unitres, prm.num_col_sub_array), 0.0),
    )


def _column_delay(sub, tech, prm, cell):
    """Bit-line development (s): SRAM, Elmore delay of the pull-down path to the sense margin;
    eNVM, a share of the column's RC through the average cell (rows read at once halved as an int)."""
    nrow = sub.num_row
    col_sram = sram_bitline_delay(tech, prm, cell, sub.res_cell_access, sub.cap_col / nrow + sub.cap_cell_access,
                                  sub.res_col / nrow, nrow)
    col_r = jnp.where(sub.config.parallel,
                      sub.cap_col * (sub.res_mem_cell_avg / jnp.floor(sub.num_row_parallel / 2.0)),
                      sub.cap_col * sub.res_mem_cell_avg) * COLUMN_RC_SHARE
    return jnp.where(sub.config.sram, col_sram, col_r)


def subarray_timing(sub, tech, prm, cell) -> SubArrayTiming:
    """Latencies (s) of the subarray's circuits and the sensing cycle of the clock pass."""
    c = sub.config
    wl = _word_line_timing(sub, tech, prm)
    num_adc = jnp.floor(sub.num_col / sub.num_col_muxed)
    mdec = row_decoder_latency(sub.mux_decoder, tech, fm.STEP_RAMP, sub.mux.cap_tg_gate_n * num_adc,
                               sub.mux.cap_tg_gate_p * num_adc, 0.0, 0.0, 1.0, 0.0, prm.temp).read_latency
    mux = jnp.where(c.mux, mux_latency(sub.mux, 0.0, 1.0).read_latency, 0.0)
    mdec = jnp.where(c.mux, mdec, 0.0)
    pre = jnp.where(c.sram, precharger_latency(sub.precharger, tech, fm.STEP_RAMP, sub.cap_col, 1.0, 0.0,
                                               prm.temp).read_latency, 0.0)
    sa = jnp.where(c.sram_seq, sense_amp_latency(sub.sense_amp, tech, 1.0).read_latency, 0.0)
    col = _column_delay(sub, tech, prm, cell)
    adc = A.latency(sub.adc, tech, prm, c.adc)
    add = jnp.where(c.accum, adder_latency(sub.adder, tech, prm, fm.STEP_RAMP, sub.dff.cap_tg_drain, 1.0,
                                           prm.temp).read_latency, 0.0)
    saw_add = jnp.where(c.shift_weight, shift_add_latency(sub.shift_add_weight, tech, prm, cell, 1.0, prm.temp)[1], 0.0)
    sai_add = jnp.where(c.shift_input, shift_add_latency(sub.shift_add_input, tech, prm, cell, 1.0, prm.temp)[1], 0.0)

    # ---- sensing cycle (clock pass) ----
    mux_path = mux + mdec
    sensing = _by_mode(
        c, sram_seq=wl["wl_decoder"] + pre + col + sa,
        sram_par=jnp.maximum(wl["wl_switch_matrix"] + wl["buffer_latency"], mux_path) + pre + adc,
        r_seq=jnp.maximum(wl["wl_decoder"] + wl["wl_new_decoder_driver"] + wl["wl_decoder_driver"], mux_path) + col
        + adc,
        r_par=jnp.maximum(wl["wl_new_switch_matrix"] + wl["wl_switch_matrix"] + wl["buffer_latency"], mux_path) + adc,
    ) * calibrated(prm, prm.beta)
    return SubArrayTiming(mux=mux, mux_decoder=mdec, precharger=pre, sense_amp=sa, col_delay=col, adc=adc, adder=add,
                          shift_add_weight_adder=saw_add, shift_add_input_adder=sai_add, sensing=sensing, **wl)


def subarray_clock_period(sub, tech, prm, cell):
    """Sensing cycle (s) of one read in the clock pass (beta applied when validated).

    Independent of the traces in every read mode; the reference's clock period is its
    maximum over the subarray reads, i.e. this value (for any layer with at least one read),
    and the clock frequency then becomes ``min(clk_freq, 1 / period)``.
    """
    return subarray_timing(sub, tech, prm, cell).sensing


# ---------------------------------------------------------------------------------------
# latency of one read
# ---------------------------------------------------------------------------------------
@pytree_dataclass
class ReadLatency:
    """Latency of one read: cycles in synchronous mode, seconds in asynchronous mode."""

    read_latency: Any
    read_latency_adc: Any
    read_latency_accum: Any
    read_latency_other: Any


def _read_cycles(sub, tm, n, clk_freq):
    """Synchronous mode: (ADC, accumulation) clock cycles of a read with ``n`` active rows."""
    c = sub.config
    ncm, nadd, ncps = sub.num_col_muxed, sub.num_add, sub.num_cell_per_synapse
    groups = jnp.floor(ncm / ncps)                # int division in the reference
    add_cyc = jnp.ceil(tm.adder * clk_freq) - 1.0
    saw_cyc = jnp.ceil(tm.shift_add_weight_adder * clk_freq)
    sai_cyc = jnp.ceil(tm.shift_add_input_adder * clk_freq)
    # SRAM sequential: one sensing per active row; shift-adds wait for the whole array
    adc_ss = n
    acc_ss = (n - 1.0) * add_cyc
    acc_ss = acc_ss + _cmax(jnp.ceil((tm.shift_add_weight_adder * (ncps - 1.0) + tm.shift_add_input_adder)
                                     * clk_freq) - (adc_ss + acc_ss), 0.0)
    # others: conversions per read, shift-adds pipelined behind them
    par = c.parallel
    adc_o = jnp.where(par, ncm * nadd, n * ncm)
    acc_o = jnp.where(par, jnp.where(nadd > 1, ncm * (nadd - 1.0) * add_cyc, 0.0), ncm * (n - 1.0) * add_cyc)
    acc_o = acc_o + jnp.where(c.shift_weight, (ncps - 1.0) * groups * _cmax(saw_cyc - (adc_o + acc_o) / ncm, 0.0),
                              0.0)
    acc_o = acc_o + jnp.where(c.shift_input, groups * _cmax(sai_cyc - (adc_o + acc_o) / groups, 0.0), 0.0)
    return jnp.where(c.sram_seq, adc_ss, adc_o), jnp.where(c.sram_seq, acc_ss, acc_o)


def _read_seconds(sub, tm, n, beta):
    """Asynchronous mode: (ADC, accumulation, other) seconds of a read with ``n`` active rows."""
    c = sub.config
    ncm, nadd, ncps = sub.num_col_muxed, sub.num_add, sub.num_cell_per_synapse
    groups = jnp.floor(ncm / ncps)                # int division in the reference
    mux_path = tm.mux + tm.mux_decoder
    a_adc = _by_mode(c, sram_seq=(tm.precharger + tm.col_delay + tm.sense_amp) * n * beta,
                     sram_par=(tm.precharger + tm.col_delay + tm.adc) * ncm * beta * nadd,
                     r_seq=(tm.adc + tm.col_delay) * (n * ncm) * beta,
                     r_par=(tm.adc + tm.col_delay) * ncm * beta * nadd)
    a_other = _by_mode(
        c, sram_seq=tm.wl_decoder * n * beta,
        sram_par=jnp.maximum(tm.wl_switch_matrix * nadd, mux_path) * ncm * beta,
        r_seq=jnp.maximum((tm.wl_decoder + tm.wl_new_decoder_driver + tm.wl_decoder_driver) * n, mux_path) * ncm * beta,
        r_par=jnp.maximum((tm.wl_new_switch_matrix + jnp.where(c.r_par, tm.wl_switch_matrix, 0.0)) * nadd, mux_path)
        * ncm * beta)
    w_term = tm.shift_add_weight_adder * (ncps - 1.0)
    i_term = tm.shift_add_input_adder
    acc_work = jnp.select(
        [c.sram_seq, c.parallel],
        [tm.adder * (n - 1.0) + w_term + i_term,
         tm.adder * ncm * (nadd - 1.0) + (w_term + i_term) * groups],
        tm.adder * ncm * (n - 1.0) + (w_term + i_term) * groups)
    return a_adc, _cmax(acc_work - a_adc - a_other, 0.0), a_other


def subarray_read_latency(sub, tech, prm, cell, activity_row_read, clk_freq, timing: SubArrayTiming | None = None
                          ) -> ReadLatency:
    """Latency of one read with ``activity_row_read`` (any shape) of the rows active.

    ``clk_freq`` (Hz) is the clock of the performance pass (``min(prm.clk_freq, 1 /
    period)``); it sets the cycle counts of the adders in synchronous mode and is unused in
    asynchronous mode. Synchronous mode returns cycle counts (the caller multiplies by the
    clock period), asynchronous mode seconds.
    """
    tm = subarray_timing(sub, tech, prm, cell) if timing is None else timing
    n = sub.num_row * jnp.asarray(activity_row_read, jnp.float64)   # active rows
    s_adc, s_acc = _read_cycles(sub, tm, n, clk_freq)
    a_adc, a_acc, a_other = _read_seconds(sub, tm, n, calibrated(prm, prm.beta))
    sync = prm.synchronous > 0
    lat_adc = jnp.where(sync, s_adc, a_adc)
    lat_acc = jnp.where(sync, s_acc, a_acc)
    lat_other = jnp.where(sync, jnp.zeros_like(s_adc), a_other)
    return ReadLatency(read_latency=lat_adc + lat_acc + lat_other, read_latency_adc=lat_adc,
                       read_latency_accum=lat_acc, read_latency_other=lat_other)


# ---------------------------------------------------------------------------------------
# energy of one read
# ---------------------------------------------------------------------------------------
def adc_column_energy(sub, tech, prm, r_col):
    """Energy (J) of ONE conversion of a column of resistance ``r_col`` (ohm, elementwise) by the
    point's ADC (:func:`dse.circuits.adc.column_energy`); 0 where the subarray has no ADC (SRAM
    sequential read). A read costs ``adc_conversions(...)`` times the sum of this over its columns.
    """
    return A.column_energy(sub.adc, tech, prm, r_col, sub.config.adc)


def adc_conversions(sub, activity_row_read):
    """Conversions of each column in one read: ``num_add`` (parallel) or the active rows (sequential)."""
    n = sub.num_row * jnp.asarray(activity_row_read, jnp.float64)
    return jnp.where(sub.config.parallel, sub.num_add, n)


@pytree_dataclass
class ReadEnergyTerms:
    """Coefficients of one read's dynamic energy (J) in the active rows ``n``.

    ``E_x(n) = x_const + x_per_row * n`` for x in adc / accum / other, plus the ADC
    conversions ``(adc_reads_const + adc_reads_per_row * n) * sum_c adc_column_energy(R_c)``
    (counted in the ADC part).
    """

    adc_const: Any
    adc_per_row: Any
    accum_const: Any
    accum_per_row: Any
    other_const: Any
    other_per_row: Any
    adc_reads_const: Any
    adc_reads_per_row: Any


def _word_line_energy(sub, tech, prm, cell):
    """(constant, per active row) energy (J) of the word-line drivers, column mux and decoder."""
    c = sub.config
    ncm = sub.num_col_muxed
    xb = c.crossbar
    temp = prm.temp
    dec_e = row_decoder_power(sub.wl_decoder, tech, prm, 1.0, 0.0, temp).read_dynamic_energy
    ndd_e = jnp.where(xb, 0.0, wl_new_decoder_driver_power(sub.wl_new_decoder_driver, tech, cell, 1.0, 0.0,
                                                           temp).read_dynamic_energy)
    # cross-point sequential: the reference counts a row's worth of read cells per line selection
    dd_e = jnp.where(xb, decoder_driver_power(sub.wl_decoder_driver, tech, cell, jnp.ceil(sub.num_col / ncm), 0.0,
                                              1.0, 0.0, temp).read_dynamic_energy, 0.0)
    wsm_const, wsm_row = _linear_in_activity(
        lambda act: switch_matrix_power(sub.wl_switch_matrix, tech, prm, cell, ncm, act, temp).read_dynamic_energy,
        sub.num_row)
    nsm_const, nsm_row = _linear_in_activity(
        lambda act: new_switch_matrix_power(sub.wl_new_switch_matrix, tech, prm, cell, ncm, act,
                                            temp).read_dynamic_energy, sub.num_row)
    mux_e = jnp.where(c.mux, (mux_power(sub.mux, tech, cell, 1.0).read_dynamic_energy
                              + row_decoder_power(sub.mux_decoder, tech, prm, 1.0, 0.0, temp).read_dynamic_energy)
                      * ncm, 0.0)
    per_row = _by_mode(c, sram_seq=dec_e, sram_par=wsm_row, r_seq=(dec_e + ndd_e + dd_e) * ncm,
                       r_par=jnp.where(xb, wsm_row, nsm_row))
    const = _by_mode(c, sram_seq=jnp.zeros_like(dec_e), sram_par=wsm_const + mux_e, r_seq=mux_e,
                     r_par=jnp.where(xb, wsm_const, nsm_const) + mux_e)
    return const, per_row


def _array_energy(sub, tech, prm, cell):
    """Energy (J) per active row of the lines, repeaters and bit-line circuits (the ADC part)."""
    c = sub.config
    v2 = tech.vdd * tech.vdd
    vr2 = cell.read_voltage * cell.read_voltage
    ncol, ncm = sub.num_col, sub.num_col_muxed
    num_read_cells = jnp.ceil(ncol / ncm)              # real ceil in 1T1R sequential read
    buf_row = jnp.where(c.crossbar, 0.0, wl_repeater_energy(sub.wl_repeater, tech))
    # precharge and sense every column of the row read
    pre_e = precharger_power(sub.precharger, tech, sub.cap_col, 1.0, 0.0, ncol, ncol, 0.0,
                             prm.temp).read_dynamic_energy
    sa_e = sense_amp_power(sub.sense_amp, tech, 1.0, ncol, prm.temp).read_dynamic_energy
    cap_bl = sub.length_col * L.WIRE_CAP_PER_M
    return _by_mode(c, sram_seq=sub.cap_row1 * v2 + pre_e + sa_e, sram_par=(sub.cap_row1 * v2 + buf_row) * ncm,
                    r_seq=(cap_bl * vr2 * num_read_cells + sub.cap_row2 * v2) * ncm,
                    r_par=(sub.cap_row2 * v2 + buf_row) * ncm)


def _accumulation_energy(sub, tech, prm):
    """(constant, per active row) energy (J) of the adders, flip-flops and shift-adders."""
    c = sub.config
    ncol, ncm, nadd, ncps = sub.num_col, sub.num_col_muxed, sub.num_add, sub.num_cell_per_synapse
    groups = jnp.floor(ncm / ncps)
    num_adc = jnp.floor(ncol / ncm)
    num_read_cells = jnp.ceil(ncol / ncm)
    addr_bits = jnp.ceil(log2_exact(sub.num_row))
    # the reference passes the adders per operation as an int (truncation)
    add_e = adder_power(sub.adder, tech, prm, 1.0, jnp.trunc(jnp.where(c.sram_seq, jnp.floor(ncol / ncps),
                                                                       jnp.where(c.parallel, num_adc, num_read_cells))),
                        prm.temp).read_dynamic_energy
    dff_per_op = jnp.select([c.sram_seq, c.parallel],
                            [jnp.floor(ncol / ncps) * (addr_bits / 2.0 + 1.0),
                             num_adc * (log2_exact(sub.level_output) + jnp.ceil(log2_exact(nadd)) / 2.0)],
                            num_read_cells * (addr_bits / 2.0 + sub.avg_weight_bit))
    dff_e = dff_power(sub.dff, tech, prm, 1.0, dff_per_op, True, prm.temp).read_dynamic_energy
    acc_unit = add_e + dff_e
    acc_row = jnp.where(c.sram_seq, acc_unit, jnp.where(c.parallel, 0.0, acc_unit * ncm))
    acc_par = jnp.where(nadd > 1, acc_unit * ncm * (nadd - 1.0), 0.0)
    saw_e = jnp.where(c.shift_weight, shift_add_power(sub.shift_add_weight, tech, prm, 1.0,
                                                      prm.temp).read_dynamic_energy, 0.0)
    sai_e = jnp.where(c.shift_input, shift_add_power(sub.shift_add_input, tech, prm, 1.0,
                                                     prm.temp).read_dynamic_energy, 0.0)
    shift_const = jnp.where(c.sram_seq, saw_e * (ncps - 1.0) + sai_e, saw_e * (ncps - 1.0) * groups + sai_e * groups)
    return jnp.where(c.parallel, acc_par, 0.0) + shift_const, acc_row


def read_energy_terms(sub, tech, prm, cell) -> ReadEnergyTerms:
    """Per-point coefficients of the read dynamic energy (see :class:`ReadEnergyTerms`)."""
    c = sub.config
    other_const, other_row = _word_line_energy(sub, tech, prm, cell)
    acc_const, acc_row = _accumulation_energy(sub, tech, prm)
    return ReadEnergyTerms(
        adc_const=jnp.zeros_like(sub.num_row), adc_per_row=_array_energy(sub, tech, prm, cell),
        accum_const=acc_const, accum_per_row=acc_row,
        other_const=other_const, other_per_row=other_row,
        adc_reads_const=jnp.where(c.adc & c.parallel, sub.num_add, 0.0),
        adc_reads_per_row=jnp.where(c.adc & ~c.parallel, 1.0, 0.0),
    )


@pytree_dataclass
class ReadEnergy:
    """Dynamic energy (J) of one read and its split."""

    read_dynamic_energy: Any
    read_dynamic_energy_adc: Any
    read_dynamic_energy_accum: Any
    read_dynamic_energy_other: Any


def subarray_read_energy(sub, tech, prm, cell, activity_row_read, r_col=None, *, adc_sum=None,
                         terms: ReadEnergyTerms | None = None) -> ReadEnergy:
    """Dynamic energy of one read with ``activity_row_read`` active rows (any shape).

    Either ``r_col`` (ohm, shape ``activity.shape + (columns,)``: the resistances of the
    columns read; NaN/inf as the reference produces them) or ``adc_sum`` (J, the sum over
    the read's columns of :func:`adc_column_energy`, shape of ``activity``).
    """
    tt = read_energy_terms(sub, tech, prm, cell) if terms is None else terms
    n = sub.num_row * jnp.asarray(activity_row_read, jnp.float64)
    if adc_sum is None:
        adc_sum = jnp.sum(adc_column_energy(sub, tech, prm, r_col), axis=-1)
    conv = (tt.adc_reads_const + tt.adc_reads_per_row * n) * adc_sum
    conv = jnp.where(tt.adc_reads_const + tt.adc_reads_per_row > 0, conv, 0.0)
    e_adc = tt.adc_const + tt.adc_per_row * n + conv
    e_acc = tt.accum_const + tt.accum_per_row * n
    e_oth = tt.other_const + tt.other_per_row * n
    return ReadEnergy(read_dynamic_energy=e_adc + e_acc + e_oth, read_dynamic_energy_adc=e_adc,
                      read_dynamic_energy_accum=e_acc, read_dynamic_energy_other=e_oth)


# ---------------------------------------------------------------------------------------
# leakage
# ---------------------------------------------------------------------------------------
@pytree_dataclass
class SubArrayLeakage:
    """Leakage power (W) of the subarray."""

    leakage: Any                  # whole subarray
    leakage_sram_in_use: Any      # SRAM cells that leak while the array computes (0 for 1T1R)


def subarray_leakage(sub, tech, prm, cell) -> SubArrayLeakage:
    """Leakage (W): SRAM cells (two inverters each) and the periphery the configuration has."""
    c = sub.config
    t, vdd = prm.temp, tech.vdd
    fin_f = fin_factor(tech) * tech.feature_size
    cell_leak = fm.gate_leakage(tech, L.INV, 1, cell.width_sram_cell_nmos * fin_f,
                                cell.width_sram_cell_pmos * fin_f, t) * vdd * 2.0
    nrow, ncol = sub.num_row, sub.num_col
    xb = c.crossbar
    leak = lambda p: p.leakage  # noqa: E731
    parts = [
        jnp.where(~c.parallel, leak(row_decoder_power(sub.wl_decoder, tech, prm, 1.0, 0.0, t)), 0.0),
        jnp.where(c.r_seq & ~xb, leak(wl_new_decoder_driver_power(sub.wl_new_decoder_driver, tech, cell, 1.0, 0.0,
                                                                  t)), 0.0),
        jnp.where(c.r_seq & xb, leak(decoder_driver_power(sub.wl_decoder_driver, tech, cell, 0.0, 0.0, 0.0, 0.0, t)),
                  0.0),
        jnp.where(c.sram_par | (c.r_par & xb), leak(switch_matrix_power(sub.wl_switch_matrix, tech, prm, cell, 1.0,
                                                                        0.0, t)), 0.0),
        jnp.where(c.r_par & ~xb, leak(new_switch_matrix_power(sub.wl_new_switch_matrix, tech, prm, cell, 1.0, 0.0,
                                                              t)), 0.0),
        jnp.where(~c.sram, leak(switch_matrix_power(sub.sl_switch_matrix, tech, prm, cell, 1.0, 0.0, t)), 0.0),
        jnp.where(c.mux, leak(row_decoder_power(sub.mux_decoder, tech, prm, 1.0, 0.0, t)), 0.0),
        jnp.where(c.sram, leak(precharger_power(sub.precharger, tech, sub.cap_col, 1.0, 0.0, ncol, ncol, 0.0, t)),
                  0.0),
        jnp.where(c.sram, leak(sram_write_driver_power(sub.sram_write_driver, tech, 0.0, ncol, 0.0, t)), 0.0),
        jnp.where(c.sram_seq, leak(sense_amp_power(sub.sense_amp, tech, 1.0, ncol, t)), 0.0),
        A.leakage(sub.adc, tech, prm, c.adc),
        jnp.where(c.accum, leak(adder_power(sub.adder, tech, prm, 1.0, sub.adder.num_adder, t))
                  + leak(dff_power(sub.dff, tech, prm, 1.0, sub.dff.num_dff, False, t)), 0.0),
        jnp.where(c.shift_weight, leak(shift_add_power(sub.shift_add_weight, tech, prm, 1.0, t)), 0.0),
        jnp.where(c.shift_input, leak(shift_add_power(sub.shift_add_input, tech, prm, 1.0, t)), 0.0),
        jnp.where(c.r_par & ~xb, wl_repeater_leakage(sub.wl_repeater, tech, prm, prm.num_row_sub_array), 0.0),
    ]
    periphery = parts[0]
    for p in parts[1:]:
        periphery = periphery + p
    cells = jnp.where(c.sram, cell_leak * nrow * ncol, 0.0)
    in_use = jnp.where(c.sram_seq, cell_leak * (nrow - 1.0) * ncol,
                       jnp.where(c.sram_par, cell_leak * (nrow * ncol - sub.num_row_parallel
                                                          * jnp.floor(ncol / sub.num_col_muxed)), 0.0))
    return SubArrayLeakage(leakage=cells + periphery, leakage_sram_in_use=in_use)
