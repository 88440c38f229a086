"""Data buffer (global, tile and PE input/output buffers): SRAM macro or register file.

A buffer of ``num_bit`` bits read/written ``interface_width`` bits at a time. SRAM
buffers are an array of ``interface_width`` columns x ceil(num_bit / interface_width)
rows of SRAM cells with a word-line decoder, bit-line prechargers and write drivers
(sense amplifiers are sized for latency and energy only). Register-file buffers are a
bank of flip-flops with a word-line decoder. The block is reshaped to a given width (or
height). Manual: "Buffer". Units: m, m^2, F, ohm.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits import formula as fm
from dse.circuits.cell_layout import REGULAR_ROW, f64, std_height
from dse.circuits.dff import DFF, dff
from dse.circuits.precharger import Precharger, precharger
from dse.circuits.row_decoder import RowDecoder, row_decoder
from dse.circuits.sense_amp import SenseAmp, sense_amp
from dse.circuits.sram_write_driver import SRAMWriteDriver, sram_write_driver
from dse.pytree import pytree_dataclass
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


def buffer(tech, prm, cell, num_bit, interface_width, num_interface, unit_wire_res, sram, *,
           new_height=None, new_width=None) -> Buffer:
    """A buffer of ``num_bit`` bits with ``interface_width``-bit lines (both truncated to
    integers); ``sram`` (traced 0/1) picks SRAM macro or register file. Laid out
    ``new_width`` wide if given, else ``new_height`` high (m)."""
    F = tech.feature_size
    hstd = std_height(tech)
    nb = jnp.trunc(f64(num_bit))
    iw = jnp.trunc(f64(interface_width))
    is_sram = f64(sram) != 0
    lines = jnp.ceil(nb / iw)
    num_addr = jnp.ceil(jnp.log2(lines))

    # ---- SRAM macro ----
    length_row = iw * prm.width_in_feature_size_sram * F
    length_col = lines * prm.height_in_feature_size_sram * F
    fin = jnp.where(f64(tech.technode) <= 14, 2.0, 1.0)
    w_acc = cell.width_access_cmos * fin * F
    res_cell_access = fm.on_resistance(tech, w_acc, L.NMOS, prm.temp)
    cap_cell_access = fm.drain_cap(tech, w_acc, L.NMOS, hstd)
    cap_sram_cell = (cap_cell_access + fm.drain_cap(tech, cell.width_sram_cell_nmos * fin * F, L.NMOS, hstd)
                     + fm.drain_cap(tech, cell.width_sram_cell_pmos * fin * F, L.PMOS, hstd)
                     + fm.gate_cap(tech, cell.width_sram_cell_nmos * fin * F)
                     + fm.gate_cap(tech, cell.width_sram_cell_pmos * fin * F))
    cap_row1 = length_row * 0.2e-15 / 1e-6 + 2 * fm.gate_cap(tech, w_acc) * iw
    finfet = f64(tech.technode) <= 14
    cap_col = length_col * 0.2e-15 / 1e-6 + jnp.where(
        finfet, tech.cap_draintotal * cell.width_access_cmos * tech.effective_width, cap_cell_access) * lines
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
                  cap_row1=cap_row1, cap_col=cap_col, res_row=res_row, res_col=res_col,
                  res_cell_access=res_cell_access, cap_cell_access=cap_cell_access, cap_sram_cell=cap_sram_cell,
                  unit_wire_res=f64(unit_wire_res), wl_decoder=dec, precharger=pre, sram_write_driver=wd,
                  sense_amp=sa, dff=bank, memory_area=memory_area, area=area, height=height, width=width)

