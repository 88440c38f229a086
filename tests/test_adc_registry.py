"""The ADC registry (:mod:`dse.circuits.adc`): a new ADC type is one module and one registry entry.

Here three toy ADCs (ideal converters with a fixed area per converter, a fixed latency and a fixed
energy per conversion, scaled 0x, 1x and 2x) are registered at run time, without touching any
other source file; ``dse.evaluate`` accepts them as values of the ``adc`` knob, lays them out and
evaluates them, and their area, latency and energy enter the chip's ADC figures linearly.
"""
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import dse
from dse import design
from dse.circuits import adc as A
from dse.circuits.cell_layout import f64, spread
from dse.pytree import pytree_dataclass

AREA = 2e-12      # m^2 per converter
LATENCY = 3e-9    # s per conversion
ENERGY = 5e-14    # J per conversion

NETWORK = "8,8,3,3,3,16,0,1\n8,8,16,3,3,32,1,1\n4,4,32,3,3,64,1,1\n1,1,256,1,1,10,0,1\n"


@pytree_dataclass
class IdealADC:
    """``num_adc`` ideal converters scaled by ``k``."""

    num_adc: Any
    k: Any
    area: Any
    height: Any
    width: Any


def toy(name: str, k: float) -> A.ADCModel:
    """An ideal ADC: ``k * AREA`` per converter, ``k * LATENCY`` and ``k * ENERGY`` per conversion."""

    def layout(tech, prm, inp):
        area = k * AREA * f64(inp.num_adc)
        height, width = spread(area, new_width=inp.width_array)
        return IdealADC(num_adc=f64(inp.num_adc), k=k + 0 * area, area=area, height=height, width=width)

    return A.ADCModel(
        name=name, layout=layout,
        latency=lambda s, tech, prm: s.k * LATENCY,
        column_energy=lambda s, tech, prm, res, x_pow: s.k * ENERGY + 0 * jnp.nan_to_num(f64(res)),
        leakage=lambda s, tech, prm: 0 * s.area)


def test_registering_changes_choices_and_compiled_structure():
    before = design.encode([{"adc": "sar"}])
    assert "ideal" not in design.KNOBS["adc"].choices
    with A.registered(toy("ideal", 1.0)) as code:
        assert code == len(A.BUILTIN)
        assert list(design.KNOBS["adc"].choices)[-1] == "ideal"
        during = design.encode([{"adc": "sar"}, {"adc": "ideal"}])
        assert list(np.asarray(during.adc)) == [1, code]
        # the registered set is static structure of the encoded points: compiled programs are keyed by it
        assert jax.tree_util.tree_structure(before) != jax.tree_util.tree_structure(during)
        with pytest.raises(ValueError):
            A.register(toy("ideal", 2.0))
    assert "ideal" not in design.KNOBS["adc"].choices
    with pytest.raises(design.DesignError):
        design.encode([{"adc": "ideal"}])


def test_toy_adcs_through_evaluate(tmp_path):
    net = tmp_path / "tiny.csv"
    net.write_text(NETWORK)
    base = dict(technode=22, memcell="rram", mode="parallel", subarray=64, parallel_read=16, adc_bits=4,
                pipeline=False)
    with A.registered(toy("ideal0", 0.0)), A.registered(toy("ideal1", 1.0)), A.registered(toy("ideal2", 2.0)):
        points = [dict(base, adc=a) for a in ("ideal0", "ideal1", "ideal2", "mlsa", "sar")]
        ds = dse.evaluate(str(net), points)
    assert list(ds["error"].values) == [""] * 5
    for name in ("area_adc", "energy_adc"):
        v = ds[name].values
        # linear in the toy's scale: the 1x figure is half-way between the 0x and 2x ones
        np.testing.assert_allclose(v[1] - v[0], v[2] - v[1], rtol=1e-9, err_msg=name)
        assert v[1] > v[0], name
    # a slower conversion lengthens the sensing cycle, hence the clock and the ADC's share of the latency
    lat = ds["latency_adc"].values
    assert lat[0] < lat[1] < lat[2]
    # the ADC's own figures are all of the ADC area of a 1T1R array (no sense amplifiers or prechargers)
    assert ds["area_adc"].values[0] == 0.0
    # whole conversions: the energy step divided by the energy of one conversion is a count
    conversions = (ds["energy_adc"].values[1] - ds["energy_adc"].values[0]) / ENERGY
    assert conversions > 0 and abs(conversions - round(conversions)) < 1e-6 * conversions
    # the cells do not depend on the ADC
    np.testing.assert_array_equal(ds["area_array"].values[:3], ds["area_array"].values[0])
    # the built-in types are evaluated as usual beside the toys
    assert np.all(ds["area_adc"].values[3:] > 0)
