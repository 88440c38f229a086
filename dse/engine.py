"""Batching, compilation and datasets behind ``dse.evaluate(network, points, traces=None)``.

Points are encoded into arrays (:mod:`dse.design`), padded to a fixed batch
shape, and pushed through the stages of the per-point model (:mod:`dse.model`), each lifted
to batches with ``jax.vmap`` and compiled ahead of time (:mod:`dse.compile`): the floorplan once
per network, the subarray and area stages once per batch shape for every network, the
performance stage once per table shape (its per-point inputs packed into two matrices,
:class:`dse.pytree.Packing`). :class:`Evaluation` holds what is static for a set of points
(floorplans, structural keys, reduced traces). Infeasible points never raise: they carry a
non-empty ``error`` string.
"""
from __future__ import annotations

import contextlib
import functools
import gc
from typing import Any, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from dse import compile as C
from dse import design, status
from dse.dataset import cf_attributes
from dse.metrics import AREA_LAYER_METRICS, AREA_METRICS, METRICS, PERF_LAYER_METRICS, PERF_METRICS
from dse.network import Network, layers_tuple, load_network
from dse.pytree import Packing

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


LAYER_BUCKET = 8


def layer_bucket(num_layers: int) -> int:
    """Per-layer arrays are padded to a multiple of 8 layers so networks share compilations."""
    return max(LAYER_BUCKET, -(-num_layers // LAYER_BUCKET) * LAYER_BUCKET)


@functools.lru_cache(maxsize=32)
def _layout_fn(layers: tuple[tuple[int, ...], ...]):
    """The batched floorplan of one network (small; compiled once per network and batch shape)."""
    from dse.model import layout_stage

    return C.batched(jax.vmap(functools.partial(layout_stage, layers=layers)), 0)


@functools.lru_cache(maxsize=1)
def _subarray_fn():
    """The batched subarray stage (network-independent; compiled once per batch shape)."""
    from dse.model import subarray_stage

    return C.batched(jax.vmap(subarray_stage), 0)


@functools.lru_cache(maxsize=1)
def _hardware_fn():
    """The batched area stage (network-independent; compiled once per batch shape)."""
    from dse.model import hardware_stage

    return C.batched(jax.vmap(hardware_stage, in_axes=(0, 0, 0, None)), 0, 1, 2)


@functools.lru_cache(maxsize=8)
def _performance_fn(points: Packing, states: Packing):
    """The batched performance stage on packed inputs (tables shared by the batch; compiled once per
    table shape): ``points`` packs the encoded points and floorplans, ``states`` the area stage's
    module states."""
    from dse.model import performance_stage

    stage = jax.vmap(performance_stage, in_axes=(0, 0, 0, None, None, None, 0))

    def fn(pts, sts, tables, num_layers, num_computation, g_col):
        d, fp = points.unpack(pts)
        return stage(d, fp, states.unpack(sts), tables, num_layers, num_computation, g_col)

    fn.dse_key = (points, states)
    return C.batched(fn, 0, 1, 5)


@functools.lru_cache(maxsize=1)
def _column_fn():
    """The column states' conductances for a batch of distinct column parameters (tables shared)."""
    from dse.traces.resistance import column_conductance_entries

    return C.batched(jax.vmap(column_conductance_entries, in_axes=(None,) + (0,) * 6), *range(1, 7))


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


def _pad_layers(fp, num_layers: int, bucket: int):
    def pad(leaf):
        leaf = np.asarray(leaf)
        if leaf.ndim == 2 and leaf.shape[1] == num_layers and bucket > num_layers:
            return np.pad(leaf, ((0, 0), (0, bucket - num_layers)))
        return leaf
    return jax.tree_util.tree_map(pad, fp)


def _pad(arr: np.ndarray, size: int) -> np.ndarray:
    if arr.shape[0] == size:
        return arr
    return np.concatenate([arr, np.repeat(arr[-1:], size - arr.shape[0], axis=0)])


#: (column state, level) entries kept per layer for the ADC energy (:func:`dse.traces.network_keys`)
STATE_ENTRIES = 512
#: points per compiled call of the performance stage (points are grouped by structural key)
PERF_BATCH = 128
#: distinct column parameters per compiled call of the column stage
COLUMN_BATCH = 32
#: column-conductance groups kept in memory (each layers x states floats: 1024 x 8 x 512 = 32 MiB)
COLUMN_CACHE = 1024
#: the column parameters, in the order of the group table's columns (after the key)
_COLUMN_PARAMS = ("g_max", "g_min", "top", "r_access", "r_row", "r_col")


def key_tables(net: Network, traces, keys) -> list:
    """The network's :class:`~dse.chip.layer_tables.LayerTables` under each structural key (trace
    statistics reduced once per key and cached, :func:`dse.traces.layer_stats`)."""
    from dse import traces as T
    from dse.chip.layer_tables import layer_tables

    return [layer_tables(net, [T.layer_stats(traces, net, l, k) for l, k in enumerate(key)]) for key in keys]


class Evaluation:
    """Everything static about evaluating a set of points on one network, computed once.

    The floorplans of all points, their structural keys (:func:`dse.traces.network_keys`) and the
    network's tables per key (:mod:`dse.chip.layer_tables`, trace statistics reduced once and
    cached), padded to one set of bucketed sizes so that every chunk of a long sweep uses the same
    compiled functions. :meth:`run` then evaluates any range of the points.

    ``traces``: a folder of NeuroSim-layout traces, or None for the synthetic model
    (:mod:`dse.traces.synthetic`). ``performance=False`` skips latency and energy;
    ``keys_only=True`` stops after the structural keys (enough for :meth:`order`; ``keys`` lists
    them). ``sizes`` fixes the tables' padded sizes (:func:`dse.chip.layer_tables.bucket_shapes` of
    a larger set of points: a part of a sweep evaluated elsewhere compiles the same programs).
    """

    def __init__(self, net: Network, encoded: design.DesignArrays, traces=None, *, batch_size: int = DEFAULT_BATCH,
                 performance: bool = True, keys_only: bool = False, sizes: dict | None = None):
        from dse import traces as T
        from dse.chip.layer_tables import bucket_shapes, stack_tables
        from dse.tech.params import make_params

        self.net, self.traces, self.batch_size, self.performance = net, traces, batch_size, performance
        self.layers = layers_tuple(net)
        self.num_layers = len(self.layers)
        self.bucket = layer_bucket(self.num_layers)
        leaves, self.treedef = jax.tree_util.tree_flatten(encoded)
        self.leaves = [np.asarray(x) for x in leaves]
        self.n = int(self.leaves[0].shape[0])
        if self.n == 0:
            raise ValueError("no design points to evaluate")
        # floorplans of every point (fixed batch shape)
        parts = []
        for start in range(0, self.n, batch_size):
            chunk = jax.tree_util.tree_unflatten(self.treedef, [_pad(x[start:start + batch_size], batch_size)
                                                                for x in self.leaves])
            fp = C.compiled(f"layout {self.layers}", _layout_fn(self.layers), chunk)(chunk)
            m = min(batch_size, self.n - start)
            parts.append(jax.tree_util.tree_map(lambda a: np.asarray(a)[:m], fp))
        self.fp = jax.tree_util.tree_map(lambda *a: np.concatenate(a), *parts)
        # start compiling the area stage while the traces are reduced; the performance stage
        # compiles once the tables' sizes are known
        self._nl = jnp.asarray(float(self.num_layers))
        self._ncomp = jnp.asarray(float(net.num_computation))
        enc0, fp0 = self._chunk(0, min(batch_size, self.n))
        self._points = Packing.of((enc0, fp0))
        self._sub = None if keys_only else C.compile_async("subarray", _subarray_fn(), enc0)
        self._hw = None if keys_only else self._start_hardware(enc0, fp0)
        self._perf = None
        self.key_index = np.full(self.n, -1, np.int64)
        self.col_index = np.full(self.n, -1, np.int64)
        self.tables, self.keys = [], []
        if not performance:
            return
        prm = make_params(encoded)
        ok = np.asarray(self.fp.status) == 0
        index, keys = T.network_keys(self.fp, prm, self.num_layers, STATE_ENTRIES, valid=ok)
        self.keys = keys
        if keys_only:
            self.key_index = index
            return
        tables = key_tables(net, traces, keys)
        if tables:
            sizes = sizes or bucket_shapes([t.shapes() for t in tables], self.bucket)
            self.tables = [jax.tree_util.tree_map(lambda a: jnp.asarray(a[0]), stack_tables([t], sizes))
                           for t in tables]
        self.key_index = index
        if self.tables:
            tab = self.tables[0]
            self._perf = self._start_performance(tab, enc0, fp0)
            self._index_columns(prm)

    def _index_columns(self, prm):
        """Group the points by structural key and column parameters
        (:func:`dse.traces.resistance.column_params`): points of a group share the column states'
        conductances, computed once per group (:meth:`_column_conductances`). A grid of nodes,
        cells and ADCs has a few dozen groups per key; random samples of ``r_on`` have one per point
        (no gain, no loss)."""
        from dse.tech.memcell import memcell
        from dse.traces.resistance import column_params

        cp = column_params(memcell(prm), prm)
        rows = np.column_stack([self.key_index.astype(np.float64)] + [np.asarray(cp[k]) for k in _COLUMN_PARAMS])
        ok = self.key_index >= 0
        self._col_groups = np.zeros((0, rows.shape[1]))
        if ok.any():
            self._col_groups, inverse = np.unique(rows[ok], axis=0, return_inverse=True)
            self.col_index[ok] = inverse.reshape(-1)
        self._g_cache: dict[int, np.ndarray] = {}
        tab = self.tables[0]
        spec = [jax.ShapeDtypeStruct((COLUMN_BATCH,), np.float64)] * len(_COLUMN_PARAMS)
        self._col = C.compile_async("columns", _column_fn(), tab, *spec)

    def _column_conductances(self, groups: np.ndarray) -> np.ndarray:
        """Conductances (S) of the column states of the point groups ``groups`` (indices of
        :meth:`_index_columns`), ``(len(groups), L, K)``; each group computed once while it stays in
        the cache (:data:`COLUMN_CACHE` groups)."""
        need = np.unique(groups)
        missing = [g for g in need if g not in self._g_cache]
        if missing:
            if len(self._g_cache) + len(missing) > COLUMN_CACHE:
                self._g_cache.clear()
                missing = list(need)
            fn = self._col.result()
            missing = np.asarray(missing)
            keys = self._col_groups[missing, 0].astype(np.int64)
            for u in np.unique(keys):
                sel = missing[keys == u]
                for b0 in range(0, len(sel), COLUMN_BATCH):
                    ids = sel[b0:b0 + COLUMN_BATCH]
                    params = [_pad(self._col_groups[ids, 1 + j], COLUMN_BATCH) for j in range(len(_COLUMN_PARAMS))]
                    vals = np.asarray(fn(self.tables[u], *params))
                    self._g_cache.update((int(g), vals[t]) for t, g in enumerate(ids))
        return np.stack([self._g_cache[int(g)] for g in groups])

    def _hardware_args(self, enc0, fp0):
        """Arguments (or their shapes) of the area stage for ``enc0``'s batch: its subarray input
        is the subarray stage's output, shaped as lowering that stage says."""
        sub = C.lower_async("subarray", _subarray_fn(), enc0).result().out_info
        return enc0, fp0, sub, self._nl

    def _start_hardware(self, enc0, fp0):
        """Compile the area stage (a future) after the subarray stage: one compilation beside the
        trace reduction, then the area and performance stages side by side (on two cores, a
        third concurrent task only slows the reduction that the performance stage waits for)."""
        def job():
            args = self._hardware_args(enc0, fp0)
            self._sub.result()
            return C.compile_async("hardware", _hardware_fn(), *args).result()
        return C.on_big_stack_async(job)

    def _start_performance(self, tables, enc0, fp0):
        """Compile the performance stage for tables shaped like ``tables``: a future of the executable
        and the :class:`~dse.pytree.Packing` of the area stage's module states it takes."""
        pb = PERF_BATCH

        def job():
            low = C.lower_async("hardware", _hardware_fn(), *self._hardware_args(enc0, fp0))
            states = Packing.of(low.result().out_info[1])
            spec = lambda w: jax.ShapeDtypeStruct((pb, w), np.float64)  # noqa: E731
            g_col = jax.ShapeDtypeStruct((pb,) + tuple(tables.weight.shape), np.float64)
            exe = C.compile_async("performance", _performance_fn(self._points, states), spec(self._points.width),
                                  spec(states.width), tables, self._nl, self._ncomp, g_col).result()
            return exe, states
        return C.on_big_stack_async(job)

    def _chunk(self, s0: int, m: int, rows: np.ndarray | None = None):
        """Encoded points and padded floorplans of points s0 .. s0+m (or of ``rows``), padded to the
        batch size."""
        size = self.batch_size
        sel = slice(s0, s0 + m) if rows is None else rows
        enc = jax.tree_util.tree_unflatten(self.treedef, [_pad(x[sel], size) for x in self.leaves])
        fp = jax.tree_util.tree_map(lambda a: _pad(np.asarray(a)[sel], size), self.fp)
        return enc, _pad_layers(fp, self.num_layers, self.bucket)

    def order(self) -> np.ndarray:
        """An evaluation order that groups points by structural key (fewer, fuller performance calls)."""
        return np.argsort(self.key_index, kind="stable")

    def run(self, start: int = 0, stop: int | None = None, callback=None, rows=None) -> dict[str, np.ndarray]:
        """Metrics of points ``start:stop`` (or of the indices ``rows``) as numpy arrays (N, ...), in
        fixed-shape batches."""
        with _without_cycle_collection():
            return self._run(start, stop, callback, rows)

    def _run(self, start, stop, callback, rows):
        rows = np.arange(start, self.n if stop is None else stop) if rows is None else np.asarray(rows)
        size = self.batch_size
        sub_fn, hw_fn = self._sub.result(), self._hw.result()
        perf_fn, states_packing = self._perf.result() if self._perf is not None else (None, None)
        nl, ncomp = self._nl, self._ncomp
        parts: list[dict[str, np.ndarray]] = []
        for s0 in range(0, len(rows), size):
            sel = rows[s0:s0 + size]
            m = len(sel)
            enc, fp = self._chunk(0, m, sel)
            area, states = hw_fn(enc, fp, sub_fn(enc), nl)
            out = {k: np.asarray(v)[:m] for k, v in area.items()}
            if perf_fn is not None:     # packed on the host: a performance call's points are one row gather
                out.update(self._performance(self._points.pack((enc, fp)), states_packing.pack(states),
                                             self.key_index[sel], self.col_index[sel], out["status"], perf_fn, nl,
                                             ncomp))
            if self.performance:
                for k in PERF_METRICS + PERF_LAYER_METRICS:   # no feasible point: NaN columns
                    if k not in out:
                        out[k] = np.full((m, self.bucket) if k.startswith("layer_") else (m,), np.nan)
            out = {k: (v[:, :self.num_layers] if v.ndim == 2 else v) for k, v in out.items()}
            parts.append(out)
            if callback is not None:
                callback(m)
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    def _performance(self, points, states, key_index, col_index, area_status, perf_fn, nl, ncomp):
        m = len(key_index)
        res: dict[str, np.ndarray] = {}
        perf_status = np.zeros(m, np.int64)
        calls = []      # dispatched first, read back after: the host prepares a call while the last one runs
        for u in np.unique(key_index[(key_index >= 0) & (area_status == 0)]):
            rows = np.flatnonzero((key_index == u) & (area_status == 0))
            for b0 in range(0, len(rows), PERF_BATCH):
                idx = rows[b0:b0 + PERF_BATCH]
                padded = _pad(idx, PERF_BATCH)
                g_col = self._column_conductances(col_index[padded])
                calls.append((idx, perf_fn(points[padded], states[padded], self.tables[u], nl, ncomp, g_col)))
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


def run_model(net: Network, encoded: design.DesignArrays, batch_size: int = DEFAULT_BATCH,
              callback=None, traces=None, performance: bool = True) -> dict[str, np.ndarray]:
    """Evaluate encoded points in fixed-shape batches; returns numpy arrays of shape (N, ...).

    Every call uses the batch shape ``batch_size`` (short requests are padded), so a process
    compiles each stage once and the persistent cache serves later processes.
    """
    return Evaluation(net, encoded, traces, batch_size=batch_size, performance=performance).run(callback=callback)


def to_dataset(net: Network, points: Sequence[Mapping[str, Any]], out: Mapping[str, np.ndarray]) -> xr.Dataset:
    """Wrap model outputs as an xarray Dataset with units and the error strings."""
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
