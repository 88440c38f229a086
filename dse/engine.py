"""Batching, compilation and datasets behind ``dse.evaluate(network, points, traces=None)``.

Points are encoded into arrays (:mod:`dse.design`), padded to a fixed batch
shape, and pushed through the two stages of the per-point model (:mod:`dse.model`),
each lifted to batches with ``jax.vmap`` and jit-compiled: the floorplan once per
network, the hardware stage once per batch shape for every network.
Infeasible points never raise: they carry a non-empty ``error`` string.
"""
from __future__ import annotations

import functools
from typing import Any, Iterable, Mapping, Sequence

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from dse import design, status
from dse.metrics import METRICS
from dse.network import Network, layers_tuple, load_network

DEFAULT_BATCH = 1024


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
    """The batched, compiled floorplan of one network (small; one per network)."""
    from dse.model import layout_stage

    return jax.jit(jax.vmap(functools.partial(layout_stage, layers=layers)))


@functools.lru_cache(maxsize=1)
def _hardware_fn():
    """The batched, compiled hardware model (network-independent; one per batch shape)."""
    from dse.model import hardware_stage

    return jax.jit(jax.vmap(hardware_stage, in_axes=(0, 0, None)))


def _pad_layers(fp, num_layers: int, bucket: int):
    def pad(leaf):
        leaf = jnp.asarray(leaf)
        if leaf.ndim == 2 and leaf.shape[1] == num_layers and bucket > num_layers:
            return jnp.pad(leaf, ((0, 0), (0, bucket - num_layers)))
        return leaf
    return jax.tree_util.tree_map(pad, fp)


def model_batch(net: Network, encoded: design.DesignArrays) -> dict[str, jax.Array]:
    """The staged model on one batch of encoded points (arrays of shape (B,))."""
    layers = layers_tuple(net)
    n_layers = len(layers)
    fp = _layout_fn(layers)(encoded)
    fp = _pad_layers(fp, n_layers, layer_bucket(n_layers))
    out = _hardware_fn()(encoded, fp, jnp.asarray(float(n_layers)))
    return {k: (v[:, :n_layers] if v.ndim == 2 else v) for k, v in out.items()}


def _pad(arr: np.ndarray, size: int) -> np.ndarray:
    if arr.shape[0] == size:
        return arr
    return np.concatenate([arr, np.repeat(arr[-1:], size - arr.shape[0], axis=0)])


def run_model(net: Network, encoded: design.DesignArrays, batch_size: int = DEFAULT_BATCH,
              callback=None, pad_to: int | None = None) -> dict[str, np.ndarray]:
    """Evaluate encoded points in fixed-shape batches; returns numpy arrays of shape (N, ...).

    ``pad_to`` fixes the batch shape (the sweep engine uses its batch size for every chunk,
    the last one included, so a sweep compiles once).
    """
    n = int(np.shape(encoded.technode)[0])
    if n == 0:
        raise ValueError("no design points to evaluate")
    # one batch shape for every call (short requests are padded), so a process compiles the
    # model once and the persistent cache serves later processes
    size = batch_size if pad_to is None else pad_to
    leaves, treedef = jax.tree_util.tree_flatten(encoded)
    parts: list[dict[str, np.ndarray]] = []
    for start in range(0, n, size):
        chunk = [_pad(np.asarray(leaf)[start:start + size], size) for leaf in leaves]
        out = model_batch(net, jax.tree_util.tree_unflatten(treedef, chunk))
        m = min(size, n - start)
        parts.append({k: np.asarray(v)[:m] for k, v in out.items()})
        if callback is not None:
            callback(m)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


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
        attrs = {"units": meta.unit, "description": meta.doc} if meta else {}
        values = np.where(mask.reshape((-1,) + (1,) * (values.ndim - 1)) != 0, np.nan, values)
        data_vars[name] = xr.Variable(dims, values, attrs)
    data_vars["error"] = xr.Variable(("point",), np.array([status.reasons(m) for m in mask], dtype=object),
                                     {"description": "why the point is infeasible ('' when feasible)"})
    data_vars["status"] = xr.Variable(("point",), mask, {"description": "infeasibility bit mask (dse.status)"})
    coords: dict[str, Any] = {"point": np.arange(n), "layer": np.arange(1, len(net.layers) + 1)}
    for k in design.KNOBS:
        vals = [p[k] for p in points]
        coords[k] = ("point", np.array(vals, dtype=object if isinstance(vals[0], str) else None))
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({"network": net.name, "dse_version": _version()})
    return ds


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
      traces: folder of NeuroSim-layout traces (used by the latency/energy model; the
        area model does not need them).
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
    out = run_model(net, encoded, batch_size=batch_size)
    return to_dataset(net, plist, out)
