"""The hardware model of one design point, end to end (written for one point; lifted to
batches with ``jax.vmap`` in :mod:`dse.evaluate`).

Order follows the reference's flow (manual ch. 5; model map §1): parameters and technology,
the reference's own refusals (node limits), floorplan, subarray, PE/tile/chip area.
"""
from __future__ import annotations

import jax.numpy as jnp

from dse import design as D
from dse import status as S
from dse.array.subarray import subarray
from dse.chip.chip import chip_area
from dse.chip.floorplan import floorplan
from dse.tech.memcell import memcell
from dse.tech.params import make_params
from dse.tech.technology import technology


def node_status(prm):
    """The reference's hard exits on unsupported node / cell / roadmap combinations."""
    mask = jnp.zeros(jnp.shape(prm.technode), jnp.int64)
    mask = S.flag(mask, (prm.memcelltype == D.RRAM) & (prm.technode <= 14), S.RRAM_NODE)
    mask = S.flag(mask, (prm.deviceroadmap == D.HP) & (prm.technode <= 14), S.HP_NODE)
    return mask


def point_model(d: D.DesignArrays, layers: tuple[tuple[int, ...], ...]) -> dict:
    """All metrics of one encoded design point on the network ``layers`` (static).

    Returns a dict of arrays: chip metrics are 0-d, per-layer metrics have shape (L,),
    and ``status`` is the infeasibility bit mask (0 = feasible).
    """
    prm = make_params(d)
    tech = technology(prm)
    cell = memcell(prm)
    fp = floorplan(prm, layers)
    sub = subarray(tech, prm, cell)
    chip = chip_area(tech, prm, cell, layers, fp, sub)
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
    finite = jnp.all(jnp.stack([jnp.all(jnp.isfinite(v)) for v in out.values()]))
    mask = S.flag(mask, (mask == 0) & ~finite, S.NUMERIC)
    out["status"] = mask
    return out
