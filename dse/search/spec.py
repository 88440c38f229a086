"""Study files for ``dse optimize``: a sweep file with an ``optimize:`` section.

The sweep keys keep their meaning (``network``, ``traces``, ``fixed``, ``where``,
``keep``, ``output``, ``batch_size``, ``accuracy``); ``optimize`` says what to search
and for what::

    optimize:
      space:                      # as a sweep's sample.space (default: the sweep's 'grid')
        technode: [130, 65, 22, 7]
        r_on: {low: 6 kOhm, high: 240 kOhm, log: true}
      objectives:                 # metric: max | min  (or a list: registry's direction)
        tops_per_w: max
        area: min
      constraints: ["area <= 50 mm^2", "accuracy >= 0.9"]   # plus the sweep's 'keep'
      sampler: nsga2              # nsga2 (default) | tpe | random | grid
      trials: 800                 # budget: trials in the study, across every worker
      batch: 64                   # trials asked, evaluated (one compiled call) and told together
      population: 64              # NSGA-II population (default: batch)
      seed: 0
      storage: null               # Optuna storage URL; default sqlite:///<output>.db
      study: null                 # study name; default: the file name
      reference: {area: 100 mm^2} # hypervolume reference point (default: worst feasible values)

``where`` filters parameters (a violating trial fails without evaluation); ``batch_size``
is the compiled batch shape, shared with ``dse run`` so the compile cache serves both.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from typing import Any


from dse.design import KNOBS, did_you_mean
from dse.metrics import METRICS, higher_is_better
from dse.search.space import SearchSpace, parse_space
from dse.spec_common import (TOP_KEYS, Condition, SweepError, accuracy_section, common_keys, parse_condition,
                             read_document)
from dse.units import UnitError, parse_quantity

OPT_KEYS = ("space", "objectives", "constraints", "sampler", "trials", "batch", "population", "seed", "storage",
            "study", "reference")
SAMPLERS = ("nsga2", "tpe", "random", "grid")
_DIRECTIONS = {"max": True, "maximize": True, "min": False, "minimize": False}


def metric_names() -> set[str]:
    """Chip-level metrics usable as objectives and constraints."""
    return {m.name for m in METRICS.values() if not m.per_layer} | {"accuracy"}


@dataclasses.dataclass(frozen=True)
class Objective:
    name: str
    maximize: bool

    def __str__(self) -> str:
        return f"{self.name}:{'max' if self.maximize else 'min'}"


@dataclasses.dataclass
class StudySpec:
    """A validated study file."""

    path: str
    text: str
    network: Any
    traces: str | None
    fixed: dict[str, Any]
    space: SearchSpace
    where: list[Condition]
    objectives: list[Objective]
    constraints: list[Condition]
    sampler: str
    trials: int
    batch: int
    population: int
    seed: int
    storage: str
    study_name: str
    reference: dict[str, float]
    output: str
    batch_size: int
    accuracy: Any

    @property
    def metrics_needed(self) -> list[str]:
        names = [o.name for o in self.objectives]
        for c in self.constraints:
            names += [s for s in (c.lhs, c.rhs) if s in metric_names()]
        return list(dict.fromkeys(names))

    @property
    def fingerprint(self) -> str:
        """A hash of what the study's results depend on (a resumed study must match it)."""
        h = hashlib.sha256()
        h.update(json.dumps({
            "layers": [list(l.as_tuple()) for l in self.network.layers], "traces": self.traces,
            "fixed": self.fixed, "space": {k: p.as_json() for k, p in self.space.params.items()},
            "where": [c.text for c in self.where], "objectives": [str(o) for o in self.objectives],
            "constraints": [c.text for c in self.constraints], "accuracy": self.accuracy,
        }, sort_keys=True, default=str).encode())
        return h.hexdigest()[:16]


def _int(doc: dict, key: str, default: int, where: str, low: int = 1) -> int:
    v = doc.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int) or v < low:
        raise SweepError(f"{where}: '{key}' must be an integer >= {low}, got {v!r}")
    return v


def _objectives(doc: Any, where: str) -> list[Objective]:
    names = metric_names()
    if isinstance(doc, list):
        items = []
        for d in doc:
            if isinstance(d, dict) and len(d) == 1:
                items += list(d.items())
            elif isinstance(d, str):
                items.append((d, None))
            else:
                raise SweepError(f"{where}: each objective is a metric name or 'metric: max|min', got {d!r}")
    elif isinstance(doc, dict):
        items = list(doc.items())
    else:
        raise SweepError(f"{where}: expected a mapping 'metric: max|min' (or a list of metric names)")
    if not items:
        raise SweepError(f"{where}: give at least one objective")
    out = []
    for name, d in items:
        if name not in names:
            layer = METRICS.get(name)
            why = "is a per-layer metric" if layer is not None else f"is not a metric{did_you_mean(name, names)}"
            raise SweepError(f"{where}: '{name}' {why}; objectives can be: {', '.join(sorted(names))}")
        if d is None:
            out.append(Objective(name, higher_is_better(name)))
        elif str(d).lower() in _DIRECTIONS:
            out.append(Objective(name, _DIRECTIONS[str(d).lower()]))
        else:
            raise SweepError(f"{where}: '{name}': direction must be max or min, got {d!r}")
    if len({o.name for o in out}) != len(out):
        raise SweepError(f"{where}: an objective is listed twice")
    return out


def _constraint(text: Any, where: str) -> Condition:
    c = parse_condition(text, metric_names() | set(KNOBS), where)
    if c.op in ("==", "!="):
        raise SweepError(f"{where}: constraint {text!r}: use <=, >=, < or >")
    if not any(s in metric_names() for s in (c.lhs, c.rhs)):
        raise SweepError(f"{where}: constraint {text!r} names no metric; filters on design parameters go in 'where'")
    for side, other in ((c.lhs, c.rhs), (c.rhs, c.lhs)):
        if side in METRICS and other not in metric_names():
            try:
                parse_quantity(other, METRICS[side].unit if METRICS[side].unit != "1" else None)
            except UnitError as e:
                raise SweepError(f"{where}: constraint {text!r}: {e}") from None
    return c


def load_study(path: str, *, output: str | None = None, **overrides: Any) -> StudySpec:
    """Read and validate a study file. ``overrides`` (trials, batch, sampler, seed, storage,
    study, population) replace the file's ``optimize`` values where not None."""
    doc, text = read_document(path, "study", tuple(dict.fromkeys(TOP_KEYS + ("optimize",))))
    base = os.path.dirname(os.path.abspath(path))
    network, traces, fixed = common_keys(doc, path, base)

    opt = doc.get("optimize")
    if not isinstance(opt, dict):
        raise SweepError(f"{path}: missing key 'optimize' (a mapping with {', '.join(OPT_KEYS)})")
    for k in opt:
        if k not in OPT_KEYS:
            raise SweepError(f"{path}: key 'optimize': unknown key '{k}'{did_you_mean(k, OPT_KEYS)}; "
                             f"allowed: {', '.join(OPT_KEYS)}")
    opt = dict(opt, **{k: v for k, v in overrides.items() if v is not None})
    if doc.get("points") is not None:
        raise SweepError(f"{path}: key 'points' is not used by dse optimize; give the search space in "
                         f"'optimize: space:' (or 'grid')")
    if opt.get("space") is not None:
        space = parse_space(opt["space"], f"{path}: key 'optimize: space'")
    elif doc.get("grid") is not None:
        space = parse_space(doc["grid"], f"{path}: key 'grid'")
    elif isinstance(doc.get("sample"), dict) and doc["sample"].get("space") is not None:
        space = parse_space(doc["sample"]["space"], f"{path}: key 'sample: space'")
    else:
        raise SweepError(f"{path}: key 'optimize': missing 'space' (design parameters to search)")
    for k in space.params:
        if k in fixed:
            raise SweepError(f"{path}: '{k}' is both fixed and searched")

    where = [parse_condition(c, set(KNOBS), f"{path}: key 'where'") for c in (doc.get("where") or [])]
    if "objectives" not in opt:
        raise SweepError(f"{path}: key 'optimize': missing 'objectives' (e.g. {{tops_per_w: max, area: min}})")
    objectives = _objectives(opt["objectives"], f"{path}: key 'optimize: objectives'")
    cons_doc = list(opt.get("constraints") or []) + list(doc.get("keep") or [])
    constraints = [_constraint(c, f"{path}: key 'optimize: constraints'") for c in cons_doc]

    sampler = str(opt.get("sampler", "nsga2")).lower().replace("-", "")
    if sampler not in SAMPLERS:
        raise SweepError(f"{path}: key 'optimize: sampler': unknown sampler {opt.get('sampler')!r}"
                         f"{did_you_mean(sampler, SAMPLERS)}; allowed: {', '.join(SAMPLERS)}")
    if sampler == "grid" and not space.categorical:
        raise SweepError(f"{path}: key 'optimize: sampler': grid needs every searched parameter as a list of values")
    where_opt = f"{path}: key 'optimize'"
    trials = _int(opt, "trials", 100, where_opt)
    batch = _int(opt, "batch", 64, where_opt)
    population = _int(opt, "population", max(batch, 2), where_opt, low=2)
    seed = _int(opt, "seed", 0, where_opt, low=0)
    batch_size = doc.get("batch_size", 1024)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise SweepError(f"{path}: key 'batch_size' must be a positive integer, got {batch_size!r}")

    ref_doc = opt.get("reference") or {}
    if not isinstance(ref_doc, dict):
        raise SweepError(f"{where_opt}: 'reference' must map objective names to values")
    reference = {}
    for k, v in ref_doc.items():
        if k not in {o.name for o in objectives}:
            raise SweepError(f"{where_opt}: 'reference': '{k}' is not an objective{did_you_mean(k, [o.name for o in objectives])}")
        try:
            reference[k] = parse_quantity(v, METRICS[k].unit if k in METRICS and METRICS[k].unit != "1" else None)
        except UnitError as e:
            raise SweepError(f"{where_opt}: 'reference': '{k}': {e}") from None

    stem = os.path.splitext(os.path.basename(path))[0]
    out = str(output or doc.get("output") or os.path.join("results", f"{stem}.nc"))
    storage = opt.get("storage") or f"sqlite:///{os.path.splitext(out)[0]}.db"
    return StudySpec(path=path, text=text, network=network, traces=traces, fixed=fixed, space=space, where=where,
                     objectives=objectives, constraints=constraints, sampler=sampler, trials=trials, batch=batch,
                     population=population, seed=seed, storage=str(storage), study_name=str(opt.get("study") or stem),
                     reference=reference, output=out, batch_size=batch_size,
                     accuracy=accuracy_section(doc.get("accuracy"), path, os.path.dirname(os.path.abspath(path))))
