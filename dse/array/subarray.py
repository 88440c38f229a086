"""The subarray: a ``num_row`` x ``num_col`` synaptic memory array and its periphery.

Covers SRAM, 1T1R (RRAM, FeFET with a CMOS access transistor) and cross-point (RRAM, FeFET
without access device, ``cell.access_type`` = crossbar) cells in the two conventional read
modes:

* parallel (``prm.parallel_read`` = 1): ``num_row_parallel`` rows are read at once (partial
  parallel read when fewer than all rows); each group of ``num_col_muxed`` columns shares an
  ADC (flash multilevel sense amplifier with encoder, or SAR); partial sums of the
  ``num_add`` row groups are accumulated by adders and flip-flops;
* sequential: rows are read one at a time through a word-line decoder; SRAM columns have
  voltage sense amplifiers, 1T1R columns a ``cell_bit``-bit ADC; adders accumulate rows.

Cross-point arrays differ from 1T1R ones in: cells drawn at the memory's own F (the wire
width) in a 2F x 2F layout; no access resistance or access-transistor loads on the lines;
word lines driven by a decoder driver (sequential) or a switch matrix sized to the cell
resistance (parallel) instead of the 1T1R drivers, and no word-line repeaters.

Every configuration is evaluated and the right one selected with ``jnp.where``; circuits a
configuration does not have get zero area. Heights of the column periphery stack under
the array, widths of the row periphery sit beside it. The total ``area`` is the bounding
box ``height * width``; ``area_adc``, ``area_accum``, ``area_other`` and ``area_array`` split the
used area (the periphery attributed to conversion, accumulation and the rest, and the
cells), as the reference reports them. Manual: "Synaptic array" / subarray architecture
(sections on the array and its peripheral circuits) of NeuroSim V1.4.

Units: m, m^2, F, ohm.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse import design as D
from dse import status as S
from dse.circuits import formula as fm
from dse.circuits.adder import adder as make_adder
from dse.circuits.cell_layout import MAGIC, OVERRIDE, REGULAR_ROW, f64
from dse.circuits.decoder_driver import decoder_driver
from dse.circuits.dff import dff as make_dff
from dse.circuits.level_shifter import level_shifter
from dse.circuits.multilevel_sa_encoder import log2_exact, multilevel_sa_encoder
from dse.circuits.multilevel_sense_amp import multilevel_sense_amp
from dse.circuits.mux import mux as make_mux
from dse.circuits.new_switch_matrix import new_switch_matrix
from dse.circuits.precharger import precharger as make_precharger
from dse.circuits.row_decoder import row_decoder
from dse.circuits.sar_adc import sar_adc
from dse.circuits.sense_amp import sense_amp as make_sense_amp
from dse.circuits.shift_add import shift_add
from dse.circuits.sram_write_driver import sram_write_driver
from dse.circuits.switch_matrix import switch_matrix
from dse.circuits.wl_new_decoder_driver import wl_new_decoder_driver
from dse.pytree import pytree_dataclass, replace
from dse.tech import layout as L

#: wire capacitance per unit length (F/m): 0.2 fF/um
WIRE_CAP_PER_M = 0.2e-15 / 1e-6


@pytree_dataclass
class SubArray:
    """Configuration, array geometry and parasitics, periphery states and layout of a subarray.

    Module states of circuits that the configuration does not use have zero area, height
    and width (their sizing fields are still filled). ``use_*`` fields are the 0/1 masks.
    """

    # ---- configuration ----
    num_row: Any
    num_col: Any
    num_col_muxed: Any            # clamped to num_col
    num_row_parallel: Any
    num_add: Any                  # row groups of a partial parallel read
    level_output: Any             # ADC levels in parallel read
    num_cell_per_synapse: Any
    num_read_pulse: Any           # input bits (one read per bit)
    avg_weight_bit: Any           # bits per cell
    is_sram: Any                  # 1 for SRAM, 0 for 1T1R / cross-point
    crossbar: Any                 # 1 for a cross-point eNVM array (no access device), else 0
    parallel: Any                 # 1 parallel read, 0 sequential
    sar: Any                      # 1 SAR ADC, 0 flash (MLSA)
    current_mode: Any             # 1 current sensing, 0 voltage sensing (flash ADC)
    adc_level: Any                # levels of the ADC actually built (2**cell_bit in 1T1R sequential)
    # ---- array geometry and parasitics ----
    length_row: Any               # m
    length_col: Any               # m
    height_array: Any             # m
    width_array: Any              # m
    area_array: Any               # m^2
    cap_row1: Any                 # F, SRAM word line (with access gates) / 1T1R bit line
    cap_row2: Any                 # F, 1T1R word line (with access gates)
    cap_col: Any                  # F, column with the access drains
    res_row: Any                  # ohm
    res_col: Any                  # ohm
    res_cell_access: Any          # ohm, access transistor on-resistance
    cap_cell_access: Any          # F, SRAM access-transistor drain
    cap_sram_cell: Any            # F, SRAM cell node
    width_access_cmos: Any        # 1T1R access width (multiple of the minimum: F or fins)
    width_access_in_feature_size: Any  # F, drawn width of the 1T1R access transistor
    res_mem_cell_on: Any          # ohm, 1T1R cell with its access transistor
    res_mem_cell_off: Any         # ohm
    res_mem_cell_avg: Any         # ohm, average over the rows read at once
    # values the reference writes into its global parameters
    columncap: Any                # F
    arrayheight: Any              # m, memory column height at the cell's F (dummy columns)
    arraywidthunit: Any           # m, one cell's width at the cell's F
    unitcap: Any                  # F, word-line capacitance per cell
    unitres: Any                  # ohm, word-line resistance per cell
    res_cell_access_param: Any    # ohm, SRAM access resistance seen by the flash ADC ladder (0 if unset)
    # ---- word-line repeaters (2 nm and 1 nm) ----
    section_res: Any              # ohm
    target_drive_res: Any         # ohm
    width_inv_n: Any              # m
    width_inv_p: Any              # m
    h_inv: Any                    # m
    w_inv: Any                    # m
    drive_cap_in: Any             # F
    drive_cap_out: Any            # F
    buffer_area: Any              # m^2
    # ---- periphery ----
    wl_decoder: Any
    wl_new_decoder_driver: Any
    wl_decoder_driver: Any        # cross-point sequential word-line driver
    wl_switch_matrix: Any
    wl_new_switch_matrix: Any
    sl_switch_matrix: Any
    mux: Any
    mux_decoder: Any
    multilevel_sense_amp: Any
    multilevel_sa_encoder: Any
    sar_adc: Any
    adder: Any
    dff: Any
    shift_add_input: Any
    shift_add_weight: Any
    precharger: Any
    sram_write_driver: Any
    sense_amp: Any
    wl_level_shifter: Any
    bl_level_shifter: Any
    sl_level_shifter: Any
    use_mux: Any
    use_accum: Any                # adder + dff present
    num_dff_copies: Any           # dff instances counted in area (2 in SRAM sequential)
    # ---- layout ----
    area: Any                     # m^2, bounding box
    height: Any                   # m
    width: Any                    # m
    used_area: Any                # m^2
    empty_area: Any               # m^2
    area_adc: Any                 # m^2
    area_accum: Any               # m^2
    area_other: Any               # m^2
    status: Any                   # dse.status bit mask


def _masked(state, use):
    """``state`` with area/height/width zeroed where ``use`` is 0 (the circuit is absent)."""
    z = lambda v: jnp.where(use, v, 0.0)  # noqa: E731
    return replace(state, area=z(state.area), height=z(state.height), width=z(state.width))


def _relaxed_cell_sizes(tech):
    """(minimum cell height, minimum cell width) in F that the relax options enforce."""
    h = L.node_value(L.STD_CELL_HEIGHT, tech.node_index)
    planar_cpp = L.MIN_GAP_BET_GATE_POLY + L.POLY_WIDTH
    cpp = L.node_value(L.CPP, tech.node_index)
    # at 14 nm the cell width uses the FinFET poly rules rather than the node's CPP
    cpp = jnp.where(tech.technode == 14, L.POLY_WIDTH_FINFET + L.MIN_GAP_BET_GATE_POLY_FINFET, cpp)
    return h, 2 * planar_cpp * (cpp / planar_cpp)


def subarray(tech, prm, cell, *, relax_cell_width: bool = False, relax_cell_height: bool = False) -> SubArray:
    """Size and lay out the subarray of each design point (traceable, batched like ``prm``).

    ``relax_cell_width`` / ``relax_cell_height`` (static; off in the reference's defaults)
    widen or heighten the cells to the pitch of the periphery that connects to them.
    """
    F = tech.feature_size
    temp = prm.temp
    num_row = f64(prm.num_row_sub_array)
    num_col = f64(prm.num_col_sub_array)
    ncm = jnp.minimum(f64(prm.num_col_muxed), num_col)
    nrp = f64(prm.num_row_parallel)
    num_add = f64(prm.num_add)
    level = f64(prm.level_output)
    ncps = f64(prm.num_col_per_synapse)
    n_pulse = f64(prm.num_bit_input)
    cell_bit = f64(prm.cell_bit)
    is_sram = jnp.asarray(prm.memcelltype) == D.SRAM
    xbar = (~is_sram) & (jnp.asarray(cell.access_type) == D.ACCESS_CROSSBAR)
    par = f64(prm.parallel_read) > 0
    seq = ~par
    sar_sel = f64(prm.sar_adc) > 0
    fin = jnp.where(tech.technode <= 14, 2.0, 1.0)   # one fin is 2 F wide

    # ---- cell and array geometry ----
    cell_h = f64(cell.height_in_feature_size)
    cell_w = f64(cell.width_in_feature_size)
    min_h, min_w = _relaxed_cell_sizes(tech)
    if relax_cell_width:
        # SRAM cells widen to a standard-cell height, 1T1R cells to two pass gates per column
        eff_w = jnp.where(is_sram, jnp.maximum(cell_w, min_h), jnp.maximum(cell_w, min_w * 2))
    else:
        eff_w = cell_w
    if relax_cell_height:
        eff_h = jnp.where(is_sram, jnp.maximum(cell_h, min_w), jnp.maximum(cell_h, min_h))
    else:
        eff_h = cell_h
    # cross-point cells are drawn at the memory's own F; the relax minima stay in transistor F
    cell_f = cell.feature_size
    xb_w = jnp.maximum(cell_w * cell_f, min_w * 2 * F) if relax_cell_width else cell_w * cell_f
    xb_h = jnp.maximum(cell_h * cell_f, min_h * F) if relax_cell_height else cell_h * cell_f
    length_row = num_col * jnp.where(xbar, xb_w, eff_w * F)
    length_col = num_row * jnp.where(xbar, xb_h, eff_h * F)
    # dummy (reference) columns are drawn at the memory cell's own F (the wire width)
    arraywidthunit = jnp.where(is_sram, cell_w * F, cell_w * cell.feature_size)
    arrayheight = num_row * cell_h * cell.feature_size
    cap_row = length_row * WIRE_CAP_PER_M
    cap_col_wire = length_col * WIRE_CAP_PER_M
    res_row = length_row * prm.metal1_unitwireresis
    res_col = length_col * prm.metal0_unitwireresis
    h_std = F * L.MAX_TRANSISTOR_HEIGHT

    # ---- SRAM cell parasitics ----
    w_acc_sram = f64(cell.width_access_cmos) * fin * F
    res_acc_sram = fm.on_resistance(tech, w_acc_sram, L.NMOS, temp)
    cap_cell_access = fm.drain_cap(tech, w_acc_sram, L.NMOS, h_std)
    w_sn = f64(cell.width_sram_cell_nmos) * fin * F
    w_sp = f64(cell.width_sram_cell_pmos) * fin * F
    cap_sram_cell = (cap_cell_access + fm.drain_cap(tech, w_sn, L.NMOS, h_std) + fm.drain_cap(tech, w_sp, L.PMOS, h_std)
                     + fm.gate_cap(tech, w_sn) + fm.gate_cap(tech, w_sp))
    drain_col_sram = jnp.where(tech.technode <= 14,
                               tech.cap_draintotal * f64(cell.width_access_cmos) * tech.effective_width,
                               cap_cell_access)
    # word line: all access gates in sequential read, one row's worth in parallel read
    gate_acc_sram = fm.gate_cap(tech, w_acc_sram) * num_col
    cap_row1_sram = cap_row + jnp.where(par, 1.0, 2.0) * gate_acc_sram

    # ---- 1T1R cell: access transistor sized to a fraction of R_on ----
    r_on, r_off = f64(cell.resistance_on), f64(cell.resistance_off)
    res_acc_1t1r = r_on * L.IR_DROP_TOLERANCE
    width_access_cmos = (fm.on_resistance(tech, fin * F, L.NMOS, temp) * L.LINEAR_REGION_RATIO / res_acc_1t1r)
    width_access_f = jnp.where(tech.technode <= 14,
                               ((width_access_cmos - 1) * tech.pitch_fin + tech.width_fin) / F, width_access_cmos)
    too_wide = (~is_sram) & (~xbar) & (width_access_f > cell_w)
    # cross-point cells: no access device in series
    res_acc_cell = jnp.where(xbar, 0.0, res_acc_1t1r)
    res_on_cell = res_acc_cell + r_on
    res_off_cell = res_acc_cell + r_off
    res_avg_cell = 1 / (1 / res_on_cell * nrp / 2.0 + 1 / res_off_cell * nrp / 2.0) * nrp
    w_acc_1t1r = width_access_cmos * fin * F
    cap_row2_1t1r = cap_row + fm.gate_cap(tech, w_acc_1t1r) * num_col
    drain_col_1t1r = fm.drain_cap(tech, w_acc_1t1r, L.NMOS, h_std)

    res_cell_access = jnp.where(is_sram, res_acc_sram, res_acc_cell)
    cap_row1 = jnp.where(is_sram, cap_row1_sram, cap_row)
    # cross-point lines carry only the wire
    cap_row2 = jnp.where(is_sram | xbar, cap_row, cap_row2_1t1r)
    cap_col = cap_col_wire + jnp.select([is_sram, xbar], [drain_col_sram, 0.0], drain_col_1t1r) * num_row
    # (cross-point: the column capacitance is the wire alone; the reference never publishes the
    # per-cell word-line figures there, the timing model treats them as 0)
    unitcap = cap_row2 / num_col
    unitres = res_row / num_col

    # ---- word-line repeaters (nodes with buffernumber > 0) ----
    nbuf = f64(prm.buffernumber)
    has_buf = nbuf > 0
    section_res = res_row / (nbuf + 1)
    target_drive_res = fm.on_resistance(tech, fin * F * prm.buffersizeratio, L.NMOS, temp)
    w_inv_n = fm.on_resistance(tech, fin * F, L.NMOS, temp) / target_drive_res * F
    w_inv_p = fm.on_resistance(tech, fin * F, L.PMOS, temp) / target_drive_res * F
    w_inv_n = jnp.where(tech.technode <= 14, 2 * jnp.ceil(w_inv_n / F) * F, w_inv_n)
    w_inv_p = jnp.where(tech.technode <= 14, 2 * jnp.ceil(w_inv_p / F) * F, w_inv_p)
    _, h_buf, w_buf = fm.gate_area(tech, L.INV, 1, w_inv_n, w_inv_p, h_std)
    c_buf_in, c_buf_out = fm.gate_capacitance(tech, L.INV, 1, w_inv_n, w_inv_p, h_std)
    # cross-point arrays get no repeaters (the reference never sizes them there: zero area)
    h_inv = jnp.where(has_buf & par & ~xbar, h_buf, 0.0)
    w_inv = jnp.where(has_buf & par & ~xbar, w_buf, 0.0)
    buffer_area = h_inv * w_inv * nbuf * 2 * num_row

    height_array = length_col
    width_array = length_row
    area_array = height_array * width_array

    # ---- which circuits each configuration has ----
    sram_seq = is_sram & seq
    sram_par = is_sram & par
    r_seq = (~is_sram) & seq
    r_par = (~is_sram) & par
    use_mux = (ncm > 1) & ~sram_seq
    use_adc = ~sram_seq
    adc_level = jnp.where(par, level, 2.0 ** cell_bit)
    use_mlsa = use_adc & ~sar_sel
    use_sar = use_adc & sar_sel
    use_enc = use_mlsa & (par | (cell_bit > 1))
    use_accum = seq | (num_add > 1)
    level_shift = (~is_sram) & (f64(cell.write_voltage) > 1.5)

    # ---- row periphery ----
    addr_row = jnp.ceil(log2_exact(num_row))
    wl_dec = _masked(row_decoder(tech, prm, addr_row, mode=REGULAR_ROW, new_height=height_array), seq)
    wl_ndd = _masked(wl_new_decoder_driver(tech, num_row, new_height=height_array), r_seq & ~xbar)
    # cross-point sequential: inverter + transmission-gate drivers sized to the cell on-resistance
    wl_dd = _masked(decoder_driver(tech, prm, num_row, num_col, r_on, mode=L.ROW_MODE, cmos_access=False,
                                   new_height=height_array), r_seq & xbar)
    res_tg_par = res_avg_cell / nrp
    # SRAM: the word-line (section) resistance; cross-point: the parallel-read cell resistance
    # spread over the row
    res_wl_sm = jnp.where(is_sram, jnp.where(has_buf, section_res, res_row), res_tg_par * num_row / num_col)
    wl_sm = _masked(switch_matrix(tech, prm, num_row, res_wl_sm, mode=L.ROW_MODE, new_height=height_array),
                    sram_par | (r_par & xbar))
    wl_nsm = _masked(new_switch_matrix(tech, prm, num_row, new_height=height_array), r_par & ~xbar)
    wl_ls = _masked(level_shifter(tech, prm, num_row, new_height=height_array), level_shift)
    bl_ls = wl_ls  # the bit-line shifters are laid out like the word-line ones
    sl_ls = _masked(level_shifter(tech, prm, num_col, new_width=width_array), level_shift)
    sl_sm = _masked(switch_matrix(tech, prm, num_col, jnp.where(par, res_tg_par * num_row, res_on_cell),
                                  mode=L.COL_MODE, new_width=width_array), ~is_sram)

    # ---- column mux and its decoder ----
    num_adc = jnp.floor(num_col / ncm)             # int division in the reference
    # SRAM: half of the rows read at once conduct (int halving); 1T1R: the cell resistance
    res_mux = jnp.where(is_sram, res_acc_sram / jnp.floor(nrp / 2), jnp.where(par, res_tg_par, res_on_cell))
    ncm_safe = jnp.maximum(ncm, 2.0)
    mux_dec = _masked(row_decoder(tech, prm, jnp.ceil(log2_exact(ncm_safe)), mode=REGULAR_ROW, mux=True), use_mux)
    mux0 = make_mux(tech, prm, num_adc, ncm, res_mux, new_width=width_array)
    mux_h = jnp.maximum(mux_dec.height, mux0.height)
    mux = _masked(make_mux(tech, prm, num_adc, ncm, res_mux, new_height=mux_h, new_width=width_array,
                           option=OVERRIDE), use_mux)

    # ---- ADCs ----
    # The SRAM ladder starts from the access resistance that the reference publishes only when
    # a column mux exists; without one it reads 0 and the ladder is NaN, as in the reference.
    res_cell_access_param = jnp.where(is_sram & par & (ncm > 1), res_acc_sram, 0.0)
    r_start = jnp.where(is_sram, res_cell_access_param, r_on) / nrp
    mlsa = _masked(multilevel_sense_amp(tech, prm, num_col=num_adc, level_output=adc_level, parallel=par,
                                        current_mode=prm.current_mode, r_start_parallel=r_start,
                                        array_height=arrayheight, array_width_unit=arraywidthunit,
                                        column_cap=cap_col, width_array=width_array), use_mlsa)
    enc = _masked(multilevel_sa_encoder(tech, prm, num_level=adc_level, num_encoder=num_adc,
                                        width_array=width_array), use_enc)
    sar = _masked(sar_adc(tech, prm, num_col=num_adc, level_output=adc_level, width_array=width_array), use_sar)
    sa = _masked(make_sense_amp(tech, num_col, length_row / num_col, cell.min_sense_voltage,
                                new_width=width_array, option=MAGIC), sram_seq)

    # ---- accumulation: adders, flip-flops and shift-adders ----
    bits_seq = jnp.trunc(jnp.ceil(log2_exact(num_row))) + jnp.where(is_sram, 1.0, cell_bit)
    bits_par = jnp.trunc(log2_exact(level) + jnp.ceil(log2_exact(num_add)))
    adder_bit = jnp.where(seq, bits_seq, bits_par)
    num_adder = jnp.where(sram_seq, num_col, num_adc)
    add = _masked(make_adder(tech, prm, adder_bit - 1, num_adder, new_width=width_array), use_accum)
    dff = _masked(make_dff(tech, prm, adder_bit * num_adder, new_width=width_array), use_accum)
    # shift-add over the cells of a weight, then over the input bits
    sw_unit = jnp.select([sram_seq, r_par], [jnp.floor(num_col / ncps), num_adc], num_adder)
    sw_bits = jnp.where(r_par, log2_exact(level), adder_bit)
    sw_pulse = jnp.where(r_seq, (ncps - 1) * cell_bit + 1, ncps)
    saw = _masked(shift_add(tech, prm, sw_unit, sw_bits, sw_pulse, new_width=width_array), ncps > 1)
    si_bits = jnp.select([r_seq, r_par], [adder_bit + (ncps - 1) * cell_bit + 1, log2_exact(level) + ncps],
                         adder_bit + ncps)
    sai = _masked(shift_add(tech, prm, sw_unit, si_bits, n_pulse, new_width=width_array), n_pulse > 1)

    # ---- SRAM bit-line periphery ----
    pre = _masked(make_precharger(tech, num_col, res_col, new_width=width_array), is_sram)
    swd = _masked(sram_write_driver(tech, num_col, new_width=width_array), is_sram)

    # ---- stacking: column periphery below the array, row periphery beside it ----
    n_dff = jnp.where(sram_seq, 2.0, 1.0)
    height = (pre.height + swd.height + height_array + sa.height + add.height + dff.height * n_dff
              + sai.height + saw.height + mlsa.height + enc.height + sar.height + mux.height
              + sl_ls.height + sl_sm.height)
    row_side = wl_dec.width + wl_ndd.width + wl_dd.width + wl_sm.width + wl_nsm.width + wl_ls.width + bl_ls.width
    width = jnp.maximum(row_side, mux_dec.width) + width_array + buffer_area / length_col
    area = height * width
    area_adc = mlsa.area + enc.area + sar.area + sa.area + pre.area
    area_accum = add.area + dff.area * n_dff + sai.area + saw.area
    area_other = (wl_dec.area + wl_ndd.area + wl_dd.area + wl_sm.area + wl_nsm.area + wl_ls.area + bl_ls.area
                  + sl_ls.area + sl_sm.area + swd.area + mux.area + mux_dec.area + buffer_area)
    used_area = area_array + area_adc + area_accum + area_other
    status = S.flag(jnp.zeros(jnp.shape(num_row), jnp.int64), too_wide, S.ACCESS_TOO_WIDE)

    return SubArray(
        num_row=num_row, num_col=num_col, num_col_muxed=ncm, num_row_parallel=nrp, num_add=num_add,
        level_output=level, num_cell_per_synapse=ncps, num_read_pulse=n_pulse, avg_weight_bit=cell_bit,
        is_sram=f64(is_sram), crossbar=f64(xbar), parallel=f64(par), sar=f64(sar_sel),
        current_mode=f64(prm.current_mode),
        adc_level=adc_level,
        length_row=length_row, length_col=length_col, height_array=height_array, width_array=width_array,
        area_array=area_array, cap_row1=cap_row1, cap_row2=cap_row2, cap_col=cap_col, res_row=res_row,
        res_col=res_col, res_cell_access=res_cell_access, cap_cell_access=jnp.where(is_sram, cap_cell_access, 0.0),
        cap_sram_cell=jnp.where(is_sram, cap_sram_cell, 0.0),
        width_access_cmos=jnp.select([is_sram, xbar], [f64(cell.width_access_cmos), 0.0], width_access_cmos),
        width_access_in_feature_size=jnp.select([is_sram, xbar], [f64(cell.width_access_cmos), 0.0], width_access_f),
        res_mem_cell_on=jnp.where(is_sram, 0.0, res_on_cell), res_mem_cell_off=jnp.where(is_sram, 0.0, res_off_cell),
        res_mem_cell_avg=jnp.where(is_sram, 0.0, res_avg_cell),
        columncap=cap_col, arrayheight=arrayheight, arraywidthunit=arraywidthunit, unitcap=unitcap, unitres=unitres, res_cell_access_param=res_cell_access_param,
        section_res=section_res, target_drive_res=target_drive_res, width_inv_n=w_inv_n, width_inv_p=w_inv_p,
        h_inv=h_inv, w_inv=w_inv, drive_cap_in=c_buf_in, drive_cap_out=c_buf_out, buffer_area=buffer_area,
        wl_decoder=wl_dec, wl_new_decoder_driver=wl_ndd, wl_decoder_driver=wl_dd, wl_switch_matrix=wl_sm,
        wl_new_switch_matrix=wl_nsm,
        sl_switch_matrix=sl_sm, mux=mux, mux_decoder=mux_dec, multilevel_sense_amp=mlsa,
        multilevel_sa_encoder=enc, sar_adc=sar, adder=add, dff=dff, shift_add_input=sai, shift_add_weight=saw,
        precharger=pre, sram_write_driver=swd, sense_amp=sa, wl_level_shifter=wl_ls, bl_level_shifter=bl_ls,
        sl_level_shifter=sl_ls, use_mux=f64(use_mux), use_accum=f64(use_accum), num_dff_copies=n_dff,
        area=area, height=height, width=width, used_area=used_area, empty_area=area - used_area,
        area_adc=area_adc, area_accum=area_accum, area_other=area_other, status=status,
    )
