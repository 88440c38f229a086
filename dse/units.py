"""Quantities as users write them (``100 mm^2``, ``6 kOhm``, ``1 GHz``, ``10 TOPS/W``) converted to SI.

Only conversion at input and output lives here; inside the model everything is SI. Scaling by a
prefix is exact decimal arithmetic (``100 mm^2`` is ``1e-4``, the double nearest to the decimal
value, not ``100 * 1e-6``). Throughput figures keep the units the reference prints: ``TOPS``
(1e12 operations per second), ``TOPS/W`` and ``TOPS/mm^2``; ``GOPS/W``, ``POPS``, ``TOPS/um^2``
and the like are converted to them.
"""
from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["UnitError", "parse_quantity", "display"]

#: prefix -> power of ten
_PREFIX = {"": 0, "f": -15, "p": -12, "n": -9, "u": -6, "µ": -6, "m": -3, "c": -2, "k": 3, "K": 3, "M": 6, "G": 9,
           "T": 12, "P": 15}
#: base units by dimension name (the ``units`` attribute of metrics)
_BASE = {"ohm": "ohm", "Ohm": "ohm", "Ω": "ohm", "Hz": "Hz", "s": "s", "J": "J", "W": "W", "V": "V",
         "m": "m", "F": "F", "A": "A"}

_RE = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*)?$")
_OPS = re.compile(r"^([a-zA-Zµ]?)OPS(?:/(.+))?$")


class UnitError(ValueError):
    """A quantity with a unit that does not fit."""


def _si_unit(unit: str) -> tuple[int, str]:
    """(power of ten to SI, SI unit) of a plain unit like 'mm^2', 'kOhm', 'ns', 'um2'."""
    u = unit.strip().replace("**", "^")
    power = 1
    m = re.match(r"^(.*?)\^?([23])$", u)
    if m and m.group(1) and m.group(1)[-1:] == "m":
        u, power = m.group(1), int(m.group(2))
    for base in sorted(_BASE, key=len, reverse=True):
        if u.endswith(base) and u[: -len(base)] in _PREFIX:
            return _PREFIX[u[: -len(base)]] * power, _BASE[base] + (f"^{power}" if power > 1 else "")
    raise UnitError(f"unknown unit '{unit}'")


def _ops_unit(unit: str) -> tuple[int, str] | None:
    """(power of ten, unit) of a throughput unit: ``[prefix]OPS[/W | /<area>]``, expressed in
    ``TOPS``, ``TOPS/W`` or ``TOPS/mm^2``; None if ``unit`` is not one."""
    m = _OPS.match(unit.strip())
    if not m or m.group(1) not in _PREFIX:
        return None
    exp = _PREFIX[m.group(1)] - 12
    per = m.group(2)
    if per is None:
        return exp, "TOPS"
    e, si = _si_unit(per)
    if si == "W":
        return exp - e, "TOPS/W"
    if si == "m^2":
        return exp - (e + 6), "TOPS/mm^2"          # per mm^2: mm^2 is 1e-6 m^2
    raise UnitError(f"unknown unit '{unit}': throughput is per W or per area (TOPS/W, TOPS/mm^2)")


def _unit(unit: str) -> tuple[int, str]:
    """(power of ten, target unit) of any unit this module knows."""
    if unit.strip() == "%":
        return -2, "1"
    ops = _ops_unit(unit)
    return ops if ops is not None else _si_unit(unit)


def parse_quantity(value, unit: str | None = None) -> float:
    """A number, or a string 'number unit', in SI (throughput in TOPS units). ``unit`` is the unit
    expected (checked); the result is the double nearest to the exact decimal value."""
    if isinstance(value, bool):
        raise UnitError(f"expected a number, got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise UnitError(f"expected a number or 'number unit', got {value!r}")
    m = _RE.match(value)
    if not m:
        raise UnitError(f"cannot read {value!r} as 'number unit'")
    u = (m.group(2) or "").strip()
    if not u:
        return float(m.group(1))
    exp, si = _unit(u)
    if unit is not None and si != unit and not (unit == "1" and si == "1"):
        raise UnitError(f"{value!r} is in {si}, expected {unit}")
    return float(Decimal(m.group(1)).scaleb(exp))


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
