"""ReLU unit: a bank of flip-flops holding (and shifting out) the activations.

``num_unit`` units of ``num_bit`` flip-flops each; the area is the flip-flop bank's,
reshaped to a given width (or height); one flip-flop transfer per pass (:func:`bit_shifter_latency`,
:func:`bit_shifter_power`). Manual: "Activation (ReLU)". Units: m, m^2, s, J, W.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.circuits.cell_layout import Latency, Power, f64, spread
from dse.circuits.dff import DFF, dff, dff_latency, dff_power
from dse.pytree import pytree_dataclass


@pytree_dataclass
class BitShifter:
    """State of the ReLU (bit shifter) bank (SI units)."""

    num_unit: Any
    num_bit: Any
    num_dff: Any
    dff: DFF
    area: Any
    height: Any
    width: Any


def bit_shifter(tech, prm, num_unit, num_bit, *, new_height=None, new_width=None) -> BitShifter:
    """``num_unit`` x ``num_bit`` flip-flops laid out ``new_width`` wide (else ``new_height`` high)."""
    n_unit = f64(num_unit)
    n_bit = f64(num_bit)
    bank = dff(tech, prm, n_unit * n_bit)
    area = bank.area
    height, width = spread(area, new_height, new_width)
    return BitShifter(num_unit=n_unit, num_bit=n_bit, num_dff=n_unit * n_bit, dff=bank,
                      area=area, height=height, width=width)


def bit_shifter_latency(b: BitShifter, tech, prm, num_read, *, clk_freq=None) -> Latency:
    """Latency of ``num_read`` ReLU passes (all units read out in parallel; broadcasts over a
    layer axis): one flip-flop transfer each, i.e. ``num_read`` clock CYCLES in synchronous mode,
    else half a period of ``clk_freq`` (s; default ``prm.clk_freq``, the clock the bank was built
    for). Manual: "Activation (ReLU)"."""
    one = dff_latency(b.dff, prm, 1.0, clk_freq).read_latency
    lat = one * num_read
    return Latency(read_latency=lat, write_latency=jnp.zeros_like(lat), ramp_output=jnp.zeros_like(lat))


def bit_shifter_power(b: BitShifter, tech, prm, num_read) -> Power:
    """Energy (J) of ``num_read`` clock cycles of the whole flip-flop bank (every flip-flop
    passes data; no DFF activity factor, as in the reference) and its leakage (W)."""
    p = dff_power(b.dff, tech, prm, num_read, b.num_dff, False)
    return Power(read_dynamic_energy=p.read_dynamic_energy, write_dynamic_energy=jnp.zeros_like(p.read_dynamic_energy),
                 leakage=p.leakage)
