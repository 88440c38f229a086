"""The synaptic memory cell (the reference's ``MemCell``), as set up before any circuit is built.

SRAM cells take their size (in F) and transistor widths from the parameters;
RRAM and FeFET cells are either 1T1R cells (CMOS access transistor, 4F x 12F
layout) or cross-point cells without an access device (``prm.accesstype`` =
crossbar, 2F x 2F layout). Fields the reference only fills for SRAM (transistor widths of the
SRAM cell, minimum sense voltage) are 0 for RRAM/FeFET, as in the reference; the
1T1R access-transistor width is computed later by the subarray from the access
resistance. Units: ohm, V, s, m; sizes in F (``feature_size`` = the wire width).
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse import design as D
from dse.pytree import pytree_dataclass


@pytree_dataclass
class Cell:
    """Memory cell of one (or a batch of) design point(s); every field has the batch shape."""

    mem_cell_type: Any            # SRAM=0, RRAM=1, FEFET=2 (dse.design codes)
    access_type: Any              # ACCESS_1T1R=0 (CMOS access; always for SRAM), ACCESS_CROSSBAR=1 (none)
    resistance_on: Any            # ohm
    resistance_off: Any           # ohm
    resistance_avg: Any           # ohm, mean of on and off
    read_voltage: Any             # V
    read_pulse_width: Any         # s
    access_voltage: Any           # V, gate voltage of the 1T1R access transistor
    resistance_access: Any        # ohm
    feature_size: Any             # m, the memory cell's F (= wire width, not the transistor node)
    write_voltage: Any            # V
    height_in_feature_size: Any   # F
    width_in_feature_size: Any    # F
    width_sram_cell_nmos: Any     # F (SRAM only; 0 otherwise)
    width_sram_cell_pmos: Any     # F (SRAM only; 0 otherwise)
    width_access_cmos: Any        # F (SRAM only here; 1T1R width comes from the subarray)
    min_sense_voltage: Any        # V (SRAM only; 0 otherwise)


def memcell(prm) -> Cell:
    """Build the memory cell from the parameters (traceable, batched like ``prm``)."""
    is_sram = jnp.asarray(prm.memcelltype) == D.SRAM
    crossbar = (~is_sram) & (jnp.asarray(prm.accesstype) == D.ACCESS_CROSSBAR)
    sram_only = lambda v: jnp.where(is_sram, v, 0.0)  # noqa: E731
    r_on = jnp.asarray(prm.resistance_on, jnp.float64)
    r_off = jnp.asarray(prm.resistance_off, jnp.float64)
    return Cell(
        mem_cell_type=jnp.asarray(prm.memcelltype),
        access_type=jnp.where(crossbar, D.ACCESS_CROSSBAR, D.ACCESS_1T1R),
        resistance_on=r_on,
        resistance_off=r_off,
        resistance_avg=(r_on + r_off) / 2,
        read_voltage=prm.read_voltage,
        read_pulse_width=prm.read_pulse_width,
        access_voltage=prm.access_voltage,
        resistance_access=prm.resistance_access,
        feature_size=prm.feature_size,
        write_voltage=prm.write_voltage,
        # non-SRAM cells use the 1T1R layout (CMOS access) or the cross-point layout
        height_in_feature_size=jnp.where(is_sram, prm.height_in_feature_size_sram,
                                         jnp.where(crossbar, prm.height_in_feature_size_crossbar,
                                                   prm.height_in_feature_size_1t1r)),
        width_in_feature_size=jnp.where(is_sram, prm.width_in_feature_size_sram,
                                        jnp.where(crossbar, prm.width_in_feature_size_crossbar,
                                                  prm.width_in_feature_size_1t1r)),
        width_sram_cell_nmos=sram_only(prm.width_sram_cell_nmos),
        width_sram_cell_pmos=sram_only(prm.width_sram_cell_pmos),
        width_access_cmos=sram_only(prm.width_access_cmos),
        min_sense_voltage=sram_only(prm.min_sense_voltage),
    )
