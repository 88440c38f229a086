"""Search spaces for ``dse optimize``: design knobs as Optuna distributions.

Written like a sweep's ``sample.space``: a list of values is categorical, a mapping
``{low, high, log, step}`` is an integer range (integer knobs) or a float range::

    technode: [130, 65, 22, 7]             # categorical
    adc_bits: {low: 3, high: 8}            # integer
    subarray: {low: 64, high: 512}         # power-of-two knob: the powers in range
    r_on: {low: 6 kOhm, high: 240 kOhm, log: true}   # float, log-scaled
"""
from __future__ import annotations

import dataclasses
import math
from typing import Any

import optuna.distributions as od

from dse.design import KNOB_UNITS, KNOBS, did_you_mean
from dse.spec_common import SweepError, knob_value
from dse.units import UnitError, parse_quantity


@dataclasses.dataclass(frozen=True)
class Param:
    """One searched knob: ``kind`` is categorical, int or float."""

    name: str
    kind: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None

    def distribution(self) -> od.BaseDistribution:
        if self.kind == "categorical":
            return od.CategoricalDistribution(list(self.choices))
        if self.kind == "int":
            return od.IntDistribution(int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        return od.FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def describe(self) -> str:
        if self.kind == "categorical":
            return f"{self.name}: {list(self.choices)}"
        extra = (" log" if self.log else "") + (f" step {self.step:g}" if self.step else "")
        return f"{self.name}: {self.kind} [{self.low:g}, {self.high:g}]{extra}"

    def as_json(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in (None, (), False)}


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    params: dict[str, Param]

    def distributions(self) -> dict[str, od.BaseDistribution]:
        return {k: p.distribution() for k, p in self.params.items()}

    @property
    def categorical(self) -> bool:
        return all(p.kind == "categorical" for p in self.params.values())

    def grid(self) -> dict[str, list]:
        """Value lists for Optuna's grid sampler (every parameter must be a list)."""
        return {k: list(p.choices) for k, p in self.params.items()}

    def size(self) -> float:
        """Number of distinct points (``inf`` with a continuous parameter)."""
        n = 1.0
        for p in self.params.values():
            if p.kind == "categorical":
                n *= len(p.choices)
            elif p.kind == "int":
                n *= (int(p.high) - int(p.low)) // int(p.step or 1) + 1
            else:
                return math.inf
        return n


def _bound(name: str, value: Any, where: str) -> float:
    if isinstance(value, str):
        try:
            return parse_quantity(value, KNOB_UNITS.get(name))
        except UnitError as e:
            raise SweepError(f"{where}: '{name}': {e}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SweepError(f"{where}: '{name}': expected a number, got {value!r}")
    return float(value)


def parse_param(name: str, dom: Any, where: str) -> Param:
    """One entry of a search space (``where`` names the file and key for errors)."""
    knob = KNOBS.get(name)
    if knob is None:
        raise SweepError(f"{where}: unknown design parameter '{name}'{did_you_mean(name, KNOBS)}; known: {', '.join(KNOBS)}")
    if isinstance(dom, list):
        if not dom:
            raise SweepError(f"{where}: '{name}' must be a non-empty list of values")
        vals = list(dict.fromkeys(knob_value(name, v, where) for v in dom))
        return Param(name, "categorical", choices=tuple(vals))
    if not isinstance(dom, dict):
        raise SweepError(f"{where}: '{name}' must be a list of values or a range {{low, high, log, step}}; "
                         f"a single value belongs in 'fixed'")
    extra = set(dom) - {"low", "high", "log", "step"}
    if extra or "low" not in dom or "high" not in dom:
        bad = sorted(extra)[0] if extra else None
        hint = f": unknown key '{bad}'{did_you_mean(bad, ('low', 'high', 'log', 'step'))}" if bad else ""
        raise SweepError(f"{where}: '{name}' range must have keys low, high and optionally log, step{hint}")
    if knob.kind not in ("int", "float"):
        raise SweepError(f"{where}: '{name}' is {knob.allowed()}; give a list of values, not a range")
    lo, hi = _bound(name, dom["low"], where), _bound(name, dom["high"], where)
    if not lo < hi:
        raise SweepError(f"{where}: '{name}' needs low < high, got {lo:g} and {hi:g}")
    log = bool(dom.get("log", False))
    step = dom.get("step")
    if step is not None:
        step = _bound(name, step, where)
        if step <= 0 or log:
            raise SweepError(f"{where}: '{name}': step must be positive and cannot be combined with log")
    if log and lo <= 0:
        raise SweepError(f"{where}: '{name}': a log range needs low > 0")
    if knob.kind == "int":
        if lo != int(lo) or hi != int(hi):
            raise SweepError(f"{where}: '{name}' is an integer knob; low and high must be integers")
        if knob.power_of_two:
            powers = [2 ** e for e in range(0, 31) if lo <= 2 ** e <= hi]
            if not powers:
                raise SweepError(f"{where}: '{name}' must be a power of two; none lies in [{lo:g}, {hi:g}]")
            return Param(name, "categorical", choices=tuple(knob_value(name, p, where) for p in powers))
        knob_value(name, int(lo), where)
        knob_value(name, int(hi), where)
        return Param(name, "int", low=int(lo), high=int(hi), log=log, step=int(step) if step else None)
    knob_value(name, lo, where)
    knob_value(name, hi, where)
    return Param(name, "float", low=lo, high=hi, log=log, step=step)


def parse_space(doc: Any, where: str) -> SearchSpace:
    if not isinstance(doc, dict) or not doc:
        raise SweepError(f"{where} must map design parameters to a list of values or a range {{low, high, log}}")
    return SearchSpace({name: parse_param(name, dom, where) for name, dom in doc.items()})
