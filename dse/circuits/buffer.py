"""Data buffer (global, tile and PE input/output buffers): SRAM macro or register file.

A buffer of ``num_bit`` bits read/written ``interface_width`` bits at a time. SRAM
buffers are an array of ``interface_width`` columns x ceil(num_bit / interface_width)
rows of SRAM cells with a word-line decoder, bit-line prechargers and write drivers
(sense amplifiers are sized for latency and energy only). Register-file buffers are a
bank of flip-flops with a word-line decoder. The block is reshaped to a given width (or
height). :func:`buffer_latency` (clock cycles in synchronous mode, else s) and
:func:`buffer_power` (J, W) follow the reference's whole-buffer sweep averaged per line / bit.
Manual: "Buffer". Units: m, m^2, F, ohm, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import REGULAR_ROW, Latency, Power, f64
from dse.circuits.dff import DFF, dff, dff_power
from dse.circuits.precharger import Precharger, precharger, precharger_latency, precharger_power
from dse.circuits.row_decoder import RowDecoder, row_decoder, row_decoder_latency, row_decoder_power
from dse.circuits.sram_cell import sram_bitline_delay, sram_cell
from dse.circuits.sense_amp import SenseAmp, sense_amp, sense_amp_latency, sense_amp_power
from dse.circuits.sram_write_driver import (SRAMWriteDriver, sram_write_driver, sram_write_driver_latency,
                                            sram_write_driver_power)
from dse.pytree import pytree_dataclass, replace
from dse.tech import layout as L


@pytree_dataclass
class Buffer:
    """State of a buffer after sizing and layout (SI units); ``sram`` selects the branch."""

    num_bit: Any
    interface_width: Any
    num_interface: Any
    sram: Any               # 1: SRAM macro, 0: register file
    num_row: Any
    num_col: Any
    length_row: Any         # m (SRAM array)
    length_col: Any         # m
    cap_row1: Any           # F
    cap_col: Any            # F
    res_row: Any            # ohm
    res_col: Any            # ohm
    res_cell_access: Any
    cap_cell_access: Any
    cap_sram_cell: Any
    unit_wire_res: Any      # ohm/m
    wl_decoder: RowDecoder  # the decoder of the chosen branch
    precharger: Precharger
    sram_write_driver: SRAMWriteDriver
    sense_amp: SenseAmp
    dff: DFF
    memory_area: Any
    area: Any
    height: Any
    width: Any


def sram_cell_parasitics(tech, prm, cell, width_access_cmos, iw, lines, length_row, length_col):
    """Word-line / bit-line capacitances (F) and access resistance (ohm) of an SRAM macro of
    ``lines`` rows read ``iw`` cells at a time, with wires ``length_row`` / ``length_col`` (m),
    for an access transistor ``width_access_cmos`` (multiples of the minimum width).
    Shared by the SRAM buffer and the sigmoid look-up table."""
    c = sram_cell(tech, prm, cell, width_access_cmos)
    return dict(cap_row1=length_row * L.WIRE_CAP_PER_M + 2 * c["gate_access"] * iw,
                cap_col=length_col * L.WIRE_CAP_PER_M + c["drain_col"] * lines, res_cell_access=c["res_access"],
                cap_cell_access=c["cap_access"], cap_sram_cell=c["cap_cell"])


def with_shared_cell(b: Buffer, tech, prm, cell, width_access_cmos, cap_sram_cell) -> Buffer:
    """The buffer as the reference's shared memory cell leaves it once the subarray is built.

    The reference keeps one memory-cell object for every module, and the subarray writes into
    it before the buffers are built: the access width (with RRAM / FeFET cells, the 1T1R
    transistor's) and the SRAM cell capacitance (SRAM cells only; zero otherwise). The
    buffer's word-line and bit-line parasitics follow that access width, and its write energy
    flips cells of that capacitance. Pass the subarray's ``width_access_cmos`` (multiples of
    the minimum width) and ``cap_sram_cell`` (F); with SRAM cells nothing changes. Area is
    unaffected.
    """
    par = sram_cell_parasitics(tech, prm, cell, width_access_cmos, b.interface_width, b.num_row, b.length_row,
                           b.length_col)
    par["cap_sram_cell"] = f64(cap_sram_cell) + 0 * par["cap_sram_cell"]
    return replace(b, **par)

def buffer(tech, prm, cell, num_bit, interface_width, num_interface, unit_wire_res, sram, *,
           new_height=None, new_width=None) -> Buffer:
    """A buffer of ``num_bit`` bits with ``interface_width``-bit lines (both truncated to
    integers); ``sram`` (traced 0/1) picks SRAM macro or register file. Laid out
    ``new_width`` wide if given, else ``new_height`` high (m)."""
    F = tech.feature_size
    nb = jnp.trunc(f64(num_bit))
    iw = jnp.trunc(f64(interface_width))
    is_sram = f64(sram) != 0
    lines = jnp.ceil(nb / iw)
    num_addr = jnp.ceil(jnp.log2(lines))

    # ---- SRAM macro ----
    length_row = iw * prm.width_in_feature_size_sram * F
    length_col = lines * prm.height_in_feature_size_sram * F
    par = sram_cell_parasitics(tech, prm, cell, cell.width_access_cmos, iw, lines, length_row, length_col)
    res_row = length_row * prm.metal0_unitwireresis
    res_col = length_col * prm.metal1_unitwireresis
    pre = precharger(tech, iw, length_col * f64(unit_wire_res), new_width=length_row)
    wd = sram_write_driver(tech, iw, new_width=length_row)
    sa = sense_amp(tech, iw, length_row / iw, cell.min_sense_voltage)
    memory_area = length_row * length_col
    bank = dff(tech, prm, nb)
    # the word-line decoder spans the SRAM array's height or the register rows' height
    dec = row_decoder(tech, prm, num_addr, mode=REGULAR_ROW,
                      new_height=jnp.where(is_sram, length_col, bank.h_dff * lines))
    area_sram = memory_area + dec.area + pre.area + wd.area
    area_rf = bank.area + dec.area
    area = jnp.where(is_sram, area_sram, area_rf)
    if new_width is not None:
        width = f64(new_width) + 0 * area
        height = area / width
    elif new_height is not None:
        height = f64(new_height) + 0 * area
        width = area / height
    else:
        raise ValueError("buffer needs new_width or new_height")
    return Buffer(num_bit=nb, interface_width=iw, num_interface=f64(num_interface), sram=f64(sram),
                  num_row=lines, num_col=iw, length_row=length_row, length_col=length_col,
                  res_row=res_row, res_col=res_col, **par,
                  unit_wire_res=f64(unit_wire_res), wl_decoder=dec, precharger=pre, sram_write_driver=wd,
                  sense_amp=sa, dff=bank, memory_area=memory_area, area=area, height=height, width=width)



#: wire capacitance per unit length, 0.2 fF/um (F/m)


def _idle_sense_amp(b: Buffer):
    """The buffer's sense amplifiers as the reference evaluates them: never laid out, so their
    load capacitance stays zero (no sensing delay or energy; leakage only)."""
    return replace(b.sense_amp, cap_load=jnp.zeros_like(b.sense_amp.cap_load))


def buffer_latency(b: Buffer, tech, prm, cell, num_access_bit_read, num_read, num_access_bit_write, num_write,
                   *, clk_freq=None) -> Latency:
    """Read / write latency of ``num_read`` / ``num_write`` line accesses (broadcasts over a layer axis).

    Synchronous mode: one line per clock CYCLE (``num_read`` / ``num_write`` cycles).
    Asynchronous mode (s): the time to sweep the whole buffer once, divided by its lines, per
    access. SRAM: word-line decode + precharge + bit-line Elmore discharge to half the sense
    voltage (one per row) + sensing; writes precharge then decode or drive, whichever is
    slower. Register file: decode + half a period of ``clk_freq`` (default ``prm.clk_freq``)
    per line; the reference hands the decoder a zero column count there, so this latency is
    infinite (as in the reference). The access widths do not enter. Manual: "Buffer".
    """
    del num_access_bit_read, num_access_bit_write
    clk = prm.clk_freq if clk_freq is None else clk_freq
    rows = b.num_row
    # ---- SRAM macro ----
    c_row = b.length_row * L.WIRE_CAP_PER_M
    c_bl = b.length_col * L.WIRE_CAP_PER_M
    wl = row_decoder_latency(b.wl_decoder, tech, fm.STEP_RAMP, c_row, 0.0, b.res_row, b.interface_width, rows, rows)
    pre = precharger_latency(b.precharger, tech, fm.STEP_RAMP, c_bl, rows, rows)
    wd = sram_write_driver_latency(b.sram_write_driver, tech, fm.STEP_RAMP, c_bl, b.length_col * b.unit_wire_res, rows)
    sa = sense_amp_latency(_idle_sense_amp(b), tech, rows)
    col_delay = sram_bitline_delay(tech, prm, cell, b.res_cell_access, b.cap_col / rows, b.res_col / rows, rows) * rows
    read_sram = wl.read_latency + pre.read_latency + col_delay + sa.read_latency
    write_sram = pre.write_latency + jnp.maximum(wl.write_latency, wd.write_latency)
    # ---- register file ----
    wl_rf = row_decoder_latency(b.wl_decoder, tech, fm.STEP_RAMP, b.dff.h_dff * b.interface_width * L.WIRE_CAP_PER_M,
                                b.res_row, b.num_col, 0.0, rows, rows)
    half = 1 / clk / 2 * rows
    read_rf = wl_rf.read_latency + half
    write_rf = wl_rf.write_latency + half
    sram = b.sram != 0
    per_read = jnp.where(sram, read_sram, read_rf) / rows
    per_write = jnp.where(sram, write_sram, write_rf) / rows
    sync = prm.synchronous != 0
    shape = jnp.broadcast_shapes(jnp.shape(per_read), jnp.shape(num_read), jnp.shape(num_write))
    read = jnp.where(sync, jnp.broadcast_to(f64(num_read), shape), per_read * num_read)
    write = jnp.where(sync, jnp.broadcast_to(f64(num_write), shape), per_write * num_write)
    return Latency(read_latency=read, write_latency=write, ramp_output=jnp.zeros_like(read))


def buffer_power(b: Buffer, tech, prm, num_access_bit_read, num_read, num_access_bit_write, num_write) -> Power:
    """Energy (J) of ``num_read`` / ``num_write`` accesses of ``num_access_bit_*`` bits each and
    leakage (W) (broadcasts over a layer axis).

    The energy of sweeping the whole buffer once (every line read, or written) is spread
    evenly over its bits. SRAM: decoder, precharge, (idle) sense amplifiers and the word
    lines; writes add the write drivers and flipping every cell. The precharger's load is
    the bit line in asynchronous mode (set by the latency pass) and zero in synchronous mode
    (never set in the reference). Register file: decoder (floor(bits / width) decodes) and
    the flip-flop bank with the DFF activity ``gamma``. Manual: "Buffer".
    """
    vdd = tech.vdd
    rows = b.num_row
    iw = b.interface_width
    # ---- SRAM macro ----
    wl = row_decoder_power(b.wl_decoder, tech, prm, rows, rows)
    c_pre = jnp.where(prm.synchronous != 0, 0.0, b.length_col * L.WIRE_CAP_PER_M)
    pre = precharger_power(b.precharger, tech, c_pre, rows, rows, iw, iw, 1.0)
    wd = sram_write_driver_power(b.sram_write_driver, tech, rows, iw, 1.0)
    sa = sense_amp_power(_idle_sense_amp(b), tech, rows, iw)
    read_sram = wl.read_dynamic_energy + pre.read_dynamic_energy + sa.read_dynamic_energy
    read_sram = read_sram + b.cap_row1 * vdd * vdd * rows
    write_sram = wl.write_dynamic_energy + pre.write_dynamic_energy + wd.write_dynamic_energy
    write_sram = write_sram + b.cap_sram_cell * vdd * vdd * b.num_bit
    write_sram = write_sram + b.cap_row1 * vdd * vdd * rows
    leak_sram = wl.leakage + pre.leakage + wd.leakage + sa.leakage
    # ---- register file ----
    lines = jnp.floor(b.num_bit / iw)          # C integer division
    wl_rf = row_decoder_power(b.wl_decoder, tech, prm, lines, lines)
    bank = dff_power(b.dff, tech, prm, 1.0, b.num_bit, True)
    read_rf = wl_rf.read_dynamic_energy + bank.read_dynamic_energy
    write_rf = wl_rf.write_dynamic_energy + bank.write_dynamic_energy
    leak_rf = bank.leakage + wl_rf.leakage
    sram = b.sram != 0
    per_bit_read = jnp.where(sram, read_sram, read_rf) / b.num_bit
    per_bit_write = jnp.where(sram, write_sram, write_rf) / b.num_bit
    read = per_bit_read * num_access_bit_read * num_read
    write = per_bit_write * num_access_bit_write * num_write
    return Power(read_dynamic_energy=read, write_dynamic_energy=write, leakage=jnp.where(sram, leak_sram, leak_rf))
