"""Batching, compilation and datasets behind ``dse.evaluate(network, points, traces=None)``.

Points are encoded into arrays (:mod:`dse.design`), padded to a fixed batch shape, and pushed
through the stages of the per-point model (:mod:`dse.model`), each lifted to batches with
``jax.vmap`` and compiled ahead of time: the floorplan once per network, the subarray and area
stages once per batch shape for every network, the performance stage once per table shape. An
:class:`Evaluation` is three parts: the plan (:class:`dse.plan.Plan`: points, floorplans,
structural keys, tables), the executables (:class:`dse.executables.Executables`: compiled and
cached) and the dispatcher (:meth:`Evaluation.run`: pack, call, gather). Infeasible points never
raise: they carry a non-empty ``error`` string.
"""
from __future__ import annotations

import contextlib
import gc
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import xarray as xr

from dse import design, status
from dse.dataset import cf_attributes, without_dask_probe
from dse.executables import PERF_BATCH, Executables
from dse.metrics import AREA_LAYER_METRICS, AREA_METRICS, METRICS, PERF_LAYER_METRICS, PERF_METRICS
from dse.network import Network, load_network
from dse.plan import COLUMN_PARAMS, Plan, pad_rows

DEFAULT_BATCH = 1024
AREA_NAMES = frozenset(AREA_METRICS + AREA_LAYER_METRICS)


def _as_point_list(points: Any) -> list[Mapping[str, Any]]:
    if isinstance(points, Mapping):  # dict of lists (columns) or a single point
        values = list(points.values())
        if values and all(isinstance(v, (list, tuple, np.ndarray)) for v in values):
            n = len(values[0])
            return [{k: (v[i].item() if hasattr(v[i], "item") else v[i]) for k, v in points.items()} for i in range(n)]
        return [points]
    if hasattr(points, "to_dict") and hasattr(points, "columns"):  # a pandas DataFrame
        return points.to_dict("records")
    return list(points)


@contextlib.contextmanager
def _without_cycle_collection():
    """Python's cycle collector paused: evaluation allocates many short-lived arrays (no cycles), and
    each full collection walks every object the compilations left (about 0.13 s each, several per
    pass over the main job's grid, a fifth of its evaluation time)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Evaluation:
    """Evaluating a set of points on one network: a :class:`~dse.plan.Plan` (``plan``), its
    :class:`~dse.executables.Executables` (``executables``) and the dispatcher (:meth:`run`).

    Creation computes the plan (floorplans, keys, tables) while the stages compile, so that every
    chunk of a long sweep reuses the same executables; :meth:`run` then evaluates any range of the
    points.

    ``traces``: a folder of NeuroSim-layout traces, or None for the synthetic model
    (:mod:`dse.traces.synthetic`). ``performance=False`` skips latency and energy;
    ``keys_only=True`` stops after the structural keys (enough for :meth:`order`; ``keys`` lists
    them). ``sizes`` fixes the tables' padded sizes (:func:`dse.chip.layer_tables.bucket_shapes` of
    a larger set of points: a part of a sweep evaluated elsewhere compiles the same programs).
    ``progress``: called as ``progress(phase, detail)`` when a phase starts or moves on (floorplans,
    structural keys, traces, column groups, compiling, evaluating; :mod:`dse.sweep.progress`).
    """

    def __init__(self, net: Network, encoded: design.DesignArrays, traces=None, *, batch_size: int = DEFAULT_BATCH,
                 performance: bool = True, keys_only: bool = False, sizes: dict | None = None, progress=None):
        self.performance = performance
        self.progress = report = progress or _silent
        report("floorplans", f"{int(np.shape(encoded.technode)[0])} points")
        self.plan = plan = Plan(net, encoded, traces, batch_size=batch_size)
        first = np.arange(min(batch_size, plan.n))
        self.executables = exe = None if keys_only else Executables(*plan.chunk(first), plan.num_layers_arg)
        if not performance:
            return
        report("structural keys")
        plan.find_keys()
        if keys_only:
            return
        plan.tabulate(sizes, progress=report)   # reduces the traces while the subarray and area stages compile
        if plan.tables:
            enc0, fp0 = plan.chunk(first)
            exe.start_performance(lambda states: plan.performance_inputs(first, enc0, fp0, states))
            exe.start_columns(plan.tables[0], len(COLUMN_PARAMS))
            report("column groups")
            plan.group_columns(exe.columns)

    # the plan's figures, for the callers that read them
    net = property(lambda self: self.plan.net)
    num_layers = property(lambda self: self.plan.num_layers)
    keys = property(lambda self: self.plan.keys)
    key_index = property(lambda self: self.plan.key_index)
    tables = property(lambda self: self.plan.tables)
    fp = property(lambda self: self.plan.fp)

    def order(self) -> np.ndarray:
        """An evaluation order that groups points by structural key (fewer, fuller performance calls)."""
        return self.plan.order()

    def run(self, start: int = 0, stop: int | None = None, callback=None, rows=None) -> dict[str, np.ndarray]:
        """Metrics of points ``start:stop`` (or of the indices ``rows``) as numpy arrays (N, ...), in
        fixed-shape batches."""
        with _without_cycle_collection():
            return self._run(start, stop, callback, rows)

    def _run(self, start, stop, callback, rows):
        plan, exe = self.plan, self.executables
        rows = np.arange(start, plan.n if stop is None else stop) if rows is None else np.asarray(rows)
        size = plan.batch_size
        pending = exe.pending()
        for i, stage in enumerate(pending):     # say which executable the run waits for
            self.progress("compiling", f"{', '.join(pending[i:])} stage{'s' if len(pending) - i > 1 else ''} "
                                       "(or loading from the compilation cache)")
            exe.wait(stage)
        sub_fn, hw_fn = exe.subarray(), exe.hardware()
        perf = exe.performance()
        self.progress("evaluating")
        parts: list[dict[str, np.ndarray]] = []
        for s0 in range(0, len(rows), size):
            sel = rows[s0:s0 + size]
            m = len(sel)
            enc, fp = plan.chunk(sel)
            area, states = hw_fn(enc, fp, sub_fn(enc), plan.num_layers_arg)
            out = {k: np.asarray(v)[:m] for k, v in area.items()}
            if perf is not None:
                out.update(self._performance(perf, plan.performance_inputs(sel, enc, fp, states),
                                             plan.key_index[sel], out["status"]))
            if self.performance:
                for k in PERF_METRICS + PERF_LAYER_METRICS:   # no feasible point: NaN columns
                    if k not in out:
                        out[k] = np.full((m, plan.bucket) if k.startswith("layer_") else (m,), np.nan)
            out = {k: (v[:, :plan.num_layers] if v.ndim == 2 else v) for k, v in out.items()}
            parts.append(out)
            if callback is not None:
                callback(m)
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    @staticmethod
    def _performance(perf, inputs, key_index, area_status):
        """Pack the chunk's per-point inputs once (a call's points are then one row gather), dispatch
        one call per :data:`PERF_BATCH` points of a structural key, and gather the results."""
        m = len(key_index)
        res: dict[str, np.ndarray] = {}
        perf_status = np.zeros(m, np.int64)
        matrix = perf.pack(inputs)
        calls = []      # dispatched first, read back after: the host prepares a call while the last one runs
        for u in np.unique(key_index[(key_index >= 0) & (area_status == 0)]):
            rows = np.flatnonzero((key_index == u) & (area_status == 0))
            for b0 in range(0, len(rows), PERF_BATCH):
                idx = rows[b0:b0 + PERF_BATCH]
                calls.append((idx, perf(inputs, matrix, pad_rows(idx, PERF_BATCH), int(u))))
        for idx, out in calls:
            for k, v in out.items():
                v = np.asarray(v)[:len(idx)]
                if k == "status":
                    perf_status[idx] = v
                    continue
                if k not in res:
                    res[k] = np.full((m,) + v.shape[1:], np.nan)
                res[k][idx] = v
        res["status"] = area_status | perf_status
        return res


def _silent(phase: str, detail: str = "") -> None:
    """The progress report that says nothing."""


def run_model(net: Network, encoded: design.DesignArrays, batch_size: int = DEFAULT_BATCH,
              callback=None, traces=None, performance: bool = True) -> dict[str, np.ndarray]:
    """Evaluate encoded points in fixed-shape batches; returns numpy arrays of shape (N, ...).

    Every call uses the batch shape ``batch_size`` (short requests are padded), so a process
    compiles each stage once and the persistent cache serves later processes.
    """
    return Evaluation(net, encoded, traces, batch_size=batch_size, performance=performance).run(callback=callback)


def to_dataset(net: Network, points: Sequence[Mapping[str, Any]], out: Mapping[str, np.ndarray]) -> xr.Dataset:
    """Wrap model outputs as an xarray Dataset with units and the error strings."""
    with without_dask_probe():
        return _to_dataset(net, points, out)


def _to_dataset(net, points, out) -> xr.Dataset:
    n = len(points)
    mask = out["status"].astype(np.int64)
    data_vars: dict[str, Any] = {}
    for name, values in out.items():
        if name == "status":
            continue
        meta = METRICS.get(name)
        dims = ("point", "layer") if values.ndim == 2 else ("point",)
        attrs = {"units": meta.unit, "long_name": meta.doc} if meta else {}
        # area metrics stay valid where only latency / energy are missing
        m = mask & ~status.PERF_ONLY if name in AREA_NAMES else mask
        values = np.where(m.reshape((-1,) + (1,) * (values.ndim - 1)) != 0, np.nan, values)
        data_vars[name] = xr.Variable(dims, values, attrs)
    data_vars["error"] = xr.Variable(("point",), np.array(_errors(mask, out), dtype=object),
                                     {"long_name": "why the point is infeasible ('' when feasible)"})
    data_vars["status"] = xr.Variable(("point",), mask, {"long_name": "infeasibility bit mask (dse.status)"})
    coords: dict[str, Any] = {"point": np.arange(n), "layer": np.arange(1, len(net.layers) + 1)}
    for k in design.KNOBS:
        vals = [p[k] for p in points]
        coords[k] = ("point", np.array(vals, dtype=object if isinstance(vals[0], str) else None))
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({"network": net.name, "dse_version": _version()})
    return cf_attributes(ds)


def _errors(mask: np.ndarray, out: Mapping[str, np.ndarray]) -> list[str]:
    """The reason of each point ('' when feasible); non-finite results name their metrics."""
    def bad(i, names):
        return ", ".join(k for k in names if k in out and not np.all(np.isfinite(out[k][i])))

    chip = [k for k in out if k != "status" and not k.startswith("layer_")]
    details = lambda i: {status.NUMERIC: bad(i, [k for k in chip if k in AREA_NAMES]),  # noqa: E731
                         status.NO_LATENCY: bad(i, [k for k in chip if k not in AREA_NAMES])}
    return [status.reasons(m, details(i) if m & (status.NUMERIC | status.NO_LATENCY) else None)
            for i, m in enumerate(mask)]


def _version() -> str:
    import dse

    return dse.__version__


def evaluate(network, points: Iterable[Mapping[str, Any]] | Mapping[str, Any], traces=None, *,
             batch_size: int = DEFAULT_BATCH) -> xr.Dataset:
    """Evaluate design points on a network.

    Args:
      network: a NeuroSim network file path, a shipped network name (``"vgg8"``) or a
        :class:`dse.network.Network`.
      points: design points (mappings of knob name to value, see :data:`dse.design.KNOBS`),
        a dict of equal-length lists, or a DataFrame. Missing knobs take their defaults.
      traces: folder of NeuroSim-layout traces (``weight<i>.csv``/``input<i>.csv``, optionally
        gzipped) for the latency/energy model, or None for the documented synthetic traces
        (:mod:`dse.traces.synthetic`).
      batch_size: points per compiled batch (every call uses this shape, so changing it
        compiles the model again).

    Returns:
      An ``xarray.Dataset`` with dimension ``point`` (and ``layer`` for per-layer metrics),
      metrics in SI units (``units`` attribute), the knobs as coordinates, and ``error``:
      '' for a feasible point, the reason otherwise (its metrics are NaN).
    """
    net = load_network(network)
    plist = [design.normalize(p, where=f"point {i}") for i, p in enumerate(_as_point_list(points))]
    encoded = design.encode(plist)
    out = run_model(net, encoded, batch_size=batch_size, traces=traces)
    return to_dataset(net, plist, out)
