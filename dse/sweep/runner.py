"""Run a sweep: batched evaluation with progress, resumable chunks, one dataset on disk."""
from __future__ import annotations

import datetime
import os
import sys
import time

import numpy as np
import xarray as xr
from tqdm import tqdm

from dse import design, status
from dse.cache import cache_dir
from dse.dataset import cf_attributes, write_dataset
from dse.engine import Evaluation, to_dataset
from dse.metrics import AREA_LAYER_METRICS, AREA_METRICS
from dse.sweep.spec import Sweep
from dse.sweep.store import ChunkStore


class OutputExists(FileExistsError):
    """The output file exists and --force was not given."""


class SweepInterrupted(RuntimeError):
    """The sweep stopped early; its finished chunks are on disk and a re-run resumes."""


def evaluate_sweep(sweep: Sweep, *, progress: bool = True, stop_after: int | None = None) -> dict[str, np.ndarray]:
    """Evaluate the sweep's points chunk by chunk, persisting each chunk; returns arrays (N, ...).

    ``stop_after`` stops after that many new chunks (used by tests to simulate an interruption).
    """
    idx = np.flatnonzero(~sweep.excluded)
    chunk = sweep.batch_size
    store = ChunkStore(sweep.output, sweep.fingerprint, len(sweep.points), chunk)
    done = store.open()
    encoded_all = design.encode([sweep.points[i] for i in idx])
    resumed = sum(len(v["status"]) for v in done.values())
    if resumed and progress:
        print(f"dse run: resuming: {resumed} of {len(idx)} points already computed", file=sys.stderr)
    bar = tqdm(total=len(idx), initial=resumed, unit="pt", desc="dse run", disable=not progress, file=sys.stderr,
               dynamic_ncols=True, smoothing=0.1)
    new = 0
    ev = None
    for start in range(0, len(idx), chunk):
        if start in done:
            continue
        if stop_after is not None and new >= stop_after:
            break
        if ev is None:   # floorplans, structural keys and reduced traces of all points, once
            ev = Evaluation(sweep.network, encoded_all, sweep.traces, batch_size=chunk,
                            performance=_needs_performance(sweep))
        out = ev.run(rows=ev.order()[start:start + chunk])
        store.save(start, out)
        done[start] = out
        new += 1
        bar.update(len(out["status"]))
    bar.close()
    if sum(len(v["status"]) for v in done.values()) < len(idx):
        raise SweepInterrupted("the sweep stopped before the end; run the same command again to resume")
    starts = sorted(done)
    included = {k: np.concatenate([done[s][k] for s in starts]) for k in done[starts[0]]}
    # chunks follow the evaluation order (points grouped by structural key): back to sweep order
    if ev is None:   # everything was resumed: recompute the order (floorplans and keys only)
        ev = Evaluation(sweep.network, encoded_all, sweep.traces, batch_size=chunk,
                        performance=_needs_performance(sweep), keys_only=True)
    order = ev.order()
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    included = {k: v[inv] for k, v in included.items()}
    full = {}
    for k, v in included.items():
        if k == "status":
            arr = np.full((len(sweep.points),), status.EXCLUDED, np.int64)
        else:
            arr = np.full((len(sweep.points),) + v.shape[1:], np.nan)
        arr[idx] = v
        full[k] = arr
    return full


def _needs_performance(sweep: Sweep) -> bool:
    """Whether the sweep asks for any latency / energy metric (or for all metrics)."""
    if sweep.metrics is None:
        return True
    return any(m not in AREA_METRICS + AREA_LAYER_METRICS for m in sweep.metrics)


def build_dataset(sweep: Sweep, arrays: dict[str, np.ndarray]) -> xr.Dataset:
    """The sweep's dataset: grid axes as dimensions for a grid, else ``point``."""
    ds = to_dataset(sweep.network, sweep.points, arrays)
    if sweep.metrics is not None:
        keep = set(sweep.metrics) | {"error", "status"}
        ds = ds.drop_vars([v for v in ds.data_vars if v not in keep])
    kept = np.ones(len(sweep.points), bool)
    for cond in sweep.keep:
        vals = {k: ds[k].values for k in ds.data_vars if ds[k].dims == ("point",)}
        vals.update({k: ds.coords[k].values for k in design.KNOBS})
        with np.errstate(invalid="ignore"):
            kept &= np.asarray(cond.evaluate(vals), bool)
    kept &= ds["status"].values == 0
    ds["kept"] = xr.Variable(("point",), kept, {"long_name": "feasible and passes the sweep's 'keep' filters"})
    if sweep.axes:
        shape = tuple(len(v) for v in sweep.axes.values())
        grid_vars = {}
        for name, var in ds.data_vars.items():
            rest = var.dims[1:]
            grid_vars[name] = xr.Variable(tuple(sweep.axes) + rest, var.values.reshape(shape + var.shape[1:]),
                                          var.attrs)
        coords = {k: ("layer" if k == "layer" else k, v) for k, v in [("layer", ds.layer.values)]}
        for k, vals in sweep.axes.items():
            coords[k] = (k, np.array(vals, dtype=object if isinstance(vals[0], str) else None))
        fixed = {k: sweep.points[0][k] for k in design.KNOBS if k not in sweep.axes
                 and len({str(p[k]) for p in sweep.points}) == 1}
        out = xr.Dataset(grid_vars, coords=coords, attrs=ds.attrs)
        for k, v in fixed.items():
            out.attrs[f"fixed_{k}"] = str(v)
        ds = out
    ds.attrs.update({
        "sweep_file": os.path.abspath(sweep.path),
        "sweep_text": sweep.text,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
    })
    return cf_attributes(ds)


def _versions() -> str:
    import jax
    import dse

    return f"dse {dse.__version__}; jax {jax.__version__}; numpy {np.__version__}; xarray {xr.__version__}"


def run_sweep(sweep: Sweep, *, force: bool = False, progress: bool = True,
              stop_after: int | None = None) -> tuple[xr.Dataset, float]:
    """Evaluate and write a sweep; returns the dataset and the wall time in seconds."""
    if os.path.exists(sweep.output) and not force:
        raise OutputExists(f"{sweep.output} exists; use --force to overwrite it or --out to write elsewhere")
    if force and _foreign_partial(sweep):  # partial results of another sweep at this output
        ChunkStore(sweep.output, sweep.fingerprint, len(sweep.points), sweep.batch_size).clear()
    t0 = time.perf_counter()
    arrays = evaluate_sweep(sweep, progress=progress, stop_after=stop_after)
    if getattr(sweep, "accuracy", None):
        arrays["accuracy"] = accuracy_column(sweep, arrays["status"], progress=progress)
    ds = build_dataset(sweep, arrays)
    write_dataset(ds, sweep.output)
    ChunkStore(sweep.output, sweep.fingerprint, len(sweep.points), sweep.batch_size).clear()
    return ds, time.perf_counter() - t0


def accuracy_column(sweep: Sweep, status_codes: np.ndarray, progress: bool = True) -> np.ndarray:
    """Top-1 accuracy (fraction) of the sweep's ``accuracy`` model at each feasible point, NaN elsewhere
    (:mod:`dse.accuracy`; points sharing the accuracy-relevant knobs are evaluated once, and cached)."""
    from dse.accuracy.evaluate import Evaluator

    acc = sweep.accuracy
    ev = Evaluator(acc["model"], acc.get("data"), acc.get("data_dir"), acc.get("samples"),
                   cache_dir=cache_dir("accuracy", create=False) if acc.get("cache", True) else None)
    idx = np.flatnonzero(np.asarray(status_codes) == 0)
    out = np.full(len(sweep.points), np.nan)
    t0 = time.perf_counter()
    if len(idx):
        out[idx] = ev.accuracy([sweep.points[i] for i in idx])
    if progress:
        print(f"dse run: accuracy: {len(idx)} points, {ev.evaluated} evaluated on {len(ev.y)} {ev.data} images "
              f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return out


def _foreign_partial(sweep: Sweep) -> bool:
    import json

    meta = os.path.join(sweep.output + ".partial", "meta.json")
    if not os.path.exists(meta):
        return False
    with open(meta) as f:
        return json.load(f).get("fingerprint") != sweep.fingerprint
