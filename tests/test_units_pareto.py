import numpy as np
import pytest

from dse.search.pareto import pareto_mask
from dse.units import UnitError, display, parse_quantity


@pytest.mark.parametrize("text, unit, value", [
    ("100 mm^2", "m^2", 1e-4), ("50 um2", "m^2", 5e-11), ("6 kOhm", "ohm", 6e3), ("6kohm", "ohm", 6e3),
    ("1 GHz", "Hz", 1e9), ("10 ns", "s", 1e-8), ("2.5 pJ", "J", 2.5e-12), ("3", None, 3.0),
])
def test_quantities_to_si(text, unit, value):
    assert parse_quantity(text, unit) == pytest.approx(value, rel=1e-12)


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
