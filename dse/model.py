"""The hardware model of one design point, end to end (written for one point; lifted to
batches with ``jax.vmap`` in :mod:`dse.engine`).

Stages compiled separately, so that the heavy ones are shared by every network:

* :func:`layout_stage` (per network): the floorplan (manual §5.2-5.4). The network's layer
  shapes are static here; the compiled graph is small.
* :func:`subarray_stage` and :func:`hardware_stage` (network-independent): parameters,
  technology and the subarray; then the reference's own refusals (node limits), PE, tile and
  chip area. The second sees the network only through the floorplan's traced outputs, with
  per-layer arrays padded to a bucket of layers, and returns the laid-out modules
  (:class:`HardwareState`) for the next stage. Two programs of similar size compile in parallel
  (compile time grows with program size, so one large program was the cold start's critical
  path).
* :func:`performance_stage`: latency, dynamic energy, leakage and figures of merit from the
  laid-out modules and the network's static tables (:mod:`dse.chip.layer_tables`: the cut and
  the trace statistics of one structural key). Its costliest table-sized part, the column
  states' conductances, depends on six parameters only
  (:func:`dse.traces.resistance.column_params`); the engine computes it once per distinct set
  and passes it in as ``g_col``.
"""
from __future__ import annotations

import dataclasses
from typing import Any

import jax.numpy as jnp

from dse import design as D
from dse import status as S
from dse.array.subarray import subarray
from dse.chip.chip import ChipArea, chip_area
from dse.chip.floorplan import Floorplan, floorplan
from dse.chip.layer_tables import LayerTables
from dse.chip.performance import chip_performance
from dse.array.subarray import SubArray
from dse.pytree import pytree_dataclass
from dse.tech.memcell import memcell
from dse.tech.params import make_params
from dse.tech.technology import technology


def node_status(prm):
    """The reference's hard exits on unsupported node / cell / roadmap combinations."""
    mask = jnp.zeros(jnp.shape(prm.technode), jnp.int64)
    mask = S.flag(mask, (prm.memcelltype == D.RRAM) & (prm.technode <= 14), S.RRAM_NODE)
    mask = S.flag(mask, (prm.deviceroadmap == D.HP) & (prm.technode <= 14), S.HP_NODE)
    return mask


def layout_stage(d: D.DesignArrays, layers: tuple[tuple[int, ...], ...]) -> Floorplan:
    """The floorplan of one point on the network ``layers`` (static)."""
    return floorplan(make_params(d), layers)


@pytree_dataclass
class HardwareState:
    """The laid-out subarray and chip of one point (input of :func:`performance_stage`)."""

    sub: SubArray
    chip: ChipArea


def subarray_stage(d: D.DesignArrays) -> SubArray:
    """The laid-out subarray of one encoded design point (its circuits' sizes, area, status)."""
    prm = make_params(d)
    return subarray(technology(prm), prm, memcell(prm))


def hardware_stage(d: D.DesignArrays, fp: Floorplan, sub: SubArray, num_layers) -> tuple[dict, HardwareState]:
    """Area metrics of one encoded design point given its floorplan and subarray
    (:func:`subarray_stage`), and its laid-out modules.

    ``num_layers`` is the network's true number of layers (traced); per-layer arrays of
    ``fp`` may be padded beyond it. Returns (a dict of arrays: chip metrics are 0-d,
    per-layer metrics have the (padded) layer shape, and ``status`` is the infeasibility
    bit mask (0 = feasible); the :class:`HardwareState`).
    """
    prm = make_params(d)
    tech = technology(prm)
    cell = memcell(prm)
    chip = chip_area(tech, prm, cell, num_layers, fp, sub)
    mask = node_status(prm) | fp.status.astype(jnp.int64) | sub.status.astype(jnp.int64)
    out = {
        "area": chip.area,
        "area_array": chip.area_array,
        "area_ic": chip.area_ic,
        "area_adc": chip.area_adc,
        "area_accum": chip.area_accum,
        "area_other": chip.area_other,
        "memory_utilization": fp.memory_utilization,
        "layer_tiles": fp.layer_tiles,
        "layer_speedup": fp.layer_speedup,
        "layer_utilization": fp.utilization_each_layer,
    }
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(out[k])) for k in out if not k.startswith("layer_")]))
    mask = S.flag(mask, (mask == 0) & ~finite, S.NUMERIC)
    mask = S.flag(mask, (sub.area < 0) | (chip.area_other < 0), S.NEGATIVE_LAYOUT)
    out["status"] = mask
    return out, HardwareState(sub=sub, chip=chip)


def per_point(**kwargs):
    """A field of :class:`PerformanceInputs` that differs between the points of a batch (vmapped)."""
    return dataclasses.field(metadata={"batch_axis": 0}, **kwargs)


def per_call(**kwargs):
    """A field of :class:`PerformanceInputs` shared by the points of a batch (one structural key)."""
    return dataclasses.field(metadata={"batch_axis": None}, **kwargs)


@pytree_dataclass
class PerformanceInputs:
    """Everything :func:`performance_stage` reads for one point.

    Per-point fields are batched (the engine's batch axis); per-call fields are shared by a batch of
    points with the same structural key. The engine derives the vmapped axes from these markers
    (:meth:`in_axes`) and packs the per-point fields it gets as arrays, so a new input is a field
    here and its source in the evaluation plan (:meth:`dse.plan.Plan.performance_inputs`).
    """

    d: D.DesignArrays = per_point()          # the encoded point
    fp: Floorplan = per_point()              # its floorplan (per-layer axes padded to the tables' layers)
    hw: HardwareState = per_point()          # its laid-out modules (:func:`hardware_stage`)
    g_col: Any = per_point()                 # (L, K) column-state conductances, or None: computed here
    tables: LayerTables = per_call()         # the network's tables under the points' structural key
    num_layers: Any = per_call()             # the network's true number of layers
    num_computation: Any = per_call()        # operations per image

    @classmethod
    def in_axes(cls) -> "PerformanceInputs":
        """The ``jax.vmap`` axes of each field: 0 per point, None per call."""
        return cls(**{f.name: f.metadata["batch_axis"] for f in dataclasses.fields(cls)})

    @classmethod
    def per_point_fields(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata["batch_axis"] is not None)


def performance_stage(inp: PerformanceInputs) -> dict:
    """Latency, energy, leakage and figures of merit of one point (manual §6-7; model map §2-6).

    ``inp.tables``: the network's :class:`LayerTables` under this point's structural key (per-layer
    axes padded like ``inp.fp``); ``inp.g_col`` the point's column-state conductances (L, K) if
    computed already (:func:`dse.traces.resistance.column_conductance_entries`). Returns the chip
    metrics (0-d), the ``layer_*`` metrics and ``status`` (NO_LATENCY where a chip metric is not
    finite).
    """
    prm = make_params(inp.d)
    tech = technology(prm)
    cell = memcell(prm)
    out = chip_performance(tech, prm, cell, inp.hw.sub, inp.hw.chip, inp.fp, inp.tables, inp.num_layers,
                           inp.num_computation, inp.g_col)
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for k, v in out.items() if not k.startswith("layer_")]))
    out["status"] = jnp.where(finite, 0, S.NO_LATENCY).astype(jnp.int64)
    return out


def point_model(d: D.DesignArrays, layers: tuple[tuple[int, ...], ...], tables: LayerTables | None = None,
                num_computation=None) -> dict:
    """Every stage for one point, unpadded and unbatched: the slow reference for the staged, batched
    path of :mod:`dse.engine` (``tests/test_point_model.py``).

    ``d``: one encoded point (0-d leaves); ``layers``: the network's layers (static). Returns the area
    metrics and ``status``; given ``tables``, the network's :class:`LayerTables` under the point's
    structural key (layer axis unpadded) and ``num_computation``, also the latency and energy
    metrics, with the column states' conductances computed in place (the engine computes them once
    per group of points). Compile it with the model's exactness options (:func:`dse.compile.compiled`).
    """
    fp = layout_stage(d, layers)
    out, hw = hardware_stage(d, fp, subarray_stage(d), len(layers))
    if tables is not None:
        perf = performance_stage(PerformanceInputs(d=d, fp=fp, hw=hw, g_col=None, tables=tables,
                                                   num_layers=len(layers), num_computation=num_computation))
        out = dict(out, **{k: v for k, v in perf.items() if k != "status"}, status=out["status"] | perf["status"])
    return out
