"""Whole-network figures from per-layer figures: layer-by-layer or pipelined processing.

The chip evaluates each layer (:mod:`dse.chip.performance`); this module turns the per-layer
latency, dynamic energy, leakage and breakdowns into the chip's figures of merit, as the
reference's main program does (manual: "Performance" and "Pipeline"; model map section 6):

* **layer by layer** (no pipeline): the chip latency is the sum of the layer latencies. While a
  layer runs, the tiles of every OTHER layer leak with the tile leakage and the layer's own
  tiles leak only through the SRAM cells holding weights (``leakage_sram_in_use``); the layer's
  leakage power reported is its tiles times the tile leakage.
* **pipelined**: the chip latency (per image) is the slowest layer, the system clock. The
  leakage power of layer ``i`` uses the RUNNING maximum of the layer latencies up to ``i``
  (the reference builds it in layer order), weighting idle time with the full tile leakage and
  busy time with the in-use SRAM leakage; breakdown latencies are maxima over layers.
* throughput TOPS = ops / latency, energy efficiency TOPS/W = ops / energy (divided by the
  post-layout factor ``zeta`` when the point is validated), FPS = 1 / latency,
  TOPS/mm^2 = TOPS / area.

Per-layer inputs have a trailing layer axis ``(..., L)``; the layers beyond ``num_layers``
(padding) are ignored. Units: s, J, W, m^2.
"""
from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from dse.pytree import pytree_dataclass

#: per-layer quantities summed (layer by layer) or maximised (pipeline) into the chip breakdown
LATENCY_PARTS = ("latency_buffer", "latency_ic", "latency_adc", "latency_accum", "latency_other")
ENERGY_PARTS = ("energy_buffer", "energy_ic", "energy_adc", "energy_accum", "energy_other")


@pytree_dataclass
class LayerFigures:
    """Per-layer results of the chip evaluation (each ``(..., L)``; seconds, J, W).

    ``tile_leakage`` is the leakage of one of the layer's tiles, ``tile_leakage_sram_in_use`` the
    SRAM-cell leakage of one of its tiles while it computes, ``num_tiles`` its tiles.
    """

    latency: Any
    energy_dynamic: Any
    tile_leakage: Any
    tile_leakage_sram_in_use: Any
    num_tiles: Any
    latency_buffer: Any
    energy_buffer: Any
    latency_ic: Any
    energy_ic: Any
    latency_adc: Any
    latency_accum: Any
    latency_other: Any
    energy_adc: Any
    energy_accum: Any
    energy_other: Any


def _mask(x, num_layers):
    idx = jnp.arange(jnp.shape(x)[-1])
    return idx < jnp.asarray(num_layers)[..., None]


def _running_max(x):
    """Running maximum along the last axis (the reference's ``MAX(systemClock, ...)`` in layer order)."""
    import jax
    return jax.lax.associative_scan(jnp.maximum, x, axis=x.ndim - 1)


def aggregate(lf: LayerFigures, pipeline, num_layers, num_computation, chip_area, zeta, validated) -> dict:
    """Chip figures and per-layer ``layer_*`` metrics (the conformance names).

    ``pipeline`` (0-d, nonzero: pipelined), ``num_layers`` the true layer count, ``num_computation``
    the network's operations per image (2 x MACs), ``chip_area`` m^2, ``zeta`` the post-layout
    energy factor (applied where ``validated`` is nonzero).
    """
    lat = jnp.asarray(lf.latency, jnp.float64)
    valid = _mask(lat, num_layers)
    z = lambda x: jnp.where(valid, jnp.broadcast_to(x, lat.shape), 0.0)  # noqa: E731
    lat = z(lat)
    tiles = z(lf.num_tiles)
    leak = z(lf.tile_leakage)
    leak_use = z(lf.tile_leakage_sram_in_use)
    pipe = jnp.asarray(pipeline)[..., None] != 0

    # ---- layer by layer ----
    all_tiles = jnp.sum(tiles, axis=-1, keepdims=True)
    other_tiles = all_tiles - tiles
    lbl_leak_power = tiles * leak
    lbl_leak_energy = (other_tiles * leak + tiles * leak_use) * lat

    # ---- pipelined: running system clock ----
    clock = _running_max(lat)
    safe = jnp.where(clock > 0, clock, 1.0)
    pipe_leak_power = tiles * (leak * (clock - lat) + leak_use * lat) / safe
    system = jnp.max(lat, axis=-1)
    pipe_leak_energy = pipe_leak_power * system[..., None]

    layer_leak_power = jnp.where(pipe, pipe_leak_power, lbl_leak_power)
    layer_leak_energy = jnp.where(pipe, pipe_leak_energy, lbl_leak_energy)
    p0 = pipe[..., 0]

    out = {
        "layer_latency": lat,
        "layer_energy_dynamic": z(lf.energy_dynamic),
        "layer_leakage_power": layer_leak_power,
        "layer_energy_leakage": layer_leak_energy,
    }
    for k in LATENCY_PARTS + ENERGY_PARTS:
        out["layer_" + k] = z(getattr(lf, k))

    latency = jnp.where(p0, system, jnp.sum(lat, axis=-1))
    chip = {
        "latency": latency,
        "energy_dynamic": jnp.sum(out["layer_energy_dynamic"], axis=-1),
        "energy_leakage": jnp.sum(layer_leak_energy, axis=-1),
        "leakage_power": jnp.sum(layer_leak_power, axis=-1),
    }
    for k in LATENCY_PARTS:
        chip[k] = jnp.where(p0, jnp.max(out["layer_" + k], axis=-1), jnp.sum(out["layer_" + k], axis=-1))
    for k in ENERGY_PARTS:
        chip[k] = jnp.sum(out["layer_" + k], axis=-1)

    energy = chip["energy_dynamic"] + chip["energy_leakage"]
    ops = jnp.asarray(num_computation, jnp.float64)
    zf = jnp.where(jnp.asarray(validated) != 0, zeta, 1.0)
    chip["tops"] = ops / (latency * 1e12)
    chip["tops_per_w"] = ops / (energy * 1e12) / zf
    chip["fps"] = 1.0 / latency
    chip["tops_per_mm2"] = chip["tops"] / (chip_area * 1e6)
    chip.update(out)
    return chip
