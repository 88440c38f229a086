"""The subarray's analog-to-digital converters: one interface, one registry, one selection by code.

An ADC type is a module that exposes ``ADC``, an :class:`ADCModel`: a name (the ``adc`` knob's
value) and four pure functions of its state (a pytree), the technology and the parameters,
written for one design point and broadcasting over batch dimensions:

* ``layout(tech, prm, inp)`` -> state: sizing and layout of the ``inp.num_adc`` converters under
  the array (:class:`ADCInputs`: what the subarray hands to its ADCs); the state, or each of its
  ``blocks`` fields, carries ``area`` (m^2), ``height`` and ``width`` (m);
* ``latency(state, tech, prm)`` -> s: one conversion of one column;
* ``column_energy(state, tech, prm, res, x_pow)`` -> J: one conversion of a column of resistance
  ``res`` (ohm, elementwise, any shape); ``x_pow`` is :func:`power_law` of the column, shared by
  the fits that have such a term (``power_law_exponent``), None when none has;
* ``leakage(state, tech, prm)`` -> W.

The registered types, in the order of their codes (the ``adc`` knob's choices,
:data:`dse.design.KNOBS`), are :data:`BUILTIN` plus any :func:`register`-ed at run time. The
subarray lays out every registered type and keeps the one the point's code names
(:func:`layout`, :func:`latency`, :func:`column_energy`, :func:`leakage`: ``jnp.select`` on
``prm.adc_type``), so it never names an ADC. The set a point was encoded with travels in
:class:`dse.design.DesignArrays` as static structure, so compiled programs are keyed by it.

Adding an ADC: write ``dse/circuits/<name>.py`` ending in ``ADC = ADCModel(...)`` and add one
line to :data:`dse.adc_registry.BUILTIN` (docs/architecture.md, "How to add a circuit"). The
registry (names, codes, run-time registration) lives in :mod:`dse.adc_registry`, below the knob
schema, and is re-exported here.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

from dse.adc_registry import BUILTIN, NAMES, models, names, register, registered, unregister  # noqa: F401
from dse.circuits.cell_layout import masked
from dse.pytree import pytree_dataclass, replace

@dataclasses.dataclass(frozen=True)
class ADCModel:
    """One ADC type: its knob value and the four functions of the interface (module docstring).

    ``blocks`` names the state's fields that are laid-out blocks (stacked under the array in this
    order); empty: the state itself is the one block. ``power_law_exponent(prm)``, if given, is
    the exponent ``b`` of a ``a * x**b`` term of the energy fit in :func:`fit_variable` ``x``.
    """

    name: str
    layout: Callable[..., Any]
    latency: Callable[..., Any]
    column_energy: Callable[..., Any]
    leakage: Callable[..., Any]
    blocks: tuple[str, ...] = ()
    power_law_exponent: Callable[..., Any] | None = None


@pytree_dataclass
class ADCInputs:
    """What the subarray hands to its ADCs (one design point, or a batch; SI units).

    The first three describe every ADC; the others serve ADCs that need them (the flash ADC's
    reference columns and comparator loads).
    """

    num_adc: Any                  # converters (columns / columns sharing one)
    levels: Any                   # quantization levels of each
    width_array: Any              # m, the array width they are laid out across
    parallel: Any = 0.0           # 1: rows read at once (currents summed), 0: row by row
    column_cap: Any = 0.0         # F, bit-line capacitance at the input
    r_start: Any = 0.0            # ohm, lowest reference resistance of a parallel read
    array_height: Any = 0.0       # m, one memory column (a dummy reference column's height)
    array_width_unit: Any = 0.0   # m, one cell's width (a dummy column's width)
    reference_energy: Any = 0.0   # J, activating a dummy column's word lines (SRAM parallel read)


# ---------------------------------------------------------------------------------------------
# shared parts of the ADC energy fits (circuit simulations at a 0.5 V read)
# ---------------------------------------------------------------------------------------------
#: read voltage (V) of the circuit simulations behind the ADC power fits
FIT_READ_VOLTAGE = 0.5
#: relative power increase per kelvin above 300 K
TEMPERATURE_COEFFICIENT = 1.3e-3
#: power (W) an open column (infinite resistance) draws in the fits
OPEN_COLUMN_POWER = 1e-6


def fit_variable(prm, res):
    """The fits' variable: the column resistance (ohm) scaled to the fits' read voltage."""
    return jnp.asarray(res, jnp.float64) * FIT_READ_VOLTAGE / prm.read_voltage


def power_law(x, b):
    """``x ** b`` as the fits evaluate it (through ``log10``)."""
    return jnp.exp(b * jnp.log10(x))


def open_or_shorted(x, p):
    """Power ``p`` (W) of a fit, with an open column (infinite ``x``) drawing
    :data:`OPEN_COLUMN_POWER` and a shorted one (``x == 0``) nothing."""
    return jnp.where(jnp.isinf(x), OPEN_COLUMN_POWER, jnp.where(x == 0, 0.0, p))


def temperature_factor(prm):
    """Scaling of the fitted power with the temperature (1 at 300 K)."""
    return 1 + TEMPERATURE_COEFFICIENT * (prm.temp - 300)


# ---------------------------------------------------------------------------------------------
# dispatch: every registered type evaluated, the point's one selected
# ---------------------------------------------------------------------------------------------
def _select(prm, values, used):
    """``values[code]`` where ``used``, else 0 (``jnp.select`` on the point's ADC code)."""
    code = prm.adc_type
    return jnp.select([used & (code == i) for i in range(len(values))], values, 0.0)


def layout(tech, prm, inp: ADCInputs, used) -> tuple:
    """Every registered type laid out; the blocks of those the point does not use (``used`` 0, or
    another code) have zero area, height and width."""
    states = []
    for i, m in enumerate(prm.adc_models):
        s = m.layout(tech, prm, inp)
        use = used & (prm.adc_type == i)
        if m.blocks:
            s = replace(s, **{f: masked(getattr(s, f), use) for f in m.blocks})
        else:
            s = masked(s, use)
        states.append(s)
    return tuple(states)


def blocks(prm, states) -> list:
    """The laid-out blocks of all registered types, in stacking order."""
    out = []
    for m, s in zip(prm.adc_models, states):
        out += [getattr(s, f) for f in m.blocks] if m.blocks else [s]
    return out


def latency(states, tech, prm, used):
    """Latency (s) of one conversion of the point's ADC (0 without one)."""
    return _select(prm, [m.latency(s, tech, prm) for m, s in zip(prm.adc_models, states)], used)


def column_energy(states, tech, prm, res, used):
    """Energy (J) of one conversion of a column of resistance ``res`` (ohm, elementwise) by the
    point's ADC (0 without one). The power-law term of the fits is evaluated once, with the
    exponent of the point's type."""
    fits = [(i, m.power_law_exponent(prm)) for i, m in enumerate(prm.adc_models) if m.power_law_exponent]
    x_pow = None
    if fits:
        b = fits[0][1]
        for i, bi in fits[1:]:
            b = jnp.where(prm.adc_type == i, bi, b)
        x_pow = power_law(fit_variable(prm, res), b)
    return _select(prm, [m.column_energy(s, tech, prm, res, x_pow) for m, s in zip(prm.adc_models, states)], used)


def leakage(states, tech, prm, used):
    """Leakage (W) of the point's ADCs (0 without any)."""
    return _select(prm, [m.leakage(s, tech, prm) for m, s in zip(prm.adc_models, states)], used)
