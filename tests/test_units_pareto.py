import numpy as np
import pytest

from dse.pareto import pareto_mask
from dse.units import UnitError, display, parse_quantity


@pytest.mark.parametrize("text, unit, value", [
    ("100 mm^2", "m^2", 1e-4), ("50 um2", "m^2", 5e-11), ("6 kOhm", "ohm", 6e3), ("6kohm", "ohm", 6e3),
    ("1 GHz", "Hz", 1e9), ("10 ns", "s", 1e-8), ("2.5 pJ", "J", 2.5e-12), ("3", None, 3.0),
])
def test_quantities_to_si(text, unit, value):
    assert parse_quantity(text, unit) == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("text, unit, value", [
    ("100 mm^2", "m^2", 1e-4), ("3 um", "m", 3e-6), ("0.1 ns", "s", 1e-10), ("7 nm", "m", 7e-9),
    ("2.2 kOhm", "ohm", 2200.0), ("1.1 GHz", "Hz", 1.1e9), ("0.3 pJ", "J", 3e-13), ("12.5 %", "1", 0.125),
])
def test_prefixes_scale_exactly(text, unit, value):
    """The double nearest to the decimal value, bit for bit (100 * 1e-6 would be 9.999999999999999e-05)."""
    assert parse_quantity(text, unit) == value


@pytest.mark.parametrize("text, unit, value", [
    ("10 TOPS/W", "TOPS/W", 10.0), ("500 GOPS/W", "TOPS/W", 0.5), ("2 POPS/W", "TOPS/W", 2000.0),
    ("10 TOPS/mW", "TOPS/W", 1e4), ("3 TOPS", "TOPS", 3.0), ("250 GOPS", "TOPS", 0.25),
    ("0.5 TOPS/mm^2", "TOPS/mm^2", 0.5), ("0.5 TOPS/mm2", "TOPS/mm^2", 0.5), ("1 TOPS/cm^2", "TOPS/mm^2", 0.01),
    ("40 GOPS/mm^2", "TOPS/mm^2", 0.04),
])
def test_throughput_units_of_the_metrics(text, unit, value):
    assert parse_quantity(text, unit) == value


def test_throughput_units_refuse_other_dimensions():
    with pytest.raises(UnitError, match="expected TOPS/W"):
        parse_quantity("10 TOPS/mm^2", "TOPS/W")
    with pytest.raises(UnitError, match="per W or per area"):
        parse_quantity("10 TOPS/s", None)


def test_wrong_dimension_is_refused():
    with pytest.raises(UnitError, match="expected ohm"):
        parse_quantity("6 kHz", "ohm")
    with pytest.raises(UnitError, match="unknown unit"):
        parse_quantity("6 parsecs", None)


def test_display_units():
    assert display(1.5e-6, "m^2") == pytest.approx((1.5, "mm^2"))
    v, u = display(2.5e-9, "s")
    assert u == "ns" and v == pytest.approx(2.5)


def test_pareto_mask_min_max():
    # minimize x, maximize y
    pts = np.array([[1, 1], [2, 3], [3, 3], [2, 2], [0.5, 0.5], [4, 5], [np.nan, 9]])
    m = pareto_mask(pts, [False, True])
    assert m.tolist() == [True, True, False, False, True, True, False]


def test_pareto_mask_brute_force_agreement():
    rng = np.random.default_rng(0)
    pts = rng.random((300, 3))
    m = pareto_mask(pts, [False, False, True])
    s = pts * np.array([1, 1, -1])
    dominated = np.array([np.any(np.all(s <= s[i], 1) & np.any(s < s[i], 1)) for i in range(len(s))])
    assert (m == ~dominated).all()
