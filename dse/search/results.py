"""A study's results: every trial and the Pareto front as an xarray dataset, netCDF and CSV.

Dimension ``trial``; the design knobs are coordinates (as in :func:`dse.evaluate`);
metrics are variables in SI units; ``state``, ``error``, ``violation`` (sum of the
constraint violations, 0 when feasible), ``feasible`` and ``pareto`` (feasible and
not dominated on the objectives). Attributes: ``objectives`` ("name:max,..."),
``constraints``, ``hypervolume`` and its ``hv_reference``.
"""
from __future__ import annotations

import datetime
import json
import os

import numpy as np
import xarray as xr
from optuna.trial import TrialState

from dse import design
from dse.dataset import cf_attributes, write_dataset
from dse.metrics import METRICS
from dse.pareto import hypervolume, pareto_mask
from dse.search.spec import Objective, StudySpec
from dse.search.storage import mask_secrets, masked_url


def parse_objectives(text: str) -> list[Objective]:
    """The ``objectives`` attribute back as objectives."""
    return [Objective(s.split(":")[0], s.split(":")[1] == "max") for s in text.split(",") if s]


def default_reference(values: np.ndarray, maximize: list[bool], margin: float = 0.1) -> np.ndarray:
    """The worst value of each objective over ``values`` moved outwards by ``margin`` of its range
    (so the extreme points of the front add volume too)."""
    sign = np.where(np.asarray(maximize, bool), -1.0, 1.0)
    v = values * sign
    lo, hi = np.nanmin(v, axis=0), np.nanmax(v, axis=0)
    span = np.where(hi > lo, hi - lo, np.maximum(np.abs(hi), 1e-300))
    return (hi + margin * span) * sign


def study_dataset(study, spec: StudySpec) -> xr.Dataset:
    """All trials of the study (those within the budget) and its front."""
    trials = [t for t in study.get_trials(deepcopy=False) if not t.user_attrs.get("over_budget")]
    trials.sort(key=lambda t: t.number)
    n = len(trials)
    names: list[str] = []
    for t in trials:
        names += [k for k in t.user_attrs.get("metrics", {}) if k not in names]
    metrics = {k: np.full(n, np.nan) for k in names}
    errors, states, workers = [], [], []
    violation = np.full(n, np.nan)
    points = []
    for i, t in enumerate(trials):
        for k, v in t.user_attrs.get("metrics", {}).items():
            metrics[k][i] = np.nan if v is None else v
        states.append(t.state.name)
        errors.append(t.user_attrs.get("error", "") or ("" if t.state == TrialState.COMPLETE else t.state.name.lower()))
        workers.append(str(t.user_attrs.get("worker", "")))
        if t.state == TrialState.COMPLETE:
            violation[i] = float(sum(max(c, 0.0) for c in t.user_attrs.get("constraints", [])))
        raw = dict(spec.fixed, **t.params)
        p = {}
        for k, knob in design.KNOBS.items():
            v = raw.get(k, knob.default)
            p[k] = raw.get("subarray", design.KNOBS["subarray"].default) if v is None else v
        points.append(p)
    for k in metrics:  # skipped (not evaluated) values are NaN, not the placeholder told to the sampler
        metrics[k] = np.where(np.abs(metrics[k]) >= 1e30, np.nan, metrics[k])
    data = {}
    for k, v in metrics.items():
        meta = METRICS.get(k)
        data[k] = xr.Variable(("trial",), v, {"units": meta.unit, "long_name": meta.doc} if meta else
                              ({"units": "1", "long_name": "classification accuracy"} if k == "accuracy" else {}))
    feasible = np.asarray([s == "COMPLETE" for s in states], dtype=bool) & (np.nan_to_num(violation, nan=1.0) <= 0)
    obj_names = [o.name for o in spec.objectives]
    maximize = [o.maximize for o in spec.objectives]
    values = np.stack([metrics.get(k, np.full(n, np.nan)) for k in obj_names], 1) if n else np.zeros((0, len(obj_names)))
    front = np.zeros(n, bool)
    if feasible.any():
        front[np.flatnonzero(feasible)[pareto_mask(values[feasible], maximize)]] = True
    ref = np.array([spec.reference.get(k, np.nan) for k in obj_names])
    if feasible.any():
        nadir = default_reference(values[feasible], maximize)
        ref = np.where(np.isnan(ref), nadir, ref)
    hv = hypervolume(values[front], ref, maximize) if front.any() else 0.0
    data.update({
        "state": xr.Variable(("trial",), np.array(states, dtype=object), {"long_name": "Optuna trial state"}),
        "error": xr.Variable(("trial",), np.array(errors, dtype=object), {"long_name": "why the trial failed"}),
        "violation": xr.Variable(("trial",), violation, {"long_name": "sum of relative constraint violations"}),
        "feasible": xr.Variable(("trial",), feasible, {"long_name": "complete and meets every constraint"}),
        "pareto": xr.Variable(("trial",), front, {"long_name": "feasible and not dominated on the objectives"}),
        "worker": xr.Variable(("trial",), np.array(workers, dtype=object), {"long_name": "process that evaluated it"}),
    })
    coords = {"trial": np.array([t.number for t in trials], np.int64)}
    for k in design.KNOBS:
        vals = [p[k] for p in points]
        coords[k] = ("trial", np.array(vals, dtype=object if vals and isinstance(vals[0], str) else None))
    ds = xr.Dataset(data, coords=coords)
    ds.attrs.update({
        "network": spec.network.name, "study": spec.study_name, "storage": masked_url(spec.storage), "sampler": spec.sampler,
        "budget": spec.trials, "objectives": ",".join(str(o) for o in spec.objectives),
        "constraints": "; ".join(c.text for c in spec.constraints), "space": json.dumps(list(spec.space.params)),
        "hypervolume": hv, "hv_reference": ref.tolist() if len(ref) else [],
        "hv_note": "hypervolume of the front in the objectives' SI units up to hv_reference "
                   "(the 'reference' of the study file, else each objective's worst feasible value "
                   "moved outwards by 10% of its range)",
        "study_file": os.path.abspath(spec.path), "study_text": mask_secrets(spec.text, spec.storage),
        "fingerprint": spec.fingerprint,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    })
    return cf_attributes(ds)


def csv_paths(nc_path: str) -> tuple[str, str]:
    base = os.path.splitext(nc_path)[0]
    return base + ".csv", base + "_pareto.csv"


def to_frame(ds: xr.Dataset):
    """A pandas DataFrame, one row per trial: number, knobs, metrics, state, front membership."""
    cols = [v for v in ds.data_vars if ds[v].dims == ("trial",)]
    df = ds[cols].to_dataframe()
    return df[[c for c in df.columns if c not in ("layer",)]]


def write_results(ds: xr.Dataset, path: str) -> tuple[str, str, str]:
    """netCDF (atomic) plus CSV of all trials and of the front; returns the three paths."""
    write_dataset(ds, path)
    all_csv, front_csv = csv_paths(path)
    df = to_frame(ds)
    df.to_csv(all_csv)
    df[df["pareto"].astype(bool)].to_csv(front_csv)
    return path, all_csv, front_csv
