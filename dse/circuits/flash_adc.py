"""Flash ADC: multilevel sense amplifiers (comparators against a reference ladder) and their encoder.

The ``adc`` knob's ``mlsa``. Each converter compares its column against ``levels - 1`` reference
columns (:mod:`dse.circuits.multilevel_sense_amp`); a thermometer-to-binary encoder
(:mod:`dse.circuits.multilevel_sa_encoder`) follows where there is more than one output bit to
form: parallel read, or a sequential read of multi-bit cells. Interface: :mod:`dse.circuits.adc`.
Manual: multilevel sense amplifier and encoder (read periphery of NeuroSim V1.4).

Units: m, m^2, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits.adc import ADCInputs, ADCModel
from dse.circuits.cell_layout import f64, masked
from dse.circuits.multilevel_sa_encoder import (MultilevelSAEncoder, encoder_latency, encoder_leakage,
                                                multilevel_sa_encoder)
from dse.circuits.multilevel_sense_amp import (MultilevelSenseAmp, mlsa_column_energy, mlsa_column_time,
                                               multilevel_sense_amp, power_law_exponent)
from dse.pytree import pytree_dataclass


@pytree_dataclass
class FlashADC:
    """The flash ADCs of a subarray: comparators with their reference ladder, and the encoders."""

    sense_amp: MultilevelSenseAmp
    encoder: MultilevelSAEncoder  # zero area where not needed
    use_encoder: Any              # 1 where the output needs encoding
    reference_energy: Any         # J, a dummy column's word-line activation (SRAM parallel read)


def flash_adc(tech, prm, inp: ADCInputs) -> FlashADC:
    """``inp.num_adc`` flash ADCs of ``inp.levels`` levels laid out across ``inp.width_array``."""
    sa = multilevel_sense_amp(tech, prm, num_col=inp.num_adc, level_output=inp.levels, parallel=inp.parallel,
                              current_mode=prm.current_mode, r_start_parallel=inp.r_start,
                              array_height=inp.array_height, array_width_unit=inp.array_width_unit,
                              column_cap=inp.column_cap, width_array=inp.width_array)
    use_enc = (f64(inp.parallel) > 0) | (f64(inp.levels) > 2)
    enc = masked(multilevel_sa_encoder(tech, prm, num_level=inp.levels, num_encoder=inp.num_adc,
                                       width_array=inp.width_array), use_enc)
    return FlashADC(sense_amp=sa, encoder=enc, use_encoder=use_enc, reference_energy=f64(inp.reference_energy))


def flash_latency(adc: FlashADC, tech, prm):
    """One conversion (s): the comparators settle, then the encoder (where there is one)."""
    enc, _ = encoder_latency(adc.encoder, tech, prm)
    return mlsa_column_time(adc.sense_amp, prm) + jnp.where(adc.use_encoder, enc, 0.0)


def flash_column_energy(adc: FlashADC, tech, prm, res, x_pow=None):
    """One conversion (J) of a column of resistance ``res`` (ohm): :func:`mlsa_column_energy` (the
    encoder's read energy is zero in the reference model)."""
    return mlsa_column_energy(adc.sense_amp, tech, prm, res, adc.reference_energy, x_pow)


def flash_leakage(adc: FlashADC, tech, prm):
    """Leakage (W): the encoders' gates (the comparators' static current is counted per conversion)."""
    return jnp.where(adc.use_encoder, encoder_leakage(adc.encoder, tech, prm), 0.0)


ADC = ADCModel(name="mlsa", layout=flash_adc, latency=flash_latency, column_energy=flash_column_energy,
               leakage=flash_leakage, blocks=("sense_amp", "encoder"), power_law_exponent=power_law_exponent)
