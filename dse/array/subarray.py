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
from dse.circuits import adc as A
from dse.circuits import formula as fm
from dse.circuits.adder import adder as make_adder
from dse.circuits.cell_layout import MAGIC, OVERRIDE, REGULAR_ROW, f64, fin_factor, masked, std_height
from dse.circuits.decoder_driver import decoder_driver
from dse.circuits.dff import dff as make_dff
from dse.circuits.formula import log2_exact
from dse.circuits.level_shifter import level_shifter
from dse.circuits.mux import mux as make_mux
from dse.circuits.new_switch_matrix import new_switch_matrix
from dse.circuits.precharger import precharger as make_precharger
from dse.circuits.row_decoder import row_decoder
from dse.circuits.sense_amp import sense_amp as make_sense_amp
from dse.circuits.shift_add import shift_add
from dse.circuits.sram_cell import sram_cell
from dse.circuits.sram_write_driver import sram_write_driver
from dse.circuits.switch_matrix import switch_matrix
from dse.circuits.wl_new_decoder_driver import wl_new_decoder_driver
from dse.circuits.wl_repeater import WLRepeater, wl_repeater
from dse.pytree import pytree_dataclass
from dse.tech import layout as L

#: write voltage (V) above which eNVM lines get level shifters
LEVEL_SHIFT_VOLTAGE = 1.5


@pytree_dataclass
class Config:
    """The read mode of a subarray and the circuits it has (booleans, derived once per point)."""

    sram: Any                     # SRAM cells (else 1T1R or cross-point eNVM)
    crossbar: Any                 # cross-point eNVM array (no access device)
    parallel: Any                 # rows read at once (else one row at a time)
    sram_seq: Any
    sram_par: Any
    r_seq: Any                    # eNVM, sequential read
    r_par: Any                    # eNVM, parallel read
    mux: Any                      # column mux and its decoder
    adc: Any                      # ADCs (all but SRAM sequential read, which has sense amplifiers)
    accum: Any                    # adders and flip-flops accumulating partial sums
    shift_weight: Any             # shift-adders over the cells of a weight
    shift_input: Any              # shift-adders over the input bits
    level_shift: Any              # write level shifters
    repeaters: Any                # word-line repeaters


@pytree_dataclass
class SubArray:
    """Configuration, array geometry and parasitics, periphery states and layout of a subarray.

    Module states of circuits that the configuration does not use have zero area, height
    and width (their sizing fields are still filled); ``config`` says which ones it uses.
    """

    config: Config
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
    # ---- periphery ----
    wl_repeater: WLRepeater       # 2 nm and 1 nm
    wl_decoder: Any
    wl_new_decoder_driver: Any
    wl_decoder_driver: Any        # cross-point sequential word-line driver
    wl_switch_matrix: Any
    wl_new_switch_matrix: Any
    sl_switch_matrix: Any
    mux: Any
    mux_decoder: Any
    adc: tuple                    # every registered ADC type's state (dse.circuits.adc), in code order
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


def configuration(prm, cell) -> Config:
    """Which read mode and circuits a design point's subarray has."""
    ncm = jnp.minimum(f64(prm.num_col_muxed), f64(prm.num_col_sub_array))
    is_sram = jnp.asarray(prm.memcelltype) == D.SRAM
    xbar = (~is_sram) & (jnp.asarray(cell.access_type) == D.ACCESS_CROSSBAR)
    par = f64(prm.parallel_read) > 0
    seq = ~par
    sram_seq = is_sram & seq
    return Config(
        sram=is_sram, crossbar=xbar, parallel=par, sram_seq=sram_seq, sram_par=is_sram & par,
        r_seq=(~is_sram) & seq, r_par=(~is_sram) & par, mux=(ncm > 1) & ~sram_seq, adc=~sram_seq,
        accum=seq | (f64(prm.num_add) > 1), shift_weight=f64(prm.num_col_per_synapse) > 1,
        shift_input=f64(prm.num_bit_input) > 1,
        level_shift=(~is_sram) & (f64(cell.write_voltage) > LEVEL_SHIFT_VOLTAGE),
        repeaters=(f64(prm.buffernumber) > 0) & par & ~xbar,
    )


def _relaxed_cell_sizes(tech):
    """(minimum cell height, minimum cell width) in F that the relax options enforce."""
    h = L.node_value(L.STD_CELL_HEIGHT, tech.node_index)
    planar_cpp = L.MIN_GAP_BET_GATE_POLY + L.POLY_WIDTH
    cpp = L.node_value(L.CPP, tech.node_index)
    # at 14 nm the cell width uses the FinFET poly rules rather than the node's CPP
    cpp = jnp.where(tech.technode == 14, L.POLY_WIDTH_FINFET + L.MIN_GAP_BET_GATE_POLY_FINFET, cpp)
    return h, 2 * planar_cpp * (cpp / planar_cpp)


def _array_lines(tech, prm, cell, cfg: Config, relax_cell_width, relax_cell_height) -> dict:
    """The cells' footprint, the array's line lengths, wire parasitics and dummy-column size."""
    F = tech.feature_size
    num_row, num_col = f64(prm.num_row_sub_array), f64(prm.num_col_sub_array)
    is_sram, xbar = cfg.sram, cfg.crossbar
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
    return dict(
        length_row=length_row, length_col=length_col,
        # dummy (reference) columns are drawn at the memory cell's own F (the wire width)
        arraywidthunit=jnp.where(is_sram, cell_w * F, cell_w * cell.feature_size),
        arrayheight=num_row * cell_h * cell.feature_size,
        res_row=length_row * prm.metal1_unitwireresis, res_col=length_col * prm.metal0_unitwireresis,
        height_array=length_col, width_array=length_row, area_array=length_col * length_row,
    )


def _sram_cell(tech, prm, cell, cfg: Config, cap_row) -> dict:
    """SRAM cells (:func:`dse.circuits.sram_cell.sram_cell`) and the word line they load: all access
    gates in sequential read, one row's worth in parallel read."""
    c = sram_cell(tech, prm, cell, f64(cell.width_access_cmos))
    c["cap_row1"] = cap_row + jnp.where(cfg.parallel, 1.0, 2.0) * (c["gate_access"] * f64(prm.num_col_sub_array))
    return c


def _envm_cell(tech, prm, cell, cfg: Config, cap_row) -> dict:
    """1T1R / cross-point cells: the access transistor sized to a fraction of R_on (none in a
    cross-point array), the cells' resistances and the access gates' and drains' line loads."""
    F = tech.feature_size
    fin = fin_factor(tech)
    nrp = f64(prm.num_row_parallel)
    r_on, r_off = f64(cell.resistance_on), f64(cell.resistance_off)
    res_acc = r_on * L.IR_DROP_TOLERANCE
    width = (fm.on_resistance(tech, fin * F, L.NMOS, prm.temp) * L.LINEAR_REGION_RATIO / res_acc)
    width_f = jnp.where(tech.technode <= 14, ((width - 1) * tech.pitch_fin + tech.width_fin) / F, width)
    # cross-point cells: no access device in series
    res_acc_cell = jnp.where(cfg.crossbar, 0.0, res_acc)
    res_on = res_acc_cell + r_on
    res_off = res_acc_cell + r_off
    w_acc = width * fin * F
    return dict(
        r_on=r_on, width=width, width_f=width_f, res_access=res_acc_cell, res_on=res_on, res_off=res_off,
        res_avg=1 / (1 / res_on * nrp / 2.0 + 1 / res_off * nrp / 2.0) * nrp,
        cap_row2=cap_row + fm.gate_cap(tech, w_acc) * f64(prm.num_col_sub_array),
        drain_col=fm.drain_cap(tech, w_acc, L.NMOS, std_height(tech)),
        too_wide=(~cfg.sram) & (~cfg.crossbar) & (width_f > f64(cell.width_in_feature_size)),
    )


def _array(tech, prm, cell, cfg: Config, relax_cell_width, relax_cell_height):
    """The array's geometry and parasitics (SubArray fields) and the cell figures the periphery
    is sized with."""
    num_row, num_col = f64(prm.num_row_sub_array), f64(prm.num_col_sub_array)
    is_sram, xbar = cfg.sram, cfg.crossbar
    a = _array_lines(tech, prm, cell, cfg, relax_cell_width, relax_cell_height)
    cap_row = a["length_row"] * L.WIRE_CAP_PER_M
    sram = _sram_cell(tech, prm, cell, cfg, cap_row)
    envm = _envm_cell(tech, prm, cell, cfg, cap_row)
    cap_row2 = jnp.where(is_sram | xbar, cap_row, envm["cap_row2"])   # cross-point lines carry only the wire
    # (cross-point: the column capacitance is the wire alone; the reference never publishes the
    # per-cell word-line figures there, the timing model treats them as 0)
    cap_col = (a["length_col"] * L.WIRE_CAP_PER_M
               + jnp.select([is_sram, xbar], [sram["drain_col"], 0.0], envm["drain_col"]) * num_row)
    width_access = jnp.select([is_sram, xbar], [f64(cell.width_access_cmos), 0.0], envm["width"])
    a.update(
        cap_row1=jnp.where(is_sram, sram["cap_row1"], cap_row), cap_row2=cap_row2, cap_col=cap_col,
        res_cell_access=jnp.where(is_sram, sram["res_access"], envm["res_access"]),
        cap_cell_access=jnp.where(is_sram, sram["cap_access"], 0.0),
        cap_sram_cell=jnp.where(is_sram, sram["cap_cell"], 0.0), width_access_cmos=width_access,
        width_access_in_feature_size=jnp.select([is_sram, xbar], [f64(cell.width_access_cmos), 0.0],
                                                 envm["width_f"]),
        res_mem_cell_on=jnp.where(is_sram, 0.0, envm["res_on"]),
        res_mem_cell_off=jnp.where(is_sram, 0.0, envm["res_off"]),
        res_mem_cell_avg=jnp.where(is_sram, 0.0, envm["res_avg"]),
        columncap=cap_col, unitcap=cap_row2 / num_col, unitres=a["res_row"] / num_col,
        # the SRAM ladder starts from the access resistance that the reference publishes only when
        # a column mux exists; without one it reads 0 and the ladder is NaN, as in the reference
        res_cell_access_param=jnp.where(cfg.sram_par & cfg.mux, sram["res_access"], 0.0),
    )
    return a, sram, envm


def _row_periphery(tech, prm, cfg: Config, a, envm, rep: WLRepeater) -> dict:
    """Word-line drivers (decoder, decoder drivers, switch matrices), level shifters and the
    source-line switch matrix; absent ones have zero layout."""
    num_row, num_col = f64(prm.num_row_sub_array), f64(prm.num_col_sub_array)
    nrp = f64(prm.num_row_parallel)
    xbar, h_arr, w_arr = cfg.crossbar, a["height_array"], a["width_array"]
    res_tg_par = envm["res_avg"] / nrp
    # SRAM: the word-line (section) resistance; cross-point: the parallel-read cell resistance
    # spread over the row
    res_wl_sm = jnp.where(cfg.sram, jnp.where(rep.num > 0, rep.section_res, a["res_row"]),
                          res_tg_par * num_row / num_col)
    wl_ls = masked(level_shifter(tech, prm, num_row, new_height=h_arr), cfg.level_shift)
    return dict(
        wl_decoder=masked(row_decoder(tech, prm, jnp.ceil(log2_exact(num_row)), mode=REGULAR_ROW, new_height=h_arr),
                          ~cfg.parallel),
        wl_new_decoder_driver=masked(wl_new_decoder_driver(tech, num_row, new_height=h_arr), cfg.r_seq & ~xbar),
        # cross-point sequential: inverter + transmission-gate drivers sized to the cell on-resistance
        wl_decoder_driver=masked(decoder_driver(tech, prm, num_row, num_col, envm["r_on"], mode=L.ROW_MODE,
                                                cmos_access=False, new_height=h_arr), cfg.r_seq & xbar),
        wl_switch_matrix=masked(switch_matrix(tech, prm, num_row, res_wl_sm, mode=L.ROW_MODE, new_height=h_arr),
                                cfg.sram_par | (cfg.r_par & xbar)),
        wl_new_switch_matrix=masked(new_switch_matrix(tech, prm, num_row, new_height=h_arr), cfg.r_par & ~xbar),
        wl_level_shifter=wl_ls,
        bl_level_shifter=wl_ls,   # the bit-line shifters are laid out like the word-line ones
        sl_level_shifter=masked(level_shifter(tech, prm, num_col, new_width=w_arr), cfg.level_shift),
        sl_switch_matrix=masked(switch_matrix(tech, prm, num_col,
                                              jnp.where(cfg.parallel, res_tg_par * num_row, envm["res_on"]),
                                              mode=L.COL_MODE, new_width=w_arr), ~cfg.sram),
    )


def _column_mux(tech, prm, cfg: Config, a, sram, envm) -> dict:
    """The column mux (``num_col_muxed`` columns per ADC) and its decoder."""
    num_col = f64(prm.num_col_sub_array)
    ncm = jnp.minimum(f64(prm.num_col_muxed), num_col)
    nrp = f64(prm.num_row_parallel)
    num_adc = jnp.floor(num_col / ncm)             # int division in the reference
    # SRAM: half of the rows read at once conduct (int halving); 1T1R: the cell resistance
    res_mux = jnp.where(cfg.sram, sram["res_access"] / jnp.floor(nrp / 2),
                        jnp.where(cfg.parallel, envm["res_avg"] / nrp, envm["res_on"]))
    dec = masked(row_decoder(tech, prm, jnp.ceil(log2_exact(jnp.maximum(ncm, 2.0))), mode=REGULAR_ROW, mux=True),
                 cfg.mux)
    natural = make_mux(tech, prm, num_adc, ncm, res_mux, new_width=a["width_array"])
    mux = make_mux(tech, prm, num_adc, ncm, res_mux, new_height=jnp.maximum(dec.height, natural.height),
                   new_width=a["width_array"], option=OVERRIDE)
    return dict(mux=masked(mux, cfg.mux), mux_decoder=dec)


def _sensing(tech, prm, cell, cfg: Config, a, envm) -> dict:
    """The ADCs (every registered type; the point's one laid out) and the SRAM sense amplifiers,
    precharger and write drivers."""
    num_col = f64(prm.num_col_sub_array)
    ncm = jnp.minimum(f64(prm.num_col_muxed), num_col)
    w_arr = a["width_array"]
    levels = jnp.where(cfg.parallel, f64(prm.level_output), 2.0 ** f64(prm.cell_bit))
    ref_e = a["cap_row1"] / num_col * tech.vdd * tech.vdd * f64(prm.num_row_sub_array)
    inp = A.ADCInputs(
        num_adc=jnp.floor(num_col / ncm), levels=levels, width_array=w_arr, parallel=cfg.parallel,
        column_cap=a["cap_col"], r_start=jnp.where(cfg.sram, a["res_cell_access_param"], envm["r_on"])
        / f64(prm.num_row_parallel), array_height=a["arrayheight"], array_width_unit=a["arraywidthunit"],
        reference_energy=jnp.where(cfg.sram_par, ref_e, 0.0))
    return dict(
        adc_level=levels, adc=A.layout(tech, prm, inp, cfg.adc),
        sense_amp=masked(make_sense_amp(tech, num_col, a["length_row"] / num_col, cell.min_sense_voltage,
                                        new_width=w_arr, option=MAGIC), cfg.sram_seq),
        precharger=masked(make_precharger(tech, num_col, a["res_col"], new_width=w_arr), cfg.sram),
        sram_write_driver=masked(sram_write_driver(tech, num_col, new_width=w_arr), cfg.sram),
    )


def _accumulation(tech, prm, cfg: Config, a) -> dict:
    """Adders and flip-flops summing partial results over rows (row groups), and the shift-adders
    over a weight's cells and over the input bits."""
    num_row, num_col = f64(prm.num_row_sub_array), f64(prm.num_col_sub_array)
    ncm = jnp.minimum(f64(prm.num_col_muxed), num_col)
    level = f64(prm.level_output)
    ncps = f64(prm.num_col_per_synapse)
    cell_bit = f64(prm.cell_bit)
    w_arr = a["width_array"]
    num_adc = jnp.floor(num_col / ncm)
    bits_seq = jnp.trunc(jnp.ceil(log2_exact(num_row))) + jnp.where(cfg.sram, 1.0, cell_bit)
    bits_par = jnp.trunc(log2_exact(level) + jnp.ceil(log2_exact(f64(prm.num_add))))
    adder_bit = jnp.where(cfg.parallel, bits_par, bits_seq)
    num_adder = jnp.where(cfg.sram_seq, num_col, num_adc)
    # shift-add over the cells of a weight, then over the input bits
    sw_unit = jnp.select([cfg.sram_seq, cfg.r_par], [jnp.floor(num_col / ncps), num_adc], num_adder)
    sw_bits = jnp.where(cfg.r_par, log2_exact(level), adder_bit)
    sw_pulse = jnp.where(cfg.r_seq, (ncps - 1) * cell_bit + 1, ncps)
    si_bits = jnp.select([cfg.r_seq, cfg.r_par], [adder_bit + (ncps - 1) * cell_bit + 1, log2_exact(level) + ncps],
                         adder_bit + ncps)
    return dict(
        adder=masked(make_adder(tech, prm, adder_bit - 1, num_adder, new_width=w_arr), cfg.accum),
        dff=masked(make_dff(tech, prm, adder_bit * num_adder, new_width=w_arr), cfg.accum),
        shift_add_weight=masked(shift_add(tech, prm, sw_unit, sw_bits, sw_pulse, new_width=w_arr), cfg.shift_weight),
        shift_add_input=masked(shift_add(tech, prm, sw_unit, si_bits, f64(prm.num_bit_input), new_width=w_arr),
                               cfg.shift_input),
    )


def _chain(values):
    """``values[0] + values[1] + ...`` summed left to right."""
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def _stack(prm, p: dict, a: dict, rep: WLRepeater) -> dict:
    """Bounding box and area split: the column periphery stacks under the array, the row
    periphery sits beside it, the repeaters widen the array."""
    n_dff = jnp.where(p["config"].sram_seq, 2.0, 1.0)
    adcs = A.blocks(prm, p["adc"])
    pre, swd, sa, add, dff = p["precharger"], p["sram_write_driver"], p["sense_amp"], p["adder"], p["dff"]
    sai, saw, mux, mux_dec = p["shift_add_input"], p["shift_add_weight"], p["mux"], p["mux_decoder"]
    rows = [p[k] for k in ("wl_decoder", "wl_new_decoder_driver", "wl_decoder_driver", "wl_switch_matrix",
                           "wl_new_switch_matrix", "wl_level_shifter", "bl_level_shifter")]
    sl = [p["sl_level_shifter"], p["sl_switch_matrix"]]
    height = _chain([pre.height, swd.height, a["height_array"], sa.height, add.height, dff.height * n_dff,
                     sai.height, saw.height] + [b.height for b in adcs] + [mux.height] + [c.height for c in sl])
    width = jnp.maximum(_chain([c.width for c in rows]), mux_dec.width) + a["width_array"] + rep.area / a["length_col"]
    area = height * width
    area_adc = _chain([b.area for b in adcs] + [sa.area, pre.area])
    area_accum = add.area + dff.area * n_dff + sai.area + saw.area
    area_other = _chain([c.area for c in rows] + [c.area for c in sl] + [swd.area, mux.area, mux_dec.area, rep.area])
    used_area = a["area_array"] + area_adc + area_accum + area_other
    return dict(area=area, height=height, width=width, used_area=used_area, empty_area=area - used_area,
                area_adc=area_adc, area_accum=area_accum, area_other=area_other, num_dff_copies=n_dff)


def subarray(tech, prm, cell, *, relax_cell_width: bool = False, relax_cell_height: bool = False) -> SubArray:
    """Size and lay out the subarray of each design point (traceable, batched like ``prm``).

    ``relax_cell_width`` / ``relax_cell_height`` (static; off in the reference's defaults)
    widen or heighten the cells to the pitch of the periphery that connects to them.
    """
    cfg = configuration(prm, cell)
    num_row = f64(prm.num_row_sub_array)
    a, sram, envm = _array(tech, prm, cell, cfg, relax_cell_width, relax_cell_height)
    rep = wl_repeater(tech, prm, a["res_row"], num_row, cfg.repeaters)
    p = dict(config=cfg, wl_repeater=rep)
    p.update(_row_periphery(tech, prm, cfg, a, envm, rep))
    p.update(_column_mux(tech, prm, cfg, a, sram, envm))
    p.update(_sensing(tech, prm, cell, cfg, a, envm))
    p.update(_accumulation(tech, prm, cfg, a))
    status = S.flag(jnp.zeros(jnp.shape(num_row), jnp.int64), envm["too_wide"], S.ACCESS_TOO_WIDE)
    return SubArray(
        num_row=num_row, num_col=f64(prm.num_col_sub_array),
        num_col_muxed=jnp.minimum(f64(prm.num_col_muxed), f64(prm.num_col_sub_array)),
        num_row_parallel=f64(prm.num_row_parallel), num_add=f64(prm.num_add), level_output=f64(prm.level_output),
        num_cell_per_synapse=f64(prm.num_col_per_synapse), num_read_pulse=f64(prm.num_bit_input),
        avg_weight_bit=f64(prm.cell_bit), status=status, **a, **p, **_stack(prm, p, a, rep),
    )
