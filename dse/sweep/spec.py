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
import difflib
import hashlib
import itertools
import json
import math
import operator
import os
import re
from typing import Any

import numpy as np
import yaml

from dse import design
from dse.design import KNOBS, DesignError
from dse.metrics import METRICS
from dse.network import NetworkFileError, load_network
from dse.units import UnitError, parse_quantity

TOP_KEYS = ("network", "traces", "fixed", "grid", "points", "sample", "where", "keep", "metrics", "output",
            "batch_size", "description", "accuracy")
KNOB_UNITS = {"r_on": "ohm", "clk_freq": "Hz"}


class SweepError(ValueError):
    """An invalid sweep file; the message names the file and the key."""


def _dym(name, options):
    m = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f" (did you mean '{m[0]}'?)" if m else ""


@dataclasses.dataclass(frozen=True)
class Condition:
    """``lhs op rhs`` where each side is a knob/metric name or a number (with unit)."""

    lhs: str
    op: str
    rhs: str
    text: str

    _OPS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
            "==": operator.eq, "!=": operator.ne}

    def evaluate(self, values: dict[str, Any]) -> Any:
        return self._OPS[self.op](self._side(self.lhs, values), self._side(self.rhs, values))

    @staticmethod
    def _side(s, values):
        if s in values:
            return values[s]
        return _number(s)


def _number(s: str) -> float:
    unit = None
    return parse_quantity(s, unit)


def _parse_condition(text: str, names: set[str], where: str) -> Condition:
    if not isinstance(text, str):
        raise SweepError(f"{where}: expected a condition like 'area <= 100 mm^2', got {text!r}")
    m = re.match(r"^\s*(.+?)\s*(<=|>=|==|!=|<|>)\s*(.+?)\s*$", text)
    if not m:
        raise SweepError(f"{where}: cannot read condition {text!r}; expected 'name <op> value' with op one of "
                         f"<=, >=, <, >, ==, !=")
    lhs, op, rhs = m.groups()
    for side in (lhs, rhs):
        if side in names:
            continue
        try:
            _number(side)
        except UnitError:
            raise SweepError(f"{where}: {side!r} in {text!r} is neither a known name{_dym(side, names)} "
                             f"nor a number with a unit") from None
    return Condition(lhs, op, rhs, text)


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


def _knob_value(name: str, value: Any, where: str) -> Any:
    knob = KNOBS.get(name)
    if knob is None:
        raise SweepError(f"{where}: unknown design parameter '{name}'{_dym(name, KNOBS)}; known: {', '.join(KNOBS)}")
    if isinstance(value, str) and knob.kind in ("int", "float"):
        try:
            value = parse_quantity(value, KNOB_UNITS.get(name))
        except UnitError as e:
            raise SweepError(f"{where}: '{name}': {e}") from None
    try:
        return design._check(knob, value, f"{where}")
    except DesignError as e:
        raise SweepError(str(e)) from None


def _value_list(name, values, where):
    if not isinstance(values, list) or not values:
        raise SweepError(f"{where}: '{name}' must be a non-empty list of values")
    return [_knob_value(name, v, where) for v in values]


def common_keys(doc: dict, path: str, base: str):
    """(network, traces folder or None, fixed knobs) of a sweep or study file ``path`` (folder
    ``base``): the keys every such file shares, validated with file-and-key messages."""
    if "network" not in doc:
        raise SweepError(f"{path}: missing key 'network' (a file in models/ or a NeuroSim network file)")
    net_ref = str(doc["network"])
    net_path = net_ref if os.path.isabs(net_ref) else os.path.join(base, net_ref)
    try:
        network = load_network(net_path if os.path.exists(net_path) else net_ref)
    except NetworkFileError as e:
        raise SweepError(f"{path}: key 'network': {e}") from None

    traces = doc.get("traces")
    if traces is not None:
        traces = str(traces)
        tpath = traces if os.path.isabs(traces) else os.path.join(base, traces)
        if not os.path.isdir(tpath):
            tpath = traces if os.path.isdir(traces) else None
        if tpath is None:
            raise SweepError(f"{path}: key 'traces': no such folder {traces!r}")
        traces = tpath

    fixed = doc.get("fixed") or {}
    if not isinstance(fixed, dict):
        raise SweepError(f"{path}: key 'fixed' must be a mapping of design parameter to value")
    fixed = {k: _knob_value(k, v, f"{path}: key 'fixed'") for k, v in fixed.items()}
    return network, traces, fixed


def read_document(path: str, what: str, allowed: tuple[str, ...]) -> tuple[dict, str]:
    """The top-level mapping of the YAML ``what`` file (sweep, study) at ``path`` and its text;
    a clear :class:`SweepError` if it cannot be read, is not YAML or not a mapping, or has a key
    outside ``allowed`` (with a did-you-mean)."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise SweepError(f"{path}: cannot read the {what} file: not text (byte {e.start} is not UTF-8)") from None
    except OSError as e:
        raise SweepError(f"{path}: cannot read the {what} file ({e.strerror})") from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = " ".join(str(getattr(e, "problem", None) or e).split())
        raise SweepError(f"{path}{where}: not valid YAML: {what}") from None
    if not isinstance(doc, dict):
        raise SweepError(f"{path}: expected a mapping with keys {', '.join(allowed)}")
    for k in doc:
        if k not in allowed:
            raise SweepError(f"{path}: unknown key '{k}'{_dym(k, allowed)}; allowed: {', '.join(allowed)}")
    return doc, text


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
            raw_points.append(dict(fixed, **{k: _knob_value(k, v, f"{path}: key 'points', item {i}")
                                            for k, v in p.items()}))
    else:
        raw_points = _sample(doc["sample"], fixed, path)

    names = set(KNOBS)
    where = [_parse_condition(c, names, f"{path}: key 'where'") for c in (doc.get("where") or [])]
    metric_names = set(METRICS) | {"accuracy"}
    keep = [_parse_condition(c, names | metric_names, f"{path}: key 'keep'") for c in (doc.get("keep") or [])]

    metrics = doc.get("metrics")
    if metrics is not None:
        if not isinstance(metrics, list):
            raise SweepError(f"{path}: key 'metrics' must be a list of metric names")
        for m in metrics:
            if m not in metric_names:
                raise SweepError(f"{path}: key 'metrics': unknown metric '{m}'{_dym(m, metric_names)}")

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
    if all(excluded):
        raise SweepError(f"{path}: key 'where' excludes every point")

    batch = doc.get("batch_size", 1024)
    if not isinstance(batch, int) or batch < 1:
        raise SweepError(f"{path}: key 'batch_size' must be a positive integer, got {batch!r}")
    stem = os.path.splitext(os.path.basename(path))[0]
    out = output or doc.get("output") or os.path.join("results", f"{stem}.nc")
    accuracy = _accuracy_section(doc.get("accuracy"), path, base)
    return Sweep(path=path, network=network, traces=traces, points=points, axes=axes,
                 excluded=np.array(excluded, bool), keep=keep, metrics=metrics, output=str(out),
                 batch_size=batch, text=text, accuracy=accuracy)


ACCURACY_KEYS = ("model", "data", "data_dir", "samples", "cache")


def _accuracy_section(sec, path: str, base: str) -> dict[str, Any] | None:
    """The optional ``accuracy:`` section: ``{model: models/digits_cnn, data: digits, samples: 500}``
    (``data_dir`` for CIFAR-10/ImageNet folders, ``cache: false`` to skip the on-disk cache)."""
    if sec is None:
        return None
    where = f"{path}: key 'accuracy'"
    if not isinstance(sec, dict):
        raise SweepError(f"{where} must be a mapping with keys {', '.join(ACCURACY_KEYS)}")
    for k in sec:
        if k not in ACCURACY_KEYS:
            raise SweepError(f"{where}: unknown key '{k}'{_dym(k, ACCURACY_KEYS)}; allowed: {', '.join(ACCURACY_KEYS)}")
    if "model" not in sec:
        raise SweepError(f"{where}: missing 'model' (a checkpoint written by 'dse train', e.g. models/digits_cnn)")
    model = str(sec["model"])
    stem = model[:-5] if model.endswith(".json") else model
    cands = [stem if os.path.isabs(stem) else os.path.join(base, stem), stem]
    found = next((c for c in cands if os.path.isfile(c + ".json") and os.path.isfile(c + ".npz")), None)
    if found is None:
        raise SweepError(f"{where}: 'model' = {model!r}: no checkpoint {stem}.json + {stem}.npz (looked in "
                         f"{' and '.join(repr(os.path.dirname(os.path.abspath(c)) or '.') for c in cands)}); "
                         f"train one with 'dse train'")
    data = sec.get("data")
    if data is not None and data not in ("digits", "cifar10", "imagenet"):
        raise SweepError(f"{where}: 'data' = {data!r} is not allowed; expected digits, cifar10 or imagenet")
    samples = sec.get("samples", 500)
    if samples is not None and (not isinstance(samples, int) or isinstance(samples, bool) or samples < 1):
        raise SweepError(f"{where}: 'samples' must be a positive integer, got {samples!r}")
    cache = sec.get("cache", True)
    if not isinstance(cache, bool):
        raise SweepError(f"{where}: 'cache' must be true or false, got {cache!r}")
    ddir = sec.get("data_dir")
    if ddir is not None:
        ddir = str(ddir)
        ddir = ddir if os.path.isabs(ddir) or not os.path.isdir(os.path.join(base, ddir)) else os.path.join(base, ddir)
    return {"model": found, "data": data, "data_dir": ddir, "samples": samples, "cache": cache}


def _sample(spec, fixed, path) -> list[dict[str, Any]]:
    where = f"{path}: key 'sample'"
    if not isinstance(spec, dict):
        raise SweepError(f"{where} must be a mapping with method, n, seed and space")
    for k in spec:
        if k not in ("method", "n", "seed", "space"):
            raise SweepError(f"{where}: unknown key '{k}'{_dym(k, ('method', 'n', 'seed', 'space'))}")
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
            raise SweepError(f"{where}: unknown design parameter '{name}'{_dym(name, KNOBS)}")
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
            columns[name] = [_knob_value(name, float(v) if knob.kind == "float" else int(v), where) for v in x]
        else:
            raise SweepError(f"{where}: '{name}' must be a list of values or a range {{low, high, log}}")
    return [dict(fixed, **{k: columns[k][i] for k in columns}) for i in range(n)]
