"""What is static about evaluating a set of design points on one network, computed once: the
points, their floorplans, their structural keys, the network's tables per key and the column
groups (:class:`Plan`); and where every input of the performance stage comes from
(:meth:`Plan.performance_inputs`).
"""
from __future__ import annotations

import os

import jax
import jax.numpy as jnp
import numpy as np

from dse import design
from dse import executables as X
from dse.network import Network, layers_tuple

LAYER_BUCKET = 8
#: (column state, level) entries kept per layer for the ADC energy (:func:`dse.traces.network_keys`)
STATE_ENTRIES = 512
#: column-conductance groups kept in memory (each layers x states floats: 1024 x 8 x 512 = 32 MiB)
COLUMN_CACHE = 1024
#: the column parameters, in the order of the group table's columns (after the key)
COLUMN_PARAMS = ("g_max", "g_min", "top", "r_access", "r_row", "r_col")


def layer_bucket(num_layers: int) -> int:
    """Per-layer arrays are padded to a multiple of 8 layers so networks share compilations."""
    return max(LAYER_BUCKET, -(-num_layers // LAYER_BUCKET) * LAYER_BUCKET)


def pad_rows(arr: np.ndarray, size: int) -> np.ndarray:
    """``arr`` padded to ``size`` rows by repeating its last row."""
    if arr.shape[0] == size:
        return arr
    return np.concatenate([arr, np.repeat(arr[-1:], size - arr.shape[0], axis=0)])


def _pad_layers(fp, num_layers: int, bucket: int):
    def pad(leaf):
        leaf = np.asarray(leaf)
        if leaf.ndim == 2 and leaf.shape[1] == num_layers and bucket > num_layers:
            return np.pad(leaf, ((0, 0), (0, bucket - num_layers)))
        return leaf
    return jax.tree_util.tree_map(pad, fp)


def key_tables(net: Network, traces, keys, progress=None) -> list:
    """The network's :class:`~dse.chip.layer_tables.LayerTables` under each structural key (trace
    statistics read and reduced once per key and cached, :func:`dse.traces.layer_stats`);
    ``progress("traces", "key k of K")`` is called before each key."""
    from dse import traces as T
    from dse.chip.layer_tables import layer_tables

    folder = _tables_folder(net, traces)
    out = []
    for i, key in enumerate(keys):
        if progress is not None:
            progress("traces", f"key {i + 1} of {len(keys)} (read, reduced and cached once)")
        tables = _load_tables(folder, key)
        if tables is None:
            tables = layer_tables(net, [T.layer_stats(traces, net, l, k) for l, k in enumerate(key)])
            _store_tables(folder, key, tables)
        out.append(tables)
    return out


def _tables_folder(net: Network, traces) -> str | None:
    """Where the network's tables per key are kept on disk for these traces (their contents' hashes
    or the synthetic model) and this source (:func:`dse.cache.source_fingerprint`), or None."""
    import dataclasses
    import hashlib

    from dse import cache
    from dse import traces as T

    base = cache.cache_dir("tables", create=False)
    if base is None:
        return None
    if traces is None:
        ident = ("synthetic", dataclasses.astuple(T.SyntheticModel()))
    else:
        ident = tuple(T.file_digest(p) for l in range(len(net.layers)) for p in T.trace_paths(traces, l))
    h = hashlib.blake2b(repr((cache.source_fingerprint(), ident, [l.as_tuple() for l in net.layers])).encode(),
                        digest_size=16)
    return os.path.join(base, h.hexdigest())


def _table_path(folder: str, key) -> str:
    import hashlib

    return os.path.join(folder, hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest() + ".npz")


def _load_tables(folder: str | None, key):
    """The tables kept under ``key``, or None."""
    from dse.chip.layer_tables import LayerTables

    path = None if folder is None else _table_path(folder, key)
    if path is None or not os.path.isfile(path):
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return LayerTables(**{k: z[k] for k in z.files})
    except Exception:  # noqa: BLE001  (a stale or corrupt file: build them again)
        return None


def _store_tables(folder: str | None, key, tables) -> None:
    """Keep ``tables`` under ``key`` (atomically; errors leave the cache as it was)."""
    from dse.files import atomic_path

    if folder is None:
        return
    try:
        with atomic_path(_table_path(folder, key)) as tmp, open(tmp, "wb") as f:
            np.savez(f, **tables.arrays())
    except OSError:
        pass


class ColumnConductances:
    """The column states' conductances of the points, computed once per group of points sharing a
    structural key and the column parameters (:func:`dse.traces.resistance.column_params`) and
    kept while they fit the cache (:data:`COLUMN_CACHE` groups). A grid of nodes, cells and ADCs
    has a few dozen groups per key; random samples of ``r_on`` have one per point (no gain, no
    loss)."""

    def __init__(self, key_index: np.ndarray, params: dict, tables: list, executable):
        rows = np.column_stack([key_index.astype(np.float64)] + [np.asarray(params[k]) for k in COLUMN_PARAMS])
        ok = key_index >= 0
        self.index = np.full(len(key_index), -1, np.int64)
        self.groups = np.zeros((0, rows.shape[1]))
        if ok.any():
            self.groups, inverse = np.unique(rows[ok], axis=0, return_inverse=True)
            self.index[ok] = inverse.reshape(-1)
        self.tables, self._executable = tables, executable
        self.cache: dict[int, np.ndarray] = {}

    def of_groups(self, groups: np.ndarray) -> np.ndarray:
        """Conductances (S) of the column states of the point groups ``groups``, ``(len(groups), L, K)``."""
        need = np.unique(groups)
        missing = [g for g in need if g not in self.cache]
        if missing:
            if len(self.cache) + len(missing) > COLUMN_CACHE:
                self.cache.clear()
                missing = list(need)
            fn = self._executable()
            missing = np.asarray(missing)
            keys = self.groups[missing, 0].astype(np.int64)
            for u in np.unique(keys):
                sel = missing[keys == u]
                for b0 in range(0, len(sel), X.COLUMN_BATCH):
                    ids = sel[b0:b0 + X.COLUMN_BATCH]
                    params = [pad_rows(self.groups[ids, 1 + j], X.COLUMN_BATCH) for j in range(len(COLUMN_PARAMS))]
                    vals = np.asarray(fn(self.tables[u], *params))
                    self.cache.update((int(g), vals[t]) for t, g in enumerate(ids))
        return np.stack([self.cache[int(g)] for g in groups])

    def of_points(self, points: np.ndarray) -> np.ndarray:
        """Conductances of the points ``points`` (indices into the plan's points)."""
        return self.of_groups(self.index[points])


class Plan:
    """Everything static about evaluating a set of points on one network, computed once.

    The encoded points and their floorplans (:meth:`chunk` gives any batch of them), their
    structural keys (:func:`dse.traces.network_keys`: ``key_index`` per point into ``keys``), the
    network's tables per key (:mod:`dse.chip.layer_tables`, trace statistics reduced once and
    cached), padded to one set of bucketed sizes so that every chunk of a long sweep uses the same
    compiled functions, and the column groups (:class:`ColumnConductances`). Built in steps, so that
    compilation can start between them: the points and floorplans on creation, then
    :meth:`find_keys`, :meth:`tabulate` and :meth:`group_columns`.
    """

    def __init__(self, net: Network, encoded: design.DesignArrays, traces=None, *, batch_size: int):
        self.net, self.traces, self.batch_size, self.encoded = net, traces, batch_size, encoded
        self.layers = layers_tuple(net)
        self.num_layers = len(self.layers)
        self.bucket = layer_bucket(self.num_layers)
        leaves, self.treedef = jax.tree_util.tree_flatten(encoded)
        self.leaves = [np.asarray(x) for x in leaves]
        self.n = int(self.leaves[0].shape[0])
        if self.n == 0:
            raise ValueError("no design points to evaluate")
        parts = []     # floorplans of every point (fixed batch shape)
        for start in range(0, self.n, batch_size):
            chunk = jax.tree_util.tree_unflatten(self.treedef, [pad_rows(x[start:start + batch_size], batch_size)
                                                                for x in self.leaves])
            fp = X.floorplans(self.layers, chunk)
            m = min(batch_size, self.n - start)
            parts.append(jax.tree_util.tree_map(lambda a: np.asarray(a)[:m], fp))
        self.fp = jax.tree_util.tree_map(lambda *a: np.concatenate(a), *parts)
        self.num_layers_arg = jnp.asarray(float(self.num_layers))
        self.num_computation = jnp.asarray(float(net.num_computation))
        self.key_index = np.full(self.n, -1, np.int64)
        self.keys: list = []
        self.tables: list = []
        self.columns: ColumnConductances | None = None
        self._prm = None

    @property
    def prm(self):
        if self._prm is None:
            from dse.tech.params import make_params

            # compiled (and cached on disk) rather than run op by op: bit for bit the same values
            self._prm = X.compiled_stage("params", make_params, self.encoded)(self.encoded)
        return self._prm

    def chunk(self, rows: np.ndarray):
        """Encoded points and layer-padded floorplans of the points ``rows``, padded to the batch size."""
        size = self.batch_size
        enc = jax.tree_util.tree_unflatten(self.treedef, [pad_rows(x[rows], size) for x in self.leaves])
        fp = jax.tree_util.tree_map(lambda a: pad_rows(np.asarray(a)[rows], size), self.fp)
        return enc, _pad_layers(fp, self.num_layers, self.bucket)

    def find_keys(self) -> None:
        """The structural keys of the feasible points (``keys``; ``key_index``: -1 elsewhere)."""
        from dse import traces as T

        ok = np.asarray(self.fp.status) == 0
        self.key_index, self.keys = T.network_keys(self.fp, self.prm, self.num_layers, STATE_ENTRIES, valid=ok)

    def tabulate(self, sizes: dict | None = None, progress=None) -> None:
        """The network's tables under every key (traces reduced), padded to ``sizes``
        (:func:`dse.chip.layer_tables.bucket_shapes` of these tables by default, or of a larger set of
        points evaluated elsewhere: then both compile the same programs); ``progress``: see
        :func:`key_tables`."""
        from dse.chip.layer_tables import bucket_shapes, stack_tables

        tables = key_tables(self.net, self.traces, self.keys, progress)
        if tables:
            sizes = sizes or bucket_shapes([t.shapes() for t in tables], self.bucket)
            self.tables = [jax.tree_util.tree_map(lambda a: jnp.asarray(a[0]), stack_tables([t], sizes))
                           for t in tables]

    def group_columns(self, executable) -> None:
        """Group the points by key and column parameters (:class:`ColumnConductances`); ``executable()``
        gives the compiled column stage."""
        from dse.tech.memcell import memcell
        from dse.traces.resistance import column_params

        self.columns = ColumnConductances(self.key_index, column_params(memcell(self.prm), self.prm), self.tables,
                                          executable)

    def order(self) -> np.ndarray:
        """An evaluation order that groups points by structural key (fewer, fuller performance calls)."""
        return np.argsort(self.key_index, kind="stable")

    def performance_inputs(self, rows: np.ndarray, encoded, fp, states):
        """The inputs of the performance stage for the points ``rows`` (a :class:`dse.model.PerformanceInputs`
        over the chunk, :meth:`chunk`'s ``encoded`` and ``fp`` with the area stage's module states
        ``states``): per-point arrays, per-call inputs (the tables by key) and the column conductances
        of each call's points (:class:`dse.executables.ByRows`). Shapes are all the compilation
        needs: ``states`` may be shape structs."""
        from dse.model import PerformanceInputs

        weight = self.tables[0].weight
        columns = self.columns
        return PerformanceInputs(
            d=encoded, fp=fp, hw=states,
            g_col=X.ByRows(take=lambda positions: columns.of_points(rows[positions]),
                           spec=jax.ShapeDtypeStruct(tuple(weight.shape), np.float64)),
            tables=X.ByKey(self.tables), num_layers=self.num_layers_arg, num_computation=self.num_computation)
