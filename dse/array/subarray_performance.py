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
  ``R_c`` (flash ADC: ``(L-1) E_sw + max((P(R) + P_ref) T, 0)``; SAR: ``P(R) (log2 L + 1) ns``),
  and the ADC conversions per column are ``num_add`` in parallel read, ``n`` in
  sequential read. :func:`read_energy_terms` returns these coefficients split into ADC,
  accumulation and other, as the reference reports them.
* **leakage** is a per-point constant (:func:`subarray_leakage`), as is
  ``leakage_sram_in_use`` (the SRAM cells' leakage while the array computes).

The periphery's latency / energy / leakage come from the circuits' own functions
(``row_decoder_latency``, ``switch_matrix_latency``, ``adder_power``, ...) applied to the
periphery states the subarray already holds, with the loads and operation counts the
subarray gives them.

Quirks of the reference kept: SRAM sequential read with no active row gives a negative
accumulation cycle count; 1T1R sequential read with no active row has NaN column
resistances (0/0), which make the SAR energy NaN while the flash ADC drops them;
1T1R parallel read with one row at a time has an infinite column delay (asynchronous
mode only); a 2-level flash ADC reads past its 1-entry reference ladder in the reference
(undefined behaviour), here the ladder formula is extrapolated.

Cross-point eNVM arrays (``sub.crossbar``): word lines are driven by the decoder driver
(sequential read) or the switch matrix (parallel read), there are no repeaters, and the
switch matrix's wire term sees zero per-cell figures (the reference never sets them for
this array type).

Units: s (or cycles where stated), J, W, ohm, F.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.adder import adder_latency, adder_power
from dse.circuits.decoder_driver import decoder_driver_latency, decoder_driver_power
from dse.circuits.dff import dff_power
from dse.circuits.multilevel_sa_encoder import encoder_latency, encoder_leakage, log2_exact
from dse.circuits import multilevel_sense_amp as mlsa_model
from dse.circuits import sar_adc as sar_model
from dse.circuits.multilevel_sense_amp import mlsa_column_energy, mlsa_column_time
from dse.circuits.mux import mux_latency, mux_power
from dse.circuits.new_switch_matrix import new_switch_matrix_latency
from dse.circuits.precharger import precharger_latency, precharger_power
from dse.circuits.row_decoder import row_decoder_latency, row_decoder_power
from dse.circuits.sar_adc import column_energy as sar_column_energy
from dse.circuits.sense_amp import sense_amp_latency, sense_amp_power
from dse.circuits.shift_add import shift_add_power
from dse.circuits.sram_write_driver import sram_write_driver_power
from dse.circuits.switch_matrix import switch_matrix_latency
from dse.circuits.wl_new_decoder_driver import wl_new_decoder_driver_latency, wl_new_decoder_driver_power
from dse.pytree import pytree_dataclass
from dse.tech import layout as L

STEP = 1e20   # input ramp of an ideal step (1/s)


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------
def _cmax(a, b):
    """``a > b ? a : b`` (the reference's MAX macro: a NaN ``a`` yields ``b``)."""
    return jnp.where(a > b, a, b)


def _scale(prm, factor):
    """A calibration factor where the point is validated, else 1."""
    return jnp.where(prm.validated > 0, factor, 1.0)


def _fin(tech):
    return jnp.where(tech.technode <= 14, 2.0, 1.0)


# ---------------------------------------------------------------------------------------
# periphery circuits: thin adapters over the circuits' own latency / power functions
# (one operation each; latency s, energy J, leakage W)
# ---------------------------------------------------------------------------------------
def _row_decoder_latency(dec, tech, prm, cap_load1, cap_load2, res_load, colnum, ramp_input=STEP):
    """Decoder delay (s) and the ramp it hands on."""
    lat = row_decoder_latency(dec, tech, ramp_input, cap_load1, cap_load2, res_load, colnum, 1.0, 0.0, prm.temp)
    return lat.read_latency, lat.ramp_output


def _row_decoder_energy(dec, tech, prm):
    """Decoder dynamic energy (J) per decode (x epsilon when validated)."""
    return row_decoder_power(dec, tech, prm, 1.0, 0.0, prm.temp).read_dynamic_energy


def _row_decoder_leakage(dec, tech, prm):
    return row_decoder_power(dec, tech, prm, 1.0, 0.0, prm.temp).leakage


def _dff_energy(dff, tech, prm, num_dff_per_op, validated):
    """Flip-flop bank energy (J) per clocking (x gamma when ``validated`` and the point is)."""
    return dff_power(dff, tech, prm, 1.0, num_dff_per_op, validated, prm.temp).read_dynamic_energy


def _dff_leakage(dff, tech, prm):
    return dff_power(dff, tech, prm, 1.0, dff.num_dff, False, prm.temp).leakage


def _adder_latency(add, tech, prm, cap_load):
    """Ripple-carry adder delay (s) into ``cap_load`` (F)."""
    return adder_latency(add, tech, prm, STEP, cap_load, 1.0, prm.temp).read_latency


def _adder_energy(add, tech, prm, num_adder_per_op):
    """Adder bank energy (J) per addition of ``num_adder_per_op`` adders (x delta when validated)."""
    # the reference passes the per-operation count as an int (truncation)
    return adder_power(add, tech, prm, 1.0, jnp.trunc(num_adder_per_op), prm.temp).read_dynamic_energy


def _adder_leakage(add, tech, prm):
    return adder_power(add, tech, prm, 1.0, add.num_adder, prm.temp).leakage


def _shift_add_energy(sa, tech, prm):
    """Shift-add energy (J) per use: its adders and flip-flops (x delta, gamma when validated)."""
    return shift_add_power(sa, tech, prm, 1.0, prm.temp).read_dynamic_energy


def _shift_add_leakage(sa, tech, prm):
    return shift_add_power(sa, tech, prm, 1.0, prm.temp).leakage


def _switch_matrix_latency(sm, tech, prm, unitcap, unitres, drive_cap_in):
    """Word-line switch matrix delay (s): gate into a distributed (possibly repeated) word line."""
    return switch_matrix_latency(sm, tech, prm, STEP, 1.0, 0.0, unit_cap=unitcap, unit_res=unitres,
                                 drive_cap_in=drive_cap_in).read_latency


def _new_switch_matrix_latency(sm, tech, prm, cap_load, res_load):
    return new_switch_matrix_latency(sm, tech, prm, STEP, cap_load, res_load, 1.0, 0.0).read_latency


def _wl_new_decoder_driver_latency(drv, tech, prm, ramp_input, cap_load, res_load):
    return wl_new_decoder_driver_latency(drv, tech, ramp_input, cap_load, res_load, 1.0, 0.0, prm.temp).read_latency


def _wl_new_decoder_driver_energy(drv, tech, prm, cell):
    return wl_new_decoder_driver_power(drv, tech, cell, 1.0, 0.0, prm.temp).read_dynamic_energy


def _wl_new_decoder_driver_leakage(drv, tech, prm, cell):
    return wl_new_decoder_driver_power(drv, tech, cell, 1.0, 0.0, prm.temp).leakage


def _mux_latency(mux):
    return mux_latency(mux, 0.0, 1.0).read_latency


def _mux_energy(mux, tech, cell):
    return mux_power(mux, tech, cell, 1.0).read_dynamic_energy


def _precharger_latency(pre, tech, prm, cap_load):
    return precharger_latency(pre, tech, STEP, cap_load, 1.0, 0.0, prm.temp).read_latency


def _sense_amp_latency(sa, tech):
    return sense_amp_latency(sa, tech, 1.0).read_latency


# ---------------------------------------------------------------------------------------
# per-point figures of the subarray
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
    multilevel_sense_amp: Any     # one conversion (numColMuxed = 1)
    multilevel_sa_encoder: Any
    sar_adc: Any
    adder: Any
    shift_add_weight_adder: Any
    shift_add_input_adder: Any
    sensing: Any                  # the clock pass's sensing cycle, beta applied


def _xbar(sub):
    """Cross-point eNVM array (no access device) mask."""
    return sub.crossbar > 0


def _masks(sub):
    is_sram = sub.is_sram > 0
    par = sub.parallel > 0
    return is_sram, par, is_sram & ~par, is_sram & par, (~is_sram) & ~par, (~is_sram) & par


def _uses(sub):
    """(flash ADC, encoder, SAR, mux) presence masks."""
    is_sram, par, sram_seq, _, r_seq, _ = _masks(sub)
    adc = ~sram_seq
    sar = adc & (sub.sar > 0)
    mlsa = adc & ~(sub.sar > 0)
    enc = mlsa & (par | (sub.avg_weight_bit > 1))
    return mlsa, enc, sar, sub.use_mux > 0


def _unit_wire(sub, prm):
    """Word-line capacitance / resistance per cell the repeater model uses (F, ohm)."""
    is_sram = sub.is_sram > 0
    has_buf = prm.buffernumber > 0
    # with repeaters the reference refreshes the per-cell capacitance from the loaded word line
    cap_wl = jnp.where(is_sram, sub.cap_row1, sub.cap_row2)
    unitcap = jnp.where(has_buf, cap_wl / prm.num_col_sub_array, sub.unitcap)
    unitres = sub.res_row / prm.num_col_sub_array
    # cross-point arrays: the reference never publishes the per-cell word-line figures (nor the
    # repeater input), so its switch-matrix delay sees zeros there
    xb = _xbar(sub)
    return jnp.where(xb, 0.0, unitcap), jnp.where(xb, 0.0, unitres), cap_wl


def _buffer_latency(sub, prm):
    """Delay (s) of the word-line repeater chain (0 without repeaters)."""
    nb = prm.buffernumber
    sect = prm.num_col_sub_array / (nb + 1.0)
    unitcap, unitres, _ = _unit_wire(sub, prm)
    tdr, dci, dco = sub.target_drive_res, sub.drive_cap_in, sub.drive_cap_out
    wire = unitcap * sect * (0.69 * tdr + 0.38 * unitres * sect)
    t1 = tdr * dco * 0.69 + wire + (unitcap * sect * 0.69 + 0.69 * tdr) * dci
    t2 = tdr * dco * 0.69 + wire
    t3 = (dco + dci) * tdr * 0.69
    return jnp.where(nb > 0, (nb - 1.0) * (t1 + t3) + (t2 + t3), 0.0)


def subarray_timing(sub, tech, prm, cell) -> SubArrayTiming:
    """Latencies (s) of the subarray's circuits and the sensing cycle of the clock pass."""
    is_sram, par, sram_seq, sram_par, r_seq, r_par = _masks(sub)
    use_mlsa, use_enc, use_sar, use_mux = _uses(sub)
    t = prm.temp
    nb = prm.buffernumber
    has_buf = nb > 0
    unitcap, unitres, cap_wl = _unit_wire(sub, prm)
    sect = prm.num_col_sub_array / (nb + 1.0)

    # ---- word lines ----
    dec_lat, dec_ramp = _row_decoder_latency(sub.wl_decoder, tech, prm, cap_wl, cap_wl, sub.res_row, sub.num_col)
    dec_lat = jnp.where(~par, dec_lat, 0.0)
    ndd = _wl_new_decoder_driver_latency(sub.wl_new_decoder_driver, tech, prm, dec_ramp, sub.cap_row2, sub.res_row)
    xb = _xbar(sub)
    ndd = jnp.where(r_seq & ~xb, ndd, 0.0)
    wdd = decoder_driver_latency(sub.wl_decoder_driver, tech, dec_ramp, sub.cap_row1, sub.cap_row1, sub.res_row,
                                 1.0, 0.0).read_latency
    wdd = jnp.where(r_seq & xb, wdd, 0.0)
    wsm = _switch_matrix_latency(sub.wl_switch_matrix, tech, prm, unitcap, unitres,
                                 jnp.where(xb, 0.0, sub.drive_cap_in))
    wsm = jnp.where(sram_par | (r_par & xb), wsm, 0.0)
    nsm_load = jnp.where(has_buf, sub.cap_row2 / (nb + 1.0) + sub.drive_cap_in, sub.cap_row2)
    nsm_res = jnp.where(has_buf, unitres * sect, sub.res_row)
    nsm = jnp.where(r_par & ~xb, _new_switch_matrix_latency(sub.wl_new_switch_matrix, tech, prm, nsm_load, nsm_res),
                    0.0)
    # no repeaters in cross-point arrays
    buf = jnp.where(par & ~xb, _buffer_latency(sub, prm), 0.0)

    # ---- column mux ----
    mux = jnp.where(use_mux, _mux_latency(sub.mux), 0.0)
    num_adc = jnp.floor(sub.num_col / sub.num_col_muxed)
    mdec, _ = _row_decoder_latency(sub.mux_decoder, tech, prm, sub.mux.cap_tg_gate_n * num_adc,
                                   sub.mux.cap_tg_gate_p * num_adc, 0.0, 0.0)
    mdec = jnp.where(use_mux, mdec, 0.0)

    # ---- bit lines ----
    pre = jnp.where(is_sram, _precharger_latency(sub.precharger, tech, prm, sub.cap_col), 0.0)
    sa = jnp.where(sram_seq, _sense_amp_latency(sub.sense_amp, tech), 0.0)
    fin_f = _fin(tech) * tech.feature_size
    r_pd = fm.on_resistance(tech, cell.width_sram_cell_nmos * fin_f, L.NMOS, t)
    nrow = sub.num_row
    c_cell = sub.cap_col / nrow + sub.cap_cell_access
    r_cell = sub.res_col / nrow
    elmore = (sub.res_cell_access + r_pd) * c_cell * nrow + c_cell * r_cell * nrow * (nrow + 1.0) / 2.0
    col_sram = elmore * jnp.log(tech.vdd / (tech.vdd - cell.min_sense_voltage / 2.0))
    # 1T1R: 20 % of the RC of the column through the average cell (rows read at once halved as an int)
    col_r = jnp.where(par, sub.cap_col * (sub.res_mem_cell_avg / jnp.floor(sub.num_row_parallel / 2.0)),
                      sub.cap_col * sub.res_mem_cell_avg) * 0.2
    col = jnp.where(is_sram, col_sram, col_r)

    # ---- ADC ----
    mlsa = jnp.where(use_mlsa, mlsa_column_time(sub.multilevel_sense_amp, prm), 0.0)
    enc_lat, _ = encoder_latency(sub.multilevel_sa_encoder, tech, prm)
    enc = jnp.where(use_enc, enc_lat, 0.0)
    sar = jnp.where(use_sar, (log2_exact(sub.adc_level) + 1.0) * 1e-9, 0.0)

    # ---- accumulation ----
    add = jnp.where(sub.use_accum > 0, _adder_latency(sub.adder, tech, prm, sub.dff.cap_tg_drain), 0.0)
    saw = sub.shift_add_weight
    sai = sub.shift_add_input
    saw_add = jnp.where(sub.num_cell_per_synapse > 1, _adder_latency(saw.adder, tech, prm, saw.dff.cap_tg_drain), 0.0)
    sai_add = jnp.where(sub.num_read_pulse > 1, _adder_latency(sai.adder, tech, prm, sai.dff.cap_tg_drain), 0.0)

    # ---- sensing cycle (clock pass) ----
    mux_path = mux + mdec
    adc = mlsa + enc + sar
    sensing = jnp.select(
        [sram_seq, sram_par, r_seq],
        [dec_lat + pre + col + sa,
         jnp.maximum(wsm + buf, mux_path) + pre + adc,
         jnp.maximum(dec_lat + ndd + wdd, mux_path) + col + adc],
        jnp.maximum(nsm + wsm + buf, mux_path) + adc,
    ) * _scale(prm, prm.beta)
    return SubArrayTiming(
        wl_decoder=dec_lat, wl_new_decoder_driver=ndd, wl_decoder_driver=wdd, wl_switch_matrix=wsm,
        wl_new_switch_matrix=nsm,
        buffer_latency=buf, mux=mux, mux_decoder=mdec, precharger=pre, sense_amp=sa, col_delay=col,
        multilevel_sense_amp=mlsa, multilevel_sa_encoder=enc, sar_adc=sar, adder=add,
        shift_add_weight_adder=saw_add, shift_add_input_adder=sai_add, sensing=sensing,
    )


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


def subarray_read_latency(sub, tech, prm, cell, activity_row_read, clk_freq, timing: SubArrayTiming | None = None
                          ) -> ReadLatency:
    """Latency of one read with ``activity_row_read`` (any shape) of the rows active.

    ``clk_freq`` (Hz) is the clock of the performance pass (``min(prm.clk_freq, 1 /
    period)``); it sets the cycle counts of the adders in synchronous mode and is unused in
    asynchronous mode. Synchronous mode returns cycle counts (the caller multiplies by the
    clock period), asynchronous mode seconds.
    """
    tm = subarray_timing(sub, tech, prm, cell) if timing is None else timing
    is_sram, par, sram_seq, sram_par, r_seq, r_par = _masks(sub)
    act = jnp.asarray(activity_row_read, jnp.float64)
    n = sub.num_row * act                         # active rows
    ncm = sub.num_col_muxed
    nadd = sub.num_add
    ncps = sub.num_cell_per_synapse
    beta = _scale(prm, prm.beta)
    groups = jnp.floor(ncm / ncps)                # int division in the reference
    has_w = ncps > 1
    has_i = sub.num_read_pulse > 1
    sync = prm.synchronous > 0

    # ---------- synchronous: cycles ----------
    add_cyc = jnp.ceil(tm.adder * clk_freq) - 1.0
    saw_cyc = jnp.ceil(tm.shift_add_weight_adder * clk_freq)
    sai_cyc = jnp.ceil(tm.shift_add_input_adder * clk_freq)
    # SRAM sequential: one sensing per active row; shift-adds wait for the whole array
    adc_ss = n
    acc_ss = (n - 1.0) * add_cyc
    acc_ss = acc_ss + _cmax(jnp.ceil((tm.shift_add_weight_adder * (ncps - 1.0) + tm.shift_add_input_adder)
                                     * clk_freq) - (adc_ss + acc_ss), 0.0)
    # others: conversions per read, shift-adds pipelined behind them
    adc_o = jnp.where(par, ncm * nadd, n * ncm)
    acc_o = jnp.where(par, jnp.where(nadd > 1, ncm * (nadd - 1.0) * add_cyc, 0.0), ncm * (n - 1.0) * add_cyc)
    acc_o = acc_o + jnp.where(has_w, (ncps - 1.0) * groups * _cmax(saw_cyc - (adc_o + acc_o) / ncm, 0.0), 0.0)
    acc_o = acc_o + jnp.where(has_i, groups * _cmax(sai_cyc - (adc_o + acc_o) / groups, 0.0), 0.0)
    s_adc = jnp.where(sram_seq, adc_ss, adc_o)
    s_acc = jnp.where(sram_seq, acc_ss, acc_o)
    s_other = jnp.zeros_like(s_adc)

    # ---------- asynchronous: seconds ----------
    adc_conv = tm.multilevel_sense_amp + tm.multilevel_sa_encoder + tm.sar_adc
    mux_path = tm.mux + tm.mux_decoder
    a_adc = jnp.select(
        [sram_seq, sram_par, r_seq],
        [(tm.precharger + tm.col_delay + tm.sense_amp) * n * beta,
         (tm.precharger + tm.col_delay + adc_conv) * ncm * beta * nadd,
         (adc_conv + tm.col_delay) * (n * ncm) * beta],
        (adc_conv + tm.col_delay) * ncm * beta * nadd)
    a_other = jnp.select(
        [sram_seq, sram_par, r_seq],
        [tm.wl_decoder * n * beta,
         jnp.maximum(tm.wl_switch_matrix * nadd, mux_path) * ncm * beta,
         jnp.maximum((tm.wl_decoder + tm.wl_new_decoder_driver + tm.wl_decoder_driver) * n, mux_path) * ncm * beta],
        jnp.maximum((tm.wl_new_switch_matrix + jnp.where(r_par, tm.wl_switch_matrix, 0.0)) * nadd, mux_path)
        * ncm * beta)
    w_term = tm.shift_add_weight_adder * (ncps - 1.0)
    i_term = tm.shift_add_input_adder
    acc_work = jnp.select(
        [sram_seq, par],
        [tm.adder * (n - 1.0) + w_term + i_term,
         tm.adder * ncm * (nadd - 1.0) + (w_term + i_term) * groups],
        tm.adder * ncm * (n - 1.0) + (w_term + i_term) * groups)
    a_acc = _cmax(acc_work - a_adc - a_other, 0.0)

    lat_adc = jnp.where(sync, s_adc, a_adc)
    lat_acc = jnp.where(sync, s_acc, a_acc)
    lat_other = jnp.where(sync, s_other, a_other)
    return ReadLatency(read_latency=lat_adc + lat_acc + lat_other, read_latency_adc=lat_adc,
                       read_latency_accum=lat_acc, read_latency_other=lat_other)


# ---------------------------------------------------------------------------------------
# energy of one read
# ---------------------------------------------------------------------------------------
def reference_energy_peri(sub, tech, prm):
    """Energy (J) of activating a dummy reference column's word lines (SRAM parallel read; else 0)."""
    e = sub.cap_row1 / prm.num_col_sub_array * tech.vdd * tech.vdd * sub.num_row
    return jnp.where((sub.is_sram > 0) & (sub.parallel > 0), e, 0.0)


def adc_column_energy(sub, tech, prm, r_col):
    """Energy (J) of ONE conversion of a column of resistance ``r_col`` (ohm, elementwise).

    Flash ADC: ``(L-1) * E_switch + max((P(R) + P_ref) * T, 0)``; SAR ADC:
    ``P(R) * (log2 L + 1) ns``; 0 where the subarray has no ADC (SRAM sequential read).
    A read costs ``adc_conversions(...)`` times the sum of this over its columns. Both fits have a
    power-law term ``a x**b``; it is evaluated once, with the exponent of the point's ADC.
    """
    use_mlsa, _, use_sar, _ = _uses(sub)
    r = jnp.asarray(r_col, jnp.float64)
    x = r * 0.5 / prm.read_voltage                      # the fits' variable (made at 0.5 V read)
    b = jnp.where(use_sar, sar_model.power_law_exponent(prm), mlsa_model.power_law_exponent(prm))
    x_pow = jnp.exp(b * jnp.log10(x))
    e_mlsa = mlsa_column_energy(sub.multilevel_sense_amp, tech, prm, r, reference_energy_peri(sub, tech, prm), x_pow)
    e_sar = sar_column_energy(sub.sar_adc, prm, r, x_pow)
    return jnp.where(use_mlsa, e_mlsa, jnp.where(use_sar, e_sar, 0.0))


def adc_conversions(sub, activity_row_read):
    """Conversions of each column in one read: ``num_add`` (parallel) or the active rows (sequential)."""
    n = sub.num_row * jnp.asarray(activity_row_read, jnp.float64)
    return jnp.where(sub.parallel > 0, sub.num_add, n)


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


def read_energy_terms(sub, tech, prm, cell) -> ReadEnergyTerms:
    """Per-point coefficients of the read dynamic energy (see :class:`ReadEnergyTerms`)."""
    is_sram, par, sram_seq, sram_par, r_seq, r_par = _masks(sub)
    use_mlsa, use_enc, use_sar, use_mux = _uses(sub)
    v2 = tech.vdd * tech.vdd
    vr2 = cell.read_voltage * cell.read_voltage
    va2 = cell.access_voltage * cell.access_voltage
    nrow, ncol = sub.num_row, sub.num_col
    ncm, nadd, ncps = sub.num_col_muxed, sub.num_add, sub.num_cell_per_synapse
    groups = jnp.floor(ncm / ncps)
    num_adc = jnp.floor(ncol / ncm)
    num_read_cells = jnp.ceil(ncol / ncm)              # real ceil in 1T1R sequential read
    addr_bits = jnp.ceil(log2_exact(nrow))
    level_bits = log2_exact(sub.level_output)
    seq = ~par
    zero = jnp.zeros_like(nrow)

    # ---- word lines: per active row (sequential) or per read with the active fraction (parallel) ----
    dec_e = _row_decoder_energy(sub.wl_decoder, tech, prm)
    xb = _xbar(sub)
    ndd_e = jnp.where(xb, 0.0, _wl_new_decoder_driver_energy(sub.wl_new_decoder_driver, tech, prm, cell))
    # cross-point sequential: the reference counts a row's worth of read cells per line selection
    dd_e = jnp.where(xb, decoder_driver_power(sub.wl_decoder_driver, tech, cell, num_read_cells, 0.0, 1.0, 0.0,
                                              prm.temp).read_dynamic_energy, 0.0)
    sm = sub.wl_switch_matrix
    wsm_row = (sm.cap_tg_drain * 3.0 * vr2 + (sm.cap_tg_gate_n + sm.cap_tg_gate_p) * v2) * sm.num_output / nrow * ncm
    wsm_const = _dff_energy(sm.dff, tech, prm, sm.num_output, False) * ncm
    nsm = sub.wl_new_switch_matrix
    nsm_row = ((nsm.cap_tg_drain * 2.0 * va2 + nsm.cap_tg_drain * 3.0 * vr2
                + (nsm.cap_tg_gate_n + nsm.cap_tg_gate_p) * 3.0 * v2) * nsm.num_output / nrow * ncm)
    nsm_const = _dff_energy(nsm.dff, tech, prm, nsm.num_output, False) * ncm
    mux_e = jnp.where(use_mux, (_mux_energy(sub.mux, tech, cell) + _row_decoder_energy(sub.mux_decoder, tech, prm))
                      * ncm, 0.0)
    other_row = jnp.select([sram_seq, sram_par, r_seq], [dec_e, wsm_row, (dec_e + ndd_e + dd_e) * ncm],
                           jnp.where(xb, wsm_row, nsm_row))
    other_const = jnp.select([sram_seq, sram_par, r_seq], [zero, wsm_const + mux_e, mux_e],
                             jnp.where(xb, wsm_const, nsm_const) + mux_e)

    # ---- array and bit-line circuits (ADC part) ----
    buf_row = jnp.where(xb, 0.0, (sub.drive_cap_in + sub.drive_cap_out) * v2 * prm.buffernumber * 2.0)
    # precharge and sense every column of the row read
    pre_e = precharger_power(sub.precharger, tech, sub.cap_col, 1.0, 0.0, ncol, ncol, 0.0, prm.temp).read_dynamic_energy
    sa_e = sense_amp_power(sub.sense_amp, tech, 1.0, ncol, prm.temp).read_dynamic_energy
    cap_bl = sub.length_col * 0.2e-15 / 1e-6
    adc_row = jnp.select(
        [sram_seq, sram_par, r_seq],
        [sub.cap_row1 * v2 + pre_e + sa_e,
         (sub.cap_row1 * v2 + buf_row) * ncm,
         (cap_bl * vr2 * num_read_cells + sub.cap_row2 * v2) * ncm],
        (sub.cap_row2 * v2 + buf_row) * ncm)

    # ---- accumulation ----
    add_e = _adder_energy(sub.adder, tech, prm, jnp.where(sram_seq, jnp.floor(ncol / ncps),
                                                          jnp.where(par, num_adc, num_read_cells)))
    dff_per_op = jnp.select([sram_seq, par], [jnp.floor(ncol / ncps) * (addr_bits / 2.0 + 1.0),
                                              num_adc * (level_bits + jnp.ceil(log2_exact(nadd)) / 2.0)],
                            num_read_cells * (addr_bits / 2.0 + sub.avg_weight_bit))
    dff_e = _dff_energy(sub.dff, tech, prm, dff_per_op, True)
    acc_unit = add_e + dff_e
    acc_row = jnp.where(sram_seq, acc_unit, jnp.where(par, 0.0, acc_unit * ncm))
    acc_par = jnp.where(nadd > 1, acc_unit * ncm * (nadd - 1.0), 0.0)
    saw_e = jnp.where(ncps > 1, _shift_add_energy(sub.shift_add_weight, tech, prm), 0.0)
    sai_e = jnp.where(sub.num_read_pulse > 1, _shift_add_energy(sub.shift_add_input, tech, prm), 0.0)
    shift_const = jnp.where(sram_seq, saw_e * (ncps - 1.0) + sai_e, saw_e * (ncps - 1.0) * groups + sai_e * groups)
    acc_const = jnp.where(par, acc_par, 0.0) + shift_const

    has_adc = use_mlsa | use_sar
    return ReadEnergyTerms(
        adc_const=zero, adc_per_row=adc_row,
        accum_const=acc_const, accum_per_row=acc_row,
        other_const=other_const, other_per_row=other_row,
        adc_reads_const=jnp.where(has_adc & par, nadd, 0.0),
        adc_reads_per_row=jnp.where(has_adc & seq, 1.0, 0.0),
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
    is_sram, par, sram_seq, sram_par, r_seq, r_par = _masks(sub)
    use_mlsa, use_enc, use_sar, use_mux = _uses(sub)
    t, vdd = prm.temp, tech.vdd
    fin_f = _fin(tech) * tech.feature_size
    cell_leak = fm.gate_leakage(tech, L.INV, 1, cell.width_sram_cell_nmos * fin_f,
                                cell.width_sram_cell_pmos * fin_f, t) * vdd * 2.0
    nrow, ncol = sub.num_row, sub.num_col
    seq = ~par

    dec = jnp.where(seq, _row_decoder_leakage(sub.wl_decoder, tech, prm), 0.0)
    xb = _xbar(sub)
    ndd = jnp.where(r_seq & ~xb, _wl_new_decoder_driver_leakage(sub.wl_new_decoder_driver, tech, prm, cell), 0.0)
    wdd = jnp.where(r_seq & xb, decoder_driver_power(sub.wl_decoder_driver, tech, cell, 0.0, 0.0, 0.0, 0.0,
                                                     t).leakage, 0.0)
    wsm = jnp.where(sram_par | (r_par & xb), _dff_leakage(sub.wl_switch_matrix.dff, tech, prm), 0.0)
    nsm = jnp.where(r_par & ~xb, _dff_leakage(sub.wl_new_switch_matrix.dff, tech, prm), 0.0)
    ssm = jnp.where(~is_sram, _dff_leakage(sub.sl_switch_matrix.dff, tech, prm), 0.0)
    mdec = jnp.where(use_mux, _row_decoder_leakage(sub.mux_decoder, tech, prm), 0.0)
    pre = jnp.where(is_sram, precharger_power(sub.precharger, tech, sub.cap_col, 1.0, 0.0, ncol, ncol, 0.0,
                                              t).leakage, 0.0)
    wd = jnp.where(is_sram, sram_write_driver_power(sub.sram_write_driver, tech, 0.0, ncol, 0.0, t).leakage, 0.0)
    sa = jnp.where(sram_seq, sense_amp_power(sub.sense_amp, tech, 1.0, ncol, t).leakage, 0.0)
    enc = jnp.where(use_enc, encoder_leakage(sub.multilevel_sa_encoder, tech, prm), 0.0)
    has_acc = sub.use_accum > 0
    acc = jnp.where(has_acc, _adder_leakage(sub.adder, tech, prm) + _dff_leakage(sub.dff, tech, prm), 0.0)
    saw = jnp.where(sub.num_cell_per_synapse > 1, _shift_add_leakage(sub.shift_add_weight, tech, prm), 0.0)
    sai = jnp.where(sub.num_read_pulse > 1, _shift_add_leakage(sub.shift_add_input, tech, prm), 0.0)
    rep = jnp.where(r_par & ~xb, fm.gate_leakage(tech, L.INV, 1, sub.width_inv_n, sub.width_inv_p, t)
                    * prm.buffernumber * 2.0 * prm.num_row_sub_array, 0.0)
    periphery = dec + ndd + wdd + wsm + nsm + ssm + mdec + pre + wd + sa + enc + acc + saw + sai + rep
    cells = jnp.where(is_sram, cell_leak * nrow * ncol, 0.0)
    in_use = jnp.where(sram_seq, cell_leak * (nrow - 1.0) * ncol,
                       jnp.where(sram_par, cell_leak * (nrow * ncol - sub.num_row_parallel
                                                        * jnp.floor(ncol / sub.num_col_muxed)), 0.0))
    return SubArrayLeakage(leakage=cells + periphery, leakage_sram_in_use=in_use)
