"""ReLU unit: a bank of flip-flops holding (and shifting out) the activations.

``num_unit`` units of ``num_bit`` flip-flops each; the area is the flip-flop bank's,
reshaped to a given width (or height). Manual: "Activation (ReLU)". Units: m, m^2.
"""
from __future__ import annotations

from typing import Any

from dse.circuits.cell_layout import f64
from dse.circuits.dff import DFF, dff
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
    if new_width is not None:
        width = f64(new_width) + 0 * area
        height = area / width
    else:
        height = f64(new_height) + 0 * area
        width = area / height
    return BitShifter(num_unit=n_unit, num_bit=n_bit, num_dff=n_unit * n_bit, dff=bank,
                      area=area, height=height, width=width)
