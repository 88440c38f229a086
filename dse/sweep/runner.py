"""Run a sweep: batched evaluation with progress, resumable chunks, one dataset on disk."""
from __future__ import annotations

import datetime
import os
import sys
import time

import numpy as np
import xarray as xr

from dse import design, status
from dse.cache import cache_dir
from dse.dataset import cf_attributes, without_dask_probe, write_dataset
from dse.engine import Evaluation, to_dataset
from dse.metrics import AREA_LAYER_METRICS, AREA_METRICS
from dse.sweep.progress import PhaseBar
from dse.sweep.spec import Sweep
from dse.sweep.store import ChunkStore


class OutputExists(FileExistsError):
    """The output file exists and --force was not given."""


#: seconds between looks at the store while other processes finish their chunks
POLL_S = 0.5


def evaluate_sweep(sweep: Sweep, *, progress: bool = True, cluster=None) -> dict[str, np.ndarray]:
    """Evaluate the sweep's points chunk by chunk, persisting each chunk; returns arrays (N, ...).

    ``cluster``: a :class:`dse.sweep.cluster.Cluster` to evaluate the chunks on (default: this
    process). Other processes on the same sweep share the chunks (:class:`ChunkStore`)."""
    store = ChunkStore(sweep.output, sweep.fingerprint, len(sweep.points), sweep.batch_size)
    done = store.open()
    with store.member():
        bar = _phase_bar(sweep, done, progress)
        try:
            return _evaluate(sweep, store, done, bar, cluster)
        finally:
            bar.close()


def _phase_bar(sweep: Sweep, done: dict, progress: bool) -> PhaseBar:
    """The progress bar of a run (:mod:`dse.sweep.progress`); says first how much is resumed."""
    total = int((~sweep.excluded).sum())
    resumed = sum(len(v["status"]) for v in done.values())
    if resumed and progress:
        print(f"dse run: resuming: {resumed} of {total} points already computed", file=sys.stderr)
    return PhaseBar(total, resumed, enabled=progress)


def _evaluate(sweep: Sweep, store: ChunkStore, done: dict, bar: PhaseBar, cluster) -> dict[str, np.ndarray]:
    """The loop of :func:`evaluate_sweep`: ``done`` holds the chunks already on disk; ``bar`` shows
    the phases and the points."""
    progress = bar.enabled
    idx = np.flatnonzero(~sweep.excluded)
    chunk = sweep.batch_size
    bar("encoding points", f"{len(idx)} points")
    encoded_all = design.encode([sweep.points[i] for i in idx])
    starts = range(0, len(idx), chunk)
    resumed_chunks, computed = len(done), 0

    def record(new: dict, here: bool = False) -> None:
        nonlocal computed
        done.update(new)
        computed += len(new) if here else 0
        bar.advance(sum(len(v["status"]) for v in new.values()))

    ev = keyed = None
    perf = _needs_performance(sweep)
    while len(done) < len(starts):
        if cluster is not None:
            mine = [s for s in starts if s not in done and store.claim(s)]
            if mine:
                keyed = keyed or Evaluation(sweep.network, encoded_all, sweep.traces, batch_size=chunk,
                                            performance=perf, keys_only=True, progress=bar)
                bar("evaluating", "on the cluster")
                for start, out in cluster.evaluate(sweep, encoded_all, keyed, mine):
                    store.save(start, out)
                    record({start: out}, here=True)
        else:
            for start in starts:
                if start in done or not store.claim(start):
                    continue
                if ev is None:   # floorplans, structural keys and reduced traces of all points, once
                    ev = Evaluation(sweep.network, encoded_all, sweep.traces, batch_size=chunk, performance=perf,
                                    progress=bar)
                out = ev.run(rows=ev.order()[start:start + chunk])
                store.save(start, out)
                record({start: out}, here=True)
        record(store.load_new(done))          # chunks finished by other processes
        if len(done) < len(starts) and not any(store.claimable(s) for s in starts if s not in done):
            time.sleep(POLL_S)                # the rest is being computed elsewhere
    if progress and computed < len(starts):
        print(f"dse run: {computed} of {len(starts)} chunks computed by this run ({resumed_chunks} resumed, "
              f"{len(starts) - computed - resumed_chunks} by other processes)", file=sys.stderr)
    included = {k: np.concatenate([done[s][k] for s in starts]) for k in done[starts[0]]}
    # chunks follow the evaluation order (points grouped by structural key): back to sweep order
    if ev is None and keyed is None:   # everything was computed elsewhere: the order (floorplans and keys only)
        keyed = Evaluation(sweep.network, encoded_all, sweep.traces, batch_size=chunk, performance=perf,
                           keys_only=True, progress=bar)
    order = (ev or keyed).order()
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
    with without_dask_probe():
        return _build_dataset(sweep, arrays)


def _build_dataset(sweep: Sweep, arrays: dict[str, np.ndarray]) -> xr.Dataset:
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
              cluster=None) -> tuple[xr.Dataset, float]:
    """Evaluate and write a sweep; returns the dataset and the wall time in seconds. ``cluster``: a
    :class:`dse.sweep.cluster.Cluster` that evaluates the chunks (default: this process)."""
    if os.path.exists(sweep.output) and not force:
        raise OutputExists(f"{sweep.output} exists; use --force to overwrite it or --out to write elsewhere")
    store = ChunkStore(sweep.output, sweep.fingerprint, len(sweep.points), sweep.batch_size)
    if force and store.foreign():  # partial results of another sweep at this output
        store.clear()
    t0 = time.perf_counter()
    done = store.open()
    with store.member():
        bar = _phase_bar(sweep, done, progress)
        try:
            arrays = _evaluate(sweep, store, done, bar, cluster)
            if getattr(sweep, "accuracy", None):
                bar("accuracy")
                arrays["accuracy"] = accuracy_column(sweep, arrays["status"], progress=progress)
            bar("dataset")
            ds = build_dataset(sweep, arrays)
            bar("writing", sweep.output)
            write_dataset(ds, sweep.output)
            store.finish()
        finally:
            bar.close()
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
