"""Metric names, units and descriptions of the datasets `dse` returns.

Names follow the conformance files (``../shared/conformance/README.md``). Values are SI
(m², s, J, W); ``tops`` counts 1e12 operations per second, ``tops_per_mm2`` is per mm²
as the reference prints it.
"""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    doc: str
    per_layer: bool = False


_M = Metric
METRICS: dict[str, Metric] = {m.name: m for m in [
    _M("area", "m^2", "chip area"),
    _M("area_array", "m^2", "area of the memory arrays (cells only)"),
    _M("area_ic", "m^2", "interconnect area: global bus/H-tree and tile/PE buses"),
    _M("area_adc", "m^2", "ADC area (sense amplifiers and prechargers for SRAM)"),
    _M("area_accum", "m^2", "accumulation circuits: adders, shift-adds, adder trees"),
    _M("area_other", "m^2", "other periphery: decoders, muxes, switch matrices, buffers, pooling, activation"),
    _M("memory_utilization", "1", "fraction of on-chip memory holding weights"),
    _M("layer_tiles", "1", "tiles used by each layer", True),
    _M("layer_speedup", "1", "weight duplication (speed-up) of each layer", True),
    _M("layer_utilization", "1", "memory utilization of each layer's tiles", True),
]}

AREA_METRICS = ("area", "area_array", "area_ic", "area_adc", "area_accum", "area_other",
                "memory_utilization")
AREA_LAYER_METRICS = ("layer_tiles", "layer_speedup", "layer_utilization")
