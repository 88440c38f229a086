"""Quantities as users write them (``100 mm^2``, ``6 kOhm``, ``1 GHz``) converted to SI.

Only conversion at input and output lives here; inside the model everything is SI.
"""
from __future__ import annotations

import math
import re

_PREFIX = {"": 1.0, "f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "m": 1e-3,
           "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
#: base units by dimension name (the ``units`` attribute of metrics)
_BASE = {"ohm": "ohm", "Ohm": "ohm", "Ω": "ohm", "Hz": "Hz", "s": "s", "J": "J", "W": "W", "V": "V",
         "m": "m", "F": "F", "A": "A"}

_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*)?$")


class UnitError(ValueError):
    """A quantity with a unit that does not fit."""


def _unit_factor(unit: str) -> tuple[float, str]:
    """(factor to SI, SI unit) of a unit string like 'mm^2', 'kOhm', 'ns', 'um2'."""
    u = unit.strip().replace("**", "^")
    power = 1
    m = re.match(r"^(.*?)\^?([23])$", u)
    if m and m.group(1) and m.group(1)[-1:] == "m":
        u, power = m.group(1), int(m.group(2))
    for base in sorted(_BASE, key=len, reverse=True):
        if u.endswith(base):
            prefix = u[: -len(base)]
            if prefix in _PREFIX:
                si = _BASE[base] + (f"^{power}" if power > 1 else "")
                exp = round(math.log10(_PREFIX[prefix]))  # exact powers of ten
                return float(f"1e{exp * power}"), si
    if u in ("%",):
        return 0.01, "1"
    raise UnitError(f"unknown unit '{unit}'")


def parse_quantity(value, unit: str | None = None) -> float:
    """A number, or a string 'number unit', in SI. ``unit`` is the SI unit expected (checked)."""
    if isinstance(value, bool):
        raise UnitError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise UnitError(f"expected a number or 'number unit', got {value!r}")
    m = _RE.match(value)
    if not m:
        raise UnitError(f"cannot read {value!r} as 'number unit'")
    num, u = float(m.group(1)), (m.group(2) or "").strip()
    if not u:
        return num
    factor, si = _unit_factor(u)
    if unit is not None and si != unit and not (unit == "1" and si == "1"):
        raise UnitError(f"{value!r} is in {si}, expected {unit}")
    return num * factor


def display(value: float, unit: str) -> tuple[float, str]:
    """A friendlier (value, unit) for printing: m^2 as mm^2, s as ns/us/ms, J as pJ/nJ/uJ."""
    if unit == "m^2":
        return value * 1e6, "mm^2"
    scales = [(1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "u"), (1e-3, "m"), (1.0, "")]
    if unit in ("s", "J", "W", "F"):
        for s, p in reversed(scales):
            if abs(value) >= s or s == 1e-15:
                return value / s, p + unit
    return value, unit
