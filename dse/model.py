"""The hardware model of one design point, end to end (written for one point; lifted to
batches with ``jax.vmap`` in :mod:`dse.engine`).

Two stages, compiled separately so that the heavy one is shared by every network:

* :func:`layout_stage` (per network): the floorplan (manual §5.2-5.4). The network's layer
  shapes are static here; the compiled graph is small.
* :func:`hardware_stage` (network-independent): parameters, technology, the reference's own
  refusals (node limits), subarray, PE, tile and chip area. It sees the network only through
  the floorplan's traced outputs, with per-layer arrays padded to a bucket of layers.
"""
from __future__ import annotations

import jax.numpy as jnp

from dse import design as D
from dse import status as S
from dse.array.subarray import subarray
from dse.chip.chip import chip_area
from dse.chip.floorplan import Floorplan, floorplan
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


def hardware_stage(d: D.DesignArrays, fp: Floorplan, num_layers) -> dict:
    """All metrics of one encoded design point given its floorplan.

    ``num_layers`` is the network's true number of layers (traced); per-layer arrays of
    ``fp`` may be padded beyond it. Returns a dict of arrays: chip metrics are 0-d,
    per-layer metrics have the (padded) layer shape, and ``status`` is the infeasibility
    bit mask (0 = feasible).
    """
    prm = make_params(d)
    tech = technology(prm)
    cell = memcell(prm)
    sub = subarray(tech, prm, cell)
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
    out["status"] = mask
    return out


def point_model(d: D.DesignArrays, layers: tuple[tuple[int, ...], ...]) -> dict:
    """Both stages for one point (unpadded); the reference for the staged, batched path."""
    return hardware_stage(d, layout_stage(d, layers), len(layers))
