"""Evaluating a batch of trials: hardware model in one compiled call, accuracy where needed.

Metric providers: the hardware model gives every chip-level metric of
:func:`dse.engine.run_model`; ``accuracy`` comes from a pluggable provider
(:data:`PROVIDERS`), evaluated only for points the hardware constraints leave
feasible and cached by the parameters it depends on.
"""
from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Callable

import numpy as np

from dse import design, status
from dse.design import DesignError
from dse.engine import run_model
from dse.search.spec import StudySpec
from dse.spec_common import Condition


class SearchError(RuntimeError):
    """A study that cannot run as specified (message for the user)."""


@dataclasses.dataclass
class Outcome:
    """One evaluated point: scalar metrics, and why it failed ('' when evaluated)."""

    metrics: dict[str, float]
    error: str = ""
    skipped: tuple[str, ...] = ()    # metrics not evaluated (the point already violates a constraint)
    cache_keys: dict[str, str] = dataclasses.field(default_factory=dict)


class Provider:
    """A metric computed outside the hardware model: ``key`` says which parameters it depends on."""

    name: str = ""
    worst: float | None = None       # objective value told for a point it was not evaluated at

    def key(self, point: dict[str, Any]) -> str:
        raise NotImplementedError

    def evaluate(self, points: list[dict[str, Any]]) -> np.ndarray:
        raise NotImplementedError


def _accuracy_provider(spec: StudySpec) -> Provider:
    try:
        from dse import accuracy as acc  # noqa: F401
    except ImportError:
        acc = None
    fn = getattr(acc, "evaluate_points", None) if acc is not None else None
    if acc is None or fn is None or spec.accuracy is None:
        raise SearchError(f"{spec.path}: the objective or constraint 'accuracy' needs an `accuracy:` section in the "
                          f"study file and dse.accuracy to evaluate it"
                          + ("" if acc is not None and fn is not None else
                             " (this installation's dse.accuracy has no evaluation function)"))
    return _CallableProvider("accuracy", spec, fn, getattr(acc, "ACCURACY_KNOBS", None), worst=0.0)


class _CallableProvider(Provider):
    def __init__(self, name, spec, fn, knobs, worst=None):
        self.name, self.spec, self.fn, self.worst = name, spec, fn, worst
        self.knobs = tuple(knobs) if knobs else tuple(design.KNOBS)

    def key(self, point):
        return json.dumps({k: point[k] for k in self.knobs}, sort_keys=True, default=str)

    def evaluate(self, points):
        return np.asarray(self.fn(self.spec.accuracy, points, network=self.spec.network), float).reshape(len(points))


#: metric name -> factory(spec) of its provider
PROVIDERS: dict[str, Callable[[StudySpec], Provider]] = {"accuracy": _accuracy_provider}


def constraint_value(cond: Condition, values: dict[str, float]) -> float:
    """Optuna's convention: <= 0 when ``cond`` holds, else the violation relative to the bound."""
    lhs, rhs = (float(v) for v in cond.sides(values))
    v = lhs - rhs if cond.op in ("<=", "<") else rhs - lhs
    named = [s in values for s in (cond.lhs, cond.rhs)]
    scale = abs(rhs) if named == [True, False] else abs(lhs) if named == [False, True] else max(abs(lhs), abs(rhs))
    v = v / scale if scale > 0 else v
    if cond.op in ("<", ">") and v == 0:
        v = 1e-12
    return float(v) if math.isfinite(v) else 1e30


class BatchEvaluator:
    """Evaluates lists of design points for a study (one ``run_model`` call per batch)."""

    def __init__(self, spec: StudySpec):
        self.spec = spec
        self.providers = {m: PROVIDERS[m](spec) for m in spec.metrics_needed if m in PROVIDERS}
        self.cache: dict[str, dict[str, float]] = {m: {} for m in self.providers}
        self.hw_constraints = [c for c in spec.constraints
                               if not any(s in self.providers for s in (c.lhs, c.rhs))]

    def point(self, params: dict[str, Any]) -> dict[str, Any]:
        """The full design point of a trial's parameters (raises DesignError)."""
        return design.normalize(dict(self.spec.fixed, **params), where="trial")

    def evaluate(self, params_list: list[dict[str, Any]]) -> list[Outcome]:
        outs: list[Outcome | None] = [None] * len(params_list)
        points: dict[int, dict] = {}
        for i, params in enumerate(params_list):
            try:
                p = self.point(params)
            except DesignError as e:
                outs[i] = Outcome({}, str(e).replace("trial: ", ""))
                continue
            bad = [c.text for c in self.spec.where if not bool(c.evaluate(p))]
            if bad:
                outs[i] = Outcome({}, "excluded by 'where': " + ", ".join(bad))
                continue
            points[i] = p
        if points:
            idx = list(points)
            res = run_model(self.spec.network, design.encode([points[i] for i in idx]),
                            batch_size=self.spec.batch_size)
            scalars = {k: v for k, v in res.items() if k != "status" and v.ndim == 1}
            for j, i in enumerate(idx):
                st = int(res["status"][j])
                metrics = {k: float(v[j]) for k, v in scalars.items()}
                outs[i] = Outcome(metrics, status.reasons(st) if st else "")
        for name, prov in self.providers.items():
            todo: dict[str, list[int]] = {}
            for i, o in enumerate(outs):
                if o.error:
                    continue
                if any(constraint_value(c, o.metrics) > 0 for c in self.hw_constraints):
                    o.skipped += (name,)      # infeasible already: no need to pay for this metric
                    continue
                k = prov.key(points[i])
                o.cache_keys[name] = k
                if k in self.cache[name]:
                    o.metrics[name] = self.cache[name][k]
                else:
                    todo.setdefault(k, []).append(i)
            if todo:
                vals = prov.evaluate([points[ii[0]] for ii in todo.values()])
                for (k, ii), v in zip(todo.items(), vals):
                    self.cache[name][k] = float(v)
                    for i in ii:
                        outs[i].metrics[name] = float(v)
        return outs  # type: ignore[return-value]

    def remember(self, name: str, key: str, value: float) -> None:
        """Seed the cache (from trials of earlier runs of the study)."""
        if name in self.cache:
            self.cache[name][key] = value
