"""Chip-wide parameters of the NeuroSim V1.4 model (its ``Param``), as a pytree.

Everything the reference keeps in its global parameter object lives here:
user knobs (after the reference's own adjustments, e.g. 1-bit SRAM cells) and
the per-node tables of the reference's parameter file (driver sizing factors,
metal widths and barrier thickness, SRAM cell size in F, read voltage) with the
unit wire resistances derived from them. Field names are the reference's
names in snake_case so that each equation can be traced to the manual.

Units: SI (m, ohm, ohm/m, V, s, Hz). ``metal0``, ``metal1`` and ``wire_width``
are kept in nm as the reference does, because its resistivity bands are given
in nm; ``feature_size`` is in m.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from dse import design as D
from dse.design import NODES, DesignArrays
from dse.pytree import pytree_dataclass, static_field

IR_DROP_TOLERANCE = 0.25

# ---- per-node tables (order of NODES: 130 90 65 45 32 22 14 10 7 5 3 2 1) --------------
_METAL0 = np.array([175, 110, 105, 80, 56, 40, 32, 22, 20, 15, 12, 10, 8], float)
_METAL1 = np.array([175, 110, 105, 80, 56, 40, 39, 32, 28.5, 17, 16, 11.5, 10], float)
_WIRE_WIDTH = np.array([175, 110, 105, 80, 56, 40, 32, 22, 20, 15, 12, 10, 8], float)
_BARRIER = np.array([10, 10, 7, 5, 4, 2.5, 2.5, 2, 2, 2, 1.5, 0.5, 0.2], float) * 1e-9
_SIZING_MUX = np.array([1, 1, 1, 1, 1, 110, 130, 80, 60, 50, 25, 25, 30], float)
_NEW_SWITCH_RATIO = np.array([6, 6, 6, 6, 6, 14, 6, 6, 6, 6, 6, 6, 6], float)
_SWITCH_RATIO = np.array([0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.2, 0.2, 0.06, 0.03, 0.1, 0.1])
_BUFFER_NUMBER = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3], float)
_BUFFER_SIZE_RATIO = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3], float)
_SRAM_H_F = np.array([10, 10, 10, 10, 10, 10, 10.6, 12.8, 16, 19.2, 30, 42, 80], float)
_SRAM_W_F = np.array([28, 28, 28, 28, 28, 28, 30.8, 31.25, 34.43, 43.75, 68.26, 120, 144], float)
_READ_VOLTAGE = np.array([0.58, 0.58, 0.55, 0.51, 0.51, 0.55, 0.277, 0.28, 0.264, 0.253, 0.248, 0.28, 0.272])

# resistivity bands: (lower bound of width in nm, aspect ratio, bulk resistivity in ohm m)
_BANDS = [(175, 1.6, 2.01e-8), (110, 1.6, 2.20e-8), (105, 1.7, 2.21e-8), (80, 1.7, 2.37e-8),
          (56, 1.8, 2.63e-8), (40, 1.9, 2.97e-8), (32, 2.0, 3.25e-8), (22, 2.0, 3.95e-8),
          (20, 2.0, 4.17e-8), (15, 2.0, 4.98e-8), (12, 2.0, 5.8e-8), (10, 2.0, 6.61e-8), (8, 3.0, 7.87e-8)]


def _wire(width_nm: np.ndarray, barrier: np.ndarray):
    """Aspect ratio, size-corrected resistivity (ohm m) and unit resistance (ohm/m)."""
    ar = np.empty_like(width_nm)
    rho = np.empty_like(width_nm)
    for i, w in enumerate(width_nm):
        for lo, a, r in _BANDS:
            if w >= lo:
                ar[i], rho[i] = a, r
                break
    # barrier (liner) reduces the conducting cross-section
    rho = rho / (1 - (2 * ar * width_nm + width_nm) * barrier / (ar * width_nm ** 2))
    unit = rho / ((width_nm * 1e-9) ** 2 * ar)
    return ar, rho, unit


_AR, _RHO, _UNIT_WIRE_R = _wire(_WIRE_WIDTH, _BARRIER)
_AR_M0, _RHO_M0, _M0_UNIT_R = _wire(_METAL0, _BARRIER)
_AR_M1, _RHO_M1, _M1_UNIT_R = _wire(_METAL1, _BARRIER)

NODE_TABLE = {
    "metal0": _METAL0, "metal1": _METAL1, "wire_width": _WIRE_WIDTH, "barrier_thickness": _BARRIER,
    "sizingfactor_mux": _SIZING_MUX, "newswitchmatrixsizeratio": _NEW_SWITCH_RATIO,
    "switchmatrixsizeratio": _SWITCH_RATIO, "buffernumber": _BUFFER_NUMBER, "buffersizeratio": _BUFFER_SIZE_RATIO,
    "height_in_feature_size_sram": _SRAM_H_F, "width_in_feature_size_sram": _SRAM_W_F,
    "read_voltage": _READ_VOLTAGE, "ar": _AR, "rho": _RHO, "unit_length_wire_resistance": _UNIT_WIRE_R,
    "ar_metal0": _AR_M0, "rho_metal0": _RHO_M0, "metal0_unitwireresis": _M0_UNIT_R,
    "ar_metal1": _AR_M1, "rho_metal1": _RHO_M1, "metal1_unitwireresis": _M1_UNIT_R,
}


@pytree_dataclass
class Params:
    """The reference's global parameters for one (or a batch of) design point(s).

    All fields are arrays with the batch shape. Integer-valued quantities are
    stored as float64 (the reference mixes int and double; we keep its
    truncations explicit where they matter).
    """

    # ---- user knobs, encoded (see dse.design) ----
    technode: Any            # nm
    node_index: Any          # index into dse.design.NODES
    memcelltype: Any         # SRAM=0, RRAM=1, FEFET=2
    accesstype: Any          # eNVM access: 0 = 1T1R (CMOS access), 1 = crossbar (none)
    deviceroadmap: Any       # LSTP=0, HP=1
    parallel_read: Any       # 1: conventional parallel, 0: conventional sequential
    num_row_sub_array: Any
    num_col_sub_array: Any
    num_row_parallel: Any
    num_add: Any             # floor(numRowSubArray / numRowParallel)
    level_output: Any        # 2**adc_bits
    dumcolshared: Any
    adc_type: Any            # code of the ADC type: index into adc_models (dse.circuits.adc)
    current_mode: Any
    cell_bit: Any
    synapse_bit: Any
    num_bit_input: Any
    num_col_per_synapse: Any
    num_col_muxed: Any
    resistance_on: Any       # ohm
    resistance_off: Any      # ohm
    resistance_access: Any   # ohm
    max_conductance: Any     # S
    min_conductance: Any     # S
    novel_mapping: Any
    pipeline: Any
    speed_up_degree: Any
    global_bus_type: Any     # 0 xy, 1 htree
    global_buffer_type: Any  # 0 regfile, 1 sram
    tile_buffer_type: Any
    pe_buffer_type: Any
    re_lu: Any
    chip_activation: Any
    validated: Any
    synchronous: Any
    clk_freq: Any            # Hz
    inputtoggle: Any
    # ---- calibration factors (1 when not validated; the reference leaves them uninitialised) ----
    alpha: Any
    beta: Any
    gamma: Any
    delta: Any
    epsilon: Any
    zeta: Any
    # ---- per-node tables ----
    metal0: Any
    metal1: Any
    wire_width: Any
    barrier_thickness: Any
    feature_size: Any        # m (= wire width)
    sizingfactor_mux: Any
    sizingfactor_wldecoder: Any
    newswitchmatrixsizeratio: Any
    switchmatrixsizeratio: Any
    buffernumber: Any
    buffersizeratio: Any
    height_in_feature_size_sram: Any
    width_in_feature_size_sram: Any
    read_voltage: Any        # V
    ar: Any
    rho: Any
    unit_length_wire_resistance: Any  # ohm/m
    ar_metal0: Any
    rho_metal0: Any
    metal0_unitwireresis: Any         # ohm/m
    ar_metal1: Any
    rho_metal1: Any
    metal1_unitwireresis: Any         # ohm/m
    wire_length_row: Any     # m, one cell
    wire_length_col: Any     # m, one cell
    wire_resistance_row: Any  # ohm, one cell
    wire_resistance_col: Any  # ohm, one cell
    # ---- constants of the reference (kept as fields so a sweep could vary them) ----
    temp: Any                # K
    outputtoggle: Any
    min_sense_voltage: Any
    height_in_feature_size_1t1r: Any
    width_in_feature_size_1t1r: Any
    height_in_feature_size_crossbar: Any
    width_in_feature_size_crossbar: Any
    width_sram_cell_nmos: Any
    width_sram_cell_pmos: Any
    width_access_cmos: Any
    read_pulse_width: Any    # s
    access_voltage: Any      # V
    write_voltage: Any       # V
    global_bus_delay_tolerance: Any
    local_bus_delay_tolerance: Any
    tree_folded_ratio: Any
    max_global_bus_width: Any
    global_buffer_core_size_row: Any
    global_buffer_core_size_col: Any
    tile_buffer_core_size_row: Any
    tile_buffer_core_size_col: Any
    speciallayout: Any
    wire_resistivity_scale: Any  # 1: every wire's resistivity is multiplied by it (dse.sensitivity varies it)
    #: the registered ADC types the ``adc_type`` codes index (static, from the encoded points)
    adc_models: tuple = static_field(default=())


def make_params(d: DesignArrays) -> Params:
    """Derive the reference's parameters from encoded design points (traceable)."""
    f = lambda x: jnp.asarray(x, jnp.float64)  # noqa: E731
    idx = jnp.asarray(d.technode)
    node = lambda name: jnp.asarray(NODE_TABLE[name])[idx]  # noqa: E731
    technode = jnp.asarray(np.array(NODES, float))[idx]
    is_sram = jnp.asarray(d.memcell) == D.SRAM
    parallel = f(jnp.asarray(d.mode) == D.PARALLEL)
    sub = f(d.subarray)
    # the reference forces 1-bit cells for SRAM, then clamps to the weight precision
    cell_bit = jnp.where(is_sram, 1.0, f(d.cell_bits))
    cell_bit = jnp.minimum(cell_bit, f(d.weight_bits))
    ncps = jnp.ceil(f(d.weight_bits) / cell_bit)
    col_mux = jnp.where(is_sram & (parallel == 0), ncps, f(d.col_mux))
    level = 2.0 ** f(d.adc_bits)
    r_on = f(d.r_on)
    r_off = r_on * f(d.on_off)
    val = f(d.validated)
    # calibration factors; without calibration they are 1 (the reference leaves them uninitialised)
    cal = lambda v: jnp.where(val != 0, v, 1.0)  # noqa: E731
    width = node("wire_width")
    crossbar = jnp.asarray(d.access) == D.ACCESS_CROSSBAR
    h_cell = jnp.where(is_sram, node("height_in_feature_size_sram"), jnp.where(crossbar, 2.0, 4.0))
    w_cell = jnp.where(is_sram, node("width_in_feature_size_sram"), jnp.where(crossbar, 2.0, 12.0))
    wl_row = width * 1e-9 * h_cell
    wl_col = width * 1e-9 * w_cell
    unit_r = node("unit_length_wire_resistance")
    shape = jnp.shape(idx)
    c = lambda v: jnp.full(shape, v, jnp.float64)  # noqa: E731
    return Params(
        technode=technode, node_index=idx, memcelltype=jnp.asarray(d.memcell),
        accesstype=jnp.where(is_sram, D.ACCESS_1T1R, jnp.asarray(d.access)),
        deviceroadmap=jnp.asarray(d.roadmap), parallel_read=parallel,
        num_row_sub_array=sub, num_col_sub_array=sub, num_row_parallel=f(d.parallel_read),
        num_add=jnp.floor(sub / f(d.parallel_read)), level_output=level, dumcolshared=level,
        adc_type=f(d.adc), adc_models=d.adc_types, current_mode=f(jnp.asarray(d.sense) == D.CURRENT),
        cell_bit=cell_bit, synapse_bit=f(d.weight_bits), num_bit_input=f(d.input_bits),
        num_col_per_synapse=ncps, num_col_muxed=col_mux,
        resistance_on=r_on, resistance_off=r_off, resistance_access=r_on * IR_DROP_TOLERANCE,
        max_conductance=1.0 / r_on, min_conductance=1.0 / r_off,
        novel_mapping=f(jnp.asarray(d.mapping) == D.NOVEL), pipeline=f(d.pipeline),
        speed_up_degree=f(d.speedup), global_bus_type=f(d.global_bus),
        global_buffer_type=f(d.global_buffer), tile_buffer_type=f(d.tile_buffer), pe_buffer_type=f(d.pe_buffer),
        re_lu=f(jnp.asarray(d.activation) == D.RELU), chip_activation=f(d.chip_activation),
        validated=val, synchronous=f(d.synchronous), clk_freq=f(d.clk_freq), inputtoggle=f(d.input_toggle),
        alpha=cal(1.44), beta=cal(1.4), gamma=cal(0.5), delta=cal(0.15), epsilon=cal(0.05), zeta=cal(1.22),
        metal0=node("metal0"), metal1=node("metal1"), wire_width=width,
        barrier_thickness=node("barrier_thickness"), feature_size=width * 1e-9,
        sizingfactor_mux=node("sizingfactor_mux"), sizingfactor_wldecoder=c(1.0),
        newswitchmatrixsizeratio=node("newswitchmatrixsizeratio"), switchmatrixsizeratio=node("switchmatrixsizeratio"),
        buffernumber=node("buffernumber"), buffersizeratio=node("buffersizeratio"),
        height_in_feature_size_sram=node("height_in_feature_size_sram"),
        width_in_feature_size_sram=node("width_in_feature_size_sram"), read_voltage=node("read_voltage"),
        ar=node("ar"), rho=node("rho"), unit_length_wire_resistance=unit_r,
        ar_metal0=node("ar_metal0"), rho_metal0=node("rho_metal0"), metal0_unitwireresis=node("metal0_unitwireresis"),
        ar_metal1=node("ar_metal1"), rho_metal1=node("rho_metal1"), metal1_unitwireresis=node("metal1_unitwireresis"),
        wire_length_row=wl_row, wire_length_col=wl_col,
        wire_resistance_row=unit_r * wl_row, wire_resistance_col=unit_r * wl_col,
        temp=c(300.0), outputtoggle=c(0.5), min_sense_voltage=c(0.1),
        height_in_feature_size_1t1r=c(4.0), width_in_feature_size_1t1r=c(12.0),
        height_in_feature_size_crossbar=c(2.0), width_in_feature_size_crossbar=c(2.0),
        width_sram_cell_nmos=c(1.0), width_sram_cell_pmos=c(1.0), width_access_cmos=c(1.0),
        read_pulse_width=c(10e-9), access_voltage=c(1.1), write_voltage=c(2.0),
        global_bus_delay_tolerance=c(0.1), local_bus_delay_tolerance=c(0.1), tree_folded_ratio=c(4.0),
        max_global_bus_width=c(2048.0), global_buffer_core_size_row=c(128.0), global_buffer_core_size_col=c(128.0),
        tile_buffer_core_size_row=c(32.0), tile_buffer_core_size_col=c(32.0), speciallayout=c(1.0),
        wire_resistivity_scale=c(1.0),
    )
