"""Sweep files (YAML): schema, validation and point generation.

A sweep file says which network to use, which knobs are fixed and which are
swept, how (grid, explicit list, random or Latin-hypercube sample), optional
filters on parameters and results, the metrics to keep and where to write::

    network: vgg8                 # a file in models/ or any NeuroSim network file
    traces: null                  # folder of NeuroSim-layout traces (optional)
    fixed: {roadmap: lstp, r_on: 100 kOhm}
    grid:                         # cartesian product of value lists
      technode: [130, 90, 65]
      memcell: [sram, rram]
    points: [{technode: 22}, ...] # or an explicit list (instead of grid)
    sample:                       # or a random / Latin-hypercube sample
      method: lhs                 # random | lhs
      n: 1000
      seed: 0
      space:
        r_on: {low: 6 kOhm, high: 240 kOhm, log: true}
        adc_bits: [3, 4, 5, 6, 7]
    where: ["parallel_read <= subarray"]    # parameter filters
    keep: ["area <= 100 mm^2"]              # result filters
    metrics: [area, latency]      # default: all
    output: results/vgg8.nc       # default: results/<file name>.nc
    batch_size: 1024

Every error names the file and the key, says what is allowed, and is raised as
:class:`SweepError` (the CLI prints it and exits with status 2).
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
from typing import Any

import numpy as np

from dse import design
from dse.design import KNOB_UNITS, KNOBS, DesignError, did_you_mean
from dse.metrics import METRICS
from dse.spec_common import (TOP_KEYS, Condition, SweepError, accuracy_section, common_keys, knob_value,
                             parse_condition, read_document)
from dse.units import parse_quantity

__all__ = ["Sweep", "SweepError", "Condition", "MAX_POINTS", "load_sweep"]


@dataclasses.dataclass
class Sweep:
    """A validated sweep: the network, points to evaluate and what to keep."""

    path: str
    network: Any
    traces: str | None
    points: list[dict[str, Any]]
    axes: dict[str, list] | None     # grid axes (name -> values) when the sweep is a grid
    excluded: np.ndarray             # bool per point: removed by a parameter filter
    keep: list[Condition]
    metrics: list[str] | None
    output: str
    batch_size: int
    text: str
    accuracy: dict[str, Any] | None = None   # the 'accuracy' section (dse.accuracy), validated

    @property
    def fingerprint(self) -> str:
        """A hash of what determines the results (for resuming safely)."""
        h = hashlib.sha256()
        h.update(json.dumps(self.points, sort_keys=True, default=str).encode())
        h.update(json.dumps([l.as_tuple() for l in self.network.layers]).encode())
        h.update(str(self.traces).encode())
        return h.hexdigest()[:16]


#: the most points one sweep file may describe (a grid's product, a sample's n)
MAX_POINTS = 10_000_000


def _value_list(name, values, where):
    if not isinstance(values, list) or not values:
        raise SweepError(f"{where}: '{name}' must be a non-empty list of values")
    return [knob_value(name, v, where) for v in values]


def load_sweep(path: str, *, output: str | None = None) -> Sweep:
    """Read and validate a sweep file (no computation)."""
    doc, text = read_document(path, "sweep", TOP_KEYS)
    base = os.path.dirname(os.path.abspath(path))

    network, traces, fixed = common_keys(doc, path, base)

    modes = [k for k in ("grid", "points", "sample") if doc.get(k) is not None]
    if len(modes) > 1:
        raise SweepError(f"{path}: use only one of 'grid', 'points' and 'sample' (found {', '.join(modes)})")
    axes = None
    if not modes:
        raw_points = [dict(fixed)]
    elif modes[0] == "grid":
        grid = doc["grid"]
        if not isinstance(grid, dict) or not grid:
            raise SweepError(f"{path}: key 'grid' must map design parameters to lists of values")
        axes = {k: _value_list(k, v, f"{path}: key 'grid'") for k, v in grid.items()}
        for k in axes:
            if k in fixed:
                raise SweepError(f"{path}: '{k}' is both fixed and swept")
        size = math.prod(len(v) for v in axes.values())
        if size > MAX_POINTS:
            raise SweepError(f"{path}: key 'grid': {' x '.join(str(len(v)) for v in axes.values())} = {size:,} points, "
                             f"more than one sweep holds ({MAX_POINTS:,}); split it, or use 'sample' or dse optimize")
        raw_points = [dict(fixed, **dict(zip(axes, combo))) for combo in itertools.product(*axes.values())]
    elif modes[0] == "points":
        pts = doc["points"]
        if not isinstance(pts, list) or not pts:
            raise SweepError(f"{path}: key 'points' must be a non-empty list of mappings")
        raw_points = []
        for i, p in enumerate(pts):
            if not isinstance(p, dict):
                raise SweepError(f"{path}: key 'points', item {i}: expected a mapping, got {p!r}")
            raw_points.append(dict(fixed, **{k: knob_value(k, v, f"{path}: key 'points', item {i}")
                                            for k, v in p.items()}))
    else:
        raw_points = _sample(doc["sample"], fixed, path)

    names = set(KNOBS)
    where = [parse_condition(c, names, f"{path}: key 'where'") for c in (doc.get("where") or [])]
    metric_names = set(METRICS) | {"accuracy"}
    keep = [parse_condition(c, names | metric_names, f"{path}: key 'keep'") for c in (doc.get("keep") or [])]

    metrics = doc.get("metrics")
    if metrics is not None:
        if not isinstance(metrics, list):
            raise SweepError(f"{path}: key 'metrics' must be a list of metric names")
        for m in metrics:
            if m not in metric_names:
                raise SweepError(f"{path}: key 'metrics': unknown metric '{m}'{did_you_mean(m, metric_names)}")

    checked = _check_columns(raw_points, where, axes is not None and bool(where))
    if checked is not None:
        points, excluded = checked
    else:
        points, excluded = _check_points(raw_points, where, axes, path)
    if all(excluded):
        raise SweepError(f"{path}: key 'where' excludes every point")

    batch = doc.get("batch_size", 1024)
    if not isinstance(batch, int) or batch < 1:
        raise SweepError(f"{path}: key 'batch_size' must be a positive integer, got {batch!r}")
    stem = os.path.splitext(os.path.basename(path))[0]
    out = output or doc.get("output") or os.path.join("results", f"{stem}.nc")
    accuracy = accuracy_section(doc.get("accuracy"), path, base)
    return Sweep(path=path, network=network, traces=traces, points=points, axes=axes,
                 excluded=np.array(excluded, bool), keep=keep, metrics=metrics, output=str(out),
                 batch_size=batch, text=text, accuracy=accuracy)


def _check_columns(raw: list[dict], where: list[Condition], split_grid: bool):
    """The checked points and the excluded mask, computed by columns: each knob's distinct values
    checked once (:func:`dse.design.normalize_many`) and the ``where`` filters evaluated on arrays;
    ``split_grid``: a filtered grid, whose cells with ``parallel_read > subarray`` stay as excluded
    cells without their ``parallel_read``. None when any point is refused (then
    :func:`_check_points` says which, one point at a time)."""
    try:
        sub = KNOBS["subarray"].default
        over = np.array([split_grid and p.get("parallel_read") is not None and p["parallel_read"] > p.get("subarray", sub)
                         for p in raw], bool)
        good = design.normalize_many([p for p, o in zip(raw, over) if not o])
        bad = iter(design.normalize_many([{k: v for k, v in p.items() if k != "parallel_read"}
                                          for p, o in zip(raw, over) if o]))
        good = iter(good)
        points = [next(bad) if o else next(good) for o in over]
        ok = ~over
        if where:
            cols = {k: np.array([q[k] for q in points]) for k in KNOBS}
            for c in where:
                ok &= np.asarray(c.evaluate(cols), bool).reshape(len(points))
    except (DesignError, TypeError, ValueError):
        return None
    return points, list(~ok)


def _check_points(raw_points: list[dict], where: list[Condition], axes, path: str):
    """:func:`_check_columns` one point at a time, raising :class:`SweepError` for a refused point."""
    points, excluded = [], []
    for i, p in enumerate(raw_points):
        try:
            q = design.normalize(p, where=f"{path}: point {i}")
            ok = all(bool(c.evaluate(q)) for c in where)
        except DesignError as e:
            if axes is None or not where:
                raise SweepError(str(e)) from None
            # a combination the model does not accept (parallel_read > subarray) inside a
            # filtered grid: it stays in the grid as an excluded cell
            q = design.normalize({k: v for k, v in p.items() if k != "parallel_read"}, where=f"{path}: point {i}")
            ok = False
        points.append(q)
        excluded.append(not ok)
    return points, excluded


def _sample(spec, fixed, path) -> list[dict[str, Any]]:
    where = f"{path}: key 'sample'"
    if not isinstance(spec, dict):
        raise SweepError(f"{where} must be a mapping with method, n, seed and space")
    for k in spec:
        if k not in ("method", "n", "seed", "space"):
            raise SweepError(f"{where}: unknown key '{k}'{did_you_mean(k, ('method', 'n', 'seed', 'space'))}")
    method = spec.get("method", "random")
    if method not in ("random", "lhs"):
        raise SweepError(f"{where}: 'method' must be random or lhs, got {method!r}")
    n = spec.get("n")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1 or n > MAX_POINTS:
        raise SweepError(f"{where}: 'n' must be a positive integer up to {MAX_POINTS:,}, got {n!r}")
    seed = spec.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise SweepError(f"{where}: 'seed' must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(seed)
    space = spec.get("space")
    if not isinstance(space, dict) or not space:
        raise SweepError(f"{where}: 'space' must map design parameters to a list of values or {{low, high, log}}")
    columns: dict[str, list] = {}
    for name, dom in space.items():
        knob = KNOBS.get(name)
        if knob is None:
            raise SweepError(f"{where}: unknown design parameter '{name}'{did_you_mean(name, KNOBS)}")
        u = (np.arange(n) + rng.random(n)) / n if method == "lhs" else rng.random(n)
        if method == "lhs":
            rng.shuffle(u)
        if isinstance(dom, list):
            vals = _value_list(name, dom, where)
            columns[name] = [vals[min(int(x * len(vals)), len(vals) - 1)] for x in u]
        elif isinstance(dom, dict):
            if set(dom) - {"low", "high", "log"} or "low" not in dom or "high" not in dom:
                raise SweepError(f"{where}: '{name}' range must have keys low, high and optionally log")
            lo = parse_quantity(dom["low"], KNOB_UNITS.get(name)) if isinstance(dom["low"], str) else float(dom["low"])
            hi = parse_quantity(dom["high"], KNOB_UNITS.get(name)) if isinstance(dom["high"], str) else float(dom["high"])
            if not lo < hi:
                raise SweepError(f"{where}: '{name}' needs low < high, got {lo:g} and {hi:g}")
            if dom.get("log"):
                x = np.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))
            else:
                x = lo + u * (hi - lo)
            if knob.kind == "int":
                x = np.round(x)
            columns[name] = [knob_value(name, float(v) if knob.kind == "float" else int(v), where) for v in x]
        else:
            raise SweepError(f"{where}: '{name}' must be a list of values or a range {{low, high, log}}")
    return [dict(fixed, **{k: columns[k][i] for k in columns}) for i in range(n)]
